//! The parser's input (the lexer's tokens with their spans), its parse context, and the
//! small parsers every grammar rule is built from: single tokens, identifiers, contextual
//! words, look-ahead helpers and the shared list shapes.

use chumsky::error::{LabelError, RichPattern};
use chumsky::extra::ParserExtra;
use chumsky::input::{InputRef, MappedInput};
use chumsky::inspector::SimpleState;
use chumsky::prelude::*;
use chumsky::util::MaybeRef;

use super::delimiters::Partners;
use super::errors::SyntaxMessage;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Expr, ExprKind, Ident, Pattern, PatternKind, Type, TypeKind};
use crate::syntax::token::{Kw, Punct, Token};

/// A token with its span, as the lexer produces it.
pub(super) type Spanned = (Token, Span);

/// The token stream chumsky reads: tokens by reference, with our own [`Span`]s.
pub(super) type TokenInput<'a> =
    MappedInput<'a, Token, Span, &'a [Spanned], fn(&'a Spanned) -> (&'a Token, &'a Span)>;

/// The error type of every rule.
pub(super) type ParseError<'a> = Rich<'a, Token, Span, SyntaxMessage>;

/// The parser's state: the bracket matching of the pre-pass, for recovery.
pub(super) type State = SimpleState<Partners>;

/// Parser extras: rich errors, the [`State`], and the [`Ctx`] flag.
pub(super) type Extra<'a> = extra::Full<ParseError<'a>, State, Ctx>;

/// A boxed rule: what every grammar function returns.
pub(super) type PBox<'a, O> = Boxed<'a, 'a, TokenInput<'a>, O, Extra<'a>>;

/// Context threaded through the expression grammar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Ctx {
    /// Struct literals (and struct patterns) are not allowed here because a block follows:
    /// the condition of `if`/`while`, the scrutinee of `match`, the iterable of `for`.
    pub no_struct: bool,
}

impl Ctx {
    /// The context inside a delimited group, where struct literals are allowed again.
    pub const OPEN: Ctx = Ctx { no_struct: false };
    /// The context of an expression that a block follows.
    pub const BEFORE_BLOCK: Ctx = Ctx { no_struct: true };
}

impl chumsky::span::Span for Span {
    type Context = FileId;
    type Offset = usize;

    fn new(context: FileId, range: std::ops::Range<usize>) -> Span {
        Span::new(context, range.start, range.end)
    }

    fn context(&self) -> FileId {
        self.file
    }

    fn start(&self) -> usize {
        self.start as usize
    }

    fn end(&self) -> usize {
        self.end as usize
    }
}

fn split(t: &Spanned) -> (&Token, &Span) {
    (&t.0, &t.1)
}

/// Wraps a token slice as parser input; `eoi` is the empty span at the end of the file.
pub(super) fn token_input(tokens: &[Spanned], eoi: Span) -> TokenInput<'_> {
    tokens.map(eoi, split as fn(&Spanned) -> (&Token, &Span))
}

/// Contextual words: identifiers with a meaning in one position only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Word {
    Mut,
    SelfValue,
    Test,
    Timeout,
}

impl Word {
    fn text(self) -> &'static str {
        match self {
            Word::Mut => "mut",
            Word::SelfValue => "self",
            Word::Test => "test",
            Word::Timeout => "timeout",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Word::Mut => "`mut`",
            Word::SelfValue => "`self`",
            Word::Test => "`test`",
            Word::Timeout => "`timeout`",
        }
    }
}

/// Labels of rules, shown in "expected ..." messages.
pub(super) mod label {
    pub const EXPRESSION: &str = "expression";
    pub const TYPE: &str = "type";
    pub const PATTERN: &str = "pattern";
    pub const IDENTIFIER: &str = "identifier";
    pub const OPERATOR: &str = "operator";
    pub const STATEMENT: &str = "statement";
    pub const ITEM: &str = "item";
    pub const METHOD: &str = "method";
    pub const LITERAL: &str = "literal";
    pub const MEMBER: &str = "field or method name";
    pub const MODULE_PATH: &str = "module path string";
}

/// One punctuation token.
pub(super) fn punct<'a>(p: Punct) -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    just(Token::Punct(p)).ignored()
}

/// One keyword.
pub(super) fn kw<'a>(k: Kw) -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    just(Token::Kw(k)).ignored()
}

/// A keyword, returning its span.
pub(super) fn kw_span<'a>(k: Kw) -> impl Parser<'a, TokenInput<'a>, Span, Extra<'a>> + Clone {
    just(Token::Kw(k)).map_with(|_, e| e.span())
}

/// An identifier (not a keyword).
pub(super) fn ident<'a>() -> impl Parser<'a, TokenInput<'a>, Ident, Extra<'a>> + Clone {
    select_ref! { Token::Ident(name) = e => Ident::new(name.clone(), e.span()) }
        .labelled(label::IDENTIFIER)
}

/// The name in a function declaration: an identifier or a keyword, so that methods such
/// as `Task.spawn` and `Promise.await` can be declared (they are called after a `.`).
pub(super) fn fn_name<'a>() -> impl Parser<'a, TokenInput<'a>, Ident, Extra<'a>> + Clone {
    select_ref! {
        Token::Ident(name) = e => Ident::new(name.clone(), e.span()),
        Token::Kw(k) = e => Ident::new(k.as_str(), e.span()),
    }
    .labelled(label::IDENTIFIER)
}

/// A contextual word such as `mut` or `timeout`, returning its span.
pub(super) fn word<'a>(w: Word) -> impl Parser<'a, TokenInput<'a>, Span, Extra<'a>> + Clone {
    select_ref! { Token::Ident(name) = e if name == w.text() => e.span() }.labelled(w.label())
}

/// `;`, written or inserted at a newline.
pub(super) fn semi<'a>() -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    punct(Punct::Semi)
}

/// SEP: one or more of `,` / `;` (written or inserted).
pub(super) fn sep<'a>() -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    one_of([Token::Punct(Punct::Comma), Token::Punct(Punct::Semi)])
        .ignored()
        .repeated()
        .at_least(1)
}

/// Succeeds without consuming when `p` would succeed here. Unlike `p.rewind()`, a failure
/// is recorded like any other (no fresh error is started), which keeps lookahead cheap.
pub(super) fn lookahead<'a, O: 'a>(
    p: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    empty().and_is(p)
}

/// Succeeds without consuming when the next token is `p` (under any parser context).
pub(super) fn before<'a, E>(p: Punct) -> impl Parser<'a, TokenInput<'a>, (), E> + Clone
where
    E: ParserExtra<'a, TokenInput<'a>, Error = ParseError<'a>>,
{
    empty().and_is(just(Token::Punct(p)))
}

/// Succeeds without consuming when the next token is `p`; when it is not, `p` is not added
/// to the "expected" list (for guards in front of guesses).
pub(super) fn quietly_before<'a>(
    p: Punct,
) -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    lookahead(select_ref! { Token::Punct(q) if *q == p => () })
}

/// A `<` that may open type arguments followed by one of `next` (by the pre-pass's
/// matching of `<` and `>`, see `delimiters::Partners::after_angle`); consumes nothing.
/// Guards the guesses at generic arguments in expressions, which would otherwise parse
/// every `<` of a long chain to its end.
pub(super) fn type_args_before<'a>(
    next: &'static [Punct],
) -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    custom(
        move |inp: &mut InputRef<'a, '_, TokenInput<'a>, Extra<'a>>| {
            let index = token_index(inp);
            let follows = match inp.state().0.after_angle(index) {
                Some(Token::Punct(p)) => next.contains(p),
                _ => false,
            };
            if follows && inp.peek_ref() == Some(&Token::Punct(Punct::Lt)) {
                Ok(())
            } else {
                Err(silent_failure(inp))
            }
        },
    )
}

/// True when a written (non-empty) `;` follows; consumes nothing.
pub(super) fn written_semi_follows<'a>() -> impl Parser<'a, TokenInput<'a>, bool, Extra<'a>> + Clone
{
    let written = select_ref! { Token::Punct(Punct::Semi) = e => !Span::is_empty(e.span()) };
    lookahead(written.filter(|written| *written))
        .or_not()
        .map(|w| w.is_some())
}

/// The index of the next token in the token slice.
pub(super) fn token_index<'a, E>(inp: &InputRef<'a, '_, TokenInput<'a>, E>) -> usize
where
    E: ParserExtra<'a, TokenInput<'a>>,
{
    inp.cursor().inner().0
}

/// The next token (`None` at the end of the input) and its span; consumes nothing.
pub(super) fn peek_token<'a>(
) -> impl Parser<'a, TokenInput<'a>, (Option<&'a Token>, Span), Extra<'a>> + Clone {
    custom(|inp| {
        let start = inp.save();
        let token = inp.next_ref();
        let span = inp.span_since(start.cursor());
        inp.rewind(start);
        Ok((token, span))
    })
}

/// Runs `p` only if it would succeed; when it would not, nothing it expected is reported.
/// For guesses such as reading `a < b` as the start of `a<b>(...)`: a failed guess must not
/// add `,` or `>` to the "expected" list of a real error at the same token.
pub(super) fn speculative<'a, O: 'a>(
    p: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone {
    p.clone().not().not().ignore_then(p)
}

/// An error that adds nothing to the "expected" list of the position it is merged into.
fn silent_error<'a>(found: Option<MaybeRef<'a, Token>>, span: Span) -> ParseError<'a> {
    <ParseError<'a> as LabelError<'a, TokenInput<'a>, RichPattern<'a, Token>>>::expected_found(
        [],
        found,
        span,
    )
}

/// A failure at the next token that adds nothing to the "expected" list there.
pub(super) fn silent_failure<'a, E>(inp: &mut InputRef<'a, '_, TokenInput<'a>, E>) -> ParseError<'a>
where
    E: ParserExtra<'a, TokenInput<'a>, Error = ParseError<'a>>,
{
    let start = inp.save();
    let found = inp.next_maybe();
    let span = inp.span_since(start.cursor());
    inp.rewind(start);
    silent_error(found, span)
}

/// Succeeds (consuming nothing) only where struct literals are allowed.
pub(super) fn structs_allowed<'a>() -> impl Parser<'a, TokenInput<'a>, (), Extra<'a>> + Clone {
    custom(|inp: &mut InputRef<'a, '_, TokenInput<'a>, Extra<'a>>| {
        if inp.ctx().no_struct {
            Err(silent_failure(inp))
        } else {
            Ok(())
        }
    })
}

/// `item {"," item} [","]` — the shape of lists inside `( )` and `[ ]`, where no `;` is
/// ever inserted.
pub(super) fn comma_list<'a, O: 'a>(
    item: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, Vec<O>, Extra<'a>> + Clone {
    item.separated_by(punct(Punct::Comma))
        .allow_trailing()
        .collect()
}

/// `[SEP] [item {SEP item} [SEP]]` — the shape of lists inside `{ }`, where elements end
/// at a `,` or a newline.
pub(super) fn sep_list<'a, O: 'a>(
    item: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, Vec<O>, Extra<'a>> + Clone {
    sep()
        .or_not()
        .ignore_then(item.separated_by(sep()).allow_trailing().collect())
}

/// An AST node made of a kind and the span it covers.
pub(super) trait Node {
    type Kind;
    fn new(kind: Self::Kind, span: Span) -> Self;
}

impl Node for Expr {
    type Kind = ExprKind;
    fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

impl Node for Type {
    type Kind = TypeKind;
    fn new(kind: TypeKind, span: Span) -> Type {
        Type { kind, span }
    }
}

impl Node for Pattern {
    type Kind = PatternKind;
    fn new(kind: PatternKind, span: Span) -> Pattern {
        Pattern { kind, span }
    }
}

/// A node of what `kind` parsed, spanning every token it consumed.
pub(super) fn spanned<'a, N: Node + 'a>(
    kind: impl Parser<'a, TokenInput<'a>, N::Kind, Extra<'a>> + Clone + 'a,
) -> PBox<'a, N> {
    kind.map_with(|kind, e| N::new(kind, e.span())).boxed()
}

/// The contents of a parenthesized list, where one element without a trailing comma is
/// a grouping and anything else a tuple.
#[derive(Clone)]
pub(super) enum Group<T> {
    /// `()`
    Empty,
    /// `(x)`
    Single(T),
    /// `(x,)`, `(a, b)`
    Tuple(Vec<T>),
}

impl<T> Group<T> {
    /// The elements, however many.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Group::Empty => Vec::new(),
            Group::Single(x) => vec![x],
            Group::Tuple(xs) => xs,
        }
    }
}

/// `"(" ")"`, `"(" item ")"` or `"(" item "," [item {"," item}] [","] ")"`.
pub(super) fn paren_group<'a, T: Clone + 'a>(
    item: impl Parser<'a, TokenInput<'a>, T, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, Group<T>, Extra<'a>> + Clone {
    let rest = punct(Punct::Comma).ignore_then(comma_list(item.clone()));
    parens(item.then(rest.or_not()).or_not()).map(|group| match group {
        None => Group::Empty,
        Some((single, None)) => Group::Single(single),
        Some((first, Some(rest))) => Group::Tuple(std::iter::once(first).chain(rest).collect()),
    })
}

/// `( inner )`, with struct literals allowed inside.
pub(super) fn parens<'a, O: 'a>(
    inner: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone {
    delimited(Punct::LParen, inner, Punct::RParen)
}

/// `[ inner ]`, with struct literals allowed inside.
pub(super) fn brackets<'a, O: 'a>(
    inner: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone {
    delimited(Punct::LBracket, inner, Punct::RBracket)
}

/// `{ inner }`, with struct literals allowed inside.
pub(super) fn braces<'a, O: 'a>(
    inner: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone {
    delimited(Punct::LBrace, inner, Punct::RBrace)
}

fn delimited<'a, O: 'a>(
    open: Punct,
    inner: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
    close: Punct,
) -> impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone {
    inner
        .with_ctx(Ctx::OPEN)
        .delimited_by(punct(open), punct(close))
}

/// `< item {"," item} [","] >` — generic parameter and argument lists. `>` is always a
/// single `Gt` token (the lexer splits `>>`).
pub(super) fn angle_list<'a, O: 'a>(
    item: impl Parser<'a, TokenInput<'a>, O, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, TokenInput<'a>, Vec<O>, Extra<'a>> + Clone {
    item.separated_by(punct(Punct::Comma))
        .at_least(1)
        .allow_trailing()
        .collect()
        .delimited_by(punct(Punct::Lt), punct(Punct::Gt))
}
