//! Generators: a `gen fn` becomes a stackless coroutine through LLVM's coroutine passes
//! (the switched-resume lowering Clang uses for C++20 coroutines; llvm.org/docs/Coroutines.html),
//! and `next()` / `for` resume it with an indirect call through its frame.
//!
//! The function is emitted *pre-split* (attribute `presplitcoroutine`): its entry makes
//! the generator object (`weft_rt_generator_new`, docs/runtime.md section 13) sized for
//! the coroutine frame, begins the coroutine with the frame inside that object, takes its
//! own counted copies of the parameters, and suspends before the body, so a call runs
//! nothing of the body and returns the object. Every `yield` stores the value in the
//! object's slot, sets `has_value` and suspends. LLVM's `CoroSplit` (part of every
//! `default<On>` pipeline, -O0 included) then cuts the function into the *ramp* (the entry
//! up to the first suspension), a *resume* function and a *destroy* function, moving what
//! lives across a suspension into the frame: that is the state machine.
//!
//! Each suspension point branches three ways: on resumption the body continues (after a
//! stack check: resumed code runs on whatever stack calls `next()`, and the resume clone
//! has no prologue check of its own); on destruction it leaves the body as a `return`
//! would from that point (releasing locals and temporaries, running pending `defer`s); and
//! at the first entry it returns the object. When the body ends (its end or a `return`)
//! the scopes' exits run and the coroutine ends without touching the frame again: the
//! object owns the memory and frees it with the last reference. A panic unwinds out of the
//! resume function into the caller of `next()` through ordinary landing pads, whose
//! outermost action marks the generator `FINISHED` (its frame's values are released by the
//! inner ones on the way).
//!
//! Resuming (`next()`, and the steps of a `for` loop from HIR lowering) claims the state
//! word with a compare-and-swap (`SUSPENDED → RUNNING`, acquire), clears `has_value`,
//! calls `llvm.coro.resume` on the frame, and gives the state back with a release store:
//! `SUSPENDED` with the value moved out of the slot, or `FINISHED`. A `for` loop claims
//! once for the whole loop, so an item costs the resume and two plain stores.

use super::func::{Exit, FnCg, ScopeKind, Slot, Val};
use super::Cg;
use crate::common::intrinsic::GenOp;
use crate::common::ty::{PassMode, Ty};
use crate::hir::{Arg, Expr};
use crate::source::Span;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::basic_block::BasicBlock;
use inkwell::intrinsics::Intrinsic;
use inkwell::llvm_sys::core as llvm;
use inkwell::llvm_sys::prelude::LLVMValueRef;
use inkwell::module::Linkage;
use inkwell::values::{AsValueRef, BasicValue, FunctionValue, IntValue, PointerValue};
use inkwell::{AtomicOrdering, IntPredicate};

/// The runtime functions of this module: name and signature (see runtime_abi.rs).
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("weft_rt_generator_new", "piiip"),
    ("weft_rt_generator_busy", "!p"),
];

/// The generator object's header (runtime/src/sched/generator.rs): the state word (`i32`),
/// `has_value` (`i8`), the frame pointer, and the value slot.
const STATE: u64 = 8;
const HAS_VALUE: u64 = 12;
const FRAME: u64 = 16;
const VALUE: u64 = 48;
/// States of the generator's state word.
const SUSPENDED: u64 = 0;
const RUNNING: u64 = 1;
const FINISHED: u64 = 2;

/// The coroutine of the generator function being emitted.
#[derive(Clone)]
pub struct GenFrame<'ctx> {
    /// The generator object (made in the ramp; LLVM keeps it in the frame).
    pub obj: PointerValue<'ctx>,
    /// `llvm.coro.end`, then the return of the object (in the ramp; in the resume and
    /// destroy functions, a return to the caller).
    pub end: BasicBlock<'ctx>,
    /// The yielded type.
    elem: Ty,
}

impl<'ctx> Cg<'ctx, '_> {
    /// `void weft.generator.destroy(ptr frame)`: the C-ABI entry the runtime calls to
    /// destroy a suspended generator's frame (LLVM's destroy functions use `fastcc`).
    fn gen_destroy_fn(&mut self) -> FunctionValue<'ctx> {
        const NAME: &str = "weft.generator.destroy";
        if let Some(f) = self.module.get_function(NAME) {
            return f;
        }
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        let f = self.module.add_function(NAME, fty, Some(Linkage::Internal));
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let destroy = self.coro_intrinsic("llvm.coro.destroy", &[]);
        let frame = super::builder::param(f, 0);
        self.builder.call(destroy, &[frame.into()], "");
        self.builder.ret(None);
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        f
    }

    /// The declaration of coroutine intrinsic `name` (overloaded on `types`).
    fn coro_intrinsic(
        &self,
        name: &str,
        types: &[inkwell::types::BasicTypeEnum<'ctx>],
    ) -> FunctionValue<'ctx> {
        Intrinsic::find(name)
            .and_then(|i| i.get_declaration(&self.module, types))
            .unwrap_or_else(|| panic!("LLVM intrinsic {name}"))
    }

    /// Calls intrinsic `f` with raw arguments (coroutine intrinsics take and return
    /// `token`s, which inkwell's value types do not cover).
    fn raw_call(&self, f: FunctionValue<'ctx>, args: &[LLVMValueRef]) -> LLVMValueRef {
        let mut args = args.to_vec();
        // SAFETY: `f` is a function of this module, the builder is positioned in a block
        // of another, and `args` match `f`'s parameters (the callers below).
        unsafe {
            let fty = llvm::LLVMGlobalGetValueType(f.as_value_ref());
            llvm::LLVMBuildCall2(
                self.builder.as_mut_ptr(),
                fty,
                f.as_value_ref(),
                args.as_mut_ptr(),
                args.len() as u32,
                c"".as_ptr(),
            )
        }
    }

    /// The LLVM `token` type's `none`.
    fn token_none(&self) -> LLVMValueRef {
        // SAFETY: a constant of this context's token type.
        unsafe { llvm::LLVMConstNull(llvm::LLVMTokenTypeInContext(self.ctx.raw())) }
    }

    /// The address `offset` bytes into the generator object `g`.
    fn gen_field(&self, g: PointerValue<'ctx>, offset: u64, name: &str) -> PointerValue<'ctx> {
        let i8t = self.ctx.i8_type();
        let off = self.ctx.i64_type().const_int(offset, false);
        // SAFETY: the header's fields are within the object.
        unsafe { self.builder.in_bounds_gep(i8t, g, &[off], name) }
    }
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Emits the body of a `gen fn` as a pre-split coroutine (see the module docs).
    pub(super) fn emit_gen_body(&mut self, elem: &Ty) {
        let kind = Attribute::get_named_enum_kind_id("presplitcoroutine");
        let attr = self.cg.ctx.create_enum_attribute(kind, 0);
        self.func.add_attribute(AttributeLoc::Function, attr);
        self.push_scope(ScopeKind::Plain);
        if self.cg.opts.stack_checks {
            // Never elided: the resume function inherits no check, so this one only
            // guards the ramp, and each resumption checks again.
            self.cg.emit_stack_check(self.func, None);
        }
        let cg = &mut *self.cg;
        let (i32t, i64t, ptr) = (cg.ctx.i32_type(), cg.ctx.i64_type(), cg.ptr_ty());
        let null = ptr.const_null().as_value_ref();
        let coro_id = cg.coro_intrinsic("llvm.coro.id", &[]);
        let id = cg.raw_call(
            coro_id,
            &[i32t.const_zero().as_value_ref(), null, null, null],
        );
        let size = cg.coro_intrinsic("llvm.coro.size", &[i64t.into()]);
        let align = cg.coro_intrinsic("llvm.coro.align", &[i64t.into()]);
        // SAFETY: both return an `i64`.
        let (size, align) = unsafe {
            (
                IntValue::new(cg.raw_call(size, &[])),
                IntValue::new(cg.raw_call(align, &[])),
            )
        };
        let lt = cg.llvm_ty(elem);
        let value_size = i64t.const_int(cg.td.get_abi_size(&lt), false);
        let destroy = cg.gen_destroy_fn().as_global_value().as_pointer_value();
        let new = cg.rt("weft_rt_generator_new");
        let obj = cg
            .builder
            .call(
                new,
                &[size.into(), align.into(), value_size.into(), destroy.into()],
                "generator",
            )
            .try_as_basic_value()
            .basic()
            .expect("weft_rt_generator_new returns the object")
            .into_pointer_value();
        let frame_p = cg.gen_field(obj, FRAME, "frame_p");
        let frame = cg.builder.load(ptr, frame_p, "frame").into_pointer_value();
        let begin = cg.coro_intrinsic("llvm.coro.begin", &[]);
        // SAFETY: `llvm.coro.begin` returns the handle, a `ptr`.
        let hdl = unsafe { PointerValue::new(cg.raw_call(begin, &[id, frame.as_value_ref()])) };
        // The handle is `noalias` (a fresh object to LLVM): resumers must reach the frame
        // through it, or the ramp's stores into the frame look dead once it is inlined.
        cg.builder.store(frame_p, hdl);
        let end = self.block_bb("coro_end");
        self.gen = Some(GenFrame {
            obj,
            end,
            elem: elem.clone(),
        });
        self.bind_params();
        self.push_exit(0, Exit::GenUnwound(obj));
        self.own_params();
        self.suspend();
        let body = &self.f.body;
        let v = self.block(body);
        self.drop_now(v, &Ty::Void);
        if !self.terminated() {
            self.run_exits_from(0, None);
            self.br(end);
        }
        self.cg.builder.position_at_end(end);
        let coro_end = self.cg.coro_intrinsic("llvm.coro.end", &[]);
        let f = self.cg.ctx.bool_type().const_zero().as_value_ref();
        let none = self.cg.token_none();
        self.cg.raw_call(coro_end, &[hdl.as_value_ref(), f, none]);
        self.cg.builder.ret(Some(&obj));
        self.scopes.clear();
        self.cg.tag_accesses(self.func);
    }

    /// The frame keeps counted copies of the parameters: the caller's are borrowed only
    /// for the call, which returns before the body runs. A parameter passed by pointer is
    /// copied into a slot of the frame's own.
    fn own_params(&mut self) {
        for p in &self.f.params {
            let ty = self.f.locals[p.local.0 as usize].ty.clone();
            let lt = self.cg.llvm_ty(&ty);
            let slot = match self.slots[p.local.0 as usize] {
                Some(Slot::Direct(s)) => s,
                Some(Slot::Indirect(s)) if p.mode != PassMode::RefMut => {
                    let src = self
                        .cg
                        .builder
                        .load(self.cg.ptr_ty(), s, "param_ref")
                        .into_pointer_value();
                    let v = self.cg.builder.load(lt, src, "param_value");
                    let own = self.alloca(lt, "param_copy");
                    self.cg.builder.store(own, v);
                    self.slots[p.local.0 as usize] = Some(Slot::Direct(own));
                    own
                }
                _ => continue,
            };
            if self.cg.needs_drop(&ty) {
                self.cg.retain_at(slot, &ty);
                self.schedule_drop_in(0, slot, &ty);
            }
        }
    }

    /// A suspension point: resumed, the code after it continues; destroyed, the body is
    /// left as from a `return` here; on the first entry, the ramp returns the object.
    fn suspend(&mut self) {
        let g = self
            .gen
            .clone()
            .expect("suspension points are in generators");
        let suspend = self.cg.coro_intrinsic("llvm.coro.suspend", &[]);
        let none = self.cg.token_none();
        let not_final = self.cg.ctx.bool_type().const_zero().as_value_ref();
        // SAFETY: `llvm.coro.suspend` returns an `i8`.
        let s = unsafe { IntValue::new(self.cg.raw_call(suspend, &[none, not_final])) };
        let resumed = self.block_bb("resumed");
        let destroyed = self.block_bb("destroyed");
        let i8t = self.cg.ctx.i8_type();
        self.cg.builder.switch(
            s,
            g.end,
            &[
                (i8t.const_zero(), resumed),
                (i8t.const_int(1, false), destroyed),
            ],
        );
        self.cg.builder.position_at_end(destroyed);
        self.run_exits_from(0, None);
        self.br(g.end);
        self.cg.builder.position_at_end(resumed);
        if self.cg.opts.stack_checks {
            self.cg.emit_stack_check(self.func, None);
        }
    }

    /// `yield value`: the value goes to the object's slot, then the body suspends.
    pub fn yield_expr(&mut self, value: &'p Expr) -> Val<'ctx> {
        let g = self
            .gen
            .clone()
            .expect("the checker allows `yield` only in a gen fn");
        let v = self.expr(value);
        let v = self.owned(v, &g.elem);
        if self.terminated() {
            return self.unit();
        }
        let slot = self.cg.gen_field(g.obj, VALUE, "slot");
        self.cg.builder.store(slot, v);
        let has = self.cg.gen_field(g.obj, HAS_VALUE, "has_value");
        let one = self.cg.ctx.i8_type().const_int(1, false);
        self.cg.builder.store(has, one);
        self.suspend();
        self.unit()
    }

    /// A `return` in a generator's body, once the scopes' exits have run.
    pub fn gen_return(&mut self) -> bool {
        match &self.gen {
            Some(g) => {
                let end = g.end;
                self.br(end);
                true
            }
            None => false,
        }
    }

    /// In a landing pad of a generator's body: the body is leaving by a panic, so the
    /// generator is finished (its frame's values are released by the other cleanups).
    pub fn mark_unwound(&mut self, obj: PointerValue<'ctx>) {
        if !self.unwind_in_cleanup() {
            return;
        }
        let state = self.cg.gen_field(obj, STATE, "state");
        self.store_state(state, FINISHED);
    }

    fn store_state(&mut self, state: PointerValue<'ctx>, value: u64) {
        let v = self.cg.ctx.i32_type().const_int(value, false);
        let st = self.cg.builder.store(state, v);
        let ok =
            st.set_atomic_ordering(AtomicOrdering::Release).is_ok() && st.set_alignment(4).is_ok();
        debug_assert!(ok, "an aligned atomic store");
    }

    /// `Generator<T>` operations (see [`GenOp`]).
    pub(super) fn gen_intrinsic(
        &mut self,
        op: GenOp,
        elem: &Ty,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        let g = self.arg_val(&args[0]).into_pointer_value();
        match op {
            GenOp::Acquire => {
                let claimed = self.claim(g, span);
                Val::stat(claimed.into())
            }
            GenOp::Release => {
                let state = self.cg.gen_field(g, STATE, "state");
                let i32t = self.cg.ctx.i32_type();
                let s = self.cg.builder.load(i32t, state, "s");
                if let Some(inst) = s.as_instruction_value() {
                    let ok = inst.set_atomic_ordering(AtomicOrdering::Monotonic).is_ok()
                        && inst.set_alignment(4).is_ok();
                    debug_assert!(ok, "an aligned atomic load");
                }
                let running = self.cg.builder.int_compare(
                    IntPredicate::EQ,
                    s.into_int_value(),
                    i32t.const_int(RUNNING, false),
                    "running",
                );
                let give = self.block_bb("give_back");
                let done = self.block_bb("given_back");
                self.cg.builder.conditional_branch(running, give, done);
                self.cg.builder.position_at_end(give);
                self.store_state(state, SUSPENDED);
                self.cg.builder.unconditional_branch(done);
                self.cg.builder.position_at_end(done);
                self.unit()
            }
            GenOp::Resume => {
                let has = self.resume_once(g);
                let slot = self.cg.gen_field(g, VALUE, "slot");
                self.option_from(has, slot, ret, elem)
            }
            GenOp::Next => {
                let ok = self.alloca(self.cg.ctx.bool_type().into(), "has_next");
                let claimed = self.claim(g, span);
                let run = self.block_bb("next_run");
                let finished = self.block_bb("next_finished");
                let done = self.block_bb("next_done");
                self.cg.builder.conditional_branch(claimed, run, finished);
                self.cg.builder.position_at_end(finished);
                let no = self.cg.ctx.bool_type().const_zero();
                self.cg.builder.store(ok, no);
                self.cg.builder.unconditional_branch(done);
                self.cg.builder.position_at_end(run);
                let has = self.resume_once(g);
                let back = self.block_bb("next_back");
                let after = self.block_bb("next_after");
                self.cg.builder.conditional_branch(has, back, after);
                self.cg.builder.position_at_end(back);
                let state = self.cg.gen_field(g, STATE, "state");
                self.store_state(state, SUSPENDED);
                self.cg.builder.unconditional_branch(after);
                self.cg.builder.position_at_end(after);
                self.cg.builder.store(ok, has);
                self.cg.builder.unconditional_branch(done);
                self.cg.builder.position_at_end(done);
                let has = self
                    .cg
                    .builder
                    .load(self.cg.ctx.bool_type(), ok, "has")
                    .into_int_value();
                let slot = self.cg.gen_field(g, VALUE, "slot");
                self.option_from(has, slot, ret, elem)
            }
        }
    }

    /// Claims generator `g` (`SUSPENDED → RUNNING`, acquire): true when claimed, false when
    /// it has finished; panics `generator already running` when it is running.
    fn claim(&mut self, g: PointerValue<'ctx>, span: Span) -> IntValue<'ctx> {
        let i32t = self.cg.ctx.i32_type();
        let state = self.cg.gen_field(g, STATE, "state");
        let pair = self
            .cg
            .builder
            .build_cmpxchg(
                state,
                i32t.const_int(SUSPENDED, false),
                i32t.const_int(RUNNING, false),
                AtomicOrdering::Acquire,
                AtomicOrdering::Acquire,
            )
            .expect("cmpxchg of the generator state");
        let claimed = self
            .cg
            .builder
            .extract_value(pair, 1, "claimed")
            .into_int_value();
        let old = self
            .cg
            .builder
            .extract_value(pair, 0, "old")
            .into_int_value();
        let not_claimed = self.block_bb("not_claimed");
        let busy = self.block_bb("generator_busy");
        let done = self.block_bb("claim_done");
        self.cg
            .builder
            .conditional_branch(claimed, done, not_claimed);
        self.cg.builder.position_at_end(not_claimed);
        let finished = self.cg.builder.int_compare(
            IntPredicate::EQ,
            old,
            i32t.const_int(FINISHED, false),
            "finished",
        );
        self.cg.builder.conditional_branch(finished, done, busy);
        self.cg.builder.position_at_end(busy);
        let loc = self.cg.loc(span);
        self.call_rt("weft_rt_generator_busy", &[loc.into()]);
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(done);
        claimed
    }

    /// Runs claimed generator `g` to its next `yield` or its end: true when it yielded
    /// (the value is in the slot); when it ended, its state becomes `FINISHED`.
    fn resume_once(&mut self, g: PointerValue<'ctx>) -> IntValue<'ctx> {
        let i8t = self.cg.ctx.i8_type();
        let has = self.cg.gen_field(g, HAS_VALUE, "has_value_p");
        self.cg.builder.store(has, i8t.const_zero());
        let frame_p = self.cg.gen_field(g, FRAME, "frame_p");
        let frame = self
            .cg
            .builder
            .load(self.cg.ptr_ty(), frame_p, "frame")
            .into_pointer_value();
        let resume = self.cg.coro_intrinsic("llvm.coro.resume", &[]);
        self.call_may_unwind(resume, &[frame.into()], "");
        let hv = self.cg.builder.load(i8t, has, "has_value").into_int_value();
        let yielded =
            self.cg
                .builder
                .int_compare(IntPredicate::NE, hv, i8t.const_zero(), "yielded");
        let ended = self.block_bb("generator_ended");
        let cont = self.block_bb("generator_resumed");
        self.cg.builder.conditional_branch(yielded, cont, ended);
        self.cg.builder.position_at_end(ended);
        let state = self.cg.gen_field(g, STATE, "state");
        self.store_state(state, FINISHED);
        self.cg.builder.unconditional_branch(cont);
        self.cg.builder.position_at_end(cont);
        yielded
    }
}
