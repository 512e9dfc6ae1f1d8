//! Desugaring: loops (`while`, `while let`, `for` over ranges, vectors, arrays, maps and
//! `next()` iterators; over generators in `generator.rs`), `if let`, the error operators
//! `!` `?` `??`, and implicit conversions.

use super::func::FnLower;
use crate::common::intrinsic::{CoreOp, IntOp, Intrinsic, MapOp, VecOp};
use crate::hir::*;
use crate::sema::tast::{self, Coercion, Fallible, ForKind, TExpr, TExprKind};

/// Variant indexes of the prelude's Option and Result (declaration order).
const SOME: u32 = 0;
const NONE: u32 = 1;
const OK: u32 = 0;
const ERR: u32 = 1;

fn expr(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn block(stmts: Vec<Stmt>, value: Option<Expr>, span: Span) -> Block {
    Block {
        stmts,
        value: value.map(Box::new),
        span,
    }
}

fn wild(ty: Ty, span: Span) -> Pattern {
    Pattern {
        kind: PatternKind::Wild,
        ty,
        span,
    }
}

pub(super) fn local_expr(l: LocalId, ty: Ty, span: Span) -> Expr {
    expr(ExprKind::Local(l), ty, span)
}

pub(super) fn intrinsic(
    op: Intrinsic,
    type_args: Vec<Ty>,
    args: Vec<Arg>,
    ty: Ty,
    span: Span,
) -> Expr {
    expr(
        ExprKind::Call {
            target: CallTarget::Intrinsic { op, type_args },
            args,
        },
        ty,
        span,
    )
}

pub(super) fn arg(e: Expr, mode: PassMode) -> Arg {
    Arg { expr: e, mode }
}

impl FnLower<'_, '_> {
    /// Lowers the expression kinds that need desugaring.
    pub fn desugar(&mut self, e: &TExpr) -> Expr {
        let span = e.span;
        match &e.kind {
            TExprKind::While { cond, body } => {
                let c = self.expr(cond);
                let b = self.block(body);
                self.while_loop(c, b, span)
            }
            TExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => {
                let s = self.expr(scrutinee);
                let p = self.pattern(pat);
                let b = self.block(body);
                self.match_or_break(s, p, b, span)
            }
            TExprKind::IfLet {
                pat,
                scrutinee,
                then_block,
                else_branch,
            } => {
                let s = self.boxed(scrutinee);
                let p = self.pattern(pat);
                let then = self.block(then_block);
                let els = match else_branch {
                    Some(b) => self.expr(b),
                    None => expr(ExprKind::Unit, Ty::Void, span),
                };
                let ty = e.ty.clone();
                let arms = vec![
                    MatchArm {
                        pat: p,
                        guard: None,
                        body: expr(ExprKind::Block(then), ty.clone(), span),
                    },
                    MatchArm {
                        pat: wild(s.ty.clone(), span),
                        guard: None,
                        body: els,
                    },
                ];
                expr(ExprKind::Match { scrutinee: s, arms }, ty, span)
            }
            TExprKind::For {
                kind,
                index,
                pat,
                iter,
                body,
            } => self.for_loop(kind, index.as_ref(), pat, iter, body, span),
            TExprKind::Unwrap {
                expr: inner,
                kind,
                err_to_string,
            } => self.unwrap(inner, *kind, err_to_string.as_ref(), e.ty.clone(), span),
            TExprKind::Try {
                expr: inner,
                kind,
                convert,
            } => self.try_op(inner, *kind, convert.as_ref(), e.ty.clone(), span),
            TExprKind::Coalesce { lhs, rhs, kind } => {
                let l = self.boxed(lhs);
                let r = self.expr(rhs);
                let (ok, bad) = self.payload_arms(*kind, &l.ty, span);
                let x = self.new_local("$value", e.ty.clone(), false, span);
                let arms = vec![
                    MatchArm {
                        pat: self.variant_pat(&l.ty, ok, Some(x), span),
                        guard: None,
                        body: local_expr(x, e.ty.clone(), span),
                    },
                    MatchArm {
                        pat: self.variant_pat(&l.ty, bad, None, span),
                        guard: None,
                        body: r,
                    },
                ];
                expr(ExprKind::Match { scrutinee: l, arms }, e.ty.clone(), span)
            }
            _ => expr(ExprKind::Unreachable, e.ty.clone(), span),
        }
    }

    /// `(success variant, failure variant)` of an Option or Result.
    fn payload_arms(&self, kind: Fallible, _ty: &Ty, _span: Span) -> (u32, u32) {
        match kind {
            Fallible::Option => (SOME, NONE),
            Fallible::Result => (OK, ERR),
        }
    }

    /// `Variant(x)` / `Variant(_)` / `None` as a pattern over `ty` (an Option or Result).
    fn variant_pat(&self, ty: &Ty, variant: u32, bind: Option<LocalId>, span: Span) -> Pattern {
        let Ty::Adt(adt, args) = ty else {
            return wild(ty.clone(), span);
        };
        let def = &self.cx.checked.defs.adt(*adt).variants()[variant as usize];
        let fields = def
            .fields
            .iter()
            .map(|t| {
                let t = t.subst(args);
                match bind {
                    Some(l) => Pattern {
                        kind: PatternKind::Bind(l),
                        ty: t,
                        span,
                    },
                    None => wild(t, span),
                }
            })
            .collect();
        Pattern {
            kind: PatternKind::Variant {
                adt: *adt,
                variant,
                fields,
            },
            ty: ty.clone(),
            span,
        }
    }

    /// `loop { if cond { body } else { break } }`
    fn while_loop(&mut self, cond: Expr, body: Block, span: Span) -> Expr {
        let brk = block(
            Vec::new(),
            Some(expr(ExprKind::Break, Ty::Never, span)),
            span,
        );
        let step = expr(
            ExprKind::If {
                cond: Box::new(cond),
                then_block: body,
                else_block: Some(brk),
            },
            Ty::Void,
            span,
        );
        expr(
            ExprKind::Loop {
                body: block(Vec::new(), Some(step), span),
                latch: None,
            },
            Ty::Void,
            span,
        )
    }

    /// `loop { match s { pat => body, _ => break } }`
    pub(super) fn match_or_break(
        &mut self,
        s: Expr,
        pat: Pattern,
        body: Block,
        span: Span,
    ) -> Expr {
        let sty = s.ty.clone();
        let m = expr(
            ExprKind::Match {
                scrutinee: Box::new(s),
                arms: vec![
                    MatchArm {
                        pat,
                        guard: None,
                        body: expr(ExprKind::Block(body), Ty::Void, span),
                    },
                    MatchArm {
                        pat: wild(sty, span),
                        guard: None,
                        body: expr(ExprKind::Break, Ty::Never, span),
                    },
                ],
            },
            Ty::Void,
            span,
        );
        expr(
            ExprKind::Loop {
                body: block(Vec::new(), Some(m), span),
                latch: None,
            },
            Ty::Void,
            span,
        )
    }

    fn for_loop(
        &mut self,
        kind: &ForKind,
        index: Option<&tast::TPattern>,
        pat: &tast::TPattern,
        iter: &TExpr,
        body: &tast::TBlock,
        span: Span,
    ) -> Expr {
        match kind {
            ForKind::Range { inclusive } => self.for_range(*inclusive, pat, iter, body, span),
            ForKind::Vec | ForKind::Array => {
                let array = matches!(kind, ForKind::Array);
                self.for_indexed(array, index, pat, iter, body, span)
            }
            ForKind::Map => self.for_map(index, pat, iter, body, span),
            ForKind::Next(_) if self.cx.checked.defs.lang.as_generator(&iter.ty).is_some() => {
                self.for_generator(pat, iter, body, span)
            }
            ForKind::Next(r) => {
                let target = self.cx.target(r);
                let mutable = self.cx.checked.defs.func(r.fn_id).receiver == Some(true);
                let it_ty = iter.ty.clone();
                let init = self.expr(iter);
                let it = self.new_local("$iter", it_ty.clone(), false, span);
                let opt = self.cx.checked.defs.lang.option_of(pat.ty.clone());
                let mode = if mutable {
                    PassMode::RefMut
                } else {
                    PassMode::Ref
                };
                let next = expr(
                    ExprKind::Call {
                        target,
                        args: vec![arg(local_expr(it, it_ty.clone(), span), mode)],
                    },
                    opt.clone(),
                    span,
                );
                let p = self.pattern(pat);
                let some = self.some_pattern(&opt, p, span);
                let b = self.block(body);
                let lp = self.match_or_break(next, some, b, span);
                self.scoped(vec![self.let_local(it, init, span)], lp, span)
            }
        }
    }

    /// `Some(p)` over an Option type.
    pub(super) fn some_pattern(&self, opt: &Ty, p: Pattern, span: Span) -> Pattern {
        let Ty::Adt(adt, _) = opt else {
            return p;
        };
        Pattern {
            kind: PatternKind::Variant {
                adt: *adt,
                variant: SOME,
                fields: vec![p],
            },
            ty: opt.clone(),
            span,
        }
    }

    pub(super) fn let_local(&self, l: LocalId, init: Expr, span: Span) -> Stmt {
        Stmt::Let {
            pat: Pattern {
                kind: PatternKind::Bind(l),
                ty: init.ty.clone(),
                span,
            },
            init,
            else_block: None,
        }
    }

    /// `{ stmts; value }` as an expression.
    pub(super) fn scoped(&self, stmts: Vec<Stmt>, value: Expr, span: Span) -> Expr {
        let ty = value.ty.clone();
        expr(ExprKind::Block(block(stmts, Some(value), span)), ty, span)
    }

    fn for_range(
        &mut self,
        inclusive: bool,
        pat: &tast::TPattern,
        iter: &TExpr,
        body: &tast::TBlock,
        span: Span,
    ) -> Expr {
        let TExprKind::Range { start, end, .. } = &iter.kind else {
            return expr(ExprKind::Unreachable, Ty::Void, span);
        };
        let t = iter.ty.clone();
        let s = self.expr(start);
        let en = self.expr(end);
        let i = self.new_local("$i", t.clone(), false, span);
        let n = self.new_local("$end", t.clone(), false, span);
        let cmp = if inclusive { ast_le() } else { ast_lt() };
        let cond = self.binary(
            cmp,
            local_expr(i, t.clone(), span),
            local_expr(n, t.clone(), span),
            Ty::Bool,
            span,
        );
        let p = self.pattern(pat);
        let mut b = self.block(body);
        b.stmts.insert(
            0,
            Stmt::Let {
                pat: p,
                init: local_expr(i, t.clone(), span),
                else_block: None,
            },
        );
        let mut latch_stmts = Vec::new();
        if inclusive {
            let at_end = self.binary(
                ast_eq(),
                local_expr(i, t.clone(), span),
                local_expr(n, t.clone(), span),
                Ty::Bool,
                span,
            );
            latch_stmts.push(Stmt::Expr(expr(
                ExprKind::If {
                    cond: Box::new(at_end),
                    then_block: block(
                        Vec::new(),
                        Some(expr(ExprKind::Break, Ty::Never, span)),
                        span,
                    ),
                    else_block: None,
                },
                Ty::Void,
                span,
            )));
        }
        latch_stmts.push(self.increment(i, &t, span));
        let lp = self.counted_loop(cond, b, latch_stmts, span);
        self.scoped(
            vec![self.let_local(i, s, span), self.let_local(n, en, span)],
            lp,
            span,
        )
    }

    /// `i = i.wrappingAdd(1)` (the loop condition already bounds `i`).
    fn increment(&self, i: LocalId, t: &Ty, span: Span) -> Stmt {
        let one = expr(ExprKind::Int(1), t.clone(), span);
        let add = intrinsic(
            Intrinsic::Int(IntOp::WrappingAdd),
            Vec::new(),
            vec![
                arg(local_expr(i, t.clone(), span), PassMode::Value),
                arg(one, PassMode::Value),
            ],
            t.clone(),
            span,
        );
        Stmt::Assign {
            place: local_expr(i, t.clone(), span),
            op: None,
            value: add,
        }
    }

    /// `loop { if cond { body } else { break } } latch { latch }`
    fn counted_loop(&self, cond: Expr, body: Block, latch: Vec<Stmt>, span: Span) -> Expr {
        let brk = block(
            Vec::new(),
            Some(expr(ExprKind::Break, Ty::Never, span)),
            span,
        );
        let step = expr(
            ExprKind::If {
                cond: Box::new(cond),
                then_block: body,
                else_block: Some(brk),
            },
            Ty::Void,
            span,
        );
        expr(
            ExprKind::Loop {
                body: block(Vec::new(), Some(step), span),
                latch: Some(block(latch, None, span)),
            },
            Ty::Void,
            span,
        )
    }

    fn binary(&self, op: crate::common::ops::BinOp, l: Expr, r: Expr, ty: Ty, span: Span) -> Expr {
        expr(
            ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        )
    }

    /// `for [i,] x in v` over a Vec or a fixed array.
    fn for_indexed(
        &mut self,
        array: bool,
        index: Option<&tast::TPattern>,
        pat: &tast::TPattern,
        iter: &TExpr,
        body: &tast::TBlock,
        span: Span,
    ) -> Expr {
        let vty = iter.ty.clone();
        let elem = match &vty {
            Ty::Vec(t) | Ty::Array(t, _) => (**t).clone(),
            _ => Ty::Error,
        };
        let init = self.expr(iter);
        let v = self.new_local("$seq", vty.clone(), false, span);
        let n = self.new_local("$len", Ty::i64(), false, span);
        let k = self.new_local("$k", Ty::i64(), false, span);
        let len = match &vty {
            Ty::Array(_, count) => expr(ExprKind::Int(*count), Ty::i64(), span),
            _ => intrinsic(
                Intrinsic::Vec(VecOp::Len),
                vec![elem.clone()],
                vec![arg(local_expr(v, vty.clone(), span), PassMode::Ref)],
                Ty::i64(),
                span,
            ),
        };
        let cond = self.binary(
            ast_lt(),
            local_expr(k, Ty::i64(), span),
            local_expr(n, Ty::i64(), span),
            Ty::Bool,
            span,
        );
        let item = expr(
            ExprKind::Index {
                base: Box::new(local_expr(v, vty.clone(), span)),
                index: Box::new(local_expr(k, Ty::i64(), span)),
                kind: if array {
                    IndexKind::Array
                } else {
                    IndexKind::Vec
                },
            },
            elem,
            span,
        );
        let mut b = self.block(body);
        let p = self.pattern(pat);
        b.stmts.insert(
            0,
            Stmt::Let {
                pat: p,
                init: item,
                else_block: None,
            },
        );
        if let Some(ip) = index {
            let ip = self.pattern(ip);
            b.stmts.insert(
                0,
                Stmt::Let {
                    pat: ip,
                    init: local_expr(k, Ty::i64(), span),
                    else_block: None,
                },
            );
        }
        let lp = self.counted_loop(cond, b, vec![self.increment(k, &Ty::i64(), span)], span);
        let zero = expr(ExprKind::Int(0), Ty::i64(), span);
        let stmts = vec![
            self.let_local(v, init, span),
            self.let_local(n, len, span),
            self.let_local(k, zero, span),
        ];
        self.scoped(stmts, lp, span)
    }

    /// `for (k, v) in map` / `for k, v in map` through the map cursor intrinsic.
    fn for_map(
        &mut self,
        index: Option<&tast::TPattern>,
        pat: &tast::TPattern,
        iter: &TExpr,
        body: &tast::TBlock,
        span: Span,
    ) -> Expr {
        let mty = iter.ty.clone();
        let (kt, vt) = match &mty {
            Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
            _ => (Ty::Error, Ty::Error),
        };
        let pair = Ty::Tuple(vec![kt.clone(), vt.clone()]);
        let opt = self.cx.checked.defs.lang.option_of(pair.clone());
        let init = self.expr(iter);
        let m = self.new_local("$map", mty.clone(), false, span);
        let cur = self.new_local("$cursor", Ty::i64(), false, span);
        let next = intrinsic(
            Intrinsic::Map(MapOp::Next),
            vec![kt, vt],
            vec![
                arg(local_expr(m, mty.clone(), span), PassMode::Ref),
                arg(local_expr(cur, Ty::i64(), span), PassMode::RefMut),
            ],
            opt.clone(),
            span,
        );
        let p = match index {
            Some(first) => Pattern {
                kind: PatternKind::Tuple(vec![self.pattern(first), self.pattern(pat)]),
                ty: pair,
                span,
            },
            None => self.pattern(pat),
        };
        let some = self.some_pattern(&opt, p, span);
        let b = self.block(body);
        let lp = self.match_or_break(next, some, b, span);
        let zero = expr(ExprKind::Int(0), Ty::i64(), span);
        self.scoped(
            vec![
                self.let_local(m, init, span),
                self.let_local(cur, zero, span),
            ],
            lp,
            span,
        )
    }

    /// `e!`: the value, or a panic with the error (or a fixed message for `None`).
    fn unwrap(
        &mut self,
        inner: &TExpr,
        kind: Fallible,
        to_string: Option<&tast::FnRef>,
        ty: Ty,
        span: Span,
    ) -> Expr {
        let s = self.boxed(inner);
        self.unwrap_lowered(s, kind, to_string, ty, span)
    }

    /// `s!` for an already lowered operand.
    pub fn unwrap_lowered(
        &mut self,
        s: Box<Expr>,
        kind: Fallible,
        to_string: Option<&tast::FnRef>,
        ty: Ty,
        span: Span,
    ) -> Expr {
        let (ok, bad) = self.payload_arms(kind, &s.ty, span);
        let x = self.new_local("$value", ty.clone(), false, span);
        let (bad_pat, msg) = match kind {
            Fallible::Option => (
                self.variant_pat(&s.ty, bad, None, span),
                expr(
                    ExprKind::Str("unwrapped a `None` value".into()),
                    Ty::Str,
                    span,
                ),
            ),
            Fallible::Result => {
                let err_ty = match &s.ty {
                    Ty::Adt(_, args) => args.get(1).cloned().unwrap_or(Ty::Error),
                    _ => Ty::Error,
                };
                let e = self.new_local("$error", err_ty.clone(), false, span);
                let ev = local_expr(e, err_ty, span);
                let text = match to_string {
                    Some(r) => self.call_ref(r, ev, Ty::Str, span),
                    None if ev.ty == Ty::Str => ev,
                    // An error type that cannot be printed.
                    None => expr(
                        ExprKind::Str("unwrapped an `Err` value".into()),
                        Ty::Str,
                        span,
                    ),
                };
                (self.variant_pat(&s.ty, bad, Some(e), span), text)
            }
        };
        let panic = intrinsic(
            Intrinsic::Core(CoreOp::Panic),
            Vec::new(),
            vec![arg(msg, PassMode::Value)],
            Ty::Never,
            span,
        );
        let arms = vec![
            MatchArm {
                pat: self.variant_pat(&s.ty, ok, Some(x), span),
                guard: None,
                body: local_expr(x, ty.clone(), span),
            },
            MatchArm {
                pat: bad_pat,
                guard: None,
                body: panic,
            },
        ];
        expr(ExprKind::Match { scrutinee: s, arms }, ty, span)
    }

    /// `e?`: the value, or an early return of the failure (converted).
    fn try_op(
        &mut self,
        inner: &TExpr,
        kind: Fallible,
        convert: Option<&Coercion>,
        ty: Ty,
        span: Span,
    ) -> Expr {
        let s = self.boxed(inner);
        let (ok, bad) = self.payload_arms(kind, &s.ty, span);
        let x = self.new_local("$value", ty.clone(), false, span);
        let ret_ty = self.ret.clone();
        let (bad_pat, ret_val) = match kind {
            Fallible::Option => (
                self.variant_pat(&s.ty, bad, None, span),
                self.variant_value(&ret_ty, NONE, Vec::new(), span),
            ),
            Fallible::Result => {
                let err_ty = match &s.ty {
                    Ty::Adt(_, args) => args.get(1).cloned().unwrap_or(Ty::Error),
                    _ => Ty::Error,
                };
                let e = self.new_local("$error", err_ty.clone(), false, span);
                let target_err = match &ret_ty {
                    Ty::Adt(_, args) => args.get(1).cloned().unwrap_or(Ty::Error),
                    _ => Ty::Error,
                };
                let ev = local_expr(e, err_ty, span);
                let converted = match convert {
                    Some(c) => self.convert(c, ev, target_err, span),
                    None => ev,
                };
                (
                    self.variant_pat(&s.ty, bad, Some(e), span),
                    self.variant_value(&ret_ty, ERR, vec![converted], span),
                )
            }
        };
        let ret = expr(ExprKind::Return(Some(Box::new(ret_val))), Ty::Never, span);
        let arms = vec![
            MatchArm {
                pat: self.variant_pat(&s.ty, ok, Some(x), span),
                guard: None,
                body: local_expr(x, ty.clone(), span),
            },
            MatchArm {
                pat: bad_pat,
                guard: None,
                body: ret,
            },
        ];
        expr(ExprKind::Match { scrutinee: s, arms }, ty, span)
    }

    fn variant_value(&self, ty: &Ty, variant: u32, fields: Vec<Expr>, span: Span) -> Expr {
        let Ty::Adt(adt, _) = ty else {
            return expr(ExprKind::Unreachable, ty.clone(), span);
        };
        expr(
            ExprKind::Variant {
                adt: *adt,
                variant,
                fields,
            },
            ty.clone(),
            span,
        )
    }

    /// A call of a one-argument method (`toString`, `toError`) on `receiver`.
    fn call_ref(&mut self, r: &tast::FnRef, receiver: Expr, ty: Ty, span: Span) -> Expr {
        let target = self.cx.target(r);
        expr(
            ExprKind::Call {
                target,
                args: vec![arg(receiver, PassMode::Ref)],
            },
            ty,
            span,
        )
    }

    /// Applies an implicit conversion to an already lowered value.
    fn convert(&mut self, c: &Coercion, value: Expr, ty: Ty, span: Span) -> Expr {
        match c {
            Coercion::WrapSome => self.variant_value(&ty, SOME, vec![value], span),
            Coercion::StrToError => match self.cx.checked.defs.lang.error {
                Some(adt) => expr(
                    ExprKind::Struct {
                        adt,
                        fields: vec![value],
                    },
                    ty,
                    span,
                ),
                None => expr(ExprKind::Unreachable, ty, span),
            },
            Coercion::ToError(r) | Coercion::ToString(r) => self.call_ref(r, value, ty, span),
        }
    }

    pub fn coercion(&mut self, c: &Coercion, inner: &TExpr, ty: Ty, span: Span) -> Expr {
        let v = self.expr(inner);
        self.convert(c, v, ty, span)
    }
}

fn ast_lt() -> crate::common::ops::BinOp {
    crate::common::ops::BinOp::Lt
}

fn ast_le() -> crate::common::ops::BinOp {
    crate::common::ops::BinOp::Le
}

fn ast_eq() -> crate::common::ops::BinOp {
    crate::common::ops::BinOp::Eq
}
