//! The rules that refer to each other — expressions, types, patterns, statements and
//! blocks — assembled around one expression parser.

use chumsky::prelude::*;

use super::input::{Ctx, PBox};
use super::{patterns, stmts, types};
use crate::syntax::ast::{Block, Expr, Pattern, Stmt, Type};

/// The mutually recursive rules of the grammar.
#[derive(Clone)]
pub(super) struct Grammar<'a> {
    /// An expression in the surrounding context (struct literals allowed or not).
    pub expr: PBox<'a, Expr>,
    /// An expression in which struct literals are allowed (inside delimiters, closure
    /// bodies, interpolation holes).
    pub expr_open: PBox<'a, Expr>,
    /// An expression that a block follows: `if`/`while` conditions, `match` scrutinees,
    /// `for` iterables. `x {` there starts the block.
    pub expr_before_block: PBox<'a, Expr>,
    pub ty: PBox<'a, Type>,
    pub pat: PBox<'a, Pattern>,
    pub stmt: PBox<'a, Stmt>,
    pub block: PBox<'a, Block>,
}

impl<'a> Grammar<'a> {
    /// Builds every rule on top of `expr`, the (possibly still undefined) expression rule.
    pub fn new(expr: PBox<'a, Expr>) -> Grammar<'a> {
        let ty = types::type_parser(expr.clone());
        let pat = patterns::pattern_parser();
        let (stmt, block) = stmts::stmt_and_block(&expr, &ty, &pat);
        Grammar {
            expr_open: expr.clone().with_ctx(Ctx::OPEN).boxed(),
            expr_before_block: expr.clone().with_ctx(Ctx::BEFORE_BLOCK).boxed(),
            expr,
            ty,
            pat,
            stmt,
            block,
        }
    }
}
