//! Annotations: which are allowed where (`@intrinsic`, `@handle`, `@lang` and
//! `@requires_send` only in std), the attributes they give ADTs, and lang items.

use super::*;

impl Collector<'_> {
    pub(super) fn check_item_annotations(&mut self, m: ModuleId, item: &ast::Item) {
        let is_std = self.defs.module(m).is_std;
        for a in &item.annotations {
            let allowed: &[&str] = match &item.kind {
                ItemKind::Struct(_) => &["send", "sync", "repr", "handle", "requires_send", "lang"],
                ItemKind::Enum(_) => &["send", "sync", "repr", "lang"],
                ItemKind::Fn(_) => &["link", "intrinsic", "test", "lang"],
                _ => &[],
            };
            let std_only = matches!(
                a.name.name.as_str(),
                "handle" | "intrinsic" | "requires_send" | "lang"
            );
            if !allowed.contains(&a.name.name.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        diag::E0110,
                        a.name.span,
                        format!("unknown or misplaced annotation `@{}`", a.name.name),
                    )
                    .with_note("annotations: `@send`, `@sync` and `@repr(C)` on structs and enums, `@link(\"lib\")` on extern functions"),
                );
            } else if std_only && !is_std {
                self.diags.push(Diagnostic::error(
                    diag::E0110,
                    a.name.span,
                    format!("`@{}` is reserved for the standard library", a.name.name),
                ));
            }
        }
    }

    /// Records `item` in the lang items table when it carries `@lang("name")` (std only;
    /// the annotation check reports it elsewhere). `is_fn` tells which kind of lang item
    /// the item can be.
    pub(super) fn record_lang_item(
        &mut self,
        item: &ast::Item,
        set: impl FnOnce(&mut LangItems, LangItem),
        is_fn: bool,
    ) {
        let Some((name, span)) = annotation_arg(item, "lang") else {
            return;
        };
        match LangItem::from_name(&name) {
            Some(l) if l.is_fn() == is_fn => set(&mut self.defs.lang, l),
            Some(_) => self.diags.push(Diagnostic::error(
                diag::E0110,
                span,
                format!("lang item `{name}` cannot be declared on this item"),
            )),
            None => self.diags.push(Diagnostic::error(
                diag::E0110,
                span,
                format!("unknown lang item `{name}`"),
            )),
        }
    }
}

/// The string argument of `@name("...")`, if present.
pub(super) fn annotation_str(item: &ast::Item, name: &str) -> Option<String> {
    annotation_arg(item, name).map(|(s, _)| s)
}

/// The string argument of annotation `@name("...")` with its span.
pub(super) fn annotation_arg(item: &ast::Item, name: &str) -> Option<(String, Span)> {
    item.annotations
        .iter()
        .find(|a| a.name.name == name)
        .and_then(|a| match a.args.first().map(|e| (&e.kind, e.span)) {
            Some((ast::ExprKind::Str(s), span)) => Some((s.clone(), span)),
            _ => None,
        })
}

/// The kind of `@handle("kind")`; an unknown kind is reported (and the type becomes a
/// plain struct).
pub(super) fn handle_kind(item: &ast::Item, diags: &mut Diagnostics) -> Option<HandleKind> {
    let (name, span) = annotation_arg(item, "handle")?;
    let kind = HandleKind::from_name(&name);
    if kind.is_none() {
        diags.push(Diagnostic::error(
            diag::E0110,
            span,
            format!("unknown handle kind `{name}`"),
        ));
    }
    kind
}

pub(super) fn adt_attrs(item: &ast::Item, generics: &[GenericDef]) -> AdtAttrs {
    let mut attrs = AdtAttrs::default();
    for a in &item.annotations {
        match a.name.name.as_str() {
            "send" => attrs.send = true,
            "sync" => attrs.sync = true,
            "repr" => attrs.repr_c = true,
            "requires_send" => {
                for arg in &a.args {
                    if let ast::ExprKind::Name(n) = &arg.kind {
                        if let Some(i) = generics.iter().position(|g| g.name == n.name) {
                            attrs.requires_send.push(i as u32);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    attrs
}
