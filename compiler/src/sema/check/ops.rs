//! Operators: unary, binary, `as` casts, and the error operators `!`, `?` and `??`.

use super::fncx::FnCx;
use crate::common::ty::{Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, ExprKind, UnOp};

impl FnCx<'_, '_> {
    pub fn check_unary(
        &mut self,
        op: UnOp,
        expr: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let (operand, ty) = match op {
            UnOp::Neg | UnOp::BitNot => {
                let te = self.check_expr(expr, expected);
                let t = self.resolve(&te.ty);
                let ok = match (&t, op) {
                    // A negative literal of an unsigned type is reported as out of range
                    // (E0215) when the function is finished.
                    (Ty::Int(i), UnOp::Neg) => i.signed() || matches!(expr.kind, ExprKind::Int(..)),
                    (Ty::Float(_), UnOp::Neg) => true,
                    (Ty::Int(_), UnOp::BitNot) => true,
                    (Ty::Infer(_), UnOp::Neg) => {
                        self.var_kind(&t).is_some_and(|k| k != VarKind::General)
                    }
                    (Ty::Infer(_), UnOp::BitNot) => self.var_kind(&t) == Some(VarKind::Int),
                    _ => t.has_error() || self.is_opaque(&t),
                };
                if !ok {
                    let shown = self.show(&t);
                    let msg = match (&t, op) {
                        (Ty::Int(_), UnOp::Neg) => {
                            format!("cannot negate a value of unsigned type `{shown}`")
                        }
                        (_, UnOp::Neg) => format!("cannot negate a value of type `{shown}`"),
                        _ => format!("`~` needs an integer, found `{shown}`"),
                    };
                    self.error(diag::E0203, span, msg);
                }
                let ty = te.ty.clone();
                (te, ty)
            }
            UnOp::Not => {
                let te = self.check_expr(expr, Some(&Ty::Bool));
                let t = self.resolve(&te.ty);
                if !matches!(t, Ty::Bool) && !t.has_error() && !self.is_opaque(&t) {
                    let shown = self.show(&t);
                    let mut d = Diagnostic::error(
                        diag::E0203,
                        span,
                        format!("`!` needs a bool, found `{shown}`"),
                    );
                    if t.is_int() {
                        d = d.with_help("use `~` for the bitwise complement of an integer");
                    }
                    self.push(d);
                }
                (te, Ty::Bool)
            }
            UnOp::Deref => {
                self.require_unsafe(span, "dereferencing a raw pointer");
                let te = self.check_expr(expr, None);
                let t = self.resolve(&te.ty);
                let ty = match &t {
                    Ty::Ptr(inner) => (**inner).clone(),
                    t if t.has_error() || self.is_opaque(t) => Ty::Error,
                    _ => {
                        let shown = self.show(&t);
                        self.error(
                            diag::E0203,
                            span,
                            format!("`*` dereferences raw pointers; found `{shown}`"),
                        );
                        Ty::Error
                    }
                };
                return TExpr {
                    kind: TExprKind::Deref(Box::new(te)),
                    ty,
                    span,
                };
            }
            UnOp::Ref | UnOp::RefMut => {
                let what = if op == UnOp::Ref { "`&x`" } else { "`&mut x`" };
                self.push(
                    Diagnostic::error(
                        diag::E0220,
                        span,
                        format!("{what} can only be used as an argument for a reference parameter"),
                    )
                    .with_note("references are second class: they exist only as parameters")
                    .with_help("`&x as *T` takes a raw pointer inside `unsafe`"),
                );
                let te = self.check_expr(expr, expected);
                return te;
            }
        };
        TExpr {
            kind: TExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            ty,
            span,
        }
    }

    pub fn check_binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let mk = |l: TExpr, r: TExpr, ty: Ty| TExpr {
            kind: TExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        };
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.check_coerce(lhs, &Ty::Bool);
                let r = self.check_coerce(rhs, &Ty::Bool);
                mk(l, r, Ty::Bool)
            }
            BinOp::Coalesce => self.check_coalesce(lhs, rhs, expected, span),
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let l = self.check_expr(lhs, None);
                let lt = l.ty.clone();
                let r = self.check_expr(rhs, Some(&lt));
                if self.void_operand(op, &l) | self.void_operand(op, &r) {
                    return mk(l, r, Ty::Bool);
                }
                let r = match self.try_coerce(r, &lt) {
                    Ok(r) => r,
                    Err(r) => {
                        self.operand_mismatch(op, &l, &r, span);
                        return mk(l, r, Ty::Bool);
                    }
                };
                let t = self.resolve(&lt);
                let ok = if op.is_comparison() && matches!(op, BinOp::Eq | BinOp::Ne) {
                    self.is_equatable(&t)
                } else {
                    self.is_ordered(&t)
                };
                if !ok && !t.has_error() && !self.is_opaque(&t) {
                    let shown = self.show(&t);
                    let what = if matches!(op, BinOp::Eq | BinOp::Ne) {
                        "compared for equality"
                    } else {
                        "ordered"
                    };
                    self.error(
                        diag::E0202,
                        span,
                        format!(
                            "values of type `{shown}` cannot be {what} with `{}`",
                            op.as_str()
                        ),
                    );
                }
                mk(l, r, Ty::Bool)
            }
            BinOp::Shl | BinOp::Shr => {
                let hint = expected.filter(|t| self.resolve(t).is_int()).cloned();
                let l = self.check_expr(lhs, hint.as_ref());
                let r = self.check_expr(rhs, None);
                for side in [&l, &r] {
                    let t = self.resolve(&side.ty);
                    if !t.is_int()
                        && self.var_kind(&t) != Some(VarKind::Int)
                        && !t.has_error()
                        && !self.is_opaque(&t)
                    {
                        let shown = self.show(&t);
                        self.error(
                            diag::E0202,
                            side.span,
                            format!("shifts need integers, found `{shown}`"),
                        );
                    }
                }
                let ty = l.ty.clone();
                mk(l, r, ty)
            }
            _ => self.check_arith(op, lhs, rhs, expected, span),
        }
    }

    /// `+ - * / %` and the bitwise `& | ^`.
    fn check_arith(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let hint = expected
            .map(|t| self.resolve(t))
            .filter(|t| t.is_numeric() || *t == Ty::Str);
        let l = self.check_expr(lhs, hint.as_ref());
        let lt = l.ty.clone();
        let r = self.check_expr(rhs, Some(&lt));
        if self.void_operand(op, &l) | self.void_operand(op, &r) {
            return TExpr {
                kind: TExprKind::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                },
                ty: Ty::Error,
                span,
            };
        }
        let rt = r.ty.clone();
        let t = self.resolve(&lt);
        let bitwise = matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor);
        let kind = self.var_kind(&t);
        let ok = match &t {
            Ty::Int(_) => true,
            Ty::Float(_) => !bitwise,
            Ty::Str => op == BinOp::Add,
            Ty::Bool => bitwise,
            Ty::Infer(_) => match kind {
                Some(VarKind::Int) => true,
                Some(VarKind::Float) => !bitwise,
                _ => false,
            },
            Ty::Error | Ty::Never => true,
            t => self.is_opaque(t),
        };
        if !ok {
            let shown = self.show(&t);
            let mut d = Diagnostic::error(
                diag::E0202,
                span,
                format!(
                    "cannot apply `{}` to a value of type `{shown}`",
                    op.as_str()
                ),
            );
            if t == Ty::Str {
                d = d.with_help("strings support `+` (concatenation) and comparisons");
            }
            self.push(d);
            return TExpr {
                kind: TExprKind::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                },
                ty: Ty::Error,
                span,
            };
        }
        if !self.unify(&lt, &rt) {
            self.operand_mismatch(op, &l, &r, span);
        }
        TExpr {
            kind: TExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty: lt,
            span,
        }
    }

    /// E0223 when an operand of `op` is a `void` expression (a call that returns nothing).
    fn void_operand(&mut self, op: BinOp, te: &TExpr) -> bool {
        if !self.resolve(&te.ty).is_void() || self.lenient {
            return false;
        }
        self.push(
            Diagnostic::error(
                diag::E0223,
                te.span,
                format!("an operand of `{}` has type `void`", op.as_str()),
            )
            .with_primary_label("this expression produces no value"),
        );
        true
    }

    fn operand_mismatch(&mut self, op: BinOp, l: &TExpr, r: &TExpr, span: Span) {
        let (lt, rt) = (self.zonk(&l.ty), self.zonk(&r.ty));
        if lt.has_error() || rt.has_error() || self.is_opaque(&lt) || self.is_opaque(&rt) {
            return;
        }
        let (ls, rs) = (self.show(&lt), self.show(&rt));
        let mut d = Diagnostic::error(
            diag::E0202,
            span,
            format!(
                "mismatched types: `{}` between `{ls}` and `{rs}`",
                op.as_str()
            ),
        )
        .with_label(l.span, format!("`{ls}`"))
        .with_label(r.span, format!("`{rs}`"));
        if lt.is_numeric() && rt.is_numeric() {
            d = d.with_help(format!(
                "there are no implicit numeric conversions: write `... as {ls}`"
            ));
        }
        self.push(d);
    }

    /// Can values of `t` be compared with `==`? (Everything but closures.)
    pub fn is_equatable(&self, t: &Ty) -> bool {
        let mut ok = true;
        self.zonk(t).walk(&mut |x| ok &= !matches!(x, Ty::Fn(_)));
        ok
    }

    /// Can values of `t` be ordered with `<`? (Numbers and strings.)
    pub fn is_ordered(&self, t: &Ty) -> bool {
        match self.resolve(t) {
            Ty::Int(_) | Ty::Float(_) | Ty::Str | Ty::Error => true,
            t @ Ty::Infer(_) => self.var_kind(&t).is_some_and(|k| k != VarKind::General),
            _ => false,
        }
    }

    pub fn check_cast(&mut self, expr: &ast::Expr, ty: &ast::Type, span: Span) -> TExpr {
        let target = self.lower_type(ty);
        if let ExprKind::Unary {
            op: UnOp::Ref | UnOp::RefMut,
            expr: inner,
        } = &expr.kind
        {
            return self.check_addr_of(inner, target, span);
        }
        let te = self.check_expr(expr, None);
        let from = self.resolve(&te.ty);
        let to = self.resolve(&target);
        let literal_var = self.var_kind(&from).is_some_and(|k| k != VarKind::General);
        let numeric = |t: &Ty| t.is_numeric();
        let ok = match (&from, &to) {
            _ if from.has_error() || to.has_error() || self.is_opaque(&from) => true,
            (a, b) if a == b => true,
            (a, b) if (numeric(a) || literal_var) && numeric(b) => true,
            (Ty::Bool, Ty::Int(_)) => true,
            (Ty::Ptr(_), Ty::Ptr(_)) | (Ty::Ptr(_), Ty::Int(_)) | (Ty::Int(_), Ty::Ptr(_)) => {
                self.require_unsafe(span, "a raw pointer cast");
                true
            }
            (_, Ty::Ptr(_)) if literal_var => {
                self.require_unsafe(span, "a raw pointer cast");
                true
            }
            _ => false,
        };
        if !ok {
            let (fs, ts) = (self.show(&from), self.show(&to));
            let mut d =
                Diagnostic::error(diag::E0207, span, format!("cannot cast `{fs}` as `{ts}`"));
            if from == Ty::Str && to.is_numeric() {
                d = d.with_help("parse it: `s.parseInt()` or `s.parseFloat()`");
            } else if to == Ty::Str {
                d = d.with_help("convert it with `.toString()` or `$\"{...}\"`");
            } else {
                d = d.with_note("`as` converts between numeric types, from bool to integers, and (in `unsafe`) between pointers and integers");
            }
            self.push(d);
        }
        TExpr {
            kind: TExprKind::Cast(Box::new(te)),
            ty: target,
            span,
        }
    }

    /// `&x as *T` inside `unsafe`: the address of a place.
    fn check_addr_of(&mut self, inner: &ast::Expr, target: Ty, span: Span) -> TExpr {
        self.require_unsafe(span, "taking a raw pointer");
        let place = self.check_expr(inner, None);
        if !matches!(self.resolve(&target), Ty::Ptr(_) | Ty::Error) {
            let ts = self.show(&target);
            self.error(
                diag::E0207,
                span,
                format!("`&x` can only be cast to a raw pointer type, not `{ts}`"),
            );
        }
        let pty = Ty::Ptr(Box::new(place.ty.clone()));
        let addr = TExpr {
            kind: TExprKind::AddrOf(Box::new(place)),
            ty: pty,
            span,
        };
        TExpr {
            kind: TExprKind::Cast(Box::new(addr)),
            ty: target,
            span,
        }
    }

    /// What `!`, `?` and `??` see in a value of type `t`: `(kind, success type, error type)`.
    fn fallible(&self, t: &Ty) -> Option<(Fallible, Ty, Option<Ty>)> {
        let t = self.resolve(t);
        let lang = &self.g.defs.lang;
        if let Some(inner) = lang.as_option(&t) {
            return Some((Fallible::Option, inner.clone(), None));
        }
        lang.as_result(&t)
            .map(|(ok, err)| (Fallible::Result, ok.clone(), Some(err.clone())))
    }

    fn not_fallible(&mut self, op: &str, te: &TExpr) {
        let t = self.zonk(&te.ty);
        if t.has_error() || self.is_opaque(&t) || t.is_never() {
            return;
        }
        let shown = self.show(&t);
        self.push(
            Diagnostic::error(
                diag::E0213,
                te.span,
                format!("`{op}` needs an `Option` or a `Result`, found `{shown}`"),
            )
            .with_primary_label(format!("this is `{shown}`")),
        );
    }

    pub fn check_unwrap(&mut self, inner: &ast::Expr, span: Span) -> TExpr {
        let te = self.check_expr(inner, None);
        self.unwrap_checked(te, span)
    }

    /// `te!` for an already checked operand.
    pub fn unwrap_checked(&mut self, te: TExpr, span: Span) -> TExpr {
        match self.fallible(&te.ty) {
            Some((kind, ok, _)) => TExpr {
                kind: TExprKind::Unwrap {
                    expr: Box::new(te),
                    kind,
                    err_to_string: None,
                },
                ty: ok,
                span,
            },
            None => {
                self.not_fallible("!", &te);
                TExpr {
                    ty: Ty::Error,
                    kind: TExprKind::Unwrap {
                        expr: Box::new(te),
                        kind: Fallible::Result,
                        err_to_string: None,
                    },
                    span,
                }
            }
        }
    }

    pub fn check_try(&mut self, inner: &ast::Expr, span: Span) -> TExpr {
        let te = self.check_expr(inner, None);
        // In a `par` branch or `par for` body there is no function to return from: an
        // error ends the branch as a failure, as `!` does (docs/reference.md 6.9).
        if self.frame().par.is_some() && !self.frame().returns {
            return self.unwrap_checked(te, span);
        }
        let Some((kind, ok, err)) = self.fallible(&te.ty) else {
            self.not_fallible("?", &te);
            return self.error_expr(span);
        };
        self.check_defer_exit("?", false, span);
        let convert = if self.frame().returns {
            let ret = self.frame().ret.clone();
            self.check_try_target(kind, err.as_ref(), &ret, span)
        } else {
            self.push(
                Diagnostic::error(
                    diag::E0212,
                    span,
                    "`?` can only be used inside a function body",
                )
                .with_note(
                    "a constant initializer or a default argument has no function to return from",
                )
                .with_help("use `!` to panic on failure, or `??` to supply a default"),
            );
            None
        };
        TExpr {
            kind: TExprKind::Try {
                expr: Box::new(te),
                kind,
                convert,
            },
            ty: ok,
            span,
        }
    }

    /// Checks that `?` on a `kind` value can return from a function returning `ret`;
    /// returns the conversion of the error into the function's error type, if any.
    fn check_try_target(
        &mut self,
        kind: Fallible,
        err: Option<&Ty>,
        ret: &Ty,
        span: Span,
    ) -> Option<Coercion> {
        let r = self.resolve(ret);
        if matches!(r, Ty::Infer(_)) {
            let fresh = self.new_var(VarKind::General, span);
            let target = match kind {
                Fallible::Option => self.g.defs.lang.option_of(fresh),
                Fallible::Result => self
                    .g
                    .defs
                    .lang
                    .result_of(fresh, err.cloned().unwrap_or(Ty::Error)),
            };
            self.unify(&r, &target);
            return None;
        }
        if r.has_error() || self.is_opaque(&r) {
            return None;
        }
        let target = self.fallible(&r);
        match (kind, target) {
            (Fallible::Option, Some((Fallible::Option, _, _))) => None,
            (Fallible::Result, Some((Fallible::Result, _, Some(ret_err)))) => {
                let e = err.cloned().unwrap_or(Ty::Error);
                let probe = TExpr {
                    kind: TExprKind::Error,
                    ty: e.clone(),
                    span,
                };
                match self.try_coerce(probe, &ret_err) {
                    Ok(TExpr {
                        kind: TExprKind::Coerce(c, _),
                        ..
                    }) => Some(c),
                    Ok(_) => None,
                    Err(_) => {
                        let (es, rs) = (self.show(&e), self.show(&ret_err));
                        self.push(
                            Diagnostic::error(
                                diag::E0212,
                                span,
                                format!("`?` cannot convert the error type `{es}` into `{rs}`"),
                            )
                            .with_help("handle the error with `match`, or map it: `r ?? fallback`"),
                        );
                        None
                    }
                }
            }
            _ => {
                let (what, rs) = (
                    if kind == Fallible::Option {
                        "an `Option`"
                    } else {
                        "a `Result`"
                    },
                    self.show(&r),
                );
                self.push(
                    Diagnostic::error(
                        diag::E0212,
                        span,
                        format!("`?` on {what} can only be used in a function that returns {what}"),
                    )
                    .with_note(format!("this function returns `{rs}`"))
                    .with_help("use `!` to panic on failure, or `??` to supply a default"),
                );
                None
            }
        }
    }

    /// `a ?? b`: `b` is the default for a `None` / `Err`; `b` may itself be an Option
    /// (chaining `a ?? b ?? c`), which keeps the result optional.
    fn check_coalesce(
        &mut self,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let exp_opt = expected.map(|t| self.g.defs.lang.option_of(t.clone()));
        let l = self.check_expr(lhs, exp_opt.as_ref());
        let Some((kind, ok, _)) = self.fallible(&l.ty) else {
            self.not_fallible("??", &l);
            let r = self.check_expr(rhs, None);
            return TExpr {
                kind: TExprKind::Coalesce {
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                    kind: Fallible::Option,
                },
                ty: Ty::Error,
                span,
            };
        };
        let r = self.check_expr(rhs, Some(&ok));
        let (r, ty) = match self.try_coerce(r, &ok) {
            Ok(r) => (r, ok),
            Err(r) => {
                let opt = self.g.defs.lang.option_of(ok.clone());
                if kind == Fallible::Option && self.try_unify(&r.ty, &opt) {
                    (r, opt)
                } else {
                    self.mismatch(r.span, &ok, &r.ty.clone());
                    (r, ok)
                }
            }
        };
        TExpr {
            kind: TExprKind::Coalesce {
                lhs: Box::new(l),
                rhs: Box::new(r),
                kind,
            },
            ty,
            span,
        }
    }
}
