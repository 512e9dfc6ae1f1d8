//! `textDocument/documentSymbol`: the outline of a file from its syntax tree.

use super::analysis::Analysis;
use super::position;
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use lsp_types::{DocumentSymbol, SymbolKind};

/// The document's items: functions, structs with their fields, enums with their
/// variants, impl blocks with their methods, resources.
pub fn symbols(a: &Analysis) -> Vec<DocumentSymbol> {
    let module = &a.program.defs.module(a.module()).ast;
    module.items.iter().filter_map(|i| item(a, i)).collect()
}

fn item(a: &Analysis, item: &ast::Item) -> Option<DocumentSymbol> {
    let sym = |name: &ast::Ident, kind, children: Vec<DocumentSymbol>| {
        symbol(a, &name.name, kind, item.span, name.span, children)
    };
    Some(match &item.kind {
        ItemKind::Fn(f) => sym(&f.name, SymbolKind::FUNCTION, Vec::new()),
        ItemKind::Struct(s) => {
            let fields = s
                .fields
                .iter()
                .map(|f| {
                    symbol(
                        a,
                        &f.name.name,
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                        Vec::new(),
                    )
                })
                .collect();
            sym(&s.name, SymbolKind::STRUCT, fields)
        }
        ItemKind::Enum(e) => {
            let variants = e
                .variants
                .iter()
                .map(|v| {
                    symbol(
                        a,
                        &v.name.name,
                        SymbolKind::ENUM_MEMBER,
                        v.span,
                        v.name.span,
                        Vec::new(),
                    )
                })
                .collect();
            sym(&e.name, SymbolKind::ENUM, variants)
        }
        ItemKind::Impl(imp) => {
            let methods = imp
                .items
                .iter()
                .filter_map(|i| match &i.kind {
                    ItemKind::Fn(f) => Some(symbol(
                        a,
                        &f.name.name,
                        SymbolKind::METHOD,
                        i.span,
                        f.name.span,
                        Vec::new(),
                    )),
                    _ => None,
                })
                .collect();
            let target = a.map.snippet(imp.target.span);
            symbol(
                a,
                &format!("impl {target}"),
                SymbolKind::CLASS,
                item.span,
                imp.target.span,
                methods,
            )
        }
        ItemKind::Resource(r) => sym(r, SymbolKind::OBJECT, Vec::new()),
        ItemKind::Import(_) | ItemKind::Stmt(_) => return None,
    })
}

fn symbol(
    a: &Analysis,
    name: &str,
    kind: SymbolKind,
    whole: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    #[allow(deprecated)] // `deprecated` is a required field of the struct.
    DocumentSymbol {
        name: name.to_string(),
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: position::range(&a.map, whole),
        selection_range: position::range(&a.map, name_span),
        children: (!children.is_empty()).then_some(children),
    }
}
