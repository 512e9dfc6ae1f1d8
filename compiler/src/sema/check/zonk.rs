//! Finishing a checked function: every inference variable is resolved (literals default
//! to `i64` / `f64`; anything else unresolved is "type annotations needed"), integer
//! literals are range-checked, per-type requirements of std functions are verified
//! (orderable `sort`, HashMap keys, atomics, Send element types), and every function
//! the body calls is requested as an instance.

use super::fncx::FnCx;
use crate::common::intrinsic::{CoreOp, GenOp, Intrinsic, SyncOp, VecOp};
use crate::common::ty::{Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::FnBody;
use crate::sema::resolve_ty::valid_map_key;
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{BinOp, UnOp};
use std::collections::HashSet;

impl FnCx<'_, '_> {
    /// Finishes a checked body (see the module docs).
    pub fn finish_expr(&mut self, mut te: TExpr) -> TExpr {
        let mut seen = HashSet::new();
        self.fin_expr(&mut te, &mut seen);
        te
    }

    /// Resolves a type; reports each unresolvable variable once.
    fn fin_ty(&mut self, t: &mut Ty, span: Span, seen: &mut HashSet<u32>) {
        let z = self.zonk(t);
        if !self.lenient {
            let mut unresolved = Vec::new();
            z.walk(&mut |x| {
                if let Ty::Infer(v) = x {
                    unresolved.push(*v);
                }
            });
            for v in unresolved {
                if self.var_kind(&Ty::Infer(v)) == Some(VarKind::General) && seen.insert(v) {
                    let at = self.var_spans.get(v as usize).copied().unwrap_or(span);
                    self.push(
                        Diagnostic::error(diag::E0204, at, "type annotations needed")
                            .with_primary_label("cannot infer a type here")
                            .with_help("add a type annotation, e.g. `let v: Vec<i64> = Vec.new()`"),
                    );
                }
            }
        }
        *t = self.zonk_default(&z);
    }

    fn fin_ref(&mut self, r: &mut FnRef, span: Span, seen: &mut HashSet<u32>) {
        for t in &mut r.type_args {
            self.fin_ty(t, span, seen);
        }
        if self.lenient || r.type_args.iter().any(|t| t.has_error() || t.has_params()) {
            return;
        }
        let def = self.g.defs.func(r.fn_id);
        match &def.body {
            FnBody::Intrinsic(op) => {
                let op = *op;
                // An instance carries the effects a call brings (sema/effects): those of a
                // `with` clause, or a generator's body for `Generator<T>.next`.
                if def.effects.is_some() || op == Intrinsic::Gen(GenOp::Next) {
                    let depth = self.depth + 1;
                    self.g.insts.request(r, Some(span), depth);
                }
                self.check_intrinsic_types(op, r, span);
            }
            FnBody::Ast { .. } => {
                let depth = self.depth + 1;
                self.g.insts.request(r, Some(span), depth);
            }
            _ => {}
        }
    }

    /// Requirements of std intrinsics on their type arguments.
    fn check_intrinsic_types(&mut self, op: Intrinsic, r: &FnRef, span: Span) {
        let first = r.type_args.first().cloned().unwrap_or(Ty::Error);
        match op {
            Intrinsic::Vec(VecOp::Sort)
                if !matches!(first, Ty::Int(_) | Ty::Float(_) | Ty::Str) =>
            {
                let shown = self.show(&first);
                self.push(
                    Diagnostic::error(
                        diag::E0202,
                        span,
                        format!("`Vec<{shown}>.sort()` needs ordered elements"),
                    )
                    .with_note("integers, floats and strings are ordered"),
                );
            }
            Intrinsic::Core(CoreOp::AssertEq) if !self.is_equatable(&first) => {
                let shown = self.show(&first);
                self.error(
                    diag::E0202,
                    span,
                    format!("`assertEq` needs values that can be compared with `==`, and `{shown}` cannot"),
                );
            }
            Intrinsic::Sync(SyncOp::AtomicNew)
                if self.is_generic_atomic(r) && !matches!(first, Ty::Int(_) | Ty::Bool) =>
            {
                let shown = self.show(&first);
                self.error(
                    diag::E0200,
                    span,
                    format!("`Atomic<{shown}>`: atomics hold an integer or a bool"),
                );
            }
            _ => {}
        }
    }

    fn is_generic_atomic(&self, r: &FnRef) -> bool {
        let def = self.g.defs.func(r.fn_id);
        matches!(&def.self_ty, Some(Ty::Adt(id, _)) if Some(*id) == self.g.defs.lang.atomic)
    }

    /// HashMap key types and Send requirements of std handle types mentioned by `t`.
    fn check_type_requirements(&mut self, t: &Ty, span: Span, reported: &mut bool) {
        if *reported || self.lenient {
            return;
        }
        let mut problems = Vec::new();
        t.walk(&mut |x| match x {
            Ty::Map(k, _) if !valid_map_key(k) => {
                problems.push((true, (**k).clone(), String::new()))
            }
            Ty::Adt(id, args) => {
                for &i in &self.g.defs.adt(*id).attrs.requires_send {
                    if let Some(a) = args.get(i as usize) {
                        problems.push((false, a.clone(), self.g.defs.adt(*id).name.clone()));
                    }
                }
            }
            _ => {}
        });
        for (is_key, ty, owner) in problems {
            if self.reported_types.contains(&(is_key, self.show(&ty))) {
                continue;
            }
            if is_key {
                let shown = self.show(&ty);
                self.reported_types.insert((true, shown.clone()));
                self.push(
                    Diagnostic::error(
                        diag::E0226,
                        span,
                        format!("`{shown}` cannot be a HashMap key"),
                    )
                    .with_note("HashMap keys are integers, bool or string"),
                );
                *reported = true;
            } else if let Some(why) = self.why_not_send(&ty) {
                let shown = self.show(&ty);
                self.reported_types.insert((false, shown.clone()));
                self.push(
                    Diagnostic::error(
                        diag::E0301,
                        span,
                        format!("cannot send values of type '{shown}' to another thread"),
                    )
                    .with_note(format!(
                        "`{owner}` moves its values between tasks and threads"
                    ))
                    .with_note(why),
                );
                *reported = true;
            }
        }
    }

    fn fin_expr(&mut self, e: &mut TExpr, seen: &mut HashSet<u32>) {
        let span = e.span;
        self.fin_ty(&mut e.ty, span, seen);
        let mut reported = false;
        let ty = e.ty.clone();
        self.check_type_requirements(&ty, span, &mut reported);
        match &mut e.kind {
            TExprKind::Int(v) => {
                if let Ty::Float(_) = e.ty {
                    e.kind = TExprKind::Float(*v as f64);
                } else {
                    self.check_int_range(*v as i128, &e.ty, span);
                }
            }
            TExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } if matches!(operand.kind, TExprKind::Int(_)) => {
                self.fin_ty(&mut operand.ty, span, seen);
                if let TExprKind::Int(v) = operand.kind {
                    if let Ty::Float(_) = operand.ty {
                        operand.kind = TExprKind::Float(v as f64);
                    } else {
                        self.check_int_range(-(v as i128), &e.ty, span);
                    }
                }
            }
            TExprKind::FnRef(r) => self.fin_ref(r, span, seen),
            TExprKind::Binary {
                op: BinOp::Shl | BinOp::Shr,
                lhs,
                rhs,
            } => {
                self.fin_expr(lhs, seen);
                self.fin_expr(rhs, seen);
                self.check_shift_amount(&lhs.ty, rhs);
            }
            TExprKind::Call { callee, args } => {
                let print = matches!(callee, Callee::Print { .. });
                match callee {
                    Callee::Fn(r) => self.fin_ref(r, span, seen),
                    Callee::Value(v) => self.fin_expr(v, seen),
                    Callee::Print { .. } => {}
                }
                for a in args {
                    self.fin_expr(&mut a.expr, seen);
                    if print {
                        self.stringify(&mut a.expr, seen);
                    }
                }
            }
            TExprKind::Coerce(c, inner) => {
                if let Coercion::ToError(r) | Coercion::ToString(r) = c {
                    self.fin_ref(r, span, seen);
                }
                self.fin_expr(inner, seen);
            }
            TExprKind::Interp(parts) => {
                for p in parts.iter_mut() {
                    self.fin_expr(p, seen);
                    self.stringify(p, seen);
                }
            }
            TExprKind::Unwrap {
                expr,
                kind,
                err_to_string,
            } => {
                self.fin_expr(expr, seen);
                if *kind == Fallible::Result {
                    if let Some((_, err)) = self.g.defs.lang.as_result(&expr.ty) {
                        let err = err.clone();
                        *err_to_string = self.string_conversion(&err, span, seen);
                    }
                }
            }
            TExprKind::Try { expr, convert, .. } => {
                if let Some(Coercion::ToError(r) | Coercion::ToString(r)) = convert {
                    self.fin_ref(r, span, seen);
                }
                self.fin_expr(expr, seen);
            }
            TExprKind::For {
                kind,
                index,
                pat,
                iter,
                body,
            } => {
                if let ForKind::Next(r) = kind {
                    self.fin_ref(r, span, seen);
                }
                if let Some(i) = index {
                    self.fin_pat(i, seen);
                }
                self.fin_pat(pat, seen);
                self.fin_expr(iter, seen);
                self.fin_block(body, seen);
            }
            TExprKind::Closure(c) => self.fin_closure(c, span, seen),
            TExprKind::Par { branches, .. } => {
                for c in branches {
                    self.fin_closure(c, span, seen);
                }
            }
            TExprKind::ParFor { lo, hi, body, .. } => {
                self.fin_expr(lo, seen);
                self.fin_expr(hi, seen);
                self.fin_closure(body, span, seen);
            }
            TExprKind::Concurrent { timeout, body, .. } => {
                if let Some(t) = timeout {
                    self.fin_expr(t, seen);
                }
                self.fin_block(body, seen);
            }
            TExprKind::Spawn(c) => self.fin_expr(c, seen),
            _ => self.fin_children(&mut e.kind, seen),
        }
    }

    fn fin_closure(&mut self, c: &mut TClosure, span: Span, seen: &mut HashSet<u32>) {
        self.fin_ty(&mut c.ret, span, seen);
        self.fin_expr(&mut c.body, seen);
    }

    /// Finishes the children of the remaining expression kinds.
    fn fin_children(&mut self, kind: &mut TExprKind, seen: &mut HashSet<u32>) {
        match kind {
            TExprKind::Field { base: a, .. }
            | TExprKind::Unary { operand: a, .. }
            | TExprKind::Cast(a)
            | TExprKind::AddrOf(a)
            | TExprKind::Deref(a)
            | TExprKind::ArrayRepeat { value: a, .. } => self.fin_expr(a, seen),
            TExprKind::Index {
                base: a, index: b, ..
            }
            | TExprKind::Binary { lhs: a, rhs: b, .. }
            | TExprKind::Coalesce { lhs: a, rhs: b, .. }
            | TExprKind::Range {
                start: a, end: b, ..
            } => {
                self.fin_expr(a, seen);
                self.fin_expr(b, seen);
            }
            TExprKind::Struct { fields: es, .. }
            | TExprKind::Variant { fields: es, .. }
            | TExprKind::Tuple(es)
            | TExprKind::Array(es)
            | TExprKind::VecLit(es) => {
                for x in es {
                    self.fin_expr(x, seen);
                }
            }
            TExprKind::If {
                cond,
                then_block,
                else_branch,
            } => {
                self.fin_expr(cond, seen);
                self.fin_block(then_block, seen);
                if let Some(e) = else_branch {
                    self.fin_expr(e, seen);
                }
            }
            TExprKind::IfLet {
                pat,
                scrutinee,
                then_block,
                else_branch,
            } => {
                self.fin_pat(pat, seen);
                self.fin_expr(scrutinee, seen);
                self.fin_block(then_block, seen);
                if let Some(e) = else_branch {
                    self.fin_expr(e, seen);
                }
            }
            TExprKind::Match { scrutinee, arms } => {
                self.fin_expr(scrutinee, seen);
                for a in arms {
                    self.fin_pat(&mut a.pat, seen);
                    if let Some(g) = &mut a.guard {
                        self.fin_expr(g, seen);
                    }
                    self.fin_expr(&mut a.body, seen);
                }
            }
            TExprKind::Block(b) | TExprKind::Loop(b) | TExprKind::Blocking { body: b, .. } => {
                self.fin_block(b, seen)
            }
            TExprKind::While { cond, body } => {
                self.fin_expr(cond, seen);
                self.fin_block(body, seen);
            }
            TExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => {
                self.fin_pat(pat, seen);
                self.fin_expr(scrutinee, seen);
                self.fin_block(body, seen);
            }
            TExprKind::Return(Some(v)) | TExprKind::Yield(v) => self.fin_expr(v, seen),
            TExprKind::Select(arms) => {
                for a in arms {
                    match &mut a.case {
                        TSelectCase::Recv { chan, bind } => {
                            self.fin_expr(chan, seen);
                            if let Some(p) = bind {
                                self.fin_pat(p, seen);
                            }
                        }
                        TSelectCase::Send { chan, value } => {
                            self.fin_expr(chan, seen);
                            self.fin_expr(value, seen);
                        }
                        TSelectCase::Timeout(ms) => self.fin_expr(ms, seen),
                        TSelectCase::Default => {}
                    }
                    self.fin_expr(&mut a.body, seen);
                }
            }
            _ => {}
        }
    }

    fn fin_block(&mut self, b: &mut TBlock, seen: &mut HashSet<u32>) {
        for s in &mut b.stmts {
            match s {
                TStmt::Let {
                    pat,
                    init,
                    else_block,
                } => {
                    self.fin_pat(pat, seen);
                    self.fin_expr(init, seen);
                    if let Some(eb) = else_block {
                        self.fin_block(eb, seen);
                    }
                }
                TStmt::Expr(e) => self.fin_expr(e, seen),
                TStmt::Assign { place, op, value } => {
                    self.fin_expr(place, seen);
                    self.fin_expr(value, seen);
                    if matches!(op, Some(BinOp::Shl | BinOp::Shr)) {
                        self.check_shift_amount(&place.ty, value);
                    }
                }
                TStmt::Defer(d) | TStmt::Errdefer(d) => self.fin_block(d, seen),
            }
        }
        if let Some(v) = &mut b.value {
            self.fin_expr(v, seen);
        }
    }

    fn fin_pat(&mut self, p: &mut TPattern, seen: &mut HashSet<u32>) {
        let span = p.span;
        self.fin_ty(&mut p.ty, span, seen);
        match &mut p.kind {
            TPatternKind::Lit(e) => self.fin_expr(e, seen),
            TPatternKind::Range { lo, hi, .. } => {
                self.fin_expr(lo, seen);
                self.fin_expr(hi, seen);
            }
            TPatternKind::Tuple(ps)
            | TPatternKind::Variant { fields: ps, .. }
            | TPatternKind::Or(ps) => {
                for x in ps {
                    self.fin_pat(x, seen);
                }
            }
            TPatternKind::Struct { fields, .. } => {
                for (_, x) in fields {
                    self.fin_pat(x, seen);
                }
            }
            _ => {}
        }
    }

    /// Wraps a printed value in its `toString` conversion (strings stay as they are).
    fn stringify(&mut self, e: &mut TExpr, seen: &mut HashSet<u32>) {
        if matches!(e.ty, Ty::Str | Ty::Error | Ty::Never) {
            return;
        }
        let Some(r) = self.string_conversion(&e.ty.clone(), e.span, seen) else {
            return;
        };
        let span = e.span;
        let inner = std::mem::replace(
            e,
            TExpr {
                kind: TExprKind::Error,
                ty: Ty::Error,
                span,
            },
        );
        *e = TExpr {
            kind: TExprKind::Coerce(Coercion::ToString(r), Box::new(inner)),
            ty: Ty::Str,
            span,
        };
    }

    /// The `toString` method of `t` with concrete type arguments (requested as an
    /// instance), or None for strings and types without one.
    fn string_conversion(&mut self, t: &Ty, span: Span, seen: &mut HashSet<u32>) -> Option<FnRef> {
        if matches!(t, Ty::Str | Ty::Error | Ty::Never) || self.lenient {
            return None;
        }
        let f = self.find_method(t, "toString")?;
        if !self.is_conversion(f, &Ty::Str) {
            return None;
        }
        let def = self.g.defs.func(f).clone();
        let type_args = self.instantiate_generics(&def, &[], span);
        if let Some(self_ty) = &def.self_ty {
            self.unify(&self_ty.subst(&type_args), t);
        }
        let mut r = FnRef {
            fn_id: f,
            type_args,
        };
        self.fin_ref(&mut r, span, seen);
        Some(r)
    }

    /// E0215 for a constant shift amount (a literal, maybe negated) that is negative or at
    /// least the bit width of `ty`, the shifted value's type: at run time it would panic.
    fn check_shift_amount(&mut self, ty: &Ty, amount: &TExpr) {
        let v = match &amount.kind {
            TExprKind::Int(v) => i128::from(*v),
            TExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } => match operand.kind {
                TExprKind::Int(v) => -i128::from(v),
                _ => return,
            },
            _ => return,
        };
        let Ty::Int(it) = ty else {
            return;
        };
        let bits = i128::from(it.bits());
        if (0..bits).contains(&v) {
            return;
        }
        self.push(
            Diagnostic::error(
                diag::E0215,
                amount.span,
                format!("shift amount `{v}` is out of range for `{}`", it.name()),
            )
            .with_note(format!(
                "`{}` shifts by 0 to {}; other amounts panic at run time",
                it.name(),
                bits - 1
            )),
        );
    }

    /// E0215 for an integer literal that does not fit its type.
    fn check_int_range(&mut self, v: i128, ty: &Ty, span: Span) {
        let Ty::Int(it) = ty else {
            return;
        };
        let (lo, hi) = it.range();
        if v < lo || v > hi {
            self.push(
                Diagnostic::error(
                    diag::E0215,
                    span,
                    format!("literal `{v}` does not fit in `{}`", it.name()),
                )
                .with_note(format!("`{}` holds {lo} to {hi}", it.name())),
            );
        }
    }
}
