//! Green tasks and promises over the runtime's task ABI (`runtime/src/abi/task.rs`).
//!
//! A task runs `entry(env, slot)`: for a closure `() => T` the runtime keeps the closure
//! value (the `{code, env}` pair) in the task's result slot until the task runs and passes
//! its address as `env` (`weft_rt_task_spawn_site`, whose constant spawn site names the
//! entry, the result size and glue, and the spawn location), and the entry (one per result type,
//! `weft.task.N`) loads the pair, calls it, releases the closure and stores the result in
//! the slot. Awaiting
//! copies the result out (retained: the task keeps its own copy for later awaits) and
//! builds `Result<T, TaskError>` from the join status (0 ok, 1 panicked, 2 cancelled,
//! 3 timed out).

use super::builder::param;
use super::func::{FnCg, Val};
use super::Cg;
use crate::common::intrinsic::TaskOp;
use crate::common::ty::{FnTy, Ty};
use crate::hir::Arg;
use crate::source::Span;
use inkwell::basic_block::BasicBlock;
use inkwell::module::Linkage;
use inkwell::values::{BasicMetadataValueEnum, FunctionValue, IntValue, PointerValue};

/// Spawn flags of `weft_rt_task_spawn`.
const DETACHED: u64 = 1;
const DAEMON: u64 = 2;

/// Variants of std/runtime's `TaskError` (declaration order).
const PANICKED: u32 = 0;
const CANCELLED: u32 = 1;
const TIMEOUT: u32 = 2;

impl<'ctx> Cg<'ctx, '_> {
    /// `void weft.task.N(ptr pair, ptr slot)`: runs the closure stored at `pair` (the start
    /// of the result slot), releases the closure and stores the result in `slot`. With a
    /// null `slot` (the runtime's cleanup call after the task failed inside the closure) it
    /// only releases the closure.
    fn task_entry(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        let key = Ty::Fn(Box::new(FnTy {
            params: Vec::new(),
            ret: t.clone(),
        }));
        if let Some(f) = self.task_entries.get(&key) {
            return *f;
        }
        let name = format!("weft.task.{}", self.task_entries.len());
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let p = self.ptr_ty();
        let fty = self.ctx.void_type().fn_type(&[p.into(), p.into()], false);
        let f = self
            .module
            .add_function(&name, fty, Some(Linkage::Internal));
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let pair = param(f, 0).into_pointer_value();
        let slot = param(f, 1).into_pointer_value();
        let run = self.ctx.append_basic_block(f, "run");
        let cleanup = self.ctx.append_basic_block(f, "cleanup");
        let failed = self.builder.is_null(slot, "failed");
        self.builder.conditional_branch(failed, cleanup, run);
        self.builder.position_at_end(cleanup);
        self.release_at(pair, &key);
        self.builder.ret(None);
        self.builder.position_at_end(run);
        let r = self.call_closure_at(pair, t, None);
        // The pair lives where the result goes: release the closure first.
        self.release_at(pair, &key);
        if let Some(v) = r.try_as_basic_value().basic() {
            self.builder.store(slot, v);
        }
        self.builder.ret(None);
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        self.task_entries.insert(key, f);
        f
    }

    /// Calls the closure value `() => ret` stored at `pair` (the `{code, env}` layout of
    /// [`Cg::closure_ty`]) and returns the call; with `unwind`, as an `invoke` continuing at
    /// `unwind.0` that unwinds to the landing pad `unwind.1`.
    pub(super) fn call_closure_at(
        &mut self,
        pair: PointerValue<'ctx>,
        ret: &Ty,
        unwind: Option<(BasicBlock<'ctx>, BasicBlock<'ctx>)>,
    ) -> inkwell::values::CallSiteValue<'ctx> {
        let clo = self
            .builder
            .load(self.closure_ty(), pair, "clo")
            .into_struct_value();
        let fp = self
            .builder
            .extract_value(clo, 0, "fn")
            .into_pointer_value();
        let env = self.builder.extract_value(clo, 1, "env");
        let cty = self.fn_type(&[], ret, true);
        match unwind {
            None => self.builder.indirect_call(cty, fp, &[env.into()], "r"),
            Some((then, pad)) => {
                let call = self
                    .builder
                    .indirect_invoke(cty, fp, &[env], then, pad, "r");
                self.builder.position_at_end(then);
                call
            }
        }
    }

    /// A NUL-terminated constant naming a spawn site (`file:line:col`).
    pub(super) fn site_name(&mut self, span: Span) -> PointerValue<'ctx> {
        let (file, line, col) = self.prog.location(span);
        self.c_string(&format!("{file}:{line}:{col}"))
    }

    /// A private NUL-terminated string constant.
    fn c_string(&mut self, text: &str) -> PointerValue<'ctx> {
        let s = self.ctx.const_string(text.as_bytes(), true);
        self.private_constant(s.into(), "weft.site_name")
    }

    fn private_constant(
        &mut self,
        value: inkwell::values::BasicValueEnum<'ctx>,
        name: &str,
    ) -> PointerValue<'ctx> {
        let g = self.module.add_global(value.get_type(), None, name);
        g.set_initializer(&value);
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        g.as_pointer_value()
    }

    /// The constant spawn site of a task returning `t` named `name` (the runtime's
    /// `SpawnSite`, `runtime/src/sched/task.rs`): `{ entry, result size in bytes, result
    /// release glue or null, name }`. Task objects point at it instead of holding the four
    /// fields.
    fn spawn_site(&mut self, t: &Ty, name: PointerValue<'ctx>) -> PointerValue<'ctx> {
        let entry = self.task_entry(t).as_global_value().as_pointer_value();
        let drop = if self.needs_drop(t) {
            self.release_glue_ptr(t)
        } else {
            self.ptr_ty().const_null()
        };
        let size = if matches!(t, Ty::Void | Ty::Never) {
            0
        } else {
            self.size_of(t)
        };
        let i64t = self.ctx.i64_type();
        let fields = [
            entry.into(),
            i64t.const_int(size, false).into(),
            drop.into(),
            name.into(),
        ];
        let site = self.ctx.const_struct(&fields, false);
        self.private_constant(site.into(), "weft.spawn_site")
    }
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Task and promise intrinsics.
    pub fn task_intrinsic(
        &mut self,
        op: TaskOp,
        type_args: &[Ty],
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let t = type_args.first().cloned().unwrap_or(Ty::Void);
        let i64t = self.cg.ctx.i64_type();
        match op {
            TaskOp::PromiseRun => self.spawn(&args[0], &t, 0, None, span),
            TaskOp::PromiseBlocking => self.spawn_blocking(&args[0], &t),
            TaskOp::Spawn => self.spawn(&args[0], &Ty::Void, DETACHED, None, span),
            TaskOp::SpawnDaemon => self.spawn(&args[0], &Ty::Void, DETACHED | DAEMON, None, span),
            TaskOp::SpawnWithStack => {
                let bytes = self.arg_val(&args[0]).into_int_value();
                self.spawn(&args[1], &Ty::Void, DETACHED, Some(bytes), span)
            }
            TaskOp::PromiseAwait | TaskOp::Join | TaskOp::HandleJoin => {
                let task = self.arg_val(&args[0]).into_pointer_value();
                let elem = if op == TaskOp::Join { Ty::Void } else { t };
                self.join(task, &elem, None, ret, span)
            }
            TaskOp::PromiseAwaitTimeout => {
                let task = self.arg_val(&args[0]).into_pointer_value();
                let ms = self.arg_val(&args[1]).into_int_value();
                self.join(task, &t, Some(ms), ret, span)
            }
            TaskOp::PromiseCancel | TaskOp::Cancel => {
                let task = self.arg_val(&args[0]);
                self.call_rt("weft_rt_task_cancel", &[task.into()]);
                self.unit()
            }
            TaskOp::IsCancelled => Val::stat(self.is_cancelled().into()),
            TaskOp::PromiseWaitAny | TaskOp::PromiseWaitAll => {
                let v = self.arg_val(&args[0]).into_pointer_value();
                let n = self.cg.vec_len(v);
                let data = self
                    .cg
                    .vec_data_ptr(v, i64t.const_zero(), &Ty::Ptr(Box::new(Ty::Void)));
                let f = if matches!(op, TaskOp::PromiseWaitAny) {
                    "weft_rt_task_wait_any"
                } else {
                    "weft_rt_task_wait_all"
                };
                Val::stat(self.rt_value(f, &[data.into(), n.into()]))
            }
            TaskOp::Fail => {
                let e = self.arg_val(&args[0]);
                let ety = args[0].expr.ty.clone();
                self.fail_with(e, &ety, span);
                self.cg.builder.unreachable();
                self.ensure_open();
                self.unit()
            }
            TaskOp::Yield => {
                self.call_rt("weft_rt_yield", &[]);
                self.unit()
            }
            TaskOp::GroupNew => Val::owned(self.rt_value("weft_rt_task_group_new", &[])),
            TaskOp::GroupSpawn => {
                let g = self.arg_val(&args[0]);
                let name = self.cg.site_name(span);
                let [site, code, env] = self.task_args(&args[1], &t, name);
                Val::owned(self.rt_value(
                    "weft_rt_task_group_spawn_site",
                    &[g.into(), site, code, env],
                ))
            }
        }
    }

    /// The spawn arguments every task shares: the spawn site of a task returning `t`
    /// named `name`, then the code and environment of the closure argument `f` (of type
    /// `() => t`, owned; the runtime keeps the pair in the task's result slot until the task
    /// runs).
    pub(super) fn task_args(
        &mut self,
        f: &'p Arg,
        t: &Ty,
        name: PointerValue<'ctx>,
    ) -> [BasicMetadataValueEnum<'ctx>; 3] {
        let v = self.expr(&f.expr);
        let clo = self.owned(v, &f.expr.ty).into_struct_value();
        let b = &self.cg.builder;
        let code = b.extract_value(clo, 0, "code");
        let env = b.extract_value(clo, 1, "env");
        let site = self.cg.spawn_site(t, name);
        [site.into(), code.into(), env.into()]
    }

    /// Starts the closure argument `f` (of type `() => t`) on a new green task.
    fn spawn(
        &mut self,
        f: &'p Arg,
        t: &Ty,
        flags: u64,
        stack: Option<IntValue<'ctx>>,
        span: Span,
    ) -> Val<'ctx> {
        let name = self.cg.site_name(span);
        let [site, code, env] = self.task_args(f, t, name);
        let stack = stack.unwrap_or_else(|| self.cg.ctx.i64_type().const_zero());
        let flags = self.cg.ctx.i32_type().const_int(flags, false);
        let args = [site, code, env, stack.into(), flags.into()];
        Val::owned(self.rt_value("weft_rt_task_spawn_site", &args))
    }

    /// Runs the closure argument `f` (of type `() => t`) on the blocking pool of OS
    /// threads; the handle is an ordinary task handle.
    fn spawn_blocking(&mut self, f: &'p Arg, t: &Ty) -> Val<'ctx> {
        let name = self.cg.c_string("blocking");
        let args = self.task_args(f, t, name);
        Val::owned(self.rt_value("weft_rt_blocking_spawn_site", &args))
    }

    /// `Result<t, TaskError>` of joining `task` (with a timeout in ms when given).
    fn join(
        &mut self,
        task: PointerValue<'ctx>,
        t: &Ty,
        timeout: Option<IntValue<'ctx>>,
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let lt = self.cg.llvm_ty(t);
        let out = self.alloca(lt, "result");
        let loc = self.cg.loc(span);
        let status = match timeout {
            Some(ms) => self.rt_value(
                "weft_rt_task_join_timeout",
                &[task.into(), out.into(), ms.into(), loc.into()],
            ),
            None => self.rt_value("weft_rt_task_join", &[task.into(), out.into(), loc.into()]),
        }
        .into_int_value();
        let err_ty = super::func::result_err_ty(ret);
        let slot = self.result_slot(ret);
        let done = self.block_bb("joined");
        let ok = self.block_bb("join_ok");
        let panicked = self.block_bb("join_panicked");
        let cancelled = self.block_bb("join_cancelled");
        let timed_out = self.block_bb("join_timeout");
        let i32t = self.cg.ctx.i32_type();
        self.cg.builder.switch(
            status,
            timed_out,
            &[
                (i32t.const_int(0, false), ok),
                (i32t.const_int(1, false), panicked),
                (i32t.const_int(2, false), cancelled),
            ],
        );
        self.cg.builder.position_at_end(ok);
        let v = self.cg.builder.load(lt, out, "v");
        let v = self.owned(Val::borrowed(v), t);
        self.store_variant(slot, ret, 0, &[v], done);
        self.cg.builder.position_at_end(panicked);
        let len = self.alloca(self.cg.ctx.i64_type().into(), "len");
        let msg = self.rt_value("weft_rt_task_panic_message", &[task.into(), len.into()]);
        let n = self.cg.builder.load(self.cg.ctx.i64_type(), len, "n");
        let s = self.rt_value("weft_rt_str_from_bytes", &[msg.into(), n.into()]);
        self.join_failure(slot, ret, &err_ty, PANICKED, &[s], done);
        self.cg.builder.position_at_end(cancelled);
        self.join_failure(slot, ret, &err_ty, CANCELLED, &[], done);
        self.cg.builder.position_at_end(timed_out);
        self.join_failure(slot, ret, &err_ty, TIMEOUT, &[], done);
        self.cg.builder.position_at_end(done);
        self.load_result(slot, ret)
    }

    fn join_failure(
        &mut self,
        slot: Option<(PointerValue<'ctx>, inkwell::types::BasicTypeEnum<'ctx>)>,
        ret: &Ty,
        err_ty: &Ty,
        variant: u32,
        fields: &[inkwell::values::BasicValueEnum<'ctx>],
        done: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let e = self.build_variant(err_ty, variant, fields);
        self.store_variant(slot, ret, 1, &[e], done);
    }

    /// Ends the current task with the `TaskError` value `e`.
    fn fail_with(&mut self, e: inkwell::values::BasicValueEnum<'ctx>, ety: &Ty, span: Span) {
        let lt = self.cg.llvm_ty(ety);
        let p = self.alloca(lt, "failure");
        self.cg.builder.store(p, e);
        let st = lt.into_struct_type();
        let tp = self.cg.builder.struct_gep(st, p, 0, "tag");
        let tag = self
            .cg
            .builder
            .load(self.cg.ctx.i32_type(), tp, "tag")
            .into_int_value();
        let loc = self.cg.loc(span);
        let i32t = self.cg.ctx.i32_type();
        let panic_bb = self.block_bb("fail_panicked");
        let cancel_bb = self.block_bb("fail_cancelled");
        let timeout_bb = self.block_bb("fail_timeout");
        self.cg.builder.switch(
            tag,
            timeout_bb,
            &[
                (i32t.const_int(PANICKED as u64, false), panic_bb),
                (i32t.const_int(CANCELLED as u64, false), cancel_bb),
            ],
        );
        let cases = [
            (panic_bb, 1u64, None),
            (cancel_bb, 2, Some("cancelled")),
            (timeout_bb, 1, Some("timed out")),
        ];
        for (bb, status, text) in cases {
            self.cg.builder.position_at_end(bb);
            let msg = match text {
                Some(t) => self.cg.string_literal(t),
                None => {
                    let fp = self.payload_field(ety, PANICKED, p, 0);
                    self.cg
                        .builder
                        .load(self.cg.ptr_ty(), fp, "msg")
                        .into_pointer_value()
                }
            };
            let st = i32t.const_int(status, false);
            self.call_rt("weft_rt_task_fail", &[st.into(), msg.into(), loc.into()]);
            self.cg.builder.unreachable();
        }
        let after = self.block_bb("after_fail");
        self.cg.builder.position_at_end(after);
    }
}

impl<'ctx> FnCg<'_, 'ctx, '_> {
    /// `Task.isCancelled()`: the byte the thread-local `weft_rt_cancel_flag` points at (the
    /// running task's cancel flag, or a flag never set on an OS thread), read with two
    /// loads and no call (docs/runtime.md section 10).
    fn is_cancelled(&mut self) -> inkwell::values::IntValue<'ctx> {
        let word = self.cg.load_thread_word("weft_rt_cancel_flag");
        let flag = self
            .cg
            .builder
            .int_to_ptr(word, self.cg.ptr_ty(), "cancel_flag");
        let i8t = self.cg.ctx.i8_type();
        let byte = self
            .cg
            .builder
            .load(i8t, flag, "cancelled")
            .into_int_value();
        if let Some(load) = byte.as_instruction() {
            // Another thread sets the flag: an atomic (monotonic) byte load.
            let ordered = load.set_atomic_ordering(inkwell::AtomicOrdering::Monotonic);
            debug_assert!(ordered.is_ok());
        }
        self.cg.builder.int_compare(
            inkwell::IntPredicate::NE,
            byte,
            i8t.const_zero(),
            "is_cancelled",
        )
    }
}
