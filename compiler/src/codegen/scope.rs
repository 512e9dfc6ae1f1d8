//! Scopes of `par`, `par for` and `concurrent` blocks and task groups over the runtime's
//! `weft_rt_scope_*` and `weft_rt_task_group_*` functions (docs/runtime.md section 10).

use super::func::{FnCg, Val};
use crate::common::intrinsic::ScopeOp;
use crate::common::ty::Ty;
use crate::hir::Arg;
use crate::source::Span;

/// The frame storage of a block's scope, in 8-byte words: the runtime's `SCOPE_STORAGE`
/// (`runtime/src/abi/scope.rs`, docs/runtime.md section 10), which asserts that its
/// `Scope` fits.
const SCOPE_STORAGE_WORDS: u32 = 16;

/// Variant of std/runtime's `TaskError` for a panic (declaration order).
const PANICKED: u32 = 0;

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// A scope operation; `type_args` holds the result type of a spawned child.
    pub fn scope_intrinsic(
        &mut self,
        op: ScopeOp,
        type_args: &[Ty],
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        match op {
            ScopeOp::Open => {
                let timeout = self.arg_val(&args[0]);
                let words = self.cg.ctx.i64_type().array_type(SCOPE_STORAGE_WORDS);
                let storage = self.alloca(words.into(), "scope");
                self.call_rt("weft_rt_scope_open", &[storage.into(), timeout.into()]);
                Val::stat(storage.into())
            }
            ScopeOp::Close => {
                let s = self.arg_val(&args[0]);
                self.call_rt("weft_rt_scope_close", &[s.into()]);
                self.unit()
            }
            ScopeOp::Spawn => {
                let t = type_args.first().cloned().unwrap_or(Ty::Void);
                let s = self.arg_val(&args[0]);
                let name = self.cg.site_name(span);
                let [site, code, env] = self.task_args(&args[1], &t, name);
                Val::owned(self.rt_value("weft_rt_scope_spawn_site", &[s.into(), site, code, env]))
            }
            ScopeOp::ParFor => {
                let s = self.arg_val(&args[0]);
                let lo = self.arg_val(&args[1]);
                let hi = self.arg_val(&args[2]);
                let f = self.arg_val(&args[3]).into_struct_value();
                let code = self.cg.builder.extract_value(f, 0, "code");
                let env = self.cg.builder.extract_value(f, 1, "env");
                let name = self.cg.site_name(span);
                self.call_rt(
                    "weft_rt_scope_par_for",
                    &[
                        s.into(),
                        lo.into(),
                        hi.into(),
                        code.into(),
                        env.into(),
                        name.into(),
                    ],
                );
                self.unit()
            }
            ScopeOp::Join => self.scope_join(&args[0], span),
            ScopeOp::TryJoin => self.scope_try_join(&args[0], ret, span),
        }
    }

    /// Waits for the scope's children and re-raises the first failure as a panic.
    fn scope_join(&mut self, scope: &'p Arg, span: Span) -> Val<'ctx> {
        // The message slot starts as the (immortal) empty string and is released with the
        // statement: on the failure path it holds the message the panic borrows.
        let empty = self.cg.string_literal("");
        let slot = self.spill(Val::stat(empty.into()), &Ty::Str);
        self.schedule_drop(slot, &Ty::Str);
        let status = self.scope_wait(scope, slot, span);
        let failed = self.block_bb("scope_failed");
        let ok = self.block_bb("scope_ok");
        let is_ok = self.is_status_ok(status);
        self.cg.builder.conditional_branch(is_ok, ok, failed);
        self.cg.builder.position_at_end(failed);
        let msg = self.cg.builder.load(self.cg.ptr_ty(), slot, "message");
        let loc = self.cg.loc(span);
        self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(ok);
        self.unit()
    }

    /// Waits for the scope's children: `Ok(())` or `Err(TaskError.Panicked(message))`.
    fn scope_try_join(&mut self, scope: &'p Arg, ret: &Ty, span: Span) -> Val<'ctx> {
        let ptr = self.cg.ptr_ty();
        let slot = self.alloca(ptr.into(), "message");
        let status = self.scope_wait(scope, slot, span);
        let result = self.result_slot(ret);
        let done = self.block_bb("scope_joined");
        let ok = self.block_bb("scope_ok");
        let failed = self.block_bb("scope_failed");
        let is_ok = self.is_status_ok(status);
        self.cg.builder.conditional_branch(is_ok, ok, failed);
        self.cg.builder.position_at_end(ok);
        let unit = self.unit().v;
        self.store_variant(result, ret, 0, &[unit], done);
        self.cg.builder.position_at_end(failed);
        let msg = self.cg.builder.load(ptr, slot, "message");
        let err_ty = super::func::result_err_ty(ret);
        let e = self.build_variant(&err_ty, PANICKED, &[msg]);
        self.store_variant(result, ret, 1, &[e], done);
        self.cg.builder.position_at_end(done);
        self.load_result(result, ret)
    }

    fn scope_wait(
        &mut self,
        scope: &'p Arg,
        message: inkwell::values::PointerValue<'ctx>,
        span: Span,
    ) -> inkwell::values::IntValue<'ctx> {
        let s = self.arg_val(scope);
        let loc = self.cg.loc(span);
        self.rt_value(
            "weft_rt_scope_wait",
            &[s.into(), message.into(), loc.into()],
        )
        .into_int_value()
    }

    fn is_status_ok(
        &mut self,
        status: inkwell::values::IntValue<'ctx>,
    ) -> inkwell::values::IntValue<'ctx> {
        let zero = status.get_type().const_zero();
        self.cg
            .builder
            .int_compare(inkwell::IntPredicate::EQ, status, zero, "scope_ok")
    }
}
