//! Types: `base {"?"}` where base is a path with optional type arguments, `[T; N]`, a
//! parenthesized list (unit, grouping, tuple, or the parameters of a closure type
//! `(A, B) => R`), `*T` or `&[mut] T`.

use chumsky::prelude::*;

use super::input::{
    angle_list, brackets, ident, label, paren_group, punct, semi, spanned, word, Group, PBox, Word,
};
use crate::syntax::ast::{Expr, Type, TypeKind};
use crate::syntax::token::{Punct, Token};

/// The type rule. `expr` parses the length of array types.
pub(super) fn type_parser<'a>(expr: PBox<'a, Expr>) -> PBox<'a, Type> {
    recursive(|ty| {
        let ty = ty.boxed();
        let base = choice((
            path(ty.clone()),
            paren_list(ty.clone()),
            array(ty.clone(), expr),
            pointer(ty.clone()),
            reference(ty),
        ));
        // `T??` arrives as one `??` token.
        let question_marks = select_ref! {
            Token::Punct(Punct::Question) => 1,
            Token::Punct(Punct::QuestionQuestion) => 2,
        };
        base.foldl_with(question_marks.repeated(), |mut inner, count, e| {
            for _ in 0..count {
                inner = Type {
                    kind: TypeKind::Option(Box::new(inner)),
                    span: e.span(),
                };
            }
            inner
        })
        .labelled(label::TYPE)
    })
    .boxed()
}

/// `Name` or `Name<A, B>`.
fn path<'a>(ty: PBox<'a, Type>) -> PBox<'a, Type> {
    spanned(
        ident()
            .then(angle_list(ty).or_not())
            .map(|(name, args)| TypeKind::Path {
                name,
                args: args.unwrap_or_default(),
            }),
    )
}

/// `()`, `(T)`, `(T,)`, `(A, B)`, each optionally followed by `=> R` (a closure type).
fn paren_list<'a>(ty: PBox<'a, Type>) -> PBox<'a, Type> {
    let ret = punct(Punct::FatArrow).ignore_then(ty.clone());
    spanned(
        paren_group(ty)
            .then(ret.or_not())
            .map(|(group, ret)| match (group, ret) {
                (group, Some(ret)) => TypeKind::Fn {
                    params: group.into_vec(),
                    ret: Box::new(ret),
                },
                (Group::Single(inner), None) => inner.kind,
                (group, None) => TypeKind::Tuple(group.into_vec()),
            }),
    )
}

/// `[T; N]`
fn array<'a>(ty: PBox<'a, Type>, expr: PBox<'a, Expr>) -> PBox<'a, Type> {
    spanned(
        brackets(ty.then_ignore(semi()).then(expr))
            .map(|(elem, len)| TypeKind::Array(Box::new(elem), Box::new(len))),
    )
}

/// `*T`
fn pointer<'a>(ty: PBox<'a, Type>) -> PBox<'a, Type> {
    spanned(
        punct(Punct::Star)
            .ignore_then(ty)
            .map(|inner| TypeKind::Ptr(Box::new(inner))),
    )
}

/// `&T` / `&mut T`
fn reference<'a>(ty: PBox<'a, Type>) -> PBox<'a, Type> {
    spanned(
        punct(Punct::Amp)
            .ignore_then(word(Word::Mut).or_not())
            .then(ty)
            .map(|(mutable, inner)| TypeKind::Ref {
                mutable: mutable.is_some(),
                inner: Box::new(inner),
            }),
    )
}
