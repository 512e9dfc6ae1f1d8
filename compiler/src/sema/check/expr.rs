//! Checking expressions: literals, names, aggregates, fields, indexing, control flow.

use super::fncx::FnCx;
use crate::common::ty::{AdtId, FloatTy, IntTy, Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::{AdtKind, TypeDef, ValueDef};
use crate::sema::resolve_ty::array_size_error;
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind};

impl FnCx<'_, '_> {
    /// Checks an expression. `expected` guides literals, closures and generic inference;
    /// callers that need the type exactly use [`check_coerce`](Self::check_coerce).
    ///
    /// A type nested deeper than [`MAX_TYPE_DEPTH`](super::MAX_TYPE_DEPTH) is E0228
    /// (once per function); the expression then has the error type.
    pub fn check_expr(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> TExpr {
        let mut t = self.check_expr_kind(e, expected);
        let limit = super::MAX_TYPE_DEPTH;
        if self.nests_deeper_than(&t.ty, limit) {
            if !std::mem::replace(&mut self.deep_type_reported, true) {
                self.push(
                    Diagnostic::error(
                        diag::E0228,
                        e.span,
                        format!("the type of this expression nests more than {limit} levels deep"),
                    )
                    .with_help("name the intermediate values, or wrap them in a struct"),
                );
            }
            t.ty = Ty::Error;
        }
        t
    }

    fn check_expr_kind(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> TExpr {
        let span = e.span;
        let mk = |kind, ty| TExpr { kind, ty, span };
        match &e.kind {
            ExprKind::Int(v, suffix) => {
                let ty = match suffix {
                    Some(s) => Ty::Int(IntTy::from_suffix(*s)),
                    None => self.literal_type(expected, VarKind::Int, span),
                };
                mk(TExprKind::Int(*v), ty)
            }
            ExprKind::Float(v, suffix) => {
                let ty = match suffix {
                    Some(crate::syntax::token::FloatSuffix::F32) => Ty::Float(FloatTy::F32),
                    Some(crate::syntax::token::FloatSuffix::F64) => Ty::Float(FloatTy::F64),
                    None => self.literal_type(expected, VarKind::Float, span),
                };
                mk(TExprKind::Float(*v), ty)
            }
            ExprKind::Bool(b) => mk(TExprKind::Bool(*b), Ty::Bool),
            ExprKind::Str(s) => mk(TExprKind::Str(s.clone()), Ty::Str),
            ExprKind::Byte(b) => mk(TExprKind::Int(*b as u64), Ty::Int(IntTy::U8)),
            ExprKind::Unit => mk(TExprKind::Unit, Ty::Void),
            ExprKind::Interp(parts) => self.check_interp(parts, span),
            ExprKind::Name(id) => self.check_name(id, expected),
            ExprKind::Generic { name, args } => self.check_generic_value(name, args, span),
            ExprKind::Tuple(es) => self.check_tuple(es, expected, span),
            ExprKind::Array(es) => self.check_array(es, expected, span),
            ExprKind::ArrayRepeat { value, count } => {
                self.check_repeat(value, count, expected, span)
            }
            ExprKind::StructLit { name, args, fields } => {
                self.check_struct_lit(name, args, fields, expected, span)
            }
            ExprKind::Field { base, name } => self.check_field(base, name, span),
            ExprKind::MethodCall {
                receiver,
                method,
                type_args,
                args,
            } => self.check_method_call(receiver, method, type_args, args, expected, span),
            ExprKind::Call { callee, args } => self.check_call(callee, args, expected, span),
            ExprKind::Index { base, index } => self.check_index(base, index, span),
            ExprKind::Unary { op, expr } => self.check_unary(*op, expr, expected, span),
            ExprKind::Binary { op, lhs, rhs } => self.check_binary(*op, lhs, rhs, expected, span),
            ExprKind::Cast { expr, ty } => self.check_cast(expr, ty, span),
            ExprKind::Unwrap(inner) => self.check_unwrap(inner, span),
            ExprKind::Try(inner) => self.check_try(inner, span),
            ExprKind::Range { .. } => {
                self.push(
                    Diagnostic::error(diag::E0009, span, "a range can only be iterated by `for`")
                        .with_help("write `for i in a..b { ... }`"),
                );
                self.error_expr(span)
            }
            ExprKind::Closure(c) => self.check_closure(c, expected, false, span),
            ExprKind::If {
                cond,
                then_block,
                else_branch,
            } => self.check_if(cond, then_block, else_branch.as_deref(), expected, span),
            ExprKind::Match { scrutinee, arms } => {
                self.check_match(scrutinee, arms, expected, span)
            }
            ExprKind::Block(b) => self.block_expr(b, expected),
            ExprKind::Unsafe(b) => {
                self.unsafe_depth += 1;
                let r = self.block_expr(b, expected);
                self.unsafe_depth -= 1;
                r
            }
            ExprKind::Blocking(b) => self.check_blocking(b, expected, span),
            ExprKind::While { cond, body } => self.check_while(cond, body, span),
            ExprKind::Loop(body) => self.check_loop(body, span),
            ExprKind::For {
                first,
                second,
                iter,
                body,
            } => self.check_for(first, second.as_ref(), iter, body, span),
            ExprKind::Return(value) => self.check_return(value.as_deref(), span),
            ExprKind::Break | ExprKind::Continue => self.check_break(e),
            ExprKind::Await(inner) => self.check_await(inner, span),
            ExprKind::Par(b) => self.check_par(b, false, span),
            ExprKind::ParFor { pat, iter, body } => {
                self.check_par_for(pat, iter, body, false, span)
            }
            ExprKind::Concurrent { timeout, body } => {
                self.check_concurrent(timeout.as_deref(), body, false, span)
            }
            ExprKind::Select(arms) => self.check_select(arms, expected, span),
            ExprKind::TryScope(inner) => self.check_try_scope(inner, span),
            ExprKind::Yield(value) => self.check_yield(value, span),
            ExprKind::Spawn(what) => self.check_spawn(what, span),
            ExprKind::Error => self.error_expr(span),
        }
    }

    /// `blocking { }`: checked as the body of a local closure (the pool thread reaches the
    /// task's variables by reference while the task waits), without `return`.
    fn check_blocking(&mut self, b: &ast::Block, expected: Option<&Ty>, span: Span) -> TExpr {
        let scope_base = self.scope_depth();
        let ret = expected
            .cloned()
            .unwrap_or_else(|| self.new_var(VarKind::General, span));
        self.frames.push(super::fncx::Frame {
            ret,
            is_closure: true,
            is_move: false,
            scope_base,
            captures: Vec::new(),
            loops: Vec::new(),
            returns: false,
            defer_loops: None,
            par: None,
        });
        let body = self.check_block(b, expected);
        let frame = self.frames.pop().expect("blocking frame");
        let ty = self.block_type(&body);
        TExpr {
            kind: TExprKind::Blocking {
                body,
                captures: frame.captures,
            },
            ty,
            span,
        }
    }

    /// The type of an unsuffixed literal: the expected numeric type, else a literal
    /// variable that defaults to `i64` / `f64`.
    fn literal_type(&mut self, expected: Option<&Ty>, kind: VarKind, span: Span) -> Ty {
        if let Some(exp) = expected {
            let exp = self.resolve(exp);
            match (&exp, kind) {
                (Ty::Int(_), VarKind::Int) | (Ty::Float(_), _) => return exp,
                _ => {}
            }
        }
        self.new_var(kind, span)
    }

    fn check_interp(&mut self, parts: &[ast::InterpPart], span: Span) -> TExpr {
        let mut out = Vec::new();
        for p in parts {
            match p {
                ast::InterpPart::Lit(s) => out.push(TExpr {
                    kind: TExprKind::Str(s.clone()),
                    ty: Ty::Str,
                    span,
                }),
                ast::InterpPart::Expr(e) => {
                    let te = self.check_expr(e, None);
                    self.require_printable(&te);
                    out.push(te);
                }
            }
        }
        TExpr {
            kind: TExprKind::Interp(out),
            ty: Ty::Str,
            span,
        }
    }

    /// Reports E0221 unless values of `te`'s type can be printed.
    pub fn require_printable(&mut self, te: &TExpr) {
        let t = self.resolve(&te.ty);
        if self.is_printable(&t) || t.has_error() || self.is_opaque(&t) {
            return;
        }
        let shown = self.show(&t);
        let mut d = Diagnostic::error(diag::E0221, te.span, format!("`{shown}` cannot be printed"))
            .with_primary_label("not printable");
        d = if t.is_void() {
            d.with_note("this expression produces no value")
        } else {
            d.with_help("integers, floats, bool, string and types with a `toString(self): string` method can be printed")
        };
        self.push(d);
    }

    /// Integers, floats, bools, strings and types with a `toString(self): string` method.
    pub fn is_printable(&mut self, t: &Ty) -> bool {
        match t {
            Ty::Int(_) | Ty::Float(_) | Ty::Bool | Ty::Str | Ty::Error | Ty::Never => true,
            Ty::Infer(_) => matches!(self.var_kind(t), Some(VarKind::Int | VarKind::Float)),
            _ => self
                .find_method(t, "toString")
                .is_some_and(|f| self.is_conversion(f, &Ty::Str)),
        }
    }

    /// Is method `f` a conversion `fn name(self): ret` (no other parameters)?
    pub fn is_conversion(&self, f: crate::sema::defs::FnId, ret: &Ty) -> bool {
        let def = self.g.defs.func(f);
        def.receiver.is_some() && def.params.is_empty() && def.ret == *ret
    }

    // ----- names -----

    fn check_name(&mut self, id: &ast::Ident, expected: Option<&Ty>) -> TExpr {
        let span = id.span;
        if let Some(local) = self.lookup_local(&id.name, span) {
            let ty = self.local(local).ty.clone();
            return TExpr {
                kind: TExprKind::Local(local),
                ty,
                span,
            };
        }
        match self.g.defs.lookup_value(self.module, &id.name) {
            Some(ValueDef::Const(c)) => {
                let ty = self.g.check_const(c);
                return TExpr {
                    kind: TExprKind::Const(c),
                    ty,
                    span,
                };
            }
            Some(ValueDef::Fn(f)) => return self.fn_value(f, &[], expected, span),
            Some(ValueDef::Variant(adt, v)) => return self.unit_variant(adt, v, expected, span),
            Some(ValueDef::Print { .. }) => {
                self.error(
                    diag::E0205,
                    span,
                    format!("`{}` can only be called", id.name),
                );
                return self.error_expr(span);
            }
            None => {}
        }
        if let Some((adt, v)) = self.bare_variant(&id.name, expected, span) {
            return self.unit_variant(adt, v, expected, span);
        }
        self.unknown_value(id);
        self.error_expr(span)
    }

    /// The enum variant a bare name refers to: one of the expected enum's variants, else
    /// the only visible variant with that name.
    pub fn bare_variant(
        &mut self,
        name: &str,
        expected: Option<&Ty>,
        span: Span,
    ) -> Option<(AdtId, u32)> {
        if let Some(Ty::Adt(id, _)) = expected.map(|t| self.resolve(t)) {
            if let Some(i) = self
                .g
                .defs
                .adt(id)
                .variants()
                .iter()
                .position(|v| v.name == name)
            {
                return Some((id, i as u32));
            }
        }
        let found = self.g.defs.bare_variants(self.module, name).to_vec();
        match found.len() {
            0 => None,
            1 => Some(found[0]),
            _ => {
                let names: Vec<String> = found
                    .iter()
                    .map(|(a, _)| format!("`{}.{name}`", self.g.defs.adt(*a).name))
                    .collect();
                self.push(
                    Diagnostic::error(diag::E0100, span, format!("`{name}` is ambiguous"))
                        .with_note(format!("it names {}", names.join(" and ")))
                        .with_help("qualify it with the enum's name"),
                );
                Some(found[0])
            }
        }
    }

    /// Reports E0100 for a name that is not a value, with a suggestion.
    pub fn unknown_value(&mut self, id: &ast::Ident) {
        if self.lenient && self.generics.iter().any(|g| g.name == id.name) {
            return;
        }
        if self.g.defs.failed_import(self.module, &id.name) {
            return;
        }
        let mut d = Diagnostic::error(
            diag::E0100,
            id.span,
            format!("cannot find value `{}` in this scope", id.name),
        )
        .with_primary_label("not found in this scope");
        if let Some(TypeDef::Adt(a)) = self.g.defs.lookup_type(self.module, &id.name) {
            let adt = self.g.defs.adt(a);
            d = match &adt.kind {
                AdtKind::Struct(_) => d.with_help(format!(
                    "`{0}` is a struct: write `{0} {{ ... }}`",
                    adt.name
                )),
                _ => d.with_help(format!(
                    "`{0}` is a type: call one of its functions, e.g. `{0}.new(...)`",
                    adt.name
                )),
            };
        } else if let Some(home) = self.g.defs.std_module_exporting(&id.name) {
            d = self.g.defs.missing_import(self.module, &id.name, home, d);
        } else {
            let mut names = self.g.defs.visible_names(self.module);
            names.extend(self.locals.iter().map(|l| l.name.clone()));
            if let Some(s) = crate::sema::scope::suggest(&id.name, names.iter().map(String::as_str))
            {
                d = d.with_suggestion(id.span, s, format!("did you mean `{s}`?"));
            }
        }
        self.push(d);
    }

    /// A unit variant used as a value (`None`, `Color.Red`).
    pub fn unit_variant(&mut self, adt: AdtId, v: u32, expected: Option<&Ty>, span: Span) -> TExpr {
        let def = self.g.defs.adt(adt);
        let variant = &def.variants()[v as usize];
        if !variant.fields.is_empty() {
            let msg = format!(
                "variant `{}.{}` takes {} value{}",
                def.name,
                variant.name,
                variant.fields.len(),
                if variant.fields.len() == 1 { "" } else { "s" }
            );
            self.push(
                Diagnostic::error(diag::E0201, span, msg)
                    .with_help(format!("write `{}(...)`", variant.name)),
            );
            return self.error_expr(span);
        }
        let ty = self.fresh_adt(adt, expected, span);
        TExpr {
            kind: TExprKind::Variant {
                adt,
                variant: v,
                fields: Vec::new(),
            },
            ty,
            span,
        }
    }

    /// `Adt<fresh vars>`, unified with the expected type when it names the same ADT.
    pub fn fresh_adt(&mut self, adt: AdtId, expected: Option<&Ty>, span: Span) -> Ty {
        let n = self.g.defs.adt(adt).generics.len();
        let args: Vec<Ty> = (0..n)
            .map(|_| self.new_var(VarKind::General, span))
            .collect();
        let ty = Ty::Adt(adt, args);
        if let Some(exp) = expected {
            if matches!(self.resolve(exp), Ty::Adt(id, _) if id == adt) {
                self.unify(&ty, exp);
            }
        }
        ty
    }

    fn check_generic_value(&mut self, name: &ast::Ident, args: &[ast::Type], span: Span) -> TExpr {
        let targs: Vec<Ty> = args.iter().map(|t| self.lower_type(t)).collect();
        match self.g.defs.lookup_value(self.module, &name.name) {
            Some(ValueDef::Fn(f)) => self.fn_value(f, &targs, None, span),
            _ => {
                self.unknown_value(name);
                self.error_expr(span)
            }
        }
    }

    /// A function used as a value: a closure-typed reference to it.
    fn fn_value(
        &mut self,
        f: crate::sema::defs::FnId,
        explicit: &[Ty],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let def = self.g.defs.func(f).clone();
        if def.flags.is_extern || matches!(def.body, crate::sema::defs::FnBody::Intrinsic(_)) {
            self.error(
                diag::E0205,
                span,
                format!("`{}` can only be called, not used as a value", def.name),
            );
            return self.error_expr(span);
        }
        let type_args = self.instantiate_generics(&def, explicit, span);
        let params = def
            .params
            .iter()
            .map(|p| (p.mode, p.ty.subst(&type_args)))
            .collect();
        let mut ret = def.ret.subst(&type_args);
        if def.flags.is_gen {
            ret = self.g.defs.lang.generator_of(ret);
        }
        let ty = Ty::Fn(Box::new(crate::common::ty::FnTy { params, ret }));
        if let Some(exp) = expected {
            self.unify(&ty, exp);
        }
        TExpr {
            kind: TExprKind::FnRef(FnRef {
                fn_id: f,
                type_args,
            }),
            ty,
            span,
        }
    }

    // ----- aggregates -----

    fn check_tuple(&mut self, es: &[ast::Expr], expected: Option<&Ty>, span: Span) -> TExpr {
        let exp_elems = match expected.map(|t| self.resolve(t)) {
            Some(Ty::Tuple(ts)) if ts.len() == es.len() => Some(ts),
            _ => None,
        };
        let elems: Vec<TExpr> = es
            .iter()
            .enumerate()
            .map(|(i, e)| match &exp_elems {
                Some(ts) => self.check_coerce(e, &ts[i]),
                None => self.check_expr(e, None),
            })
            .collect();
        for el in &elems {
            self.check_escape(el, "be stored in a tuple");
        }
        let ty = Ty::Tuple(elems.iter().map(|e| e.ty.clone()).collect());
        TExpr {
            kind: TExprKind::Tuple(elems),
            ty,
            span,
        }
    }

    fn check_array(&mut self, es: &[ast::Expr], expected: Option<&Ty>, span: Span) -> TExpr {
        let exp = expected.map(|t| self.resolve(t));
        let (elem_ty, fixed) = match &exp {
            Some(Ty::Array(t, n)) => ((**t).clone(), Some(*n)),
            Some(Ty::Vec(t)) => ((**t).clone(), None),
            _ => (self.new_var(VarKind::General, span), None),
        };
        let elems: Vec<TExpr> = es.iter().map(|e| self.check_coerce(e, &elem_ty)).collect();
        for el in &elems {
            self.check_escape(el, "be stored in a collection");
        }
        match fixed {
            Some(n) => {
                if n != es.len() as u64 {
                    self.error(
                        diag::E0200,
                        span,
                        format!(
                            "mismatched types: expected an array of {n} elements, found {}",
                            es.len()
                        ),
                    );
                }
                TExpr {
                    kind: TExprKind::Array(elems),
                    ty: Ty::Array(Box::new(elem_ty), n),
                    span,
                }
            }
            None => TExpr {
                kind: TExprKind::VecLit(elems),
                ty: Ty::Vec(Box::new(elem_ty)),
                span,
            },
        }
    }

    fn check_repeat(
        &mut self,
        value: &ast::Expr,
        count: &ast::Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let elem_exp = match expected.map(|t| self.resolve(t)) {
            Some(Ty::Array(t, _)) => Some(*t),
            _ => None,
        };
        let v = match &elem_exp {
            Some(t) => self.check_coerce(value, t),
            None => self.check_expr(value, None),
        };
        let cx = crate::sema::resolve_ty::TypeCx {
            defs: self.g.defs,
            module: self.module,
            generics: &self.generics,
        };
        let elem = self.zonk_literals(&v.ty);
        let too_large = |n| array_size_error(self.g.defs, &elem, n, count.span);
        let (n, ty) = match cx.array_len(count) {
            Some(n) => match too_large(n) {
                Some(d) => {
                    self.push(d);
                    (0, Ty::Error)
                }
                None => (n, Ty::Array(Box::new(v.ty.clone()), n)),
            },
            None => {
                self.push(
                    Diagnostic::error(
                        diag::E0222,
                        count.span,
                        "the length of `[value; length]` must be an integer literal or a constant",
                    )
                    .with_help("for a vector of runtime length, push in a loop"),
                );
                (0, Ty::Error)
            }
        };
        TExpr {
            kind: TExprKind::ArrayRepeat {
                value: Box::new(v),
                count: n,
            },
            ty,
            span,
        }
    }

    fn check_struct_lit(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Type],
        fields: &[ast::FieldInit],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let Some(TypeDef::Adt(adt)) = self.g.defs.lookup_type(self.module, &name.name) else {
            if !self.g.defs.failed_import(self.module, &name.name) {
                self.error(
                    diag::E0101,
                    name.span,
                    format!("cannot find struct `{}`", name.name),
                );
            }
            self.check_field_values_only(fields);
            return self.error_expr(span);
        };
        let def = self.g.defs.adt(adt).clone();
        let AdtKind::Struct(decl_fields) = &def.kind else {
            let what = if def.is_enum() {
                "is an enum: construct one of its variants"
            } else {
                "is created by its `new` function"
            };
            self.error(diag::E0009, name.span, format!("`{}` {what}", def.name));
            self.check_field_values_only(fields);
            return self.error_expr(span);
        };
        let ty = if args.is_empty() {
            self.fresh_adt(adt, expected, span)
        } else {
            let targs: Vec<Ty> = args.iter().map(|t| self.lower_type(t)).collect();
            if targs.len() != def.generics.len() {
                self.error(
                    diag::E0113,
                    name.span,
                    format!("`{}` takes {} type arguments", def.name, def.generics.len()),
                );
            }
            Ty::Adt(adt, targs)
        };
        let targs = match &ty {
            Ty::Adt(_, a) => a.clone(),
            _ => Vec::new(),
        };
        let mut values: Vec<Option<TExpr>> = vec![None; decl_fields.len()];
        for f in fields {
            let Some(i) = decl_fields.iter().position(|d| d.name == f.name.name) else {
                self.no_such_field(&ty, &f.name);
                if let Some(v) = &f.value {
                    self.check_expr(v, None);
                }
                continue;
            };
            let fty = decl_fields[i].ty.subst(&targs);
            let v = match &f.value {
                Some(v) => self.check_coerce(v, &fty),
                None => {
                    let e = ast::Expr {
                        kind: ExprKind::Name(f.name.clone()),
                        span: f.name.span,
                    };
                    self.check_coerce(&e, &fty)
                }
            };
            self.check_escape(&v, "be stored in a struct field");
            if values[i].is_some() {
                self.error(
                    diag::E0112,
                    f.name.span,
                    format!("field `{}` is specified twice", f.name.name),
                );
            }
            values[i] = Some(v);
        }
        let missing: Vec<&str> = decl_fields
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(d, _)| d.name.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.push(
                Diagnostic::error(
                    diag::E0112,
                    span,
                    format!(
                        "missing field{} {list} in `{}` literal",
                        if missing.len() == 1 { "" } else { "s" },
                        def.name
                    ),
                )
                .with_primary_label(format!("missing {list}")),
            );
        }
        let fields = values
            .into_iter()
            .map(|v| v.unwrap_or_else(|| self.error_expr(span)))
            .collect();
        TExpr {
            kind: TExprKind::Struct { adt, fields },
            ty,
            span,
        }
    }

    fn check_field_values_only(&mut self, fields: &[ast::FieldInit]) {
        for f in fields {
            if let Some(v) = &f.value {
                self.check_expr(v, None);
            }
        }
    }

    fn no_such_field(&mut self, ty: &Ty, name: &ast::Ident) {
        if self.is_opaque(ty) || self.resolve(ty).has_error() {
            return;
        }
        let shown = self.show(ty);
        let mut d = Diagnostic::error(
            diag::E0107,
            name.span,
            format!("no field `{}` on type `{shown}`", name.name),
        )
        .with_primary_label("unknown field");
        let rt = self.resolve(ty);
        if self.find_method(&rt, &name.name).is_some() {
            d = d.with_help(format!(
                "`{0}` is a method: call it with `{0}(...)`",
                name.name
            ));
        } else if let Ty::Adt(id, _) = &rt {
            let names: Vec<&str> = self
                .g
                .defs
                .adt(*id)
                .fields()
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            if let Some(s) = crate::sema::scope::suggest_member(&name.name, names.iter().copied()) {
                d = d.with_suggestion(
                    name.span,
                    s,
                    format!("did you mean `{s}`? `{shown}` has a field `{s}`"),
                );
            } else if !names.is_empty() {
                d = d.with_note(format!("the fields are: {}", names.join(", ")));
            }
        }
        self.push(d);
    }

    // ----- fields and indexing -----

    /// If `e` is a plain name that denotes a type (not shadowed by a local), that type.
    pub fn type_path(&mut self, e: &ast::Expr) -> Option<(Ty, Span)> {
        let (name, args) = match &e.kind {
            ExprKind::Name(n) => (n, &[][..]),
            ExprKind::Generic { name, args } => (name, args.as_slice()),
            _ => return None,
        };
        if self.lookup_local_silent(&name.name) {
            return None;
        }
        if args.is_empty()
            && matches!(
                self.g.defs.lookup_value(self.module, &name.name),
                Some(ValueDef::Const(_))
            )
        {
            return None;
        }
        let def = self.g.defs.lookup_type(self.module, &name.name)?;
        let ty = match def {
            TypeDef::Adt(id) => {
                let n = self.g.defs.adt(id).generics.len();
                let targs: Vec<Ty> = if args.is_empty() {
                    (0..n)
                        .map(|_| self.new_var(VarKind::General, e.span))
                        .collect()
                } else {
                    args.iter().map(|t| self.lower_type(t)).collect()
                };
                if targs.len() != n {
                    self.error(
                        diag::E0113,
                        e.span,
                        format!("`{}` takes {n} type arguments", name.name),
                    );
                    return Some((Ty::Error, e.span));
                }
                Ty::Adt(id, targs)
            }
            TypeDef::Builtin(b) => {
                let ast_ty = ast::Type {
                    kind: ast::TypeKind::Path {
                        name: name.clone(),
                        args: args.to_vec(),
                    },
                    span: e.span,
                };
                if args.is_empty() && b.arity() > 0 {
                    let vars: Vec<Ty> = (0..b.arity())
                        .map(|_| self.new_var(VarKind::General, e.span))
                        .collect();
                    match b {
                        crate::sema::defs::BuiltinTy::Vec => Ty::Vec(Box::new(vars[0].clone())),
                        crate::sema::defs::BuiltinTy::Box => Ty::Box(Box::new(vars[0].clone())),
                        _ => Ty::Map(Box::new(vars[0].clone()), Box::new(vars[1].clone())),
                    }
                } else {
                    self.lower_type(&ast_ty)
                }
            }
            TypeDef::Resource(_) => return None,
        };
        Some((ty, e.span))
    }

    /// Is `name` a local in scope? (Without recording a capture.)
    pub fn lookup_local_silent(&self, name: &str) -> bool {
        self.locals_in_scope().any(|n| n == name)
    }

    fn check_field(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> TExpr {
        if let Some((ty, _)) = self.type_path(base) {
            return self.check_type_member(&ty, name, span);
        }
        let b = self.check_expr(base, None);
        self.field_of(b, name, span)
    }

    /// `Type.member` in value position: a unit variant.
    fn check_type_member(&mut self, ty: &Ty, name: &ast::Ident, span: Span) -> TExpr {
        if let Ty::Adt(id, _) = ty {
            if let Some(v) = self
                .g
                .defs
                .adt(*id)
                .variants()
                .iter()
                .position(|v| v.name == name.name)
            {
                let r = self.unit_variant(*id, v as u32, None, span);
                if !r.ty.is_error() {
                    self.unify(&r.ty, ty);
                }
                return r;
            }
        }
        if ty.is_error() {
            return self.error_expr(span);
        }
        let shown = self.show(ty);
        let mut d = Diagnostic::error(
            diag::E0109,
            name.span,
            format!("no variant or constant `{}` on `{shown}`", name.name),
        );
        if self.find_method(ty, &name.name).is_some() {
            d = d.with_help(format!(
                "`{0}` is a function: call it with `{shown}.{0}(...)`",
                name.name
            ));
        }
        self.push(d);
        self.error_expr(span)
    }

    /// A field of a checked value (auto-dereferencing `Box`).
    pub fn field_of(&mut self, b: TExpr, name: &ast::Ident, span: Span) -> TExpr {
        let bty = self.resolve(&b.ty);
        match &bty {
            Ty::Tuple(ts) => {
                if let Some(t) = name
                    .name
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| ts.get(i).map(|t| (i, t.clone())))
                {
                    return TExpr {
                        kind: TExprKind::Field {
                            base: Box::new(b),
                            index: t.0 as u32,
                        },
                        ty: t.1,
                        span,
                    };
                }
            }
            Ty::Adt(id, args) => {
                let fields = self.g.defs.adt(*id).fields();
                if let Some(i) = fields.iter().position(|f| f.name == name.name) {
                    let ty = fields[i].ty.subst(args);
                    return TExpr {
                        kind: TExprKind::Field {
                            base: Box::new(b),
                            index: i as u32,
                        },
                        ty,
                        span,
                    };
                }
            }
            Ty::Box(inner) => {
                let inner = (**inner).clone();
                let deref = TExpr {
                    kind: TExprKind::Deref(Box::new(b)),
                    ty: inner,
                    span,
                };
                return self.field_of(deref, name, span);
            }
            Ty::Infer(_) => {
                self.push(
                    Diagnostic::error(diag::E0204, b.span, "type annotations needed")
                        .with_primary_label("the type of this value must be known here"),
                );
                return self.error_expr(span);
            }
            _ => {}
        }
        self.no_such_field(&bty, name);
        self.error_expr(span)
    }

    fn check_index(&mut self, base: &ast::Expr, index: &ast::Expr, span: Span) -> TExpr {
        let b = self.check_expr(base, None);
        let bty = self.resolve(&b.ty);
        let (kind, ty) = match &bty {
            Ty::Vec(t) => (IndexKind::Vec, (**t).clone()),
            Ty::Array(t, _) => (IndexKind::Array, (**t).clone()),
            Ty::Str => (IndexKind::Str, Ty::Int(IntTy::U8)),
            Ty::Ptr(t) => {
                self.require_unsafe(span, "indexing a raw pointer");
                (IndexKind::Ptr, (**t).clone())
            }
            Ty::Error => (IndexKind::Vec, Ty::Error),
            t if self.is_opaque(t) => (IndexKind::Vec, Ty::Error),
            _ => {
                let shown = self.show(&bty);
                let mut d = Diagnostic::error(
                    diag::E0206,
                    b.span,
                    format!("cannot index into a value of type `{shown}`"),
                );
                if matches!(bty, Ty::Map(..)) {
                    d = d.with_help("use `map.get(key)`");
                }
                self.push(d);
                self.check_expr(index, None);
                return self.error_expr(span);
            }
        };
        let i = self.check_expr(index, Some(&Ty::i64()));
        let ity = self.resolve(&i.ty);
        if !matches!(ity, Ty::Int(_) | Ty::Error | Ty::Never)
            && self.var_kind(&ity) != Some(VarKind::Int)
        {
            let shown = self.show(&ity);
            self.error(
                diag::E0200,
                i.span,
                format!("mismatched types: expected an integer index, found `{shown}`"),
            );
        }
        TExpr {
            kind: TExprKind::Index {
                base: Box::new(b),
                index: Box::new(i),
                kind,
            },
            ty,
            span,
        }
    }

    /// Reports E0218 outside `unsafe`.
    pub fn require_unsafe(&mut self, span: Span, what: &str) {
        if self.unsafe_depth == 0 {
            self.push(
                Diagnostic::error(diag::E0218, span, format!("{what} needs an `unsafe` block"))
                    .with_help("wrap it in `unsafe { ... }`"),
            );
        }
    }

    // ----- blocks and control flow -----

    pub fn block_expr(&mut self, b: &ast::Block, expected: Option<&Ty>) -> TExpr {
        let block = self.check_block(b, expected);
        let ty = self.block_type(&block);
        TExpr {
            kind: TExprKind::Block(block),
            ty,
            span: b.span,
        }
    }

    fn check_if(
        &mut self,
        cond: &ast::Cond,
        then_block: &ast::Block,
        else_branch: Option<&ast::Expr>,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let want = if else_branch.is_some() {
            expected
        } else {
            Some(&Ty::Void)
        };
        match cond {
            ast::Cond::Expr(c) => {
                let c = self.check_coerce(c, &Ty::Bool);
                let mut then = self.check_block(then_block, want);
                let (els, ty) = self.check_else(&mut then, else_branch, expected, span);
                TExpr {
                    kind: TExprKind::If {
                        cond: Box::new(c),
                        then_block: then,
                        else_branch: els,
                    },
                    ty,
                    span,
                }
            }
            ast::Cond::Let(pat, scrut) => {
                let s = self.check_expr(scrut, None);
                self.push_scope();
                let p = self.check_pattern(pat, &s.ty, crate::sema::tast::LocalKind::Binding);
                let mut then = self.check_block(then_block, want);
                self.pop_scope();
                let (els, ty) = self.check_else(&mut then, else_branch, expected, span);
                TExpr {
                    kind: TExprKind::IfLet {
                        pat: p,
                        scrutinee: Box::new(s),
                        then_block: then,
                        else_branch: els,
                    },
                    ty,
                    span,
                }
            }
        }
    }

    /// Checks an `else` branch and computes the `if`'s type.
    fn check_else(
        &mut self,
        then: &mut TBlock,
        else_branch: Option<&ast::Expr>,
        expected: Option<&Ty>,
        span: Span,
    ) -> (Option<Box<TExpr>>, Ty) {
        let then_ty = self.block_type(then);
        let Some(e) = else_branch else {
            if let Some(exp) = expected {
                let r = self.resolve(exp);
                if !r.is_void()
                    && !r.is_error()
                    && !matches!(r, Ty::Infer(_))
                    && !then_ty.is_never()
                {
                    self.push(
                        Diagnostic::error(
                            diag::E0200,
                            span,
                            format!(
                                "`if` without `else` has no value, but `{}` is expected",
                                self.show(&r)
                            ),
                        )
                        .with_help("add an `else` branch"),
                    );
                    // Reported: the caller must not report the `void` again.
                    return (None, Ty::Error);
                }
            }
            return (None, Ty::Void);
        };
        // With a known expected type, both branches convert to it (`T` → `T?` and so on).
        let target = expected
            .map(|t| self.resolve(t))
            .filter(|t| !t.is_void() && !t.is_error() && !matches!(t, Ty::Infer(_)));
        if let Some(target) = target {
            let els = self.check_expr(e, Some(&target));
            let els_ty = self.resolve(&els.ty);
            // A branch without a value makes the whole `if` value-less: the caller reports it.
            if then_ty.is_void() || els_ty.is_void() {
                let ty = if then_ty.is_never() { els_ty } else { Ty::Void };
                return (Some(Box::new(els)), ty);
            }
            if let Some(v) = then.value.take() {
                let v = if self.resolve(&v.ty).is_never() {
                    *v
                } else {
                    self.coerce(*v, &target)
                };
                then.value = Some(Box::new(v));
            }
            let els = if els_ty.is_never() {
                els
            } else {
                self.coerce(els, &target)
            };
            let ty = if then_ty.is_never() && els_ty.is_never() {
                Ty::Never
            } else {
                target
            };
            return (Some(Box::new(els)), ty);
        }
        let want = expected
            .cloned()
            .or_else(|| (!then_ty.is_never()).then(|| then_ty.clone()));
        let mut els = self.check_expr(e, want.as_ref());
        let ty = if then_ty.is_never() {
            els.ty.clone()
        } else if self.resolve(&els.ty).is_never() {
            then_ty
        } else {
            els = self.coerce(els, &then_ty);
            then_ty
        };
        (Some(Box::new(els)), ty)
    }

    fn check_while(&mut self, cond: &ast::Cond, body: &ast::Block, span: Span) -> TExpr {
        match cond {
            ast::Cond::Expr(c) => {
                let c = self.check_coerce(c, &Ty::Bool);
                let body = self.loop_body(body);
                TExpr {
                    kind: TExprKind::While {
                        cond: Box::new(c),
                        body: body.0,
                    },
                    ty: Ty::Void,
                    span,
                }
            }
            ast::Cond::Let(pat, scrut) => {
                let s = self.check_expr(scrut, None);
                self.push_scope();
                let p = self.check_pattern(pat, &s.ty, crate::sema::tast::LocalKind::Binding);
                let body = self.loop_body(body);
                self.pop_scope();
                TExpr {
                    kind: TExprKind::WhileLet {
                        pat: p,
                        scrutinee: Box::new(s),
                        body: body.0,
                    },
                    ty: Ty::Void,
                    span,
                }
            }
        }
    }

    /// Checks a loop body; returns it and whether it contains a `break` of this loop.
    pub fn loop_body(&mut self, body: &ast::Block) -> (TBlock, bool) {
        self.frame().loops.push(false);
        let b = self.check_block(body, Some(&Ty::Void));
        let has_break = self.frame().loops.pop().unwrap_or(false);
        (b, has_break)
    }

    fn check_loop(&mut self, body: &ast::Block, span: Span) -> TExpr {
        let (b, has_break) = self.loop_body(body);
        TExpr {
            kind: TExprKind::Loop(b),
            ty: if has_break { Ty::Void } else { Ty::Never },
            span,
        }
    }

    fn check_return(&mut self, value: Option<&ast::Expr>, span: Span) -> TExpr {
        self.check_defer_exit("return", false, span);
        if !self.frame().returns {
            self.push(
                Diagnostic::error(diag::E0224, span, "`return` outside a function")
                    .with_primary_label("there is no function to return from here")
                    .with_note("a constant initializer or a default argument is an expression evaluated on its own"),
            );
            if let Some(v) = value {
                self.check_expr(v, None);
            }
            return TExpr {
                kind: TExprKind::Error,
                ty: Ty::Never,
                span,
            };
        }
        let ret = self.frame().ret.clone();
        let v = match value {
            Some(v) => {
                let te = self.check_coerce(v, &ret);
                self.check_escape(&te, "be returned");
                Some(Box::new(te))
            }
            None => {
                let r = self.resolve(&ret);
                if !r.is_void() && !r.is_error() && !self.try_unify(&r, &Ty::Void) {
                    let shown = self.show(&r);
                    self.push(
                        Diagnostic::error(
                            diag::E0200,
                            span,
                            format!(
                                "`return` without a value in a function that returns `{shown}`"
                            ),
                        )
                        .with_primary_label(format!("expected a value of type `{shown}`")),
                    );
                }
                None
            }
        };
        TExpr {
            kind: TExprKind::Return(v),
            ty: Ty::Never,
            span,
        }
    }

    fn check_break(&mut self, e: &ast::Expr) -> TExpr {
        let is_break = matches!(e.kind, ExprKind::Break);
        self.check_defer_exit(if is_break { "break" } else { "continue" }, true, e.span);
        match self.frame().loops.last_mut() {
            Some(has_break) => {
                if is_break {
                    *has_break = true;
                }
            }
            None => {
                let what = if is_break { "break" } else { "continue" };
                self.error(diag::E0214, e.span, format!("`{what}` outside of a loop"));
            }
        }
        TExpr {
            kind: if is_break {
                TExprKind::Break
            } else {
                TExprKind::Continue
            },
            ty: Ty::Never,
            span: e.span,
        }
    }

    fn check_await(&mut self, inner: &ast::Expr, span: Span) -> TExpr {
        let method = ast::Ident::new("await", span);
        let call = self.check_method_call(inner, &method, &[], &[], None, span);
        self.unwrap_checked(call, span)
    }
}
