//! Function signatures, free and in `impl` blocks: parameters, results, bodies
//! (AST, intrinsic, extern) and the method table by receiver type head.

use super::*;

impl Collector<'_> {
    pub(super) fn lower_fns(&mut self) {
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
    pub(super) fn lower_fn(
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
            flags: ast::FnFlags {
                // `@test fn` is `test fn` (docs/reference.md section 3.12).
                is_test: decl.flags.is_test
                    || item.annotations.iter().any(|a| a.name.name == "test"),
                ..decl.flags
            },
            link: annotation_str(item, "link"),
            requires_send: Vec::new(),
            effects: decl.effects.clone(),
        }
    }

    pub(super) fn fn_body(
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

    pub(super) fn lower_impls(&mut self, m: ModuleId) {
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

    pub(super) fn lower_impl(&mut self, m: ModuleId, idx: u32, imp: &ast::ImplDecl) {
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
    pub(super) fn impl_allowed(&mut self, m: ModuleId, head: TypeHead, span: Span) -> bool {
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
    pub(super) fn add_method(&mut self, head: TypeHead, def: FnDef) -> Option<FnId> {
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
}

/// A short name for a type head, for method display names.
pub(super) fn head_name(defs: &Defs, t: &Ty) -> String {
    match t {
        Ty::Adt(id, _) => defs.adt(*id).name.clone(),
        Ty::Vec(_) => "Vec".into(),
        Ty::Map(..) => "HashMap".into(),
        Ty::Box(_) => "Box".into(),
        other => defs.show(other).to_string(),
    }
}
