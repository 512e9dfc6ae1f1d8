//! Expressions: operator precedence (a Pratt parser over binary, cast and prefix
//! operators), the postfix chain (calls, indexing, fields, method calls, `!`, `?`) and the
//! primary forms that are not keyword-led (literals, names, generic names, struct
//! literals, closures, tuples, arrays, interpolated strings, blocks).

use chumsky::pratt::{infix, left, none, postfix, prefix, right, Associativity, Operator};
use chumsky::prelude::*;

use super::control;
use super::grammar::Grammar;
use super::input::{
    angle_list, before, braces, brackets, comma_list, ident, kw, label, lookahead, paren_group,
    parens, punct, quietly_before, sep_list, spanned, speculative, structs_allowed,
    type_args_before, word, Group, PBox, Word,
};
use super::recovery;
use crate::source::Span;
use crate::syntax::ast::{
    BinOp, Closure, Expr, ExprKind, FieldInit, Ident, InterpPart, Param, Type, UnOp,
};
use crate::syntax::token::{Kw, Punct, Token};

/// The expression rule, with every rule it depends on built around it.
pub(super) fn expr_parser<'a>() -> PBox<'a, Expr> {
    recursive(|expr| {
        let g = Grammar::new(expr.boxed());
        operators(&g, postfix_chain(&g, primary(&g)))
    })
    .boxed()
}

fn expr(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

/// Does this expression end with a `}`? Then no separator is needed after it as a match
/// arm body or an expression statement (`if a { return a } return b`).
pub(super) fn ends_with_block(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Block(_)
        | ExprKind::Unsafe(_)
        | ExprKind::Blocking(_)
        | ExprKind::Loop(_)
        | ExprKind::While { .. }
        | ExprKind::For { .. }
        | ExprKind::Match { .. }
        | ExprKind::Par(_)
        | ExprKind::ParFor { .. }
        | ExprKind::Concurrent { .. }
        | ExprKind::Select(_)
        | ExprKind::If { .. }
        | ExprKind::StructLit { .. } => true,
        ExprKind::Closure(c) => ends_with_block(&c.body),
        ExprKind::Spawn(inner) | ExprKind::TryScope(inner) | ExprKind::Yield(inner) => {
            ends_with_block(inner)
        }
        ExprKind::Return(Some(inner)) => ends_with_block(inner),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Operators

/// One precedence level of binary operators.
struct Level {
    precedence: u16,
    assoc: fn(u16) -> Associativity,
    ops: &'static [(Punct, BinOp)],
}

/// Binary operator levels, loosest first (range, level 1, is handled separately).
const BINARY_LEVELS: &[Level] = &[
    Level {
        precedence: 2,
        assoc: right,
        ops: &[(Punct::QuestionQuestion, BinOp::Coalesce)],
    },
    Level {
        precedence: 3,
        assoc: left,
        ops: &[(Punct::PipePipe, BinOp::Or)],
    },
    Level {
        precedence: 4,
        assoc: left,
        ops: &[(Punct::AmpAmp, BinOp::And)],
    },
    Level {
        precedence: 5,
        assoc: left,
        ops: &[
            (Punct::EqEq, BinOp::Eq),
            (Punct::Ne, BinOp::Ne),
            (Punct::Lt, BinOp::Lt),
            (Punct::Le, BinOp::Le),
            (Punct::Gt, BinOp::Gt),
            (Punct::Ge, BinOp::Ge),
        ],
    },
    Level {
        precedence: 6,
        assoc: left,
        ops: &[(Punct::Pipe, BinOp::BitOr)],
    },
    Level {
        precedence: 7,
        assoc: left,
        ops: &[(Punct::Caret, BinOp::BitXor)],
    },
    Level {
        precedence: 8,
        assoc: left,
        ops: &[(Punct::Amp, BinOp::BitAnd)],
    },
    Level {
        precedence: SHIFT_LEVEL,
        assoc: left,
        ops: &[(Punct::Shl, BinOp::Shl)],
    },
    Level {
        precedence: 10,
        assoc: left,
        ops: &[(Punct::Plus, BinOp::Add), (Punct::Minus, BinOp::Sub)],
    },
    Level {
        precedence: 11,
        assoc: left,
        ops: &[
            (Punct::Star, BinOp::Mul),
            (Punct::Slash, BinOp::Div),
            (Punct::Percent, BinOp::Rem),
        ],
    },
];
const RANGE_LEVEL: u16 = 1;
const SHIFT_LEVEL: u16 = 9;
const CAST_LEVEL: u16 = 12;
const PREFIX_LEVEL: u16 = 13;

/// The operator token of one precedence level.
fn binary_op<'a>(table: &'static [(Punct, BinOp)]) -> PBox<'a, BinOp> {
    chumsky::primitive::select_ref(move |tok: &Token, _| match tok {
        Token::Punct(p) => table.iter().find(|(q, _)| q == p).map(|(_, op)| *op),
        _ => None,
    })
    .boxed()
}

/// `>>`: two `>` tokens with nothing between them.
fn shift_right<'a>() -> PBox<'a, BinOp> {
    let gt = || select_ref! { Token::Punct(Punct::Gt) = e => e.span() };
    gt().then(gt())
        .filter(|(a, b): &(Span, Span)| a.end == b.start)
        .to(BinOp::Shr)
        .boxed()
}

/// Prefix operators; `await` and `spawn` bind like the unary operators.
#[derive(Clone, Copy)]
enum PrefixOp {
    Unary(UnOp),
    Await,
    Spawn,
}

fn prefix_op<'a>() -> PBox<'a, PrefixOp> {
    let ref_mut = select_ref! { Token::Punct(Punct::Amp) => () }
        .then(word(Word::Mut))
        .to(PrefixOp::Unary(UnOp::RefMut));
    let single = select_ref! {
        Token::Punct(Punct::Minus) => PrefixOp::Unary(UnOp::Neg),
        Token::Punct(Punct::Bang) => PrefixOp::Unary(UnOp::Not),
        Token::Punct(Punct::Tilde) => PrefixOp::Unary(UnOp::BitNot),
        Token::Punct(Punct::Amp) => PrefixOp::Unary(UnOp::Ref),
        Token::Punct(Punct::Star) => PrefixOp::Unary(UnOp::Deref),
        Token::Kw(Kw::Await) => PrefixOp::Await,
        Token::Kw(Kw::Spawn) => PrefixOp::Spawn,
    };
    choice((ref_mut, single)).boxed()
}

fn apply_prefix(op: PrefixOp, operand: Box<Expr>, span: Span) -> Box<Expr> {
    let kind = match op {
        PrefixOp::Unary(op) => ExprKind::Unary { op, expr: operand },
        PrefixOp::Await => ExprKind::Await(operand),
        PrefixOp::Spawn => ExprKind::Spawn(operand),
    };
    Box::new(expr(kind, span))
}

/// Range, binary, cast and prefix operators over `atom`, by precedence.
///
/// Operands are boxed while operators are folded (the Pratt parser moves its left operand
/// through every operator it tries, and an `Expr` is large). Operator tokens are matched
/// without labels of their own: the operand rule reports "expression" where one must start
/// and "operator" after one, and fewer labels mean fewer error allocations on the hot path.
fn operators<'a>(g: &Grammar<'a>, atom: PBox<'a, Expr>) -> PBox<'a, Expr> {
    let range_op = select_ref! {
        Token::Punct(Punct::DotDot) => false,
        Token::Punct(Punct::DotDotEq) => true,
    };
    // Tightest levels first, so that `>>` is tried before `>`.
    let binary: Vec<_> = BINARY_LEVELS
        .iter()
        .rev()
        .map(|level| {
            let op = if level.precedence == SHIFT_LEVEL {
                binary_op(level.ops).or(shift_right()).boxed()
            } else {
                binary_op(level.ops)
            };
            infix((level.assoc)(level.precedence), op, |lhs, op, rhs, e| {
                let kind = ExprKind::Binary { op, lhs, rhs };
                Box::new(expr(kind, e.span()))
            })
            .boxed()
        })
        .collect();
    let cast = select_ref! { Token::Kw(Kw::As) => () }.ignore_then(g.ty.clone());
    atom.map(Box::new)
        .pratt((
            prefix(PREFIX_LEVEL, prefix_op(), |op, operand, e| {
                apply_prefix(op, operand, e.span())
            }),
            postfix(CAST_LEVEL, cast, |operand, ty, e| {
                let kind = ExprKind::Cast { expr: operand, ty };
                Box::new(expr(kind, e.span()))
            }),
            binary,
            infix(none(RANGE_LEVEL), range_op, |start, inclusive, end, e| {
                let kind = ExprKind::Range {
                    start,
                    end,
                    inclusive,
                };
                Box::new(expr(kind, e.span()))
            }),
        ))
        .map(|e| *e)
        .boxed()
}

// ---------------------------------------------------------------------------------------
// Postfix chain

/// What follows an operand: `(args)`, `[index]`, `.field`, `.method<T>(args)`, `!`, `?`.
#[derive(Clone)]
enum Suffix {
    Call(Vec<Expr>),
    Index(Box<Expr>),
    Field(Ident),
    Method(Ident, Vec<Type>, Vec<Expr>),
    Unwrap,
    Try,
}

/// `( args )`: expressions separated by `,` (trailing `,` allowed); a broken list becomes
/// one error argument covering it.
fn call_args<'a>(g: &Grammar<'a>) -> PBox<'a, Vec<Expr>> {
    parens(comma_list(g.expr.clone()))
        .recover_with(via_parser(recovery::broken_args()))
        .boxed()
}

/// A member name after `.`: an identifier, any keyword (`p.await()`), or a tuple index.
fn member_name<'a>() -> PBox<'a, Ident> {
    select_ref! {
        Token::Ident(name) = e => Ident::new(name.clone(), e.span()),
        Token::Kw(k) = e => Ident::new(k.as_str(), e.span()),
        Token::Int(v, None) = e => Ident::new(v.to_string(), e.span()),
    }
    .labelled(label::MEMBER)
    .boxed()
}

fn postfix_chain<'a>(g: &Grammar<'a>, primary: PBox<'a, Expr>) -> PBox<'a, Expr> {
    let args = call_args(g);
    let method_type_args = type_args_before(&[Punct::LParen]).ignore_then(speculative(
        angle_list(g.ty.clone()).then_ignore(before(Punct::LParen)),
    ));
    let member = punct(Punct::Dot)
        .ignore_then(member_name())
        .then(method_type_args.or_not().then(args.clone()).or_not())
        .map(|(name, call)| match call {
            None => Suffix::Field(name),
            Some((type_args, args)) => Suffix::Method(name, type_args.unwrap_or_default(), args),
        });
    let suffix = choice((
        member,
        args.map(Suffix::Call),
        brackets(g.expr.clone())
            .recover_with(via_parser(recovery::broken_index()))
            .map(|index| Suffix::Index(Box::new(index))),
        punct(Punct::Bang).to(Suffix::Unwrap),
        punct(Punct::Question).to(Suffix::Try),
    ))
    .labelled(label::OPERATOR);
    primary
        .foldl_with(suffix.repeated(), |base, suffix, e| {
            expr(apply_suffix(base, suffix), e.span())
        })
        .labelled(label::EXPRESSION)
        .boxed()
}

fn apply_suffix(base: Expr, suffix: Suffix) -> ExprKind {
    let base = Box::new(base);
    match suffix {
        Suffix::Call(args) => ExprKind::Call { callee: base, args },
        Suffix::Index(index) => ExprKind::Index { base, index },
        Suffix::Field(name) => ExprKind::Field { base, name },
        Suffix::Method(method, type_args, args) => ExprKind::MethodCall {
            receiver: base,
            method,
            type_args,
            args,
        },
        Suffix::Unwrap => ExprKind::Unwrap(base),
        Suffix::Try => ExprKind::Try(base),
    }
}

// ---------------------------------------------------------------------------------------
// Primary expressions

fn primary<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    choice((
        name_like(g),
        literal(),
        closure(g),
        parenthesized(g),
        array(g),
        interpolation(g),
        spanned(g.block.clone().map(ExprKind::Block)),
        control::keyword_expr(g),
    ))
    .boxed()
}

/// Integer, float, string, byte and boolean literals.
pub(super) fn literal<'a>() -> PBox<'a, Expr> {
    spanned(select_ref! {
        Token::Int(v, suffix) => ExprKind::Int(*v, *suffix),
        Token::Float(v, suffix) => ExprKind::Float(*v, *suffix),
        Token::Str(s) => ExprKind::Str(s.clone()),
        Token::Byte(b) => ExprKind::Byte(*b),
        Token::Kw(Kw::True) => ExprKind::Bool(true),
        Token::Kw(Kw::False) => ExprKind::Bool(false),
    })
}

/// What may follow a name's type arguments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AfterArgs {
    /// `{`: the arguments belong to a struct literal.
    Brace,
    /// `.` or `(`: a generic name in expression position.
    DotOrParen,
}

/// A name, a generic name `Channel<i64>` (when `.` or `(` follows the `>`), or a struct
/// literal `Point { x, y: 2 }` / `Pair<A, B> { ... }` (where struct literals are allowed).
fn name_like<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let after_args = choice((
        structs_allowed()
            .ignore_then(before(Punct::LBrace))
            .to(AfterArgs::Brace),
        lookahead(one_of([
            Token::Punct(Punct::Dot),
            Token::Punct(Punct::LParen),
        ]))
        .to(AfterArgs::DotOrParen),
    ));
    let type_args = type_args_before(&[Punct::LBrace, Punct::Dot, Punct::LParen])
        .ignore_then(speculative(angle_list(g.ty.clone()).then(after_args)));
    let field = ident()
        .then(punct(Punct::Colon).ignore_then(g.expr.clone()).or_not())
        .map(|(name, value)| FieldInit { name, value });
    // `{` is not listed as expected after every name: it is only worth mentioning when a
    // struct literal's body is already under way.
    let struct_body = structs_allowed()
        .ignore_then(quietly_before(Punct::LBrace))
        .ignore_then(braces(sep_list(field)));
    spanned(
        ident()
            .then(type_args.or_not())
            .then(struct_body.or_not())
            .map(|((name, type_args), fields)| match (type_args, fields) {
                (args, Some(fields)) => ExprKind::StructLit {
                    name,
                    args: args.map(|(args, _)| args).unwrap_or_default(),
                    fields,
                },
                (Some((args, _)), None) => ExprKind::Generic { name, args },
                (None, None) => ExprKind::Name(name),
            }),
    )
}

/// A closure parameter: `["move"] IDENT [":" type]`.
fn closure_param<'a>(g: &Grammar<'a>) -> PBox<'a, Param> {
    kw(Kw::Move)
        .or_not()
        .then(ident())
        .then(punct(Punct::Colon).ignore_then(g.ty.clone()).or_not())
        .map_with(|((is_move, name), ty), e| Param {
            name,
            ty,
            is_move: is_move.is_some(),
            default: None,
            span: e.span(),
        })
        .boxed()
}

/// `["move"] "(" params ")" [":" type] "=>" (block | expr)`
fn closure<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let body = choice((
        spanned(g.block.clone().map(ExprKind::Block)),
        g.expr_open.clone(),
    ));
    spanned(
        kw(Kw::Move)
            .or_not()
            .then(parens(comma_list(closure_param(g))))
            .then(punct(Punct::Colon).ignore_then(g.ty.clone()).or_not())
            .then_ignore(punct(Punct::FatArrow))
            .then(body)
            .map(|(((is_move, params), ret), body)| {
                ExprKind::Closure(Box::new(Closure {
                    is_move: is_move.is_some(),
                    params,
                    ret,
                    body,
                }))
            }),
    )
}

/// `()`, `(e)` (the expression itself, its span widened to the parentheses), `(e,)`,
/// `(a, b)`.
fn parenthesized<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    spanned(paren_group(g.expr.clone()).map(|group| match group {
        Group::Empty => ExprKind::Unit,
        Group::Single(inner) => inner.kind,
        Group::Tuple(elems) => ExprKind::Tuple(elems),
    }))
}

/// What follows the first element of an array literal.
#[derive(Clone)]
enum ArrayTail {
    Repeat(Box<Expr>),
    More(Vec<Expr>),
}

/// `[]`, `[value; count]`, `[a, b, c]`.
fn array<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let tail = choice((
        punct(Punct::Semi)
            .ignore_then(g.expr.clone())
            .map(|count| ArrayTail::Repeat(Box::new(count))),
        punct(Punct::Comma)
            .ignore_then(comma_list(g.expr.clone()))
            .map(ArrayTail::More),
    ));
    spanned(
        brackets(g.expr.clone().then(tail.or_not()).or_not()).map(|elems| match elems {
            None => ExprKind::Array(Vec::new()),
            Some((first, None)) => ExprKind::Array(vec![first]),
            Some((value, Some(ArrayTail::Repeat(count)))) => ExprKind::ArrayRepeat {
                value: Box::new(value),
                count,
            },
            Some((first, Some(ArrayTail::More(rest)))) => {
                ExprKind::Array(std::iter::once(first).chain(rest).collect())
            }
        }),
    )
}

/// `$"text {expr} text"`, as the lexer delivers it.
fn interpolation<'a>(g: &Grammar<'a>) -> PBox<'a, Expr> {
    let text = select_ref! { Token::StrPart(s) => InterpPart::Lit(s.clone()) };
    let hole = g
        .expr_open
        .clone()
        .delimited_by(just(Token::HoleStart), just(Token::HoleEnd))
        .map(|e| InterpPart::Expr(Box::new(e)));
    spanned(
        choice((text, hole))
            .repeated()
            .collect()
            .delimited_by(just(Token::InterpStart), just(Token::InterpEnd))
            .map(ExprKind::Interp),
    )
}
