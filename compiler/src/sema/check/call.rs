//! Calls: free functions, methods, static functions of types, enum variant constructors,
//! closure values and `print`; argument passing modes, defaults and generic inference.

use super::fncx::FnCx;
use crate::common::ty::{AdtId, PassMode, Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::{FnBody, FnDef, FnId, ModuleId, TypeDef, TypeHead, ValueDef};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, UnOp};

/// A parameter as seen at one call.
struct ParamSig {
    name: String,
    ty: Ty,
    mode: PassMode,
    is_move: bool,
    /// The declared type is a closure type (so a local closure may be passed).
    takes_closure: bool,
    default: Option<(ast::Expr, ModuleId)>,
}

impl FnCx<'_, '_> {
    /// Fresh type arguments for `def`'s generics; `explicit` gives its own (non-impl) ones.
    pub fn instantiate_generics(&mut self, def: &FnDef, explicit: &[Ty], span: Span) -> Vec<Ty> {
        let own = def.generics.len() - def.impl_generics;
        if !explicit.is_empty() && explicit.len() != own {
            self.error(
                diag::E0113,
                span,
                format!(
                    "`{}` takes {own} type argument{} but {} were given",
                    def.display,
                    if own == 1 { "" } else { "s" },
                    explicit.len()
                ),
            );
        }
        let mut args: Vec<Ty> = (0..def.impl_generics)
            .map(|_| self.new_var(VarKind::General, span))
            .collect();
        for i in 0..own {
            match explicit.get(i) {
                Some(t) if explicit.len() == own => args.push(t.clone()),
                _ => args.push(self.new_var(VarKind::General, span)),
            }
        }
        args
    }

    /// The method `name` of a value of type `t` (probing which impl applies).
    pub fn find_method(&mut self, t: &Ty, name: &str) -> Option<FnId> {
        let t = self.resolve(t);
        let head = TypeHead::of(&t)?;
        let cands = self.g.defs.methods.get(&(head, name.to_string()))?.clone();
        for c in cands {
            let def = self.g.defs.func(c).clone();
            let Some(self_ty) = &def.self_ty else {
                continue;
            };
            let fresh: Vec<Ty> = (0..def.generics.len())
                .map(|_| self.new_var(VarKind::General, Span::default()))
                .collect();
            if self.try_unify(&self_ty.subst(&fresh), &t) {
                return Some(c);
            }
        }
        None
    }

    pub fn check_method_call(
        &mut self,
        receiver: &ast::Expr,
        method: &ast::Ident,
        type_args: &[ast::Type],
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let explicit: Vec<Ty> = type_args.iter().map(|t| self.lower_type(t)).collect();
        if let Some((ty, _)) = self.type_path(receiver) {
            return self.check_static_call(ty, method, &explicit, args, expected, span);
        }
        let recv = self.check_expr(receiver, None);
        self.method_on_value(recv, method, &explicit, args, expected, span)
    }

    fn method_on_value(
        &mut self,
        recv: TExpr,
        method: &ast::Ident,
        explicit: &[Ty],
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let mut rty = self.resolve(&recv.ty);
        if rty.has_error() || self.is_opaque(&rty) || rty.is_never() {
            self.check_args_loosely(args);
            return self.error_expr(span);
        }
        // An unsuffixed literal whose type nothing else fixes has its default type here:
        // `5.toString()` is an `i64` method call.
        let default = match self.var_kind(&rty) {
            Some(VarKind::Int) => Some(Ty::i64()),
            Some(VarKind::Float) => Some(Ty::Float(crate::common::ty::FloatTy::F64)),
            _ => None,
        };
        if let Some(d) = default {
            self.unify(&rty, &d);
            rty = d;
        }
        if matches!(rty, Ty::Infer(_)) {
            self.push(
                Diagnostic::error(diag::E0204, recv.span, "type annotations needed")
                    .with_primary_label(format!(
                        "the type of this value must be known to call `{}`",
                        method.name
                    )),
            );
            self.check_args_loosely(args);
            return self.error_expr(span);
        }
        let Some(f) = self.find_method(&rty, &method.name) else {
            return self.method_fallback(recv, method, explicit, args, expected, span);
        };
        let def = self.g.defs.func(f).clone();
        let Some(mutable) = def.receiver else {
            let shown = self.show(&rty);
            self.push(
                Diagnostic::error(
                    diag::E0108,
                    method.span,
                    format!("`{}` is not a method of `{shown}`", method.name),
                )
                .with_note(format!("`{}` has no `self` parameter", def.display))
                .with_help(format!("call it on the type: `{}(...)`", def.display)),
            );
            self.check_args_loosely(args);
            return self.error_expr(span);
        };
        self.check_private(&def, method.span);
        let type_args = self.instantiate_generics(&def, explicit, method.span);
        if let Some(self_ty) = &def.self_ty {
            self.unify(&self_ty.subst(&type_args), &rty);
        }
        if mutable {
            self.require_mutable_place(
                &recv,
                &format!("call `{}`, which takes `mut self`, on", method.name),
            );
        }
        let mode = if mutable {
            PassMode::RefMut
        } else {
            PassMode::Ref
        };
        let recv_arg = TArg { expr: recv, mode };
        self.call_fn(f, type_args, Some(recv_arg), args, expected, span)
    }

    /// No method found: auto-dereference `Box`, call a closure-typed field, or report.
    fn method_fallback(
        &mut self,
        recv: TExpr,
        method: &ast::Ident,
        explicit: &[Ty],
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let rty = self.resolve(&recv.ty);
        if let Ty::Box(inner) = &rty {
            let deref = TExpr {
                kind: TExprKind::Deref(Box::new(recv)),
                ty: (**inner).clone(),
                span,
            };
            return self.method_on_value(deref, method, explicit, args, expected, span);
        }
        // `a.len()` of a fixed array is its static length (the receiver is still evaluated).
        if let (Ty::Array(_, n), "len", []) = (&rty, method.name.as_str(), args) {
            let len = TExpr {
                kind: TExprKind::Int(*n),
                ty: Ty::i64(),
                span,
            };
            let block = TBlock {
                stmts: vec![TStmt::Expr(recv)],
                value: Some(Box::new(len)),
                span,
            };
            return TExpr {
                kind: TExprKind::Block(block),
                ty: Ty::i64(),
                span,
            };
        }
        if let Ty::Adt(id, targs) = &rty {
            let fields = self.g.defs.adt(*id).fields();
            if let Some(i) = fields.iter().position(|f| f.name == method.name) {
                let fty = fields[i].ty.subst(targs);
                if matches!(fty, Ty::Fn(_)) {
                    let field = TExpr {
                        kind: TExprKind::Field {
                            base: Box::new(recv),
                            index: i as u32,
                        },
                        ty: fty,
                        span,
                    };
                    return self.call_value(field, args, span);
                }
            }
        }
        let shown = self.show(&rty);
        let mut d = Diagnostic::error(
            diag::E0108,
            method.span,
            format!("no method named `{}` found for `{shown}`", method.name),
        )
        .with_primary_label("method not found");
        let lang = &self.g.defs.lang;
        let inner = match lang.as_result(&rty) {
            Some((ok, _)) => Some((ok.clone(), "a `Result`")),
            None => lang.as_option(&rty).map(|t| (t.clone(), "an `Option`")),
        };
        if let Some(value) = lang.as_promise(&rty).cloned() {
            if self.find_method(&value, &method.name).is_some() {
                d = d.with_suggestion(
                    recv.span.end_point(),
                    ".await()!",
                    format!(
                        "this is a `Promise` of a `{}`: wait for its value with `.await()!` first",
                        self.show(&value)
                    ),
                );
            }
        } else if let Some((inner, what)) = inner {
            if self.find_method(&inner, &method.name).is_some() {
                d = d.with_help(format!(
                    "this value is {what}: unwrap it with `!` (or `?`) first, e.g. `x!.{}(...)`",
                    method.name
                ));
            }
        }
        if let Some(head) = TypeHead::of(&rty) {
            if let Some(ids) = self.g.defs.methods.get(&(head, method.name.clone())) {
                if let Some(t) = ids
                    .first()
                    .and_then(|f| self.g.defs.func(*f).self_ty.clone())
                {
                    d = d.with_note(format!(
                        "`{}` exists for `{}`",
                        method.name,
                        self.g.defs.show(&t)
                    ));
                }
            } else {
                let names: Vec<String> = self
                    .g
                    .defs
                    .methods
                    .keys()
                    .filter(|(h, _)| *h == head)
                    .map(|(_, n)| n.clone())
                    .collect();
                if let Some(s) = crate::sema::scope::suggest_member(
                    &method.name,
                    names.iter().map(String::as_str),
                ) {
                    d = d.with_suggestion(
                        method.span,
                        s,
                        format!("did you mean `{s}`? `{shown}` has a method `{s}`"),
                    );
                }
            }
        }
        self.push(d);
        self.check_args_loosely(args);
        self.error_expr(span)
    }

    /// `Type.name(args)`: an enum variant or a static function of the type.
    fn check_static_call(
        &mut self,
        ty: Ty,
        method: &ast::Ident,
        explicit: &[Ty],
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        if ty.is_error() {
            self.check_args_loosely(args);
            return self.error_expr(span);
        }
        if let Ty::Adt(id, _) = &ty {
            if let Some(v) = self
                .g
                .defs
                .adt(*id)
                .variants()
                .iter()
                .position(|v| v.name == method.name)
            {
                let exp = expected.cloned();
                let r = self.variant_ctor(*id, v as u32, args, exp.as_ref().or(Some(&ty)), span);
                self.unify(&r.ty, &ty);
                return r;
            }
        }
        let Some(f) = self.find_method(&ty, &method.name) else {
            let shown = self.show(&ty);
            let mut d = Diagnostic::error(
                diag::E0108,
                method.span,
                format!(
                    "no function or variant named `{}` found for `{shown}`",
                    method.name
                ),
            );
            if let Ty::Adt(id, _) = &ty {
                let adt = self.g.defs.adt(*id);
                let mut names: Vec<String> =
                    adt.variants().iter().map(|v| v.name.clone()).collect();
                names.extend(
                    self.g
                        .defs
                        .methods
                        .keys()
                        .filter(|(h, _)| *h == TypeHead::Adt(*id))
                        .map(|(_, n)| n.clone()),
                );
                if let Some(s) = crate::sema::scope::suggest_member(
                    &method.name,
                    names.iter().map(String::as_str),
                ) {
                    d = d.with_suggestion(method.span, s, format!("did you mean `{s}`?"));
                }
            }
            self.push(d);
            self.check_args_loosely(args);
            return self.error_expr(span);
        };
        let def = self.g.defs.func(f).clone();
        if def.receiver.is_some() {
            self.push(
                Diagnostic::error(
                    diag::E0108,
                    method.span,
                    format!("`{}` is a method, not a function of the type", def.display),
                )
                .with_help(format!("call it on a value: `value.{}(...)`", method.name)),
            );
            self.check_args_loosely(args);
            return self.error_expr(span);
        }
        self.check_private(&def, method.span);
        let type_args = self.instantiate_generics(&def, explicit, method.span);
        if let Some(self_ty) = &def.self_ty {
            self.unify(&self_ty.subst(&type_args), &ty);
        }
        self.call_fn(f, type_args, None, args, expected, span)
    }

    fn check_private(&mut self, def: &FnDef, span: Span) {
        if !def.public && def.module != self.module {
            self.push(
                Diagnostic::error(diag::E0104, span, format!("`{}` is private", def.display))
                    .with_note("it is not declared `pub` in its module"),
            );
        }
    }

    /// `callee(args)`.
    pub fn check_call(
        &mut self,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        match &callee.kind {
            ExprKind::Name(id) if !self.lookup_local_silent(&id.name) => {
                match self.g.defs.lookup_value(self.module, &id.name) {
                    Some(ValueDef::Fn(f)) => {
                        let def = self.g.defs.func(f).clone();
                        let type_args = self.instantiate_generics(&def, &[], id.span);
                        return self.call_fn(f, type_args, None, args, expected, span);
                    }
                    Some(ValueDef::Variant(adt, v)) => {
                        return self.variant_ctor(adt, v, args, expected, span)
                    }
                    Some(ValueDef::Print { stderr }) => {
                        return self.check_print(args, stderr, span)
                    }
                    Some(ValueDef::Const(_)) => {}
                    None => {
                        if let Some((adt, v)) = self.bare_variant(&id.name, expected, id.span) {
                            return self.variant_ctor(adt, v, args, expected, span);
                        }
                        if let Some(TypeDef::Adt(a)) =
                            self.g.defs.lookup_type(self.module, &id.name)
                        {
                            let name = self.g.defs.adt(a).name.clone();
                            self.push(
                                Diagnostic::error(diag::E0205, id.span, format!("`{name}` is a type, not a function"))
                                    .with_help(format!("construct it with `{name} {{ ... }}` or call one of its functions, e.g. `{name}.new(...)`")),
                            );
                            self.check_args_loosely(args);
                            return self.error_expr(span);
                        }
                        self.unknown_value(id);
                        self.check_args_loosely(args);
                        return self.error_expr(span);
                    }
                }
            }
            ExprKind::Generic { name, args: targs } if !self.lookup_local_silent(&name.name) => {
                if let Some(ValueDef::Fn(f)) = self.g.defs.lookup_value(self.module, &name.name) {
                    let explicit: Vec<Ty> = targs.iter().map(|t| self.lower_type(t)).collect();
                    let def = self.g.defs.func(f).clone();
                    let type_args = self.instantiate_generics(&def, &explicit, name.span);
                    return self.call_fn(f, type_args, None, args, expected, span);
                }
            }
            _ => {}
        }
        let value = self.check_expr(callee, None);
        self.call_value(value, args, span)
    }

    /// Calls a closure value.
    fn call_value(&mut self, callee: TExpr, args: &[ast::Expr], span: Span) -> TExpr {
        let cty = self.resolve(&callee.ty);
        let Ty::Fn(ft) = &cty else {
            if !cty.has_error() && !self.is_opaque(&cty) {
                let shown = self.show(&cty);
                self.push(
                    Diagnostic::error(
                        diag::E0205,
                        callee.span,
                        format!("a value of type `{shown}` cannot be called"),
                    )
                    .with_primary_label("not a function"),
                );
            }
            self.check_args_loosely(args);
            return self.error_expr(span);
        };
        let params: Vec<ParamSig> = self
            .non_void_params(&ft.params)
            .into_iter()
            .enumerate()
            .map(|(i, (mode, ty))| ParamSig {
                name: format!("#{}", i + 1),
                takes_closure: matches!(ty, Ty::Fn(_)),
                ty,
                mode,
                is_move: false,
                default: None,
            })
            .collect();
        let what = match &callee.kind {
            TExprKind::Local(id) => format!("the closure `{}`", self.local(*id).name),
            _ => "this closure".to_string(),
        };
        let targs = self.check_args(&what, &params, args, span);
        TExpr {
            kind: TExprKind::Call {
                callee: Callee::Value(Box::new(callee)),
                args: targs,
            },
            ty: ft.ret.clone(),
            span,
        }
    }

    /// Calls a declared function with the given (possibly inferred) type arguments.
    fn call_fn(
        &mut self,
        f: FnId,
        type_args: Vec<Ty>,
        receiver: Option<TArg>,
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let def = self.g.defs.func(f).clone();
        if matches!(def.body, FnBody::Extern) {
            self.require_unsafe(span, &format!("calling the C function `{}`", def.name));
        }
        let mut ret = def.ret.subst(&type_args);
        if def.flags.is_async {
            ret = self.promise_of(ret);
        }
        if def.flags.is_gen {
            ret = self.g.defs.lang.generator_of(ret);
        }
        let mut blame = self.blame_begin(&type_args, expected, receiver.as_ref());
        if let Some(exp) = expected {
            if !matches!(self.resolve(exp), Ty::Infer(_)) {
                self.try_unify(&ret, exp);
            }
        }
        self.blame_expected(&mut blame, &type_args);
        let params: Vec<ParamSig> = def
            .params
            .iter()
            .map(|p| ParamSig {
                name: p.name.clone(),
                ty: p.ty.subst(&type_args),
                mode: p.mode,
                is_move: p.is_move,
                takes_closure: matches!(p.ty, Ty::Fn(_)),
                default: p.default.clone().map(|d| (d, def.module)),
            })
            .collect();
        let mut targs: Vec<TArg> = receiver.into_iter().collect();
        let mark = self.g.diags.len();
        let checked = self.check_args(&format!("`{}`", def.display), &params, args, span);
        self.blame_end(blame, mark, &def, args, &checked);
        targs.extend(checked);
        TExpr {
            kind: TExprKind::Call {
                callee: Callee::Fn(FnRef {
                    fn_id: f,
                    type_args,
                }),
                args: targs,
            },
            ty: ret,
            span,
        }
    }

    /// `Promise<t>` (std/runtime), for `async fn`.
    pub fn promise_of(&self, t: Ty) -> Ty {
        self.g.defs.lang.promise_of(t)
    }

    /// Matches arguments to parameters: arity (E0201), defaults, omitted `void`
    /// parameters, passing modes; closures are checked last so they see inferred types.
    fn check_args(
        &mut self,
        callee: &str,
        params: &[ParamSig],
        args: &[ast::Expr],
        span: Span,
    ) -> Vec<TArg> {
        // A broken argument list is one error expression: its arity means nothing.
        if args.iter().any(|a| matches!(a.kind, ExprKind::Error)) {
            self.check_args_loosely(args);
            return Vec::new();
        }
        if args.len() > params.len() {
            let extra = &args[params.len()];
            self.push(
                Diagnostic::error(
                    diag::E0201,
                    extra.span,
                    format!(
                        "{callee} takes {} argument{} but {} were supplied",
                        params.len(),
                        if params.len() == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_primary_label("unexpected argument"),
            );
            self.check_args_loosely(&args[params.len()..]);
        }
        let mut out: Vec<Option<TArg>> = vec![None; params.len()];
        let mut missing = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if i < args.len() {
                if !matches!(args[i].kind, ExprKind::Closure(_)) {
                    out[i] = Some(self.check_arg(p, &args[i]));
                }
            } else if let Some((d, module)) = &p.default {
                out[i] = Some(self.check_default(p, d, *module));
            } else if self.accepts_void(&p.ty) {
                out[i] = Some(TArg {
                    expr: TExpr {
                        kind: TExprKind::Unit,
                        ty: Ty::Void,
                        span,
                    },
                    mode: PassMode::Value,
                });
            } else {
                missing.push(p);
            }
        }
        for (i, p) in params.iter().enumerate().take(args.len()) {
            if out[i].is_none() {
                out[i] = Some(self.check_arg(p, &args[i]));
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|p| format!("`{}: {}`", p.name, self.show(&p.ty)))
                .collect();
            self.push(
                Diagnostic::error(
                    diag::E0201,
                    span,
                    format!(
                        "{callee} takes {} argument{} but {} were supplied",
                        params.len(),
                        if params.len() == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_primary_label(format!("missing {}", list.join(", "))),
            );
        }
        out.into_iter().flatten().collect()
    }

    /// A missing argument is allowed for a `void` parameter (or a generic one, which then
    /// becomes `void`: `Mutex.new()` is a `Mutex<void>`).
    fn accepts_void(&mut self, t: &Ty) -> bool {
        let r = self.resolve(t);
        r.is_void() || (self.var_kind(&r) == Some(VarKind::General) && self.unify(&r, &Ty::Void))
    }

    fn check_arg(&mut self, p: &ParamSig, arg: &ast::Expr) -> TArg {
        match p.mode {
            PassMode::RefMut => self.check_ref_mut_arg(p, arg),
            PassMode::Ref => {
                let inner = match &arg.kind {
                    ExprKind::Unary {
                        op: UnOp::Ref,
                        expr,
                    } => &**expr,
                    _ => arg,
                };
                let te = self.check_coerce(inner, &p.ty);
                TArg {
                    expr: te,
                    mode: PassMode::Ref,
                }
            }
            PassMode::Value => {
                let mut arg = arg;
                if let ExprKind::Unary {
                    op: UnOp::Ref | UnOp::RefMut,
                    expr,
                } = &arg.kind
                {
                    self.push(
                        Diagnostic::error(
                            diag::E0220,
                            arg.span,
                            format!("parameter `{}` takes a value, not a reference", p.name),
                        )
                        .with_help("pass the value itself; it is copied"),
                    );
                    arg = &**expr;
                }
                let te = match &arg.kind {
                    ExprKind::Closure(c) => {
                        let te = self.check_closure(c, Some(&p.ty), p.is_move, arg.span);
                        self.coerce(te, &p.ty)
                    }
                    _ => self.check_coerce(arg, &p.ty),
                };
                if p.is_move {
                    self.check_sendable_closure(&te, arg.span);
                }
                if p.is_move || !p.takes_closure {
                    self.check_escape(&te, "be passed here");
                }
                TArg {
                    expr: te,
                    mode: PassMode::Value,
                }
            }
        }
    }

    fn check_ref_mut_arg(&mut self, p: &ParamSig, arg: &ast::Expr) -> TArg {
        let ExprKind::Unary {
            op: UnOp::RefMut,
            expr,
        } = &arg.kind
        else {
            self.push(
                Diagnostic::error(
                    diag::E0220,
                    arg.span,
                    format!(
                        "parameter `{}` is `&mut`: pass a mutable variable as `&mut x`",
                        p.name
                    ),
                )
                .with_help(format!(
                    "write `&mut {}`",
                    crate::sema::check::stmt::snippet_name(match &arg.kind {
                        ExprKind::Unary {
                            op: UnOp::Ref,
                            expr,
                        } => expr,
                        _ => arg,
                    })
                )),
            );
            // `&x` for `&mut x`: one error, not a second one about the stray `&`.
            let inner = match &arg.kind {
                ExprKind::Unary {
                    op: UnOp::Ref,
                    expr,
                } => &**expr,
                _ => arg,
            };
            let te = self.check_expr(inner, Some(&p.ty));
            return TArg {
                expr: te,
                mode: PassMode::RefMut,
            };
        };
        let te = self.check_expr(expr, Some(&p.ty));
        if !self.unify(&te.ty, &p.ty) {
            self.mismatch(te.span, &p.ty, &te.ty.clone());
        }
        self.require_mutable_place(&te, "pass `&mut`");
        TArg {
            expr: te,
            mode: PassMode::RefMut,
        }
    }

    /// Checks a parameter's default value in the callee's module (no caller locals).
    fn check_default(&mut self, p: &ParamSig, d: &ast::Expr, module: ModuleId) -> TArg {
        let saved_module = std::mem::replace(&mut self.module, module);
        let saved = self.hide_scopes();
        self.frames.push(super::fncx::Frame {
            ret: p.ty.clone(),
            is_closure: false,
            is_move: false,
            scope_base: self.scope_depth(),
            captures: Vec::new(),
            loops: Vec::new(),
            returns: false,
            defer_loops: None,
            par: None,
        });
        let te = self.check_coerce(d, &p.ty);
        self.frames.pop();
        self.restore_scopes(saved);
        self.module = saved_module;
        let te = TExpr {
            span: te.span,
            ..te
        };
        TArg {
            expr: te,
            mode: p.mode,
        }
    }

    /// Checks arguments of a call that already failed, so their own errors are reported.
    pub fn check_args_loosely(&mut self, args: &[ast::Expr]) {
        for a in args {
            self.check_expr(a, None);
        }
    }

    /// `Enum.Variant(args)` / `Variant(args)`.
    pub fn variant_ctor(
        &mut self,
        adt: AdtId,
        v: u32,
        args: &[ast::Expr],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let def = self.g.defs.adt(adt).clone();
        let variant = def.variants()[v as usize].clone();
        let ty = self.fresh_adt(adt, expected, span);
        let Ty::Adt(_, targs) = &ty else {
            unreachable!("fresh_adt returns an ADT")
        };
        if args.len() != variant.fields.len() {
            self.push(Diagnostic::error(
                diag::E0201,
                span,
                format!(
                    "variant `{}.{}` takes {} value{} but {} were supplied",
                    def.name,
                    variant.name,
                    variant.fields.len(),
                    if variant.fields.len() == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
            self.check_args_loosely(args);
            return self.error_expr(span);
        }
        let fields: Vec<TExpr> = args
            .iter()
            .zip(&variant.fields)
            .map(|(a, t)| {
                let te = self.check_coerce(a, &t.subst(targs));
                self.check_escape(&te, "be stored in an enum");
                te
            })
            .collect();
        TExpr {
            kind: TExprKind::Variant {
                adt,
                variant: v,
                fields,
            },
            ty,
            span,
        }
    }

    fn check_print(&mut self, args: &[ast::Expr], stderr: bool, span: Span) -> TExpr {
        let targs = args
            .iter()
            .map(|a| {
                let te = self.check_expr(a, None);
                self.require_printable(&te);
                TArg {
                    expr: te,
                    mode: PassMode::Value,
                }
            })
            .collect();
        TExpr {
            kind: TExprKind::Call {
                callee: Callee::Print { stderr },
                args: targs,
            },
            ty: Ty::Void,
            span,
        }
    }
}
