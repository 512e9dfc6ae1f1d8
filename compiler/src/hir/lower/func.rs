//! Lowering one function instance (or closure body): locals, statements, expressions,
//! patterns, and closure conversion.

use super::ProgramCx;
use crate::common::intrinsic::{CoreOp, Intrinsic, StrOp, TaskOp};
use crate::hir::*;
use crate::sema::tast::{self, Callee, LocalKind, TExpr, TExprKind};
use std::collections::HashMap;

/// Lowers the body of a checked instance into the reserved function `id`.
pub(super) fn lower_instance(cx: &mut ProgramCx, inst: tast::InstId, id: FuncId) -> Func {
    let instance = cx.checked.instance(inst).clone();
    let mut fl = FnLower::new(cx, &instance.locals, instance.ret.clone(), inst);
    let params = instance
        .params
        .iter()
        .map(|&p| {
            let mode = param_mode(instance.locals[p.0 as usize].kind);
            Param {
                local: fl.local(p),
                mode,
            }
        })
        .collect();
    let span = fl.cx.checked.defs.func(instance.fn_id).span;
    let body = match &instance.body {
        Some(b) => fl.body_block(b),
        None => Block {
            stmts: Vec::new(),
            value: Some(Box::new(Expr {
                kind: ExprKind::Unreachable,
                ty: Ty::Never,
                span,
            })),
            span,
        },
    };
    let f = &fl.cx.funcs[id.0 as usize];
    let def = fl.cx.checked.defs.func(instance.fn_id);
    let (kind, ret) = if def.flags.is_gen {
        // The instance's `ret` is the body's (void); a call returns the generator.
        let elem = def.ret.subst(&instance.type_args);
        let ret = fl.cx.checked.defs.lang.generator_of(elem.clone());
        (FuncKind::Generator { elem }, ret)
    } else {
        (FuncKind::Plain, instance.ret.clone())
    };
    Func {
        name: f.name.clone(),
        symbol: f.symbol.clone(),
        kind,
        params,
        ret,
        locals: fl.locals,
        body,
        span,
    }
}

/// How a parameter local is passed.
fn param_mode(kind: LocalKind) -> PassMode {
    match kind {
        LocalKind::Param(m) => m,
        LocalKind::SelfParam { mutable: true } => PassMode::RefMut,
        _ => PassMode::Value,
    }
}

/// Lowers the expressions of one function (or closure body).
pub(super) struct FnLower<'c, 'a> {
    pub cx: &'c mut ProgramCx<'a>,
    /// The checked instance's locals (closures share their creator's table).
    tast_locals: &'c [tast::Local],
    map: HashMap<tast::LocalId, LocalId>,
    pub locals: Vec<LocalDecl>,
    /// The return type of the function being lowered (for `?`).
    pub ret: Ty,
    /// The scope locals of the `concurrent` blocks being lowered, innermost last (what a
    /// `spawn` starts its child in).
    pub scopes: Vec<LocalId>,
    /// The checked instance whose body (or closure in it) this is.
    pub inst: tast::InstId,
}

impl<'c, 'a> FnLower<'c, 'a> {
    fn new(
        cx: &'c mut ProgramCx<'a>,
        tast_locals: &'c [tast::Local],
        ret: Ty,
        inst: tast::InstId,
    ) -> Self {
        FnLower {
            cx,
            tast_locals,
            map: HashMap::new(),
            locals: Vec::new(),
            ret,
            scopes: Vec::new(),
            inst,
        }
    }

    /// The HIR local for a checked local (created on first use).
    pub fn local(&mut self, id: tast::LocalId) -> LocalId {
        if let Some(&l) = self.map.get(&id) {
            return l;
        }
        let t = &self.tast_locals[id.0 as usize];
        let indirect = matches!(
            t.kind,
            LocalKind::Param(PassMode::RefMut) | LocalKind::SelfParam { mutable: true }
        );
        let mutable = t.is_mutable();
        let l = self.new_local(&t.name.clone(), t.ty.clone(), indirect, t.span);
        self.locals[l.0 as usize].mutable = mutable;
        self.map.insert(id, l);
        l
    }

    /// The type of a checked local.
    pub fn local_ty(&self, id: tast::LocalId) -> Ty {
        self.tast_locals[id.0 as usize].ty.clone()
    }

    /// A fresh local (desugaring temporaries are named `$...`; they count as mutable).
    pub fn new_local(&mut self, name: &str, ty: Ty, indirect: bool, span: Span) -> LocalId {
        self.locals.push(LocalDecl {
            name: name.to_string(),
            ty,
            indirect,
            mutable: true,
            span,
        });
        LocalId(self.locals.len() as u32 - 1)
    }

    fn body_block(&mut self, body: &TExpr) -> Block {
        match &body.kind {
            TExprKind::Block(b) => self.block(b),
            _ => Block {
                stmts: Vec::new(),
                value: Some(Box::new(self.expr(body))),
                span: body.span,
            },
        }
    }

    pub fn block(&mut self, b: &tast::TBlock) -> Block {
        Block {
            stmts: self.block_stmts(b),
            value: b.value.as_ref().map(|v| Box::new(self.expr(v))),
            span: b.span,
        }
    }

    pub(super) fn stmt(&mut self, s: &tast::TStmt) -> Stmt {
        match s {
            tast::TStmt::Let {
                pat,
                init,
                else_block,
            } => Stmt::Let {
                init: self.expr(init),
                pat: self.pattern(pat),
                else_block: else_block.as_ref().map(|b| self.block(b)),
            },
            tast::TStmt::Expr(e) => Stmt::Expr(self.expr(e)),
            tast::TStmt::Assign { place, op, value } => Stmt::Assign {
                place: self.expr(place),
                op: *op,
                value: self.expr(value),
            },
            tast::TStmt::Defer(b) => Stmt::Defer(self.block(b)),
            tast::TStmt::Errdefer(b) => Stmt::Errdefer(self.block(b)),
        }
    }

    pub fn exprs(&mut self, es: &[TExpr]) -> Vec<Expr> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    pub fn boxed(&mut self, e: &TExpr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    pub fn expr(&mut self, e: &TExpr) -> Expr {
        let kind = match &e.kind {
            TExprKind::Int(v) => ExprKind::Int(*v),
            TExprKind::Float(v) => ExprKind::Float(*v),
            TExprKind::Bool(b) => ExprKind::Bool(*b),
            TExprKind::Str(s) => ExprKind::Str(s.clone()),
            TExprKind::Unit => ExprKind::Unit,
            TExprKind::Local(id) => ExprKind::Local(self.local(*id)),
            TExprKind::Const(c) => {
                let value = self.cx.const_value(*c).clone();
                return self.expr(&value);
            }
            TExprKind::FnRef(r) => match self.cx.target(r) {
                CallTarget::Func(f) => ExprKind::FuncValue(f),
                _ => ExprKind::Unreachable,
            },
            TExprKind::Call { callee, args } => self.call(callee, args, &e.ty, e.span),
            TExprKind::Field { base, index } => ExprKind::Field {
                base: self.boxed(base),
                index: *index,
            },
            TExprKind::Index { base, index, kind } => ExprKind::Index {
                base: self.boxed(base),
                index: self.boxed(index),
                kind: *kind,
            },
            TExprKind::Unary { op, operand } => ExprKind::Unary {
                op: *op,
                operand: self.boxed(operand),
            },
            TExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
                op: *op,
                lhs: self.boxed(lhs),
                rhs: self.boxed(rhs),
            },
            TExprKind::Cast(inner) => ExprKind::Cast(self.boxed(inner)),
            TExprKind::Struct { adt, fields } => ExprKind::Struct {
                adt: *adt,
                fields: self.exprs(fields),
            },
            TExprKind::Variant {
                adt,
                variant,
                fields,
            } => ExprKind::Variant {
                adt: *adt,
                variant: *variant,
                fields: self.exprs(fields),
            },
            TExprKind::Tuple(es) => ExprKind::Tuple(self.exprs(es)),
            TExprKind::Array(es) => ExprKind::Array(self.exprs(es)),
            TExprKind::ArrayRepeat { value, count } => ExprKind::ArrayRepeat {
                value: self.boxed(value),
                count: *count,
            },
            TExprKind::VecLit(es) => ExprKind::VecLit(self.exprs(es)),
            TExprKind::Closure(c) => self.closure(c, e.span),
            TExprKind::If {
                cond,
                then_block,
                else_branch,
            } => ExprKind::If {
                cond: self.boxed(cond),
                then_block: self.block(then_block),
                else_block: else_branch.as_ref().map(|b| self.expr_as_block(b)),
            },
            TExprKind::Match { scrutinee, arms } => ExprKind::Match {
                scrutinee: self.boxed(scrutinee),
                arms: arms
                    .iter()
                    .map(|a| MatchArm {
                        pat: self.pattern(&a.pat),
                        guard: a.guard.as_ref().map(|g| self.expr(g)),
                        body: self.expr(&a.body),
                    })
                    .collect(),
            },
            TExprKind::Block(b) => ExprKind::Block(self.block(b)),
            TExprKind::Blocking { body, captures } => {
                return self.blocking(body, captures, &e.ty, e.span)
            }
            TExprKind::Par {
                branches,
                try_scope,
            } => return self.par(branches, *try_scope, &e.ty, e.span),
            TExprKind::ParFor {
                lo,
                hi,
                body,
                try_scope,
            } => return self.par_for(lo, hi, body, *try_scope, &e.ty, e.span),
            TExprKind::Concurrent {
                timeout,
                body,
                try_scope,
            } => return self.concurrent(timeout.as_deref(), body, *try_scope, &e.ty, e.span),
            TExprKind::Spawn(closure) => return self.spawn(closure, &e.ty, e.span),
            TExprKind::Loop(b) => ExprKind::Loop {
                body: self.block(b),
                latch: None,
            },
            TExprKind::Return(v) => ExprKind::Return(v.as_ref().map(|v| self.boxed(v))),
            TExprKind::Break => ExprKind::Break,
            TExprKind::Continue => ExprKind::Continue,
            TExprKind::Deref(inner) => ExprKind::Deref(self.boxed(inner)),
            TExprKind::AddrOf(inner) => ExprKind::AddrOf(self.boxed(inner)),
            TExprKind::Interp(parts) => ExprKind::Call {
                target: CallTarget::Intrinsic {
                    op: Intrinsic::Str(StrOp::ConcatN),
                    type_args: Vec::new(),
                },
                args: self.value_args(parts),
            },
            TExprKind::Coerce(c, inner) => return self.coercion(c, inner, e.ty.clone(), e.span),
            TExprKind::Select(arms) => return self.select(arms, &e.ty, e.span),
            TExprKind::Yield(v) => ExprKind::Yield(self.boxed(v)),
            TExprKind::Error => ExprKind::Unreachable,
            _ => return self.desugar(e),
        };
        Expr {
            kind,
            ty: e.ty.clone(),
            span: e.span,
        }
    }

    /// An `else` branch as a block (an `else if` becomes a block holding the `if`).
    pub fn expr_as_block(&mut self, e: &TExpr) -> Block {
        match &e.kind {
            TExprKind::Block(b) => self.block(b),
            _ => Block {
                stmts: Vec::new(),
                value: Some(Box::new(self.expr(e))),
                span: e.span,
            },
        }
    }

    pub fn value_args(&mut self, es: &[TExpr]) -> Vec<Arg> {
        es.iter()
            .map(|e| Arg {
                expr: self.expr(e),
                mode: PassMode::Value,
            })
            .collect()
    }

    fn call(&mut self, callee: &Callee, args: &[tast::TArg], ty: &Ty, span: Span) -> ExprKind {
        if let Callee::Fn(r) = callee {
            if self.cx.checked.defs.func(r.fn_id).flags.is_async {
                return self.async_call(r, args, ty, span);
            }
        }
        let args: Vec<Arg> = args
            .iter()
            .map(|a| Arg {
                expr: self.expr(&a.expr),
                mode: a.mode,
            })
            .collect();
        let target = match callee {
            Callee::Fn(r) => self.cx.target(r),
            Callee::Value(v) => CallTarget::Closure(self.boxed(v)),
            Callee::Print { stderr } => CallTarget::Intrinsic {
                op: Intrinsic::Core(if *stderr {
                    CoreOp::Eprint
                } else {
                    CoreOp::Print
                }),
                type_args: Vec::new(),
            },
        };
        ExprKind::Call { target, args }
    }

    /// A call of an `async fn`: the arguments are evaluated now, and a promise runs the
    /// body on a green task: `{ let a = arg; Promise.run(move () => f(a)) }`.
    fn async_call(
        &mut self,
        r: &tast::FnRef,
        args: &[tast::TArg],
        ty: &Ty,
        span: Span,
    ) -> ExprKind {
        let inner_ty = match ty {
            Ty::Adt(_, targs) => targs.first().cloned().unwrap_or(Ty::Void),
            _ => Ty::Void,
        };
        let target = self.cx.target(r);
        let mut stmts = Vec::new();
        let mut temps = Vec::new();
        for a in args {
            let v = self.expr(&a.expr);
            let t = self.new_local("$arg", v.ty.clone(), false, span);
            stmts.push(Stmt::Let {
                pat: Pattern {
                    kind: PatternKind::Bind(t),
                    ty: v.ty.clone(),
                    span,
                },
                init: v,
                else_block: None,
            });
            temps.push(t);
        }
        let func = self.cx.reserve("async");
        let mut locals = Vec::new();
        let mut captures = Vec::new();
        let mut call_args = Vec::new();
        for t in &temps {
            let decl = self.locals[t.0 as usize].clone();
            locals.push(LocalDecl {
                indirect: false,
                ..decl.clone()
            });
            let l = LocalId(locals.len() as u32 - 1);
            captures.push(l);
            call_args.push(Arg {
                expr: Expr {
                    kind: ExprKind::Local(l),
                    ty: decl.ty,
                    span,
                },
                mode: PassMode::Value,
            });
        }
        let body_call = Expr {
            kind: ExprKind::Call {
                target,
                args: call_args,
            },
            ty: inner_ty.clone(),
            span,
        };
        let slot = &mut self.cx.funcs[func.0 as usize];
        slot.kind = FuncKind::Closure {
            captures,
            by_ref: false,
        };
        slot.ret = inner_ty.clone();
        slot.locals = locals;
        slot.body = Block {
            stmts: Vec::new(),
            value: Some(Box::new(body_call)),
            span,
        };
        slot.span = span;
        let closure_ty = Ty::Fn(Box::new(crate::common::ty::FnTy {
            params: Vec::new(),
            ret: inner_ty.clone(),
        }));
        let make = Expr {
            kind: ExprKind::MakeClosure {
                func,
                captures: temps,
                by_ref: false,
            },
            ty: closure_ty,
            span,
        };
        let run = Expr {
            kind: ExprKind::Call {
                target: CallTarget::Intrinsic {
                    op: Intrinsic::Task(TaskOp::PromiseRun),
                    type_args: vec![inner_ty],
                },
                args: vec![Arg {
                    expr: make,
                    mode: PassMode::Value,
                }],
            },
            ty: ty.clone(),
            span,
        };
        ExprKind::Block(Block {
            stmts,
            value: Some(Box::new(run)),
            span,
        })
    }

    pub fn pattern(&mut self, p: &tast::TPattern) -> Pattern {
        use tast::TPatternKind as K;
        let kind = match &p.kind {
            K::Wild | K::Error => PatternKind::Wild,
            K::Bind(id) => PatternKind::Bind(self.local(*id)),
            K::Lit(e) => PatternKind::Lit(self.boxed(e)),
            K::Range { lo, hi, inclusive } => PatternKind::Range {
                lo: self.boxed(lo),
                hi: self.boxed(hi),
                inclusive: *inclusive,
            },
            K::Tuple(ps) => PatternKind::Tuple(ps.iter().map(|p| self.pattern(p)).collect()),
            K::Variant {
                adt,
                variant,
                fields,
            } => PatternKind::Variant {
                adt: *adt,
                variant: *variant,
                fields: fields.iter().map(|p| self.pattern(p)).collect(),
            },
            K::Struct { adt, fields } => PatternKind::Struct {
                adt: *adt,
                fields: fields.iter().map(|(i, p)| (*i, self.pattern(p))).collect(),
            },
            K::Or(ps) => PatternKind::Or(ps.iter().map(|p| self.pattern(p)).collect()),
        };
        Pattern {
            kind,
            ty: p.ty.clone(),
            span: p.span,
        }
    }

    /// `blocking { body }`: `Promise.blocking(() => { body }).await()!` with the body as a
    /// local closure (the pool thread uses the task's variables while the task waits).
    fn blocking(
        &mut self,
        body: &tast::TBlock,
        captures: &[tast::Capture],
        ty: &Ty,
        span: Span,
    ) -> Expr {
        let clo = tast::TClosure {
            params: Vec::new(),
            ret: ty.clone(),
            body: TExpr {
                kind: TExprKind::Block(body.clone()),
                ty: ty.clone(),
                span,
            },
            captures: captures.to_vec(),
            is_move: false,
        };
        let make = Expr {
            kind: self.closure(&clo, span),
            ty: Ty::Fn(Box::new(crate::common::ty::FnTy {
                params: Vec::new(),
                ret: ty.clone(),
            })),
            span,
        };
        let lang = &self.cx.checked.defs.lang;
        let (Some(promise), Some(task_error)) = (lang.promise, lang.task_error) else {
            return Expr {
                kind: ExprKind::Unreachable,
                ty: ty.clone(),
                span,
            };
        };
        let call = |op: TaskOp, arg: Expr, ret: Ty| Expr {
            kind: ExprKind::Call {
                target: CallTarget::Intrinsic {
                    op: Intrinsic::Task(op),
                    type_args: vec![ty.clone()],
                },
                args: vec![Arg {
                    expr: arg,
                    mode: PassMode::Value,
                }],
            },
            ty: ret,
            span,
        };
        let spawned = call(
            TaskOp::PromiseBlocking,
            make,
            Ty::Adt(promise, vec![ty.clone()]),
        );
        let err_ty = Ty::Adt(task_error, Vec::new());
        let result = lang.result_of(ty.clone(), err_ty);
        let to_string = lang.task_error_to_string.map(|fn_id| tast::FnRef {
            fn_id,
            type_args: Vec::new(),
        });
        let awaited = call(TaskOp::PromiseAwait, spawned, result);
        self.unwrap_lowered(
            Box::new(awaited),
            tast::Fallible::Result,
            to_string.as_ref(),
            ty.clone(),
            span,
        )
    }

    /// Closure conversion: the body becomes a function of its own; the closure value is
    /// made from the captured locals.
    pub(super) fn closure(&mut self, c: &tast::TClosure, span: Span) -> ExprKind {
        self.convert_closure(c, false, span)
    }

    /// [`closure`](Self::closure); `in_place`: every capture by reference (an environment
    /// on the creator's stack, nothing copied or retained), for the bodies of `par`
    /// branches and `par for` loops, whose scope ends before the creator's frame does.
    pub(super) fn convert_closure(
        &mut self,
        c: &tast::TClosure,
        in_place: bool,
        span: Span,
    ) -> ExprKind {
        let by_ref = in_place || c.captures.iter().any(|cap| cap.by_ref);
        let outer: Vec<LocalId> = c.captures.iter().map(|cap| self.local(cap.local)).collect();
        let func_id = self.cx.reserve("closure");
        let mut inner = FnLower::new(self.cx, self.tast_locals, c.ret.clone(), self.inst);
        let captures: Vec<LocalId> = c
            .captures
            .iter()
            .map(|cap| {
                let t = &inner.tast_locals[cap.local.0 as usize];
                let (name, ty, mutable) = (t.name.clone(), t.ty.clone(), t.is_mutable());
                let l = inner.new_local(&name, ty, by_ref, t.span);
                // A copy in the environment never changes; a reference sees the
                // creator's writes.
                inner.locals[l.0 as usize].mutable = by_ref && mutable;
                inner.map.insert(cap.local, l);
                l
            })
            .collect();
        let params = c
            .params
            .iter()
            .map(|(p, mode)| {
                let l = inner.local(*p);
                if *mode == PassMode::RefMut {
                    inner.locals[l.0 as usize].indirect = true;
                }
                Param {
                    local: l,
                    mode: *mode,
                }
            })
            .collect();
        let body = inner.body_block(&c.body);
        let locals = inner.locals;
        let slot = &mut self.cx.funcs[func_id.0 as usize];
        slot.kind = FuncKind::Closure { captures, by_ref };
        slot.params = params;
        slot.ret = c.ret.clone();
        slot.locals = locals;
        slot.body = body;
        slot.span = span;
        ExprKind::MakeClosure {
            func: func_id,
            captures: outer,
            by_ref,
        }
    }
}
