//! The typed-AST node under a position: the smallest expression or pattern of the
//! document's function instances whose span holds the offset, or a local's declaration.

use crate::sema::defs::{CheckedProgram, FnId};
use crate::sema::tast::{Instance, LocalId, TExpr, TPattern};
use crate::sema::tast_walk::{children, Node};
use crate::source::{FileId, Span};

/// What stands at an offset.
#[derive(Clone, Copy)]
pub enum Hit<'a> {
    Expr(&'a TExpr, &'a Instance),
    Pat(&'a TPattern, &'a Instance),
    /// A local's declaration (a parameter's name, a `let` binding).
    LocalDecl(LocalId, &'a Instance),
    /// A function's name in its declaration.
    FnDecl(FnId),
}

/// The instances whose bodies are in `file` (each generic function once: its first
/// instance).
pub fn instances_in(program: &CheckedProgram, file: FileId) -> Vec<&Instance> {
    let mut seen = std::collections::HashSet::new();
    program
        .instances
        .iter()
        .filter(|i| i.body.as_ref().is_some_and(|b| b.span.file == file))
        .filter(|i| seen.insert(i.fn_id))
        .collect()
}

/// The node at byte offset `offset` of `file`.
pub fn at<'a>(program: &'a CheckedProgram, file: FileId, offset: usize) -> Option<Hit<'a>> {
    let offset = offset as u32;
    let holds = |s: Span| s.file == file && s.start <= offset && offset <= s.end;
    for (i, f) in program.defs.fns.iter().enumerate() {
        if holds(f.span) {
            return Some(Hit::FnDecl(FnId(i as u32)));
        }
    }
    let mut best: Option<(Span, Hit<'a>)> = None;
    let mut consider = |span: Span, hit: Hit<'a>| {
        if holds(span) && best.as_ref().is_none_or(|(b, _)| span.len() <= b.len()) {
            best = Some((span, hit));
        }
    };
    for inst in instances_in(program, file) {
        for (k, l) in inst.locals.iter().enumerate() {
            // Locals the checker made up for desugaring have `$` names.
            if !l.name.starts_with('$') && l.span.len() >= l.name.len() {
                consider(l.span, Hit::LocalDecl(LocalId(k as u32), inst));
            }
        }
        if let Some(body) = &inst.body {
            walk(Node::Expr(body), &mut |n| match n {
                Node::Expr(e) => consider(e.span, Hit::Expr(e, inst)),
                Node::Pat(p) => consider(p.span, Hit::Pat(p, inst)),
                _ => {}
            });
        }
    }
    best.map(|(_, h)| h)
}

/// Calls `f` on `n` and every node below it, parents before children.
pub fn walk<'a>(n: Node<'a>, f: &mut dyn FnMut(Node<'a>)) {
    f(n);
    children(n, &mut |c| walk(c, f));
}
