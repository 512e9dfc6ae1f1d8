//! Lowering `select`: the channels, send values and timeout of the cases are evaluated
//! into locals in source order (Go's rule: every operand exactly once, on entering the
//! select), then [`ExprKind::Select`] waits over them. A receive case's pattern binds the
//! `Result<T>` at the start of its body.

use super::func::FnLower;
use crate::hir::*;
use crate::sema::tast::{self, TSelectCase};

impl FnLower<'_, '_> {
    pub(super) fn select(&mut self, arms: &[tast::TSelectArm], ty: &Ty, span: Span) -> Expr {
        let mut stmts = Vec::new();
        let mut out = Vec::new();
        for arm in arms {
            let mut body = self.expr(&arm.body);
            let op = match &arm.case {
                TSelectCase::Recv { chan, bind } => {
                    let chan = self.operand("$chan", chan, &mut stmts);
                    let mut result = None;
                    if let Some(p) = bind {
                        let p = self.pattern(p);
                        match p.kind {
                            PatternKind::Bind(l) => result = Some(l),
                            PatternKind::Wild => {}
                            _ => {
                                // Any other irrefutable pattern: bind a local, then match.
                                let l = self.new_local("$received", p.ty.clone(), false, span);
                                let init = Expr {
                                    kind: ExprKind::Local(l),
                                    ty: p.ty.clone(),
                                    span,
                                };
                                let let_pat = Stmt::Let {
                                    pat: p,
                                    init,
                                    else_block: None,
                                };
                                body = self.scoped(vec![let_pat], body, span);
                                result = Some(l);
                            }
                        }
                    }
                    SelectOp::Recv { chan, result }
                }
                TSelectCase::Send { chan, value } => {
                    let chan = self.operand("$chan", chan, &mut stmts);
                    let value = self.operand("$send", value, &mut stmts);
                    SelectOp::Send { chan, value }
                }
                TSelectCase::Timeout(ms) => SelectOp::Timeout(self.operand("$ms", ms, &mut stmts)),
                TSelectCase::Default => SelectOp::Default,
            };
            out.push(SelectArm { op, body });
        }
        let select = Expr {
            kind: ExprKind::Select(out),
            ty: ty.clone(),
            span,
        };
        self.scoped(stmts, select, span)
    }

    /// Evaluates `e` into a fresh local (a `let` appended to `stmts`); a local that cannot
    /// change (a `let`, a value parameter) is used as it is, which spares a select in a
    /// loop a count on each channel per iteration.
    fn operand(&mut self, name: &str, e: &tast::TExpr, stmts: &mut Vec<Stmt>) -> LocalId {
        let v = self.expr(e);
        if let ExprKind::Local(l) = v.kind {
            if !self.locals[l.0 as usize].mutable {
                return l;
            }
        }
        let l = self.new_local(name, v.ty.clone(), false, e.span);
        self.locals[l.0 as usize].mutable = false;
        stmts.push(self.let_local(l, v, e.span));
        l
    }
}
