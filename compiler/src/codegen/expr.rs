//! Expressions: literals, places (variables, fields, elements), aggregates, calls,
//! operators with overflow and division traps, casts, matches.

use super::builder::CallValue;
use super::func::{FnCg, Own, Val};
use crate::common::ops::{BinOp, UnOp};
use crate::common::ty::{FloatTy, IntTy, PassMode, Ty};
use crate::hir::{CallTarget, Expr, ExprKind, IndexKind};
use crate::source::Span;
use inkwell::values::{BasicValue, BasicValueEnum, IntValue, PointerValue};
use inkwell::{FloatPredicate, IntPredicate};

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Evaluates an expression. An operand marked by [`FnCg::mark_operands`] is owned
    /// rather than borrowed.
    pub fn expr(&mut self, e: &'p Expr) -> Val<'ctx> {
        let v = self.eval(e);
        if v.own == Own::Borrowed
            && !self.must_own.is_empty()
            && self.must_own.contains(&(e as *const Expr))
        {
            return Val::owned(self.owned(v, &e.ty));
        }
        v
    }

    fn eval(&mut self, e: &'p Expr) -> Val<'ctx> {
        self.ensure_open();
        let cx = self.cg.ctx;
        match &e.kind {
            ExprKind::Int(v) => Val::stat(self.int_const(*v, &e.ty)),
            ExprKind::Float(v) => Val::stat(match e.ty {
                Ty::Float(FloatTy::F32) => cx.f32_type().const_float(*v).into(),
                _ => cx.f64_type().const_float(*v).into(),
            }),
            ExprKind::Bool(b) => Val::stat(cx.bool_type().const_int(*b as u64, false).into()),
            ExprKind::Str(s) => Val::stat(self.cg.string_literal(s).into()),
            ExprKind::Unit => self.unit(),
            ExprKind::Local(_)
            | ExprKind::Field { .. }
            | ExprKind::Index { .. }
            | ExprKind::Deref(_) => self.read_place_expr(e),
            ExprKind::Call { target, args } => self.call(target, args, &e.ty, e.span),
            ExprKind::MakeClosure {
                func,
                captures,
                by_ref,
            } => self.make_closure(*func, captures, *by_ref),
            ExprKind::FuncValue(f) => self.func_as_closure(*f),
            ExprKind::Unary { op, operand } => self.unary(*op, operand, &e.ty, e.span),
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => self.short_circuit(true, lhs, rhs),
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => self.short_circuit(false, lhs, rhs),
            ExprKind::Binary { op, lhs, rhs } => {
                self.mark_operands(&[lhs, rhs]);
                let l = self.expr(lhs);
                let l = self.consume_temp(l, &lhs.ty);
                let r = self.expr(rhs);
                let r = self.consume_temp(r, &rhs.ty);
                self.binary_values(*op, l, r, &lhs.ty, &rhs.ty, e.span)
            }
            ExprKind::Cast(inner) => self.cast(inner, &e.ty),
            ExprKind::Struct { fields, .. } | ExprKind::Tuple(fields) => {
                self.aggregate(fields, &e.ty)
            }
            ExprKind::Array(elems) => self.aggregate(elems, &e.ty),
            ExprKind::ArrayRepeat { value, count } => self.array_repeat(value, *count, &e.ty),
            ExprKind::Variant {
                variant, fields, ..
            } => {
                let mut vals = Vec::new();
                let mut held = Vec::new();
                for f in fields {
                    let v = self.expr(f);
                    let v = self.owned(v, &f.ty);
                    held.push(self.hold(v, &f.ty));
                    vals.push(v);
                }
                self.unhold(&held);
                Val::owned(self.build_variant(&e.ty, *variant, &vals))
            }
            ExprKind::VecLit(elems) => self.vec_literal(elems, &e.ty),
            ExprKind::If {
                cond,
                then_block,
                else_block,
            } => self.if_expr(cond, then_block, else_block.as_ref(), &e.ty),
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, &e.ty),
            ExprKind::Block(b) => self.block(b),
            ExprKind::Loop { body, latch } => self.loop_expr(body, latch.as_ref()),
            ExprKind::Break => self.jump_loop(true),
            ExprKind::Continue => self.jump_loop(false),
            ExprKind::Return(v) => self.return_expr(v.as_deref()),
            ExprKind::AddrOf(inner) => Val::stat(self.place(inner, true).into()),
            ExprKind::Unreachable => {
                self.cg.builder.unreachable();
                self.ensure_open();
                self.undef(&e.ty)
            }
        }
    }

    /// An integer constant of an integer (or, for literals in float context, float) type.
    pub fn int_const(&self, v: u64, ty: &Ty) -> BasicValueEnum<'ctx> {
        match ty {
            Ty::Int(i) => self.cg.int_type(i.bits()).const_int(v, false).into(),
            Ty::Float(FloatTy::F32) => self.cg.ctx.f32_type().const_float(v as f64).into(),
            Ty::Float(_) => self.cg.ctx.f64_type().const_float(v as f64).into(),
            _ => self.cg.ctx.i64_type().const_int(v, false).into(),
        }
    }

    // ----- places -----

    /// The address of a place expression (a variable, a field or element of one, a
    /// dereferenced pointer or box). `write`: the place is about to be modified, so shared
    /// copy-on-write storage along the way is made unique first.
    pub fn place(&mut self, e: &'p Expr, write: bool) -> PointerValue<'ctx> {
        if let Some(p) = self.place_inner(e, write) {
            return p;
        }
        // Not a place (a call result, say): materialize it.
        let v = self.expr(e);
        self.spill(v, &e.ty)
    }

    /// The address of `e` if it is a place (read-only use).
    pub fn try_place(&mut self, e: &'p Expr) -> Option<PointerValue<'ctx>> {
        self.place_inner(e, false)
    }

    /// The place `*p` of a raw pointer: a `getelementptr` without `inbounds`, which keeps
    /// the accesses through it untagged for TBAA (a raw pointer may view memory of any
    /// type; codegen/tbaa.rs).
    fn raw_place(&mut self, p: PointerValue<'ctx>) -> PointerValue<'ctx> {
        let zero = self.cg.ctx.i64_type().const_zero();
        let i8t = self.cg.ctx.i8_type();
        // SAFETY: a zero offset; no `inbounds` promise is made.
        unsafe { self.cg.builder.gep(i8t, p, &[zero], "raw") }
    }

    fn place_inner(&mut self, e: &'p Expr, write: bool) -> Option<PointerValue<'ctx>> {
        match &e.kind {
            ExprKind::Local(l) => Some(self.local_ptr(*l)),
            ExprKind::Field { base, index } => {
                let bp = self.place_inner(base, write)?;
                let bt = self.cg.llvm_ty(&base.ty);
                Some(self.cg.builder.struct_gep(bt, bp, *index, "field"))
            }
            ExprKind::Index { base, index, kind } => {
                let i = self.expr(index);
                let i = self.index_i64(i.v.into_int_value(), &index.ty);
                match kind {
                    IndexKind::Vec => {
                        let bp = match self.place_inner(base, write) {
                            Some(p) => p,
                            None if !write => {
                                let v = self.expr(base);
                                self.consume_temp(v, &base.ty);
                                self.spill(Val::borrowed(v.v), &base.ty)
                            }
                            None => return None,
                        };
                        Some(self.vec_elem_ptr(bp, i, &e.ty, write, e.span))
                    }
                    IndexKind::Array => {
                        let bp = self.place_inner(base, write)?;
                        let Ty::Array(_, n) = &base.ty else {
                            return None;
                        };
                        let len = self.cg.ctx.i64_type().const_int(*n, false);
                        self.bounds_check(i, len, e.span);
                        let at = self.cg.llvm_ty(&base.ty);
                        let zero = self.cg.ctx.i64_type().const_zero();
                        Some(unsafe { self.cg.builder.in_bounds_gep(at, bp, &[zero, i], "elem") })
                    }
                    IndexKind::Ptr => {
                        let p = self.expr(base).v.into_pointer_value();
                        let et = self.cg.llvm_ty(&e.ty);
                        Some(unsafe { self.cg.builder.gep(et, p, &[i], "at") })
                    }
                    IndexKind::Str => None,
                }
            }
            ExprKind::Deref(inner) => match &inner.ty {
                Ty::Ptr(_) => {
                    let p = self.expr(inner).v.into_pointer_value();
                    Some(self.raw_place(p))
                }
                Ty::Box(t) => {
                    let t = (**t).clone();
                    let bp = self.place_inner(inner, write);
                    let obj = match bp {
                        Some(bp) => {
                            if write {
                                self.cg.box_make_unique(self.func, bp, &t);
                            }
                            self.cg
                                .builder
                                .load(self.cg.ptr_ty(), bp, "box")
                                .into_pointer_value()
                        }
                        None => {
                            let v = self.expr(inner);
                            self.consume_temp(v, &inner.ty).into_pointer_value()
                        }
                    };
                    let bt = self.cg.box_struct(&t);
                    Some(self.cg.builder.struct_gep(bt, obj, 1, "boxed"))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Reads a place expression: a load from its address, borrowed from the place; or,
    /// for values that are not places, the part of a temporary.
    fn read_place_expr(&mut self, e: &'p Expr) -> Val<'ctx> {
        if let ExprKind::Index {
            base,
            index,
            kind: IndexKind::Str,
        } = &e.kind
        {
            return self.string_byte(base, index, e.span);
        }
        if let Some(p) = self.place_inner(e, false) {
            let lt = self.cg.llvm_ty(&e.ty);
            return Val::borrowed(self.cg.builder.load(lt, p, "load"));
        }
        // A field of a value that is not a place: take it from a temporary.
        match &e.kind {
            ExprKind::Field { base, index } => {
                let v = self.expr(base);
                let raw = self.consume_temp(v, &base.ty);
                let f = self
                    .cg
                    .builder
                    .extract_value(raw.into_struct_value(), *index, "field");
                Val::borrowed(f)
            }
            _ => {
                let v = self.expr(e);
                v
            }
        }
    }

    /// Pointer to element `i` of the vector stored at `slot` (bounds-checked; made unique
    /// first when writing).
    fn vec_elem_ptr(
        &mut self,
        slot: PointerValue<'ctx>,
        i: IntValue<'ctx>,
        elem: &Ty,
        write: bool,
        span: Span,
    ) -> PointerValue<'ctx> {
        if write {
            self.cg.vec_make_unique(self.func, slot, elem);
        }
        let v = self
            .cg
            .builder
            .load(self.cg.ptr_ty(), slot, "vec")
            .into_pointer_value();
        let len = self.cg.vec_len(v);
        self.bounds_check(i, len, span);
        self.cg.vec_data_ptr(v, i, elem)
    }

    /// `s[i]`: a byte of a string.
    fn string_byte(&mut self, base: &'p Expr, index: &'p Expr, span: Span) -> Val<'ctx> {
        self.mark_operands(&[base, index]);
        let s = self.expr(base);
        let s = self.consume_temp(s, &base.ty).into_pointer_value();
        let i = self.expr(index);
        let i = self.index_i64(i.v.into_int_value(), &index.ty);
        let len = self.cg.str_len(s);
        self.bounds_check(i, len, span);
        let i8t = self.cg.ctx.i8_type();
        let sixteen = self.cg.ctx.i64_type().const_int(16, false);
        let off = self.cg.builder.int_add(i, sixteen, "off");
        let p = unsafe { self.cg.builder.gep(i8t, s, &[off], "byte") };
        Val::stat(self.cg.builder.load(i8t, p, "b"))
    }

    /// An index as i64 (sign- or zero-extended from its type).
    pub fn index_i64(&mut self, i: IntValue<'ctx>, ty: &Ty) -> IntValue<'ctx> {
        let i64t = self.cg.ctx.i64_type();
        let signed = matches!(ty, Ty::Int(t) if t.signed());
        if i.get_type().get_bit_width() == 64 {
            return i;
        }
        self.cg.builder.int_cast_sign_flag(i, i64t, signed, "idx")
    }

    /// Panics with `index i out of bounds (length n)` unless `0 <= i < len`.
    pub fn bounds_check(&mut self, i: IntValue<'ctx>, len: IntValue<'ctx>, span: Span) {
        let ok = self
            .cg
            .builder
            .int_compare(IntPredicate::ULT, i, len, "inb");
        let fail = self.block_bb("oob");
        let cont = self.block_bb("inb");
        self.cg.builder.conditional_branch(ok, cont, fail);
        self.cg.builder.position_at_end(fail);
        let loc = self.cg.loc(span);
        let f = self.cg.rt("weft_rt_panic_bounds");
        self.cg
            .builder
            .call(f, &[i.into(), len.into(), loc.into()], "");
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(cont);
    }

    // ----- aggregates -----

    fn aggregate(&mut self, fields: &'p [Expr], ty: &Ty) -> Val<'ctx> {
        let lt = self.cg.llvm_ty(ty);
        let mut agg = super::func::undef_of(lt);
        let mut held = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let v = self.expr(f);
            let v = self.owned(v, &f.ty);
            held.push(self.hold(v, &f.ty));
            agg = match agg {
                BasicValueEnum::StructValue(s) => self
                    .cg
                    .builder
                    .insert_value(s, v, i as u32, "agg")
                    .as_basic_value_enum(),
                BasicValueEnum::ArrayValue(a) => self
                    .cg
                    .builder
                    .insert_value(a, v, i as u32, "agg")
                    .as_basic_value_enum(),
                other => other,
            };
        }
        self.unhold(&held);
        Val::owned(agg)
    }

    fn array_repeat(&mut self, value: &'p Expr, count: u64, ty: &Ty) -> Val<'ctx> {
        let v = self.expr(value);
        let v = self.owned(v, &value.ty);
        let lt = self.cg.llvm_ty(ty);
        let p = self.alloca(lt, "array");
        let i64t = self.cg.ctx.i64_type();
        let zero = i64t.const_zero();
        for i in 0..count {
            let idx = i64t.const_int(i, false);
            let ep = unsafe { self.cg.builder.in_bounds_gep(lt, p, &[zero, idx], "e") };
            self.cg.builder.store(ep, v);
            if i > 0 {
                self.retain_value(v, &value.ty);
            }
        }
        if count == 0 {
            self.drop_now(Val::owned(v), &value.ty);
        }
        Val::owned(self.cg.builder.load(lt, p, "array"))
    }

    /// Builds an enum value: tag and payload fields.
    pub fn build_variant(
        &mut self,
        ty: &Ty,
        variant: u32,
        vals: &[BasicValueEnum<'ctx>],
    ) -> BasicValueEnum<'ctx> {
        let lt = self.cg.llvm_ty(ty);
        let p = self.alloca(lt, "variant");
        let st = lt.into_struct_type();
        let tag = self.cg.builder.struct_gep(st, p, 0, "tag");
        self.cg
            .builder
            .store(tag, self.cg.ctx.i32_type().const_int(variant as u64, false));
        if !vals.is_empty() {
            let fields = self.cg.variant_fields(ty, variant);
            let vt = self.cg.variant_struct(&fields, &[]);
            let payload = self.cg.builder.struct_gep(st, p, 1, "payload");
            for (i, v) in vals.iter().enumerate() {
                let fp = self.cg.builder.struct_gep(vt, payload, i as u32, "f");
                self.cg.builder.store(fp, *v);
            }
        }
        self.cg.builder.load(lt, p, "enum")
    }

    fn vec_literal(&mut self, elems: &'p [Expr], ty: &Ty) -> Val<'ctx> {
        let elem = match ty {
            Ty::Vec(t) => (**t).clone(),
            _ => Ty::Error,
        };
        if elems.is_empty() {
            return Val::stat(self.cg.empty_vec().into());
        }
        let glue = self.cg.glue_const(&elem);
        let n = self.cg.ctx.i64_type().const_int(elems.len() as u64, false);
        let f = self.cg.rt("weft_rt_vec_with_capacity");
        let v = self.cg.builder.call(f, &[n.into(), glue.into()], "vec");
        let v = v.value().into_pointer_value();
        // The vector is held while the elements are computed (an element expression may
        // return early): its length counts the elements stored so far.
        let held = self.hold(v.into(), ty);
        for (i, e) in elems.iter().enumerate() {
            let x = self.expr(e);
            let x = self.owned(x, &elem);
            let idx = self.cg.ctx.i64_type().const_int(i as u64, false);
            let ep = self.cg.vec_data_ptr(v, idx, &elem);
            self.cg.builder.store(ep, x);
            let len = self.cg.ctx.i64_type().const_int(i as u64 + 1, false);
            self.cg.set_vec_len(v, len);
        }
        self.unhold(&[held]);
        Val::owned(v.into())
    }

    // ----- calls -----

    fn call(
        &mut self,
        target: &'p CallTarget,
        args: &'p [crate::hir::Arg],
        ret: &Ty,
        span: Span,
    ) -> Val<'ctx> {
        self.debug_loc(span);
        let result = match target {
            CallTarget::Func(id) => {
                let f = self.cg.func_value(*id);
                let largs = self.lower_args(args, crate::hir::call_may_write(target, args));
                self.debug_loc(span);
                let call = self.cg.builder.call(f, &largs, "call");
                call.try_as_basic_value().basic()
            }
            CallTarget::Closure(c) => {
                let mut ops: Vec<&'p Expr> = vec![c];
                ops.extend(args.iter().map(|a| &a.expr));
                self.mark_operands(&ops);
                let cv = self.expr(c);
                // The closure may write the variable it was read from.
                let cv = if cv.own == Own::Borrowed && self.reads_mutable(c) {
                    Val::owned(self.owned(cv, &c.ty))
                } else {
                    cv
                };
                let cv = self.consume_temp(cv, &c.ty).into_struct_value();
                let Ty::Fn(ft) = &c.ty else {
                    return self.undef(ret);
                };
                let fty = self.cg.fn_type(&ft.params, &ft.ret, true);
                let fp = self
                    .cg
                    .builder
                    .extract_value(cv, 0, "fn")
                    .into_pointer_value();
                let env = self.cg.builder.extract_value(cv, 1, "env");
                let mut largs = vec![env.into()];
                largs.extend(self.lower_args(args, true));
                let call = self.cg.builder.indirect_call(fty, fp, &largs, "call");
                call.try_as_basic_value().basic()
            }
            CallTarget::Extern { symbol } => {
                let f = self.extern_fn(symbol, args, ret);
                let largs = self.lower_args(args, crate::hir::call_may_write(target, args));
                let call = self.cg.builder.call(f, &largs, "call");
                call.try_as_basic_value().basic()
            }
            CallTarget::Intrinsic { op, type_args } => {
                return self.intrinsic(*op, type_args, args, ret, span);
            }
        };
        if matches!(ret, Ty::Never) {
            self.cg.builder.unreachable();
            self.ensure_open();
            return self.unit();
        }
        match result {
            Some(v) => Val::owned(v),
            None => self.unit(),
        }
    }

    /// The declaration of a C function, typed from its call.
    fn extern_fn(
        &mut self,
        symbol: &str,
        args: &[crate::hir::Arg],
        ret: &Ty,
    ) -> inkwell::values::FunctionValue<'ctx> {
        if let Some(f) = self.cg.module.get_function(symbol) {
            return f;
        }
        let params: Vec<(PassMode, Ty)> =
            args.iter().map(|a| (a.mode, a.expr.ty.clone())).collect();
        let fty = self.cg.fn_type(&params, ret, false);
        let f = self
            .cg
            .module
            .add_function(symbol, fty, Some(inkwell::module::Linkage::External));
        // The C ABI extends `_Bool`, `char` and `short` arguments and results to a register.
        let mut index = 0;
        for (mode, t) in &params {
            if self.cg.param_ty(*mode, t).is_none() {
                continue;
            }
            if *mode != PassMode::RefMut {
                if let Some(a) = self.c_extension(t) {
                    f.add_attribute(inkwell::attributes::AttributeLoc::Param(index), a);
                }
            }
            index += 1;
        }
        if let Some(a) = self.c_extension(ret) {
            f.add_attribute(inkwell::attributes::AttributeLoc::Return, a);
        }
        f
    }

    /// `zeroext` / `signext` for C arguments narrower than `int`.
    fn c_extension(&self, t: &Ty) -> Option<inkwell::attributes::Attribute> {
        let name = match t {
            Ty::Bool => "zeroext",
            Ty::Int(i) if i.bits() < 32 => {
                if i.signed() {
                    "signext"
                } else {
                    "zeroext"
                }
            }
            _ => return None,
        };
        let kind = inkwell::attributes::Attribute::get_named_enum_kind_id(name);
        Some(self.cg.ctx.create_enum_attribute(kind, 0))
    }

    // ----- operators -----

    fn short_circuit(&mut self, is_and: bool, lhs: &'p Expr, rhs: &'p Expr) -> Val<'ctx> {
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

    fn unary(&mut self, op: UnOp, operand: &'p Expr, ty: &Ty, span: Span) -> Val<'ctx> {
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
        let f = self.cg.rt(panic_fn);
        self.cg.builder.call(f, &[loc.into()], "");
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
                let r = self.shift_amount(r, l.get_type(), rt);
                let b = &self.cg.builder;
                match (op, signed) {
                    (BinOp::Shl, _) => b.left_shift(l, r, "shl").into(),
                    (_, true) => b.right_shift(l, r, true, "ashr").into(),
                    (_, false) => b.right_shift(l, r, false, "lshr").into(),
                }
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

    /// The shift amount in the left operand's type, masked to its width (shifting by
    /// the width or more uses the amount modulo the width, as Java and Go's masks do).
    fn shift_amount(
        &mut self,
        r: IntValue<'ctx>,
        lt: inkwell::types::IntType<'ctx>,
        rt: &Ty,
    ) -> IntValue<'ctx> {
        let signed = matches!(rt, Ty::Int(t) if t.signed());
        let r = self.cg.builder.int_cast_sign_flag(r, lt, signed, "amt");
        let mask = lt.const_int(u64::from(lt.get_bit_width() - 1), false);
        self.cg.builder.and(r, mask, "masked")
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

    fn cast(&mut self, inner: &'p Expr, to: &Ty) -> Val<'ctx> {
        let v = self.expr(inner);
        let from = &inner.ty;
        if from == to {
            return v;
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
