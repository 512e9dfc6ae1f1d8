//! Patterns (in `match`, `let`, `if let`, `for`) and `match` expressions.

use super::exhaustive;
use super::fncx::FnCx;
use crate::common::ty::{AdtId, Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::{AdtKind, TypeDef};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, PatternKind};

impl FnCx<'_, '_> {
    /// Checks a pattern against the type of the value it matches, binding its variables
    /// (as `kind` locals) in the current scope.
    ///
    /// A pattern that had an error (in itself or in a part) is an error pattern, so that the
    /// coverage check says nothing more about its match.
    pub fn check_pattern(&mut self, p: &ast::Pattern, expected: &Ty, kind: LocalKind) -> TPattern {
        let errors = self.g.diags.error_count();
        let checked = self.check_pattern_kind(p, expected, kind);
        if self.g.diags.error_count() == errors {
            return checked;
        }
        self.error_pattern(checked.span)
    }

    fn check_pattern_kind(&mut self, p: &ast::Pattern, expected: &Ty, kind: LocalKind) -> TPattern {
        let span = p.span;
        let mk = |k, ty: &Ty| TPattern {
            kind: k,
            ty: ty.clone(),
            span,
        };
        match &p.kind {
            PatternKind::Wild => mk(TPatternKind::Wild, expected),
            PatternKind::Bind(name) => {
                if let Some((adt, v)) = self.unit_variant_named(&name.name, expected, span) {
                    return self.variant_pattern(adt, v, None, expected, span, kind);
                }
                let id = self.declare_local(&name.name, expected.clone(), kind, name.span);
                mk(TPatternKind::Bind(id), expected)
            }
            PatternKind::Lit(e) => {
                let te = self.check_pattern_literal(e, expected);
                mk(TPatternKind::Lit(Box::new(te)), expected)
            }
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => {
                let lo = self.check_pattern_literal(start, expected);
                let hi = self.check_pattern_literal(end, expected);
                let t = self.resolve(expected);
                if !t.is_int() && self.var_kind(&t) != Some(VarKind::Int) && !t.has_error() {
                    let shown = self.show(&t);
                    self.error(
                        diag::E0225,
                        span,
                        format!("range patterns match integers, not `{shown}`"),
                    );
                }
                mk(
                    TPatternKind::Range {
                        lo: Box::new(lo),
                        hi: Box::new(hi),
                        inclusive: *inclusive,
                    },
                    expected,
                )
            }
            PatternKind::Tuple(ps) => self.tuple_pattern(ps, expected, span, kind),
            PatternKind::Variant { path, args } => {
                self.check_variant_pattern(path, args.as_deref(), expected, span, kind)
            }
            PatternKind::Struct { name, fields, rest } => {
                self.struct_pattern(name, fields, *rest, expected, span, kind)
            }
            PatternKind::Or(alts) => {
                let before = self.locals.len();
                // Names bound by later alternatives go to scopes of their own: binding is
                // reported once below, not again as a redefinition.
                let alts: Vec<TPattern> = alts
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        if i == 0 {
                            return self.check_pattern(a, expected, kind);
                        }
                        self.push_scope();
                        let p = self.check_pattern(a, expected, kind);
                        self.pop_scope();
                        p
                    })
                    .collect();
                if self.locals.len() > before {
                    self.error(
                        diag::E0225,
                        span,
                        "alternatives joined by `|` cannot bind variables",
                    );
                }
                mk(TPatternKind::Or(alts), expected)
            }
            PatternKind::Error => mk(TPatternKind::Error, &Ty::Error),
        }
    }

    /// A literal in a pattern; one of another type than the value is E0225.
    fn check_pattern_literal(&mut self, e: &ast::Expr, expected: &Ty) -> TExpr {
        let te = self.check_expr(e, Some(expected));
        match self.try_coerce(te, expected) {
            Ok(te) => te,
            Err(te) => {
                let (es, ls) = (self.show(expected), self.show(&te.ty));
                if !self.zonk(expected).has_error()
                    && !te.ty.has_error()
                    && !self.is_opaque(expected)
                {
                    self.error(
                        diag::E0225,
                        te.span,
                        format!(
                            "mismatched types: this pattern is a `{ls}`, but the value is `{es}`"
                        ),
                    );
                }
                TExpr {
                    ty: Ty::Error,
                    ..te
                }
            }
        }
    }

    /// A bare name in a pattern that denotes a unit variant (`None`, `Red`).
    fn unit_variant_named(
        &mut self,
        name: &str,
        expected: &Ty,
        span: Span,
    ) -> Option<(AdtId, u32)> {
        let exp = self.resolve(expected);
        if let Ty::Adt(id, _) = &exp {
            if let Some(i) = self
                .g
                .defs
                .adt(*id)
                .variants()
                .iter()
                .position(|v| v.name == name)
            {
                return Some((*id, i as u32));
            }
        }
        let found = self.g.defs.bare_variants(self.module, name).to_vec();
        match found.as_slice() {
            [(adt, v)]
                if self.g.defs.adt(*adt).variants()[*v as usize]
                    .fields
                    .is_empty() =>
            {
                let _ = span;
                Some((*adt, *v))
            }
            _ => None,
        }
    }

    fn tuple_pattern(
        &mut self,
        ps: &[ast::Pattern],
        expected: &Ty,
        span: Span,
        kind: LocalKind,
    ) -> TPattern {
        if ps.is_empty() {
            return self.unit_pattern(expected, span);
        }
        let mut exp = self.resolve(expected);
        if matches!(exp, Ty::Infer(_)) {
            let vars: Vec<Ty> = ps
                .iter()
                .map(|_| self.new_var(VarKind::General, span))
                .collect();
            let t = Ty::Tuple(vars);
            self.unify(&exp, &t);
            exp = t;
        }
        let elems = match &exp {
            Ty::Tuple(ts) if ts.len() == ps.len() => ts.clone(),
            t => {
                if !t.has_error() && !self.is_opaque(t) {
                    let shown = self.show(t);
                    self.error(
                        diag::E0225,
                        span,
                        format!(
                            "this tuple pattern has {} elements, but the value is `{shown}`",
                            ps.len()
                        ),
                    );
                }
                vec![Ty::Error; ps.len()]
            }
        };
        let sub = ps
            .iter()
            .zip(&elems)
            .map(|(p, t)| self.check_pattern(p, t, kind))
            .collect();
        TPattern {
            kind: TPatternKind::Tuple(sub),
            ty: exp,
            span,
        }
    }

    /// `()`: the `void` value (docs/reference.md section 2.8), which matches every `void`.
    fn unit_pattern(&mut self, expected: &Ty, span: Span) -> TPattern {
        if !self.unify(expected, &Ty::Void) && !self.is_opaque(expected) {
            let shown = self.show(expected);
            self.error(
                diag::E0225,
                span,
                format!("`()` matches the `void` value, but the value is `{shown}`"),
            );
        }
        TPattern {
            kind: TPatternKind::Wild,
            ty: Ty::Void,
            span,
        }
    }

    fn check_variant_pattern(
        &mut self,
        path: &[ast::Ident],
        args: Option<&[ast::Pattern]>,
        expected: &Ty,
        span: Span,
        kind: LocalKind,
    ) -> TPattern {
        let found = match path {
            [name] => {
                let exp = self.resolve(expected);
                let in_expected = match &exp {
                    Ty::Adt(id, _) => self
                        .g
                        .defs
                        .adt(*id)
                        .variants()
                        .iter()
                        .position(|v| v.name == name.name)
                        .map(|i| (*id, i as u32)),
                    _ => None,
                };
                in_expected.or_else(|| self.bare_variant(&name.name, Some(&exp), name.span))
            }
            [ty_name, name] => match self.g.defs.lookup_type(self.module, &ty_name.name) {
                Some(TypeDef::Adt(id)) => self
                    .g
                    .defs
                    .adt(id)
                    .variants()
                    .iter()
                    .position(|v| v.name == name.name)
                    .map(|i| (id, i as u32)),
                _ => {
                    if !self.g.defs.failed_import(self.module, &ty_name.name) {
                        self.error(
                            diag::E0101,
                            ty_name.span,
                            format!("cannot find enum `{}`", ty_name.name),
                        );
                    }
                    self.bind_all_wild(args, kind);
                    return self.error_pattern(span);
                }
            },
            _ => None,
        };
        let Some((adt, v)) = found else {
            let last = path.last().map(|p| p.name.clone()).unwrap_or_default();
            if !self.resolve(expected).has_error() {
                self.error(diag::E0109, span, format!("no variant named `{last}`"));
            }
            self.bind_all_wild(args, kind);
            return self.error_pattern(span);
        };
        self.variant_pattern(adt, v, args, expected, span, kind)
    }

    /// The type of a variant or struct pattern of `adt` against the value's type, or None
    /// (after E0225) when the value is not of that type.
    fn adt_pattern_type(&mut self, adt: AdtId, expected: &Ty, span: Span) -> Option<Ty> {
        let ty = self.fresh_adt(adt, Some(expected), span);
        if self.unify(&ty, expected) {
            return Some(ty);
        }
        let (es, vs) = (self.show(expected), self.show(&ty));
        self.error(
            diag::E0225,
            span,
            format!("mismatched types: this pattern matches `{vs}`, but the value is `{es}`"),
        );
        None
    }

    fn error_pattern(&self, span: Span) -> TPattern {
        TPattern {
            kind: TPatternKind::Error,
            ty: Ty::Error,
            span,
        }
    }

    /// Binds the variables of sub-patterns of a failed pattern, so later uses do not
    /// report unknown names.
    fn bind_all_wild(&mut self, args: Option<&[ast::Pattern]>, kind: LocalKind) {
        for p in args.unwrap_or(&[]) {
            self.check_pattern(p, &Ty::Error, kind);
        }
    }

    fn variant_pattern(
        &mut self,
        adt: AdtId,
        v: u32,
        args: Option<&[ast::Pattern]>,
        expected: &Ty,
        span: Span,
        kind: LocalKind,
    ) -> TPattern {
        let Some(ty) = self.adt_pattern_type(adt, expected, span) else {
            self.bind_all_wild(args, kind);
            return self.error_pattern(span);
        };
        let targs = match &ty {
            Ty::Adt(_, a) => a.clone(),
            _ => Vec::new(),
        };
        let def = self.g.defs.adt(adt).clone();
        let variant = &def.variants()[v as usize];
        let field_tys: Vec<Ty> = variant.fields.iter().map(|t| t.subst(&targs)).collect();
        let ps = args.unwrap_or(&[]);
        if ps.len() != field_tys.len() {
            let n = field_tys.len();
            let mut d = Diagnostic::error(
                diag::E0225,
                span,
                format!(
                    "variant `{}` has {n} field{}, but the pattern has {}",
                    variant.name,
                    if n == 1 { "" } else { "s" },
                    ps.len()
                ),
            );
            if args.is_none() && n > 0 {
                d = d.with_help(format!(
                    "write `{}({})`",
                    variant.name,
                    vec!["_"; n].join(", ")
                ));
            }
            self.push(d);
        }
        let fields = (0..field_tys.len())
            .map(|i| match ps.get(i) {
                Some(p) => self.check_pattern(p, &field_tys[i], kind),
                None => TPattern {
                    kind: TPatternKind::Wild,
                    ty: field_tys[i].clone(),
                    span,
                },
            })
            .collect();
        for extra in ps.iter().skip(field_tys.len()) {
            self.check_pattern(extra, &Ty::Error, kind);
        }
        TPattern {
            kind: TPatternKind::Variant {
                adt,
                variant: v,
                fields,
            },
            ty,
            span,
        }
    }

    fn struct_pattern(
        &mut self,
        name: &ast::Ident,
        fields: &[(ast::Ident, Option<ast::Pattern>)],
        rest: bool,
        expected: &Ty,
        span: Span,
        kind: LocalKind,
    ) -> TPattern {
        let Some(TypeDef::Adt(adt)) = self.g.defs.lookup_type(self.module, &name.name) else {
            if !self.g.defs.failed_import(self.module, &name.name) {
                self.error(
                    diag::E0101,
                    name.span,
                    format!("cannot find struct `{}`", name.name),
                );
            }
            return self.error_pattern(span);
        };
        let def = self.g.defs.adt(adt).clone();
        let AdtKind::Struct(decl) = &def.kind else {
            self.error(
                diag::E0225,
                name.span,
                format!("`{}` is not a struct", def.name),
            );
            return self.error_pattern(span);
        };
        let Some(ty) = self.adt_pattern_type(adt, expected, span) else {
            for (fname, fpat) in fields {
                match fpat {
                    Some(p) => {
                        self.check_pattern(p, &Ty::Error, kind);
                    }
                    None => {
                        self.declare_local(&fname.name, Ty::Error, kind, fname.span);
                    }
                }
            }
            return self.error_pattern(span);
        };
        let targs = match &ty {
            Ty::Adt(_, a) => a.clone(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for (fname, fpat) in fields {
            let Some(i) = decl.iter().position(|f| f.name == fname.name) else {
                self.error(
                    diag::E0107,
                    fname.span,
                    format!("struct `{}` has no field `{}`", def.name, fname.name),
                );
                continue;
            };
            let fty = decl[i].ty.subst(&targs);
            let tp = match fpat {
                Some(p) => self.check_pattern(p, &fty, kind),
                None => {
                    let id = self.declare_local(&fname.name, fty.clone(), kind, fname.span);
                    TPattern {
                        kind: TPatternKind::Bind(id),
                        ty: fty,
                        span: fname.span,
                    }
                }
            };
            out.push((i as u32, tp));
        }
        if !rest {
            let missing: Vec<&str> = decl
                .iter()
                .enumerate()
                .filter(|(i, _)| !out.iter().any(|(j, _)| *j as usize == *i))
                .map(|(_, f)| f.name.as_str())
                .collect();
            if !missing.is_empty() {
                self.push(
                    Diagnostic::error(
                        diag::E0225,
                        span,
                        format!(
                            "pattern does not mention field{} {}",
                            if missing.len() == 1 { "" } else { "s" },
                            missing.join(", ")
                        ),
                    )
                    .with_help("add the fields, or `..` to ignore the rest"),
                );
            }
        }
        TPattern {
            kind: TPatternKind::Struct { adt, fields: out },
            ty,
            span,
        }
    }

    /// Can some value of the pattern's type fail to match it?
    pub fn is_refutable(&self, p: &TPattern) -> bool {
        match &p.kind {
            TPatternKind::Wild | TPatternKind::Bind(_) | TPatternKind::Error => false,
            TPatternKind::Lit(_) | TPatternKind::Range { .. } => true,
            TPatternKind::Tuple(ps) => ps.iter().any(|p| self.is_refutable(p)),
            TPatternKind::Struct { fields, .. } => fields.iter().any(|(_, p)| self.is_refutable(p)),
            TPatternKind::Variant { adt, fields, .. } => {
                self.g.defs.adt(*adt).variants().len() > 1
                    || fields.iter().any(|p| self.is_refutable(p))
            }
            TPatternKind::Or(ps) => ps.iter().all(|p| self.is_refutable(p)),
        }
    }

    /// Finishes one arm of a `match` or `select` whose scope is open: checks its body
    /// against the arms' common type (`void` when the values are dropped), leaves the
    /// arm's scope, and joins the body's type into `result` (the first arm that does not
    /// diverge fixes it; later ones are coerced to it).
    pub fn finish_arm(
        &mut self,
        body: &ast::Expr,
        drop_values: bool,
        result: &mut Option<Ty>,
    ) -> TExpr {
        let want = if drop_values {
            Some(Ty::Void)
        } else {
            result.clone()
        };
        let mut body = self.check_expr(body, want.as_ref());
        self.pop_scope();
        if !drop_values && !self.resolve(&body.ty).is_never() {
            match result {
                Some(r) => body = self.coerce(body, &r.clone()),
                None => *result = Some(body.ty.clone()),
            }
        }
        body
    }

    /// The type of a `match` or `select` whose arms [`Self::finish_arm`] finished: `!` when
    /// every arm diverges, `void` when the values are dropped, else the arms' common type.
    pub fn arms_type(all_never: bool, drop_values: bool, result: Option<Ty>) -> Ty {
        if all_never {
            Ty::Never
        } else if drop_values {
            Ty::Void
        } else {
            result.unwrap_or(Ty::Void)
        }
    }

    pub fn check_match(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let s = self.check_expr(scrutinee, None);
        let sty = s.ty.clone();
        let drop_values = expected.is_some_and(|t| self.resolve(t).is_void());
        let mut result: Option<Ty> = expected.filter(|_| !drop_values).cloned();
        let mut tarms = Vec::new();
        for arm in arms {
            self.push_scope();
            let pat = self.check_pattern(&arm.pat, &sty, LocalKind::Binding);
            let guard = arm.guard.as_ref().map(|g| self.check_coerce(g, &Ty::Bool));
            let body = self.finish_arm(&arm.body, drop_values, &mut result);
            tarms.push(MatchArm { pat, guard, body });
        }
        let scrut_span = s.span;
        self.check_coverage(&sty, &tarms, scrut_span);
        let all_never =
            !tarms.is_empty() && tarms.iter().all(|a| self.resolve(&a.body.ty).is_never());
        let ty = Self::arms_type(all_never, drop_values, result);
        TExpr {
            kind: TExprKind::Match {
                scrutinee: Box::new(s),
                arms: tarms,
            },
            ty,
            span,
        }
    }

    /// E0208 for a non-exhaustive match, W0102 for unreachable arms.
    fn check_coverage(&mut self, sty: &Ty, arms: &[MatchArm], span: Span) {
        // A literal's still-open type (`{integer}`) is an integer type: only a wildcard
        // covers it, whichever integer type it becomes.
        let t = self.zonk_literals(sty);
        if t.has_error() || self.is_opaque(&t) || t.has_infer() {
            return;
        }
        // A broken or ill-typed arm was reported already; coverage would only add noise.
        if arms.iter().any(|a| pattern_has_error(&a.pat)) {
            return;
        }
        let report = exhaustive::analyze(self.g.defs, &t, arms);
        for i in report.unreachable {
            self.push(
                Diagnostic::warning(diag::W0102, arms[i].pat.span, "unreachable pattern")
                    .with_primary_label("earlier arms already match every value this one matches"),
            );
        }
        if let Some(missing) = report.missing {
            let shown = self.show(&t);
            self.push(
                Diagnostic::error(
                    diag::E0208,
                    span,
                    format!("non-exhaustive match: `{missing}` not covered"),
                )
                .with_note(format!("the value has type `{shown}`"))
                .with_help(format!(
                    "add an arm for `{missing}`, or a wildcard arm `_ => ...`"
                )),
            );
        }
    }
}

/// Does the pattern contain a part that failed to check?
fn pattern_has_error(p: &TPattern) -> bool {
    match &p.kind {
        TPatternKind::Error => true,
        TPatternKind::Tuple(ps)
        | TPatternKind::Variant { fields: ps, .. }
        | TPatternKind::Or(ps) => ps.iter().any(pattern_has_error),
        TPatternKind::Struct { fields, .. } => fields.iter().any(|(_, p)| pattern_has_error(p)),
        TPatternKind::Lit(e) => e.ty.has_error(),
        TPatternKind::Range { lo, hi, .. } => lo.ty.has_error() || hi.ty.has_error(),
        TPatternKind::Wild | TPatternKind::Bind(_) => false,
    }
}
