//! The standard library's `@intrinsic` functions: string, vector, map, box, number and
//! I/O operations over the runtime ABI (docs/runtime.md), with the vector push fast path
//! and the simplest accessors inlined.

use super::func::{FnCg, Val};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::hir::Arg;
use crate::sema::ty::{FloatTy, Ty};
use crate::source::Span;
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Emits intrinsic `name`; `type_args` are its declaration's type arguments.
    pub fn intrinsic(
        &mut self,
        name: &str,
        type_args: &[Ty],
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        self.debug_loc(span);
        let ops: Vec<&'p crate::hir::Expr> = args.iter().map(|a| &a.expr).collect();
        self.mark_operands(&ops);
        let targ = |i: usize| type_args.get(i).cloned().unwrap_or(Ty::Error);
        if let Some(v) = self.string_intrinsic(name, args, span) {
            return v;
        }
        if let Some(v) = self.number_intrinsic(name, args, ret, span) {
            return v;
        }
        if name.starts_with("vec_") {
            if let Some(v) = self.vec_intrinsic(name, &targ(0), args, ret, span) {
                return v;
            }
        }
        if let Some(v) = self.task_intrinsic(name, type_args, args, ret, span) {
            return v;
        }
        if let Some(v) = self.sync_intrinsic(name, type_args, args, ret, span) {
            return v;
        }
        if name.starts_with("map_") {
            if let Some(v) = self.map_intrinsic(name, &targ(0), &targ(1), args, ret) {
                return v;
            }
        }
        match name {
            "panic" => {
                let msg = self.arg_val(&args[0]);
                let loc = self.cg.loc(span);
                self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
                self.diverge()
            }
            "assert" => {
                let cond = self.arg_val(&args[0]).into_int_value();
                let fail = self.block_bb("assert_failed");
                let ok = self.block_bb("assert_ok");
                self.cg
                    .builder
                    .build_conditional_branch(cond, ok, fail)
                    .unwrap();
                self.cg.builder.position_at_end(fail);
                let msg = self.arg_val(&args[1]);
                let loc = self.cg.loc(span);
                self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
                self.cg.builder.build_unreachable().unwrap();
                self.cg.builder.position_at_end(ok);
                self.unit()
            }
            "print" | "eprint" => {
                let arr = self.string_array(args);
                let n = self.cg.ctx.i64_type().const_int(args.len() as u64, false);
                let fd = self
                    .cg
                    .ctx
                    .i32_type()
                    .const_int(if name == "print" { 1 } else { 2 }, false);
                self.call_rt("weft_rt_print", &[arr.into(), n.into(), fd.into()]);
                self.unit()
            }
            "box_new" => {
                let t = targ(0);
                let v = self.arg_owned(&args[0]);
                let bt = self.cg.box_struct(&t);
                let obj = self.cg.alloc_object(bt.into());
                let p = self
                    .cg
                    .builder
                    .build_struct_gep(bt, obj, 1, "payload")
                    .unwrap();
                self.cg.builder.build_store(p, v).unwrap();
                Val::owned(obj.into())
            }
            "box_get" => {
                let t = targ(0);
                let b = self.arg_val(&args[0]).into_pointer_value();
                let bt = self.cg.box_struct(&t);
                let p = self
                    .cg
                    .builder
                    .build_struct_gep(bt, b, 1, "payload")
                    .unwrap();
                let lt = self.cg.llvm_ty(&t);
                let v = self.cg.builder.build_load(lt, p, "v").unwrap();
                Val::owned(self.owned(Val::borrowed(v), &t))
            }
            "io_args" => self.rt_owned("weft_rt_args", &[]),
            "io_program_name" => self.rt_owned("weft_rt_program_name", &[]),
            "io_read_file" | "io_read_line" | "io_getenv" | "io_write_file" => {
                self.io_out_param(name, args)
            }
            "io_exit" => {
                let code = self.arg_val(&args[0]);
                self.call_rt("weft_rt_exit", &[code.into()]);
                self.diverge()
            }
            "sched_yield" => {
                self.call_rt("weft_rt_yield", &[]);
                self.unit()
            }
            "sleep_ms" => {
                let ms = self.arg_val(&args[0]);
                self.call_rt("weft_rt_sleep_ms", &[ms.into()]);
                self.unit()
            }
            "now_ms" => self.rt_owned("weft_rt_now_ms", &[]),
            "now_ns" => self.rt_owned("weft_rt_now_ns", &[]),
            _ => self.not_implemented(name, ret, span),
        }
    }

    /// Reports an intrinsic this version cannot compile (E0900).
    fn not_implemented(&mut self, name: &str, ret: &Ty, span: Span) -> Val<'ctx> {
        let what = name.split('_').next().unwrap_or(name);
        self.cg.diags.push(
            Diagnostic::error(
                diag::E0900,
                span,
                format!("`{name}` is not implemented yet in code generation"),
            )
            .with_note(format!("the `{what}` part of the standard library cannot be compiled by this version; `weft check` accepts it")),
        );
        self.undef(ret)
    }

    /// Ends the current block after a call that does not return.
    fn diverge(&mut self) -> Val<'ctx> {
        self.cg.builder.build_unreachable().unwrap();
        self.ensure_open();
        self.unit()
    }

    // ----- argument helpers -----

    /// An argument's value for the moment (borrowed; temporaries released with the
    /// statement). `&mut` arguments give the address of their place.
    pub fn arg_val(&mut self, a: &'p Arg) -> BasicValueEnum<'ctx> {
        if a.mode == crate::sema::ty::PassMode::RefMut {
            return self.place(&a.expr, true).into();
        }
        let v = self.expr(&a.expr);
        self.consume_temp(v, &a.expr.ty)
    }

    /// An argument as an owned value (to be moved into a container).
    fn arg_owned(&mut self, a: &'p Arg) -> BasicValueEnum<'ctx> {
        let v = self.expr(&a.expr);
        self.owned(v, &a.expr.ty)
    }

    /// The address of a `&mut` argument's place (made unique for writing).
    fn arg_place(&mut self, a: &'p Arg) -> PointerValue<'ctx> {
        self.place(&a.expr, true)
    }

    fn call_rt(
        &mut self,
        name: &str,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> Option<BasicValueEnum<'ctx>> {
        let f = self.cg.rt(name);
        let c = self.cg.builder.build_call(f, args, "rt").unwrap();
        c.try_as_basic_value().basic()
    }

    fn rt_owned(&mut self, name: &str, args: &[BasicMetadataValueEnum<'ctx>]) -> Val<'ctx> {
        match self.call_rt(name, args) {
            Some(v) => Val::owned(v),
            None => self.unit(),
        }
    }

    fn rt_stat(&mut self, name: &str, args: &[BasicMetadataValueEnum<'ctx>]) -> Val<'ctx> {
        match self.call_rt(name, args) {
            Some(v) => Val::stat(v),
            None => self.unit(),
        }
    }

    /// A stack array of the string arguments (for print and concatenation).
    fn string_array(&mut self, args: &'p [Arg]) -> PointerValue<'ctx> {
        let ptr = self.cg.ptr_ty();
        let at = ptr.array_type(args.len().max(1) as u32);
        let arr = self.alloca(at.into(), "parts");
        let zero = self.cg.ctx.i64_type().const_zero();
        for (i, a) in args.iter().enumerate() {
            let v = self.arg_val(a);
            let idx = self.cg.ctx.i64_type().const_int(i as u64, false);
            let p = unsafe {
                self.cg
                    .builder
                    .build_in_bounds_gep(at, arr, &[zero, idx], "part")
                    .unwrap()
            };
            self.cg.builder.build_store(p, v).unwrap();
        }
        arr
    }

    /// `Some(value at ptr)` when `ok`, else `None` (the value is moved, not retained).
    pub(super) fn option_from(
        &mut self,
        ok: IntValue<'ctx>,
        payload: PointerValue<'ctx>,
        opt: &Ty,
        elem: &Ty,
    ) -> Val<'ctx> {
        let slot = self.result_slot(opt);
        let some = self.block_bb("some");
        let none = self.block_bb("none");
        let done = self.block_bb("option");
        self.cg
            .builder
            .build_conditional_branch(ok, some, none)
            .unwrap();
        self.cg.builder.position_at_end(some);
        let lt = self.cg.llvm_ty(elem);
        let v = self.cg.builder.build_load(lt, payload, "v").unwrap();
        self.store_variant(slot, opt, 0, &[v], done);
        self.cg.builder.position_at_end(none);
        self.store_variant(slot, opt, 1, &[], done);
        self.cg.builder.position_at_end(done);
        self.load_result(slot, opt)
    }

    // ----- strings -----

    fn string_intrinsic(&mut self, name: &str, args: &'p [Arg], span: Span) -> Option<Val<'ctx>> {
        let simple = match name {
            "str_contains" => "weft_rt_str_contains",
            "str_starts_with" => "weft_rt_str_starts_with",
            "str_ends_with" => "weft_rt_str_ends_with",
            "str_find" => "weft_rt_str_find",
            "str_split" => "weft_rt_str_split",
            "str_trim" => "weft_rt_str_trim",
            "str_to_upper" => "weft_rt_str_to_upper",
            "str_to_lower" => "weft_rt_str_to_lower",
            "str_bytes" => "weft_rt_str_bytes",
            "str_parse_int" => "weft_rt_str_parse_int",
            "str_parse_float" => "weft_rt_str_parse_float",
            "vec_join" => "weft_rt_vec_str_join",
            "str_concat_n" => {
                let arr = self.string_array(args);
                let n = self.cg.ctx.i64_type().const_int(args.len() as u64, false);
                return Some(self.rt_owned("weft_rt_str_concat_n", &[arr.into(), n.into()]));
            }
            "str_len" => {
                let s = self.arg_val(&args[0]).into_pointer_value();
                return Some(Val::stat(self.cg.str_len(s).into()));
            }
            "str_slice" => {
                let vals: Vec<BasicMetadataValueEnum> =
                    args.iter().map(|a| self.arg_val(a).into()).collect();
                let loc = self.cg.loc(span);
                let mut all = vals;
                all.push(loc.into());
                return Some(self.rt_owned("weft_rt_str_slice", &all));
            }
            _ => return None,
        };
        let vals: Vec<BasicMetadataValueEnum> =
            args.iter().map(|a| self.arg_val(a).into()).collect();
        Some(self.rt_owned(simple, &vals))
    }

    // ----- numbers -----

    fn number_intrinsic(
        &mut self,
        name: &str,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Option<Val<'ctx>> {
        let recv_ty = args.first().map(|a| a.expr.ty.clone()).unwrap_or(Ty::Error);
        match name {
            "int_to_string" => {
                let x = self.arg_val(&args[0]).into_int_value();
                let signed = matches!(recv_ty, Ty::Int(i) if i.signed());
                let i64t = self.cg.ctx.i64_type();
                let w = self
                    .cg
                    .builder
                    .build_int_cast_sign_flag(x, i64t, signed, "w")
                    .unwrap();
                let f = if signed {
                    "weft_rt_str_from_i64"
                } else {
                    "weft_rt_str_from_u64"
                };
                Some(self.rt_owned(f, &[w.into()]))
            }
            "bool_to_string" => {
                let b = self.arg_val(&args[0]);
                Some(self.rt_owned("weft_rt_str_from_bool", &[b.into()]))
            }
            "float_to_string" => {
                let x = self.arg_val(&args[0]);
                let f = if matches!(recv_ty, Ty::Float(FloatTy::F32)) {
                    "weft_rt_str_from_f32"
                } else {
                    "weft_rt_str_from_f64"
                };
                Some(self.rt_owned(f, &[x.into()]))
            }
            "float_to_fixed" => {
                let x = self.arg_val(&args[0]).into_float_value();
                let digits = self.arg_val(&args[1]);
                let f64t = self.cg.ctx.f64_type();
                let wide = self.cg.builder.build_float_ext(x, f64t, "wide").unwrap();
                Some(self.rt_owned("weft_rt_str_from_f64_fixed", &[wide.into(), digits.into()]))
            }
            "int_wrapping_add" | "int_wrapping_sub" | "int_wrapping_mul" => {
                let a = self.arg_val(&args[0]).into_int_value();
                let b = self.arg_val(&args[1]).into_int_value();
                let bld = &self.cg.builder;
                let v = match name {
                    "int_wrapping_add" => bld.build_int_add(a, b, "wadd").unwrap(),
                    "int_wrapping_sub" => bld.build_int_sub(a, b, "wsub").unwrap(),
                    _ => bld.build_int_mul(a, b, "wmul").unwrap(),
                };
                Some(Val::stat(v.into()))
            }
            "int_checked_add" | "int_checked_sub" | "int_checked_mul" => {
                let a = self.arg_val(&args[0]).into_int_value();
                let b = self.arg_val(&args[1]).into_int_value();
                let signed = matches!(recv_ty, Ty::Int(i) if i.signed());
                let op = &name["int_checked_".len()..];
                let op = format!("{}{}", if signed { "s" } else { "u" }, op);
                let (v, overflow) = self.overflow_op(&op, a, b);
                let ok = self.cg.builder.build_not(overflow, "ok").unwrap();
                let p = self.alloca(v.get_type().into(), "checked");
                self.cg.builder.build_store(p, v).unwrap();
                Some(self.option_from(ok, p, ret, &recv_ty))
            }
            "float_is_nan" => {
                let x = self.arg_val(&args[0]).into_float_value();
                let v = self
                    .cg
                    .builder
                    .build_float_compare(inkwell::FloatPredicate::UNO, x, x, "nan")
                    .unwrap();
                Some(Val::stat(v.into()))
            }
            _ if name.starts_with("float_") => {
                let llvm = match &name["float_".len()..] {
                    "sqrt" => "llvm.sqrt",
                    "abs" => "llvm.fabs",
                    "floor" => "llvm.floor",
                    "ceil" => "llvm.ceil",
                    "round" => "llvm.round",
                    "sin" => "llvm.sin",
                    "cos" => "llvm.cos",
                    "exp" => "llvm.exp",
                    "ln" => "llvm.log",
                    "pow" => "llvm.pow",
                    _ => return None,
                };
                let vals: Vec<BasicMetadataValueEnum> =
                    args.iter().map(|a| self.arg_val(a).into()).collect();
                let ft = self.cg.llvm_ty(&recv_ty);
                let f = inkwell::intrinsics::Intrinsic::find(llvm)
                    .and_then(|i| i.get_declaration(&self.cg.module, &[ft]))
                    .expect("float intrinsic");
                let r = self.cg.builder.build_call(f, &vals, "f").unwrap();
                let _ = span;
                Some(Val::stat(r.try_as_basic_value().basic().unwrap()))
            }
            _ => None,
        }
    }

    /// `llvm.<op>.with.overflow`: (value, overflowed).
    fn overflow_op(
        &mut self,
        op: &str,
        a: IntValue<'ctx>,
        b: IntValue<'ctx>,
    ) -> (IntValue<'ctx>, IntValue<'ctx>) {
        let f = inkwell::intrinsics::Intrinsic::find(&format!("llvm.{op}.with.overflow"))
            .and_then(|i| i.get_declaration(&self.cg.module, &[a.get_type().into()]))
            .expect("overflow intrinsic");
        let r = self
            .cg
            .builder
            .build_call(f, &[a.into(), b.into()], "ovf")
            .unwrap();
        let r = r.try_as_basic_value().basic().unwrap().into_struct_value();
        let v = self
            .cg
            .builder
            .build_extract_value(r, 0, "v")
            .unwrap()
            .into_int_value();
        let o = self
            .cg
            .builder
            .build_extract_value(r, 1, "o")
            .unwrap()
            .into_int_value();
        (v, o)
    }

    // ----- vectors -----

    fn vec_intrinsic(
        &mut self,
        name: &str,
        t: &Ty,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Option<Val<'ctx>> {
        let v = match name {
            "vec_new" => Val::stat(self.cg.empty_vec().into()),
            "vec_with_capacity" => {
                let n = self.arg_val(&args[0]);
                let g = self.cg.glue_const(t);
                self.rt_owned("weft_rt_vec_with_capacity", &[n.into(), g.into()])
            }
            "vec_len" => {
                let v = self.arg_val(&args[0]).into_pointer_value();
                Val::stat(self.cg.vec_len(v).into())
            }
            "vec_push" => {
                let slot = self.arg_place(&args[0]);
                let x = self.arg_owned(&args[1]);
                self.vec_push(slot, x, t);
                self.unit()
            }
            "vec_pop" => {
                let slot = self.arg_place(&args[0]);
                let lt = self.cg.llvm_ty(t);
                let out = self.alloca(lt, "popped");
                let g = self.cg.glue_const(t);
                let ok = self
                    .call_rt("weft_rt_vec_pop", &[slot.into(), out.into(), g.into()])
                    .unwrap();
                self.option_from(ok.into_int_value(), out, ret, t)
            }
            "vec_insert" => {
                let slot = self.arg_place(&args[0]);
                let i = self.arg_val(&args[1]);
                let x = self.arg_owned(&args[2]);
                let lt = self.cg.llvm_ty(t);
                let p = self.alloca(lt, "elem");
                self.cg.builder.build_store(p, x).unwrap();
                let g = self.cg.glue_const(t);
                let loc = self.cg.loc(span);
                self.call_rt(
                    "weft_rt_vec_insert",
                    &[slot.into(), i.into(), p.into(), g.into(), loc.into()],
                );
                self.unit()
            }
            "vec_remove" => {
                let slot = self.arg_place(&args[0]);
                let i = self.arg_val(&args[1]);
                let lt = self.cg.llvm_ty(t);
                let out = self.alloca(lt, "removed");
                let g = self.cg.glue_const(t);
                let loc = self.cg.loc(span);
                self.call_rt(
                    "weft_rt_vec_remove",
                    &[slot.into(), i.into(), out.into(), g.into(), loc.into()],
                );
                Val::owned(self.cg.builder.build_load(lt, out, "v").unwrap())
            }
            "vec_sort" | "vec_reverse" => {
                let slot = self.arg_place(&args[0]);
                let g = self.cg.glue_const(t);
                let f = if name == "vec_sort" {
                    "weft_rt_vec_sort"
                } else {
                    "weft_rt_vec_reverse"
                };
                self.call_rt(f, &[slot.into(), g.into()]);
                self.unit()
            }
            "vec_slice" => {
                let v = self.arg_val(&args[0]);
                let a = self.arg_val(&args[1]);
                let b = self.arg_val(&args[2]);
                let g = self.cg.glue_const(t);
                let loc = self.cg.loc(span);
                self.rt_owned(
                    "weft_rt_vec_slice",
                    &[v.into(), a.into(), b.into(), g.into(), loc.into()],
                )
            }
            _ => return None,
        };
        Some(v)
    }

    /// `v.push(x)`: stores in place when the vector is unique and has room, else grows
    /// (and copies, when shared) through the runtime first.
    fn vec_push(&mut self, slot: PointerValue<'ctx>, x: BasicValueEnum<'ctx>, t: &Ty) {
        let ptr = self.cg.ptr_ty();
        let v = self
            .cg
            .builder
            .build_load(ptr, slot, "vec")
            .unwrap()
            .into_pointer_value();
        let unique = self.cg.is_unique(v);
        let one = self.cg.ctx.i64_type().const_int(1, false);
        let len = self.cg.vec_len(v);
        let cap = self.cg.vec_cap(v);
        let room = self
            .cg
            .builder
            .build_int_compare(IntPredicate::ULT, len, cap, "room")
            .unwrap();
        let fast = self.cg.builder.build_and(unique, room, "fast").unwrap();
        let grow = self.block_bb("push_grow");
        let store = self.block_bb("push_store");
        self.cg
            .builder
            .build_conditional_branch(fast, store, grow)
            .unwrap();
        self.cg.builder.position_at_end(grow);
        let g = self.cg.glue_const(t);
        self.call_rt("weft_rt_vec_reserve", &[slot.into(), one.into(), g.into()]);
        self.cg.builder.build_unconditional_branch(store).unwrap();
        self.cg.builder.position_at_end(store);
        let v = self
            .cg
            .builder
            .build_load(ptr, slot, "vec")
            .unwrap()
            .into_pointer_value();
        let len = self.cg.vec_len(v);
        let p = self.cg.vec_data_ptr(v, len, t);
        self.cg.builder.build_store(p, x).unwrap();
        let next = self.cg.builder.build_int_add(len, one, "len").unwrap();
        self.cg.set_vec_len(v, next);
    }

    // ----- maps -----

    /// The runtime's key kind for `K` (docs/runtime.md §5).
    fn key_kind(&self, k: &Ty) -> u64 {
        match k {
            Ty::Str => 0,
            Ty::Bool => 1,
            Ty::Int(i) => u64::from(i.bits() / 8),
            _ => 8,
        }
    }

    /// A key as the runtime's `uint64_t`.
    fn key_bits(&mut self, v: BasicValueEnum<'ctx>, k: &Ty) -> IntValue<'ctx> {
        let i64t = self.cg.ctx.i64_type();
        match k {
            Ty::Str => self
                .cg
                .builder
                .build_ptr_to_int(v.into_pointer_value(), i64t, "key")
                .unwrap(),
            Ty::Int(i) => self
                .cg
                .builder
                .build_int_cast_sign_flag(v.into_int_value(), i64t, i.signed(), "key")
                .unwrap(),
            _ => self
                .cg
                .builder
                .build_int_z_extend(v.into_int_value(), i64t, "key")
                .unwrap(),
        }
    }

    /// A key from the runtime's bits (borrowed).
    fn key_from_bits(&mut self, bits: IntValue<'ctx>, k: &Ty) -> BasicValueEnum<'ctx> {
        match k {
            Ty::Str => self
                .cg
                .builder
                .build_int_to_ptr(bits, self.cg.ptr_ty(), "key")
                .unwrap()
                .into(),
            _ => {
                let lt = self.cg.llvm_ty(k).into_int_type();
                self.cg
                    .builder
                    .build_int_truncate_or_bit_cast(bits, lt, "key")
                    .unwrap()
                    .into()
            }
        }
    }

    fn map_intrinsic(
        &mut self,
        name: &str,
        k: &Ty,
        v: &Ty,
        args: &'p [Arg],
        ret: &Ty,
    ) -> Option<Val<'ctx>> {
        let out = match name {
            "map_new" => {
                let kind = self.cg.ctx.i32_type().const_int(self.key_kind(k), false);
                let g = self.cg.glue_const(v);
                self.rt_owned("weft_rt_map_new", &[kind.into(), g.into()])
            }
            "map_insert" => {
                let slot = self.arg_place(&args[0]);
                let key = self.arg_owned(&args[1]);
                let held = self.hold(key, k);
                let val = self.arg_owned(&args[2]);
                self.unhold(&[held]);
                let key = self.key_bits(key, k);
                let lt = self.cg.llvm_ty(v);
                let p = self.alloca(lt, "value");
                self.cg.builder.build_store(p, val).unwrap();
                self.call_rt("weft_rt_map_insert", &[slot.into(), key.into(), p.into()]);
                self.unit()
            }
            "map_get" => {
                let m = self.arg_val(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                let p = self
                    .call_rt("weft_rt_map_get", &[m.into(), key.into()])
                    .unwrap()
                    .into_pointer_value();
                let found = self.cg.builder.build_is_not_null(p, "found").unwrap();
                self.option_copy(found, p, ret, v)
            }
            "map_contains" => {
                let m = self.arg_val(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                self.rt_stat("weft_rt_map_contains", &[m.into(), key.into()])
            }
            "map_remove" => {
                let slot = self.arg_place(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                let lt = self.cg.llvm_ty(v);
                let out = self.alloca(lt, "removed");
                let ok = self
                    .call_rt("weft_rt_map_remove", &[slot.into(), key.into(), out.into()])
                    .unwrap();
                self.option_from(ok.into_int_value(), out, ret, v)
            }
            "map_len" => {
                let m = self.arg_val(&args[0]);
                self.rt_stat("weft_rt_map_len", &[m.into()])
            }
            "map_keys" => {
                let m = self.arg_val(&args[0]);
                let g = self.cg.glue_const(k);
                self.rt_owned("weft_rt_map_keys", &[m.into(), g.into()])
            }
            "map_values" => {
                let m = self.arg_val(&args[0]);
                self.rt_owned("weft_rt_map_values", &[m.into()])
            }
            "map_next" => self.map_next(k, v, args, ret),
            _ => return None,
        };
        Some(out)
    }

    /// `Some(copy of the value at ptr)` (retained) when `found`, else `None`.
    fn option_copy(
        &mut self,
        found: IntValue<'ctx>,
        p: PointerValue<'ctx>,
        opt: &Ty,
        elem: &Ty,
    ) -> Val<'ctx> {
        let copy = self.block_bb("copy");
        let join = self.block_bb("copied");
        let before = self.cg.builder.get_insert_block().unwrap();
        self.cg
            .builder
            .build_conditional_branch(found, copy, join)
            .unwrap();
        self.cg.builder.position_at_end(copy);
        self.cg.retain_at(p, elem);
        self.cg.builder.build_unconditional_branch(join).unwrap();
        self.cg.builder.position_at_end(join);
        let _ = before;
        self.option_from(found, p, opt, elem)
    }

    /// One step of map iteration: `Some((key, value))` (both retained) or `None`.
    fn map_next(&mut self, k: &Ty, v: &Ty, args: &'p [Arg], ret: &Ty) -> Val<'ctx> {
        let m = self.arg_val(&args[0]);
        let cursor = self.arg_place(&args[1]);
        let i64t = self.cg.ctx.i64_type();
        let key_out = self.alloca(i64t.into(), "key");
        let val_out = self.alloca(self.cg.ptr_ty().into(), "valp");
        let ok = self
            .call_rt(
                "weft_rt_map_next",
                &[m.into(), cursor.into(), key_out.into(), val_out.into()],
            )
            .unwrap()
            .into_int_value();
        let pair_ty = Ty::Tuple(vec![k.clone(), v.clone()]);
        let pair_lt = self.cg.llvm_ty(&pair_ty);
        let pair = self.alloca(pair_lt, "pair");
        let fill = self.block_bb("map_item");
        let join = self.block_bb("map_item_done");
        self.cg
            .builder
            .build_conditional_branch(ok, fill, join)
            .unwrap();
        self.cg.builder.position_at_end(fill);
        let bits = self
            .cg
            .builder
            .build_load(i64t, key_out, "bits")
            .unwrap()
            .into_int_value();
        let key = self.key_from_bits(bits, k);
        let key = self.owned(Val::borrowed(key), k);
        let vp = self
            .cg
            .builder
            .build_load(self.cg.ptr_ty(), val_out, "vp")
            .unwrap()
            .into_pointer_value();
        let vlt = self.cg.llvm_ty(v);
        let val = self.cg.builder.build_load(vlt, vp, "v").unwrap();
        let val = self.owned(Val::borrowed(val), v);
        let kp = self
            .cg
            .builder
            .build_struct_gep(pair_lt, pair, 0, "k")
            .unwrap();
        self.cg.builder.build_store(kp, key).unwrap();
        let vpp = self
            .cg
            .builder
            .build_struct_gep(pair_lt, pair, 1, "v")
            .unwrap();
        self.cg.builder.build_store(vpp, val).unwrap();
        self.cg.builder.build_unconditional_branch(join).unwrap();
        self.cg.builder.position_at_end(join);
        self.option_from(ok, pair, ret, &pair_ty)
    }

    // ----- I/O with string out-parameters -----

    /// `readFile`, `writeFile`, `readLine`, `getenv`: the runtime stores a new string
    /// through the out-parameter; the old value of the variable is then released.
    fn io_out_param(&mut self, name: &str, args: &'p [Arg]) -> Val<'ctx> {
        let (rt, ins) = match name {
            "io_read_file" => ("weft_rt_read_file", 1),
            "io_write_file" => ("weft_rt_write_file", 2),
            "io_read_line" => ("weft_rt_read_line", 0),
            _ => ("weft_rt_getenv", 1),
        };
        let mut vals: Vec<BasicMetadataValueEnum> =
            args[..ins].iter().map(|a| self.arg_val(a).into()).collect();
        let place = self.arg_place(&args[ins]);
        let ptr = self.cg.ptr_ty();
        let old = self
            .cg
            .builder
            .build_load(ptr, place, "old")
            .unwrap()
            .into_pointer_value();
        let tmp = self.alloca(ptr.into(), "out");
        self.cg.builder.build_store(tmp, old).unwrap();
        vals.push(tmp.into());
        let ok = self.call_rt(rt, &vals).unwrap();
        let new = self
            .cg
            .builder
            .build_load(ptr, tmp, "new")
            .unwrap()
            .into_pointer_value();
        let changed = self
            .cg
            .builder
            .build_int_compare(IntPredicate::NE, new, old, "changed")
            .unwrap();
        let swap = self.block_bb("out_swap");
        let done = self.block_bb("out_done");
        self.cg
            .builder
            .build_conditional_branch(changed, swap, done)
            .unwrap();
        self.cg.builder.position_at_end(swap);
        self.cg.builder.build_store(place, new).unwrap();
        let old_slot = self.alloca(ptr.into(), "old_value");
        self.cg.builder.build_store(old_slot, old).unwrap();
        self.cg.release_at(old_slot, &Ty::Str);
        self.cg.builder.build_unconditional_branch(done).unwrap();
        self.cg.builder.position_at_end(done);
        Val::stat(ok)
    }
}
