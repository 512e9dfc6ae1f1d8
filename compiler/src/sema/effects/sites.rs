//! The places in a function instance's body that bring effects (*sites*), found by one
//! walk of its typed AST, with what `par` blocks and `let` runs the later passes need.
//!
//! Attribution: a call brings its callee's effects; a closure's body belongs to the
//! function that creates the closure (so calling a closure value brings nothing: its
//! effects were counted where it was written, which is how a higher-order function's call
//! inherits its closure arguments' effects, and how a function that spawns a task that
//! prints does not look pure). `blocks` does not escape bodies that run off the green
//! tasks: `blocking { }` bodies and the closures passed to `Promise.blocking` and
//! `Thread.spawn` (docs/reference.md section 7). A `select` without `default` suspends; a
//! call of a `gen fn` brings nothing (see `generators.rs`).

use super::set::Atom;
use crate::common::intrinsic::{Intrinsic, TaskOp, ThreadOp};
use crate::sema::defs::{CheckedProgram, FnBody, FnId};
use crate::sema::tast::*;
use crate::sema::tast_walk::{children, Node};
use crate::source::Span;
use std::ops::Range;

/// What a site brings.
#[derive(Clone, Copy, Debug)]
pub enum SiteWhat {
    /// The callee's effects (its declared ones when it has a `with` clause).
    Call(InstId, FnId),
    /// One effect of an operation, with a short description (`printing`).
    Fixed(Atom, &'static str),
}

/// A place that brings effects.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub span: Span,
    pub what: SiteWhat,
    /// Runs off the green tasks (a `blocking` body, a thread's body): `blocks` stays here.
    pub off_task: bool,
}

/// A `par` block (its branches) or a `par for` (its body), by ranges of site indices.
#[derive(Clone, Debug)]
pub struct ParRecord {
    pub branches: Vec<(Span, Range<usize>)>,
    pub is_for: bool,
}

/// A `let name = f(...)` statement: what automatic parallelization looks at.
#[derive(Clone, Debug)]
pub struct LetCall {
    /// The enclosing block (its span identifies it for lowering) and the statement's index.
    pub block: Span,
    pub index: usize,
    pub local: LocalId,
    pub span: Span,
    pub callee: FnId,
    /// The sites of the initializer.
    pub sites: Range<usize>,
    /// Locals the initializer reads.
    pub uses: Vec<LocalId>,
}

/// Everything the effect passes need from one body.
#[derive(Default, Debug)]
pub struct BodySites {
    pub sites: Vec<Site>,
    pub pars: Vec<ParRecord>,
    pub lets: Vec<LetCall>,
}

/// Walks an instance's body.
pub fn collect(program: &CheckedProgram, body: &TExpr) -> BodySites {
    let mut w = Walker {
        program,
        out: BodySites::default(),
        off_task: false,
    };
    w.node(Node::Expr(body));
    w.out
}

struct Walker<'p> {
    program: &'p CheckedProgram,
    out: BodySites,
    off_task: bool,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, what: SiteWhat) {
        self.out.sites.push(Site {
            span,
            what,
            off_task: self.off_task,
        });
    }

    /// A call of `r` (a `gen fn`'s call only makes the generator: it brings nothing, and
    /// its body's effects are brought by `next`, see `generators.rs`).
    fn call(&mut self, r: &FnRef, span: Span) {
        if self.program.defs.func(r.fn_id).flags.is_gen {
            return;
        }
        if let Some(inst) = self.program.instance_of(r.fn_id, &r.type_args) {
            self.push(span, SiteWhat::Call(inst, r.fn_id));
        }
    }

    fn walk_children(&mut self, n: Node<'_>) {
        children(n, &mut |c| self.node(c));
    }

    /// Walks `n` with `off_task` set.
    fn off_task(&mut self, n: Node<'_>) {
        let was = std::mem::replace(&mut self.off_task, true);
        self.node(n);
        self.off_task = was;
    }

    fn node(&mut self, n: Node<'_>) {
        match n {
            Node::Expr(e) => self.expr(e),
            Node::Block(b) => self.block(b),
            n => self.walk_children(n),
        }
    }

    fn block(&mut self, b: &TBlock) {
        for (index, s) in b.stmts.iter().enumerate() {
            let start = self.out.sites.len();
            self.node(Node::Stmt(s));
            if let Some(call) = let_call(s) {
                self.out.lets.push(LetCall {
                    block: b.span,
                    index,
                    sites: start..self.out.sites.len(),
                    ..call
                });
            }
        }
        if let Some(v) = &b.value {
            self.expr(v);
        }
    }

    fn expr(&mut self, e: &TExpr) {
        use TExprKind as K;
        match &e.kind {
            K::Call {
                callee: Callee::Fn(r),
                args,
            } => {
                let off_task = runs_off_task(self.program, r.fn_id);
                for a in args {
                    if off_task {
                        self.off_task(Node::Expr(&a.expr));
                    } else {
                        self.expr(&a.expr);
                    }
                }
                self.call(r, e.span);
            }
            K::Call {
                callee: Callee::Print { .. },
                ..
            } => {
                self.walk_children(Node::Expr(e));
                self.push(e.span, SiteWhat::Fixed(Atom::Io, "printing"));
            }
            K::FnRef(r) => self.call(r, e.span),
            K::For {
                kind: ForKind::Next(r),
                iter,
                ..
            } => {
                self.call(r, iter.span);
                self.walk_children(Node::Expr(e));
            }
            K::Unwrap {
                err_to_string: Some(r),
                ..
            }
            | K::Coerce(Coercion::ToString(r) | Coercion::ToError(r), _) => {
                self.walk_children(Node::Expr(e));
                self.call(r, e.span);
            }
            K::Par { branches, .. } => {
                self.push(e.span, WAIT_BRANCHES);
                let branches = branches.iter().map(|b| self.branch(b)).collect();
                self.out.pars.push(ParRecord {
                    branches,
                    is_for: false,
                });
            }
            K::ParFor { lo, hi, body, .. } => {
                self.expr(lo);
                self.expr(hi);
                self.push(e.span, WAIT_BRANCHES);
                let branch = self.branch(body);
                self.out.pars.push(ParRecord {
                    branches: vec![branch],
                    is_for: true,
                });
            }
            K::Concurrent { .. } => {
                self.push(e.span, WAIT_CHILDREN);
                self.walk_children(Node::Expr(e));
            }
            K::Select(arms) => {
                if !arms.iter().any(|a| matches!(a.case, TSelectCase::Default)) {
                    self.push(e.span, WAIT_SELECT);
                }
                self.walk_children(Node::Expr(e));
            }
            K::Blocking { body, .. } => {
                self.push(e.span, WAIT_BLOCKING);
                self.off_task(Node::Block(body));
            }
            _ => self.walk_children(Node::Expr(e)),
        }
    }

    /// Walks a branch; returns its span and range of sites.
    fn branch(&mut self, c: &TClosure) -> (Span, Range<usize>) {
        let start = self.out.sites.len();
        self.node(Node::Closure(c));
        (c.body.span, start..self.out.sites.len())
    }
}

const WAIT_BRANCHES: SiteWhat = SiteWhat::Fixed(Atom::Suspends, "waiting for `par` branches");
const WAIT_CHILDREN: SiteWhat = SiteWhat::Fixed(
    Atom::Suspends,
    "waiting for a `concurrent` block's children",
);
/// A `select` without `default` may wait (one with `default` never does).
const WAIT_SELECT: SiteWhat = SiteWhat::Fixed(Atom::Suspends, "waiting in `select`");
const WAIT_BLOCKING: SiteWhat = SiteWhat::Fixed(Atom::Suspends, "waiting for `blocking { }`");

/// Whether the closures passed to `f` run on an OS thread (`Thread.spawn`,
/// `Promise.blocking`).
fn runs_off_task(program: &CheckedProgram, f: FnId) -> bool {
    matches!(
        program.defs.func(f).body,
        FnBody::Intrinsic(Intrinsic::Thread(ThreadOp::Spawn))
            | FnBody::Intrinsic(Intrinsic::Task(TaskOp::PromiseBlocking))
    )
}

/// `let name = f(...)` (a simple binding initialized by a call of a declared function).
fn let_call(s: &TStmt) -> Option<LetCall> {
    let TStmt::Let {
        pat: TPattern {
            kind: TPatternKind::Bind(local),
            ..
        },
        init,
        else_block: None,
    } = s
    else {
        return None;
    };
    let TExprKind::Call {
        callee: Callee::Fn(r),
        ..
    } = &init.kind
    else {
        return None;
    };
    Some(LetCall {
        block: init.span,
        index: 0,
        local: *local,
        span: init.span,
        callee: r.fn_id,
        sites: 0..0,
        uses: crate::sema::tast_walk::free_locals(Node::Expr(init)),
    })
}
