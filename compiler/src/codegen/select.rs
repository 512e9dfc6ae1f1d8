//! `select` over the runtime's `weft_rt_select` (docs/runtime.md section 9): an array of
//! `WeftSelectCase`s on the stack, one per channel case (receive slots and statuses next to
//! it), the call, and a switch on the index it returns to the case's arm.
//!
//! Ownership: a send case's value is copied out of its local with one more count and moved
//! into the runtime, which sends it or releases it (the local keeps its own count); a
//! receive moves the received value out into the arm's `Result<T>`, or releases it when the
//! case binds nothing.

use super::func::{FnCg, ScopeKind, Val};
use crate::common::ty::Ty;
use crate::hir::{SelectArm, SelectOp};
use crate::source::Span;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, PointerValue};

/// The runtime functions of this module: name and signature (see runtime_abi.rs).
pub const FUNCTIONS: &[(&str, &str)] = &[("weft_rt_select", "ipiibp")];

/// `WeftSelectCase.op`.
const OP_RECV: u64 = 0;
const OP_SEND: u64 = 1;

/// Where a channel case's value and status live during the select.
struct CaseSlots<'ctx> {
    value: PointerValue<'ctx>,
    status: PointerValue<'ctx>,
    elem: Ty,
    lt: BasicTypeEnum<'ctx>,
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Emits a `select` whose value has type `ty`.
    pub fn select_expr(&mut self, arms: &'p [SelectArm], ty: &Ty, span: Span) -> Val<'ctx> {
        let i32t = self.cg.ctx.i32_type();
        let i64t = self.cg.ctx.i64_type();
        let ptr = self.cg.ptr_ty();
        let case_ty = self
            .cg
            .ctx
            .struct_type(&[ptr.into(), i32t.into(), ptr.into(), ptr.into()], false);
        let channel_arms: Vec<usize> = (0..arms.len())
            .filter(|&i| matches!(arms[i].op, SelectOp::Recv { .. } | SelectOp::Send { .. }))
            .collect();
        let n = channel_arms.len() as u32;
        let cases = if n == 0 {
            ptr.const_null()
        } else {
            self.alloca(case_ty.array_type(n).into(), "select_cases")
        };
        let mut slots: Vec<Option<CaseSlots<'ctx>>> = (0..arms.len()).map(|_| None).collect();
        for (k, &ai) in channel_arms.iter().enumerate() {
            let (chan, op) = match &arms[ai].op {
                SelectOp::Recv { chan, .. } => (*chan, OP_RECV),
                SelectOp::Send { chan, .. } => (*chan, OP_SEND),
                _ => unreachable!("channel arms only"),
            };
            let chan_ty = self.f.locals[chan.0 as usize].ty.clone();
            let elem = match &chan_ty {
                Ty::Adt(_, args) => args.first().cloned().unwrap_or(Ty::Error),
                _ => Ty::Error,
            };
            let lt = self.cg.llvm_ty(&elem);
            let value = self.alloca(lt, "select_value");
            let status = self.alloca(i32t.into(), "select_status");
            if let SelectOp::Send { value: local, .. } = &arms[ai].op {
                // A copy with its own count: the runtime takes it over.
                let src = self.local_ptr(*local);
                let v = self.cg.builder.load(lt, src, "send");
                self.retain_value(v, &elem);
                self.cg.builder.store(value, v);
            }
            let ch_ptr = self.local_ptr(chan);
            let ch = self.cg.builder.load(ptr, ch_ptr, "chan");
            let zero = i32t.const_zero();
            let case = unsafe {
                self.cg.builder.in_bounds_gep(
                    case_ty.array_type(n),
                    cases,
                    &[zero, i32t.const_int(k as u64, false)],
                    "case",
                )
            };
            let fields: [BasicValueEnum<'ctx>; 4] = [
                ch,
                i32t.const_int(op, false).into(),
                value.into(),
                status.into(),
            ];
            for (f, v) in fields.into_iter().enumerate() {
                let fp = self.cg.builder.struct_gep(case_ty, case, f as u32, "field");
                self.cg.builder.store(fp, v);
            }
            slots[ai] = Some(CaseSlots {
                value,
                status,
                elem,
                lt,
            });
        }
        let timeout = arms.iter().find_map(|a| match a.op {
            SelectOp::Timeout(l) => Some(l),
            _ => None,
        });
        let timeout = match timeout {
            Some(l) => {
                let p = self.local_ptr(l);
                self.cg.builder.load(i64t, p, "timeout_ms")
            }
            None => i64t.const_all_ones().into(),
        };
        let has_default = arms.iter().any(|a| matches!(a.op, SelectOp::Default));
        let has_default = self.cg.ctx.bool_type().const_int(has_default as u64, false);
        let loc = self.cg.loc(span);
        let fired = self
            .rt_value(
                "weft_rt_select",
                &[
                    cases.into(),
                    i64t.const_int(n as u64, false).into(),
                    timeout.into(),
                    has_default.into(),
                    loc.into(),
                ],
            )
            .into_int_value();

        // Index `n`: the default case when there is one (nothing was ready), else the
        // timeout's.
        let none_ready = arms
            .iter()
            .position(|a| matches!(a.op, SelectOp::Default))
            .or_else(|| {
                arms.iter()
                    .position(|a| matches!(a.op, SelectOp::Timeout(_)))
            });
        let result = self.result_slot(ty);
        let merge = self.block_bb("select_end");
        let unexpected = self.block_bb("select_none");
        let blocks: Vec<_> = arms.iter().map(|_| self.block_bb("select_arm")).collect();
        let mut targets = Vec::new();
        for (k, &ai) in channel_arms.iter().enumerate() {
            targets.push((i64t.const_int(k as u64, false), blocks[ai]));
        }
        if let Some(ai) = none_ready {
            targets.push((i64t.const_int(n as u64, false), blocks[ai]));
        }
        self.cg.builder.switch(fired, unexpected, &targets);
        self.cg.builder.position_at_end(unexpected);
        self.cg.builder.unreachable();
        for (ai, arm) in arms.iter().enumerate() {
            self.cg.builder.position_at_end(blocks[ai]);
            self.push_scope(ScopeKind::Plain);
            if let (SelectOp::Recv { result: bind, .. }, Some(s)) = (&arm.op, &slots[ai]) {
                self.received(*bind, s);
            }
            let v = self.expr(&arm.body);
            let v = self.owned(v, ty);
            self.store_result(result, Val::owned(v));
            self.pop_scope();
            self.br(merge);
        }
        self.cg.builder.position_at_end(merge);
        self.load_result(result, ty)
    }

    /// At the start of a fired receive case's arm: binds the `Result<T>` to `bind` (a
    /// local of the arm's scope), or releases a received value nobody binds.
    fn received(&mut self, bind: Option<crate::hir::LocalId>, s: &CaseSlots<'ctx>) {
        let i32t = self.cg.ctx.i32_type();
        let status = self
            .cg
            .builder
            .load(i32t, s.status, "status")
            .into_int_value();
        match bind {
            Some(l) => {
                let rty = self.f.locals[l.0 as usize].ty.clone();
                let v = self.cg.builder.load(s.lt, s.value, "received");
                let r = self.status_result(status, v, &rty);
                let p = self.local_ptr(l);
                self.cg.builder.store(p, r.v);
                let scope = self.scopes.len() - 1;
                self.schedule_drop_in(scope, p, &rty);
            }
            None if self.cg.needs_drop(&s.elem) => {
                let got = self.block_bb("received_value");
                let done = self.block_bb("received_done");
                let ok = self.cg.builder.int_compare(
                    inkwell::IntPredicate::EQ,
                    status,
                    i32t.const_zero(),
                    "ok",
                );
                self.cg.builder.conditional_branch(ok, got, done);
                self.cg.builder.position_at_end(got);
                let elem = s.elem.clone();
                self.cg.release_at(s.value, &elem);
                self.cg.builder.unconditional_branch(done);
                self.cg.builder.position_at_end(done);
            }
            None => {}
        }
    }
}
