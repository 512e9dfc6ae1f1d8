//! `textDocument/hover`: the type of the expression under the cursor, or a function's
//! signature with its effects.

use super::analysis::Analysis;
use super::lookup::{self, Hit};
use crate::sema::defs::FnId;
use crate::sema::effects::set::ShowSet;
use crate::sema::tast::{Callee, FnRef, Instance, LocalId, TExprKind, TPatternKind};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// The hover text at byte offset `offset` of the document.
pub fn hover(a: &Analysis, offset: usize) -> Option<Hover> {
    let text = match lookup::at(&a.program, a.file, offset)? {
        Hit::FnDecl(id) => function(a, id, None),
        Hit::LocalDecl(id, inst) => local(a, inst, id),
        Hit::Pat(p, inst) => match p.kind {
            TPatternKind::Bind(id) => local(a, inst, id),
            _ => code(&a.program.defs.show(&p.ty).to_string()),
        },
        Hit::Expr(e, inst) => {
            let word = a.word_at(offset).map(|(_, w)| w);
            match &e.kind {
                TExprKind::Call {
                    callee: Callee::Fn(f),
                    ..
                }
                | TExprKind::FnRef(f)
                    if word == Some(a.program.defs.func(f.fn_id).name.as_str()) =>
                {
                    function(a, f.fn_id, Some(f))
                }
                TExprKind::Local(id) => local(a, inst, *id),
                _ => code(&a.program.defs.show(&e.ty).to_string()),
            }
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: None,
    })
}

/// `name: type` of a local.
fn local(a: &Analysis, inst: &Instance, id: LocalId) -> String {
    let l = &inst.locals[id.0 as usize];
    code(&format!("{}: {}", l.name, a.program.defs.show(&l.ty)))
}

/// A function's signature as written, and its effects: those of the instance `called`
/// when the hover is on a call, else of the function's first instance.
fn function(a: &Analysis, id: FnId, called: Option<&FnRef>) -> String {
    let p = &a.program;
    let def = p.defs.func(id);
    let mut out = code(a.map.snippet(def.sig_span).trim());
    let inst = match called {
        Some(f) => p.instance_of(f.fn_id, &f.type_args),
        None => p
            .instances
            .iter()
            .position(|i| i.fn_id == id)
            .map(|i| crate::sema::tast::InstId(i as u32)),
    };
    let set = inst.and_then(|i| p.effects.of_instance.get(i.0 as usize));
    if let Some(set) = set {
        let how = if def.effects.is_some() {
            "declared"
        } else {
            "inferred"
        };
        out.push_str(&format!(
            "\n\neffects ({how}): `with {}`",
            ShowSet(set, &p.effects.resources)
        ));
    }
    out
}

/// A Weft code block.
fn code(s: &str) -> String {
    format!("```weft\n{s}\n```")
}
