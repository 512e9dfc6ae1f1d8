//! Statements (`let`, `var`, `defer`, `errdefer`, assignments, expression statements),
//! blocks, and the terminated-list shape that blocks, `impl` bodies and the module share:
//! elements separated by `;` (written or inserted), empty statements allowed.

use chumsky::input::InputRef;
use chumsky::prelude::*;

use super::exprs::ends_with_block;
use super::input::{
    before, braces, ident, kw, label, punct, semi, silent_failure, written_semi_follows, Extra,
    PBox, ParseError, State, TokenInput,
};
use super::recovery::{skip_broken, Sync};
use crate::source::Span;
use crate::syntax::ast::{BinOp, Block, Expr, ExprKind, Pattern, Stmt, StmtKind, Type};
use crate::syntax::token::{Kw, Punct, Token};

/// The statement and block rules, built on the given expression, type and pattern rules.
pub(super) fn stmt_and_block<'a>(
    expr: &PBox<'a, Expr>,
    ty: &PBox<'a, Type>,
    pat: &PBox<'a, Pattern>,
) -> (PBox<'a, Stmt>, PBox<'a, Block>) {
    let stmt = recursive(|stmt| {
        let stmt = stmt.boxed();
        let block = block_parser(stmt.clone());
        stmt_parser(expr, ty, pat, &block, stmt)
    })
    .boxed();
    let block = block_parser(stmt.clone());
    (stmt, block)
}

/// `{ statements }`
fn block_parser<'a>(stmt: PBox<'a, Stmt>) -> PBox<'a, Block> {
    braces(terminated_list(
        stmt,
        Sync::Stmt,
        stmt_self_terminated,
        error_stmt,
    ))
    .map_with(|stmts, e| Block {
        stmts,
        span: e.span(),
    })
    .boxed()
}

/// The placeholder for a statement that could not be parsed.
pub(super) fn error_stmt(span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Expr {
            expr: Expr {
                kind: ExprKind::Error,
                span,
            },
            semi: false,
        },
        span,
    }
}

/// `{ ";" | element (";" | before the end) }` — the end is the enclosing `}`, or the end of
/// the file for [`Sync::Item`]; an element for which `self_terminated` holds (it ends with
/// a `}`) may be followed directly by the next one. A broken element is reported, skipped
/// up to the next `;` (or `}`), and replaced by `recovered(span)`.
pub(super) fn terminated_list<'a, T: Clone + 'a>(
    element: impl Parser<'a, TokenInput<'a>, T, Extra<'a>> + Clone + 'a,
    sync: Sync,
    self_terminated: fn(&T) -> bool,
    recovered: fn(Span) -> T,
) -> PBox<'a, Vec<T>> {
    let element = element
        .then_with_ctx(element_end(sync, self_terminated))
        .map(|(element, ())| element)
        .recover_with(via_parser(
            skip_broken(sync).map_with(move |(), e| recovered(e.span())),
        ));
    choice((semi().to(None), element.map(Some)))
        .repeated()
        .collect::<Vec<_>>()
        .map(|elements| elements.into_iter().flatten().collect())
        .boxed()
}

/// What may follow an element of a terminated list, given the element as context: `;`,
/// the end of the list, or anything after a self-terminated element. Consumes nothing.
fn element_end<'a, T: 'a>(
    sync: Sync,
    self_terminated: fn(&T) -> bool,
) -> Boxed<'a, 'a, TokenInput<'a>, (), extra::Full<ParseError<'a>, State, T>> {
    let end_of_list = match sync {
        Sync::Item => end().boxed(),
        _ => before(Punct::RBrace).boxed(),
    };
    let after_block = custom(
        move |inp: &mut InputRef<'a, '_, TokenInput<'a>, extra::Full<ParseError<'a>, State, T>>| {
            if self_terminated(inp.ctx()) {
                Ok(())
            } else {
                Err(silent_failure(inp))
            }
        },
    );
    choice((before(Punct::Semi), end_of_list, after_block)).boxed()
}

/// Whether a statement ends with a `}` (`if c { }`, `let Some(x) = o else { }`).
pub(super) fn stmt_self_terminated(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Expr { expr, .. } => ends_with_block(expr),
        StmtKind::Let { else_block, .. } => else_block.is_some(),
        StmtKind::Defer(inner) | StmtKind::Errdefer(inner) => stmt_self_terminated(inner),
        StmtKind::Var { .. } | StmtKind::Assign { .. } => false,
    }
}

/// `=`, `+=`, ... `>>=`: `None` for plain assignment, else the operator applied.
fn assign_op<'a>() -> impl Parser<'a, TokenInput<'a>, Option<BinOp>, Extra<'a>> + Clone {
    select_ref! {
        Token::Punct(Punct::Eq) => None,
        Token::Punct(Punct::PlusEq) => Some(BinOp::Add),
        Token::Punct(Punct::MinusEq) => Some(BinOp::Sub),
        Token::Punct(Punct::StarEq) => Some(BinOp::Mul),
        Token::Punct(Punct::SlashEq) => Some(BinOp::Div),
        Token::Punct(Punct::PercentEq) => Some(BinOp::Rem),
        Token::Punct(Punct::AmpEq) => Some(BinOp::BitAnd),
        Token::Punct(Punct::PipeEq) => Some(BinOp::BitOr),
        Token::Punct(Punct::CaretEq) => Some(BinOp::BitXor),
        Token::Punct(Punct::ShlEq) => Some(BinOp::Shl),
        Token::Punct(Punct::ShrEq) => Some(BinOp::Shr),
    }
    .labelled(label::OPERATOR)
}

fn stmt_parser<'a>(
    expr: &PBox<'a, Expr>,
    ty: &PBox<'a, Type>,
    pat: &PBox<'a, Pattern>,
    block: &PBox<'a, Block>,
    stmt: PBox<'a, Stmt>,
) -> PBox<'a, Stmt> {
    let annotation = punct(Punct::Colon).ignore_then(ty.clone()).or_not();
    let let_stmt = kw(Kw::Let)
        .ignore_then(pat.clone())
        .then(annotation.clone())
        .then_ignore(punct(Punct::Eq))
        .then(expr.clone())
        .then(kw(Kw::Else).ignore_then(block.clone()).or_not())
        .map(|(((pat, ty), init), else_block)| StmtKind::Let {
            pat,
            ty,
            init,
            else_block,
        });
    let var_stmt = kw(Kw::Var)
        .ignore_then(ident())
        .then(annotation)
        .then_ignore(punct(Punct::Eq))
        .then(expr.clone())
        .map(|((name, ty), init)| StmtKind::Var { name, ty, init });
    let deferred = |k: Kw, wrap: fn(Box<Stmt>) -> StmtKind| {
        kw(k)
            .ignore_then(stmt.clone())
            .map(move |s| wrap(Box::new(s)))
    };
    let expr_stmt = expr
        .clone()
        .then(assign_op().then(expr.clone()).or_not())
        .then(written_semi_follows())
        .map(|((target, assign), semi)| match assign {
            Some((op, value)) => StmtKind::Assign { target, op, value },
            None => StmtKind::Expr { expr: target, semi },
        });
    choice((
        let_stmt,
        var_stmt,
        deferred(Kw::Defer, StmtKind::Defer),
        deferred(Kw::Errdefer, StmtKind::Errdefer),
        expr_stmt,
    ))
    .map_with(|kind, e| Stmt {
        kind,
        span: e.span(),
    })
    .labelled(label::STATEMENT)
    .boxed()
}
