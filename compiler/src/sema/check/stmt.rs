//! Statements and blocks: `let`, `var`, assignment and mutability, expression statements
//! (and the unused-Result warning), `defer`, `for` loops.

use super::fncx::FnCx;
use crate::common::ty::{IntTy, Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, StmtKind};

/// A short name for an argument in help messages.
pub fn snippet_name(e: &ast::Expr) -> String {
    match &e.kind {
        ExprKind::Name(id) => id.name.clone(),
        _ => "x".into(),
    }
}

impl FnCx<'_, '_> {
    /// Checks a block in a new scope. Its last expression statement (without a written
    /// `;`) is its value; where `void` is expected, that value is dropped.
    pub fn check_block(&mut self, b: &ast::Block, expected: Option<&Ty>) -> TBlock {
        self.push_scope();
        let mut stmts = Vec::new();
        let mut value = None;
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            match &s.kind {
                StmtKind::Expr { expr, semi: false } if i + 1 == n => {
                    let te = self.check_expr(expr, expected);
                    let drop_it = expected.is_some_and(|t| self.resolve(t).is_void())
                        && !self.resolve(&te.ty).is_void()
                        && !self.resolve(&te.ty).is_never();
                    if drop_it {
                        self.warn_unused_result(&te);
                        stmts.push(TStmt::Expr(te));
                    } else {
                        value = Some(Box::new(te));
                    }
                }
                _ => {
                    let ts = self.check_stmt(s);
                    stmts.push(ts);
                }
            }
        }
        self.pop_scope();
        TBlock {
            stmts,
            value,
            span: b.span,
        }
    }

    /// The type of a checked block: its value's, else `never` when a statement diverges.
    pub fn block_type(&self, b: &TBlock) -> Ty {
        if let Some(v) = &b.value {
            return v.ty.clone();
        }
        let diverges = b.stmts.iter().any(|s| match s {
            TStmt::Expr(e) => self.resolve(&e.ty).is_never(),
            TStmt::Let { init, .. } => self.resolve(&init.ty).is_never(),
            TStmt::Assign { value, .. } => self.resolve(&value.ty).is_never(),
            _ => false,
        });
        if diverges {
            Ty::Never
        } else {
            Ty::Void
        }
    }

    pub fn check_stmt(&mut self, s: &ast::Stmt) -> TStmt {
        match &s.kind {
            StmtKind::Let {
                pat,
                ty,
                init,
                else_block,
            } => self.check_let(pat, ty.as_ref(), init, else_block.as_ref()),
            StmtKind::Var { name, ty, init } => self.check_var(name, ty.as_ref(), init),
            StmtKind::Assign { target, op, value } => self.check_assign(target, *op, value, s.span),
            StmtKind::Expr { expr, .. } => {
                let te = self.check_expr(expr, None);
                self.warn_unused_result(&te);
                TStmt::Expr(te)
            }
            StmtKind::Defer(inner) => TStmt::Defer(self.check_deferred(inner)),
            StmtKind::Errdefer(inner) => TStmt::Errdefer(self.check_deferred(inner)),
        }
    }

    fn check_deferred(&mut self, inner: &ast::Stmt) -> TBlock {
        let loops = self.frame().loops.len();
        let outer = self.frame().defer_loops.replace(loops);
        self.push_scope();
        let ts = self.check_stmt(inner);
        self.pop_scope();
        self.frame().defer_loops = outer;
        TBlock {
            stmts: vec![ts],
            value: None,
            span: inner.span,
        }
    }

    /// E0009 when `what` (`return`, `?`, `break`, `continue`) would jump out of a
    /// deferred statement; `loop_jump` for `break`/`continue`, which may stay inside a loop
    /// of the deferred statement itself.
    pub(super) fn check_defer_exit(&mut self, what: &str, loop_jump: bool, span: Span) {
        let frame = self.frame();
        let Some(at) = frame.defer_loops else { return };
        if loop_jump && frame.loops.len() > at {
            return;
        }
        self.push(
            Diagnostic::error(
                diag::E0009,
                span,
                format!("`{what}` cannot leave a `defer` or `errdefer` statement"),
            )
            .with_note("deferred statements run while their block is being left"),
        );
    }

    /// W0101 for a dropped `Result`.
    pub(super) fn warn_unused_result(&mut self, te: &TExpr) {
        let t = self.resolve(&te.ty);
        if self.g.defs.lang.as_result(&t).is_some() {
            self.push(
                Diagnostic::warning(diag::W0101, te.span, "unused `Result` that must be used")
                    .with_primary_label("this may be an error")
                    .with_help(
                        "handle it with `!`, `?` or `match`, or discard it with `let _ = ...`",
                    ),
            );
        }
    }

    fn check_let(
        &mut self,
        pat: &ast::Pattern,
        ty: Option<&ast::Type>,
        init: &ast::Expr,
        else_block: Option<&ast::Block>,
    ) -> TStmt {
        let declared = ty.map(|t| self.lower_type(t));
        let te = self.check_annotated(init, declared.as_ref().zip(ty));
        let init_ty = declared.clone().unwrap_or_else(|| te.ty.clone());
        if let (None, ast::PatternKind::Bind(name)) = (&declared, &pat.kind) {
            // In a generic instance the `void` may come from a type argument (`let r = f()`
            // with `f: () => T`), which is fine.
            if self.resolve(&init_ty).is_void() && self.type_args.is_empty() && !self.lenient {
                let d = Diagnostic::error(
                    diag::E0223,
                    init.span,
                    format!("`{}` would be bound to a value of type `void`", name.name),
                )
                .with_primary_label("this expression produces no value");
                let d = if matches!(
                    &init.kind,
                    ExprKind::If {
                        else_branch: None,
                        ..
                    }
                ) {
                    d.with_note("an `if` without `else` has no value")
                        .with_help(
                            "add an `else` branch so that the `if` has a value in every case",
                        )
                } else {
                    d.with_help("call it as a statement on its own line, without `let`")
                };
                self.push(d);
            }
        }
        let else_tb = else_block.map(|b| {
            let tb = self.check_block(b, Some(&Ty::Void));
            if !self.block_type(&tb).is_never() {
                self.push(
                    Diagnostic::error(
                        diag::E0209,
                        b.span,
                        "the `else` block of `let ... else` must not finish normally",
                    )
                    .with_help("end it with `return`, `break`, `continue` or a panic"),
                );
            }
            tb
        });
        let p = self.check_pattern(pat, &init_ty, LocalKind::Let);
        if else_tb.is_none() && self.is_refutable(&p) {
            self.push(
                Diagnostic::error(
                    diag::E0219,
                    pat.span,
                    "refutable pattern in `let`: some values do not match it",
                )
                .with_help("use `let ... else { return }` or `if let`"),
            );
        }
        if let TPatternKind::Bind(id) = p.kind {
            if let Some(facts) = self.closure_facts_of(&te) {
                self.closure_facts.insert(id, facts);
            }
            if let Some(t) = ty {
                self.local_annotations.insert(id, t.span);
            }
        }
        TStmt::Let {
            pat: p,
            init: te,
            else_block: else_tb,
        }
    }

    /// Checks the initializer of a `let` or `var`, against its type annotation when it has
    /// one (remembered as [`FnCx::annotation`] while the initializer is checked).
    fn check_annotated(&mut self, init: &ast::Expr, declared: Option<(&Ty, &ast::Type)>) -> TExpr {
        let Some((d, written)) = declared else {
            return self.check_expr(init, None);
        };
        let outer = self.annotation.replace((d.clone(), written.span));
        let te = self.check_coerce(init, d);
        self.annotation = outer;
        te
    }

    fn check_var(&mut self, name: &ast::Ident, ty: Option<&ast::Type>, init: &ast::Expr) -> TStmt {
        let declared = ty.map(|t| self.lower_type(t));
        let te = self.check_annotated(init, declared.as_ref().zip(ty));
        let annotation = ty.map(|t| t.span);
        let ty = declared.unwrap_or_else(|| te.ty.clone());
        let id = self.declare_local(&name.name, ty.clone(), LocalKind::Var, name.span);
        if let Some(span) = annotation {
            self.local_annotations.insert(id, span);
        }
        if let Some(facts) = self.closure_facts_of(&te) {
            self.closure_facts.insert(id, facts);
        }
        TStmt::Let {
            pat: TPattern {
                kind: TPatternKind::Bind(id),
                ty,
                span: name.span,
            },
            init: te,
            else_block: None,
        }
    }

    fn check_assign(
        &mut self,
        target: &ast::Expr,
        op: Option<ast::BinOp>,
        value: &ast::Expr,
        span: Span,
    ) -> TStmt {
        let place = self.check_expr(target, None);
        self.require_mutable_place(&place, "assign to");
        let pty = place.ty.clone();
        let v = match op {
            None => {
                let v = self.check_coerce(value, &pty);
                match &place.kind {
                    TExprKind::Local(id) => {
                        if let Some(f) = self.closure_facts_of(&v) {
                            self.closure_facts.insert(*id, f);
                        }
                    }
                    _ => self.check_escape(&v, "be stored here"),
                }
                v
            }
            Some(op) => self.check_compound(op, &place, value, span),
        };
        TStmt::Assign {
            place,
            op,
            value: v,
        }
    }

    /// The right side of `place op= value`.
    fn check_compound(
        &mut self,
        op: ast::BinOp,
        place: &TExpr,
        value: &ast::Expr,
        span: Span,
    ) -> TExpr {
        let pty = self.resolve(&place.ty);
        let shift = matches!(op, ast::BinOp::Shl | ast::BinOp::Shr);
        let v = if shift {
            self.check_expr(value, None)
        } else {
            self.check_coerce(value, &pty)
        };
        // The value may have fixed a literal's type: `var n = 0; n += x` with `x: i64`.
        let pty = self.resolve(&pty);
        let kind = self.var_kind(&pty);
        let ok = match (&pty, op) {
            (Ty::Int(_), _) => true,
            (
                Ty::Float(_),
                ast::BinOp::Add
                | ast::BinOp::Sub
                | ast::BinOp::Mul
                | ast::BinOp::Div
                | ast::BinOp::Rem,
            ) => true,
            (Ty::Str, ast::BinOp::Add) => true,
            (Ty::Bool, ast::BinOp::BitAnd | ast::BinOp::BitOr | ast::BinOp::BitXor) => true,
            (Ty::Infer(_), _) => kind.is_some_and(|k| k != VarKind::General),
            (t, _) => t.has_error() || self.is_opaque(t),
        };
        if !ok {
            let shown = self.show(&pty);
            self.error(
                diag::E0202,
                span,
                format!(
                    "cannot apply `{}=` to a value of type `{shown}`",
                    op.as_str()
                ),
            );
        }
        v
    }

    /// Reports unless `te` is a place that may be modified: a `var`, a `&mut` parameter,
    /// `mut self`, or a field / element of one. `action` words the message ("assign to").
    pub fn require_mutable_place(&mut self, te: &TExpr, action: &str) {
        let code = if action == "assign to" {
            diag::E0210
        } else {
            diag::E0211
        };
        match &te.kind {
            TExprKind::Local(id) => self.require_mutable_local(*id, te.span, action, code),
            TExprKind::Field { base, .. } => self.require_mutable_place(base, action),
            TExprKind::Index { base, kind, .. } => match kind {
                IndexKind::Vec | IndexKind::Array => self.require_mutable_place(base, action),
                IndexKind::Ptr => {}
                IndexKind::Str => self.push(
                    Diagnostic::error(
                        code,
                        te.span,
                        format!("cannot {action} a byte of a string: strings are immutable"),
                    )
                    .with_help("build a new string, e.g. with `+` or `slice`"),
                ),
            },
            TExprKind::Deref(inner) => {
                if matches!(self.resolve(&inner.ty), Ty::Box(_)) {
                    self.require_mutable_place(inner, action);
                }
            }
            TExprKind::Const(c) => {
                let name = self.g.defs.consts[c.0 as usize].name.clone();
                self.error(
                    code,
                    te.span,
                    format!("cannot {action} the constant `{name}`"),
                );
            }
            TExprKind::Error => {}
            _ if te.ty.has_error() => {}
            _ => self.push(
                Diagnostic::error(
                    diag::E0216,
                    te.span,
                    format!("cannot {action} this expression"),
                )
                .with_note("only variables, fields and elements can be modified"),
            ),
        }
    }

    fn require_mutable_local(
        &mut self,
        id: LocalId,
        span: Span,
        action: &str,
        code: crate::diagnostics::Code,
    ) {
        let local = self.local(id).clone();
        if local.is_mutable() {
            self.note_write(id, span);
            if self.move_closure_capturing(id) {
                self.push(
                    Diagnostic::error(
                        diag::E0302,
                        span,
                        format!("cannot {action} captured variable `{}` inside a move closure", local.name),
                    )
                    .with_label(local.span, "declared here")
                    .with_note(format!("a move closure works on its own copy of `{}`, taken when the closure was created", local.name))
                    .with_help("share mutable state through an atomic, a mutex or a channel (std/sync)"),
                );
            }
            return;
        }
        let d = Diagnostic::error(
            code,
            span,
            format!("cannot {action} `{}`: it is immutable", local.name),
        );
        let d = match local.kind {
            LocalKind::Let => d
                .with_label(local.span, "declared with `let`")
                .with_help(format!(
                    "declare it with `var {}` to make it mutable",
                    local.name
                )),
            LocalKind::Param(_) => d
                .with_label(local.span, "a parameter")
                .with_note("parameters are immutable copies")
                .with_help("copy it into a `var`, or declare the parameter `&mut`"),
            LocalKind::SelfParam { .. } => d.with_help("declare the method with `mut self`"),
            _ => d.with_label(local.span, "bound by a pattern"),
        };
        self.push(d);
    }

    pub fn check_for(
        &mut self,
        first: &ast::Pattern,
        second: Option<&ast::Pattern>,
        iter: &ast::Expr,
        body: &ast::Block,
        span: Span,
    ) -> TExpr {
        let (iter_te, kind, first_ty, second_ty) = self.for_iterable(iter, second.is_some());
        self.push_scope();
        let (index, pat) = match (second, second_ty) {
            (Some(sp), Some(st)) => {
                let i = self.check_pattern(first, &first_ty, LocalKind::Binding);
                let p = self.check_pattern(sp, &st, LocalKind::Binding);
                (Some(i), p)
            }
            (Some(sp), None) => {
                // Reported by `for_iterable`; bind the names so their uses are not errors.
                let p = self.check_pattern(first, &first_ty, LocalKind::Binding);
                self.check_pattern(sp, &Ty::Error, LocalKind::Binding);
                (None, p)
            }
            _ => (
                None,
                self.check_pattern(first, &first_ty, LocalKind::Binding),
            ),
        };
        for p in index.iter().chain([&pat]) {
            if self.is_refutable(p) {
                self.error(diag::E0219, p.span, "refutable pattern in `for`");
            }
        }
        let (body, _) = self.loop_body(body);
        self.pop_scope();
        TExpr {
            kind: TExprKind::For {
                kind,
                index,
                pat,
                iter: Box::new(iter_te),
                body,
            },
            ty: Ty::Void,
            span,
        }
    }

    /// The iterable of a `for`: its checked expression, kind, and the types bound by the
    /// first and (for `for a, b in ...`) second pattern.
    pub(super) fn for_iterable(
        &mut self,
        iter: &ast::Expr,
        two: bool,
    ) -> (TExpr, ForKind, Ty, Option<Ty>) {
        if let ExprKind::Range {
            start,
            end,
            inclusive,
        } = &iter.kind
        {
            let s = self.check_expr(start, None);
            let sty = s.ty.clone();
            let e = self.check_coerce(end, &sty);
            let t = self.resolve(&sty);
            if !t.is_int()
                && self.var_kind(&t) != Some(VarKind::Int)
                && !t.has_error()
                && !self.is_opaque(&t)
            {
                let shown = self.show(&t);
                self.error(
                    diag::E0217,
                    iter.span,
                    format!("ranges iterate integers, not `{shown}`"),
                );
            }
            if two {
                self.error(
                    diag::E0217,
                    iter.span,
                    "a range yields one value per step: write `for i in a..b`",
                );
            }
            let te = TExpr {
                kind: TExprKind::Range {
                    start: Box::new(s),
                    end: Box::new(e),
                    inclusive: *inclusive,
                },
                ty: sty.clone(),
                span: iter.span,
            };
            return (
                te,
                ForKind::Range {
                    inclusive: *inclusive,
                },
                sty,
                None,
            );
        }
        let te = self.check_expr(iter, None);
        let t = self.resolve(&te.ty);
        let idx = Ty::Int(IntTy::I64);
        match &t {
            Ty::Vec(e) | Ty::Array(e, _) => {
                let kind = if matches!(t, Ty::Vec(_)) {
                    ForKind::Vec
                } else {
                    ForKind::Array
                };
                if two {
                    (te, kind, idx, Some((**e).clone()))
                } else {
                    (te, kind, (**e).clone(), None)
                }
            }
            Ty::Map(k, v) => {
                if two {
                    (te, ForKind::Map, (**k).clone(), Some((**v).clone()))
                } else {
                    let pair = Ty::Tuple(vec![(**k).clone(), (**v).clone()]);
                    (te, ForKind::Map, pair, None)
                }
            }
            _ => self.for_next(te, two),
        }
    }

    /// Iteration through a `next(): T?` method.
    fn for_next(&mut self, te: TExpr, two: bool) -> (TExpr, ForKind, Ty, Option<Ty>) {
        let t = self.resolve(&te.ty);
        let fallback =
            |_: &mut Self, te: TExpr| (te, ForKind::Vec, Ty::Error, two.then_some(Ty::Error));
        if t.has_error() || self.is_opaque(&t) {
            return fallback(self, te);
        }
        let next = self.find_method(&t, "next");
        let elem = next.and_then(|f| {
            let def = self.g.defs.func(f).clone();
            let targs = self.instantiate_generics(&def, &[], te.span);
            if let Some(st) = &def.self_ty {
                self.unify(&st.subst(&targs), &t);
            }
            let ret = self.resolve(&def.ret.subst(&targs));
            let inner = self.g.defs.lang.as_option(&ret).cloned();
            (def.receiver.is_some() && def.params.is_empty())
                .then_some(())
                .and(inner)
                .map(|e| {
                    (
                        FnRef {
                            fn_id: f,
                            type_args: targs,
                        },
                        e,
                    )
                })
        });
        let Some((fref, e)) = elem else {
            let shown = self.show(&t);
            let mut d = Diagnostic::error(diag::E0217, te.span, format!("`{shown}` is not iterable"))
                .with_note("`for` iterates ranges, Vec, arrays, HashMap, and values with a `next(): T?` method");
            if t == Ty::Str {
                d = d.with_help(
                    "iterate its bytes with `s.bytes()` or its pieces with `s.split(sep)`",
                );
            }
            self.push(d);
            return fallback(self, te);
        };
        if two {
            self.error(
                diag::E0217,
                te.span,
                "this iterator yields one value per step: write `for x in ...`",
            );
        }
        (te, ForKind::Next(fref), e, None)
    }
}
