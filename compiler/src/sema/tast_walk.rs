//! The direct children of typed-AST nodes, for analyses that walk whole bodies (effects,
//! free variables) and handle only the nodes they care about.

use super::tast::*;

/// A child of a node.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Expr(&'a TExpr),
    Stmt(&'a TStmt),
    Block(&'a TBlock),
    Pat(&'a TPattern),
    /// A closure literal, a `par` branch or a `par for` body (params are its locals).
    Closure(&'a TClosure),
}

/// The children of a `select` case: its channel and value or duration, then its pattern.
fn select_case_children<'a>(c: &'a TSelectCase, f: &mut dyn FnMut(Node<'a>)) {
    match c {
        TSelectCase::Recv { chan, bind } => {
            f(Node::Expr(chan));
            if let Some(p) = bind {
                f(Node::Pat(p));
            }
        }
        TSelectCase::Send { chan, value } => {
            f(Node::Expr(chan));
            f(Node::Expr(value));
        }
        TSelectCase::Timeout(ms) => f(Node::Expr(ms)),
        TSelectCase::Default => {}
    }
}

/// Calls `f` on each direct child of `e`, in evaluation order.
pub fn expr_children<'a>(e: &'a TExpr, f: &mut dyn FnMut(Node<'a>)) {
    use TExprKind as K;
    let mut ex = |x: &'a TExpr| f(Node::Expr(x));
    match &e.kind {
        K::Int(_)
        | K::Float(_)
        | K::Bool(_)
        | K::Str(_)
        | K::Unit
        | K::Local(_)
        | K::Const(_)
        | K::FnRef(_)
        | K::Break
        | K::Continue
        | K::Error => {}
        K::Call { callee, args } => {
            if let Callee::Value(v) = callee {
                ex(v);
            }
            for a in args {
                ex(&a.expr);
            }
        }
        K::Field { base, .. } => ex(base),
        K::Index { base, index, .. } => {
            ex(base);
            ex(index);
        }
        K::Unary { operand, .. } => ex(operand),
        K::Binary { lhs, rhs, .. } | K::Coalesce { lhs, rhs, .. } => {
            ex(lhs);
            ex(rhs);
        }
        K::Cast(x)
        | K::Coerce(_, x)
        | K::AddrOf(x)
        | K::Deref(x)
        | K::Spawn(x)
        | K::Yield(x)
        | K::Unwrap { expr: x, .. }
        | K::Try { expr: x, .. } => ex(x),
        K::Struct { fields, .. } | K::Variant { fields, .. } => fields.iter().for_each(ex),
        K::Tuple(xs) | K::Array(xs) | K::VecLit(xs) | K::Interp(xs) => xs.iter().for_each(ex),
        K::ArrayRepeat { value, .. } => ex(value),
        K::Range { start, end, .. } => {
            ex(start);
            ex(end);
        }
        K::Return(v) => {
            if let Some(v) = v {
                ex(v);
            }
        }
        K::Closure(c) => f(Node::Closure(c)),
        K::Select(arms) => {
            for arm in arms {
                select_case_children(&arm.case, f);
            }
            for arm in arms {
                f(Node::Expr(&arm.body));
            }
        }
        K::If {
            cond,
            then_block,
            else_branch,
        } => {
            f(Node::Expr(cond));
            f(Node::Block(then_block));
            if let Some(e) = else_branch {
                f(Node::Expr(e));
            }
        }
        K::IfLet {
            pat,
            scrutinee,
            then_block,
            else_branch,
        } => {
            f(Node::Expr(scrutinee));
            f(Node::Pat(pat));
            f(Node::Block(then_block));
            if let Some(e) = else_branch {
                f(Node::Expr(e));
            }
        }
        K::Match { scrutinee, arms } => {
            f(Node::Expr(scrutinee));
            for arm in arms {
                f(Node::Pat(&arm.pat));
                if let Some(g) = &arm.guard {
                    f(Node::Expr(g));
                }
                f(Node::Expr(&arm.body));
            }
        }
        K::Block(b) | K::Loop(b) => f(Node::Block(b)),
        K::While { cond, body } => {
            f(Node::Expr(cond));
            f(Node::Block(body));
        }
        K::WhileLet {
            pat,
            scrutinee,
            body,
        } => {
            f(Node::Expr(scrutinee));
            f(Node::Pat(pat));
            f(Node::Block(body));
        }
        K::For {
            index,
            pat,
            iter,
            body,
            ..
        } => {
            f(Node::Expr(iter));
            if let Some(i) = index {
                f(Node::Pat(i));
            }
            f(Node::Pat(pat));
            f(Node::Block(body));
        }
        K::Par { branches, .. } => branches.iter().for_each(|b| f(Node::Closure(b))),
        K::ParFor { lo, hi, body, .. } => {
            f(Node::Expr(lo));
            f(Node::Expr(hi));
            f(Node::Closure(body));
        }
        K::Concurrent { timeout, body, .. } => {
            if let Some(t) = timeout {
                f(Node::Expr(t));
            }
            f(Node::Block(body));
        }
        K::Blocking { body, .. } => f(Node::Block(body)),
    }
}

/// Calls `f` on each statement of `b`, then on its value.
pub fn block_children<'a>(b: &'a TBlock, f: &mut dyn FnMut(Node<'a>)) {
    for s in &b.stmts {
        f(Node::Stmt(s));
    }
    if let Some(v) = &b.value {
        f(Node::Expr(v));
    }
}

/// Calls `f` on each direct child of `s`.
pub fn stmt_children<'a>(s: &'a TStmt, f: &mut dyn FnMut(Node<'a>)) {
    match s {
        TStmt::Let {
            pat,
            init,
            else_block,
        } => {
            f(Node::Expr(init));
            f(Node::Pat(pat));
            if let Some(b) = else_block {
                f(Node::Block(b));
            }
        }
        TStmt::Expr(e) => f(Node::Expr(e)),
        TStmt::Assign { place, value, .. } => {
            f(Node::Expr(value));
            f(Node::Expr(place));
        }
        TStmt::Defer(b) | TStmt::Errdefer(b) => f(Node::Block(b)),
    }
}

/// Calls `f` on each direct child of `p` (sub-patterns and literal expressions).
pub fn pattern_children<'a>(p: &'a TPattern, f: &mut dyn FnMut(Node<'a>)) {
    match &p.kind {
        TPatternKind::Wild | TPatternKind::Bind(_) | TPatternKind::Error => {}
        TPatternKind::Lit(e) => f(Node::Expr(e)),
        TPatternKind::Range { lo, hi, .. } => {
            f(Node::Expr(lo));
            f(Node::Expr(hi));
        }
        TPatternKind::Tuple(ps)
        | TPatternKind::Variant { fields: ps, .. }
        | TPatternKind::Or(ps) => ps.iter().for_each(|p| f(Node::Pat(p))),
        TPatternKind::Struct { fields, .. } => fields.iter().for_each(|(_, p)| f(Node::Pat(p))),
    }
}

/// Calls `f` on each direct child of `n`.
pub fn children<'a>(n: Node<'a>, f: &mut dyn FnMut(Node<'a>)) {
    match n {
        Node::Expr(e) => expr_children(e, f),
        Node::Stmt(s) => stmt_children(s, f),
        Node::Block(b) => block_children(b, f),
        Node::Pat(p) => pattern_children(p, f),
        Node::Closure(c) => f(Node::Expr(&c.body)),
    }
}

/// The locals `n` reads or writes that it does not declare itself (by a pattern or as a
/// closure parameter): what a closure made of `n` would capture, in first-use order.
pub fn free_locals(n: Node<'_>) -> Vec<LocalId> {
    let mut used = Vec::new();
    let mut declared = Vec::new();
    collect_locals(n, &mut used, &mut declared);
    used.retain(|l| !declared.contains(l));
    used
}

fn collect_locals(n: Node<'_>, used: &mut Vec<LocalId>, declared: &mut Vec<LocalId>) {
    match n {
        Node::Expr(TExpr {
            kind: TExprKind::Local(l),
            ..
        }) if !used.contains(l) => used.push(*l),
        Node::Pat(TPattern {
            kind: TPatternKind::Bind(l),
            ..
        }) => declared.push(*l),
        Node::Closure(c) => declared.extend(c.params.iter().map(|(l, _)| *l)),
        _ => {}
    }
    children(n, &mut |c| collect_locals(c, used, declared));
}
