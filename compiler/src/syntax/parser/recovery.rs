//! Error recovery: skipping a broken element up to a synchronisation token, and turning a
//! broken bracketed group into an error placeholder.
//!
//! Every strategy here is only tried after the rule it guards has failed. Bracketed groups
//! are stepped over in one move using the bracket matching of the pre-pass (kept in the
//! parser state), so recovery is linear in the tokens it skips even with many unclosed
//! brackets; an opener that is never closed is skipped like any other token.

use chumsky::input::InputRef;
use chumsky::prelude::*;

use super::input::{silent_failure, token_index, Extra, PBox, TokenInput};
use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::token::{Punct, Token};

/// Where a broken element ends: the tokens that the skipping stops before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sync {
    /// A top-level item: up to the next `;` (a newline after an item ends it).
    Item,
    /// A statement in a block, or an item in an `impl`: up to `;` or the block's `}`.
    Stmt,
    /// An element of a brace list (match and select arms): up to `,`, `;` or `}`.
    ListElement,
}

impl Sync {
    fn stops_at(self, tok: &Token) -> bool {
        let Token::Punct(p) = tok else { return false };
        match self {
            Sync::Item => *p == Punct::Semi,
            Sync::Stmt => matches!(p, Punct::Semi | Punct::RBrace),
            Sync::ListElement => matches!(p, Punct::Comma | Punct::Semi | Punct::RBrace),
        }
    }
}

type Input<'a, 'p> = InputRef<'a, 'p, TokenInput<'a>, Extra<'a>>;

/// Consumes the next token; if it opens a closed group, consumes the whole group.
fn skip_token_or_group(inp: &mut Input<'_, '_>) {
    let index = token_index(inp);
    let last = inp.state().0.of(index).unwrap_or(index);
    for _ in index..=last {
        inp.next_ref();
    }
}

/// Skips at least one token, stepping over bracketed groups, up to (not including) the
/// next synchronisation token of `sync`.
pub(super) fn skip_broken<'a>(sync: Sync) -> PBox<'a, ()> {
    custom(move |inp: &mut Input<'a, '_>| {
        let start = token_index(inp);
        while let Some(tok) = inp.peek_ref() {
            if sync.stops_at(tok) {
                break;
            }
            skip_token_or_group(inp);
        }
        if token_index(inp) == start {
            Err(silent_failure(inp))
        } else {
            Ok(())
        }
    })
    .boxed()
}

/// A closed group starting with `open` that failed to parse, as one error expression
/// covering it.
fn broken_group<'a>(open: Punct) -> PBox<'a, Expr> {
    custom(move |inp: &mut Input<'a, '_>| {
        let start = inp.save();
        let index = token_index(inp);
        let closed = inp.state().0.of(index).is_some();
        if inp.peek_ref() != Some(&Token::Punct(open)) || !closed {
            return Err(silent_failure(inp));
        }
        skip_token_or_group(inp);
        Ok(Expr {
            kind: ExprKind::Error,
            span: inp.span_since(start.cursor()),
        })
    })
    .boxed()
}

/// Recovers a broken argument list `( ... )` as a single error argument.
pub(super) fn broken_args<'a>() -> PBox<'a, Vec<Expr>> {
    broken_group(Punct::LParen).map(|error| vec![error]).boxed()
}

/// Recovers a broken index `[ ... ]` as an error index.
pub(super) fn broken_index<'a>() -> PBox<'a, Expr> {
    broken_group(Punct::LBracket)
}
