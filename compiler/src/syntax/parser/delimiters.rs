//! The bracket pre-pass: before parsing, check that `( )`, `[ ]` and `{ }` balance, so
//! that an unclosed or stray delimiter gets one precise diagnostic (E0007 / E0006) rather
//! than whatever the parser trips over later.

use super::input::Spanned;
use crate::diagnostics::{self as diag, Diagnostic};
use crate::source::Span;
use crate::syntax::token::{Punct, Token};

/// For each token index, the index of the closing token that matches it (openers only).
/// Recovery uses it to step over a bracketed group in one move.
#[derive(Clone, Debug, Default)]
pub(super) struct Partners(Vec<Option<u32>>);

impl Partners {
    /// The index of the closer matching the opener at `index`, if it is closed.
    pub fn of(&self, index: usize) -> Option<usize> {
        self.0.get(index).copied().flatten().map(|i| i as usize)
    }
}

/// The result of the bracket pre-pass: its diagnostics, the places where the parser's own
/// errors would only repeat them, and the matching of brackets.
pub(super) struct DelimiterReport {
    pub diagnostics: Vec<Diagnostic>,
    pub partners: Partners,
    /// Start offsets of closing tokens already reported.
    pub reported_closers: Vec<u32>,
    /// Some delimiter is never closed: errors at the end of the file are consequences.
    pub unclosed: bool,
}

/// Checks that `( )`, `[ ]` and `{ }` are balanced. An unclosed opener is E0007 (primary
/// span at the opener, a label at the end of the file or at the closer that ends its
/// enclosing group); a closer that matches no opener is E0006.
pub(super) fn check_delimiters(tokens: &[Spanned], eoi: Span) -> DelimiterReport {
    let mut report = DelimiterReport {
        diagnostics: Vec::new(),
        partners: Partners(vec![None; tokens.len()]),
        reported_closers: Vec::new(),
        unclosed: false,
    };
    let unclosed = |open: &Spanned, at: Span, label: &str| {
        Diagnostic::error(
            diag::E0007,
            open.1,
            format!("unclosed delimiter `{}`", open.0),
        )
        .with_primary_label("unclosed delimiter")
        .with_label(at, label)
    };
    let mut stack: Vec<(usize, &Spanned)> = Vec::new();
    for (index, tok) in tokens.iter().enumerate() {
        let Token::Punct(p) = &tok.0 else { continue };
        match p {
            Punct::LParen | Punct::LBracket | Punct::LBrace => stack.push((index, tok)),
            Punct::RParen | Punct::RBracket | Punct::RBrace => {
                let opener = opener_of(*p);
                match stack
                    .iter()
                    .rposition(|(_, open)| open.0 == Token::Punct(opener))
                {
                    Some(depth) => {
                        for (_, open) in stack.drain(depth + 1..) {
                            report.diagnostics.push(unclosed(
                                open,
                                tok.1,
                                "the enclosing group closes here",
                            ));
                            report.reported_closers.push(tok.1.start);
                        }
                        if let Some((open, _)) = stack.pop() {
                            report.partners.0[open] = Some(index as u32);
                        }
                    }
                    None => {
                        report.diagnostics.push(
                            Diagnostic::error(
                                diag::E0006,
                                tok.1,
                                format!("unexpected closing delimiter `{}`", tok.0),
                            )
                            .with_primary_label("unexpected closing delimiter"),
                        );
                        report.reported_closers.push(tok.1.start);
                    }
                }
            }
            _ => {}
        }
    }
    report.unclosed = !stack.is_empty();
    for (_, open) in stack.into_iter().rev() {
        report
            .diagnostics
            .push(unclosed(open, eoi, "the file ends here"));
    }
    report
}

/// The opening bracket that `close` closes.
fn opener_of(close: Punct) -> Punct {
    match close {
        Punct::RParen => Punct::LParen,
        Punct::RBracket => Punct::LBracket,
        _ => Punct::LBrace,
    }
}
