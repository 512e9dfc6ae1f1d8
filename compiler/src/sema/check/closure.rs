//! Closures: checking closure literals, capture classification, where closure values may
//! flow (local closures may not escape: E0304), and Send for what crosses to another task
//! or thread (E0301). docs/reference.md sections 4.8 and 6.7.

use super::fncx::{ClosureFacts, FnCx, Frame};
use crate::common::ty::{AdtId, FnTy, PassMode, Ty, VarKind};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::AdtKind;
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind};

impl FnCx<'_, '_> {
    /// Checks a closure literal. `ctx_move`: it is passed to a `move` parameter, so it is a
    /// move closure even without the keyword.
    pub fn check_closure(
        &mut self,
        c: &ast::Closure,
        expected: Option<&Ty>,
        ctx_move: bool,
        span: Span,
    ) -> TExpr {
        let is_move = c.is_move || ctx_move;
        let exp_fn = match expected.map(|t| self.resolve(t)) {
            Some(Ty::Fn(f)) => Some(*f),
            _ => None,
        };
        let exp_params = exp_fn.as_ref().map(|f| self.non_void_params(&f.params));
        // Set when the closure's shape was already reported against the expected type, so
        // the caller does not report the whole closure as a second mismatch.
        let mut reported = false;
        if let Some(ps) = &exp_params {
            if ps.len() != c.params.len() {
                reported = true;
                // Shown without its `void` parameters, which take no argument.
                let ret = exp_fn.as_ref().map(|f| f.ret.clone()).unwrap_or(Ty::Error);
                let shown = self.show(&Ty::Fn(Box::new(FnTy {
                    params: ps.clone(),
                    ret,
                })));
                self.push(
                    Diagnostic::error(
                        diag::E0201,
                        span,
                        format!(
                            "this closure takes {} parameter{} but `{shown}` is expected",
                            c.params.len(),
                            if c.params.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .with_primary_label(format!(
                        "expected {} parameter{}",
                        ps.len(),
                        if ps.len() == 1 { "" } else { "s" }
                    )),
                );
            }
        }
        let ret = match (&c.ret, &exp_fn) {
            (Some(t), _) => self.lower_type(t),
            (None, Some(f)) => f.ret.clone(),
            (None, None) => self.new_var(VarKind::General, span),
        };
        if let (Some(_), Some(f)) = (&c.ret, &exp_fn) {
            self.unify(&ret, &f.ret);
        }
        let scope_base = self.scope_depth();
        self.frames.push(Frame {
            ret: ret.clone(),
            is_closure: true,
            is_move,
            scope_base,
            captures: Vec::new(),
            loops: Vec::new(),
            returns: true,
            defer_loops: None,
            par: None,
        });
        self.push_scope();
        let mut params = Vec::new();
        let mut ptys = Vec::new();
        for (i, p) in c.params.iter().enumerate() {
            let exp = exp_params.as_ref().and_then(|ps| ps.get(i).cloned());
            let (mode, ty) = self.closure_param_type(p, exp, &mut reported);
            let id = self.declare_local(
                &p.name.name,
                ty.clone(),
                LocalKind::Param(mode),
                p.name.span,
            );
            params.push((id, mode));
            ptys.push((mode, ty));
        }
        let body = match &c.body.kind {
            ExprKind::Block(b) if !self.resolve(&ret).is_void() && c.ret.is_some() => {
                self.check_closure_block(b, &ret)
            }
            _ => {
                let te = self.check_expr(&c.body, Some(&ret));
                if self.resolve(&ret).is_void() {
                    self.warn_unused_result(&te);
                    te
                } else {
                    self.check_escape(&te, "be returned");
                    self.coerce(te, &ret)
                }
            }
        };
        self.pop_scope();
        if body.ty.is_never() {
            self.mark_diverging(&ret);
        }
        let frame = self.frames.pop().expect("closure frame");
        let ty = if reported {
            Ty::Error
        } else {
            Ty::Fn(Box::new(FnTy {
                params: ptys,
                ret: ret.clone(),
            }))
        };
        TExpr {
            kind: TExprKind::Closure(Box::new(TClosure {
                params,
                ret,
                body,
                captures: frame.captures,
                is_move,
            })),
            ty,
            span,
        }
    }

    /// A block body with a declared non-void return type (like a function body).
    fn check_closure_block(&mut self, b: &ast::Block, ret: &Ty) -> TExpr {
        let block = self.check_block(b, Some(ret));
        let ty = self.block_type(&block);
        let mut te = TExpr {
            kind: TExprKind::Block(block),
            ty: ty.clone(),
            span: b.span,
        };
        if ty.is_never() {
            return te;
        }
        if let TExprKind::Block(block) = &mut te.kind {
            match block.value.take() {
                Some(v) if !self.resolve(&v.ty).is_void() => {
                    let v = self.coerce(*v, ret);
                    block.value = Some(Box::new(v));
                }
                _ => {
                    let shown = self.show(ret);
                    self.push(
                        Diagnostic::error(
                            diag::E0209,
                            b.span,
                            format!("closure may end without returning a value of type `{shown}`"),
                        )
                        .with_primary_label("the body can reach its end without a value"),
                    );
                }
            }
        }
        te.ty = ret.clone();
        te
    }

    fn closure_param_type(
        &mut self,
        p: &ast::Param,
        exp: Option<(PassMode, Ty)>,
        reported: &mut bool,
    ) -> (PassMode, Ty) {
        match (&p.ty, exp) {
            (Some(t), exp) => {
                let (mode, ty) = self.lower_param_type(t);
                if let Some((emode, ety)) = exp {
                    if emode != mode || !self.unify(&ty, &ety) {
                        let shown = self.show(&ety);
                        let want = match emode {
                            PassMode::Value => shown,
                            PassMode::Ref => format!("&{shown}"),
                            PassMode::RefMut => format!("&mut {shown}"),
                        };
                        self.error(
                            diag::E0200,
                            t.span,
                            format!(
                                "mismatched types: this closure parameter must have type `{want}`"
                            ),
                        );
                        *reported = true;
                    }
                }
                (mode, ty)
            }
            (None, Some(e)) => e,
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        diag::E0204,
                        p.name.span,
                        format!(
                            "cannot infer the type of closure parameter `{}`",
                            p.name.name
                        ),
                    )
                    .with_help(format!("annotate it: `({}: i64) => ...`", p.name.name)),
                );
                (PassMode::Value, Ty::Error)
            }
        }
    }

    /// What is known about the closure value `te` (None when it is not a closure value).
    pub fn closure_facts_of(&self, te: &TExpr) -> Option<ClosureFacts> {
        match &te.kind {
            TExprKind::Closure(c) => {
                let mut facts = ClosureFacts::default();
                for cap in &c.captures {
                    let local = self.local(cap.local);
                    if cap.by_ref && facts.by_ref.is_none() {
                        facts.by_ref = Some((local.name.clone(), cap.span));
                    }
                    if let Some(inner) = self.closure_facts.get(&cap.local) {
                        if facts.by_ref.is_none() {
                            facts.by_ref = inner
                                .by_ref
                                .clone()
                                .or_else(|| inner.param.clone().map(|p| (p, cap.span)));
                        }
                        if facts.not_send.is_none() {
                            facts.not_send = inner.not_send.clone();
                        }
                    }
                    if facts.not_send.is_none() && self.why_not_send(&local.ty).is_some() {
                        facts.not_send = Some((local.name.clone(), self.zonk(&local.ty), cap.span));
                    }
                }
                Some(facts)
            }
            TExprKind::Local(id) => self.closure_facts.get(id).cloned(),
            TExprKind::Block(b) => b.value.as_deref().and_then(|v| self.closure_facts_of(v)),
            TExprKind::If {
                then_block,
                else_branch,
                ..
            } => then_block
                .value
                .as_deref()
                .and_then(|v| self.closure_facts_of(v))
                .or_else(|| {
                    else_branch
                        .as_deref()
                        .and_then(|e| self.closure_facts_of(e))
                }),
            TExprKind::Match { arms, .. } => {
                arms.iter().find_map(|a| self.closure_facts_of(&a.body))
            }
            _ => None,
        }
    }

    /// E0304 when a closure that captures by reference (or a non-`move` closure
    /// parameter) would escape; `what` says how ("be returned").
    pub fn check_escape(&mut self, te: &TExpr, what: &str) {
        let Some(facts) = self.closure_facts_of(te) else {
            return;
        };
        if let Some((name, cap_span)) = facts.by_ref {
            self.push(
                Diagnostic::error(diag::E0304, te.span, format!("closure captures '{name}' by reference and cannot escape"))
                    .with_primary_label(format!("this closure would {what}"))
                    .with_label(cap_span, format!("'{name}' is a `var`, captured by reference here"))
                    .with_help(format!("make it a `move` closure to work on a copy of '{name}', or share state through std/sync")),
            );
        } else if let Some(name) = facts.param {
            self.push(
                Diagnostic::error(
                    diag::E0304,
                    te.span,
                    format!(
                        "closure parameter '{name}' may capture by reference and cannot escape"
                    ),
                )
                .with_primary_label(format!("it would {what}"))
                .with_help(format!(
                    "declare the parameter as escaping: `move {name}: ...`"
                )),
            );
        }
    }

    /// E0301 when a closure passed to a `move` parameter (a task, promise or thread body)
    /// captures a value that is not Send.
    pub fn check_sendable_closure(&mut self, te: &TExpr, arg_span: Span) {
        let Some(facts) = self.closure_facts_of(te) else {
            return;
        };
        if let Some((name, ty, cap_span)) = facts.not_send {
            let shown = self.show(&ty);
            let why = self.why_not_send(&ty).unwrap_or_default();
            self.push(
                Diagnostic::error(
                    diag::E0301,
                    arg_span,
                    format!("cannot send '{name}' of type '{shown}' to another thread"),
                )
                .with_primary_label("this closure runs on another task or thread")
                .with_label(cap_span, format!("'{name}' is captured here"))
                .with_note(why),
            );
        }
    }

    /// Why the local `id` of type `t`, shared by reference between concurrently running
    /// branches, is not Sync, or None when it is (docs/reference.md section 6.7): raw
    /// pointers are not; handle types are when std marks them `@sync` (those that
    /// synchronize); a closure is not when it captures a variable by reference; a struct,
    /// enum or tuple is when all it holds is (whatever its annotations: `@sync` and `par
    /// struct` mark the types meant to be shared).
    pub fn why_not_sync(&self, id: LocalId, t: &Ty) -> Option<String> {
        if let Some(facts) = self.closure_facts.get(&id) {
            if let Some((var, _)) = &facts.by_ref {
                return Some(format!(
                    "the closure captures `{var}` by reference, and may write it"
                ));
            }
        }
        self.not_auto_reason(AutoTrait::Sync, &self.zonk(t), &mut Vec::new())
    }

    /// Why `t` is not Send, or None when it is (docs/reference.md section 6.7).
    pub fn why_not_send(&self, t: &Ty) -> Option<String> {
        self.not_auto_reason(AutoTrait::Send, &self.zonk(t), &mut Vec::new())
    }

    /// Why `t` lacks `which`: raw pointers lack both; containers, tuples, structs and enums
    /// have what all they hold has; `seen` cuts recursive types.
    fn not_auto_reason(&self, which: AutoTrait, t: &Ty, seen: &mut Vec<AdtId>) -> Option<String> {
        match t {
            Ty::Ptr(_) => Some(format!(
                "`{}` is a raw pointer, which is not {}",
                self.g.defs.show(t),
                which.name()
            )),
            Ty::Vec(e) | Ty::Box(e) | Ty::Array(e, _) => self.not_auto_reason(which, e, seen),
            Ty::Map(k, v) => self
                .not_auto_reason(which, k, seen)
                .or_else(|| self.not_auto_reason(which, v, seen)),
            Ty::Tuple(ts) => ts.iter().find_map(|x| self.not_auto_reason(which, x, seen)),
            Ty::Adt(id, args) => self.adt_not_auto(which, *id, args, seen),
            _ => None,
        }
    }

    /// [`not_auto_reason`](Self::not_auto_reason) of a struct, enum or handle type: `@send`
    /// asserts Send; a handle has Sync when std marks it `@sync` (it synchronizes) and Send
    /// only when marked `@send`.
    fn adt_not_auto(
        &self,
        which: AutoTrait,
        id: AdtId,
        args: &[Ty],
        seen: &mut Vec<AdtId>,
    ) -> Option<String> {
        let adt = self.g.defs.adt(id);
        if which == AutoTrait::Send && Some(id) == self.g.defs.lang.generator {
            // A generator's captured state (its `gen fn`'s parameters) is Send by rule
            // (E0301 at the parameter); what it will yield must be Send too.
            let elem = args.first()?;
            return self.not_auto_reason(which, elem, seen).map(|r| {
                format!(
                    "the generator yields values of type `{}`; {r}",
                    self.g.defs.show(elem)
                )
            });
        }
        let asserted = which == AutoTrait::Send && adt.attrs.send;
        if asserted || seen.contains(&id) {
            return None;
        }
        seen.push(id);
        let show = |t: &Ty| self.g.defs.show(t).to_string();
        let reason = match &adt.kind {
            AdtKind::Handle(_) if which == AutoTrait::Sync && adt.attrs.sync => None,
            AdtKind::Handle(_) if which == AutoTrait::Sync => {
                Some(format!("`{}` does not synchronize its uses", adt.name))
            }
            AdtKind::Handle(_) => Some(format!("`{}` is not Send", adt.name)),
            AdtKind::Struct(fields) => fields.iter().find_map(|f| {
                let ft = f.ty.subst(args);
                self.not_auto_reason(which, &ft, seen).map(|r| {
                    format!(
                        "field `{}` of `{}` has type `{}`; {r}",
                        f.name,
                        adt.name,
                        show(&ft)
                    )
                })
            }),
            AdtKind::Enum(vs) => vs.iter().find_map(|v| {
                v.fields.iter().find_map(|ft| {
                    let ft = ft.subst(args);
                    self.not_auto_reason(which, &ft, seen).map(|r| {
                        format!(
                            "variant `{}.{}` holds a `{}`; {r}",
                            adt.name,
                            v.name,
                            show(&ft)
                        )
                    })
                })
            }),
        };
        seen.pop();
        reason
    }
}

/// The properties the checker derives from a type's parts (docs/reference.md 6.7).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AutoTrait {
    /// May move to another task or thread.
    Send,
    /// May be shared by reference between concurrently running branches.
    Sync,
}

impl AutoTrait {
    fn name(self) -> &'static str {
        match self {
            AutoTrait::Send => "Send",
            AutoTrait::Sync => "Sync",
        }
    }
}
