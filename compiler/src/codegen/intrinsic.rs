//! The standard library's `@intrinsic` functions: string, vector, map, box, number and
//! I/O operations over the runtime ABI (docs/runtime.md), with the vector push fast path
//! and the simplest accessors inlined.

use super::builder::CallValue;
use super::func::{FnCg, Val};
use crate::common::intrinsic::{CoreOp, FloatOp, IntOp, Intrinsic, IoOp, MapOp, StrOp, VecOp};
use crate::common::ty::{FloatTy, Ty};
use crate::hir::Arg;
use crate::source::Span;
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Emits intrinsic `op`; `type_args` are its declaration's type arguments.
    pub fn intrinsic(
        &mut self,
        op: Intrinsic,
        type_args: &[Ty],
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        self.debug_loc(span);
        let ops: Vec<&'p crate::hir::Expr> = args.iter().map(|a| &a.expr).collect();
        self.mark_operands(&ops);
        let targ = |i: usize| type_args.get(i).cloned().unwrap_or(Ty::Error);
        match op {
            Intrinsic::Core(op) => self.core_intrinsic(op, &targ(0), args, span),
            Intrinsic::Str(op) => self.string_intrinsic(op, args, span),
            Intrinsic::Vec(op) => self.vec_intrinsic(op, &targ(0), args, ret, span),
            Intrinsic::Map(op) => self.map_intrinsic(op, &targ(0), &targ(1), args, ret),
            Intrinsic::Int(op) => self.int_intrinsic(op, args, ret),
            Intrinsic::Float(op) => self.float_intrinsic(op, args),
            Intrinsic::Io(op) => self.io_intrinsic(op, args),
            Intrinsic::Task(op) => self.task_intrinsic(op, type_args, args, ret, span),
            Intrinsic::Scope(op) => self.scope_intrinsic(op, type_args, args, ret, span),
            Intrinsic::Sync(op) => self.sync_intrinsic(op, &targ(0), args, ret, span),
            Intrinsic::Thread(op) => self.thread_intrinsic(op, args, ret, span),
            Intrinsic::Net(op) => self.net_intrinsic(op, args, ret, span),
            Intrinsic::Gen(op) => self.gen_intrinsic(op, &targ(0), args, ret, span),
        }
    }

    /// Panics, assertions, printing, boxes.
    fn core_intrinsic(&mut self, op: CoreOp, t: &Ty, args: &'p [Arg], span: Span) -> Val<'ctx> {
        match op {
            CoreOp::Panic => {
                let msg = self.arg_val(&args[0]);
                let loc = self.cg.loc(span);
                self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
                self.diverge()
            }
            CoreOp::Assert => {
                let cond = self.arg_val(&args[0]).into_int_value();
                let fail = self.block_bb("assert_failed");
                let ok = self.block_bb("assert_ok");
                self.cg.builder.conditional_branch(cond, ok, fail);
                self.cg.builder.position_at_end(fail);
                let msg = self.arg_val(&args[1]);
                let loc = self.cg.loc(span);
                self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
                self.cg.builder.unreachable();
                self.cg.builder.position_at_end(ok);
                self.unit()
            }
            CoreOp::AssertEq => self.assert_eq(t, args, span),
            CoreOp::Print | CoreOp::Eprint => {
                let arr = self.string_array(args);
                let n = self.cg.ctx.i64_type().const_int(args.len() as u64, false);
                let fd = if op == CoreOp::Print { 1 } else { 2 };
                let fd = self.cg.ctx.i32_type().const_int(fd, false);
                self.call_rt("weft_rt_print", &[arr.into(), n.into(), fd.into()]);
                self.unit()
            }
            CoreOp::BoxNew => {
                let v = self.arg_owned(&args[0]);
                let bt = self.cg.box_struct(t);
                let obj = self.cg.alloc_object(bt.into());
                let p = self.cg.builder.struct_gep(bt, obj, 1, "payload");
                self.cg.builder.store(p, v);
                Val::owned(obj.into())
            }
            CoreOp::BoxGet => {
                let b = self.arg_val(&args[0]).into_pointer_value();
                let bt = self.cg.box_struct(t);
                let p = self.cg.builder.struct_gep(bt, b, 1, "payload");
                let lt = self.cg.llvm_ty(t);
                let v = self.cg.builder.load(lt, p, "v");
                Val::owned(self.owned(Val::borrowed(v), t))
            }
            CoreOp::BoolToString => {
                let b = self.arg_val(&args[0]);
                self.rt_owned("weft_rt_str_from_bool", &[b.into()])
            }
        }
    }

    /// `assertEq(left, right)`: compares with the type's equality glue and, when the values
    /// differ, panics at the call with both values' debug text.
    fn assert_eq(&mut self, t: &Ty, args: &'p [Arg], span: Span) -> Val<'ctx> {
        let lt = self.cg.llvm_ty(t);
        let left = self.arg_val(&args[0]);
        let right = self.arg_val(&args[1]);
        let a = self.alloca(lt, "left");
        let b = self.alloca(lt, "right");
        self.cg.builder.store(a, left);
        self.cg.builder.store(b, right);
        // The texts of the message live in slots released with the statement (the panic
        // unwinds through that cleanup); they start as the immortal empty string, so the
        // path where the values are equal releases nothing.
        let empty = self.cg.string_literal("");
        let slots: Vec<_> = (0..5)
            .map(|_| {
                let slot = self.spill(Val::stat(empty.into()), &Ty::Str);
                self.schedule_drop(slot, &Ty::Str);
                slot
            })
            .collect();
        let eq = self.cg.eq_fn(t);
        let same = self.cg.builder.call(eq, &[a.into(), b.into()], "same");
        let fail = self.block_bb("assert_eq_failed");
        let ok = self.block_bb("assert_eq_ok");
        self.cg
            .builder
            .conditional_branch(same.value().into_int_value(), ok, fail);
        self.cg.builder.position_at_end(fail);
        let show = self.cg.show_fn(t);
        let ls = self.cg.builder.call(show, &[a.into()], "left_text").value();
        let rs = self
            .cg
            .builder
            .call(show, &[b.into()], "right_text")
            .value();
        self.cg.builder.store(slots[0], ls);
        self.cg.builder.store(slots[1], rs);
        let head = self
            .cg
            .string_literal("assertion `left == right` failed\n  left: ");
        let mid = self.cg.string_literal("\n right: ");
        let concat = self.cg.rt("weft_rt_str_concat");
        let mut msg = head;
        for (piece, slot) in [ls, mid.into(), rs].into_iter().zip(&slots[2..]) {
            msg = self
                .cg
                .builder
                .call(concat, &[msg.into(), piece.into()], "msg")
                .value()
                .into_pointer_value();
            self.cg.builder.store(*slot, msg);
        }
        let loc = self.cg.loc(span);
        self.call_rt("weft_rt_panic", &[msg.into(), loc.into()]);
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(ok);
        self.unit()
    }

    /// `std/io` and `std/time`.
    fn io_intrinsic(&mut self, op: IoOp, args: &'p [Arg]) -> Val<'ctx> {
        match op {
            IoOp::Args => self.rt_owned("weft_rt_args", &[]),
            IoOp::ProgramName => self.rt_owned("weft_rt_program_name", &[]),
            IoOp::ReadFile | IoOp::ReadLine | IoOp::Getenv | IoOp::WriteFile => {
                self.io_out_param(op, args)
            }
            IoOp::Exit => {
                let code = self.arg_val(&args[0]);
                self.call_rt("weft_rt_exit", &[code.into()]);
                self.diverge()
            }
            IoOp::SleepMs => {
                let ms = self.arg_val(&args[0]);
                self.call_rt("weft_rt_sleep_ms", &[ms.into()]);
                self.unit()
            }
            IoOp::NowMs => self.rt_owned("weft_rt_now_ms", &[]),
            IoOp::NowNs => self.rt_owned("weft_rt_now_ns", &[]),
        }
    }

    /// Ends the current block after a call that does not return.
    fn diverge(&mut self) -> Val<'ctx> {
        self.cg.builder.unreachable();
        self.ensure_open();
        self.unit()
    }

    // ----- argument helpers -----

    /// An argument's value for the moment (borrowed; temporaries released with the
    /// statement). `&mut` arguments give the address of their place.
    pub fn arg_val(&mut self, a: &'p Arg) -> BasicValueEnum<'ctx> {
        if a.mode == crate::common::ty::PassMode::RefMut {
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

    /// A stack array of the string arguments (for print and concatenation).
    fn string_array(&mut self, args: &'p [Arg]) -> PointerValue<'ctx> {
        let ptr = self.cg.ptr_ty();
        let at = ptr.array_type(args.len().max(1) as u32);
        let arr = self.alloca(at.into(), "parts");
        let zero = self.cg.ctx.i64_type().const_zero();
        for (i, a) in args.iter().enumerate() {
            let v = self.arg_val(a);
            let idx = self.cg.ctx.i64_type().const_int(i as u64, false);
            let p = unsafe { self.cg.builder.in_bounds_gep(at, arr, &[zero, idx], "part") };
            self.cg.builder.store(p, v);
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
        self.cg.builder.conditional_branch(ok, some, none);
        self.cg.builder.position_at_end(some);
        let lt = self.cg.llvm_ty(elem);
        let v = self.cg.builder.load(lt, payload, "v");
        self.store_variant(slot, opt, 0, &[v], done);
        self.cg.builder.position_at_end(none);
        self.store_variant(slot, opt, 1, &[], done);
        self.cg.builder.position_at_end(done);
        self.load_result(slot, opt)
    }

    // ----- strings -----

    fn string_intrinsic(&mut self, op: StrOp, args: &'p [Arg], span: Span) -> Val<'ctx> {
        let simple = match op {
            StrOp::Contains => "weft_rt_str_contains",
            StrOp::StartsWith => "weft_rt_str_starts_with",
            StrOp::EndsWith => "weft_rt_str_ends_with",
            StrOp::Find => "weft_rt_str_find",
            StrOp::Split => "weft_rt_str_split",
            StrOp::Trim => "weft_rt_str_trim",
            StrOp::ToUpper => "weft_rt_str_to_upper",
            StrOp::ToLower => "weft_rt_str_to_lower",
            StrOp::Bytes => "weft_rt_str_bytes",
            StrOp::ParseInt => "weft_rt_str_parse_int",
            StrOp::ParseFloat => "weft_rt_str_parse_float",
            StrOp::ConcatN => {
                let arr = self.string_array(args);
                let n = self.cg.ctx.i64_type().const_int(args.len() as u64, false);
                return self.rt_owned("weft_rt_str_concat_n", &[arr.into(), n.into()]);
            }
            StrOp::Len => {
                let s = self.arg_val(&args[0]).into_pointer_value();
                return Val::stat(self.cg.str_len(s).into());
            }
            StrOp::Slice => {
                let vals: Vec<BasicMetadataValueEnum> =
                    args.iter().map(|a| self.arg_val(a).into()).collect();
                let loc = self.cg.loc(span);
                let mut all = vals;
                all.push(loc.into());
                return self.rt_owned("weft_rt_str_slice", &all);
            }
        };
        self.rt_simple(simple, args)
    }

    /// A runtime function taking every argument's value and returning an owned result.
    fn rt_simple(&mut self, f: &str, args: &'p [Arg]) -> Val<'ctx> {
        let vals: Vec<BasicMetadataValueEnum> =
            args.iter().map(|a| self.arg_val(a).into()).collect();
        self.rt_owned(f, &vals)
    }

    // ----- numbers -----

    fn int_intrinsic(&mut self, op: IntOp, args: &'p [Arg], ret: &Ty) -> Val<'ctx> {
        let recv_ty = args.first().map(|a| a.expr.ty.clone()).unwrap_or(Ty::Error);
        let signed = matches!(recv_ty, Ty::Int(i) if i.signed());
        match op {
            IntOp::ToString => {
                let x = self.arg_val(&args[0]).into_int_value();
                let i64t = self.cg.ctx.i64_type();
                let w = self.cg.builder.int_cast_sign_flag(x, i64t, signed, "w");
                let f = if signed {
                    "weft_rt_str_from_i64"
                } else {
                    "weft_rt_str_from_u64"
                };
                self.rt_owned(f, &[w.into()])
            }
            IntOp::WrappingAdd | IntOp::WrappingSub | IntOp::WrappingMul => {
                let a = self.arg_val(&args[0]).into_int_value();
                let b = self.arg_val(&args[1]).into_int_value();
                let bld = &self.cg.builder;
                let v = match op {
                    IntOp::WrappingAdd => bld.int_add(a, b, "wadd"),
                    IntOp::WrappingSub => bld.int_sub(a, b, "wsub"),
                    _ => bld.int_mul(a, b, "wmul"),
                };
                Val::stat(v.into())
            }
            IntOp::CheckedAdd | IntOp::CheckedSub | IntOp::CheckedMul => {
                let a = self.arg_val(&args[0]).into_int_value();
                let b = self.arg_val(&args[1]).into_int_value();
                let name = match op {
                    IntOp::CheckedAdd => "add",
                    IntOp::CheckedSub => "sub",
                    _ => "mul",
                };
                let name = format!("{}{}", if signed { "s" } else { "u" }, name);
                let (v, overflow) = self.overflow_op(&name, a, b);
                let ok = self.cg.builder.not(overflow, "ok");
                self.checked_result(ok, v, ret, &recv_ty)
            }
            IntOp::WrappingShl | IntOp::WrappingShr | IntOp::CheckedShl | IntOp::CheckedShr => {
                let left = matches!(op, IntOp::WrappingShl | IntOp::CheckedShl);
                let a = self.arg_val(&args[0]).into_int_value();
                let amount = self.arg_val(&args[1]).into_int_value();
                let t = a.get_type();
                let width = u64::from(t.get_bit_width());
                // The amount modulo the width: what the wrapping forms shift by, and a
                // defined shift for the checked forms to discard.
                let narrow = self.cg.builder.int_cast_sign_flag(amount, t, true, "amt");
                let mask = t.const_int(width - 1, false);
                let masked = self.cg.builder.and(narrow, mask, "masked");
                let v = self.shift(left, a, masked, signed);
                if matches!(op, IntOp::WrappingShl | IntOp::WrappingShr) {
                    return Val::stat(v.into());
                }
                let limit = amount.get_type().const_int(width, false);
                let ok = self.cg.builder.int_compare(
                    inkwell::IntPredicate::ULT,
                    amount,
                    limit,
                    "in_range",
                );
                self.checked_result(ok, v, ret, &recv_ty)
            }
        }
    }

    /// `Some(v)` of type `ret` when `ok` holds, else `None` (`v` of type `t`).
    fn checked_result(
        &mut self,
        ok: inkwell::values::IntValue<'ctx>,
        v: inkwell::values::IntValue<'ctx>,
        ret: &Ty,
        t: &Ty,
    ) -> Val<'ctx> {
        let p = self.alloca(v.get_type().into(), "checked");
        self.cg.builder.store(p, v);
        self.option_from(ok, p, ret, t)
    }

    fn float_intrinsic(&mut self, op: FloatOp, args: &'p [Arg]) -> Val<'ctx> {
        let recv_ty = args.first().map(|a| a.expr.ty.clone()).unwrap_or(Ty::Error);
        let llvm = match op {
            FloatOp::ToString => {
                let x = self.arg_val(&args[0]);
                let f = if matches!(recv_ty, Ty::Float(FloatTy::F32)) {
                    "weft_rt_str_from_f32"
                } else {
                    "weft_rt_str_from_f64"
                };
                return self.rt_owned(f, &[x.into()]);
            }
            FloatOp::ToFixed => {
                let x = self.arg_val(&args[0]).into_float_value();
                let digits = self.arg_val(&args[1]);
                let f64t = self.cg.ctx.f64_type();
                let wide = self.cg.builder.float_ext(x, f64t, "wide");
                return self.rt_owned("weft_rt_str_from_f64_fixed", &[wide.into(), digits.into()]);
            }
            FloatOp::IsNan => {
                let x = self.arg_val(&args[0]).into_float_value();
                let v = self
                    .cg
                    .builder
                    .float_compare(inkwell::FloatPredicate::UNO, x, x, "nan");
                return Val::stat(v.into());
            }
            FloatOp::Sqrt => "llvm.sqrt",
            FloatOp::Abs => "llvm.fabs",
            FloatOp::Floor => "llvm.floor",
            FloatOp::Ceil => "llvm.ceil",
            FloatOp::Round => "llvm.round",
            FloatOp::Sin => "llvm.sin",
            FloatOp::Cos => "llvm.cos",
            FloatOp::Exp => "llvm.exp",
            FloatOp::Ln => "llvm.log",
            FloatOp::Pow => "llvm.pow",
        };
        let vals: Vec<BasicMetadataValueEnum> =
            args.iter().map(|a| self.arg_val(a).into()).collect();
        let ft = self.cg.llvm_ty(&recv_ty);
        let f = inkwell::intrinsics::Intrinsic::find(llvm)
            .and_then(|i| i.get_declaration(&self.cg.module, &[ft]))
            .expect("float intrinsic");
        let r = self.cg.builder.call(f, &vals, "f");
        Val::stat(r.value())
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
        let r = self.cg.builder.call(f, &[a.into(), b.into()], "ovf");
        let r = r.value().into_struct_value();
        let v = self.cg.builder.extract_value(r, 0, "v").into_int_value();
        let o = self.cg.builder.extract_value(r, 1, "o").into_int_value();
        (v, o)
    }

    // ----- vectors -----

    fn vec_intrinsic(
        &mut self,
        op: VecOp,
        t: &Ty,
        args: &'p [Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        match op {
            VecOp::New => Val::stat(self.cg.empty_vec().into()),
            VecOp::WithCapacity => {
                let n = self.arg_val(&args[0]);
                let g = self.cg.glue_const(t);
                self.rt_owned("weft_rt_vec_with_capacity", &[n.into(), g.into()])
            }
            VecOp::Len => {
                let v = self.arg_val(&args[0]).into_pointer_value();
                Val::stat(self.cg.vec_len(v).into())
            }
            VecOp::Push => {
                let slot = self.arg_place(&args[0]);
                let x = self.arg_owned(&args[1]);
                self.vec_push(slot, x, t);
                self.unit()
            }
            VecOp::Pop => {
                let slot = self.arg_place(&args[0]);
                let lt = self.cg.llvm_ty(t);
                let out = self.alloca(lt, "popped");
                let g = self.cg.glue_const(t);
                let ok = self.rt_value("weft_rt_vec_pop", &[slot.into(), out.into(), g.into()]);
                self.option_from(ok.into_int_value(), out, ret, t)
            }
            VecOp::Insert => {
                let slot = self.arg_place(&args[0]);
                let i = self.arg_val(&args[1]);
                let x = self.arg_owned(&args[2]);
                let lt = self.cg.llvm_ty(t);
                let p = self.alloca(lt, "elem");
                self.cg.builder.store(p, x);
                let g = self.cg.glue_const(t);
                let loc = self.cg.loc(span);
                self.call_rt(
                    "weft_rt_vec_insert",
                    &[slot.into(), i.into(), p.into(), g.into(), loc.into()],
                );
                self.unit()
            }
            VecOp::Remove => {
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
                Val::owned(self.cg.builder.load(lt, out, "v"))
            }
            VecOp::Sort | VecOp::Reverse => {
                let slot = self.arg_place(&args[0]);
                let g = self.cg.glue_const(t);
                let f = if op == VecOp::Sort {
                    "weft_rt_vec_sort"
                } else {
                    "weft_rt_vec_reverse"
                };
                self.call_rt(f, &[slot.into(), g.into()]);
                self.unit()
            }
            VecOp::Slice => {
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
            VecOp::Join => self.rt_simple("weft_rt_vec_str_join", args),
        }
    }

    /// `v.push(x)`: stores in place when the vector is unique and has room, else grows
    /// (and copies, when shared) through the runtime first.
    fn vec_push(&mut self, slot: PointerValue<'ctx>, x: BasicValueEnum<'ctx>, t: &Ty) {
        let ptr = self.cg.ptr_ty();
        let v = self.cg.builder.load(ptr, slot, "vec").into_pointer_value();
        let unique = self.cg.is_unique(v);
        let one = self.cg.ctx.i64_type().const_int(1, false);
        let len = self.cg.vec_len(v);
        let cap = self.cg.vec_cap(v);
        let room = self
            .cg
            .builder
            .int_compare(IntPredicate::ULT, len, cap, "room");
        let fast = self.cg.builder.and(unique, room, "fast");
        let grow = self.block_bb("push_grow");
        let store = self.block_bb("push_store");
        self.cg.builder.conditional_branch(fast, store, grow);
        self.cg.builder.position_at_end(grow);
        let g = self.cg.glue_const(t);
        self.call_rt("weft_rt_vec_reserve", &[slot.into(), one.into(), g.into()]);
        self.cg.builder.unconditional_branch(store);
        self.cg.builder.position_at_end(store);
        let v = self.cg.builder.load(ptr, slot, "vec").into_pointer_value();
        let len = self.cg.vec_len(v);
        let p = self.cg.vec_data_ptr(v, len, t);
        self.cg.builder.store(p, x);
        let next = self.cg.builder.int_add(len, one, "len");
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
                .ptr_to_int(v.into_pointer_value(), i64t, "key"),
            Ty::Int(i) => {
                self.cg
                    .builder
                    .int_cast_sign_flag(v.into_int_value(), i64t, i.signed(), "key")
            }
            _ => self
                .cg
                .builder
                .int_z_extend(v.into_int_value(), i64t, "key"),
        }
    }

    /// A key from the runtime's bits (borrowed).
    fn key_from_bits(&mut self, bits: IntValue<'ctx>, k: &Ty) -> BasicValueEnum<'ctx> {
        match k {
            Ty::Str => self
                .cg
                .builder
                .int_to_ptr(bits, self.cg.ptr_ty(), "key")
                .into(),
            _ => {
                let lt = self.cg.llvm_ty(k).into_int_type();
                self.cg
                    .builder
                    .int_truncate_or_bit_cast(bits, lt, "key")
                    .into()
            }
        }
    }

    fn map_intrinsic(&mut self, op: MapOp, k: &Ty, v: &Ty, args: &'p [Arg], ret: &Ty) -> Val<'ctx> {
        match op {
            MapOp::New => {
                let kind = self.cg.ctx.i32_type().const_int(self.key_kind(k), false);
                let g = self.cg.glue_const(v);
                self.rt_owned("weft_rt_map_new", &[kind.into(), g.into()])
            }
            MapOp::Insert => {
                let slot = self.arg_place(&args[0]);
                let key = self.arg_owned(&args[1]);
                let held = self.hold(key, k);
                let val = self.arg_owned(&args[2]);
                self.unhold(&[held]);
                let key = self.key_bits(key, k);
                let lt = self.cg.llvm_ty(v);
                let p = self.alloca(lt, "value");
                self.cg.builder.store(p, val);
                self.call_rt("weft_rt_map_insert", &[slot.into(), key.into(), p.into()]);
                self.unit()
            }
            MapOp::Get => {
                let m = self.arg_val(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                let p = self
                    .rt_value("weft_rt_map_get", &[m.into(), key.into()])
                    .into_pointer_value();
                let found = self.cg.builder.is_not_null(p, "found");
                self.option_copy(found, p, ret, v)
            }
            MapOp::Contains => {
                let m = self.arg_val(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                self.rt_stat("weft_rt_map_contains", &[m.into(), key.into()])
            }
            MapOp::Remove => {
                let slot = self.arg_place(&args[0]);
                let key = self.arg_val(&args[1]);
                let key = self.key_bits(key, k);
                let lt = self.cg.llvm_ty(v);
                let out = self.alloca(lt, "removed");
                let ok =
                    self.rt_value("weft_rt_map_remove", &[slot.into(), key.into(), out.into()]);
                self.option_from(ok.into_int_value(), out, ret, v)
            }
            MapOp::Len => {
                let m = self.arg_val(&args[0]);
                self.rt_stat("weft_rt_map_len", &[m.into()])
            }
            MapOp::Keys => {
                let m = self.arg_val(&args[0]);
                let g = self.cg.glue_const(k);
                self.rt_owned("weft_rt_map_keys", &[m.into(), g.into()])
            }
            MapOp::Values => {
                let m = self.arg_val(&args[0]);
                self.rt_owned("weft_rt_map_values", &[m.into()])
            }
            MapOp::Next => self.map_next(k, v, args, ret),
        }
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
        let before = self.cg.builder.current_block();
        self.cg.builder.conditional_branch(found, copy, join);
        self.cg.builder.position_at_end(copy);
        self.cg.retain_at(p, elem);
        self.cg.builder.unconditional_branch(join);
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
            .rt_value(
                "weft_rt_map_next",
                &[m.into(), cursor.into(), key_out.into(), val_out.into()],
            )
            .into_int_value();
        let pair_ty = Ty::Tuple(vec![k.clone(), v.clone()]);
        let pair_lt = self.cg.llvm_ty(&pair_ty);
        let pair = self.alloca(pair_lt, "pair");
        let fill = self.block_bb("map_item");
        let join = self.block_bb("map_item_done");
        self.cg.builder.conditional_branch(ok, fill, join);
        self.cg.builder.position_at_end(fill);
        let bits = self.cg.builder.load(i64t, key_out, "bits").into_int_value();
        let key = self.key_from_bits(bits, k);
        let key = self.owned(Val::borrowed(key), k);
        let vp = self
            .cg
            .builder
            .load(self.cg.ptr_ty(), val_out, "vp")
            .into_pointer_value();
        let vlt = self.cg.llvm_ty(v);
        let val = self.cg.builder.load(vlt, vp, "v");
        let val = self.owned(Val::borrowed(val), v);
        let kp = self.cg.builder.struct_gep(pair_lt, pair, 0, "k");
        self.cg.builder.store(kp, key);
        let vpp = self.cg.builder.struct_gep(pair_lt, pair, 1, "v");
        self.cg.builder.store(vpp, val);
        self.cg.builder.unconditional_branch(join);
        self.cg.builder.position_at_end(join);
        self.option_from(ok, pair, ret, &pair_ty)
    }

    // ----- I/O with string out-parameters -----

    /// `readFile`, `writeFile`, `readLine`, `getenv`: the runtime stores a new string
    /// through the out-parameter; the old value of the variable is then released.
    fn io_out_param(&mut self, op: IoOp, args: &'p [Arg]) -> Val<'ctx> {
        let (rt, ins) = match op {
            IoOp::ReadFile => ("weft_rt_read_file", 1),
            IoOp::WriteFile => ("weft_rt_write_file", 2),
            IoOp::ReadLine => ("weft_rt_read_line", 0),
            _ => ("weft_rt_getenv", 1),
        };
        let mut vals: Vec<BasicMetadataValueEnum> =
            args[..ins].iter().map(|a| self.arg_val(a).into()).collect();
        let place = self.arg_place(&args[ins]);
        let ptr = self.cg.ptr_ty();
        let old = self.cg.builder.load(ptr, place, "old").into_pointer_value();
        let tmp = self.alloca(ptr.into(), "out");
        self.cg.builder.store(tmp, old);
        vals.push(tmp.into());
        let ok = self.rt_value(rt, &vals);
        let new = self.cg.builder.load(ptr, tmp, "new").into_pointer_value();
        let changed = self
            .cg
            .builder
            .int_compare(IntPredicate::NE, new, old, "changed");
        let swap = self.block_bb("out_swap");
        let done = self.block_bb("out_done");
        self.cg.builder.conditional_branch(changed, swap, done);
        self.cg.builder.position_at_end(swap);
        self.cg.builder.store(place, new);
        let old_slot = self.alloca(ptr.into(), "old_value");
        self.cg.builder.store(old_slot, old);
        self.cg.release_at(old_slot, &Ty::Str);
        self.cg.builder.unconditional_branch(done);
        self.cg.builder.position_at_end(done);
        Val::stat(ok)
    }
}
