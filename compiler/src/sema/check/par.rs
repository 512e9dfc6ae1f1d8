//! Structured concurrency: `par` blocks, `par for` loops, `concurrent` blocks with
//! `spawn`, and their `try` forms (docs/reference.md section 6.6).
//!
//! Each `par` branch and the body of a `par for` is checked as the body of a local closure
//! that captures the enclosing variables (a `var` by reference): HIR lowering runs it as a
//! child task of the block's scope, which waits for every child before the block ends, so
//! the references never outlive the variables. Races are ruled out here:
//! - E0303: a variable one branch writes may not be read or written by another branch; the
//!   body of a `par for` may not write an enclosing variable at all (its iterations run
//!   concurrently with each other);
//! - E0306: a variable that concurrently running branches (or iterations) share by
//!   reference must be Sync.
//!
//! `spawn f(x)` evaluates `f` and its arguments where it stands and runs the call as a
//! child task; `spawn { block }` runs the block as a `move` closure. Both are children of
//! the innermost `concurrent` block of the same function body, and evaluate to a
//! `TaskHandle<T>`.

use super::fncx::{FnCx, Frame, ParAccess};
use crate::common::ty::{FnTy, PassMode, Ty};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, StmtKind};

/// One concurrently running body (a `par` branch or a `par for` body) being checked.
struct Branch {
    closure: TClosure,
    access: ParAccess,
    span: Span,
}

impl FnCx<'_, '_> {
    /// `par { s1; s2; ... }`: each statement is a branch. `try_scope`: the `try par` form.
    pub fn check_par(&mut self, block: &ast::Block, try_scope: bool, span: Span) -> TExpr {
        let branches: Vec<Branch> = block
            .stmts
            .iter()
            .map(|s| {
                let stmt = std::slice::from_ref(s);
                self.check_branch(&[], |cx| cx.check_branch_stmts(stmt), s.span)
            })
            .collect();
        self.check_races(&branches, false);
        let kind = TExprKind::Par {
            branches: branches.into_iter().map(|b| b.closure).collect(),
            try_scope,
        };
        self.scope_expr(kind, try_scope, span)
    }

    /// `par for pat in iter { body }` over an integer range or a `Vec`.
    pub fn check_par_for(
        &mut self,
        pat: &ast::Pattern,
        iter: &ast::Expr,
        body: &ast::Block,
        try_scope: bool,
        span: Span,
    ) -> TExpr {
        let (iter_te, kind, elem_ty, _) = self.for_iterable(iter, false);
        let range_ty = match (&kind, &iter_te.kind) {
            (ForKind::Range { .. }, _) => Some(self.resolve(&elem_ty)),
            (ForKind::Vec, _) => None,
            _ => {
                if !iter_te.ty.has_error() {
                    let shown = self.show(&iter_te.ty);
                    self.error(
                        diag::E0217,
                        iter.span,
                        format!("`par for` iterates an integer range or a `Vec`, not `{shown}`"),
                    );
                }
                return self.error_expr(span);
            }
        };
        // The iterable is evaluated once, before the iterations start; a Vec is kept in a
        // local the body reaches by copy.
        let mut prelude = Vec::new();
        let (lo, hi, vec_local) = match (range_ty.clone(), iter_te.kind) {
            (
                Some(int_ty),
                TExprKind::Range {
                    start,
                    end,
                    inclusive,
                },
            ) => {
                let lo = self.as_i64(*start, &int_ty);
                let mut hi = self.as_i64(*end, &int_ty);
                if inclusive {
                    hi = self.plus_one(hi);
                }
                (lo, hi, None)
            }
            (_, vec_kind) => {
                let vec_ty = iter_te.ty.clone();
                let vec = TExpr {
                    kind: vec_kind,
                    ty: vec_ty.clone(),
                    span: iter.span,
                };
                // Named uniquely: several `par for` loops may share a scope.
                let name = format!("$par_vec{}", self.locals.len());
                let v = self.declare_local(&name, vec_ty.clone(), LocalKind::Let, iter.span);
                prelude.push(TStmt::Let {
                    pat: TPattern::bind(v, vec_ty.clone(), iter.span),
                    init: vec,
                    else_block: None,
                });
                let lo = int_lit(0, iter.span);
                let hi = self.vec_len_of(v, &vec_ty, iter.span);
                (lo, hi, Some((v, vec_ty)))
            }
        };
        let lo_p = ("$par_lo", Ty::Int(crate::common::ty::IntTy::I64));
        let hi_p = ("$par_hi", Ty::Int(crate::common::ty::IntTy::I64));
        let branch = self.check_branch(
            &[lo_p, hi_p],
            |cx| {
                cx.range_body(
                    pat,
                    body,
                    range_ty.as_ref(),
                    vec_local.as_ref(),
                    &elem_ty,
                    span,
                )
            },
            body.span,
        );
        self.check_races(std::slice::from_ref(&branch), true);
        let par_for = TExpr {
            kind: TExprKind::ParFor {
                lo: Box::new(lo),
                hi: Box::new(hi),
                body: Box::new(branch.closure),
                try_scope,
            },
            ty: Ty::Void,
            span,
        };
        let value = self.scope_expr(par_for.kind, try_scope, span);
        TExpr {
            ty: value.ty.clone(),
            kind: TExprKind::Block(TBlock {
                stmts: prelude,
                value: Some(Box::new(value)),
                span,
            }),
            span,
        }
    }

    /// `concurrent [timeout(ms)] { body }`.
    pub fn check_concurrent(
        &mut self,
        timeout: Option<&ast::Expr>,
        body: &ast::Block,
        try_scope: bool,
        span: Span,
    ) -> TExpr {
        let i64t = Ty::Int(crate::common::ty::IntTy::I64);
        let timeout = timeout.map(|t| Box::new(self.check_coerce(t, &i64t)));
        self.concurrent.push(self.frames.len());
        let body = self.check_block(body, Some(&Ty::Void));
        self.concurrent.pop();
        let kind = TExprKind::Concurrent {
            timeout,
            body,
            try_scope,
        };
        self.scope_expr(kind, try_scope, span)
    }

    /// `try par { }` / `try concurrent { }`: `Result<void, TaskError>`.
    pub fn check_try_scope(&mut self, inner: &ast::Expr, span: Span) -> TExpr {
        match &inner.kind {
            ExprKind::Par(b) => self.check_par(b, true, span),
            ExprKind::ParFor { pat, iter, body } => self.check_par_for(pat, iter, body, true, span),
            ExprKind::Concurrent { timeout, body } => {
                self.check_concurrent(timeout.as_deref(), body, true, span)
            }
            _ => {
                self.error(
                    diag::E0009,
                    span,
                    "`try` stands before a `par` or `concurrent` block",
                );
                self.error_expr(span)
            }
        }
    }

    /// `spawn f(x)` / `spawn { block }`: a child of the innermost `concurrent` block.
    pub fn check_spawn(&mut self, what: &ast::Expr, span: Span) -> TExpr {
        if self.concurrent.last() != Some(&self.frames.len()) {
            self.push(
                Diagnostic::error(
                    diag::E0305,
                    span,
                    "`spawn` is only valid inside a `concurrent` block",
                )
                .with_help("use `Task.spawn(() => ...)` or a `Promise` from std/runtime"),
            );
            return self.error_expr(span);
        }
        let closure = self.spawned_closure(what);
        let te = self.check_expr(&closure, None);
        self.check_sendable_closure(&te, what.span);
        let ret = match self.resolve(&te.ty) {
            Ty::Fn(f) => f.ret.clone(),
            _ => Ty::Error,
        };
        let ty = self.g.defs.lang.task_handle_of(ret);
        TExpr {
            kind: TExprKind::Spawn(Box::new(te)),
            ty,
            span,
        }
    }

    /// The closure a `spawn` runs: `{ let $a0 = x; ...; move () => f($a0, ...) }` for a
    /// call (its callee's receiver and arguments evaluated here), `move () => { block }`
    /// for a block.
    fn spawned_closure(&self, what: &ast::Expr) -> ast::Expr {
        let span = what.span;
        let mut lets = Vec::new();
        let mut temp = |e: &ast::Expr| -> ast::Expr {
            let name = format!("$spawn_arg{}", lets.len());
            let id = ast::Ident {
                name: name.clone(),
                span: e.span,
            };
            lets.push(ast::Stmt {
                kind: StmtKind::Let {
                    pat: ast::Pattern {
                        kind: ast::PatternKind::Bind(id.clone()),
                        span: e.span,
                    },
                    ty: None,
                    init: e.clone(),
                    else_block: None,
                },
                span: e.span,
            });
            ast::Expr {
                kind: ExprKind::Name(id),
                span: e.span,
            }
        };
        let body = match &what.kind {
            ExprKind::Call { callee, args } => {
                let args = args.iter().map(&mut temp).collect();
                ast::Expr {
                    kind: ExprKind::Call {
                        callee: callee.clone(),
                        args,
                    },
                    span,
                }
            }
            ExprKind::MethodCall {
                receiver,
                method,
                type_args,
                args,
            } => {
                let receiver = Box::new(temp(receiver));
                let args = args.iter().map(&mut temp).collect();
                ast::Expr {
                    kind: ExprKind::MethodCall {
                        receiver,
                        method: method.clone(),
                        type_args: type_args.clone(),
                        args,
                    },
                    span,
                }
            }
            _ => what.clone(),
        };
        let closure = ast::Expr {
            kind: ExprKind::Closure(Box::new(ast::Closure {
                is_move: true,
                params: Vec::new(),
                ret: None,
                body,
            })),
            span,
        };
        lets.push(ast::Stmt {
            kind: StmtKind::Expr {
                expr: closure,
                semi: false,
            },
            span,
        });
        ast::Expr {
            kind: ExprKind::Block(ast::Block { stmts: lets, span }),
            span,
        }
    }

    /// Checks a concurrently running body as a local closure with `params` (synthetic
    /// `i64` parameters) returning void; `check` checks the body inside it.
    fn check_branch(
        &mut self,
        params: &[(&str, Ty)],
        check: impl FnOnce(&mut Self) -> TExpr,
        span: Span,
    ) -> Branch {
        let scope_base = self.scope_depth();
        self.frames.push(Frame {
            ret: Ty::Void,
            is_closure: true,
            is_move: false,
            scope_base,
            captures: Vec::new(),
            loops: Vec::new(),
            returns: false,
            defer_loops: None,
            par: Some(ParAccess::default()),
        });
        self.push_scope();
        let params = params
            .iter()
            .map(|(name, ty)| {
                let id =
                    self.declare_local(name, ty.clone(), LocalKind::Param(PassMode::Value), span);
                (id, PassMode::Value)
            })
            .collect::<Vec<_>>();
        let body = check(self);
        self.pop_scope();
        let frame = self.frames.pop().expect("branch frame");
        Branch {
            closure: TClosure {
                params,
                ret: Ty::Void,
                body,
                captures: frame.captures,
                is_move: false,
            },
            access: frame.par.unwrap_or_default(),
            span,
        }
    }

    /// A `par` branch's statements as a block of type void.
    fn check_branch_stmts(&mut self, stmts: &[ast::Stmt]) -> TExpr {
        let span = stmts.first().map_or(Span::default(), |s| s.span);
        let block = ast::Block {
            stmts: stmts.to_vec(),
            span,
        };
        let tb = self.check_block(&block, Some(&Ty::Void));
        TExpr {
            kind: TExprKind::Block(tb),
            ty: Ty::Void,
            span,
        }
    }

    /// The body of a `par for` chunk: `for pat in $par_lo..$par_hi { body }`, with the
    /// index converted to the range's type, or `let pat = $par_vec[$i]` for a Vec.
    fn range_body(
        &mut self,
        pat: &ast::Pattern,
        body: &ast::Block,
        range_ty: Option<&Ty>,
        vec: Option<&(LocalId, Ty)>,
        elem_ty: &Ty,
        span: Span,
    ) -> TExpr {
        let i64t = Ty::Int(crate::common::ty::IntTy::I64);
        let lo = self.lookup_param("$par_lo", span);
        let hi = self.lookup_param("$par_hi", span);
        self.push_scope();
        let index = self.declare_local("$par_i", i64t.clone(), LocalKind::Binding, span);
        let index_expr = local_expr(index, &i64t, span);
        let value = match (range_ty, vec) {
            (Some(t), _) if *t != i64t => TExpr {
                kind: TExprKind::Cast(Box::new(index_expr)),
                ty: t.clone(),
                span,
            },
            (Some(_), _) => index_expr,
            (None, Some((v, vty))) => {
                let base = self.capture_expr(*v, vty, span);
                TExpr {
                    kind: TExprKind::Index {
                        base: Box::new(base),
                        index: Box::new(index_expr),
                        kind: crate::common::ops::IndexKind::Vec,
                    },
                    ty: elem_ty.clone(),
                    span,
                }
            }
            (None, None) => self.error_expr(span),
        };
        let tpat = self.check_pattern(pat, elem_ty, LocalKind::Binding);
        if self.is_refutable(&tpat) {
            self.error(diag::E0219, tpat.span, "refutable pattern in `par for`");
        }
        let (user_body, _) = self.loop_body(body);
        self.pop_scope();
        let inner = TBlock {
            stmts: vec![TStmt::Let {
                pat: tpat,
                init: value,
                else_block: None,
            }],
            value: Some(Box::new(TExpr {
                kind: TExprKind::Block(user_body),
                ty: Ty::Void,
                span,
            })),
            span,
        };
        TExpr {
            kind: TExprKind::For {
                kind: ForKind::Range { inclusive: false },
                index: None,
                pat: TPattern::bind(index, i64t.clone(), span),
                iter: Box::new(TExpr {
                    kind: TExprKind::Range {
                        start: Box::new(local_expr(lo, &i64t, span)),
                        end: Box::new(local_expr(hi, &i64t, span)),
                        inclusive: false,
                    },
                    ty: i64t.clone(),
                    span,
                }),
                body: inner,
            },
            ty: Ty::Void,
            span,
        }
    }

    /// A synthetic local of the current branch by name.
    fn lookup_param(&mut self, name: &str, span: Span) -> LocalId {
        self.lookup_local(name, span)
            .expect("synthetic parameters are declared by check_branch")
    }

    /// A read of the enclosing local `v` from inside the branch (recorded as a capture).
    fn capture_expr(&mut self, v: LocalId, ty: &Ty, span: Span) -> TExpr {
        let name = self.local(v).name.clone();
        let id = self.lookup_local(&name, span).unwrap_or(v);
        local_expr(id, ty, span)
    }

    /// `e as i64` for a range bound of integer type `t`.
    fn as_i64(&mut self, e: TExpr, t: &Ty) -> TExpr {
        let i64t = Ty::Int(crate::common::ty::IntTy::I64);
        if *t == i64t || t.has_error() {
            return e;
        }
        let span = e.span;
        TExpr {
            kind: TExprKind::Cast(Box::new(e)),
            ty: i64t,
            span,
        }
    }

    /// `e + 1` on `i64` (the end of an inclusive range).
    fn plus_one(&mut self, e: TExpr) -> TExpr {
        let span = e.span;
        TExpr {
            kind: TExprKind::Binary {
                op: crate::common::ops::BinOp::Add,
                lhs: Box::new(e),
                rhs: Box::new(int_lit(1, span)),
            },
            ty: Ty::Int(crate::common::ty::IntTy::I64),
            span,
        }
    }

    /// `v.len()` of the Vec local `v`.
    fn vec_len_of(&mut self, v: LocalId, vec_ty: &Ty, span: Span) -> TExpr {
        let len = self.vec_len_fn();
        TExpr {
            kind: TExprKind::Call {
                callee: Callee::Fn(len.with_type_args(match vec_ty {
                    Ty::Vec(e) => vec![(**e).clone()],
                    _ => vec![Ty::Error],
                })),
                args: vec![TArg {
                    expr: local_expr(v, vec_ty, span),
                    mode: PassMode::Ref,
                }],
            },
            ty: Ty::Int(crate::common::ty::IntTy::I64),
            span,
        }
    }

    /// `Vec.len` of std's prelude.
    fn vec_len_fn(&self) -> FnRef {
        let key = (
            crate::sema::defs::TypeHead::Builtin(crate::sema::defs::BuiltinTy::Vec),
            "len".to_string(),
        );
        let fn_id = self
            .g
            .defs
            .methods
            .get(&key)
            .and_then(|fs| fs.first().copied());
        FnRef {
            fn_id: fn_id.expect("the prelude declares Vec.len"),
            type_args: Vec::new(),
        }
    }

    /// The type of a scope block: void, or `Result<void, TaskError>` for the `try` form.
    fn scope_expr(&mut self, kind: TExprKind, try_scope: bool, span: Span) -> TExpr {
        let ty = if try_scope {
            let lang = &self.g.defs.lang;
            lang.result_of(Ty::Void, lang.task_error_ty())
        } else {
            Ty::Void
        };
        TExpr { kind, ty, span }
    }

    /// E0303 for conflicting accesses between branches (or, for a `par for` body, with
    /// itself), E0306 for variables shared by reference that are not Sync.
    /// Each variable is reported once, at its first racing write.
    fn check_races(&mut self, branches: &[Branch], iterations: bool) {
        let mut reported: Vec<LocalId> = Vec::new();
        for (i, b) in branches.iter().enumerate() {
            for &(local, wspan) in &b.access.writes {
                if reported.contains(&local) {
                    continue;
                }
                let other = if iterations {
                    Some((wspan, b.span))
                } else {
                    branches
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .find_map(|(_, o)| o.access.first_access(local).map(|s| (s, o.span)))
                };
                if let Some((other_span, _)) = other {
                    reported.push(local);
                    self.report_race(local, wspan, other_span, iterations);
                }
            }
        }
        self.check_shared_sync(branches, iterations);
    }

    fn report_race(&mut self, local: LocalId, write: Span, other: Span, iterations: bool) {
        let name = self.local(local).name.clone();
        let d = if iterations {
            Diagnostic::error(
                diag::E0303,
                write,
                format!("`par for` iterations run concurrently: this write to `{name}` races with the other iterations"),
            )
            .with_primary_label(format!("every iteration writes `{name}`"))
        } else {
            Diagnostic::error(
                diag::E0303,
                write,
                format!("`par` branches run concurrently: this write to `{name}` races with another branch"),
            )
            .with_primary_label(format!("this branch writes `{name}`"))
            .with_label(other, format!("another branch uses `{name}` here"))
        };
        self.push(d.with_help(format!(
            "share `{name}` through an `Atomic`, a `Mutex` or a `par struct` (std/sync), or give each branch its own variable"
        )));
    }

    /// E0306: a variable that runs concurrently in several places by reference must be
    /// Sync.
    fn check_shared_sync(&mut self, branches: &[Branch], iterations: bool) {
        let mut reported: Vec<LocalId> = Vec::new();
        for (i, b) in branches.iter().enumerate() {
            for &(local, span) in &b.access.reads {
                if reported.contains(&local) {
                    continue;
                }
                let shared = iterations
                    || branches
                        .iter()
                        .enumerate()
                        .any(|(j, o)| j != i && o.access.first_access(local).is_some());
                if !shared {
                    continue;
                }
                let ty = self.local(local).ty.clone();
                if let Some(why) = self.why_not_sync(local, &ty) {
                    reported.push(local);
                    let name = self.local(local).name.clone();
                    let shown = self.show(&ty);
                    self.push(
                        Diagnostic::error(
                            diag::E0306,
                            span,
                            format!("cannot share `{name}` of type `{shown}` between concurrently running branches: it is not Sync"),
                        )
                        .with_primary_label(format!("`{name}` is shared by reference here"))
                        .with_note(why)
                        .with_help("share it through a handle that synchronizes (`Mutex`, `Atomic`, a channel), or give each branch its own copy"),
                    );
                }
            }
        }
    }
}

/// An `i64` literal.
fn int_lit(v: u64, span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Int(v),
        ty: Ty::Int(crate::common::ty::IntTy::I64),
        span,
    }
}

fn local_expr(id: LocalId, ty: &Ty, span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Local(id),
        ty: ty.clone(),
        span,
    }
}

impl ParAccess {
    /// Where the branch first reads or writes `local`, if it does.
    fn first_access(&self, local: LocalId) -> Option<Span> {
        self.writes
            .iter()
            .chain(&self.reads)
            .find(|(l, _)| *l == local)
            .map(|(_, s)| *s)
    }
}

#[allow(dead_code)]
fn fn_ty(ret: Ty) -> Ty {
    Ty::Fn(Box::new(FnTy {
        params: Vec::new(),
        ret,
    }))
}
