//! Declarations of the runtime's C ABI (`weft_rt_*`), mirroring `runtime/src/abi/` and
//! documented in docs/runtime.md. Signatures are written compactly: `p` pointer, `r` a
//! pointer the function only reads or writes through during the call (a variable's slot,
//! an out-parameter: declared `nocapture`, so the slot's address does not escape and
//! LLVM may keep its value in a register across stores elsewhere), `i` i64 (also `size_t`
//! and `uint64_t`), `w` i32, `b` bool, `d` double, `f` float; the first letter is the
//! return type (`v` void, `!` noreturn).

use super::Cg;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::module::Linkage;
use inkwell::types::{BasicMetadataTypeEnum, BasicType};
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, FunctionValue};

const FUNCTIONS: &[(&str, &str)] = &[
    // Memory and counts.
    ("weft_rt_alloc", "pii"),
    ("weft_rt_free", "vpii"),
    // Strings.
    ("weft_rt_str_from_bytes", "ppi"),
    ("weft_rt_str_free", "vp"),
    ("weft_rt_str_concat", "ppp"),
    ("weft_rt_str_concat_n", "pri"),
    ("weft_rt_str_eq", "bpp"),
    ("weft_rt_str_cmp", "wpp"),
    ("weft_rt_str_slice", "ppiip"),
    ("weft_rt_str_contains", "bpp"),
    ("weft_rt_str_starts_with", "bpp"),
    ("weft_rt_str_ends_with", "bpp"),
    ("weft_rt_str_find", "ipp"),
    ("weft_rt_str_split", "ppp"),
    ("weft_rt_str_trim", "pp"),
    ("weft_rt_str_to_upper", "pp"),
    ("weft_rt_str_to_lower", "pp"),
    ("weft_rt_str_parse_int", "bpr"),
    ("weft_rt_str_parse_float", "bpr"),
    ("weft_rt_str_bytes", "pp"),
    ("weft_rt_str_from_i64", "pi"),
    ("weft_rt_str_from_u64", "pi"),
    ("weft_rt_str_from_f64", "pd"),
    ("weft_rt_str_from_f32", "pf"),
    ("weft_rt_str_from_f64_fixed", "pdi"),
    ("weft_rt_str_from_bool", "pb"),
    // Vectors.
    ("weft_rt_vec_with_capacity", "pip"),
    ("weft_rt_vec_reserve", "vrip"),
    ("weft_rt_vec_make_unique", "vrp"),
    ("weft_rt_vec_free", "vpp"),
    ("weft_rt_vec_slice", "ppiipp"),
    ("weft_rt_vec_insert", "vrirpp"),
    ("weft_rt_vec_remove", "vrirpp"),
    ("weft_rt_vec_pop", "brrp"),
    ("weft_rt_vec_reverse", "vrp"),
    ("weft_rt_vec_sort", "vrp"),
    ("weft_rt_vec_str_join", "ppp"),
    // Maps.
    ("weft_rt_map_new", "pwp"),
    ("weft_rt_map_free", "vp"),
    ("weft_rt_map_make_unique", "vr"),
    ("weft_rt_map_insert", "vrir"),
    ("weft_rt_map_get", "ppi"),
    ("weft_rt_map_contains", "bpi"),
    ("weft_rt_map_remove", "brir"),
    ("weft_rt_map_len", "ip"),
    ("weft_rt_map_keys", "ppp"),
    ("weft_rt_map_values", "pp"),
    ("weft_rt_map_next", "bprrr"),
    // Printing and I/O.
    ("weft_rt_print", "vriw"),
    ("weft_rt_args", "p"),
    ("weft_rt_program_name", "p"),
    ("weft_rt_read_file", "bpr"),
    ("weft_rt_write_file", "bppr"),
    ("weft_rt_read_line", "br"),
    ("weft_rt_getenv", "bpr"),
    ("weft_rt_exit", "!w"),
    // Panics.
    ("weft_rt_panic", "!pp"),
    ("weft_rt_panic_str", "!pip"),
    ("weft_rt_panic_overflow", "!p"),
    ("weft_rt_panic_div_zero", "!p"),
    ("weft_rt_panic_bounds", "!iip"),
    // Process entry and tasks.
    ("weft_rt_start", "wwpp"),
    ("weft_rt_morestack", "vi"),
    ("weft_rt_task_spawn", "pppipiwp"),
    ("weft_rt_task_spawn_site", "ppppiw"),
    ("weft_rt_task_join", "wppp"),
    ("weft_rt_task_join_timeout", "wppip"),
    ("weft_rt_task_panic_message", "ppp"),
    ("weft_rt_task_cancel", "vp"),
    ("weft_rt_task_is_cancelled", "b"),
    ("weft_rt_task_wait_any", "ipi"),
    ("weft_rt_task_wait_all", "ipi"),
    ("weft_rt_task_fail", "!wpp"),
    ("weft_rt_yield", "v"),
    ("weft_rt_sleep_ms", "vi"),
    ("weft_rt_now_ms", "i"),
    ("weft_rt_now_ns", "i"),
    // Scopes and task groups.
    ("weft_rt_scope_open", "vpii"),
    ("weft_rt_scope_spawn_site", "ppppp"),
    ("weft_rt_scope_run_inline", "vpppp"),
    ("weft_rt_scope_fork", "vpppp"),
    ("weft_rt_scope_par_for", "vpiippp"),
    ("weft_rt_scope_wait", "wprp"),
    ("weft_rt_scope_close", "vp"),
    ("weft_rt_task_group_new", "p"),
    ("weft_rt_task_group_spawn_site", "ppppp"),
    ("weft_rt_task_group_retain", "vp"),
    ("weft_rt_task_group_release", "vp"),
];

/// Runtime functions that never panic, so never unwind into their caller: data
/// operations without a failure mode, reference counts, clocks and reads of state. Every
/// other runtime function may panic (misuse of a handle, bounds, a destroyed object) and
/// is called through [`super::func::FnCg::call_may_unwind`].
const NEVER_UNWIND: &[&str] = &[
    "weft_rt_alloc",
    "weft_rt_free",
    "weft_rt_str_from_bytes",
    "weft_rt_str_free",
    "weft_rt_str_concat",
    "weft_rt_str_concat_n",
    "weft_rt_str_eq",
    "weft_rt_str_cmp",
    "weft_rt_str_contains",
    "weft_rt_str_starts_with",
    "weft_rt_str_ends_with",
    "weft_rt_str_find",
    "weft_rt_str_split",
    "weft_rt_str_trim",
    "weft_rt_str_to_upper",
    "weft_rt_str_to_lower",
    "weft_rt_str_parse_int",
    "weft_rt_str_parse_float",
    "weft_rt_str_bytes",
    "weft_rt_str_from_i64",
    "weft_rt_str_from_u64",
    "weft_rt_str_from_f64",
    "weft_rt_str_from_f32",
    "weft_rt_str_from_f64_fixed",
    "weft_rt_str_from_bool",
    "weft_rt_vec_with_capacity",
    "weft_rt_vec_reserve",
    "weft_rt_vec_make_unique",
    "weft_rt_vec_free",
    "weft_rt_vec_pop",
    "weft_rt_vec_reverse",
    "weft_rt_vec_sort",
    "weft_rt_vec_str_join",
    "weft_rt_map_new",
    "weft_rt_map_free",
    "weft_rt_map_make_unique",
    "weft_rt_map_insert",
    "weft_rt_map_get",
    "weft_rt_map_contains",
    "weft_rt_map_remove",
    "weft_rt_map_len",
    "weft_rt_map_keys",
    "weft_rt_map_values",
    "weft_rt_map_next",
    "weft_rt_print",
    "weft_rt_args",
    "weft_rt_program_name",
    "weft_rt_read_file",
    "weft_rt_write_file",
    "weft_rt_read_line",
    "weft_rt_getenv",
    "weft_rt_now_ms",
    "weft_rt_now_ns",
    "weft_rt_task_panic_message",
    "weft_rt_thread_panic_message",
    "weft_rt_task_is_cancelled",
    "weft_rt_thread_current",
    "weft_rt_thread_name",
    "weft_rt_ncpu",
    "weft_rt_morestack",
    "weft_rt_scope_open",
    "weft_rt_scope_spawn_site",
    "weft_rt_scope_run_inline",
    "weft_rt_scope_fork",
    "weft_rt_scope_par_for",
    "weft_rt_scope_wait",
    "weft_rt_scope_close",
    "weft_rt_task_group_new",
    "weft_rt_task_group_spawn_site",
    // Networking reports every failure as an `Err`.
    "weft_rt_tcp_connect",
    "weft_rt_tcp_send",
    "weft_rt_tcp_send_bytes",
    "weft_rt_tcp_recv",
    "weft_rt_tcp_recv_bytes",
    "weft_rt_tcp_set_timeout",
    "weft_rt_tcp_peer_addr",
    "weft_rt_tcp_close",
    "weft_rt_tcp_bind",
    "weft_rt_tcp_accept",
    "weft_rt_tcp_listener_port",
    "weft_rt_tcp_listener_close",
];

/// Whether runtime function `name` may panic (see [`NEVER_UNWIND`]).
fn may_unwind(name: &str) -> bool {
    !NEVER_UNWIND.contains(&name) && !name.ends_with("_retain") && !name.ends_with("_release")
}

/// Runtime functions that return but are called on rare paths only.
const COLD: &[&str] = &["weft_rt_morestack"];

/// Runtime functions that never return.
fn is_noreturn(sig: &str) -> bool {
    sig.starts_with('!')
}

impl<'ctx> Cg<'ctx, '_> {
    /// The declaration of runtime function `name` (declared on first use).
    pub fn rt(&mut self, name: &str) -> FunctionValue<'ctx> {
        if let Some(f) = self.module.get_function(name) {
            return f;
        }
        let sig = FUNCTIONS
            .iter()
            .chain(super::sync::FUNCTIONS)
            .chain(super::select::FUNCTIONS)
            .chain(super::generator::FUNCTIONS)
            .chain(super::net::FUNCTIONS)
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| panic!("runtime function {name} is not declared in runtime_abi.rs"));
        let mut chars = sig.chars();
        let ret = chars.next().unwrap_or('v');
        let params: Vec<BasicMetadataTypeEnum> = chars.map(|c| self.abi_ty(c).into()).collect();
        let fty = match ret {
            'v' | '!' => self.ctx.void_type().fn_type(&params, false),
            c => self.abi_ty(c).fn_type(&params, false),
        };
        let f = self.module.add_function(name, fty, Some(Linkage::External));
        // C's `_Bool` travels zero-extended (docs/runtime.md): without the attribute an
        // `i1` argument may carry garbage in the rest of its register.
        let zeroext = self.enum_attr("zeroext");
        let nocapture = self.enum_attr("nocapture");
        for (i, c) in sig.chars().skip(1).enumerate() {
            match c {
                'b' => f.add_attribute(AttributeLoc::Param(i as u32), zeroext),
                'r' => f.add_attribute(AttributeLoc::Param(i as u32), nocapture),
                _ => {}
            }
        }
        if ret == 'b' {
            f.add_attribute(AttributeLoc::Return, zeroext);
        }
        if is_noreturn(sig) {
            // `nomerge`: the calls of a panic (an `invoke` where cleanups are live) stay one
            // per trap site. Merged into one block with phis for the location, they cost
            // registers and a spilled accumulator in hot loops (spectralnorm: 1.8x).
            for attr in ["noreturn", "cold", "nomerge"] {
                f.add_attribute(AttributeLoc::Function, self.enum_attr(attr));
            }
        }
        if COLD.contains(&name) {
            f.add_attribute(AttributeLoc::Function, self.enum_attr("cold"));
        }
        if !may_unwind(name) {
            // Calls stay calls when inlined into a region with cleanups, and keep their
            // values in registers around them (an `invoke` ends its block).
            f.add_attribute(AttributeLoc::Function, self.enum_attr("nounwind"));
        }
        f
    }

    /// The LLVM enum attribute `name` (without a value).
    fn enum_attr(&self, name: &str) -> Attribute {
        self.ctx
            .create_enum_attribute(Attribute::get_named_enum_kind_id(name), 0)
    }

    fn abi_ty(&self, c: char) -> inkwell::types::BasicTypeEnum<'ctx> {
        match c {
            'p' | 'r' => self.ptr_ty().into(),
            'i' => self.ctx.i64_type().into(),
            'w' => self.ctx.i32_type().into(),
            'b' => self.ctx.bool_type().into(),
            'd' => self.ctx.f64_type().into(),
            'f' => self.ctx.f32_type().into(),
            other => panic!("unknown ABI type code {other}"),
        }
    }
}

impl<'ctx> super::func::FnCg<'_, 'ctx, '_> {
    /// Calls runtime function `name`; its result, if it returns one.
    pub fn call_rt(
        &mut self,
        name: &str,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> Option<BasicValueEnum<'ctx>> {
        let f = self.cg.rt(name);
        let c = if may_unwind(name) {
            self.call_may_unwind(f, args, "rt")
        } else {
            self.cg.builder.call(f, args, "rt")
        };
        c.try_as_basic_value().basic()
    }

    /// Calls runtime function `name`, which returns a value.
    pub fn rt_value(
        &mut self,
        name: &str,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> BasicValueEnum<'ctx> {
        self.call_rt(name, args)
            .expect("a runtime function that returns a value")
    }

    /// The result of runtime function `name` as an owned value (unit for `void`).
    pub fn rt_owned(
        &mut self,
        name: &str,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> super::func::Val<'ctx> {
        match self.call_rt(name, args) {
            Some(v) => super::func::Val::owned(v),
            None => self.unit(),
        }
    }

    /// The result of runtime function `name` as a value that owns nothing.
    pub fn rt_stat(
        &mut self,
        name: &str,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> super::func::Val<'ctx> {
        match self.call_rt(name, args) {
            Some(v) => super::func::Val::stat(v),
            None => self.unit(),
        }
    }
}
