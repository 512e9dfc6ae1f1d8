//! Operators: `&&`/`||`, unary operators, integer arithmetic with overflow, shift and
//! division traps (docs/reference.md section 2.2), float and string operators,
//! comparisons of aggregates, and `as` casts.

use super::builder::CallValue;
use super::func::{FnCg, Own, Val};
use crate::common::ops::{BinOp, UnOp};
use crate::common::ty::{FloatTy, IntTy, Ty};
use crate::hir::{Expr, ExprKind};
use crate::source::Span;
use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    pub(super) fn short_circuit(
        &mut self,
        is_and: bool,
        lhs: &'p Expr,
        rhs: &'p Expr,
    ) -> Val<'ctx> {
        let l = self.expr(lhs).v.into_int_value();
        let rhs_bb = self.block_bb(if is_and { "and_rhs" } else { "or_rhs" });
        let merge = self.block_bb("logic_end");
        let from = self.cg.builder.current_block();
        if is_and {
            self.cg.builder.conditional_branch(l, rhs_bb, merge);
        } else {
            self.cg.builder.conditional_branch(l, merge, rhs_bb);
        }
        self.cg.builder.position_at_end(rhs_bb);
        self.push_scope(super::func::ScopeKind::Plain);
        let r = self.expr(rhs).v.into_int_value();
        self.pop_scope();
        let rhs_end = self.cg.builder.current_block();
        self.br(merge);
        self.cg.builder.position_at_end(merge);
        let phi = self.cg.builder.phi(self.cg.ctx.bool_type(), "logic");
        let short = self.cg.ctx.bool_type().const_int(u64::from(!is_and), false);
        phi.add_incoming(&[(&short, from), (&r, rhs_end)]);
        Val::stat(phi.as_basic_value())
    }

    pub(super) fn unary(&mut self, op: UnOp, operand: &'p Expr, ty: &Ty, span: Span) -> Val<'ctx> {
        // A negative literal is a constant: `-128` as an `i8` is in range although `128`
        // is not (the checker range-checks the whole literal).
        if let (UnOp::Neg, ExprKind::Int(v), Ty::Int(_)) = (op, &operand.kind, ty) {
            return Val::stat(self.int_const(v.wrapping_neg(), ty));
        }
        let v = self.expr(operand);
        let b = &self.cg.builder;
        let out: BasicValueEnum = match (op, ty) {
            (UnOp::Neg, Ty::Float(_)) => b.float_neg(v.v.into_float_value(), "neg").into(),
            (UnOp::Neg, Ty::Int(_)) => {
                let x = v.v.into_int_value();
                let zero = x.get_type().const_zero();
                return Val::stat(self.checked_arith("ssub", zero, x, span).into());
            }
            (UnOp::Not, _) | (UnOp::BitNot, _) => b.not(v.v.into_int_value(), "not").into(),
            _ => v.v,
        };
        Val::stat(out)
    }

    /// An arithmetic `llvm.<op>.with.overflow` that panics on overflow.
    fn checked_arith(
        &mut self,
        op: &str,
        l: IntValue<'ctx>,
        r: IntValue<'ctx>,
        span: Span,
    ) -> IntValue<'ctx> {
        let name = format!("llvm.{op}.with.overflow");
        let f = inkwell::intrinsics::Intrinsic::find(&name)
            .and_then(|i| i.get_declaration(&self.cg.module, &[l.get_type().into()]))
            .expect("overflow intrinsic");
        let res = self.cg.builder.call(f, &[l.into(), r.into()], "ovf");
        let res = res.value().into_struct_value();
        let value = self.cg.builder.extract_value(res, 0, "v").into_int_value();
        let overflow = self.cg.builder.extract_value(res, 1, "o").into_int_value();
        self.trap_if(overflow, "weft_rt_panic_overflow", span);
        value
    }

    /// Branches to a panic (`integer overflow` / `division by zero`) when `cond` holds.
    fn trap_if(&mut self, cond: IntValue<'ctx>, panic_fn: &str, span: Span) {
        self.trap_with(cond, span, |cg, loc| (cg.rt(panic_fn), vec![loc.into()]));
    }

    /// Branches to a panic with a constant `message` when `cond` holds.
    pub fn trap_message_if(&mut self, cond: IntValue<'ctx>, message: &str, span: Span) {
        self.trap_with(cond, span, |cg, loc| {
            let (text, len) = cg.const_bytes(message);
            let f = cg.rt("weft_rt_panic_str");
            (f, vec![text.into(), len.into(), loc.into()])
        });
    }

    /// Branches to a block that calls the runtime panic function `panic` returns with its
    /// arguments (given the location; an `invoke` where cleanups are live) when `cond`
    /// holds, and continues after the branch otherwise.
    fn trap_with(
        &mut self,
        cond: IntValue<'ctx>,
        span: Span,
        panic: impl FnOnce(
            &mut super::Cg<'ctx, 'p>,
            inkwell::values::PointerValue<'ctx>,
        ) -> (
            inkwell::values::FunctionValue<'ctx>,
            Vec<inkwell::values::BasicMetadataValueEnum<'ctx>>,
        ),
    ) {
        let fail = self.block_bb("trap");
        let cont = self.block_bb("ok");
        let expect = inkwell::intrinsics::Intrinsic::find("llvm.expect")
            .and_then(|i| i.get_declaration(&self.cg.module, &[self.cg.ctx.bool_type().into()]))
            .expect("llvm.expect");
        let no = self.cg.ctx.bool_type().const_zero();
        let c = self
            .cg
            .builder
            .call(expect, &[cond.into(), no.into()], "likely");
        let c = c.value().into_int_value();
        self.cg.builder.conditional_branch(c, fail, cont);
        self.cg.builder.position_at_end(fail);
        let loc = self.cg.loc(span);
        let (f, args) = panic(self.cg, loc);
        self.call_may_unwind(f, &args, "");
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(cont);
    }

    /// A binary operation on evaluated operands (`&&`/`||` are handled before).
    pub fn binary_values(
        &mut self,
        op: BinOp,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
        lt: &Ty,
        rt: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        match lt {
            Ty::Int(i) => {
                Val::stat(self.int_binary(op, l.into_int_value(), r.into_int_value(), *i, rt, span))
            }
            Ty::Float(_) => Val::stat(self.float_binary(op, l, r)),
            Ty::Bool => {
                let (a, b) = (l.into_int_value(), r.into_int_value());
                let bld = &self.cg.builder;
                Val::stat(match op {
                    BinOp::Eq => bld.int_compare(IntPredicate::EQ, a, b, "eq").into(),
                    BinOp::Ne => bld.int_compare(IntPredicate::NE, a, b, "ne").into(),
                    BinOp::BitAnd => bld.and(a, b, "and").into(),
                    BinOp::BitOr => bld.or(a, b, "or").into(),
                    _ => bld.xor(a, b, "xor").into(),
                })
            }
            Ty::Str => self.string_binary(op, l, r),
            _ => Val::stat(self.aggregate_compare(op, l, r, lt)),
        }
    }

    fn int_binary(
        &mut self,
        op: BinOp,
        l: IntValue<'ctx>,
        r: IntValue<'ctx>,
        it: IntTy,
        rt: &Ty,
        span: Span,
    ) -> BasicValueEnum<'ctx> {
        let signed = it.signed();
        let s = |a: &str, b: &str| if signed { a.to_string() } else { b.to_string() };
        match op {
            BinOp::Add => self.checked_arith(&s("sadd", "uadd"), l, r, span).into(),
            BinOp::Sub => self.checked_arith(&s("ssub", "usub"), l, r, span).into(),
            BinOp::Mul => self.checked_arith(&s("smul", "umul"), l, r, span).into(),
            BinOp::Div | BinOp::Rem => self.int_divide(op, l, r, signed, span).into(),
            BinOp::Shl | BinOp::Shr => {
                let r = self.shift_amount(r, it, rt, span);
                self.shift(op == BinOp::Shl, l, r, signed).into()
            }
            BinOp::BitAnd => self.cg.builder.and(l, r, "and").into(),
            BinOp::BitOr => self.cg.builder.or(l, r, "or").into(),
            BinOp::BitXor => self.cg.builder.xor(l, r, "xor").into(),
            cmp => {
                let pred = int_predicate(cmp, signed);
                self.cg.builder.int_compare(pred, l, r, "cmp").into()
            }
        }
    }

    /// `l << r` (`left`) or `l >> r`, arithmetic for `signed` values; `r` is in `l`'s type
    /// and below its width.
    pub fn shift(
        &mut self,
        left: bool,
        l: IntValue<'ctx>,
        r: IntValue<'ctx>,
        signed: bool,
    ) -> IntValue<'ctx> {
        let b = &self.cg.builder;
        match (left, signed) {
            (true, _) => b.left_shift(l, r, "shl"),
            (false, true) => b.right_shift(l, r, true, "ashr"),
            (false, false) => b.right_shift(l, r, false, "lshr"),
        }
    }

    /// The shift amount in the left operand's type `it`, after a panic when it is negative
    /// or at least the width of `it` (docs/reference.md section 2.2). Compared in its own
    /// type `rt` as unsigned, so a negative amount is a large one; every integer type holds
    /// the widths up to 64.
    fn shift_amount(
        &mut self,
        r: IntValue<'ctx>,
        it: IntTy,
        rt: &Ty,
        span: Span,
    ) -> IntValue<'ctx> {
        let width = r.get_type().const_int(u64::from(it.bits()), false);
        let out_of_range = self
            .cg
            .builder
            .int_compare(IntPredicate::UGE, r, width, "shift_oob");
        let message = format!(
            "shift amount out of range: `{}` shifts by 0 to {}",
            it.name(),
            it.bits() - 1
        );
        self.trap_message_if(out_of_range, &message, span);
        let signed = matches!(rt, Ty::Int(t) if t.signed());
        let lt = self.cg.int_type(it.bits());
        self.cg.builder.int_cast_sign_flag(r, lt, signed, "amt")
    }

    fn int_divide(
        &mut self,
        op: BinOp,
        l: IntValue<'ctx>,
        r: IntValue<'ctx>,
        signed: bool,
        span: Span,
    ) -> IntValue<'ctx> {
        let t = l.get_type();
        let zero = self
            .cg
            .builder
            .int_compare(IntPredicate::EQ, r, t.const_zero(), "div0");
        self.trap_if(zero, "weft_rt_panic_div_zero", span);
        if signed {
            // MIN / -1 overflows.
            let bits = t.get_bit_width();
            let min = t.const_int(1u64 << (bits - 1), false);
            let is_min = self
                .cg
                .builder
                .int_compare(IntPredicate::EQ, l, min, "ismin");
            let neg1 =
                self.cg
                    .builder
                    .int_compare(IntPredicate::EQ, r, t.const_all_ones(), "isneg1");
            let both = self.cg.builder.and(is_min, neg1, "ovf");
            self.trap_if(both, "weft_rt_panic_overflow", span);
        }
        let b = &self.cg.builder;
        match (op, signed) {
            (BinOp::Div, true) => b.int_signed_div(l, r, "div"),
            (BinOp::Div, false) => b.int_unsigned_div(l, r, "div"),
            (_, true) => b.int_signed_rem(l, r, "rem"),
            (_, false) => b.int_unsigned_rem(l, r, "rem"),
        }
    }

    fn float_binary(
        &mut self,
        op: BinOp,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
    ) -> BasicValueEnum<'ctx> {
        let (a, b) = (l.into_float_value(), r.into_float_value());
        let bld = &self.cg.builder;
        match op {
            BinOp::Add => bld.float_add(a, b, "fadd").into(),
            BinOp::Sub => bld.float_sub(a, b, "fsub").into(),
            BinOp::Mul => bld.float_mul(a, b, "fmul").into(),
            BinOp::Div => bld.float_div(a, b, "fdiv").into(),
            BinOp::Rem => bld.float_rem(a, b, "frem").into(),
            cmp => {
                let pred = match cmp {
                    BinOp::Eq => FloatPredicate::OEQ,
                    BinOp::Ne => FloatPredicate::UNE,
                    BinOp::Lt => FloatPredicate::OLT,
                    BinOp::Le => FloatPredicate::OLE,
                    BinOp::Gt => FloatPredicate::OGT,
                    _ => FloatPredicate::OGE,
                };
                bld.float_compare(pred, a, b, "fcmp").into()
            }
        }
    }

    fn string_binary(
        &mut self,
        op: BinOp,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
    ) -> Val<'ctx> {
        match op {
            BinOp::Add => {
                let f = self.cg.rt("weft_rt_str_concat");
                let v = self.cg.builder.call(f, &[l.into(), r.into()], "concat");
                Val::owned(v.value())
            }
            BinOp::Eq | BinOp::Ne => {
                let f = self.cg.rt("weft_rt_str_eq");
                let v = self.cg.builder.call(f, &[l.into(), r.into()], "streq");
                let v = v.value().into_int_value();
                if op == BinOp::Ne {
                    return Val::stat(self.cg.builder.not(v, "ne").into());
                }
                Val::stat(v.into())
            }
            cmp => {
                let f = self.cg.rt("weft_rt_str_cmp");
                let v = self.cg.builder.call(f, &[l.into(), r.into()], "strcmp");
                let v = v.value().into_int_value();
                let zero = self.cg.ctx.i32_type().const_zero();
                let pred = int_predicate(cmp, true);
                Val::stat(self.cg.builder.int_compare(pred, v, zero, "cmp").into())
            }
        }
    }

    /// `==` / `!=` on structs, tuples, enums, vectors, raw pointers and handles.
    fn aggregate_compare(
        &mut self,
        op: BinOp,
        l: BasicValueEnum<'ctx>,
        r: BasicValueEnum<'ctx>,
        ty: &Ty,
    ) -> BasicValueEnum<'ctx> {
        let repr = self.cg.boxed_array_repr(ty);
        let ty = repr.as_ref().unwrap_or(ty);
        let eq = if l.is_pointer_value() && !matches!(ty, Ty::Vec(_) | Ty::Box(_)) {
            self.cg.builder.int_compare(
                IntPredicate::EQ,
                l.into_pointer_value(),
                r.into_pointer_value(),
                "ptreq",
            )
        } else {
            let lt = self.cg.llvm_ty(ty);
            let a = self.alloca(lt, "lhs");
            let b = self.alloca(lt, "rhs");
            self.cg.builder.store(a, l);
            self.cg.builder.store(b, r);
            let f = self.cg.eq_fn(ty);
            let v = self.cg.builder.call(f, &[a.into(), b.into()], "eq");
            v.value().into_int_value()
        };
        if op == BinOp::Ne {
            return self.cg.builder.not(eq, "ne").into();
        }
        eq.into()
    }

    pub(super) fn cast(&mut self, inner: &'p Expr, to: &Ty) -> Val<'ctx> {
        let mut v = self.expr(inner);
        let from = &inner.ty;
        if from == to {
            return v;
        }
        // A pointer to an array stored out of line points at its slot: the pointer it
        // converts to is its first element's (as for an inline array), of a copy made
        // unique, since the memory may be written through it.
        if let Ty::Ptr(array) = from {
            if let Some(Ty::Vec(elem)) = self.cg.boxed_array_repr(array) {
                let slot = v.v.into_pointer_value();
                self.cg.vec_make_unique(self.func, slot, &elem);
                let obj = self.cg.builder.load(self.cg.ptr_ty(), slot, "array");
                let zero = self.cg.ctx.i64_type().const_zero();
                v.v = self
                    .cg
                    .vec_data_ptr(obj.into_pointer_value(), zero, &elem)
                    .into();
            }
        }
        let tt = self.cg.llvm_ty(to);
        let b = &self.cg.builder;
        let out: BasicValueEnum = match (from, to) {
            (Ty::Int(_) | Ty::Bool, Ty::Int(_)) => {
                let signed = matches!(from, Ty::Int(i) if i.signed());
                b.int_cast_sign_flag(v.v.into_int_value(), tt.into_int_type(), signed, "cast")
                    .into()
            }
            (Ty::Int(fi), Ty::Float(_)) => {
                if fi.signed() {
                    b.signed_int_to_float(v.v.into_int_value(), tt.into_float_type(), "itof")
                        .into()
                } else {
                    b.unsigned_int_to_float(v.v.into_int_value(), tt.into_float_type(), "utof")
                        .into()
                }
            }
            (Ty::Float(_), Ty::Int(ti)) => {
                let name = if ti.signed() {
                    "llvm.fptosi.sat"
                } else {
                    "llvm.fptoui.sat"
                };
                let f = inkwell::intrinsics::Intrinsic::find(name)
                    .and_then(|i| i.get_declaration(&self.cg.module, &[tt, v.v.get_type()]))
                    .expect("saturating conversion");
                let r = self.cg.builder.call(f, &[v.v.into()], "ftoi");
                r.value()
            }
            (Ty::Float(FloatTy::F32), Ty::Float(_)) => b
                .float_ext(v.v.into_float_value(), tt.into_float_type(), "fext")
                .into(),
            (Ty::Float(_), Ty::Float(_)) => b
                .float_trunc(v.v.into_float_value(), tt.into_float_type(), "ftrunc")
                .into(),
            (Ty::Ptr(_), Ty::Int(_)) => b
                .ptr_to_int(v.v.into_pointer_value(), tt.into_int_type(), "ptoi")
                .into(),
            (Ty::Int(_), Ty::Ptr(_)) => b
                .int_to_ptr(v.v.into_int_value(), self.cg.ptr_ty(), "itop")
                .into(),
            _ => v.v,
        };
        Val {
            v: out,
            own: if v.own == Own::Owned {
                Own::Owned
            } else {
                Own::Static
            },
        }
    }
}

pub fn int_predicate(op: BinOp, signed: bool) -> IntPredicate {
    match (op, signed) {
        (BinOp::Eq, _) => IntPredicate::EQ,
        (BinOp::Ne, _) => IntPredicate::NE,
        (BinOp::Lt, true) => IntPredicate::SLT,
        (BinOp::Lt, false) => IntPredicate::ULT,
        (BinOp::Le, true) => IntPredicate::SLE,
        (BinOp::Le, false) => IntPredicate::ULE,
        (BinOp::Gt, true) => IntPredicate::SGT,
        (BinOp::Gt, false) => IntPredicate::UGT,
        (BinOp::Ge, true) => IntPredicate::SGE,
        _ => IntPredicate::UGE,
    }
}
