//! Keyword-led expressions: `if`, `match`, loops, `return`/`break`/`continue`, `unsafe`
//! and `blocking` blocks, and the concurrency forms `par`, `par for`, `concurrent`,
//! `try`, `select` and `yield`.
//!
//! Conditions, scrutinees and iterables are parsed with struct literals disabled, so the
//! `{` after them starts the block.

use chumsky::prelude::*;

use super::errors::describe_found;
use super::exprs::ends_with_block;
use super::grammar::Grammar;
use super::input::{
    before, braces, kw, parens, peek_token, punct, sep, spanned, word, Extra, PBox, TokenInput,
    Word,
};
use super::recovery::{self, Sync};
use crate::source::Span;
use crate::syntax::ast::{
    Block, Cond, Expr, ExprKind, MatchArm, Pattern, PatternKind, SelectArm, SelectCase,
};
use crate::syntax::token::{Kw, Punct};

/// Every keyword-led expression.
pub(super) fn keyword_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let block =
        |k: Kw, wrap: fn(Block) -> ExprKind| spanned(kw(k).ignore_then(g.block.clone()).map(wrap));
    let jump = |k: Kw, kind: ExprKind| spanned(kw(k).to(kind));
    choice((
        if_expr(g),
        match_expr(g),
        for_expr(g),
        while_expr(g),
        block(Kw::Loop, ExprKind::Loop),
        return_expr(g),
        jump(Kw::Break, ExprKind::Break),
        jump(Kw::Continue, ExprKind::Continue),
        block(Kw::Unsafe, ExprKind::Unsafe),
        block(Kw::Blocking, ExprKind::Blocking),
        par_expr(g),
        concurrent_expr(g),
        try_expr(g),
        select_expr(g),
        yield_expr(g),
    ))
    .boxed()
}

/// `let pat = expr` or a boolean expression, before a block.
fn condition<'a>(g: &Grammar<'a>) -> PBox<'a, Cond> {
    let let_cond = kw(Kw::Let)
        .ignore_then(g.pat.clone())
        .then_ignore(punct(Punct::Eq))
        .then(g.expr_before_block.clone())
        .map(|(pat, e)| Cond::Let(pat, e));
    choice((let_cond, g.expr_before_block.clone().map(Cond::Expr))).boxed()
}

/// `if cond block [else (if ... | block)]`
fn if_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    recursive(|if_expr| {
        let else_branch = kw(Kw::Else).ignore_then(choice((
            if_expr,
            spanned(g.block.clone().map(ExprKind::Block)),
        )));
        spanned(
            kw(Kw::If)
                .ignore_then(condition(g))
                .then(g.block.clone())
                .then(else_branch.or_not())
                .map(|((cond, then_block), else_branch)| ExprKind::If {
                    cond: Box::new(cond),
                    then_block,
                    else_branch: else_branch.map(Box::new),
                }),
        )
    })
    .boxed()
}

/// `while cond block`
fn while_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(
        kw(Kw::While)
            .ignore_then(condition(g))
            .then(g.block.clone())
            .map(|(cond, body)| ExprKind::While {
                cond: Box::new(cond),
                body,
            }),
    )
}

/// `for pat ["," pat] in expr block`
fn for_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(
        kw(Kw::For)
            .ignore_then(g.pat.clone())
            .then(punct(Punct::Comma).ignore_then(g.pat.clone()).or_not())
            .then_ignore(kw(Kw::In))
            .then(g.expr_before_block.clone())
            .then(g.block.clone())
            .map(|(((first, second), iter), body)| ExprKind::For {
                first,
                second,
                iter: Box::new(iter),
                body,
            }),
    )
}

/// `return [expr]` — the value is omitted when no expression can start here.
fn return_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(
        kw(Kw::Return)
            .ignore_then(g.expr.clone().or_not())
            .map(|value| ExprKind::Return(value.map(Box::new))),
    )
}

/// `yield expr`
fn yield_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(
        kw(Kw::Yield)
            .ignore_then(g.expr.clone())
            .map(|value| ExprKind::Yield(Box::new(value))),
    )
}

/// `par block` or `par for pat in expr block`
fn par_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let par_for = kw(Kw::For)
        .ignore_then(g.pat.clone())
        .then_ignore(kw(Kw::In))
        .then(g.expr_before_block.clone())
        .then(g.block.clone())
        .map(|((pat, iter), body)| ExprKind::ParFor {
            pat,
            iter: Box::new(iter),
            body,
        });
    spanned(kw(Kw::Par).ignore_then(choice((par_for, g.block.clone().map(ExprKind::Par)))))
}

/// `concurrent [timeout(expr)] block`
fn concurrent_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let timeout = word(Word::Timeout).ignore_then(parens(g.expr.clone()));
    spanned(
        kw(Kw::Concurrent)
            .ignore_then(timeout.or_not())
            .then(g.block.clone())
            .map(|(timeout, body)| ExprKind::Concurrent {
                timeout: timeout.map(Box::new),
                body,
            }),
    )
}

/// `try par ...` / `try concurrent ...`
fn try_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(
        kw(Kw::Try)
            .ignore_then(choice((par_expr(g), concurrent_expr(g))))
            .map(|scope| ExprKind::TryScope(Box::new(scope))),
    )
}

/// The arms of a `match` or `select`: each followed by SEP, or directly by `}`, or by
/// nothing when its body ends with a block. A broken arm is skipped up to the next
/// separator and becomes `recovered(span)`.
fn arm_list<'a, A: Clone + 'a>(
    arm: impl Parser<'a, TokenInput<'a>, A, Extra<'a>> + Clone + 'a,
    body: fn(&A) -> &Expr,
    recovered: fn(Span) -> A,
) -> PBox<'a, Vec<A>> {
    let arm = arm.recover_with(via_parser(
        recovery::skip_broken(Sync::ListElement).map_with(move |(), e| recovered(e.span())),
    ));
    let separated = choice((sep(), before(Punct::RBrace)))
        .to(None)
        .or(peek_token().map(Some));
    let item = arm
        .then(separated)
        .validate(move |(arm, missing), _, emitter| {
            if let Some((found, span)) = missing {
                if !ends_with_block(body(&arm)) {
                    let found = describe_found(found, span);
                    emitter.emit(super::errors::syntax_error(
                        span,
                        format!("expected one of `,`, `}}`, end of line, found {found}"),
                    ));
                }
            }
            arm
        });
    braces(sep().or_not().ignore_then(item.repeated().collect())).boxed()
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span,
    }
}

/// `match expr { pat [if guard] => body, ... }`
fn match_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let arm = g
        .pat
        .clone()
        .then(kw(Kw::If).ignore_then(g.expr.clone()).or_not())
        .then_ignore(punct(Punct::FatArrow))
        .then(g.expr.clone())
        .map_with(|((pat, guard), body), e| MatchArm {
            pat,
            guard,
            body,
            span: e.span(),
        });
    let arms = arm_list(
        arm,
        |arm: &MatchArm| &arm.body,
        |span| MatchArm {
            pat: Pattern {
                kind: PatternKind::Error,
                span,
            },
            guard: None,
            body: error_expr(span),
            span,
        },
    );
    spanned(
        kw(Kw::Match)
            .ignore_then(g.expr_before_block.clone())
            .then(arms)
            .map(|(scrutinee, arms)| ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            }),
    )
}

/// `select { case ... => body  default => body }`
fn select_expr<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let let_case = kw(Kw::Let)
        .ignore_then(g.pat.clone())
        .then_ignore(punct(Punct::Eq))
        .then(g.expr.clone())
        .map(|(pat, e)| SelectCase::Let(pat, e));
    let timeout_case = word(Word::Timeout)
        .ignore_then(parens(g.expr.clone()))
        .then_ignore(before(Punct::FatArrow))
        .map(SelectCase::Timeout);
    let case = kw(Kw::Case).ignore_then(choice((
        let_case,
        timeout_case,
        g.expr.clone().map(SelectCase::Expr),
    )));
    let default = kw(Kw::Default).to(SelectCase::Default);
    let arm = choice((case, default))
        .then_ignore(punct(Punct::FatArrow))
        .then(g.expr.clone())
        .map_with(|(case, body), e| SelectArm {
            case,
            body,
            span: e.span(),
        });
    let arms = arm_list(
        arm,
        |arm: &SelectArm| &arm.body,
        |span| SelectArm {
            case: SelectCase::Expr(error_expr(span)),
            body: error_expr(span),
            span,
        },
    );
    spanned(kw(Kw::Select).ignore_then(arms).map(ExprKind::Select))
}
