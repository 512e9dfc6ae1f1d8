//! Turning chumsky's errors into [`Diagnostic`]s with rustc-like messages
//! (`expected one of `)`, `,`, found `}``), and the custom errors rules emit themselves.

use std::fmt;

use chumsky::error::{RichPattern, RichReason};

use super::input::ParseError;
use crate::diagnostics::{self as diag, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::token::{Punct, Token};

/// At most this many alternatives are listed after "expected".
const MAX_EXPECTED: usize = 6;

/// The payload of a custom parse error: its code and full message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SyntaxMessage {
    pub code: Code,
    pub text: String,
}

impl fmt::Display for SyntaxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A custom syntax error (E0006) at `span`.
pub(super) fn syntax_error<'a>(span: Span, text: impl Into<String>) -> ParseError<'a> {
    ParseError::custom(
        span,
        SyntaxMessage {
            code: diag::E0006,
            text: text.into(),
        },
    )
}

/// A construct in the wrong place (E0009) at `span`.
pub(super) fn misplaced<'a>(span: Span, text: impl Into<String>) -> ParseError<'a> {
    ParseError::custom(
        span,
        SyntaxMessage {
            code: diag::E0009,
            text: text.into(),
        },
    )
}

/// How a found token is named in messages.
pub(super) fn describe_found(found: Option<&Token>, span: Span) -> String {
    match found {
        None => "end of file".to_string(),
        Some(Token::Punct(Punct::Semi)) if span.is_empty() => "end of line".to_string(),
        Some(Token::Kw(k)) => format!("keyword `{}`", k.as_str()),
        Some(Token::InterpStart) => "interpolated string".to_string(),
        Some(Token::StrPart(_)) => "string text".to_string(),
        Some(Token::HoleStart) => "`{`".to_string(),
        Some(Token::HoleEnd) => "`}`".to_string(),
        Some(tok) => format!("`{tok}`"),
    }
}

/// How an expected pattern is named; `None` for patterns that say nothing useful.
fn describe_expected(pattern: &RichPattern<'_, Token>) -> Option<String> {
    match pattern {
        RichPattern::Token(tok) => Some(format!("`{}`", &**tok)),
        RichPattern::Label(l) => Some(l.to_string()),
        RichPattern::Identifier(s) => Some(format!("`{s}`")),
        RichPattern::EndOfInput => Some("end of file".to_string()),
        _ => None,
    }
}

/// The "expected" alternatives of an error: tokens first, then rule labels, then the end
/// of the file; duplicates removed and the list cut to [`MAX_EXPECTED`].
fn expected_list<'a>(patterns: impl Iterator<Item = &'a RichPattern<'a, Token>>) -> Vec<String> {
    let rank = |p: &RichPattern<'_, Token>| match p {
        RichPattern::Token(_) | RichPattern::Identifier(_) => 0,
        RichPattern::Label(_) => 1,
        _ => 2,
    };
    let mut ranked: Vec<(u8, String)> = Vec::new();
    for p in patterns {
        if let Some(text) = describe_expected(p) {
            if !ranked.iter().any(|(_, t)| *t == text) {
                ranked.push((rank(p), text));
            }
        }
    }
    ranked.sort_by_key(|(r, _)| *r);
    ranked.truncate(MAX_EXPECTED);
    ranked.into_iter().map(|(_, t)| t).collect()
}

/// The message for an "expected X, found Y" error.
fn expected_found_message(expected: &[String], found: &str) -> String {
    match expected {
        [] => format!("unexpected {found}"),
        [one] => format!("expected {one}, found {found}"),
        many => format!("expected one of {}, found {found}", many.join(", ")),
    }
}

/// Converts one parse error into a diagnostic.
pub(super) fn to_diagnostic(err: &ParseError<'_>) -> Diagnostic {
    let span = *err.span();
    match err.reason() {
        RichReason::Custom(msg) => Diagnostic::error(msg.code, span, msg.text.clone()),
        RichReason::ExpectedFound { expected, found } => {
            let found = describe_found(found.as_deref(), span);
            let expected = expected_list(expected.iter());
            let label = match expected.as_slice() {
                [] => format!("unexpected {found}"),
                [one] => format!("expected {one}"),
                many => format!("expected one of {}", many.join(", ")),
            };
            Diagnostic::error(diag::E0006, span, expected_found_message(&expected, &found))
                .with_primary_label(label)
        }
    }
}
