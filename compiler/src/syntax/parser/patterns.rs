//! Patterns: `single {"|" single}` where single is `_`, a literal or literal range, a
//! parenthesized pattern or tuple, a struct pattern `Name { x, y: p, .. }`, a binding, or
//! a variant `Name`, `Enum.Variant`, `Some(p)`.

use chumsky::prelude::*;

use super::exprs::literal;
use super::input::{
    braces, comma_list, ident, label, paren_group, parens, punct, sep_list, spanned,
    structs_allowed, Group, PBox,
};
use crate::syntax::ast::{Expr, ExprKind, Ident, Pattern, PatternKind, UnOp};
use crate::syntax::token::{Punct, Token};

/// The pattern rule.
pub(super) fn pattern_parser<'a>() -> PBox<'a, Pattern> {
    recursive(|pat| {
        let pat = pat.boxed();
        let single = choice((
            wildcard(),
            literal_or_range(),
            paren_list(pat.clone()),
            struct_pattern(pat.clone()),
            binding_or_variant(pat),
        ));
        single
            .separated_by(punct(Punct::Pipe))
            .at_least(1)
            .collect::<Vec<_>>()
            .map_with(|mut alts, e| {
                if alts.len() == 1 {
                    alts.remove(0)
                } else {
                    Pattern {
                        kind: PatternKind::Or(alts),
                        span: e.span(),
                    }
                }
            })
            .labelled(label::PATTERN)
    })
    .boxed()
}

/// `_`
fn wildcard<'a>() -> PBox<'a, Pattern> {
    spanned(select_ref! { Token::Ident(name) if name == "_" => PatternKind::Wild })
}

/// A literal, with an optional leading `-` on numbers.
fn pattern_literal<'a>() -> PBox<'a, Expr> {
    let negative = punct(Punct::Minus)
        .ignore_then(
            literal().filter(|e: &Expr| matches!(e.kind, ExprKind::Int(..) | ExprKind::Float(..))),
        )
        .map_with(|inner, e| Expr {
            kind: ExprKind::Unary {
                op: UnOp::Neg,
                expr: Box::new(inner),
            },
            span: e.span(),
        });
    choice((negative, literal()))
        .labelled(label::LITERAL)
        .boxed()
}

/// `lit`, `lit..lit`, `lit..=lit`
fn literal_or_range<'a>() -> PBox<'a, Pattern> {
    let range_op = select_ref! {
        Token::Punct(Punct::DotDot) => false,
        Token::Punct(Punct::DotDotEq) => true,
    };
    spanned(
        pattern_literal()
            .then(range_op.then(pattern_literal()).or_not())
            .map(|(start, range)| match range {
                None => PatternKind::Lit(Box::new(start)),
                Some((inclusive, end)) => PatternKind::Range {
                    start: Box::new(start),
                    end: Box::new(end),
                    inclusive,
                },
            }),
    )
}

/// `()`, `(p)` (just `p`), `(p,)`, `(a, b)`.
fn paren_list<'a>(pat: PBox<'a, Pattern>) -> PBox<'a, Pattern> {
    spanned(paren_group(pat).map(|group| match group {
        Group::Single(inner) => inner.kind,
        group => PatternKind::Tuple(group.into_vec()),
    }))
}

/// One element of a struct pattern's field list.
#[derive(Clone)]
enum FieldPat {
    Field(Ident, Option<Pattern>),
    Rest,
}

/// `Name { x, y: p, .. }` — only where struct literals are allowed.
fn struct_pattern<'a>(pat: PBox<'a, Pattern>) -> PBox<'a, Pattern> {
    let field = ident()
        .then(punct(Punct::Colon).ignore_then(pat).or_not())
        .map(|(name, pat)| FieldPat::Field(name, pat));
    let element = choice((punct(Punct::DotDot).to(FieldPat::Rest), field));
    let pattern = structs_allowed()
        .ignore_then(ident())
        .then(braces(sep_list(element)))
        .validate(|(name, elements), e, emitter| {
            let mut fields = Vec::new();
            let mut rest = false;
            for element in elements {
                match element {
                    FieldPat::Rest => rest = true,
                    FieldPat::Field(..) if rest => {
                        emitter.emit(super::errors::syntax_error(
                            e.span(),
                            "`..` must be the last element of a struct pattern",
                        ));
                    }
                    FieldPat::Field(name, pat) => fields.push((name, pat)),
                }
            }
            PatternKind::Struct { name, fields, rest }
        });
    spanned(pattern)
}

/// `x` (a binding), `Name.Variant`, `Some(p)`, `Shape.Rect(w, h)`.
fn binding_or_variant<'a>(pat: PBox<'a, Pattern>) -> PBox<'a, Pattern> {
    spanned(
        ident()
            .then(punct(Punct::Dot).ignore_then(ident()).or_not())
            .then(parens(comma_list(pat)).or_not())
            .map(|((first, second), args)| match (second, args) {
                (None, None) => PatternKind::Bind(first),
                (second, args) => PatternKind::Variant {
                    path: std::iter::once(first).chain(second).collect(),
                    args,
                },
            }),
    )
}
