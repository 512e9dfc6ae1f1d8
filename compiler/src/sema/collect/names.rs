//! Registering every item's name in its module's value and type namespaces (with
//! duplicate detection) and copying imported names between modules.

use super::*;

impl Collector<'_> {
    pub(super) fn register_items(&mut self, m: ModuleId) {
        let is_script = self.defs.module(m).is_script;
        let items: Vec<(u32, ast::Item)> = self
            .module_ast(m)
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| !matches!(i.kind, ItemKind::Impl(_) | ItemKind::Import(_)))
            .map(|(i, item)| (i as u32, item.clone()))
            .collect();
        for (idx, item) in items {
            match &item.kind {
                ItemKind::Struct(s) => self.register_adt(m, idx, &item, &s.name),
                ItemKind::Enum(e) => self.register_adt(m, idx, &item, &e.name),
                ItemKind::Fn(f) => self.register_fn(m, idx, &item, f),
                ItemKind::Resource(name) => {
                    if self.define(m, TYPES, name, item.public) {
                        self.defs.modules[m.0 as usize]
                            .types
                            .insert(name.name.clone(), TypeDef::Resource(name.span));
                    }
                }
                // A broken item, already reported by the parser.
                ItemKind::Stmt(stmt) if is_error_stmt(stmt) => {}
                ItemKind::Stmt(stmt) if !is_script => self.register_const(m, idx, &item, stmt),
                ItemKind::Stmt(stmt) => {
                    // The parser reports `pub` on statements other than `let`.
                    if item.public && matches!(stmt.kind, StmtKind::Let { .. }) {
                        self.diags.push(Diagnostic::error(
                            diag::E0009,
                            item.span,
                            "`pub` is not allowed on a script's statements",
                        ));
                    }
                }
                ItemKind::Impl(_) | ItemKind::Import(_) => {}
            }
            self.check_item_annotations(m, &item);
        }
    }

    pub(super) fn register_adt(
        &mut self,
        m: ModuleId,
        idx: u32,
        item: &ast::Item,
        name: &ast::Ident,
    ) {
        if !self.define(m, TYPES, name, item.public) {
            return;
        }
        let id = AdtId(self.defs.adts.len() as u32);
        self.defs.adts.push(AdtDef {
            name: name.name.clone(),
            module: m,
            span: name.span,
            public: item.public,
            generics: Vec::new(),
            kind: AdtKind::Struct(Vec::new()),
            attrs: AdtAttrs::default(),
        });
        self.adt_items.push((m, idx));
        self.defs.modules[m.0 as usize]
            .types
            .insert(name.name.clone(), TypeDef::Adt(id));
        self.record_lang_item(item, |lang, l| lang.set_adt(l, id), false);
    }

    pub(super) fn register_fn(&mut self, m: ModuleId, idx: u32, item: &ast::Item, f: &ast::FnDecl) {
        if !self.define(m, VALUES, &f.name, item.public) {
            return;
        }
        let id = FnId(self.defs.fns.len() as u32);
        self.defs.fns.push(placeholder_fn(m, f));
        self.fn_items.push((m, idx));
        self.defs.modules[m.0 as usize]
            .values
            .insert(f.name.name.clone(), ValueDef::Fn(id));
    }

    pub(super) fn register_const(
        &mut self,
        m: ModuleId,
        idx: u32,
        item: &ast::Item,
        stmt: &ast::Stmt,
    ) {
        let name = match &stmt.kind {
            StmtKind::Let { pat, .. } => match &pat.kind {
                ast::PatternKind::Bind(name) => name.clone(),
                _ => {
                    self.diags.push(Diagnostic::error(
                        diag::E0009,
                        pat.span,
                        "a module-level constant binds a single name",
                    ));
                    return;
                }
            },
            StmtKind::Var { .. } => {
                self.diags.push(
                    Diagnostic::error(diag::E0009, stmt.span, "module-level `var` is not allowed")
                        .with_note("module-level state would be shared by every task and thread")
                        .with_help(
                            "use a constant (`let`), or create the value in `main` and pass it on",
                        ),
                );
                return;
            }
            _ => {
                let is_root = m == self.defs.root;
                let mut d = Diagnostic::error(
                    diag::E0009,
                    stmt.span,
                    "statements are not allowed at the top level of this file",
                );
                d = if is_root {
                    d.with_note("this file has a `main` function, so it is not a script")
                        .with_help("move the statement into `main`")
                } else {
                    d.with_note("an imported module may only declare items and constants")
                };
                self.diags.push(d);
                return;
            }
        };
        if !self.define(m, VALUES, &name, item.public) {
            return;
        }
        let id = ConstId(self.defs.consts.len() as u32);
        self.defs.consts.push(ConstDef {
            name: name.name.clone(),
            module: m,
            span: name.span,
            public: item.public,
            item: idx,
            ty: Ty::Error,
        });
        self.defs.modules[m.0 as usize]
            .values
            .insert(name.name.clone(), ValueDef::Const(id));
    }

    pub(super) fn import_names(&mut self, m: ModuleId, targets: &HashMap<u32, ModuleId>) {
        let imports: Vec<(u32, ast::Import)> = self
            .module_ast(m)
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.kind {
                ItemKind::Import(imp) => Some((i as u32, imp.clone())),
                _ => None,
            })
            .collect();
        for (idx, imp) in imports {
            let Some(&target) = targets.get(&idx) else {
                continue;
            };
            for name in &imp.names {
                self.import_one(m, target, &imp.path, name);
            }
        }
    }

    /// The import of module `m` that names `name` (by its span).
    fn import_of(&self, m: ModuleId, name: &ast::Ident) -> Option<&ast::Import> {
        self.defs
            .module(m)
            .ast
            .items
            .iter()
            .find_map(|item| match &item.kind {
                ItemKind::Import(i) if i.names.iter().any(|n| n.name.span == name.span) => Some(i),
                _ => None,
            })
    }

    pub(super) fn import_one(
        &mut self,
        m: ModuleId,
        target: ModuleId,
        path: &str,
        name: &ast::ImportName,
    ) {
        let tm = self.defs.module(target);
        let local = name.alias.clone().unwrap_or_else(|| name.name.clone());
        match tm.exports.get(&name.name.name) {
            None => {
                let mut d = Diagnostic::error(
                    diag::E0103,
                    name.name.span,
                    format!("`{}` is not defined in `{path}`", name.name.name),
                )
                .with_primary_label("not found in that module");
                let candidates: Vec<&str> = tm
                    .exports
                    .iter()
                    .filter(|(_, p)| **p)
                    .map(|(n, _)| n.as_str())
                    .collect();
                let home = self
                    .defs
                    .std_module_exporting(&name.name.name)
                    .filter(|h| *h != path);
                if let Some(home) = home {
                    let message = format!(
                        "`{0}` is in `{home}`: import it with `from \"{home}\" import {{ {0} }}`",
                        name.name.name
                    );
                    d = match self.import_of(m, &name.name) {
                        // The import names only this: point it at the right module.
                        Some(imp) if imp.names.len() == 1 => {
                            d.with_suggestion(imp.path_span, format!("\"{home}\""), message)
                        }
                        _ => d.with_help(message),
                    };
                } else if let Some(s) = crate::sema::scope::suggest(&name.name.name, candidates) {
                    d = d.with_suggestion(name.name.span, s, format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                return;
            }
            Some(false) => {
                self.diags.push(
                    Diagnostic::error(
                        diag::E0104,
                        name.name.span,
                        format!("`{}` is private to `{path}`", name.name.name),
                    )
                    .with_help("declare it `pub` to make it importable"),
                );
                return;
            }
            Some(true) => {}
        }
        let value = tm.values.get(&name.name.name).copied();
        let ty = tm.types.get(&name.name.name).copied();
        // Items are registered before imports: a clash with one is reported at the import,
        // naming the declaration it clashes with.
        let ns = if value.is_some() { VALUES } else { TYPES };
        let key = (ns, local.name.clone());
        let prev = self.spans.get(m.0 as usize).and_then(|s| s.get(&key));
        if let Some(prev) = prev.filter(|_| !self.imported.contains(&(m, key.clone()))) {
            self.diags.push(
                Diagnostic::error(
                    diag::E0105,
                    local.span,
                    format!("the name `{}` is defined more than once: it is imported, and this module declares it too", local.name),
                )
                .with_primary_label("imported here")
                .with_label(*prev, "also declared here")
                .with_help(format!("rename one of them, or import it under another name: `{} as ...`", name.name.name)),
            );
            return;
        }
        self.imported.insert((m, key));
        if let Some(v) = value {
            if self.define(m, VALUES, &local, false) {
                self.defs.modules[m.0 as usize]
                    .values
                    .insert(local.name.clone(), v);
            }
        }
        if let Some(t) = ty {
            if self.define(m, TYPES, &local, false) {
                self.defs.modules[m.0 as usize]
                    .types
                    .insert(local.name.clone(), t);
            }
        }
    }
}
