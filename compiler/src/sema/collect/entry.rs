//! Script mode, the program's entry point (`main` or the script body), and the signatures
//! of the test functions `weft test` runs.

use super::*;

impl Collector<'_> {
    /// The root is a script when it has top-level statements other than constants and no
    /// `main` function.
    pub(super) fn mark_script(&mut self, root: ModuleId) {
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

    /// The entry point: the root's `main`, or a synthesized one for a script.
    pub(super) fn entry_point(&mut self, root: ModuleId) -> Option<FnId> {
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

    /// Every `test fn` (and `@test fn`) is a free, non-generic function without
    /// parameters that returns nothing (E0115): `weft test` calls each on its own.
    pub(super) fn check_test_fns(&mut self) {
        for f in &self.defs.fns {
            if !f.flags.is_test {
                continue;
            }
            let why = if f.self_ty.is_some() {
                "it is declared in an `impl` block"
            } else if f.is_generic() {
                "it is generic"
            } else if !f.params.is_empty() {
                "it has parameters"
            } else if !matches!(f.ret, Ty::Void | Ty::Error) {
                "it returns a value"
            } else if f.flags.is_async || f.flags.is_gen || f.flags.is_extern {
                "it is `async`, `gen` or `extern`"
            } else {
                continue;
            };
            self.diags.push(
                Diagnostic::error(
                    diag::E0115,
                    f.sig_span,
                    format!("invalid signature for the test function `{}`: {why}", f.name),
                )
                .with_note("a test function is a free function without parameters that returns nothing: `test fn name() { ... }`")
                .with_help("report failures with `assert(cond, msg)`, `assertEq(a, b)` or `panic(msg)`"),
            );
        }
    }
}
