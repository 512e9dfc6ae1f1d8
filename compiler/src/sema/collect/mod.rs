//! Collecting declarations: module namespaces, imports, ADTs, function signatures, impl
//! methods, constants, lang items and the program's entry point.
//!
//! Order: (1) every module registers its item names, so declarations may be used before
//! they appear and across modules; (2) imports copy names between namespaces; (3) ADT
//! bodies and (4) function signatures are lowered to semantic types.
//!
//! - [`names`]: item names in each module's namespaces, imports;
//! - [`annotations`]: where each annotation is allowed, ADT attributes, lang items;
//! - [`adts`]: generics, fields, variants, bare variant names, recursive types;
//! - [`fns`]: function and method signatures, bodies, the method table;
//! - [`entry`]: script mode, the entry point and the signatures of test functions.

mod adts;
mod annotations;
mod entry;
mod fns;
mod names;

use annotations::{adt_attrs, annotation_arg, annotation_str, handle_kind};

use super::defs::*;
use super::modules::Loaded;
use super::resolve_ty::TypeCx;
use crate::common::adt::HandleKind;
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
    c.check_test_fns();
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
}

/// The placeholder the parser leaves for an item or statement it could not parse.
fn is_error_stmt(s: &ast::Stmt) -> bool {
    matches!(&s.kind, StmtKind::Expr { expr, .. } if matches!(expr.kind, ast::ExprKind::Error))
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
