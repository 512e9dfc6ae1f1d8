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

/// The failure of a child that was cancelled.
const CANCELLED: &str = "cancelled";

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
                let flags = self.arg_val(&args[1]);
                let words = self.cg.ctx.i64_type().array_type(SCOPE_STORAGE_WORDS);
                let storage = self.alloca(words.into(), "scope");
                self.call_rt(
                    "weft_rt_scope_open",
                    &[storage.into(), timeout.into(), flags.into()],
                );
                Val::stat(storage.into())
            }
            ScopeOp::Take => {
                let t = type_args.first().cloned().unwrap_or(Ty::Void);
                let task = self.arg_val(&args[0]).into_pointer_value();
                self.take_child(task, &t, span)
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
            ScopeOp::RunInline | ScopeOp::Fork => {
                let s = self.arg_val(&args[0]);
                let name = self.cg.site_name(span);
                let [site, code, env] = self.task_args(&args[1], &Ty::Void, name);
                let f = if op == ScopeOp::Fork {
                    "weft_rt_scope_fork"
                } else {
                    "weft_rt_scope_run_inline"
                };
                self.call_rt(f, &[s.into(), site, code, env]);
                self.unit()
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

    /// The result of a child of a scope already waited for; its failure is raised again
    /// as it was (the panic's own message; `cancelled` for a cancelled child).
    fn take_child(
        &mut self,
        task: inkwell::values::PointerValue<'ctx>,
        t: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let lt = self.cg.llvm_ty(t);
        let out = self.alloca(lt, "child_result");
        let loc = self.cg.loc(span);
        let status = self
            .rt_value("weft_rt_task_join", &[task.into(), out.into(), loc.into()])
            .into_int_value();
        let ok = self.block_bb("child_ok");
        let failed = self.block_bb("child_failed");
        let is_ok = self.is_status_ok(status);
        self.cg.builder.conditional_branch(is_ok, ok, failed);
        self.cg.builder.position_at_end(failed);
        let i64t = self.cg.ctx.i64_type();
        let len = self.alloca(i64t.into(), "len");
        let msg = self
            .rt_value("weft_rt_task_panic_message", &[task.into(), len.into()])
            .into_pointer_value();
        let n = self.cg.builder.load(i64t, len, "n").into_int_value();
        // A cancelled child has no message: its failure is `cancelled`.
        let panicked = self.block_bb("child_panicked");
        let cancelled = self.block_bb("child_cancelled");
        let none = self.cg.builder.is_null(msg, "no_message");
        self.cg
            .builder
            .conditional_branch(none, cancelled, panicked);
        for (bb, (text, n)) in [
            (panicked, (msg, n)),
            (cancelled, self.cg.const_bytes(CANCELLED)),
        ] {
            self.cg.builder.position_at_end(bb);
            let f = self.cg.rt("weft_rt_panic_str");
            self.call_may_unwind(f, &[text.into(), n.into(), loc.into()], "");
            self.cg.builder.unreachable();
        }
        self.cg.builder.position_at_end(ok);
        let v = self.cg.builder.load(lt, out, "v");
        Val::owned(self.owned(Val::borrowed(v), t))
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
