//! Automatic parallelization (docs/reference.md section 7, seed 002's central idea): a
//! run of consecutive `let name = f(...)` statements whose callees declare resource
//! effects, that use none of each other's results and whose effects do not conflict, runs
//! as an implicit `par` when at least two of the calls suspend or do io.
//!
//! Beyond the contract's conditions, an initializer qualifies only when running it on
//! another task cannot change what it computes: it passes nothing by `&mut`, has no `?`,
//! `return`, `break` or `continue`, and reads no raw pointer or closure (which could write
//! what another call reads). Lowering (`hir/lower/autopar.rs`) keeps the sequential
//! failure semantics: every call runs to its end and the first failure in source order is
//! raised as it would have been.

use super::report::Cx;
use super::set::EffectSet;
use super::sites::{BodySites, LetCall};
use crate::common::ty::Ty;
use crate::sema::tast::{InstId, Instance, LocalKind, TExpr, TExprKind, TStmt};
use crate::sema::tast_walk::{children, Node};
use crate::source::Span;

/// A run of `let` statements that runs as an implicit `par`.
#[derive(Clone, Debug)]
pub struct Group {
    pub inst: InstId,
    /// The enclosing block's span and the statements' indices in it (consecutive).
    pub block: Span,
    pub indices: Vec<usize>,
    /// Where each initializer is and what it calls, for `--explain-par`.
    pub calls: Vec<(Span, String)>,
    pub waiting: usize,
}

/// A `let` with a resource-effect call that does not join a group, and why.
#[derive(Clone, Debug)]
pub struct NearMiss {
    pub span: Span,
    pub callee: String,
    pub reason: String,
}

/// One candidate statement with its effects.
struct Candidate<'a> {
    call: &'a LetCall,
    effects: EffectSet,
}

/// The groups and near misses of every instance body.
pub fn find(cx: &Cx<'_>) -> (Vec<Group>, Vec<NearMiss>) {
    let mut groups = Vec::new();
    let mut misses = Vec::new();
    for (i, body) in cx.bodies.iter().enumerate() {
        let Some(body) = body else {
            continue;
        };
        let inst = InstId(i as u32);
        let instance = cx.program.instance(inst);
        // Generic instances repeat their template's statements: look at one of them.
        let module = cx.program.defs.func(instance.fn_id).module;
        if cx.program.defs.module(module).is_std {
            continue;
        }
        for run in runs(cx, instance, body, &mut misses) {
            group_run(cx, inst, &run, &mut groups, &mut misses);
        }
    }
    dedup_misses(&mut misses);
    (groups, misses)
}

/// The runs of consecutive candidate statements of each block.
fn runs<'a>(
    cx: &Cx<'_>,
    instance: &Instance,
    body: &'a BodySites,
    misses: &mut Vec<NearMiss>,
) -> Vec<Vec<Candidate<'a>>> {
    let mut runs: Vec<Vec<Candidate<'a>>> = Vec::new();
    let mut last: Option<(Span, usize)> = None;
    for call in &body.lets {
        let callee = cx.program.defs.func(call.callee);
        let declares_resources = cx
            .declared_of_call(body, call)
            .is_some_and(EffectSet::has_resources);
        if !declares_resources {
            continue;
        }
        if let Some(reason) = disqualified(instance, call) {
            misses.push(NearMiss {
                span: call.span,
                callee: callee.display.clone(),
                reason,
            });
            last = None;
            continue;
        }
        let effects = cx.range_effects(body, call.sites.clone());
        let next = last.is_some_and(|(b, ix)| b == call.block && ix + 1 == call.index);
        if !next || runs.is_empty() {
            runs.push(Vec::new());
        }
        runs.last_mut()
            .expect("a run")
            .push(Candidate { call, effects });
        last = Some((call.block, call.index));
    }
    runs
}

/// Splits a run into groups: a statement that uses an earlier one's result or conflicts
/// with it starts a new group.
fn group_run(
    cx: &Cx<'_>,
    inst: InstId,
    run: &[Candidate<'_>],
    groups: &mut Vec<Group>,
    misses: &mut Vec<NearMiss>,
) {
    let mut current: Vec<&Candidate<'_>> = Vec::new();
    for c in run {
        let name = cx.name(c.call.callee).to_string();
        let clash = current.iter().find_map(|m| {
            if c.call.uses.contains(&m.call.local) {
                return Some(format!("uses the result of line {}", cx.line(m.call.span)));
            }
            m.effects.conflict(&c.effects).map(|(_, theirs)| {
                format!(
                    "`{}` conflicts with line {}",
                    cx.show(theirs),
                    cx.line(m.call.span)
                )
            })
        });
        if let Some(reason) = clash {
            misses.push(NearMiss {
                span: c.call.span,
                callee: name,
                reason,
            });
            close(cx, inst, &mut current, groups, misses);
        }
        current.push(c);
    }
    close(cx, inst, &mut current, groups, misses);
}

/// Ends a group: kept when at least two of its calls suspend or do io.
fn close(
    cx: &Cx<'_>,
    inst: InstId,
    current: &mut Vec<&Candidate<'_>>,
    groups: &mut Vec<Group>,
    misses: &mut Vec<NearMiss>,
) {
    let members = std::mem::take(current);
    if members.len() < 2 {
        return;
    }
    let waiting = members.iter().filter(|m| m.effects.waits()).count();
    if waiting < 2 {
        misses.push(NearMiss {
            span: members[0].call.span,
            callee: cx.name(members[0].call.callee).to_string(),
            reason: format!(
                "only {waiting} of the {} calls from here suspend or do io",
                members.len()
            ),
        });
        return;
    }
    groups.push(Group {
        inst,
        block: members[0].call.block,
        indices: members.iter().map(|m| m.call.index).collect(),
        calls: members
            .iter()
            .map(|m| (m.call.span, cx.name(m.call.callee).to_string()))
            .collect(),
        waiting,
    });
}

/// Why running this statement's initializer on another task could change its result.
fn disqualified(instance: &Instance, call: &LetCall) -> Option<String> {
    let local = &instance.locals[call.local.0 as usize];
    if local.kind != LocalKind::Let {
        return Some("binds a `var`".into());
    }
    for &l in &call.uses {
        let ty = &instance.locals[l.0 as usize].ty;
        let mut shared = false;
        ty.walk(&mut |t| shared |= matches!(t, Ty::Fn(_) | Ty::Ptr(_)));
        if shared {
            return Some(format!(
                "reads `{}`, a closure or raw pointer",
                instance.locals[l.0 as usize].name
            ));
        }
    }
    let init = let_init(instance, call)?;
    let mut why = None;
    check_init(Node::Expr(init), &mut why);
    why
}

/// The initializer of the statement `call` describes.
fn let_init<'a>(instance: &'a Instance, call: &LetCall) -> Option<&'a TExpr> {
    let mut found = None;
    if let Some(body) = &instance.body {
        find_init(Node::Expr(body), call, &mut found);
    }
    found
}

fn find_init<'a>(n: Node<'a>, call: &LetCall, found: &mut Option<&'a TExpr>) {
    if found.is_some() {
        return;
    }
    if let Node::Stmt(TStmt::Let { init, .. }) = n {
        if init.span == call.span {
            *found = Some(init);
            return;
        }
    }
    children(n, &mut |c| find_init(c, call, found));
}

/// What in an initializer keeps it from running on another task.
fn check_init(n: Node<'_>, why: &mut Option<String>) {
    if why.is_some() {
        return;
    }
    match n {
        Node::Expr(TExpr {
            kind: TExprKind::Try { .. },
            ..
        }) => *why = Some("uses `?`".into()),
        Node::Expr(TExpr {
            kind: TExprKind::Return(_) | TExprKind::Break | TExprKind::Continue,
            ..
        }) => *why = Some("leaves the block early".into()),
        Node::Expr(TExpr {
            kind: TExprKind::Call { args, .. },
            ..
        }) if args
            .iter()
            .any(|a| a.mode == crate::common::ty::PassMode::RefMut) =>
        {
            *why = Some("passes a value by `&mut`".into())
        }
        Node::Closure(_) => {}
        n => children(n, &mut |c| check_init(c, why)),
    }
}

/// Keeps one near miss per statement (generic instances repeat them).
fn dedup_misses(misses: &mut Vec<NearMiss>) {
    let mut seen = std::collections::HashSet::new();
    misses.retain(|m| seen.insert((m.span, m.reason.clone())));
}

impl Cx<'_> {
    /// The declared set of the function a `let`'s initializer calls (the initializer's last
    /// site is that call).
    fn declared_of_call(&self, body: &BodySites, call: &LetCall) -> Option<&EffectSet> {
        let site = body.sites[call.sites.clone()].last()?;
        match site.what {
            super::sites::SiteWhat::Call(inst, f) if f == call.callee => {
                self.declared[inst.0 as usize].as_ref()
            }
            _ => None,
        }
    }
}
