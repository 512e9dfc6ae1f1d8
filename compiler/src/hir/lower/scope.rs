//! Lowering of `par`, `par for`, `concurrent` and `spawn` (docs/architecture.md,
//! "Structured concurrency"): each block becomes a scope the runtime keeps,
//!
//! ```text
//! { let $scope = scope_open(timeout); defer scope_close($scope)
//!   <children started in $scope>
//!   scope_join($scope) }            // or scope_try_join: Result<void, TaskError>
//! ```
//!
//! The `defer` closes the scope on every way out of the block; after an early exit (a
//! panic, a `return` from a `concurrent` body) closing cancels and waits for the children
//! still running, so none outlives the variables it reaches by reference. A `par` branch
//! is a child running a local closure; a `par for` hands its range function to the
//! runtime, which cuts the iterations into chunks (the closure is bound before the scope
//! opens, so it outlives the scope's close); a `spawn` starts a child of the innermost
//! `concurrent` block.

use super::func::FnLower;
use crate::common::intrinsic::{Intrinsic, ScopeOp};
use crate::common::ty::{FnTy, IntTy, PassMode};
use crate::hir::*;
use crate::sema::tast::{self, TExpr};

pub(super) fn call(op: ScopeOp, type_args: Vec<Ty>, args: Vec<Expr>, ty: Ty, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Call {
            target: CallTarget::Intrinsic {
                op: Intrinsic::Scope(op),
                type_args,
            },
            args: args
                .into_iter()
                .map(|expr| Arg {
                    expr,
                    mode: PassMode::Value,
                })
                .collect(),
        },
        ty,
        span,
    }
}

pub(super) fn local(l: LocalId, ty: Ty, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Local(l),
        ty,
        span,
    }
}

pub(super) fn int(v: i64, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Int(v as u64),
        ty: Ty::Int(IntTy::I64),
        span,
    }
}

/// The type of a scope handle in HIR (a raw pointer: nothing to retain or release).
pub(super) fn scope_ty() -> Ty {
    Ty::Ptr(Box::new(Ty::Void))
}

/// The runtime's scope flag for `par` and `par for` blocks: their owner may run children no
/// worker has started yet itself when it waits (docs/runtime.md section 10).
const INLINE_CHILDREN: i64 = 2;

impl FnLower<'_, '_> {
    /// `par { }`: every branch a child of the block's scope (docs/runtime.md section 10):
    /// the others are forked first, as jobs idle workers can take meanwhile, then the last
    /// runs, inline on the owner where the runtime can; the wait takes back the jobs
    /// nobody took.
    pub(super) fn par(
        &mut self,
        branches: &[tast::TClosure],
        try_scope: bool,
        ty: &Ty,
        span: Span,
    ) -> Expr {
        let (s, mut stmts) = self.open_scope_with(None, INLINE_CHILDREN, span);
        for (i, b) in branches.iter().enumerate() {
            let clo = self.closure_expr(b, span);
            let args = vec![local(s, scope_ty(), span), clo];
            let op = if i + 1 == branches.len() {
                ScopeOp::RunInline
            } else {
                ScopeOp::Fork
            };
            stmts.push(Stmt::Expr(call(op, Vec::new(), args, Ty::Void, span)));
        }
        self.join_scope(s, stmts, try_scope, ty, span)
    }

    /// `par for`: the range function runs the chunks of `lo..hi` as children.
    pub(super) fn par_for(
        &mut self,
        lo: &TExpr,
        hi: &TExpr,
        body: &tast::TClosure,
        try_scope: bool,
        ty: &Ty,
        span: Span,
    ) -> Expr {
        let i64t = Ty::Int(IntTy::I64);
        let mut stmts = Vec::new();
        let mut bind = |this: &mut Self, name: &str, init: Expr| {
            let l = this.new_local(name, init.ty.clone(), false, span);
            stmts.push(this.let_local(l, init, span));
            l
        };
        let clo = self.closure_expr(body, span);
        let fn_ty = clo.ty.clone();
        let f = bind(self, "$par_body", clo);
        let lo = self.expr(lo);
        let lo = bind(self, "$par_lo", lo);
        let hi = self.expr(hi);
        let hi = bind(self, "$par_hi", hi);
        let (s, open) = self.open_scope_with(None, INLINE_CHILDREN, span);
        stmts.extend(open);
        let run = call(
            ScopeOp::ParFor,
            Vec::new(),
            vec![
                local(s, scope_ty(), span),
                local(lo, i64t.clone(), span),
                local(hi, i64t, span),
                local(f, fn_ty, span),
            ],
            Ty::Void,
            span,
        );
        stmts.push(Stmt::Expr(run));
        self.join_scope(s, stmts, try_scope, ty, span)
    }

    /// `concurrent [timeout(ms)] { body }`: the body's `spawn`s are the scope's children.
    pub(super) fn concurrent(
        &mut self,
        timeout: Option<&TExpr>,
        body: &tast::TBlock,
        try_scope: bool,
        ty: &Ty,
        span: Span,
    ) -> Expr {
        let timeout = timeout.map(|t| self.expr(t));
        let (s, mut stmts) = self.open_scope(timeout, span);
        self.scopes.push(s);
        let body = self.block(body);
        self.scopes.pop();
        stmts.push(Stmt::Expr(Expr {
            kind: ExprKind::Block(body),
            ty: Ty::Void,
            span,
        }));
        self.join_scope(s, stmts, try_scope, ty, span)
    }

    /// `spawn`: the closure runs as a child of the innermost `concurrent` block.
    pub(super) fn spawn(&mut self, closure: &TExpr, ty: &Ty, span: Span) -> Expr {
        let clo = self.expr(closure);
        let ret = match &clo.ty {
            Ty::Fn(f) => f.ret.clone(),
            _ => Ty::Error,
        };
        let s = *self
            .scopes
            .last()
            .expect("the checker allows spawn only inside concurrent");
        call(
            ScopeOp::Spawn,
            vec![ret],
            vec![local(s, scope_ty(), span), clo],
            ty.clone(),
            span,
        )
    }

    /// `let $scope = scope_open(timeout); defer scope_close($scope)`.
    fn open_scope(&mut self, timeout: Option<Expr>, span: Span) -> (LocalId, Vec<Stmt>) {
        self.open_scope_with(timeout, 0, span)
    }

    /// [`open_scope`](Self::open_scope) with the runtime's scope `flags` (1: a failing
    /// child does not cancel the others; 2: [`INLINE_CHILDREN`]; docs/runtime.md section 10).
    pub(super) fn open_scope_with(
        &mut self,
        timeout: Option<Expr>,
        flags: i64,
        span: Span,
    ) -> (LocalId, Vec<Stmt>) {
        let s = self.new_local("$scope", scope_ty(), false, span);
        let open = call(
            ScopeOp::Open,
            Vec::new(),
            vec![timeout.unwrap_or_else(|| int(-1, span)), int(flags, span)],
            scope_ty(),
            span,
        );
        let close = call(
            ScopeOp::Close,
            Vec::new(),
            vec![local(s, scope_ty(), span)],
            Ty::Void,
            span,
        );
        let stmts = vec![
            self.let_local(s, open, span),
            Stmt::Defer(Block {
                stmts: vec![Stmt::Expr(close)],
                value: None,
                span,
            }),
        ];
        (s, stmts)
    }

    /// The block ending with the scope's join (a re-raised failure, or the `try` form's
    /// `Result`).
    fn join_scope(
        &mut self,
        s: LocalId,
        stmts: Vec<Stmt>,
        try_scope: bool,
        ty: &Ty,
        span: Span,
    ) -> Expr {
        let op = if try_scope {
            ScopeOp::TryJoin
        } else {
            ScopeOp::Join
        };
        let join = call(
            op,
            Vec::new(),
            vec![local(s, scope_ty(), span)],
            ty.clone(),
            span,
        );
        Expr {
            kind: ExprKind::Block(Block {
                stmts,
                value: Some(Box::new(join)),
                span,
            }),
            ty: ty.clone(),
            span,
        }
    }

    /// The body of a `par` branch or `par for` as a closure value capturing in place (the
    /// block's scope waits for it before the variables go away).
    pub(super) fn closure_expr(&mut self, c: &tast::TClosure, span: Span) -> Expr {
        let ty = Ty::Fn(Box::new(FnTy {
            params: c
                .params
                .iter()
                .map(|(l, mode)| (*mode, self.local_ty(*l)))
                .collect(),
            ret: c.ret.clone(),
        }));
        Expr {
            kind: self.convert_closure(c, true, span),
            ty,
            span,
        }
    }
}
