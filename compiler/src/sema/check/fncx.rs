//! The per-function checking context: locals and scopes, closure frames and captures,
//! inference variables, unification and coercion.

use super::GlobalCx;
use crate::common::ty::{FnTy, PassMode, Ty, VarKind};
use crate::diagnostics::{self as diag, Code, Diagnostic};
use crate::sema::defs::{ConstId, FnBody, GenericDef, ModuleId};
use crate::sema::resolve_ty::TypeCx;
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

/// Facts about a closure value that decide where it may flow.
#[derive(Clone, Debug, Default)]
pub struct ClosureFacts {
    /// A variable it captures by reference: the closure is local (may not escape).
    pub by_ref: Option<(String, Span)>,
    /// A captured value that is not Send: (name, type, capture span).
    pub not_send: Option<(String, Ty, Span)>,
    /// It is a non-`move` closure parameter of the function being checked.
    pub param: Option<String>,
}

/// A function or closure body being checked.
pub struct Frame {
    /// The declared or inferred return type.
    pub ret: Ty,
    pub is_closure: bool,
    /// A move closure: captures are copies, writes to them are E0302.
    pub is_move: bool,
    /// Index of this frame's first scope.
    pub scope_base: usize,
    pub captures: Vec<Capture>,
    /// One entry per enclosing loop of this frame: whether it contains a `break`.
    pub loops: Vec<bool>,
    /// A function or closure body, where `return` and `?` may leave it (not a constant
    /// initializer or a default argument).
    pub returns: bool,
    /// Inside a `defer`/`errdefer` statement: the number of enclosing loops when it
    /// began (a deferred statement may not jump out of itself).
    pub defer_loops: Option<usize>,
    /// A `par` branch or `par for` body (`check/par.rs`): the enclosing variables it
    /// reads and writes.
    pub par: Option<ParAccess>,
}

/// The enclosing variables a concurrently running body reads and writes, with where.
#[derive(Clone, Debug, Default)]
pub struct ParAccess {
    pub reads: Vec<(LocalId, Span)>,
    pub writes: Vec<(LocalId, Span)>,
}

#[derive(Clone, Debug)]
enum Var {
    Unbound(VarKind),
    Bound(Ty),
}

pub struct FnCx<'g, 'a> {
    pub g: &'g mut GlobalCx<'a>,
    pub module: ModuleId,
    /// Generic parameters of the function (for types written in its body).
    pub generics: Vec<GenericDef>,
    /// What each generic parameter stands for in this instance.
    pub type_args: Vec<Ty>,
    /// Checking an uninstantiated generic body: parameter types are opaque.
    pub lenient: bool,
    /// Instantiation depth of this function (for nested instance requests).
    pub depth: u32,
    pub locals: Vec<Local>,
    scopes: Vec<Vec<(String, LocalId)>>,
    vars: Vec<Var>,
    /// Where each inference variable was created (for "type annotations needed").
    pub var_spans: Vec<Span>,
    pub frames: Vec<Frame>,
    pub unsafe_depth: u32,
    pub closure_facts: HashMap<LocalId, ClosureFacts>,
    /// Types already reported as an invalid HashMap key (`true`) or as not Send for a std
    /// handle (`false`) in this function: each is reported once, not at every expression
    /// (and annotation) that mentions it.
    pub reported_types: std::collections::HashSet<(bool, String)>,
    /// For each open `concurrent` block, the number of frames when it began (`spawn` is
    /// valid in the body of the innermost one, not inside a closure within it).
    pub concurrent: Vec<usize>,
    /// A type deeper than [`MAX_TYPE_DEPTH`](super::MAX_TYPE_DEPTH) was reported in this function (E0228 is
    /// reported once per function).
    pub deep_type_reported: bool,
    /// The type annotation (`let x: T = ...`) the expected type of the expression being
    /// checked comes from: a generic mismatch is blamed on it ([`super::blame`]).
    pub annotation: Option<(Ty, Span)>,
    /// The type annotations of the locals declared with one.
    pub local_annotations: HashMap<LocalId, Span>,
    /// The element type of the `gen fn` being checked (None for other functions).
    pub gen_elem: Option<Ty>,
}

impl<'g, 'a> FnCx<'g, 'a> {
    fn new(
        g: &'g mut GlobalCx<'a>,
        module: ModuleId,
        generics: Vec<GenericDef>,
        type_args: Vec<Ty>,
    ) -> Self {
        FnCx {
            g,
            module,
            generics,
            type_args,
            lenient: false,
            depth: 0,
            locals: Vec::new(),
            scopes: vec![Vec::new()],
            vars: Vec::new(),
            var_spans: Vec::new(),
            frames: Vec::new(),
            unsafe_depth: 0,
            closure_facts: HashMap::new(),
            reported_types: Default::default(),
            concurrent: Vec::new(),
            deep_type_reported: false,
            annotation: None,
            local_annotations: HashMap::new(),
            gen_elem: None,
        }
    }

    /// Checks the function `r` (an instance, or a lenient generic check).
    pub fn check_fn(g: &'g mut GlobalCx<'a>, r: &FnRef, lenient: bool, depth: u32) -> Instance {
        let f = g.defs.func(r.fn_id).clone();
        let mut cx = FnCx::new(g, f.module, f.generics.clone(), r.type_args.clone());
        cx.lenient = lenient;
        cx.depth = depth;
        // A generator's declared type is what it yields; its body returns nothing
        // (`check/generator.rs`).
        let ret = if f.flags.is_gen {
            Ty::Void
        } else {
            f.ret.subst(&r.type_args)
        };
        cx.frames.push(Frame {
            ret: ret.clone(),
            is_closure: false,
            is_move: false,
            scope_base: 0,
            captures: Vec::new(),
            loops: Vec::new(),
            returns: true,
            defer_loops: None,
            par: None,
        });
        let mut params = Vec::new();
        if let (Some(mutable), Some(self_ty)) = (f.receiver, &f.self_ty) {
            let ty = self_ty.subst(&r.type_args);
            let id = cx.declare_local("self", ty, LocalKind::SelfParam { mutable }, f.span);
            params.push(id);
        }
        for p in f.params.iter().map(|p| &p.ty).chain([&f.ret]) {
            cx.note_reported_keys(p);
        }
        for p in &f.params {
            let ty = p.ty.subst(&r.type_args);
            let is_void = ty.is_void();
            let id = cx.declare_local(&p.name, ty.clone(), LocalKind::Param(p.mode), p.span);
            if matches!(ty, Ty::Fn(_)) && !p.is_move {
                cx.closure_facts.insert(
                    id,
                    ClosureFacts {
                        param: Some(p.name.clone()),
                        ..Default::default()
                    },
                );
            }
            if !is_void {
                params.push(id);
            }
        }
        if f.flags.is_gen {
            cx.gen_elem = Some(f.ret.subst(&r.type_args));
            cx.check_gen_signature(&f, &r.type_args);
        }
        cx.check_effect_clause(f.effects.as_ref());
        let body = match &f.body {
            FnBody::Ast { .. } => {
                cx.g.defs
                    .fn_decl(r.fn_id)
                    .and_then(|d| d.body.clone())
                    .map(|b| cx.check_fn_body(&b, &ret, f.span))
            }
            FnBody::Script => {
                let block = script_block(cx.g.defs, f.module);
                Some(cx.check_fn_body(&block, &Ty::Void, f.span))
            }
            _ => None,
        };
        let body = body.map(|b| cx.finish_expr(b));
        let mut name = f.display.clone();
        if !r.type_args.is_empty() {
            let args: Vec<String> = r.type_args.iter().map(|t| cx.show(t)).collect();
            name = format!("{name}<{}>", args.join(", "));
        }
        let locals = std::mem::take(&mut cx.locals)
            .into_iter()
            .map(|mut l| {
                l.ty = cx.zonk_default(&l.ty);
                l
            })
            .collect();
        Instance {
            fn_id: r.fn_id,
            type_args: r.type_args.clone(),
            name,
            locals,
            params,
            ret,
            body,
        }
    }

    /// Checks a function body against its return type, reporting a missing value (E0209).
    fn check_fn_body(&mut self, body: &ast::Block, ret: &Ty, name_span: Span) -> TExpr {
        let block = self.check_block(body, Some(ret));
        let ty = self.block_type(&block);
        let ret_r = self.resolve(ret);
        let mut expr = TExpr {
            ty: ty.clone(),
            span: body.span,
            kind: TExprKind::Block(block),
        };
        if ret_r.is_void() || ty.is_never() {
            return expr;
        }
        let falls_off = match &expr.kind {
            TExprKind::Block(b) => b
                .value
                .as_ref()
                .is_none_or(|v| self.resolve(&v.ty).is_void()),
            _ => false,
        };
        if falls_off && !ret_r.is_error() {
            let end = Span::new(
                body.span.file,
                body.span.end.saturating_sub(1) as usize,
                body.span.end as usize,
            );
            self.push(
                Diagnostic::error(
                    diag::E0209,
                    end,
                    format!(
                        "function may end without returning a value of type `{}`",
                        self.show(ret)
                    ),
                )
                .with_primary_label("the body can reach its end here without a value")
                .with_label(name_span, "declared to return a value"),
            );
            return expr;
        }
        if let TExprKind::Block(b) = &mut expr.kind {
            if let Some(v) = b.value.take() {
                let v = self.coerce(*v, ret);
                b.value = Some(Box::new(v));
            }
        }
        expr.ty = ret.clone();
        expr
    }

    /// Checks a constant's initializer.
    pub fn check_const_init(g: &'g mut GlobalCx<'a>, c: ConstId) -> TExpr {
        let cdef = g.defs.consts[c.0 as usize].clone();
        let item = &g.defs.module(cdef.module).ast.items[cdef.item as usize];
        let ast::ItemKind::Stmt(ast::Stmt {
            kind: ast::StmtKind::Let { ty, init, .. },
            ..
        }) = &item.kind
        else {
            return TExpr {
                kind: TExprKind::Error,
                ty: Ty::Error,
                span: cdef.span,
            };
        };
        let (ty, init) = (ty.clone(), init.clone());
        let mut cx = FnCx::new(g, cdef.module, Vec::new(), Vec::new());
        cx.frames.push(Frame {
            ret: Ty::Void,
            is_closure: false,
            is_move: false,
            scope_base: 0,
            captures: Vec::new(),
            loops: Vec::new(),
            returns: false,
            defer_loops: None,
            par: None,
        });
        let defs = cx.g.defs;
        let module = cx.module;
        let is_ctor = |e: &ast::Expr| is_variant_ctor(defs, module, e);
        if let Some(bad) = non_constant_part(&init, &is_ctor) {
            cx.push(
                Diagnostic::error(
                    diag::E0222,
                    bad.span,
                    format!(
                        "the initializer of module-level constant `{}` must be a constant expression",
                        cdef.name
                    ),
                )
                .with_note("constants are literals, operators on constants, other constants, and tuples, arrays or struct literals of them")
                .with_help("compute the value in `main` instead"),
            );
        }
        let declared = ty.as_ref().map(|t| cx.lower_type(t));
        let value = match &declared {
            Some(t) => cx.check_coerce(&init, t),
            None => cx.check_expr(&init, None),
        };
        cx.finish_expr(value)
    }

    // ----- diagnostics -----

    pub fn push(&mut self, d: Diagnostic) {
        self.g.diags.push(d);
    }

    pub fn error(&mut self, code: Code, span: Span, msg: impl Into<String>) {
        self.push(Diagnostic::error(code, span, msg));
    }

    /// A type as source text, with inference variables resolved as far as known. The type
    /// of an unsuffixed literal not yet fixed by its context shows as `{integer}` / `{float}`.
    pub fn show(&self, t: &Ty) -> String {
        let t = self.zonk(t).map(&mut |x| match x {
            Ty::Infer(v) => match self.vars[*v as usize] {
                Var::Unbound(VarKind::Int) => Some(Ty::Param(u32::MAX, "{integer}".into())),
                Var::Unbound(VarKind::Float) => Some(Ty::Param(u32::MAX, "{float}".into())),
                _ => None,
            },
            _ => None,
        });
        self.g.defs.show(&t).to_string()
    }

    /// An erroneous expression.
    pub fn error_expr(&self, span: Span) -> TExpr {
        TExpr {
            kind: TExprKind::Error,
            ty: Ty::Error,
            span,
        }
    }

    /// Is `t` an opaque generic parameter of a lenient check (no errors about it)?
    pub fn is_opaque(&self, t: &Ty) -> bool {
        self.lenient && self.zonk(t).has_params()
    }

    // ----- types written in the body -----

    /// Lowers a type written in this function's body.
    pub fn lower_type(&mut self, t: &ast::Type) -> Ty {
        let cx = TypeCx {
            defs: self.g.defs,
            module: self.module,
            generics: &self.generics,
        };
        let ty = cx.lower(t, self.g.diags);
        self.note_reported_keys(&ty);
        ty.subst(&self.type_args)
    }

    /// Records the invalid HashMap keys of a written type, which its lowering reported.
    pub fn note_reported_keys(&mut self, t: &Ty) {
        t.walk(&mut |x| {
            if let Ty::Map(k, _) = x {
                if !crate::sema::resolve_ty::valid_map_key(k) {
                    let shown = self.g.defs.show(k).to_string();
                    self.reported_types.insert((true, shown));
                }
            }
        });
    }

    /// Lowers a closure parameter type.
    pub fn lower_param_type(&mut self, t: &ast::Type) -> (PassMode, Ty) {
        let cx = TypeCx {
            defs: self.g.defs,
            module: self.module,
            generics: &self.generics,
        };
        let (m, ty) = cx.lower_param(t, self.g.diags);
        (m, ty.subst(&self.type_args))
    }

    // ----- scopes and locals -----

    pub fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub fn scope_depth(&self) -> usize {
        self.scopes.len()
    }

    /// Declares a local in the innermost scope; a second name in the same scope is E0106.
    pub fn declare_local(&mut self, name: &str, ty: Ty, kind: LocalKind, span: Span) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            kind,
            span,
        });
        if name == "_" {
            return id;
        }
        let scope = self.scopes.last_mut().expect("a scope");
        if let Some((_, prev)) = scope.iter().find(|(n, _)| n == name) {
            let prev_span = self.locals[prev.0 as usize].span;
            self.push(
                Diagnostic::error(
                    diag::E0106,
                    span,
                    format!("`{name}` is already defined in this scope"),
                )
                .with_primary_label("redefined here")
                .with_label(prev_span, "first defined here")
                .with_help("choose another name, or assign to the existing variable (declare it with `var`)"),
            );
        }
        self.scopes
            .last_mut()
            .expect("a scope")
            .push((name.to_string(), id));
        id
    }

    /// Finds a local by name, recording captures for the closures between its scope and
    /// the current one.
    pub fn lookup_local(&mut self, name: &str, span: Span) -> Option<LocalId> {
        let (scope_idx, id) = self.scopes.iter().enumerate().rev().find_map(|(i, s)| {
            s.iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, id)| (i, *id))
        })?;
        let mutable = self.locals[id.0 as usize].is_mutable();
        for frame in self.frames.iter_mut().rev() {
            if frame.scope_base <= scope_idx {
                break;
            }
            if let Some(par) = &mut frame.par {
                par.reads.push((id, span));
            }
            if frame.is_closure && !frame.captures.iter().any(|c| c.local == id) {
                frame.captures.push(Capture {
                    local: id,
                    by_ref: mutable && !frame.is_move,
                    span,
                });
            }
        }
        Some(id)
    }

    /// Records a write of `id` at `span` in every `par` body that reaches it from outside.
    pub fn note_write(&mut self, id: LocalId, span: Span) {
        let Some(scope_idx) = self
            .scopes
            .iter()
            .position(|s| s.iter().any(|(_, l)| *l == id))
        else {
            return;
        };
        for frame in self.frames.iter_mut().rev() {
            if frame.scope_base <= scope_idx {
                break;
            }
            if let Some(par) = &mut frame.par {
                par.writes.push((id, span));
            }
        }
    }

    /// The innermost move closure that captures `id` (for E0302), if any.
    pub fn move_closure_capturing(&self, id: LocalId) -> bool {
        let Some(scope_idx) = self
            .scopes
            .iter()
            .position(|s| s.iter().any(|(_, l)| *l == id))
        else {
            return false;
        };
        self.frames
            .iter()
            .any(|f| f.is_closure && f.is_move && f.scope_base > scope_idx)
    }

    /// Hides every local (for checking a default argument in the callee's module).
    pub fn hide_scopes(&mut self) -> Vec<Vec<(String, LocalId)>> {
        std::mem::replace(&mut self.scopes, vec![Vec::new()])
    }

    pub fn restore_scopes(&mut self, scopes: Vec<Vec<(String, LocalId)>>) {
        self.scopes = scopes;
    }

    /// Names of every local in scope.
    pub fn locals_in_scope(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .flat_map(|s| s.iter().map(|(n, _)| n.as_str()))
    }

    pub fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame")
    }

    pub fn local(&self, id: LocalId) -> &Local {
        &self.locals[id.0 as usize]
    }

    // ----- inference variables -----

    pub fn new_var(&mut self, kind: VarKind, span: Span) -> Ty {
        self.vars.push(Var::Unbound(kind));
        self.var_spans.push(span);
        Ty::Infer(self.vars.len() as u32 - 1)
    }

    /// Follows variable bindings at the top of `t`.
    pub fn resolve(&self, t: &Ty) -> Ty {
        let mut t = t.clone();
        while let Ty::Infer(v) = t {
            match &self.vars[v as usize] {
                Var::Bound(b) => t = b.clone(),
                Var::Unbound(_) => break,
            }
        }
        t
    }

    /// Does `t` (with its variables resolved as far as known) nest more than `levels` types
    /// deep? Visits no more than `levels` levels.
    pub fn nests_deeper_than(&self, t: &Ty, levels: usize) -> bool {
        match t {
            Ty::Infer(v) => match &self.vars[*v as usize] {
                Var::Bound(b) => self.nests_deeper_than(b, levels),
                Var::Unbound(_) => false,
            },
            _ if levels == 0 => true,
            _ => {
                let mut deeper = false;
                t.children(&mut |c| deeper = deeper || self.nests_deeper_than(c, levels - 1));
                deeper
            }
        }
    }

    /// Resolves every variable inside `t` as far as known.
    pub fn zonk(&self, t: &Ty) -> Ty {
        t.map(&mut |x| match x {
            Ty::Infer(_) => {
                let r = self.resolve(x);
                if matches!(r, Ty::Infer(_)) {
                    Some(r)
                } else {
                    Some(self.zonk(&r))
                }
            }
            _ => None,
        })
    }

    /// Like [`zonk`](Self::zonk), defaulting literal variables (`i64`, `f64`) and the
    /// results of diverging closures (`void`); unresolved
    /// general variables become `Error`.
    pub fn zonk_default(&self, t: &Ty) -> Ty {
        self.zonk(t).map(&mut |x| match x {
            Ty::Infer(v) => Some(match self.vars[*v as usize] {
                Var::Unbound(VarKind::Int) => Ty::i64(),
                Var::Unbound(VarKind::Float) => Ty::Float(crate::common::ty::FloatTy::F64),
                Var::Unbound(VarKind::Diverging) => Ty::Void,
                _ => Ty::Error,
            }),
            _ => None,
        })
    }

    /// Like [`zonk`](Self::zonk), with literal variables given their default types
    /// (general variables stay open).
    pub fn zonk_literals(&self, t: &Ty) -> Ty {
        self.zonk(t).map(&mut |x| match x {
            Ty::Infer(v) => match self.vars[*v as usize] {
                Var::Unbound(VarKind::Int) => Some(Ty::i64()),
                Var::Unbound(VarKind::Float) => Some(Ty::Float(crate::common::ty::FloatTy::F64)),
                _ => None,
            },
            _ => None,
        })
    }

    /// Lets an unbound general variable default to `void` (the result of a closure whose
    /// body never returns); other types are left alone.
    pub fn mark_diverging(&mut self, t: &Ty) {
        if let Ty::Infer(v) = self.resolve(t) {
            if matches!(self.vars[v as usize], Var::Unbound(VarKind::General)) {
                self.vars[v as usize] = Var::Unbound(VarKind::Diverging);
            }
        }
    }

    /// The kind of an unbound variable.
    pub fn var_kind(&self, t: &Ty) -> Option<VarKind> {
        match self.resolve(t) {
            Ty::Infer(v) => match self.vars[v as usize] {
                Var::Unbound(k) => Some(k),
                Var::Bound(_) => None,
            },
            _ => None,
        }
    }

    fn bind(&mut self, v: u32, t: Ty) {
        self.vars[v as usize] = Var::Bound(t);
    }

    fn occurs(&self, v: u32, t: &Ty) -> bool {
        let mut found = false;
        self.zonk(t).walk(&mut |x| found |= *x == Ty::Infer(v));
        found
    }

    /// Makes `a` and `b` equal, binding variables. False when impossible (bindings made
    /// before the failure stay: use [`try_unify`](Self::try_unify) to attempt).
    pub fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let a = self.resolve(a);
        let b = self.resolve(b);
        match (&a, &b) {
            // A variable meeting an error becomes an error itself, so nothing downstream
            // reports it again as "type annotations needed".
            (Ty::Error, other) | (other, Ty::Error) => {
                let mut free = Vec::new();
                self.zonk(other).walk(&mut |x| {
                    if let Ty::Infer(v) = x {
                        free.push(*v);
                    }
                });
                for v in free {
                    self.bind(v, Ty::Error);
                }
                true
            }
            (Ty::Param(..), _) | (_, Ty::Param(..)) if self.lenient => true,
            (Ty::Infer(x), Ty::Infer(y)) if x == y => true,
            (Ty::Infer(x), other) | (other, Ty::Infer(x)) => self.unify_var(*x, other),
            (Ty::Tuple(xs), Ty::Tuple(ys)) | (Ty::Adt(_, xs), Ty::Adt(_, ys))
                if xs.len() == ys.len() =>
            {
                let same_adt = !matches!((&a, &b), (Ty::Adt(i, _), Ty::Adt(j, _)) if i != j);
                same_adt && xs.iter().zip(ys).all(|(x, y)| self.unify(x, y))
            }
            (Ty::Array(x, n), Ty::Array(y, m)) => n == m && self.unify(x, y),
            (Ty::Vec(x), Ty::Vec(y)) | (Ty::Box(x), Ty::Box(y)) | (Ty::Ptr(x), Ty::Ptr(y)) => {
                self.unify(x, y)
            }
            (Ty::Map(k1, v1), Ty::Map(k2, v2)) => self.unify(k1, k2) && self.unify(v1, v2),
            (Ty::Fn(f1), Ty::Fn(f2)) => self.unify_fn(f1, f2),
            _ => a == b,
        }
    }

    fn unify_var(&mut self, x: u32, other: &Ty) -> bool {
        let kind = match self.vars[x as usize] {
            Var::Unbound(k) => k,
            Var::Bound(_) => return false,
        };
        match other {
            Ty::Infer(y) => {
                let ky = match self.vars[*y as usize] {
                    Var::Unbound(k) => k,
                    Var::Bound(_) => return false,
                };
                // Keep the more specific kind on the surviving variable.
                match (kind, ky) {
                    (VarKind::General, _) => self.bind(x, other.clone()),
                    (_, VarKind::General) => self.bind(*y, Ty::Infer(x)),
                    (VarKind::Diverging, _) => self.bind(x, other.clone()),
                    (_, VarKind::Diverging) => self.bind(*y, Ty::Infer(x)),
                    (k1, k2) if k1 == k2 => self.bind(x, other.clone()),
                    // An integer literal may become a float; a float literal stays float.
                    (VarKind::Int, VarKind::Float) => self.bind(x, other.clone()),
                    (VarKind::Float, VarKind::Int) => self.bind(*y, Ty::Infer(x)),
                    _ => return false,
                }
                true
            }
            _ => {
                let ok = match kind {
                    VarKind::General | VarKind::Diverging => !self.occurs(x, other),
                    VarKind::Int => matches!(other, Ty::Int(_) | Ty::Float(_)),
                    VarKind::Float => matches!(other, Ty::Float(_)),
                };
                if ok {
                    self.bind(x, other.clone());
                }
                ok
            }
        }
    }

    fn unify_fn(&mut self, f1: &FnTy, f2: &FnTy) -> bool {
        let p1 = self.non_void_params(&f1.params);
        let p2 = self.non_void_params(&f2.params);
        p1.len() == p2.len()
            && p1
                .iter()
                .zip(&p2)
                .all(|((m1, t1), (m2, t2))| m1 == m2 && self.unify(t1, t2))
            && self.unify(&f1.ret, &f2.ret)
    }

    /// Closure parameters without the `void` ones (a `void` parameter takes no argument).
    pub fn non_void_params(&self, ps: &[(PassMode, Ty)]) -> Vec<(PassMode, Ty)> {
        ps.iter()
            .filter(|(_, t)| !self.resolve(t).is_void())
            .cloned()
            .collect()
    }

    /// Unifies, undoing every binding if it fails.
    pub fn try_unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let saved = self.vars.clone();
        if self.unify(a, b) {
            return true;
        }
        self.vars = saved;
        false
    }

    // ----- coercion -----

    /// Checks `e` and converts it to `expected`, reporting a mismatch (E0200).
    pub fn check_coerce(&mut self, e: &ast::Expr, expected: &Ty) -> TExpr {
        let te = self.check_expr(e, Some(expected));
        self.coerce(te, expected)
    }

    /// Converts `te` to `expected`, reporting a mismatch (E0200).
    pub fn coerce(&mut self, te: TExpr, expected: &Ty) -> TExpr {
        match self.try_coerce(te, expected) {
            Ok(te) => te,
            Err(te) => {
                self.mismatch(te.span, expected, &te.ty);
                te
            }
        }
    }

    /// Converts `te` to `expected` without reporting: unification, then `T` → `T?`,
    /// `string` → `Error`, and error types with `toError()` → `Error`.
    /// On failure the expression is handed back unchanged, hence the large `Err`.
    #[allow(clippy::result_large_err)]
    pub fn try_coerce(&mut self, te: TExpr, expected: &Ty) -> Result<TExpr, TExpr> {
        let actual = self.resolve(&te.ty);
        if actual.is_never() || self.try_unify(&actual, expected) {
            return Ok(te);
        }
        let exp = self.resolve(expected);
        let lang = &self.g.defs.lang;
        if let Some(inner) = lang.as_option(&exp).cloned() {
            if lang.as_option(&actual).is_none() && self.try_unify(&actual, &inner) {
                return Ok(wrap(te, Coercion::WrapSome, exp));
            }
        }
        if exp == lang.error_ty() && !exp.is_error() {
            if actual == Ty::Str {
                return Ok(wrap(te, Coercion::StrToError, exp));
            }
            if let Some(f) = self.to_error_method(&actual) {
                return Ok(wrap(te, Coercion::ToError(f), exp));
            }
        }
        Err(te)
    }

    /// The `toError(self): Error` method of `t`, if it has one.
    pub fn to_error_method(&self, t: &Ty) -> Option<FnRef> {
        let head = crate::sema::defs::TypeHead::of(t)?;
        let Ty::Adt(_, args) = t else {
            return None;
        };
        let ids = self.g.defs.methods.get(&(head, "toError".to_string()))?;
        let f = *ids.first()?;
        if !self.is_conversion(f, &self.g.defs.lang.error_ty()) {
            return None;
        }
        Some(FnRef {
            fn_id: f,
            type_args: args.clone(),
        })
    }

    /// Reports E0200 unless either side is already erroneous.
    pub fn mismatch(&mut self, span: Span, expected: &Ty, found: &Ty) {
        let (e, f) = (self.zonk(expected), self.zonk(found));
        if e.has_error() || f.has_error() || self.is_opaque(&e) || self.is_opaque(&f) {
            return;
        }
        let (es, fs) = (self.show(&e), self.show(&f));
        let mut d = Diagnostic::error(
            diag::E0200,
            span,
            format!("mismatched types: expected `{es}`, found `{fs}`"),
        )
        .with_primary_label(format!("expected `{es}`, found `{fs}`"));
        let lang = &self.g.defs.lang;
        let unwrapped = match lang.as_result(&f) {
            Some((ok, _)) => Some((ok, "a `Result`")),
            None => lang.as_option(&f).map(|t| (t, "an `Option`")),
        };
        if lang
            .as_promise(&f)
            .is_some_and(|inner| *inner == e && !e.has_infer())
        {
            d = d.with_suggestion(
                span.end_point(),
                ".await()!",
                "this is a `Promise` of the value: wait for it with `.await()!`",
            );
        } else if let Some((_, what)) =
            unwrapped.filter(|(inner, _)| **inner == e && !e.has_infer())
        {
            d = d.with_help(format!("this is {what}: unwrap it with `!` (panics on failure) or `?` (returns the failure)"));
        } else if e.is_numeric() && f.is_numeric() {
            d = d.with_help(format!("convert explicitly: `... as {es}`"));
        } else if f.is_void() {
            d = d.with_note("this expression produces no value");
        } else if e == Ty::Str && f.is_numeric() {
            d = d.with_help("convert with `.toString()` or use `$\"{...}\"`");
        }
        self.push(d);
    }

    /// Validates a `with` clause: effect names and resources (effects are checked in a
    /// later version; the clause is accepted as documentation today).
    fn check_effect_clause(&mut self, clause: Option<&ast::EffectClause>) {
        let Some(clause) = clause else {
            return;
        };
        for e in &clause.effects {
            match (e.name.name.as_str(), &e.resource) {
                ("reads" | "writes", Some(r)) => {
                    let def = self.g.defs.lookup_type(self.module, &r.name);
                    if !matches!(def, Some(crate::sema::defs::TypeDef::Resource(_))) {
                        self.error(
                            diag::E0101,
                            r.span,
                            format!("cannot find resource `{}`", r.name),
                        );
                    }
                }
                ("io" | "suspends" | "blocks" | "pure", None) => {}
                (name, _) => self.error(
                    diag::E0101,
                    e.span,
                    format!("unknown effect `{name}`; effects are `reads(R)`, `writes(R)`, `io`, `suspends`, `blocks` and `pure`"),
                ),
            }
        }
    }
}

fn wrap(te: TExpr, c: Coercion, ty: Ty) -> TExpr {
    let span = te.span;
    TExpr {
        kind: TExprKind::Coerce(c, Box::new(te)),
        ty,
        span,
    }
}

/// The statements of a script as the block of its implicit `main`.
fn script_block(defs: &crate::sema::defs::Defs, m: ModuleId) -> ast::Block {
    let module = defs.module(m);
    let stmts: Vec<ast::Stmt> = module
        .ast
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ast::ItemKind::Stmt(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let file = module.file;
    let end = stmts.last().map(|s| s.span.end as usize).unwrap_or(0);
    ast::Block {
        stmts,
        span: Span::new(file, 0, end),
    }
}

/// Is `e` (a call) the construction of an enum variant: `Some(3)`, `Color.Rgb(1, 2, 3)`?
fn is_variant_ctor(defs: &crate::sema::defs::Defs, module: ModuleId, e: &ast::Expr) -> bool {
    use crate::sema::defs::{TypeDef, ValueDef};
    use ast::ExprKind as K;
    match &e.kind {
        K::Call { callee, .. } => match &callee.kind {
            K::Name(n) => match defs.lookup_value(module, &n.name) {
                Some(v) => matches!(v, ValueDef::Variant(..)),
                None => !defs.bare_variants(module, &n.name).is_empty(),
            },
            _ => false,
        },
        K::MethodCall {
            receiver, method, ..
        } => match &receiver.kind {
            K::Name(t) => matches!(
                defs.lookup_type(module, &t.name),
                Some(TypeDef::Adt(id)) if defs.adt(id).variants().iter().any(|v| v.name == method.name)
            ),
            _ => false,
        },
        _ => false,
    }
}

/// The first part of a constant initializer that is not a constant expression.
/// `is_ctor` tells enum variant constructions (constant when their payloads are) from
/// function calls (never constant).
fn non_constant_part<'e>(
    e: &'e ast::Expr,
    is_ctor: &dyn Fn(&ast::Expr) -> bool,
) -> Option<&'e ast::Expr> {
    use ast::ExprKind as K;
    let all = |es: &'e [ast::Expr]| es.iter().find_map(|x| non_constant_part(x, is_ctor));
    match &e.kind {
        K::Int(..) | K::Float(..) | K::Bool(_) | K::Str(_) | K::Byte(_) | K::Unit | K::Name(_) => {
            None
        }
        K::Field { base, .. } => non_constant_part(base, is_ctor),
        K::Unary { op, expr }
            if !matches!(op, ast::UnOp::Ref | ast::UnOp::RefMut | ast::UnOp::Deref) =>
        {
            non_constant_part(expr, is_ctor)
        }
        K::Binary { lhs, rhs, .. } => {
            non_constant_part(lhs, is_ctor).or_else(|| non_constant_part(rhs, is_ctor))
        }
        K::Cast { expr, .. } => non_constant_part(expr, is_ctor),
        K::Tuple(es) | K::Array(es) => all(es),
        K::ArrayRepeat { value, count } => {
            non_constant_part(value, is_ctor).or_else(|| non_constant_part(count, is_ctor))
        }
        K::StructLit { fields, .. } => fields
            .iter()
            .find_map(|f| f.value.as_ref().and_then(|v| non_constant_part(v, is_ctor))),
        K::Call { args, .. } | K::MethodCall { args, .. } if is_ctor(e) => all(args),
        // Reported as E0224 by the checker.
        K::Return(_) => None,
        _ => Some(e),
    }
}
