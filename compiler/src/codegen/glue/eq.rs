//! Structural equality: a per-type `weft.eq.T(a, b)` function over the values at two
//! pointers (docs/reference.md section 2.19).

use super::GLUE_STACK_WINDOW;
use crate::codegen::builder::{param, CallValue};
use crate::codegen::Cg;
use crate::common::ty::Ty;
use inkwell::values::{FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'ctx> Cg<'ctx, '_> {
    /// `bool eq(const T*, const T*)`: structural equality.
    pub fn eq_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.eq.get(t) {
            return *f;
        }
        if let Some(v) = self.boxed_array_repr(t) {
            return self.eq_fn(&v);
        }
        let name = format!("weft.eq.{}", self.glue.eq.len());
        self.detached(|cg| {
            let f = cg.glue_fn(&name, 2, true);
            cg.glue.eq.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            let yes = cg.ctx.append_basic_block(f, "equal");
            let no = cg.ctx.append_basic_block(f, "different");
            cg.builder.position_at_end(entry);
            if cg.glue_checks_stack(t) {
                cg.emit_stack_check(f, Some(GLUE_STACK_WINDOW));
            }
            let a = param(f, 0).into_pointer_value();
            let b = param(f, 1).into_pointer_value();
            cg.emit_eq(f, a, b, t, no);
            cg.builder.unconditional_branch(yes);
            cg.builder.position_at_end(yes);
            cg.builder
                .ret(Some(&cg.ctx.bool_type().const_int(1, false)));
            cg.builder.position_at_end(no);
            cg.builder.ret(Some(&cg.ctx.bool_type().const_zero()));
            f
        })
    }

    /// Branches to `no` unless the values at `a` and `b` are equal.
    fn emit_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let cont = |cg: &mut Self, c: IntValue<'ctx>| {
            let next = cg.ctx.append_basic_block(f, "eq_next");
            cg.builder.conditional_branch(c, next, no);
            cg.builder.position_at_end(next);
        };
        match t {
            Ty::Int(_) | Ty::Bool | Ty::Ptr(_) => {
                let lt = self.llvm_ty(t);
                let x = self.builder.load(lt, a, "x");
                let y = self.builder.load(lt, b, "y");
                let c = if x.is_pointer_value() {
                    self.builder.int_compare(
                        IntPredicate::EQ,
                        x.into_pointer_value(),
                        y.into_pointer_value(),
                        "eq",
                    )
                } else {
                    self.builder.int_compare(
                        IntPredicate::EQ,
                        x.into_int_value(),
                        y.into_int_value(),
                        "eq",
                    )
                };
                cont(self, c);
            }
            Ty::Float(_) => {
                let lt = self.llvm_ty(t);
                let x = self.builder.load(lt, a, "x").into_float_value();
                let y = self.builder.load(lt, b, "y").into_float_value();
                let c = self
                    .builder
                    .float_compare(inkwell::FloatPredicate::OEQ, x, y, "eq");
                cont(self, c);
            }
            Ty::Str => {
                let x = self.builder.load(self.ptr_ty(), a, "x");
                let y = self.builder.load(self.ptr_ty(), b, "y");
                let e = self.rt("weft_rt_str_eq");
                let c = self.builder.call(e, &[x.into(), y.into()], "eq");
                cont(self, c.value().into_int_value());
            }
            Ty::Box(inner) => {
                let bt = self.box_struct(inner);
                let x = self
                    .builder
                    .load(self.ptr_ty(), a, "x")
                    .into_pointer_value();
                let y = self
                    .builder
                    .load(self.ptr_ty(), b, "y")
                    .into_pointer_value();
                let px = self.builder.struct_gep(bt, x, 1, "px");
                let py = self.builder.struct_gep(bt, y, 1, "py");
                self.call_eq(px, py, inner, cont, no);
            }
            Ty::Vec(e) => self.emit_vec_eq(f, a, b, e, no),
            Ty::Tuple(_) | Ty::Adt(..) if !self.is_enum(t) && !self.is_handle(t) => {
                let lt = self.llvm_ty(t);
                for (i, ft) in self.field_tys(t).iter().enumerate() {
                    let pa = self.builder.struct_gep(lt, a, i as u32, "fa");
                    let pb = self.builder.struct_gep(lt, b, i as u32, "fb");
                    self.call_eq(pa, pb, ft, cont, no);
                }
            }
            Ty::Array(e, n) => {
                let lt = self.llvm_ty(t);
                let zero = self.ctx.i64_type().const_zero();
                for i in 0..*n {
                    let idx = self.ctx.i64_type().const_int(i, false);
                    let pa = unsafe { self.builder.in_bounds_gep(lt, a, &[zero, idx], "ea") };
                    let pb = unsafe { self.builder.in_bounds_gep(lt, b, &[zero, idx], "eb") };
                    self.call_eq(pa, pb, e, cont, no);
                }
            }
            Ty::Adt(..) if self.is_handle(t) => {
                let x = self
                    .builder
                    .load(self.ptr_ty(), a, "x")
                    .into_pointer_value();
                let y = self
                    .builder
                    .load(self.ptr_ty(), b, "y")
                    .into_pointer_value();
                let c = self.builder.int_compare(IntPredicate::EQ, x, y, "eq");
                cont(self, c);
            }
            Ty::Adt(..) => self.emit_enum_eq(f, a, b, t, no),
            _ => {}
        }
    }

    fn call_eq(
        &mut self,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        cont: impl Fn(&mut Self, IntValue<'ctx>),
        _no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let e = self.eq_fn(t);
        let c = self.builder.call(e, &[a.into(), b.into()], "eq");
        let c = c.value().into_int_value();
        cont(self, c);
    }

    fn emit_enum_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let st = self.llvm_ty(t).into_struct_type();
        let i32t = self.ctx.i32_type();
        let ta = self.builder.struct_gep(st, a, 0, "ta");
        let tb = self.builder.struct_gep(st, b, 0, "tb");
        let x = self.builder.load(i32t, ta, "x").into_int_value();
        let y = self.builder.load(i32t, tb, "y").into_int_value();
        let same = self.builder.int_compare(IntPredicate::EQ, x, y, "same");
        let next = self.ctx.append_basic_block(f, "same_tag");
        self.builder.conditional_branch(same, next, no);
        self.builder.position_at_end(next);
        let done = self.ctx.append_basic_block(f, "payload_equal");
        let Ty::Adt(id, _) = t else { return };
        let n = self.prog.adt(*id).variants().len() as u32;
        let mut cases = Vec::new();
        let switch_bb = next;
        for v in 0..n {
            let fields = self.variant_fields(t, v);
            if fields.is_empty() {
                continue;
            }
            let bb = self.ctx.append_basic_block(f, "variant_eq");
            cases.push((i32t.const_int(v as u64, false), bb));
            self.builder.position_at_end(bb);
            let pa = self.builder.struct_gep(st, a, 1, "pa");
            let pb = self.builder.struct_gep(st, b, 1, "pb");
            let vt = self.variant_struct(&fields, &[]);
            for (i, ft) in fields.iter().enumerate() {
                let fa = self.builder.struct_gep(vt, pa, i as u32, "fa");
                let fb = self.builder.struct_gep(vt, pb, i as u32, "fb");
                let e = self.eq_fn(ft);
                let c = self.builder.call(e, &[fa.into(), fb.into()], "eq");
                let c = c.value().into_int_value();
                let nb = self.ctx.append_basic_block(f, "field_eq");
                self.builder.conditional_branch(c, nb, no);
                self.builder.position_at_end(nb);
            }
            self.builder.unconditional_branch(done);
        }
        self.builder.position_at_end(switch_bb);
        self.builder.switch(x, done, &cases);
        self.builder.position_at_end(done);
    }

    fn emit_vec_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        e: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let va = self
            .builder
            .load(self.ptr_ty(), a, "va")
            .into_pointer_value();
        let vb = self
            .builder
            .load(self.ptr_ty(), b, "vb")
            .into_pointer_value();
        let la = self.vec_len(va);
        let lb = self.vec_len(vb);
        let same = self
            .builder
            .int_compare(IntPredicate::EQ, la, lb, "same_len");
        let head = self.ctx.append_basic_block(f, "veq_head");
        let body = self.ctx.append_basic_block(f, "veq_body");
        let done = self.ctx.append_basic_block(f, "veq_done");
        let i64t = self.ctx.i64_type();
        let pre = self.builder.current_block();
        self.builder.conditional_branch(same, head, no);
        self.builder.position_at_end(head);
        let i = self.builder.phi(i64t, "i");
        i.add_incoming(&[(&i64t.const_zero(), pre)]);
        let iv = i.as_basic_value().into_int_value();
        let more = self.builder.int_compare(IntPredicate::ULT, iv, la, "more");
        self.builder.conditional_branch(more, body, done);
        self.builder.position_at_end(body);
        let pa = self.vec_data_ptr(va, iv, e);
        let pb = self.vec_data_ptr(vb, iv, e);
        let eqf = self.eq_fn(e);
        let c = self.builder.call(eqf, &[pa.into(), pb.into()], "eq");
        let c = c.value().into_int_value();
        let step = self.ctx.append_basic_block(f, "veq_step");
        self.builder.conditional_branch(c, step, no);
        self.builder.position_at_end(step);
        let next = self.builder.int_add(iv, i64t.const_int(1, false), "next");
        i.add_incoming(&[(&next, step)]);
        self.builder.unconditional_branch(head);
        self.builder.position_at_end(done);
    }
}
