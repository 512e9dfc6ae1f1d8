//! Expressions: literals, places (variables, fields, elements), aggregates and calls;
//! operators and casts are in `operators.rs`, matches in `pattern.rs`.

use super::builder::CallValue;
use super::func::{FnCg, Own, Val};
use crate::common::ops::BinOp;
use crate::common::ty::{FloatTy, IntTy, PassMode, Ty};
use crate::hir::{CallTarget, Expr, ExprKind, IndexKind};
use crate::source::Span;
use inkwell::values::{BasicValue, BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

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
            ExprKind::Array(elems) if self.cg.is_boxed_array(&e.ty) => {
                self.vec_literal(elems, &e.ty)
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
            ExprKind::Select(arms) => self.select_expr(arms, &e.ty, e.span),
            ExprKind::Yield(v) => self.yield_expr(v),
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
                // An array stored out of line is indexed as the vector it is.
                let kind = match kind {
                    IndexKind::Array if self.cg.is_boxed_array(&base.ty) => &IndexKind::Vec,
                    k => k,
                };
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
        self.call_rt("weft_rt_panic_bounds", &[i.into(), len.into(), loc.into()]);
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
        if self.cg.is_boxed_array(ty) {
            return self.boxed_repeat(v, &value.ty, count);
        }
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

    /// `[v; count]` stored out of line: a vector of `count` (more than zero) elements of
    /// type `elem`, each a copy of the owned value `v`. Constant zero (or, for one-byte
    /// elements, any constant) is written with `memset`, anything else in a loop.
    fn boxed_repeat(&mut self, v: BasicValueEnum<'ctx>, elem: &Ty, count: u64) -> Val<'ctx> {
        let i64t = self.cg.ctx.i64_type();
        let n = i64t.const_int(count, false);
        let glue = self.cg.glue_const(elem);
        let f = self.cg.rt("weft_rt_vec_with_capacity");
        let obj = self.cg.builder.call(f, &[n.into(), glue.into()], "array");
        let obj = obj.value().into_pointer_value();
        let data = self.cg.vec_data_ptr(obj, i64t.const_zero(), elem);
        match self.fill_byte(v, elem) {
            Some(byte) => {
                let size = i64t.const_int(count.saturating_mul(self.cg.size_of(elem)), false);
                let align = self.cg.align_of(elem) as u32;
                self.cg.builder.memset(data, align, byte, size);
            }
            None => self.fill_loop(data, v, elem, n),
        }
        self.cg.set_vec_len(obj, n);
        Val::owned(obj.into())
    }

    /// The byte that `memset` can fill an array of `v`s with, if there is one: `v` is a
    /// constant zero, or a constant of a one-byte type.
    fn fill_byte(&self, v: BasicValueEnum<'ctx>, elem: &Ty) -> Option<IntValue<'ctx>> {
        let i8t = self.cg.ctx.i8_type();
        let constant = match v {
            BasicValueEnum::IntValue(i) => i.get_zero_extended_constant(),
            BasicValueEnum::FloatValue(f) => f
                .get_constant()
                .filter(|(x, _)| x.to_bits() == 0)
                .map(|_| 0),
            BasicValueEnum::PointerValue(p) if p.is_null() => Some(0),
            _ => None,
        }?;
        let one_byte = matches!(elem, Ty::Bool | Ty::Int(IntTy::I8 | IntTy::U8));
        (constant == 0 || one_byte).then(|| i8t.const_int(constant & 0xff, false))
    }

    /// Stores the owned value `v` into each of the `n` elements at `data`, retaining it
    /// for each and releasing the original after.
    fn fill_loop(
        &mut self,
        data: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        elem: &Ty,
        n: IntValue<'ctx>,
    ) {
        let i64t = self.cg.ctx.i64_type();
        let et = self.cg.llvm_ty(elem);
        let before = self.cg.builder.current_block();
        let body = self.block_bb("fill");
        let done = self.block_bb("filled");
        self.cg.builder.unconditional_branch(body);
        self.cg.builder.position_at_end(body);
        let i = self.cg.builder.phi(i64t, "i");
        let i_val = i.as_basic_value().into_int_value();
        let p = unsafe { self.cg.builder.in_bounds_gep(et, data, &[i_val], "e") };
        self.cg.builder.store(p, v);
        self.retain_value(v, elem);
        let next = self
            .cg
            .builder
            .int_add(i_val, i64t.const_int(1, false), "next");
        let more = self
            .cg
            .builder
            .int_compare(IntPredicate::ULT, next, n, "more");
        let latch = self.cg.builder.current_block();
        i.add_incoming(&[(&i64t.const_zero(), before), (&next, latch)]);
        self.cg.builder.conditional_branch(more, body, done);
        self.cg.builder.position_at_end(done);
        self.drop_now(Val::owned(v), elem);
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

    /// A vector literal, or an array literal stored out of line (`ty` is the array type).
    fn vec_literal(&mut self, elems: &'p [Expr], ty: &Ty) -> Val<'ctx> {
        let elem = match ty {
            Ty::Vec(t) | Ty::Array(t, _) => (**t).clone(),
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
                let call = self.call_may_unwind(f, &largs, "call");
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
                let call = self.indirect_call_may_unwind(fty, fp, &largs, "call");
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
}
