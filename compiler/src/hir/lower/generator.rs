//! `for x in g` over a `Generator<T>`: the loop holds the generator for its whole run
//! instead of claiming it once per item, as `g.next()` does (docs/runtime.md section 13):
//!
//! ```text
//! { let $gen = g
//!   if acquire($gen) {            // SUSPENDED → RUNNING (false: already finished)
//!       defer release($gen)       // RUNNING → SUSPENDED, on every way out
//!       loop { match resume($gen) { Some(x) => body, _ => break } }
//!   } }
//! ```
//!
//! So an item costs the resume alone; a `next()` on the same generator inside the body
//! finds it running and panics, as Rust's borrow of the iterator by `for` forbids.

use super::desugar::{arg, intrinsic, local_expr};
use super::func::FnLower;
use crate::common::intrinsic::{GenOp, Intrinsic};
use crate::hir::*;
use crate::sema::tast;

impl FnLower<'_, '_> {
    pub(super) fn for_generator(
        &mut self,
        pat: &tast::TPattern,
        iter: &tast::TExpr,
        body: &tast::TBlock,
        span: Span,
    ) -> Expr {
        let gen_ty = iter.ty.clone();
        let lang = &self.cx.checked.defs.lang;
        let elem = lang.as_generator(&gen_ty).cloned().unwrap_or(Ty::Error);
        let opt = lang.option_of(elem.clone());
        let init = self.expr(iter);
        let g = self.new_local("$gen", gen_ty.clone(), false, span);
        self.locals[g.0 as usize].mutable = false;
        let call = |op: GenOp, ret: Ty| {
            intrinsic(
                Intrinsic::Gen(op),
                vec![elem.clone()],
                vec![arg(local_expr(g, gen_ty.clone(), span), PassMode::Value)],
                ret,
                span,
            )
        };
        let acquire = call(GenOp::Acquire, Ty::Bool);
        let release = Stmt::Defer(Block {
            stmts: vec![Stmt::Expr(call(GenOp::Release, Ty::Void))],
            value: None,
            span,
        });
        let resume = call(GenOp::Resume, opt.clone());
        let p = self.pattern(pat);
        let some = self.some_pattern(&opt, p, span);
        let b = self.block(body);
        let lp = self.match_or_break(resume, some, b, span);
        let held = Expr {
            kind: ExprKind::If {
                cond: Box::new(acquire),
                then_block: Block {
                    stmts: vec![release],
                    value: Some(Box::new(lp)),
                    span,
                },
                else_block: None,
            },
            ty: Ty::Void,
            span,
        };
        self.scoped(vec![self.let_local(g, init, span)], held, span)
    }
}
