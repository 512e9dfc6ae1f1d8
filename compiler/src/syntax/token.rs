//! Tokens produced by the lexer and consumed by the parser.
//!
//! Interpolated strings `$"a {x} b"` are lexed into a token sequence the parser reads like
//! any other construct: `InterpStart`, then `StrPart("a ")`, `HoleStart`, the tokens of `x`,
//! `HoleEnd`, `StrPart(" b")`, and finally `InterpEnd`.
//!
//! A `;` inserted at a newline (Go's rule) is an ordinary `Punct::Semi` token whose span is
//! empty: it sits at the end of the line's last token.

use std::fmt;

/// Integer literal suffixes (`42i32`, `7u8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntSuffix {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl IntSuffix {
    pub fn parse(s: &str) -> Option<IntSuffix> {
        Some(match s {
            "i8" => IntSuffix::I8,
            "i16" => IntSuffix::I16,
            "i32" => IntSuffix::I32,
            "i64" => IntSuffix::I64,
            "u8" => IntSuffix::U8,
            "u16" => IntSuffix::U16,
            "u32" => IntSuffix::U32,
            "u64" => IntSuffix::U64,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IntSuffix::I8 => "i8",
            IntSuffix::I16 => "i16",
            IntSuffix::I32 => "i32",
            IntSuffix::I64 => "i64",
            IntSuffix::U8 => "u8",
            IntSuffix::U16 => "u16",
            IntSuffix::U32 => "u32",
            IntSuffix::U64 => "u64",
        }
    }
}

/// Float literal suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatSuffix {
    F32,
    F64,
}

/// Keywords of docs/reference.md section 1.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kw {
    Fn,
    Let,
    Var,
    If,
    Else,
    While,
    For,
    In,
    Loop,
    Return,
    Break,
    Continue,
    Struct,
    Enum,
    Impl,
    Match,
    True,
    False,
    As,
    Unsafe,
    Move,
    From,
    Import,
    Pub,
    Par,
    With,
    Resource,
    Select,
    Case,
    Default,
    Spawn,
    Concurrent,
    Blocking,
    Gen,
    Yield,
    Async,
    Await,
    Defer,
    Errdefer,
    Try,
    Extern,
}

impl Kw {
    pub const ALL: &'static [Kw] = &[
        Kw::Fn,
        Kw::Let,
        Kw::Var,
        Kw::If,
        Kw::Else,
        Kw::While,
        Kw::For,
        Kw::In,
        Kw::Loop,
        Kw::Return,
        Kw::Break,
        Kw::Continue,
        Kw::Struct,
        Kw::Enum,
        Kw::Impl,
        Kw::Match,
        Kw::True,
        Kw::False,
        Kw::As,
        Kw::Unsafe,
        Kw::Move,
        Kw::From,
        Kw::Import,
        Kw::Pub,
        Kw::Par,
        Kw::With,
        Kw::Resource,
        Kw::Select,
        Kw::Case,
        Kw::Default,
        Kw::Spawn,
        Kw::Concurrent,
        Kw::Blocking,
        Kw::Gen,
        Kw::Yield,
        Kw::Async,
        Kw::Await,
        Kw::Defer,
        Kw::Errdefer,
        Kw::Try,
        Kw::Extern,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kw::Fn => "fn",
            Kw::Let => "let",
            Kw::Var => "var",
            Kw::If => "if",
            Kw::Else => "else",
            Kw::While => "while",
            Kw::For => "for",
            Kw::In => "in",
            Kw::Loop => "loop",
            Kw::Return => "return",
            Kw::Break => "break",
            Kw::Continue => "continue",
            Kw::Struct => "struct",
            Kw::Enum => "enum",
            Kw::Impl => "impl",
            Kw::Match => "match",
            Kw::True => "true",
            Kw::False => "false",
            Kw::As => "as",
            Kw::Unsafe => "unsafe",
            Kw::Move => "move",
            Kw::From => "from",
            Kw::Import => "import",
            Kw::Pub => "pub",
            Kw::Par => "par",
            Kw::With => "with",
            Kw::Resource => "resource",
            Kw::Select => "select",
            Kw::Case => "case",
            Kw::Default => "default",
            Kw::Spawn => "spawn",
            Kw::Concurrent => "concurrent",
            Kw::Blocking => "blocking",
            Kw::Gen => "gen",
            Kw::Yield => "yield",
            Kw::Async => "async",
            Kw::Await => "await",
            Kw::Defer => "defer",
            Kw::Errdefer => "errdefer",
            Kw::Try => "try",
            Kw::Extern => "extern",
        }
    }

    pub fn from_ident(s: &str) -> Option<Kw> {
        Kw::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Punctuation and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Punct {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Colon,
    Dot,
    DotDot,
    DotDotEq,
    Arrow,    // ->
    FatArrow, // =>
    At,
    Question,
    QuestionQuestion,
    Bang,
    Tilde,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Amp,
    AmpAmp,
    Pipe,
    PipePipe,
    Caret,
    Shl,
    /// `>` — `>>` is two adjacent `Gt` tokens, so that `Vec<Vec<i64>>` closes two lists;
    /// the parser joins adjacent `>` `>` into a right shift.
    Gt,
    Lt,
    Le,
    Ge,
    EqEq,
    Ne,
    Eq,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    AmpEq,
    PipeEq,
    CaretEq,
    ShlEq,
    ShrEq,
}

impl Punct {
    pub fn as_str(self) -> &'static str {
        match self {
            Punct::LParen => "(",
            Punct::RParen => ")",
            Punct::LBracket => "[",
            Punct::RBracket => "]",
            Punct::LBrace => "{",
            Punct::RBrace => "}",
            Punct::Comma => ",",
            Punct::Semi => ";",
            Punct::Colon => ":",
            Punct::Dot => ".",
            Punct::DotDot => "..",
            Punct::DotDotEq => "..=",
            Punct::Arrow => "->",
            Punct::FatArrow => "=>",
            Punct::At => "@",
            Punct::Question => "?",
            Punct::QuestionQuestion => "??",
            Punct::Bang => "!",
            Punct::Tilde => "~",
            Punct::Plus => "+",
            Punct::Minus => "-",
            Punct::Star => "*",
            Punct::Slash => "/",
            Punct::Percent => "%",
            Punct::Amp => "&",
            Punct::AmpAmp => "&&",
            Punct::Pipe => "|",
            Punct::PipePipe => "||",
            Punct::Caret => "^",
            Punct::Shl => "<<",
            Punct::Gt => ">",
            Punct::Lt => "<",
            Punct::Le => "<=",
            Punct::Ge => ">=",
            Punct::EqEq => "==",
            Punct::Ne => "!=",
            Punct::Eq => "=",
            Punct::PlusEq => "+=",
            Punct::MinusEq => "-=",
            Punct::StarEq => "*=",
            Punct::SlashEq => "/=",
            Punct::PercentEq => "%=",
            Punct::AmpEq => "&=",
            Punct::PipeEq => "|=",
            Punct::CaretEq => "^=",
            Punct::ShlEq => "<<=",
            Punct::ShrEq => ">>=",
        }
    }
}

/// One token. Literal values are already decoded (escapes resolved, numbers parsed).
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Ident(String),
    Kw(Kw),
    /// An integer literal: its value (at most `u64::MAX`) and optional suffix.
    Int(u64, Option<IntSuffix>),
    Float(f64, Option<FloatSuffix>),
    Str(String),
    /// A byte literal `'a'`.
    Byte(u8),
    Punct(Punct),
    /// `$"` — start of an interpolated string.
    InterpStart,
    /// Literal text inside an interpolated string (escapes and `{{`/`}}` resolved).
    StrPart(String),
    /// `{` opening an interpolation hole.
    HoleStart,
    /// `}` closing an interpolation hole.
    HoleEnd,
    /// Closing `"` of an interpolated string.
    InterpEnd,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "{s}"),
            Token::Kw(k) => write!(f, "{}", k.as_str()),
            Token::Int(v, s) => write!(f, "{v}{}", s.map(|s| s.as_str()).unwrap_or("")),
            Token::Float(v, _) => write!(f, "{v}"),
            Token::Str(s) => write!(f, "{s:?}"),
            Token::Byte(b) => write!(f, "'{}'", (*b as char).escape_default()),
            Token::Punct(p) => write!(f, "{}", p.as_str()),
            Token::InterpStart => write!(f, "$\""),
            Token::StrPart(s) => write!(f, "{s:?}"),
            Token::HoleStart => write!(f, "{{"),
            Token::HoleEnd => write!(f, "}}"),
            Token::InterpEnd => write!(f, "\""),
        }
    }
}
