//! Collecting declarations: module namespaces, imports, ADTs, function signatures, impl
//! methods, constants, lang items and the program's entry point.
//!
//! Order: (1) every module registers its item names, so declarations may be used before
//! they appear and across modules; (2) imports copy names between namespaces; (3) ADT
//! bodies and (4) function signatures are lowered to semantic types.

use super::defs::*;
use super::lower::TypeCx;
use super::modules::Loaded;
use crate::common::intrinsic::Intrinsic;
use crate::common::lang::LangItem;
use crate::common::ty::{AdtId, PassMode, Ty};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind, StmtKind};
use std::collections::HashMap;

/// Builds the program's declarations from the loaded modules.
pub fn collect(loaded: Loaded, diags: &mut Diagnostics) -> (Defs, Option<FnId>) {
    let Loaded {
        modules,
        root,
        prelude_count,
        import_targets,
    } = loaded;
    let mut c = Collector {
        defs: Defs {
            modules,
            root,
            prelude_count,
            adts: Vec::new(),
            fns: Vec::new(),
            consts: Vec::new(),
            methods: HashMap::new(),
            lang: Default::default(),
        },
        diags,
        spans: Vec::new(),
        adt_items: Vec::new(),
        fn_items: Vec::new(),
        imported: Default::default(),
    };
    c.mark_script(root);
    for m in 0..c.defs.modules.len() {
        c.register_items(ModuleId(m as u32));
    }
    for (m, targets) in import_targets.iter().enumerate() {
        c.import_names(ModuleId(m as u32), targets);
    }
    c.lower_adts();
    c.lower_fns();
    for m in 0..c.defs.modules.len() {
        c.lower_impls(ModuleId(m as u32));
        c.compute_bare_variants(ModuleId(m as u32));
    }
    c.check_recursive_types();
    let main = c.entry_point(root);
    (c.defs, main)
}

struct Collector<'a> {
    defs: Defs,
    diags: &'a mut Diagnostics,
    /// Per module: the span where each (namespace, name) was first defined.
    spans: Vec<HashMap<(bool, String), Span>>,
    /// Where each ADT / free function was declared: (module, item index).
    adt_items: Vec<(ModuleId, u32)>,
    fn_items: Vec<(ModuleId, u32)>,
    /// The (namespace, name)s each module defines by importing them.
    imported: std::collections::HashSet<(ModuleId, (bool, String))>,
}

/// Namespace flags for duplicate detection.
const VALUES: bool = false;
const TYPES: bool = true;

impl Collector<'_> {
    fn module_ast(&self, m: ModuleId) -> &ast::Module {
        &self.defs.module(m).ast
    }

    /// The root is a script when it has top-level statements other than constants and no
    /// `main` function.
    fn mark_script(&mut self, root: ModuleId) {
        let ast = self.module_ast(root);
        let has_main = ast
            .items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Fn(f) if f.name.name == "main"));
        let has_stmts = ast
            .items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Stmt(s) if !is_error_stmt(s)));
        self.defs.modules[root.0 as usize].is_script = !has_main && has_stmts;
    }

    /// Defines `name` in a namespace of `m`, reporting duplicates.
    fn define(&mut self, m: ModuleId, ns: bool, name: &ast::Ident, public: bool) -> bool {
        while self.spans.len() <= m.0 as usize {
            self.spans.push(HashMap::new());
        }
        let key = (ns, name.name.clone());
        if let Some(prev) = self.spans[m.0 as usize].get(&key) {
            self.diags.push(
                Diagnostic::error(
                    diag::E0105,
                    name.span,
                    format!("the name `{}` is defined more than once", name.name),
                )
                .with_primary_label("redefined here")
                .with_label(*prev, "first defined here"),
            );
            return false;
        }
        self.spans[m.0 as usize].insert(key, name.span);
        let module = &mut self.defs.modules[m.0 as usize];
        let entry = module.exports.entry(name.name.clone()).or_insert(false);
        *entry |= public;
        true
    }

    fn register_items(&mut self, m: ModuleId) {
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

    fn register_adt(&mut self, m: ModuleId, idx: u32, item: &ast::Item, name: &ast::Ident) {
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

    fn register_fn(&mut self, m: ModuleId, idx: u32, item: &ast::Item, f: &ast::FnDecl) {
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

    fn register_const(&mut self, m: ModuleId, idx: u32, item: &ast::Item, stmt: &ast::Stmt) {
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

    fn check_item_annotations(&mut self, m: ModuleId, item: &ast::Item) {
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

    fn import_names(&mut self, m: ModuleId, targets: &HashMap<u32, ModuleId>) {
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

    fn import_one(&mut self, m: ModuleId, target: ModuleId, path: &str, name: &ast::ImportName) {
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
                if let Some(s) = super::scope::suggest(&name.name.name, candidates) {
                    d = d.with_help(format!("did you mean `{s}`?"));
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

    /// Records `item` in the lang items table when it carries `@lang("name")` (std only;
    /// the annotation check reports it elsewhere). `is_fn` tells which kind of lang item
    /// the item can be.
    fn record_lang_item(
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

    fn lower_adts(&mut self) {
        for i in 0..self.adt_items.len() {
            let (m, idx) = self.adt_items[i];
            let item = self.module_ast(m).items[idx as usize].clone();
            let generics_ast = match &item.kind {
                ItemKind::Struct(s) => &s.generics,
                ItemKind::Enum(e) => &e.generics,
                _ => continue,
            };
            let generics = self.lower_generics(m, generics_ast, &[]);
            self.defs.adts[i].generics = generics;
        }
        for i in 0..self.adt_items.len() {
            let (m, idx) = self.adt_items[i];
            let item = self.module_ast(m).items[idx as usize].clone();
            let generics = self.defs.adts[i].generics.clone();
            let cx = TypeCx {
                defs: &self.defs,
                module: m,
                generics: &generics,
            };
            let mut attrs = adt_attrs(&item, &generics);
            let kind = match &item.kind {
                ItemKind::Struct(s) => {
                    attrs.par = s.is_par;
                    match handle_kind(&item) {
                        Some(h) => AdtKind::Handle(h),
                        None => AdtKind::Struct(lower_fields(&cx, &s.fields, self.diags)),
                    }
                }
                ItemKind::Enum(e) => AdtKind::Enum(lower_variants(&cx, &e.variants, self.diags)),
                _ => continue,
            };
            self.defs.adts[i].kind = kind;
            self.defs.adts[i].attrs = attrs;
        }
    }

    /// Lowers generic parameter declarations; `outer` are parameters already in scope
    /// (an impl's, for its methods).
    fn lower_generics(
        &mut self,
        m: ModuleId,
        params: &[ast::GenericParam],
        outer: &[GenericDef],
    ) -> Vec<GenericDef> {
        let mut out: Vec<GenericDef> = outer.to_vec();
        for p in params {
            if let Some(prev) = out.iter().find(|g| g.name == p.name.name) {
                self.diags.push(
                    Diagnostic::error(
                        diag::E0105,
                        p.name.span,
                        format!("generic parameter `{}` is declared twice", p.name.name),
                    )
                    .with_label(prev.span, "first declared here"),
                );
            }
            let default = p.default.as_ref().map(|t| {
                let cx = TypeCx {
                    defs: &self.defs,
                    module: m,
                    generics: &out,
                };
                cx.lower(t, self.diags)
            });
            out.push(GenericDef {
                name: p.name.name.clone(),
                default,
                span: p.name.span,
            });
        }
        out.split_off(outer.len())
    }

    fn lower_fns(&mut self) {
        for i in 0..self.fn_items.len() {
            let (m, idx) = self.fn_items[i];
            let item = self.module_ast(m).items[idx as usize].clone();
            let ItemKind::Fn(decl) = &item.kind else {
                continue;
            };
            let body = FnBody::Ast {
                item: idx,
                impl_item: None,
            };
            let def = self.lower_fn(m, &item, decl, &[], None, body);
            self.defs.fns[i] = def;
        }
    }

    /// Lowers one function signature. `impl_generics` and `self_ty` describe the
    /// enclosing impl for methods.
    fn lower_fn(
        &mut self,
        m: ModuleId,
        item: &ast::Item,
        decl: &ast::FnDecl,
        impl_generics: &[GenericDef],
        self_ty: Option<&Ty>,
        body: FnBody,
    ) -> FnDef {
        let own = self.lower_generics(m, &decl.generics, impl_generics);
        let mut generics = impl_generics.to_vec();
        generics.extend(own);
        let cx = TypeCx {
            defs: &self.defs,
            module: m,
            generics: &generics,
        };
        let mut params = Vec::new();
        for p in &decl.params {
            let (mode, ty) = match &p.ty {
                Some(t) => cx.lower_param(t, self.diags),
                None => {
                    self.diags.push(Diagnostic::error(
                        diag::E0204,
                        p.name.span,
                        format!("parameter `{}` needs a type", p.name.name),
                    ));
                    (PassMode::Value, Ty::Error)
                }
            };
            params.push(ParamDef {
                name: p.name.name.clone(),
                ty,
                mode,
                is_move: p.is_move,
                default: p.default.clone(),
                span: p.name.span,
            });
        }
        let ret = decl
            .ret
            .as_ref()
            .map(|t| cx.lower(t, self.diags))
            .unwrap_or(Ty::Void);
        if decl.receiver.is_some() && self_ty.is_none() {
            self.diags.push(Diagnostic::error(
                diag::E0009,
                decl.receiver.map(|r| r.span).unwrap_or(decl.name.span),
                "`self` is only allowed in the methods of an `impl` block",
            ));
        }
        let body = self.fn_body(m, item, decl, body);
        let display = match self_ty {
            Some(t) => format!("{}.{}", head_name(&self.defs, t), decl.name.name),
            None => decl.name.name.clone(),
        };
        FnDef {
            name: decl.name.name.clone(),
            display,
            module: m,
            span: decl.name.span,
            sig_span: decl.sig_span,
            public: item.public,
            impl_generics: impl_generics.len(),
            self_ty: self_ty.cloned(),
            receiver: decl.receiver.map(|r| r.mutable),
            generics: generics.clone(),
            params,
            ret,
            body,
            flags: decl.flags,
            link: annotation_str(item, "link"),
            requires_send: Vec::new(),
            effects: decl.effects.clone(),
        }
    }

    fn fn_body(
        &mut self,
        m: ModuleId,
        item: &ast::Item,
        decl: &ast::FnDecl,
        body: FnBody,
    ) -> FnBody {
        let intrinsic = annotation_arg(item, "intrinsic");
        match (&decl.body, decl.flags.is_extern, intrinsic) {
            (None, true, _) => FnBody::Extern,
            (None, false, Some((name, span))) => match Intrinsic::from_name(&name) {
                Some(op) => FnBody::Intrinsic(op),
                None => {
                    self.diags.push(Diagnostic::error(
                        diag::E0110,
                        span,
                        format!("unknown intrinsic `{name}`"),
                    ));
                    FnBody::Missing
                }
            },
            (Some(b), true, _) => {
                self.diags.push(Diagnostic::error(
                    diag::E0009,
                    b.span,
                    "an `extern fn` is implemented in C and has no body",
                ));
                FnBody::Extern
            }
            (Some(_), false, _) => body,
            (None, false, None) => {
                let _ = m;
                self.diags.push(
                    Diagnostic::error(
                        diag::E0009,
                        decl.sig_span,
                        format!("function `{}` has no body", decl.name.name),
                    )
                    .with_help("add a body `{ ... }`, or declare a C function with `extern fn`"),
                );
                FnBody::Missing
            }
        }
    }

    fn lower_impls(&mut self, m: ModuleId) {
        let impls: Vec<(u32, ast::ImplDecl)> = self
            .module_ast(m)
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.kind {
                ItemKind::Impl(imp) => Some((i as u32, imp.clone())),
                _ => None,
            })
            .collect();
        for (idx, imp) in impls {
            self.lower_impl(m, idx, &imp);
        }
    }

    fn lower_impl(&mut self, m: ModuleId, idx: u32, imp: &ast::ImplDecl) {
        let generics = self.lower_generics(m, &imp.generics, &[]);
        let cx = TypeCx {
            defs: &self.defs,
            module: m,
            generics: &generics,
        };
        let target = cx.lower(&imp.target, self.diags);
        let Some(head) = TypeHead::of(&target) else {
            if !target.is_error() {
                self.diags.push(Diagnostic::error(
                    diag::E0009,
                    imp.target.span,
                    format!("cannot declare methods for `{}`", self.defs.show(&target)),
                ));
            }
            return;
        };
        if !self.impl_allowed(m, head, imp.target.span) {
            return;
        }
        for (j, it) in imp.items.iter().enumerate() {
            let ItemKind::Fn(decl) = &it.kind else {
                continue;
            };
            let body = FnBody::Ast {
                item: idx,
                impl_item: Some(j as u32),
            };
            self.check_item_annotations(m, it);
            let def = self.lower_fn(m, it, decl, &generics, Some(&target), body);
            if let Some(id) = self.add_method(head, def) {
                self.record_lang_item(it, |lang, l| lang.set_fn(l, id), true);
            }
        }
    }

    /// User code may add methods only to its own types; std may extend builtin types.
    fn impl_allowed(&mut self, m: ModuleId, head: TypeHead, span: Span) -> bool {
        let module = self.defs.module(m);
        let ok = match head {
            TypeHead::Adt(id) => self.defs.adt(id).module == m,
            _ => module.is_std,
        };
        if !ok {
            self.diags.push(
                Diagnostic::error(
                    diag::E0009,
                    span,
                    "methods can only be declared in the module that declares the type",
                )
                .with_help("write a free function that takes the value as a parameter"),
            );
        }
        ok
    }

    /// Registers a method; None when it is a duplicate (reported).
    fn add_method(&mut self, head: TypeHead, def: FnDef) -> Option<FnId> {
        let key = (head, def.name.clone());
        let existing = self.defs.methods.get(&key).cloned().unwrap_or_default();
        for &prev in &existing {
            let p = self.defs.func(prev);
            if p.self_ty == def.self_ty {
                self.diags.push(
                    Diagnostic::error(
                        diag::E0105,
                        def.span,
                        format!("method `{}` is defined more than once", def.name),
                    )
                    .with_label(p.span, "first defined here"),
                );
                return None;
            }
        }
        let id = FnId(self.defs.fns.len() as u32);
        self.defs.fns.push(def);
        self.defs.methods.entry(key).or_default().push(id);
        Some(id)
    }

    /// Variants of every enum visible in `m` (own, imported, prelude), by bare name.
    fn compute_bare_variants(&mut self, m: ModuleId) {
        let mut enums: Vec<AdtId> = self
            .defs
            .module(m)
            .types
            .values()
            .filter_map(|t| match t {
                TypeDef::Adt(id) => Some(*id),
                _ => None,
            })
            .collect();
        for pm in 0..self.defs.prelude_count {
            let module = &self.defs.modules[pm];
            for (name, t) in &module.types {
                if let (TypeDef::Adt(id), Some(true)) = (t, module.exports.get(name)) {
                    enums.push(*id);
                }
            }
        }
        enums.sort();
        enums.dedup();
        let mut map: HashMap<String, Vec<(AdtId, u32)>> = HashMap::new();
        for id in enums {
            for (i, v) in self.defs.adt(id).variants().iter().enumerate() {
                map.entry(v.name.clone()).or_default().push((id, i as u32));
            }
        }
        self.defs.modules[m.0 as usize].bare_variants = map;
    }

    /// Reports structs and enums that contain themselves by value (E0114).
    fn check_recursive_types(&mut self) {
        for i in 0..self.defs.adts.len() {
            let id = AdtId(i as u32);
            let mut path = Vec::new();
            if self.contains_by_value(id, id, &mut path, 0) {
                let adt = self.defs.adt(id);
                self.diags.push(
                    Diagnostic::error(
                        diag::E0114,
                        adt.span,
                        format!("recursive type `{}` has infinite size", adt.name),
                    )
                    .with_help("put the recursive part in a `Box`, a `Vec` or a `HashMap`: `next: Box<Node>?`"),
                );
            }
        }
    }

    fn contains_by_value(
        &self,
        target: AdtId,
        cur: AdtId,
        seen: &mut Vec<AdtId>,
        depth: u32,
    ) -> bool {
        if depth > 64 || seen.contains(&cur) {
            return false;
        }
        seen.push(cur);
        let adt = self.defs.adt(cur);
        let tys: Vec<&Ty> = match &adt.kind {
            AdtKind::Struct(fs) => fs.iter().map(|f| &f.ty).collect(),
            AdtKind::Enum(vs) => vs.iter().flat_map(|v| v.fields.iter()).collect(),
            AdtKind::Handle(_) => Vec::new(),
        };
        let mut found = false;
        for t in tys {
            inline_adts(t, &mut |a| {
                if a == target || self.contains_by_value(target, a, seen, depth + 1) {
                    found = true;
                }
            });
        }
        seen.pop();
        found
    }

    /// The entry point: the root's `main`, or a synthesized one for a script.
    fn entry_point(&mut self, root: ModuleId) -> Option<FnId> {
        if self.defs.module(root).is_script {
            let file = self.defs.module(root).file;
            let span = Span::new(file, 0, 0);
            let id = FnId(self.defs.fns.len() as u32);
            self.defs.fns.push(FnDef {
                name: "main".into(),
                display: "main".into(),
                module: root,
                span,
                sig_span: span,
                public: false,
                generics: Vec::new(),
                impl_generics: 0,
                self_ty: None,
                receiver: None,
                params: Vec::new(),
                ret: Ty::Void,
                body: FnBody::Script,
                flags: ast::FnFlags::default(),
                link: None,
                requires_send: Vec::new(),
                effects: None,
            });
            return Some(id);
        }
        let Some(ValueDef::Fn(id)) = self.defs.module(root).values.get("main").copied() else {
            return None;
        };
        let f = self.defs.func(id);
        let ok_ret = matches!(
            f.ret,
            Ty::Void | Ty::Int(crate::common::ty::IntTy::I32) | Ty::Error
        );
        if !f.params.is_empty() || f.is_generic() || !ok_ret || f.flags.is_async || f.flags.is_gen {
            self.diags.push(
                Diagnostic::error(diag::E0111, f.sig_span, "invalid signature for `main`")
                    .with_note("`main` takes no parameters and returns `i32` or nothing")
                    .with_help("read arguments with `args()` from std/io"),
            );
        }
        Some(id)
    }
}

/// The placeholder the parser leaves for an item or statement it could not parse.
fn is_error_stmt(s: &ast::Stmt) -> bool {
    matches!(&s.kind, StmtKind::Expr { expr, .. } if matches!(expr.kind, ast::ExprKind::Error))
}

/// Calls `f` for every ADT stored inline in a value of type `t` (not behind Box/Vec/Map).
fn inline_adts(t: &Ty, f: &mut dyn FnMut(AdtId)) {
    match t {
        Ty::Adt(id, args) => {
            f(*id);
            args.iter().for_each(|a| inline_adts(a, f));
        }
        Ty::Tuple(ts) => ts.iter().for_each(|a| inline_adts(a, f)),
        Ty::Array(e, _) => inline_adts(e, f),
        _ => {}
    }
}

fn placeholder_fn(m: ModuleId, f: &ast::FnDecl) -> FnDef {
    FnDef {
        name: f.name.name.clone(),
        display: f.name.name.clone(),
        module: m,
        span: f.name.span,
        sig_span: f.sig_span,
        public: false,
        generics: Vec::new(),
        impl_generics: 0,
        self_ty: None,
        receiver: None,
        params: Vec::new(),
        ret: Ty::Error,
        body: FnBody::Missing,
        flags: f.flags,
        link: None,
        requires_send: Vec::new(),
        effects: None,
    }
}

/// The string argument of `@name("...")`, if present.
fn annotation_str(item: &ast::Item, name: &str) -> Option<String> {
    annotation_arg(item, name).map(|(s, _)| s)
}

/// The string argument of annotation `@name("...")` with its span.
fn annotation_arg(item: &ast::Item, name: &str) -> Option<(String, Span)> {
    item.annotations
        .iter()
        .find(|a| a.name.name == name)
        .and_then(|a| match a.args.first().map(|e| (&e.kind, e.span)) {
            Some((ast::ExprKind::Str(s), span)) => Some((s.clone(), span)),
            _ => None,
        })
}

fn handle_kind(item: &ast::Item) -> Option<String> {
    annotation_str(item, "handle")
}

fn adt_attrs(item: &ast::Item, generics: &[GenericDef]) -> AdtAttrs {
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

/// A short name for a type head, for method display names.
fn head_name(defs: &Defs, t: &Ty) -> String {
    match t {
        Ty::Adt(id, _) => defs.adt(*id).name.clone(),
        Ty::Vec(_) => "Vec".into(),
        Ty::Map(..) => "HashMap".into(),
        Ty::Box(_) => "Box".into(),
        other => defs.show(other).to_string(),
    }
}

/// Lowers a struct's field declarations, reporting duplicates.
fn lower_fields(cx: &TypeCx, fields: &[ast::FieldDecl], diags: &mut Diagnostics) -> Vec<FieldDef> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for f in fields {
        if let Some(prev) = seen.insert(&f.name.name, f.name.span) {
            diags.push(
                Diagnostic::error(
                    diag::E0105,
                    f.name.span,
                    format!("field `{}` is declared twice", f.name.name),
                )
                .with_label(prev, "first declared here"),
            );
            continue;
        }
        out.push(FieldDef {
            name: f.name.name.clone(),
            ty: cx.lower(&f.ty, diags),
            span: f.name.span,
        });
    }
    out
}

/// Lowers an enum's variant declarations, reporting duplicates.
fn lower_variants(
    cx: &TypeCx,
    variants: &[ast::VariantDecl],
    diags: &mut Diagnostics,
) -> Vec<VariantDef> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for v in variants {
        if let Some(prev) = seen.insert(&v.name.name, v.name.span) {
            diags.push(
                Diagnostic::error(
                    diag::E0105,
                    v.name.span,
                    format!("variant `{}` is declared twice", v.name.name),
                )
                .with_label(prev, "first declared here"),
            );
            continue;
        }
        out.push(VariantDef {
            name: v.name.name.clone(),
            fields: v.fields.iter().map(|t| cx.lower(t, diags)).collect(),
            span: v.name.span,
        });
    }
    out
}
