//! Unwinding: calls that may panic become `invoke`s whose unwind edge runs the cleanups
//! live at the call (docs/architecture.md, "Panics and unwinding").
//!
//! A panic unwinds through Weft frames on the platform's Itanium-ABI unwinder. A frame
//! with nothing to clean up at a call needs nothing from code generation: the call stays
//! a plain `call` and the unwinder passes through the frame using its unwind table. Where
//! the scope stack has exit actions (releases of locals and temporaries, `defer`s,
//! `errdefer`s, an unlock of `withLock`), the call is an `invoke` whose unwind destination
//! is a landing pad: a `landingpad ... cleanup` that runs every scope's exit actions,
//! innermost first, `errdefer`s included (a panic is an error exit), then `resume`s the
//! unwinding. The function then names the runtime's personality routine
//! (`weft_rt_personality`).
//!
//! One landing pad serves every call made while the cleanups stay the same: it is cached
//! until a scope is entered or left or an exit action is added or removed. Code emitted
//! inside a landing pad (a deferred block) makes plain calls: a panic there is a panic
//! while unwinding, which the runtime reports and ends the process on.
//!
//! Nothing changes on the paths that do not panic: an `invoke` costs what a `call` does,
//! and landing pads are cold blocks the optimizer moves out of the way.

use super::func::FnCg;
use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, CallSiteValue, FunctionValue};
use inkwell::values::{FunctionValue as Fv, PointerValue};

/// The runtime's personality routine (runtime/src/unwind.rs).
pub const PERSONALITY: &str = "weft_rt_personality";

/// Per-function unwinding state.
#[derive(Default)]
pub struct UnwindState<'ctx> {
    /// Counts changes of the cleanups (scopes entered or left, exit actions added or
    /// removed); a landing pad is valid for one value.
    generation: u64,
    /// The landing pad built for `generation`, if any.
    landing: Option<(u64, BasicBlock<'ctx>)>,
    /// Set while a landing pad's cleanups are emitted: calls there do not unwind to it.
    in_cleanup: bool,
}

impl UnwindState<'_> {
    /// The cleanups changed: the cached landing pad no longer runs the right ones.
    pub fn cleanups_changed(&mut self) {
        self.generation += 1;
    }
}

/// A callee: a function, or a pointer to one of type `ty`.
enum Callee<'ctx> {
    Direct(FunctionValue<'ctx>),
    Indirect(inkwell::types::FunctionType<'ctx>, PointerValue<'ctx>),
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Whether a landing pad's cleanups are being emitted (the code runs only while a
    /// panic unwinds).
    pub fn unwind_in_cleanup(&self) -> bool {
        self.unwind.in_cleanup
    }

    /// Calls `f`, which may panic, so that a panic runs the cleanups live here.
    pub fn call_may_unwind(
        &mut self,
        f: Fv<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> CallSiteValue<'ctx> {
        self.call_unwinding(Callee::Direct(f), args, name)
    }

    /// Calls the function `fp` of type `ty`, which may panic (a closure).
    pub fn indirect_call_may_unwind(
        &mut self,
        ty: inkwell::types::FunctionType<'ctx>,
        fp: PointerValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> CallSiteValue<'ctx> {
        self.call_unwinding(Callee::Indirect(ty, fp), args, name)
    }

    fn call_unwinding(
        &mut self,
        callee: Callee<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> CallSiteValue<'ctx> {
        let Some(pad) = self.landing_pad() else {
            let b = &self.cg.builder;
            return match callee {
                Callee::Direct(f) => b.call(f, args, name),
                Callee::Indirect(ty, fp) => b.indirect_call(ty, fp, args, name),
            };
        };
        let values: Vec<BasicValueEnum<'ctx>> = args.iter().map(|a| value_arg(*a)).collect();
        let cont = self.block_bb("invoke_cont");
        let b = &self.cg.builder;
        let call = match callee {
            Callee::Direct(f) => b.direct_invoke(f, &values, cont, pad, name),
            Callee::Indirect(ty, fp) => b.indirect_invoke(ty, fp, &values, cont, pad, name),
        };
        b.position_at_end(cont);
        call
    }

    /// The landing pad for a call made now, or None when nothing needs cleaning up here
    /// (or the call is itself part of a cleanup).
    fn landing_pad(&mut self) -> Option<BasicBlock<'ctx>> {
        if self.unwind.in_cleanup || self.scopes.iter().all(|s| s.exits.is_empty()) {
            return None;
        }
        let generation = self.unwind.generation;
        if let Some((g, pad)) = self.unwind.landing {
            if g == generation {
                return Some(pad);
            }
        }
        let pad = self.build_landing_pad();
        // Emitting the cleanups entered and left scopes of their own; the cleanups live
        // at the call are those the pad was built for.
        self.unwind.generation = generation;
        self.unwind.landing = Some((generation, pad));
        Some(pad)
    }

    /// A landing pad running every scope's exit actions, then resuming the unwinding.
    fn build_landing_pad(&mut self) -> BasicBlock<'ctx> {
        let here = self.cg.builder.current_block();
        let pad = self.block_bb("unwind");
        self.cg.builder.position_at_end(pad);
        let exception = self.cg.begin_cleanup(self.func);
        self.unwind.in_cleanup = true;
        let panicking = self.cg.ctx.bool_type().const_int(1, false);
        self.run_exits_from(0, Some(panicking));
        self.unwind.in_cleanup = false;
        if !self.terminated() {
            self.cg.builder.resume(exception);
        }
        self.cg.builder.position_at_end(here);
        pad
    }
}

impl<'ctx> super::Cg<'ctx, '_> {
    /// Starts the landing pad the builder is positioned in (of function `f`): a cleanup
    /// `landingpad`, whose value the pad's `resume` takes; `f` names the personality.
    pub fn begin_cleanup(&mut self, f: FunctionValue<'ctx>) -> BasicValueEnum<'ctx> {
        let personality = self.personality();
        f.set_personality_function(personality);
        let lp_ty = self
            .ctx
            .struct_type(&[self.ptr_ty().into(), self.ctx.i32_type().into()], false);
        self.builder.landing_pad(lp_ty, personality, "exception")
    }

    /// The declaration of the runtime's personality routine:
    /// `i32 (i32 version, i32 actions, i64 class, ptr exception, ptr context)`.
    pub fn personality(&mut self) -> FunctionValue<'ctx> {
        if let Some(f) = self.module.get_function(PERSONALITY) {
            return f;
        }
        let i32t = self.ctx.i32_type();
        let ptr = self.ptr_ty();
        let fty = i32t.fn_type(
            &[
                i32t.into(),
                i32t.into(),
                self.ctx.i64_type().into(),
                ptr.into(),
                ptr.into(),
            ],
            false,
        );
        self.module
            .add_function(PERSONALITY, fty, Some(inkwell::module::Linkage::External))
    }
}

/// A call argument as the value `invoke` takes (code generation passes no metadata).
fn value_arg(a: BasicMetadataValueEnum) -> BasicValueEnum {
    match a {
        BasicMetadataValueEnum::ArrayValue(v) => v.into(),
        BasicMetadataValueEnum::IntValue(v) => v.into(),
        BasicMetadataValueEnum::FloatValue(v) => v.into(),
        BasicMetadataValueEnum::PointerValue(v) => v.into(),
        BasicMetadataValueEnum::StructValue(v) => v.into(),
        BasicMetadataValueEnum::VectorValue(v) => v.into(),
        BasicMetadataValueEnum::ScalableVectorValue(v) => v.into(),
        BasicMetadataValueEnum::MetadataValue(_) => {
            unreachable!("code generation passes no metadata arguments")
        }
    }
}
