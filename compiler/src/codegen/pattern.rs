//! Pattern tests and bindings, and `match` (arms tested in order; a guard's failure
//! releases the arm's bindings and moves on).

use super::func::{FnCg, ScopeKind, Val};
use crate::common::ops::BinOp;
use crate::common::ty::Ty;
use crate::hir::{Expr, MatchArm, Pattern, PatternKind};
use inkwell::basic_block::BasicBlock;
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    pub fn match_expr(&mut self, scrut: &'p Expr, arms: &'p [MatchArm], ty: &Ty) -> Val<'ctx> {
        let place = match self.try_place(scrut) {
            Some(p) => p,
            None => {
                let v = self.expr(scrut);
                self.spill(v, &scrut.ty)
            }
        };
        let result = self.result_slot(ty);
        let merge = self.block_bb("match_end");
        for arm in arms {
            let next = self.block_bb("next_arm");
            self.test_pattern(&arm.pat, place, next);
            self.push_scope(ScopeKind::Plain);
            let scope = self.scopes.len() - 1;
            self.bind_pattern(&arm.pat, place, scope);
            if let Some(g) = &arm.guard {
                let gv = self.expr(g).v.into_int_value();
                let ok = self.block_bb("guard_ok");
                let fail = self.block_bb("guard_fail");
                self.cg.builder.conditional_branch(gv, ok, fail);
                self.cg.builder.position_at_end(fail);
                self.release_scope_bindings(scope);
                self.br(next);
                self.cg.builder.position_at_end(ok);
            }
            let v = self.expr(&arm.body);
            let v = self.owned(v, ty);
            self.store_result(result, Val::owned(v));
            self.pop_scope();
            self.br(merge);
            self.cg.builder.position_at_end(next);
        }
        // The checker proved the arms exhaustive.
        self.cg.builder.unreachable();
        self.cg.builder.position_at_end(merge);
        self.load_result(result, ty)
    }

    /// Branches to `fail` unless the value at `ptr` matches `pat`; falls through on success.
    pub fn test_pattern(
        &mut self,
        pat: &'p Pattern,
        ptr: PointerValue<'ctx>,
        fail: BasicBlock<'ctx>,
    ) {
        match &pat.kind {
            PatternKind::Wild | PatternKind::Bind(_) => {}
            PatternKind::Lit(e) => {
                let lt = self.cg.llvm_ty(&pat.ty);
                let v = self.cg.builder.load(lt, ptr, "scrut");
                let lit = self.expr(e);
                let eq = self.binary_values(BinOp::Eq, v, lit.v, &pat.ty, &e.ty, pat.span);
                self.branch_on(eq.v.into_int_value(), fail);
            }
            PatternKind::Range { lo, hi, inclusive } => {
                let lt = self.cg.llvm_ty(&pat.ty);
                let v = self.cg.builder.load(lt, ptr, "scrut");
                let l = self.expr(lo);
                let h = self.expr(hi);
                let ge = self.binary_values(BinOp::Ge, v, l.v, &pat.ty, &lo.ty, pat.span);
                let upper = if *inclusive { BinOp::Le } else { BinOp::Lt };
                let le = self.binary_values(upper, v, h.v, &pat.ty, &hi.ty, pat.span);
                let both =
                    self.cg
                        .builder
                        .and(ge.v.into_int_value(), le.v.into_int_value(), "inrange");
                self.branch_on(both, fail);
            }
            PatternKind::Tuple(_) | PatternKind::Struct { .. } => {
                for (p, fp) in self.sub_places(pat, ptr) {
                    self.test_pattern(p, fp, fail);
                }
            }
            PatternKind::Variant { variant, .. } => {
                let lt = self.cg.llvm_ty(&pat.ty).into_struct_type();
                let tp = self.cg.builder.struct_gep(lt, ptr, 0, "tagp");
                let tag = self
                    .cg
                    .builder
                    .load(self.cg.ctx.i32_type(), tp, "tag")
                    .into_int_value();
                let want = self.cg.ctx.i32_type().const_int(*variant as u64, false);
                let eq = self
                    .cg
                    .builder
                    .int_compare(IntPredicate::EQ, tag, want, "is");
                self.branch_on(eq, fail);
                for (p, fp) in self.sub_places(pat, ptr) {
                    self.test_pattern(p, fp, fail);
                }
            }
            PatternKind::Or(alts) => {
                let ok = self.block_bb("or_ok");
                for (i, alt) in alts.iter().enumerate() {
                    let next = if i + 1 == alts.len() {
                        fail
                    } else {
                        self.block_bb("or_next")
                    };
                    self.test_pattern(alt, ptr, next);
                    self.br(ok);
                    if i + 1 < alts.len() {
                        self.cg.builder.position_at_end(next);
                    }
                }
                self.cg.builder.position_at_end(ok);
            }
        }
    }

    /// Continues when `cond` holds, else goes to `fail`.
    fn branch_on(&mut self, cond: IntValue<'ctx>, fail: BasicBlock<'ctx>) {
        let cont = self.block_bb("match_ok");
        self.cg.builder.conditional_branch(cond, cont, fail);
        self.cg.builder.position_at_end(cont);
    }

    /// Pointer to field `i` of variant `v` inside the enum value at `ptr`.
    pub fn payload_field(
        &mut self,
        ty: &Ty,
        v: u32,
        ptr: PointerValue<'ctx>,
        i: u32,
    ) -> PointerValue<'ctx> {
        let lt = self.cg.llvm_ty(ty).into_struct_type();
        let payload = self.cg.builder.struct_gep(lt, ptr, 1, "payload");
        let fields = self.cg.variant_fields(ty, v);
        let vt = self.cg.variant_struct(&fields, &[]);
        self.cg.builder.struct_gep(vt, payload, i, "vfield")
    }

    /// Copies the parts of the value at `ptr` that `pat` binds into their locals
    /// (retained), scheduling their release in scope `scope`.
    pub fn bind_pattern(&mut self, pat: &'p Pattern, ptr: PointerValue<'ctx>, scope: usize) {
        match &pat.kind {
            PatternKind::Bind(l) => {
                let ty = self.f.locals[l.0 as usize].ty.clone();
                let lt = self.cg.llvm_ty(&ty);
                let v = self.cg.builder.load(lt, ptr, "bind");
                let v = self.owned(Val::borrowed(v), &ty);
                let dst = self.local_ptr(*l);
                self.cg.builder.store(dst, v);
                self.schedule_drop_in(scope, dst, &ty);
            }
            // An or-pattern binds nothing (the checker rejects bindings in one).
            _ => {
                for (p, fp) in self.sub_places(pat, ptr) {
                    self.bind_pattern(p, fp, scope);
                }
            }
        }
    }

    /// The sub-patterns of a tuple, struct or variant pattern with the addresses of the
    /// parts of the value at `ptr` they match (a variant's payload is only meaningful
    /// once its tag has been tested); none for the other patterns.
    fn sub_places(
        &mut self,
        pat: &'p Pattern,
        ptr: PointerValue<'ctx>,
    ) -> Vec<(&'p Pattern, PointerValue<'ctx>)> {
        let lt = self.cg.llvm_ty(&pat.ty);
        match &pat.kind {
            PatternKind::Tuple(ps) => (ps.iter().enumerate())
                .map(|(i, p)| (p, self.cg.builder.struct_gep(lt, ptr, i as u32, "elem")))
                .collect(),
            PatternKind::Struct { fields, .. } => (fields.iter())
                .map(|(i, p)| (p, self.cg.builder.struct_gep(lt, ptr, *i, "field")))
                .collect(),
            PatternKind::Variant {
                variant, fields, ..
            } => (fields.iter().enumerate())
                .map(|(i, p)| (p, self.payload_field(&pat.ty, *variant, ptr, i as u32)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Releases the bindings of scope `scope` (a failed guard) without leaving it.
    fn release_scope_bindings(&mut self, scope: usize) {
        let exits = std::mem::take(&mut self.scopes[scope].exits);
        for e in exits.iter().rev() {
            if let super::func::Exit::Drop { ptr, ty } = e {
                self.cg.release_at(*ptr, ty);
            }
        }
        self.scopes[scope].exits = exits;
    }
}
