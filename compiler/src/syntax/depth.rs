//! The nesting limit: a syntax tree deeper than [`MAX_DEPTH`] is E0010.
//!
//! Every later stage (name resolution, the checker, HIR lowering, code generation, LLVM)
//! recurses over the tree, so its depth decides how much stack a compilation needs. The
//! compiler runs on a thread whose stack covers every tree up to the limit
//! ([`crate::driver::COMPILER_STACK`]); past it, the file gets this diagnostic instead of a
//! crash. The depth counts expressions, patterns and types: each operand of an operator
//! chain (`1 + 1 + ...`, a left-leaning tree), each call of a method chain, each `else if`,
//! each nested block or closure is one level. Statements and blocks do not count on their
//! own (a block is one level as an expression).
//!
//! The walk stops descending at the limit, so it recurses at most [`MAX_DEPTH`] levels
//! itself, whatever the input; the parser before it grows its stack on demand (chumsky's
//! `recursive`) and folds operator and postfix chains in loops.

use crate::diagnostics::{Diagnostic, Diagnostics, E0010};
use crate::source::Span;
use crate::syntax::ast::*;

/// The deepest nesting of expressions, patterns and types a file may have.
pub const MAX_DEPTH: usize = 10_000;

/// Reports E0010 at the first node (in source order) that lies deeper than [`MAX_DEPTH`],
/// and replaces every such node with an error node (which later stages skip quietly).
pub fn check_depth(module: &mut Module, diags: &mut Diagnostics) {
    let mut walk = Walk { too_deep: None };
    for item in &mut module.items {
        walk.item(item, 0);
    }
    if let Some(span) = walk.too_deep {
        diags.push(
            Diagnostic::error(
                E0010,
                span,
                format!("this expression nests more than {MAX_DEPTH} levels deep"),
            )
            .with_primary_label("nested too deeply")
            .with_help("split it up: give intermediate results names with `let`"),
        );
    }
}

/// The walk: `d` is the number of expressions, patterns and types around a node.
struct Walk {
    /// The first node found past the limit.
    too_deep: Option<Span>,
}

/// Replaces a subtree past the limit with an error node, so that no later stage recurses
/// into it. The subtree is not dropped: dropping recurses as deep as the subtree goes.
fn cut<T>(node: &mut T, error: T) {
    std::mem::forget(std::mem::replace(node, error));
}

impl Walk {
    /// Is a node at depth `d` within the limit? Past it, the node's `kind` becomes `error`
    /// and the first such node is recorded.
    fn within<K>(&mut self, span: Span, kind: &mut K, error: K, d: usize) -> bool {
        if d < MAX_DEPTH {
            return true;
        }
        // The start of the node: its whole span may be most of a very long line.
        self.too_deep.get_or_insert(span.start_point());
        cut(kind, error);
        false
    }

    fn item(&mut self, item: &mut Item, d: usize) {
        for a in &mut item.annotations {
            self.exprs(&mut a.args, d);
        }
        match &mut item.kind {
            ItemKind::Fn(f) => self.func(f, d),
            ItemKind::Struct(s) => {
                for f in &mut s.fields {
                    self.ty(&mut f.ty, d);
                }
            }
            ItemKind::Enum(e) => {
                for v in &mut e.variants {
                    self.types(&mut v.fields, d);
                }
            }
            ItemKind::Impl(i) => {
                self.ty(&mut i.target, d);
                for item in &mut i.items {
                    self.item(item, d);
                }
            }
            ItemKind::Stmt(s) => self.stmt(s, d),
            ItemKind::Import(_) | ItemKind::Resource(_) => {}
        }
    }

    fn func(&mut self, f: &mut FnDecl, d: usize) {
        for g in &mut f.generics {
            if let Some(t) = &mut g.default {
                self.ty(t, d);
            }
        }
        self.params(&mut f.params, d);
        if let Some(t) = &mut f.ret {
            self.ty(t, d);
        }
        if let Some(b) = &mut f.body {
            self.block(b, d);
        }
    }

    fn params(&mut self, params: &mut [Param], d: usize) {
        for p in params {
            if let Some(t) = &mut p.ty {
                self.ty(t, d);
            }
            if let Some(e) = &mut p.default {
                self.expr(e, d);
            }
        }
    }

    fn block(&mut self, b: &mut Block, d: usize) {
        for s in &mut b.stmts {
            self.stmt(s, d);
        }
    }

    fn stmt(&mut self, s: &mut Stmt, d: usize) {
        match &mut s.kind {
            StmtKind::Let {
                pat,
                ty,
                init,
                else_block,
            } => {
                self.pat(pat, d);
                if let Some(t) = ty {
                    self.ty(t, d);
                }
                self.expr(init, d);
                if let Some(b) = else_block {
                    self.block(b, d);
                }
            }
            StmtKind::Var { ty, init, .. } => {
                if let Some(t) = ty {
                    self.ty(t, d);
                }
                self.expr(init, d);
            }
            StmtKind::Assign { target, value, .. } => {
                self.expr(target, d);
                self.expr(value, d);
            }
            StmtKind::Expr { expr, .. } => self.expr(expr, d),
            StmtKind::Defer(s) | StmtKind::Errdefer(s) => self.stmt(s, d),
        }
    }

    fn exprs(&mut self, es: &mut [Expr], d: usize) {
        for e in es {
            self.expr(e, d);
        }
    }

    fn expr(&mut self, e: &mut Expr, d: usize) {
        if !self.within(e.span, &mut e.kind, ExprKind::Error, d) {
            return;
        }
        let d = d + 1;
        match &mut e.kind {
            ExprKind::Int(..)
            | ExprKind::Float(..)
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::Byte(_)
            | ExprKind::Name(_)
            | ExprKind::Unit
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Return(None)
            | ExprKind::Error => {}
            ExprKind::Interp(parts) => {
                for p in parts {
                    if let InterpPart::Expr(e) = p {
                        self.expr(e, d);
                    }
                }
            }
            ExprKind::Generic { args, .. } => self.types(args, d),
            ExprKind::Tuple(es) | ExprKind::Array(es) => self.exprs(es, d),
            ExprKind::ArrayRepeat { value, count } => {
                self.expr(value, d);
                self.expr(count, d);
            }
            ExprKind::StructLit { args, fields, .. } => {
                self.types(args, d);
                for f in fields {
                    if let Some(v) = &mut f.value {
                        self.expr(v, d);
                    }
                }
            }
            ExprKind::Field { base, .. } => self.expr(base, d),
            ExprKind::MethodCall {
                receiver,
                type_args,
                args,
                ..
            } => {
                self.expr(receiver, d);
                self.types(type_args, d);
                self.exprs(args, d);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee, d);
                self.exprs(args, d);
            }
            ExprKind::Index { base, index } => {
                self.expr(base, d);
                self.expr(index, d);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, d);
                self.expr(rhs, d);
            }
            ExprKind::Range { start, end, .. } => {
                self.expr(start, d);
                self.expr(end, d);
            }
            ExprKind::Cast { expr, ty } => {
                self.expr(expr, d);
                self.ty(ty, d);
            }
            ExprKind::Unary { expr: inner, .. }
            | ExprKind::Unwrap(inner)
            | ExprKind::Try(inner)
            | ExprKind::Spawn(inner)
            | ExprKind::TryScope(inner)
            | ExprKind::Await(inner)
            | ExprKind::Yield(inner)
            | ExprKind::Return(Some(inner)) => self.expr(inner, d),
            ExprKind::Closure(c) => {
                self.params(&mut c.params, d);
                if let Some(t) = &mut c.ret {
                    self.ty(t, d);
                }
                self.expr(&mut c.body, d);
            }
            ExprKind::If {
                cond,
                then_block,
                else_branch,
            } => {
                self.cond(cond, d);
                self.block(then_block, d);
                if let Some(e) = else_branch {
                    self.expr(e, d);
                }
            }
            ExprKind::While { cond, body } => {
                self.cond(cond, d);
                self.block(body, d);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee, d);
                for arm in arms {
                    self.pat(&mut arm.pat, d);
                    if let Some(g) = &mut arm.guard {
                        self.expr(g, d);
                    }
                    self.expr(&mut arm.body, d);
                }
            }
            ExprKind::Block(b)
            | ExprKind::Unsafe(b)
            | ExprKind::Blocking(b)
            | ExprKind::Loop(b)
            | ExprKind::Par(b) => self.block(b, d),
            ExprKind::For {
                first,
                second,
                iter,
                body,
            } => {
                self.pat(first, d);
                if let Some(p) = second {
                    self.pat(p, d);
                }
                self.expr(iter, d);
                self.block(body, d);
            }
            ExprKind::ParFor { pat, iter, body } => {
                self.pat(pat, d);
                self.expr(iter, d);
                self.block(body, d);
            }
            ExprKind::Concurrent { timeout, body } => {
                if let Some(t) = timeout {
                    self.expr(t, d);
                }
                self.block(body, d);
            }
            ExprKind::Select(arms) => {
                for arm in arms {
                    match &mut arm.case {
                        SelectCase::Let(p, e) => {
                            self.pat(p, d);
                            self.expr(e, d);
                        }
                        SelectCase::Expr(e) | SelectCase::Timeout(e) => self.expr(e, d),
                        SelectCase::Default => {}
                    }
                    self.expr(&mut arm.body, d);
                }
            }
        }
    }

    fn cond(&mut self, c: &mut Cond, d: usize) {
        match c {
            Cond::Expr(e) => self.expr(e, d),
            Cond::Let(p, e) => {
                self.pat(p, d);
                self.expr(e, d);
            }
        }
    }

    fn pat(&mut self, p: &mut Pattern, d: usize) {
        if !self.within(p.span, &mut p.kind, PatternKind::Error, d) {
            return;
        }
        let d = d + 1;
        match &mut p.kind {
            PatternKind::Wild | PatternKind::Bind(_) | PatternKind::Error => {}
            PatternKind::Lit(e) => self.expr(e, d),
            PatternKind::Range { start, end, .. } => {
                self.expr(start, d);
                self.expr(end, d);
            }
            PatternKind::Tuple(ps) | PatternKind::Or(ps) => {
                for p in ps {
                    self.pat(p, d);
                }
            }
            PatternKind::Variant { args, .. } => {
                for p in args.iter_mut().flatten() {
                    self.pat(p, d);
                }
            }
            PatternKind::Struct { fields, .. } => {
                for p in fields.iter_mut().filter_map(|(_, p)| p.as_mut()) {
                    self.pat(p, d);
                }
            }
        }
    }

    fn types(&mut self, ts: &mut [Type], d: usize) {
        for t in ts {
            self.ty(t, d);
        }
    }

    fn ty(&mut self, t: &mut Type, d: usize) {
        if !self.within(t.span, &mut t.kind, TypeKind::Error, d) {
            return;
        }
        let d = d + 1;
        match &mut t.kind {
            TypeKind::Path { args, .. } => self.types(args, d),
            TypeKind::Option(inner) | TypeKind::Ptr(inner) | TypeKind::Ref { inner, .. } => {
                self.ty(inner, d)
            }
            TypeKind::Array(elem, len) => {
                self.ty(elem, d);
                self.expr(len, d);
            }
            TypeKind::Tuple(ts) => self.types(ts, d),
            TypeKind::Fn { params, ret } => {
                self.types(params, d);
                self.ty(ret, d);
            }
            TypeKind::Error => {}
        }
    }
}
