//! Channels, locks, condition variables, atomics, wait groups and OS threads over the
//! runtime's ABI (`runtime/src/abi/{sync,thread}.rs`, docs/runtime.md §9).
//!
//! Values cross into the runtime by pointer: a sent element is moved in, a received one
//! moved out. Status codes: 0 ok, 1 closed, 2 cancelled, 3 timed out. `withLock` is
//! lock, call the closure with a pointer to the guarded value, unlock.

use super::builder::param;
use super::func::{Exit, FnCg, ScopeKind, Val};
use super::Cg;
use crate::common::adt::HandleKind;
use crate::common::intrinsic::{SyncOp, ThreadOp};
use crate::common::ty::{FnTy, IntTy, PassMode, Ty};
use crate::hir::Arg;
use crate::source::Span;
use inkwell::module::Linkage;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValueEnum, FunctionValue, IntValue, PointerValue,
};
use inkwell::IntPredicate;

/// The kind byte of the runtime's atomic objects (`runtime/src/sync/atomic.rs`): its
/// offset, and the codes of `AtomicBool` and `Atomic<T>` (`AtomicI64` is 0).
const ATOMIC_KIND_OFFSET: u64 = 17;
const ATOMIC_KIND_BOOL: u64 = 1;
const ATOMIC_KIND_GENERIC: u64 = 2;

/// The message of the `Error` a cancelled blocking call returns.
const CANCELLED: &str = "cancelled";

/// Variants of std/sync's `RecvError`.
const RECV_CLOSED: u32 = 0;
const RECV_TIMEOUT: u32 = 1;

/// The runtime functions of this module: name and signature (see runtime_abi.rs).
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("weft_rt_channel_new", "pipp"),
    ("weft_rt_channel_send", "wppp"),
    ("weft_rt_channel_recv", "wppp"),
    ("weft_rt_channel_try_send", "bppp"),
    ("weft_rt_channel_try_recv", "bppp"),
    ("weft_rt_channel_recv_timeout", "wppip"),
    ("weft_rt_channel_close", "vpp"),
    ("weft_rt_channel_len", "ipp"),
    ("weft_rt_channel_destroy", "vpp"),
    ("weft_rt_mutex_new", "ppp"),
    ("weft_rt_mutex_lock", "vpp"),
    ("weft_rt_mutex_lock_or_cancel", "wpp"),
    ("weft_rt_mutex_unlock", "vpp"),
    ("weft_rt_mutex_value", "pp"),
    ("weft_rt_mutex_destroy", "vpp"),
    ("weft_rt_rwlock_new", "ppp"),
    ("weft_rt_rwlock_read_lock", "vpp"),
    ("weft_rt_rwlock_read_lock_or_cancel", "wpp"),
    ("weft_rt_rwlock_read_unlock", "vpp"),
    ("weft_rt_rwlock_write_lock", "vpp"),
    ("weft_rt_rwlock_write_lock_or_cancel", "wpp"),
    ("weft_rt_rwlock_write_unlock", "vpp"),
    ("weft_rt_rwlock_value", "pp"),
    ("weft_rt_rwlock_destroy", "vpp"),
    ("weft_rt_condvar_new", "p"),
    ("weft_rt_condvar_wait", "vppp"),
    ("weft_rt_condvar_wait_timeout", "bppip"),
    ("weft_rt_condvar_signal", "vpp"),
    ("weft_rt_condvar_broadcast", "vpp"),
    ("weft_rt_condvar_destroy", "vpp"),
    ("weft_rt_wait_group_new", "p"),
    ("weft_rt_wait_group_add", "vpip"),
    ("weft_rt_wait_group_done", "vpp"),
    ("weft_rt_wait_group_wait", "vpp"),
    ("weft_rt_wait_group_destroy", "vpp"),
    ("weft_rt_atomic_new", "pi"),
    ("weft_rt_atomic_load", "ipwp"),
    ("weft_rt_atomic_store", "vpiwp"),
    ("weft_rt_atomic_fetch_add", "ipiwp"),
    ("weft_rt_atomic_swap", "ipiwp"),
    ("weft_rt_atomic_compare_exchange", "bpiiwp"),
    ("weft_rt_atomic_destroy", "vpp"),
    ("weft_rt_thread_spawn", "pppp"),
    ("weft_rt_thread_join", "wpp"),
    ("weft_rt_thread_panic_message", "ppp"),
    ("weft_rt_thread_current", "p"),
    ("weft_rt_thread_name", "pp"),
    ("weft_rt_ncpu", "i"),
    ("weft_rt_blocking_spawn_site", "pppp"),
];

impl<'ctx> Cg<'ctx, '_> {
    /// `void weft.thread.entry(ptr pair)`: runs the `() => void` closure in `pair` on a
    /// new OS thread, then releases it.
    fn thread_entry(&mut self) -> FunctionValue<'ctx> {
        if let Some(f) = self.module.get_function("weft.thread.entry") {
            return f;
        }
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        let f = self
            .module
            .add_function("weft.thread.entry", fty, Some(Linkage::Internal));
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let pair = param(f, 0).into_pointer_value();
        let key = Ty::Fn(Box::new(FnTy {
            params: Vec::new(),
            ret: Ty::Void,
        }));
        // A panic in the closure releases the closure on its way out, as a return does.
        let done = self.ctx.append_basic_block(f, "done");
        let pad = self.ctx.append_basic_block(f, "unwind");
        self.call_closure_at(pair, &Ty::Void, Some((done, pad)));
        self.release_at(pair, &key);
        self.free_object(pair, self.closure_ty().into());
        self.builder.ret(None);
        self.builder.position_at_end(pad);
        let exception = self.begin_cleanup(f);
        self.release_at(pair, &key);
        self.free_object(pair, self.closure_ty().into());
        self.builder.resume(exception);
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        f
    }

    /// An `Error` value with message `msg` (+1 string moved in).
    pub fn error_value(&mut self, msg: PointerValue<'ctx>) -> BasicValueEnum<'ctx> {
        let Some(adt) = self.prog.lang.error else {
            return msg.into();
        };
        let ty = Ty::Adt(adt, Vec::new());
        let st = self.llvm_ty(&ty).into_struct_type();
        self.builder
            .insert_value(st.get_undef(), msg, 0, "error")
            .into_struct_value()
            .into()
    }
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Channels, locks, condition variables, atomics and wait groups; `t` is the first
    /// type argument (the element or guarded type).
    pub fn sync_intrinsic(
        &mut self,
        op: SyncOp,
        t: &Ty,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let t = t.clone();
        let loc = |s: &mut Self| -> BasicMetadataValueEnum<'ctx> { s.cg.loc(span).into() };
        match op {
            SyncOp::ChannelNew => {
                let cap = self.arg_val(&args[0]);
                let g = self.cg.glue_const(&t);
                let err = self.alloca(self.cg.ptr_ty().into(), "err");
                let ch = self
                    .rt_value("weft_rt_channel_new", &[cap.into(), g.into(), err.into()])
                    .into_pointer_value();
                let ok = self.cg.builder.is_not_null(ch, "ok");
                self.result_from(ok, ch.into(), err, ret)
            }
            SyncOp::ChannelSend => {
                let ch = self.arg_val(&args[0]);
                let p = self.owned_in_memory(&args[1]);
                let l = loc(self);
                let status = self
                    .rt_value("weft_rt_channel_send", &[ch.into(), p.into(), l])
                    .into_int_value();
                let unit = self.unit().v;
                self.status_result(status, unit, ret)
            }
            SyncOp::ChannelRecv | SyncOp::ChannelRecvTimeout | SyncOp::ChannelNext => {
                let ch = self.arg_val(&args[0]);
                let lt = self.cg.llvm_ty(&t);
                let out = self.alloca(lt, "received");
                let l = loc(self);
                let status = if op == SyncOp::ChannelRecvTimeout {
                    let ms = self.arg_val(&args[1]);
                    self.rt_value(
                        "weft_rt_channel_recv_timeout",
                        &[ch.into(), out.into(), ms.into(), l],
                    )
                } else {
                    self.rt_value("weft_rt_channel_recv", &[ch.into(), out.into(), l])
                }
                .into_int_value();
                match op {
                    SyncOp::ChannelNext => {
                        let ok = self.is_zero(status);
                        self.option_from(ok, out, ret, &t)
                    }
                    SyncOp::ChannelRecv => {
                        let v = self.load_received(out, lt);
                        self.status_result(status, v, ret)
                    }
                    _ => {
                        let v = self.load_received(out, lt);
                        self.recv_timeout_result(status, v, ret)
                    }
                }
            }
            SyncOp::ChannelTrySend => {
                let ch = self.arg_val(&args[0]);
                let p = self.owned_in_memory(&args[1]);
                let l = loc(self);
                let ok = self
                    .rt_value("weft_rt_channel_try_send", &[ch.into(), p.into(), l])
                    .into_int_value();
                self.release_unless(ok, p, &args[1].expr.ty);
                Val::stat(ok.into())
            }
            SyncOp::ChannelTryRecv => {
                let ch = self.arg_val(&args[0]);
                let lt = self.cg.llvm_ty(&t);
                let out = self.alloca(lt, "received");
                let l = loc(self);
                let ok = self
                    .rt_value("weft_rt_channel_try_recv", &[ch.into(), out.into(), l])
                    .into_int_value();
                self.option_from(ok, out, ret, &t)
            }
            SyncOp::ChannelLen => {
                let ch = self.arg_val(&args[0]);
                let l = loc(self);
                Val::stat(self.rt_value("weft_rt_channel_len", &[ch.into(), l]))
            }
            SyncOp::ChannelClose
            | SyncOp::ChannelDestroy
            | SyncOp::MutexLock
            | SyncOp::MutexUnlock
            | SyncOp::MutexDestroy
            | SyncOp::RwLockDestroy
            | SyncOp::CondvarSignal
            | SyncOp::CondvarBroadcast
            | SyncOp::CondvarDestroy
            | SyncOp::WaitGroupDone
            | SyncOp::WaitGroupWait
            | SyncOp::WaitGroupDestroy
            | SyncOp::AtomicDestroy => {
                let h = self.arg_val(&args[0]);
                let l = loc(self);
                self.call_rt(&format!("weft_rt_{}", op.name()), &[h.into(), l]);
                self.unit()
            }
            SyncOp::MutexNew | SyncOp::RwLockNew => {
                let p = self.owned_in_memory(&args[0]);
                let g = self.cg.glue_const(&t);
                let h = self.rt_value(&format!("weft_rt_{}", op.name()), &[g.into(), p.into()]);
                Val::owned(self.build_variant(ret, 0, &[h]))
            }
            SyncOp::MutexWithLock => self.with_lock(
                args,
                "weft_rt_mutex_lock_or_cancel",
                "weft_rt_mutex_unlock",
                "weft_rt_mutex_value",
                ret,
                span,
            ),
            SyncOp::RwLockWithReadLock => self.with_lock(
                args,
                "weft_rt_rwlock_read_lock_or_cancel",
                "weft_rt_rwlock_read_unlock",
                "weft_rt_rwlock_value",
                ret,
                span,
            ),
            SyncOp::RwLockWithWriteLock => self.with_lock(
                args,
                "weft_rt_rwlock_write_lock_or_cancel",
                "weft_rt_rwlock_write_unlock",
                "weft_rt_rwlock_value",
                ret,
                span,
            ),
            SyncOp::CondvarNew => {
                let h = self.rt_value("weft_rt_condvar_new", &[]);
                Val::owned(self.build_variant(ret, 0, &[h]))
            }
            SyncOp::CondvarWait => {
                let cv = self.arg_val(&args[0]);
                let m = self.arg_val(&args[1]);
                let l = loc(self);
                self.call_rt("weft_rt_condvar_wait", &[cv.into(), m.into(), l]);
                self.unit()
            }
            SyncOp::CondvarWaitTimeout => {
                let cv = self.arg_val(&args[0]);
                let m = self.arg_val(&args[1]);
                let ms = self.arg_val(&args[2]);
                let l = loc(self);
                Val::stat(self.rt_value(
                    "weft_rt_condvar_wait_timeout",
                    &[cv.into(), m.into(), ms.into(), l],
                ))
            }
            SyncOp::WaitGroupNew => Val::owned(self.rt_value("weft_rt_wait_group_new", &[])),
            SyncOp::WaitGroupAdd => {
                let wg = self.arg_val(&args[0]);
                let n = self.arg_val(&args[1]);
                let l = loc(self);
                self.call_rt("weft_rt_wait_group_add", &[wg.into(), n.into(), l]);
                self.unit()
            }
            SyncOp::AtomicNew => {
                let v = self.arg_val(&args[0]).into_int_value();
                let w = self.widen(v, &args[0].expr.ty);
                let h = self.rt_value("weft_rt_atomic_new", &[w.into()]);
                self.set_atomic_kind(h.into_pointer_value(), ret);
                Val::owned(h)
            }
            SyncOp::AtomicLoad
            | SyncOp::AtomicStore
            | SyncOp::AtomicAdd
            | SyncOp::AtomicFetchAdd
            | SyncOp::AtomicSwap
            | SyncOp::AtomicCompareExchange => self.atomic_op(op, args, ret, span),
        }
    }

    /// OS threads.
    pub fn thread_intrinsic(
        &mut self,
        op: ThreadOp,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let loc = |s: &mut Self| -> BasicMetadataValueEnum<'ctx> { s.cg.loc(span).into() };
        match op {
            ThreadOp::Spawn => {
                let v = self.expr(&args[0].expr);
                let clo = self.owned(v, &args[0].expr.ty);
                let ct = self.cg.closure_ty();
                let pair = self.cg.alloc_object(ct.into());
                self.cg.builder.store(pair, clo);
                let entry = self.cg.thread_entry().as_global_value().as_pointer_value();
                let err = self.alloca(self.cg.ptr_ty().into(), "err");
                let th = self
                    .rt_value(
                        "weft_rt_thread_spawn",
                        &[entry.into(), pair.into(), err.into()],
                    )
                    .into_pointer_value();
                let ok = self.cg.builder.is_not_null(th, "ok");
                self.result_from(ok, th.into(), err, ret)
            }
            ThreadOp::Join => {
                let th = self.arg_val(&args[0]).into_pointer_value();
                let l = loc(self);
                let status = self
                    .rt_value("weft_rt_thread_join", &[th.into(), l])
                    .into_int_value();
                self.thread_join_result(th, status, ret)
            }
            ThreadOp::Current => Val::owned(self.rt_value("weft_rt_thread_current", &[])),
            ThreadOp::Name => {
                let th = self.arg_val(&args[0]);
                Val::owned(self.rt_value("weft_rt_thread_name", &[th.into()]))
            }
            ThreadOp::Ncpu => Val::stat(self.rt_value("weft_rt_ncpu", &[])),
        }
    }

    /// An argument's owned value, in a stack slot (to be moved into the runtime).
    fn owned_in_memory(&mut self, a: &'p Arg) -> PointerValue<'ctx> {
        let v = self.expr(&a.expr);
        let v = self.owned(v, &a.expr.ty);
        let lt = self.cg.llvm_ty(&a.expr.ty);
        let p = self.alloca(lt, "moved");
        self.cg.builder.store(p, v);
        p
    }

    /// Releases the value at `p` when `kept` is false (the runtime did not take it).
    fn release_unless(&mut self, kept: IntValue<'ctx>, p: PointerValue<'ctx>, ty: &Ty) {
        if !self.cg.needs_drop(ty) {
            return;
        }
        let drop = self.block_bb("not_taken");
        let done = self.block_bb("taken");
        self.cg.builder.conditional_branch(kept, done, drop);
        self.cg.builder.position_at_end(drop);
        self.cg.release_at(p, ty);
        self.cg.builder.unconditional_branch(done);
        self.cg.builder.position_at_end(done);
    }

    fn is_zero(&mut self, status: IntValue<'ctx>) -> IntValue<'ctx> {
        let zero = status.get_type().const_zero();
        self.cg
            .builder
            .int_compare(inkwell::IntPredicate::EQ, status, zero, "ok")
    }

    /// The received value (meaningful only when the status is 0: nothing was moved out
    /// otherwise, and the result built from the status ignores it).
    fn load_received(
        &mut self,
        out: PointerValue<'ctx>,
        lt: inkwell::types::BasicTypeEnum<'ctx>,
    ) -> BasicValueEnum<'ctx> {
        self.cg.builder.load(lt, out, "v")
    }

    /// `Ok(value)` when `ok`, else `Err(Error(*err))` (the runtime's message).
    pub(super) fn result_from(
        &mut self,
        ok: IntValue<'ctx>,
        value: BasicValueEnum<'ctx>,
        err: PointerValue<'ctx>,
        ret: &Ty,
    ) -> Val<'ctx> {
        let slot = self.result_slot(ret);
        let yes = self.block_bb("ok");
        let no = self.block_bb("err");
        let done = self.block_bb("result");
        self.cg.builder.conditional_branch(ok, yes, no);
        self.cg.builder.position_at_end(yes);
        self.store_variant(slot, ret, 0, &[value], done);
        self.cg.builder.position_at_end(no);
        let msg = self
            .cg
            .builder
            .load(self.cg.ptr_ty(), err, "msg")
            .into_pointer_value();
        let e = self.cg.error_value(msg);
        self.store_variant(slot, ret, 1, &[e], done);
        self.cg.builder.position_at_end(done);
        self.load_result(slot, ret)
    }

    /// `Result<_, Error>` of a channel operation's status: `Ok(value)`, or an error
    /// `channel closed` / `cancelled`.
    pub(super) fn status_result(
        &mut self,
        status: IntValue<'ctx>,
        value: BasicValueEnum<'ctx>,
        ret: &Ty,
    ) -> Val<'ctx> {
        let slot = self.result_slot(ret);
        let done = self.block_bb("result");
        let ok = self.block_bb("ok");
        let closed = self.block_bb("closed");
        let cancelled = self.block_bb("cancelled");
        let i32t = self.cg.ctx.i32_type();
        self.cg.builder.switch(
            status,
            cancelled,
            &[(i32t.const_zero(), ok), (i32t.const_int(1, false), closed)],
        );
        self.cg.builder.position_at_end(ok);
        self.store_variant(slot, ret, 0, &[value], done);
        for (bb, text) in [(closed, "channel closed"), (cancelled, CANCELLED)] {
            self.cg.builder.position_at_end(bb);
            let msg = self.cg.string_literal(text);
            let e = self.cg.error_value(msg);
            self.store_variant(slot, ret, 1, &[e], done);
        }
        self.cg.builder.position_at_end(done);
        self.load_result(slot, ret)
    }

    /// `Result<T, RecvError>` of `recvTimeout`: closed → `Closed`, timed out (or the task
    /// cancelled) → `Timeout`.
    fn recv_timeout_result(
        &mut self,
        status: IntValue<'ctx>,
        value: BasicValueEnum<'ctx>,
        ret: &Ty,
    ) -> Val<'ctx> {
        let err_ty = super::func::result_err_ty(ret);
        let slot = self.result_slot(ret);
        let done = self.block_bb("result");
        let ok = self.block_bb("ok");
        let closed = self.block_bb("closed");
        let late = self.block_bb("timeout");
        let i32t = self.cg.ctx.i32_type();
        self.cg.builder.switch(
            status,
            late,
            &[(i32t.const_zero(), ok), (i32t.const_int(1, false), closed)],
        );
        self.cg.builder.position_at_end(ok);
        self.store_variant(slot, ret, 0, &[value], done);
        for (bb, variant) in [(closed, RECV_CLOSED), (late, RECV_TIMEOUT)] {
            self.cg.builder.position_at_end(bb);
            let e = self.build_variant(&err_ty, variant, &[]);
            self.store_variant(slot, ret, 1, &[e], done);
        }
        self.cg.builder.position_at_end(done);
        self.load_result(slot, ret)
    }

    /// `Result<void, TaskError>` of joining an OS thread (0 ok, 1 panicked).
    fn thread_join_result(
        &mut self,
        th: PointerValue<'ctx>,
        status: IntValue<'ctx>,
        ret: &Ty,
    ) -> Val<'ctx> {
        let err_ty = super::func::result_err_ty(ret);
        let slot = self.result_slot(ret);
        let done = self.block_bb("joined");
        let ok = self.block_bb("ok");
        let panicked = self.block_bb("panicked");
        let is_ok = self.is_zero(status);
        self.cg.builder.conditional_branch(is_ok, ok, panicked);
        self.cg.builder.position_at_end(ok);
        let unit = self.unit().v;
        self.store_variant(slot, ret, 0, &[unit], done);
        self.cg.builder.position_at_end(panicked);
        let len = self.alloca(self.cg.ctx.i64_type().into(), "len");
        let msg = self.rt_value("weft_rt_thread_panic_message", &[th.into(), len.into()]);
        let n = self.cg.builder.load(self.cg.ctx.i64_type(), len, "n");
        let s = self.rt_value("weft_rt_str_from_bytes", &[msg.into(), n.into()]);
        let e = self.build_variant(&err_ty, 0, &[s]);
        self.store_variant(slot, ret, 1, &[e], done);
        self.cg.builder.position_at_end(done);
        self.load_result(slot, ret)
    }

    /// `m.withLock(f)`: lock, `f(&mut value)`, unlock; `Ok(f's result)`.
    fn with_lock(
        &mut self,
        args: &'p [Arg],
        lock: &str,
        unlock: &str,
        value: &str,
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let h = self.arg_val(&args[0]);
        let cv = self.expr(&args[1].expr);
        let cv = self.consume_temp(cv, &args[1].expr.ty).into_struct_value();
        let Ty::Fn(ft) = &args[1].expr.ty else {
            return self.undef(ret);
        };
        let loc = self.cg.loc(span);
        // A cancellation while waiting for the lock ends the wait without it: the result is
        // `Err(Error("cancelled"))` and `f` does not run.
        let status = self
            .rt_value(lock, &[h.into(), loc.into()])
            .into_int_value();
        let slot = self.result_slot(ret);
        let locked = self.block_bb("locked");
        let cancelled = self.block_bb("lock_cancelled");
        let done = self.block_bb("with_lock_done");
        let zero = self.cg.ctx.i32_type().const_zero();
        let acquired = self
            .cg
            .builder
            .int_compare(IntPredicate::EQ, status, zero, "acquired");
        self.cg
            .builder
            .conditional_branch(acquired, locked, cancelled);
        self.cg.builder.position_at_end(cancelled);
        let msg = self.cg.string_literal(CANCELLED);
        let e = self.cg.error_value(msg);
        self.store_variant(slot, ret, 1, &[e], done);
        self.cg.builder.position_at_end(locked);
        // From here until the unlock, a panic in `f` unwinds through this scope, whose
        // exit unlocks: the lock is released once, by the unwinding.
        self.push_scope(ScopeKind::Plain);
        let unlock = Exit::RuntimeCall {
            f: self.cg.rt(unlock),
            args: vec![h.into(), loc.into()],
        };
        self.push_exit(self.scopes.len() - 1, unlock);
        let vp = self.rt_value(value, &[h.into()]).into_pointer_value();
        let fty = self.cg.fn_type(&ft.params, &ft.ret, true);
        let fp = self
            .cg
            .builder
            .extract_value(cv, 0, "fn")
            .into_pointer_value();
        let env = self.cg.builder.extract_value(cv, 1, "env");
        let mut largs: Vec<BasicMetadataValueEnum> = vec![env.into()];
        for (mode, t) in &ft.params {
            if self.cg.param_ty(*mode, t).is_none() {
                continue;
            }
            if *mode == PassMode::RefMut || self.cg.by_pointer(t) {
                largs.push(vp.into());
            } else {
                let lt = self.cg.llvm_ty(t);
                largs.push(self.cg.builder.load(lt, vp, "guarded").into());
            }
        }
        let r = self.indirect_call_may_unwind(fty, fp, &largs, "r");
        let r = r
            .try_as_basic_value()
            .basic()
            .unwrap_or_else(|| self.unit().v);
        self.pop_scope();
        self.store_variant(slot, ret, 0, &[r], done);
        self.cg.builder.position_at_end(done);
        let result = self.load_result(slot, ret);
        Val::owned(result.v)
    }

    /// `fetchAdd` on an `Atomic<T>` narrower than 64 bits, wrapping in `T` (the runtime's
    /// word always holds a value of `T`, sign- or zero-extended, so that `compareExchange`
    /// and `load` agree): a compare-exchange loop. Returns (previous, new) as `T`.
    fn narrow_fetch_add(
        &mut self,
        a: BasicValueEnum<'ctx>,
        delta: IntValue<'ctx>,
        ordering: IntValue<'ctx>,
        loc: PointerValue<'ctx>,
        ty: &Ty,
    ) -> (IntValue<'ctx>, IntValue<'ctx>) {
        let lt = self.cg.llvm_ty(ty).into_int_type();
        let relaxed = self.cg.ctx.i32_type().const_zero();
        let retry = self.block_bb("atomic_retry");
        let done = self.block_bb("atomic_done");
        self.br(retry);
        self.cg.builder.position_at_end(retry);
        let cur = self
            .rt_value(
                "weft_rt_atomic_load",
                &[a.into(), relaxed.into(), loc.into()],
            )
            .into_int_value();
        let sum = self.cg.builder.int_add(cur, delta, "sum");
        let new = self.cg.builder.int_truncate(sum, lt, "new");
        let stored = self.widen(new, ty);
        let swapped = self
            .rt_value(
                "weft_rt_atomic_compare_exchange",
                &[
                    a.into(),
                    cur.into(),
                    stored.into(),
                    ordering.into(),
                    loc.into(),
                ],
            )
            .into_int_value();
        self.cg.builder.conditional_branch(swapped, done, retry);
        self.cg.builder.position_at_end(done);
        let old = self.cg.builder.int_truncate(cur, lt, "old");
        (old, new)
    }

    /// Records which std type a new atomic object is (the byte at offset 17 of the
    /// runtime's `WeftAtomic`, read by its `use of destroyed <Kind>` panic); the runtime
    /// makes an `AtomicI64` by default.
    fn set_atomic_kind(&mut self, h: PointerValue<'ctx>, ty: &Ty) {
        let kind = match self.cg.handle_kind(ty) {
            Some(HandleKind::AtomicBool) => ATOMIC_KIND_BOOL,
            Some(HandleKind::Atomic) => ATOMIC_KIND_GENERIC,
            _ => return,
        };
        let i8t = self.cg.ctx.i8_type();
        let offset = self.cg.ctx.i64_type().const_int(ATOMIC_KIND_OFFSET, false);
        // SAFETY: the runtime's atomic objects are 24 bytes; offset 17 is inside.
        let p = unsafe { self.cg.builder.in_bounds_gep(i8t, h, &[offset], "kind") };
        self.cg.builder.store(p, i8t.const_int(kind, false));
    }

    /// An integer or bool as the runtime's i64 (sign- or zero-extended).
    fn widen(&mut self, v: IntValue<'ctx>, ty: &Ty) -> IntValue<'ctx> {
        let signed = matches!(ty, Ty::Int(i) if i.signed());
        self.cg
            .builder
            .int_cast_sign_flag(v, self.cg.ctx.i64_type(), signed, "wide")
    }

    /// The runtime's ordering code from a `MemoryOrdering` value (its variant index).
    fn ordering(&mut self, a: &'p Arg) -> IntValue<'ctx> {
        let v = self.arg_val(a).into_struct_value();
        self.cg
            .builder
            .extract_value(v, 0, "ordering")
            .into_int_value()
    }

    fn atomic_op(&mut self, op: SyncOp, args: &'p [Arg], ret: &Ty, span: Span) -> Val<'ctx> {
        let a = self.arg_val(&args[0]);
        let loc = self.cg.loc(span);
        let narrow = |s: &mut Self, v: BasicValueEnum<'ctx>| -> BasicValueEnum<'ctx> {
            match ret {
                Ty::Int(_) | Ty::Bool => {
                    let lt = s.cg.llvm_ty(ret).into_int_type();
                    s.cg.builder
                        .int_truncate_or_bit_cast(v.into_int_value(), lt, "narrow")
                        .into()
                }
                _ => v,
            }
        };
        match op {
            SyncOp::AtomicLoad => {
                let o = self.ordering(&args[1]);
                let v = self.rt_value("weft_rt_atomic_load", &[a.into(), o.into(), loc.into()]);
                Val::stat(narrow(self, v))
            }
            SyncOp::AtomicStore => {
                let x = self.arg_val(&args[1]).into_int_value();
                let x = self.widen(x, &args[1].expr.ty);
                let o = self.ordering(&args[2]);
                self.call_rt(
                    "weft_rt_atomic_store",
                    &[a.into(), x.into(), o.into(), loc.into()],
                );
                self.unit()
            }
            SyncOp::AtomicCompareExchange => {
                let e = self.arg_val(&args[1]).into_int_value();
                let e = self.widen(e, &args[1].expr.ty);
                let n = self.arg_val(&args[2]).into_int_value();
                let n = self.widen(n, &args[2].expr.ty);
                let o = self.ordering(&args[3]);
                Val::stat(self.rt_value(
                    "weft_rt_atomic_compare_exchange",
                    &[a.into(), e.into(), n.into(), o.into(), loc.into()],
                ))
            }
            SyncOp::AtomicAdd | SyncOp::AtomicFetchAdd if narrower_than_i64(ret) => {
                let x = self.arg_val(&args[1]).into_int_value();
                let x = self.widen(x, &args[1].expr.ty);
                let o = self.ordering(&args[2]);
                let (old, new) = self.narrow_fetch_add(a, x, o, loc, ret);
                Val::stat(if op == SyncOp::AtomicAdd { new } else { old }.into())
            }
            _ => {
                let x = self.arg_val(&args[1]).into_int_value();
                let x = self.widen(x, &args[1].expr.ty);
                let o = self.ordering(&args[2]);
                let f = if op == SyncOp::AtomicSwap {
                    "weft_rt_atomic_swap"
                } else {
                    "weft_rt_atomic_fetch_add"
                };
                let old = self
                    .rt_value(f, &[a.into(), x.into(), o.into(), loc.into()])
                    .into_int_value();
                let v = if op == SyncOp::AtomicAdd {
                    self.cg.builder.int_add(old, x, "new")
                } else {
                    old
                };
                Val::stat(narrow(self, v.into()))
            }
        }
    }
}

/// Whether an atomic's value type is an integer or bool narrower than the runtime's word.
fn narrower_than_i64(ty: &Ty) -> bool {
    match ty {
        Ty::Int(i) => !matches!(i, IntTy::I64 | IntTy::U64),
        Ty::Bool => true,
        _ => false,
    }
}
