//! `textDocument/definition`: where the name under the cursor is declared.

use super::analysis::Analysis;
use super::lookup::{self, Hit};
use super::{position, std_files, uri};
use crate::common::ty::Ty;
use crate::sema::defs::{TypeDef, ValueDef};
use crate::sema::tast::{Callee, TExprKind, TPatternKind};
use crate::source::Span;
use lsp_types::Location;

/// The declaration of what stands at byte offset `offset` of the document.
pub fn definition(a: &Analysis, offset: usize) -> Option<Location> {
    let span = typed(a, offset).or_else(|| by_name(a, offset))?;
    let path = std_files::path_of(a.map.get(span.file))?;
    Some(Location::new(
        uri::from_path(&path)?,
        position::range(&a.map, span),
    ))
}

/// The declaration the typed AST names at `offset`.
fn typed(a: &Analysis, offset: usize) -> Option<Span> {
    let defs = &a.program.defs;
    let span = match lookup::at(&a.program, a.file, offset)? {
        Hit::FnDecl(id) => defs.func(id).span,
        Hit::LocalDecl(id, inst) => inst.locals[id.0 as usize].span,
        Hit::Pat(p, inst) => match p.kind {
            TPatternKind::Bind(id) => inst.locals[id.0 as usize].span,
            TPatternKind::Variant { adt, variant, .. } => {
                defs.adt(adt).variants().get(variant as usize)?.span
            }
            TPatternKind::Struct { adt, .. } => defs.adt(adt).span,
            _ => return None,
        },
        Hit::Expr(e, inst) => match &e.kind {
            TExprKind::Local(id) => inst.locals[id.0 as usize].span,
            TExprKind::Call {
                callee: Callee::Fn(f),
                ..
            }
            | TExprKind::FnRef(f) => defs.func(f.fn_id).span,
            TExprKind::Const(id) => defs.consts[id.0 as usize].span,
            TExprKind::Field { base, index } => match &base.ty {
                Ty::Adt(adt, _) => defs.adt(*adt).fields().get(*index as usize)?.span,
                _ => return None,
            },
            TExprKind::Struct { adt, .. } => defs.adt(*adt).span,
            TExprKind::Variant { adt, variant, .. } => {
                defs.adt(*adt).variants().get(*variant as usize)?.span
            }
            _ => return None,
        },
    };
    Some(span)
}

/// The module-level type or value named by the word at `offset` (type annotations,
/// imports, names in code the checker did not reach).
fn by_name(a: &Analysis, offset: usize) -> Option<Span> {
    let (_, word) = a.word_at(offset)?;
    let defs = &a.program.defs;
    let module = a.module();
    if let Some(t) = defs.lookup_type(module, word) {
        return match t {
            TypeDef::Adt(id) => Some(defs.adt(id).span),
            TypeDef::Resource(span) => Some(span),
            TypeDef::Builtin(_) => None,
        };
    }
    match defs.lookup_value(module, word)? {
        ValueDef::Fn(id) => Some(defs.func(id).span),
        ValueDef::Const(id) => Some(defs.consts[id.0 as usize].span),
        ValueDef::Variant(adt, v) => defs.adt(adt).variants().get(v as usize).map(|v| v.span),
        ValueDef::Print { .. } => None,
    }
}
