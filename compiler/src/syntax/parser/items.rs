//! Items: annotations, `pub`, imports, functions, structs, enums, `impl` blocks,
//! resources, and top-level statements; and the module as a list of items.

use chumsky::prelude::*;

use super::errors::misplaced;
use super::exprs::expr_parser;
use super::grammar::Grammar;
use super::input::{
    angle_list, braces, comma_list, fn_name, ident, kw, kw_span, label, parens, punct, semi,
    sep_list, word, PBox, Word,
};
use super::recovery::Sync;
use super::stmts::{error_stmt, stmt_self_terminated, terminated_list};
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Annotation, Effect, EffectClause, EnumDecl, FieldDecl, FnDecl, FnFlags, GenericParam, ImplDecl,
    Import, ImportName, Item, ItemKind, Module, Param, Receiver, StmtKind, StructDecl, VariantDecl,
};
use crate::syntax::token::{Kw, Punct, Token};

/// The whole file: `{ ";" | item }` up to the end of the input.
pub(super) fn module_parser<'a>(file: FileId) -> PBox<'a, Module> {
    let g = Grammar::new(expr_parser());
    terminated_list(
        item_parser(&g),
        Sync::Item,
        item_self_terminated,
        error_item,
    )
    .map(move |items| Module { file, items })
    .boxed()
}

/// The placeholder for an item that could not be parsed.
fn error_item(span: Span) -> Item {
    Item {
        annotations: Vec::new(),
        public: false,
        kind: ItemKind::Stmt(error_stmt(span)),
        span,
    }
}

/// Whether an item ends with a `}`, so that another may follow on the same line.
fn item_self_terminated(item: &Item) -> bool {
    match &item.kind {
        ItemKind::Fn(f) => f.body.is_some(),
        ItemKind::Import(_) | ItemKind::Struct(_) | ItemKind::Enum(_) | ItemKind::Impl(_) => true,
        ItemKind::Resource(_) => false,
        ItemKind::Stmt(stmt) => stmt_self_terminated(stmt),
    }
}

/// `@name` or `@name(args)`, any number of them, each possibly on its own line.
fn annotations<'a>(g: &Grammar<'a>) -> PBox<'a, Vec<Annotation>> {
    punct(Punct::At)
        .ignore_then(ident())
        .then(parens(comma_list(g.expr.clone())).or_not())
        .map_with(|(name, args), e| Annotation {
            name,
            args: args.unwrap_or_default(),
            span: e.span(),
        })
        .then_ignore(semi().repeated())
        .repeated()
        .collect()
        .boxed()
}

/// `{annotation} ["pub"] body`. `pub` on a statement other than `let` is E0009.
fn item_parser<'a>(g: &Grammar<'a>) -> PBox<'a, Item> {
    let body = choice((
        import(),
        fn_decl(g).map(ItemKind::Fn),
        struct_decl(g),
        enum_decl(g),
        impl_decl(g),
        kw(Kw::Resource)
            .ignore_then(ident())
            .map(ItemKind::Resource),
        g.stmt.clone().map(ItemKind::Stmt),
    ));
    annotations(g)
        .then(kw_span(Kw::Pub).or_not())
        .then(body)
        .validate(|((annotations, public), kind), e, emitter| {
            if let (Some(pub_span), ItemKind::Stmt(stmt)) = (public, &kind) {
                if !matches!(stmt.kind, StmtKind::Let { .. }) {
                    emitter.emit(misplaced(
                        pub_span,
                        "`pub` is only allowed on items and top-level `let`",
                    ));
                }
            }
            Item {
                annotations,
                public: public.is_some(),
                kind,
                span: e.span(),
            }
        })
        .labelled(label::ITEM)
        .boxed()
}

/// `from "path" import { A, B as C }`
fn import<'a>() -> PBox<'a, ItemKind> {
    let path =
        select_ref! { Token::Str(s) = e => (s.clone(), e.span()) }.labelled(label::MODULE_PATH);
    let name = ident()
        .then(kw(Kw::As).ignore_then(ident()).or_not())
        .map(|(name, alias)| ImportName { name, alias });
    kw(Kw::From)
        .ignore_then(path)
        .then_ignore(kw(Kw::Import))
        .then(braces(sep_list(name)))
        .map(|((path, path_span), names)| {
            ItemKind::Import(Import {
                path,
                path_span,
                names,
            })
        })
        .boxed()
}

/// `<T, E = Error>`
fn generics<'a>(g: &Grammar<'a>) -> PBox<'a, Vec<GenericParam>> {
    angle_list(
        ident()
            .then(punct(Punct::Eq).ignore_then(g.ty.clone()).or_not())
            .map(|(name, default)| GenericParam { name, default }),
    )
    .or_not()
    .map(Option::unwrap_or_default)
    .boxed()
}

/// `: T` after a declaration head.
fn type_annotation<'a>(g: &Grammar<'a>) -> PBox<'a, Option<crate::syntax::ast::Type>> {
    punct(Punct::Colon)
        .ignore_then(g.ty.clone())
        .or_not()
        .boxed()
}

/// `( [receiver ","] {param ","} [param] [","] )` with receiver `["mut"] "self"` and param
/// `["move"] IDENT [":" type] ["=" expr]`.
fn params<'a>(g: &Grammar<'a>) -> PBox<'a, (Option<Receiver>, Vec<Param>)> {
    let receiver = word(Word::Mut)
        .or_not()
        .then_ignore(word(Word::SelfValue))
        .map_with(|mutable, e| Receiver {
            mutable: mutable.is_some(),
            span: e.span(),
        })
        .then_ignore(choice((
            punct(Punct::Comma),
            super::input::before(Punct::RParen),
        )));
    let param = kw(Kw::Move)
        .or_not()
        .then(ident())
        .then(type_annotation(g))
        .then(punct(Punct::Eq).ignore_then(g.expr.clone()).or_not())
        .map_with(|(((is_move, name), ty), default), e| Param {
            name,
            ty,
            is_move: is_move.is_some(),
            default,
            span: e.span(),
        });
    parens(receiver.or_not().then(comma_list(param))).boxed()
}

/// `with effect {[","] effect}`, effect = `IDENT ["(" IDENT ")"]`.
fn effects<'a>() -> PBox<'a, EffectClause> {
    let effect = ident()
        .then(parens(ident()).or_not())
        .map_with(|(name, resource), e| Effect {
            name,
            resource,
            span: e.span(),
        });
    kw(Kw::With)
        .ignore_then(
            effect
                .separated_by(punct(Punct::Comma).or_not())
                .at_least(1)
                .collect(),
        )
        .map_with(|effects, e| EffectClause {
            effects,
            span: e.span(),
        })
        .boxed()
}

/// A flag before `fn`.
#[derive(Clone, Copy)]
enum Flag {
    Async,
    Gen,
    Extern,
    Test,
}

/// `{async | gen | extern | test} fn name [generics] (params) [: type] [effects] [block]`
fn fn_decl<'a>(g: &Grammar<'a>) -> PBox<'a, FnDecl> {
    let flag = choice((
        kw(Kw::Async).to(Flag::Async),
        kw(Kw::Gen).to(Flag::Gen),
        kw(Kw::Extern).to(Flag::Extern),
        word(Word::Test).to(Flag::Test),
    ));
    let flags = flag.repeated().collect::<Vec<_>>().map(|flags| {
        let mut out = FnFlags::default();
        for flag in flags {
            match flag {
                Flag::Async => out.is_async = true,
                Flag::Gen => out.is_gen = true,
                Flag::Extern => out.is_extern = true,
                Flag::Test => out.is_test = true,
            }
        }
        out
    });
    let signature = flags
        .then_ignore(kw(Kw::Fn))
        .then(fn_name())
        .then(generics(g))
        .then(params(g))
        .then(type_annotation(g))
        .then(effects().or_not())
        .map_with(
            |(((((flags, name), generics), (receiver, params)), ret), effects), e| FnDecl {
                flags,
                name,
                generics,
                receiver,
                params,
                ret,
                effects,
                body: None,
                sig_span: e.span(),
            },
        );
    signature
        .then(g.block.clone().or_not())
        .map(|(decl, body)| FnDecl { body, ..decl })
        .boxed()
}

/// `["par"] struct Name [generics] { [pub] field: T, ... }`
fn struct_decl<'a>(g: &Grammar<'a>) -> PBox<'a, ItemKind> {
    let field = kw(Kw::Pub)
        .or_not()
        .ignore_then(ident())
        .then_ignore(punct(Punct::Colon))
        .then(g.ty.clone())
        .map_with(|(name, ty), e| FieldDecl {
            name,
            ty,
            span: e.span(),
        });
    kw(Kw::Par)
        .or_not()
        .then_ignore(kw(Kw::Struct))
        .then(ident())
        .then(generics(g))
        .then(braces(sep_list(field)))
        .map(|(((is_par, name), generics), fields)| {
            ItemKind::Struct(StructDecl {
                is_par: is_par.is_some(),
                name,
                generics,
                fields,
            })
        })
        .boxed()
}

/// `enum Name [generics] { Variant, Variant(T, U), ... }`
fn enum_decl<'a>(g: &Grammar<'a>) -> PBox<'a, ItemKind> {
    let variant = ident()
        .then(parens(comma_list(g.ty.clone())).or_not())
        .map_with(|(name, fields), e| VariantDecl {
            name,
            fields: fields.unwrap_or_default(),
            span: e.span(),
        });
    kw(Kw::Enum)
        .ignore_then(ident())
        .then(generics(g))
        .then(braces(sep_list(variant)))
        .map(|((name, generics), variants)| {
            ItemKind::Enum(EnumDecl {
                name,
                generics,
                variants,
            })
        })
        .boxed()
}

/// `impl [generics] Type { {annotation} [pub] fn ... }` — broken methods are reported and
/// left out, so `items` holds only functions.
fn impl_decl<'a>(g: &Grammar<'a>) -> PBox<'a, ItemKind> {
    let method = annotations(g)
        .then(kw(Kw::Pub).or_not())
        .then(fn_decl(g))
        .map_with(|((annotations, public), decl), e| {
            Some(Item {
                annotations,
                public: public.is_some(),
                kind: ItemKind::Fn(decl),
                span: e.span(),
            })
        })
        .labelled(label::METHOD);
    let methods = terminated_list(
        method,
        Sync::Stmt,
        |m| m.as_ref().is_some_and(item_self_terminated),
        |_| None,
    )
    .map(|methods| methods.into_iter().flatten().collect());
    kw(Kw::Impl)
        .ignore_then(generics(g))
        .then(g.ty.clone())
        .then(braces(methods))
        .map(|((generics, target), items)| {
            ItemKind::Impl(ImplDecl {
                generics,
                target,
                items,
            })
        })
        .boxed()
}
