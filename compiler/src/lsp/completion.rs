//! `textDocument/completion` after a `.`: the fields and methods of the value before it.
//!
//! The text being typed (`v.` or `v.le`) does not parse, so the document is analysed
//! with the `.` and the partial name blanked out; the receiver is then the longest
//! postfix expression that ends where the `.` stood.

use super::analysis::{word_at, Analysis};
use super::lookup::{instances_in, walk};
use crate::common::ty::Ty;
use crate::sema::defs::{CheckedProgram, TypeHead};
use crate::sema::tast::{TExpr, TExprKind};
use crate::sema::tast_walk::Node;
use lsp_types::{CompletionItem, CompletionItemKind};
use std::path::Path;

/// The completions at byte offset `offset` of `text` (the document at `path`); empty when
/// the cursor does not follow a `.` and a name's beginning.
pub fn complete(path: &Path, text: &str, offset: usize) -> Vec<CompletionItem> {
    let start = match word_at(text, offset) {
        Some((s, _)) if s < offset => s,
        _ => offset,
    };
    let Some(dot) = start.checked_sub(1).filter(|&d| text.as_bytes()[d] == b'.') else {
        return Vec::new();
    };
    let end = word_at(text, offset).map_or(offset, |(s, w)| (s + w.len()).max(offset));
    let mut patched = text.to_string();
    patched.replace_range(dot..end, &" ".repeat(end - dot));
    let a = Analysis::new(path, patched);
    match receiver(&a, dot) {
        Some(ty) => members(&a.program, &ty, a.module()),
        None => Vec::new(),
    }
}

/// The type of the receiver that ends at byte offset `dot`.
fn receiver(a: &Analysis, dot: usize) -> Option<Ty> {
    let mut best: Option<&TExpr> = None;
    for inst in instances_in(&a.program, a.file) {
        let Some(body) = &inst.body else { continue };
        walk(Node::Expr(body), &mut |n| {
            if let Node::Expr(e) = n {
                let fits = e.span.file == a.file && e.span.end as usize == dot && is_postfix(e);
                if fits && best.is_none_or(|b| e.span.start < b.span.start) {
                    best = Some(e);
                }
            }
        });
    }
    best.map(|e| e.ty.clone())
        .filter(|t| !matches!(t, Ty::Error))
}

/// Expressions a `.` can follow without parentheses.
fn is_postfix(e: &TExpr) -> bool {
    use TExprKind as K;
    matches!(
        e.kind,
        K::Local(_)
            | K::Const(_)
            | K::Call { .. }
            | K::Field { .. }
            | K::Index { .. }
            | K::Unwrap { .. }
            | K::Try { .. }
            | K::Str(_)
            | K::Interp(_)
            | K::VecLit(_)
            | K::Array(_)
            | K::Tuple(_)
            | K::Struct { .. }
            | K::Variant { .. }
    )
}

/// The fields and methods of a value of type `ty`, seen from `module`.
fn members(
    p: &CheckedProgram,
    ty: &Ty,
    module: crate::sema::defs::ModuleId,
) -> Vec<CompletionItem> {
    let defs = &p.defs;
    let mut items = Vec::new();
    if let Ty::Adt(id, _) = ty {
        for f in defs.adt(*id).fields() {
            items.push(CompletionItem {
                label: f.name.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(defs.show(&f.ty).to_string()),
                ..Default::default()
            });
        }
    }
    let Some(head) = TypeHead::of(ty) else {
        return items;
    };
    let mut methods: Vec<(&String, &crate::sema::defs::FnDef)> = defs
        .methods
        .iter()
        .filter(|((h, _), _)| *h == head)
        .flat_map(|((_, name), ids)| ids.iter().map(move |id| (name, defs.func(*id))))
        .filter(|(_, f)| f.receiver.is_some() && (f.public || f.module == module))
        .collect();
    methods.sort_by(|x, y| x.0.cmp(y.0));
    methods.dedup_by(|x, y| x.0 == y.0);
    for (name, f) in methods {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, defs.show(&p.ty)))
            .collect();
        items.push(CompletionItem {
            label: name.clone(),
            kind: Some(CompletionItemKind::METHOD),
            detail: Some(format!(
                "fn {name}({}): {}",
                params.join(", "),
                defs.show(&f.ret)
            )),
            ..Default::default()
        });
    }
    items
}
