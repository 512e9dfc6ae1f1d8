//! The bracket pre-pass: before parsing, check that `( )`, `[ ]` and `{ }` balance, so
//! that an unclosed or stray delimiter gets one precise diagnostic (E0007 / E0006) rather
//! than whatever the parser trips over later.
//!
//! The parser then reads a balanced copy of the tokens: each unclosed opener gets a
//! closer, with an empty span, where the pre-pass found its group to end (before the
//! closer of an enclosing group, or at the end of the file). Recovering from thousands of
//! unclosed brackets would otherwise cost time quadratic in their number, and the parser's
//! errors at those closers repeat the E0007s (they are dropped, see `report`).
use super::input::Spanned;
use crate::diagnostics::{self as diag, Diagnostic};
use crate::source::Span;
use crate::syntax::token::{Punct, Token};

/// For each token index, the index of the closing token that matches it (openers only).
/// Recovery uses it to step over a bracketed group in one move. And for each `<` that can
/// open a list of type arguments, the token after its `>`.
#[derive(Clone, Debug, Default)]
pub(super) struct Partners {
    brackets: Vec<Option<u32>>,
    after_angles: Vec<Option<Token>>,
}

impl Partners {
    /// The index of the closer matching the opener at `index`, if it is closed.
    pub fn of(&self, index: usize) -> Option<usize> {
        self.brackets
            .get(index)
            .copied()
            .flatten()
            .map(|i| i as usize)
    }

    /// For a `<` at `index` that a `>` closes with only tokens of types between them, the
    /// token after that `>` (`None` when there is none, or for any other token).
    pub fn after_angle(&self, index: usize) -> Option<&Token> {
        self.after_angles.get(index).and_then(Option::as_ref)
    }
}

/// Matches each `<` with the `>` that would close it if it opened type arguments: the
/// first `>` at its nesting with only tokens that can be part of types between (names,
/// keywords, integers, `,`, `?`, `*`, `&`, `=>`, brackets, and anything inside brackets
/// opened after the `<` but braces). Returns the token after each such `>`, by the index
/// of its `<`. A guess at generic arguments is only worth parsing when it can close and
/// the right token follows; without this check, a long run of unclosed or unfollowed `<`
/// makes the parser retry each suffix, in time quadratic in its length.
fn after_angles(tokens: &[Spanned]) -> Vec<Option<Token>> {
    let mut after = vec![None; tokens.len()];
    // Open `<`s: (index, bracket depth at it).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    for (i, (tok, _)) in tokens.iter().enumerate() {
        let inside_brackets = open.last().is_some_and(|&(_, d)| depth > d);
        match tok {
            Token::Punct(Punct::Lt) => open.push((i, depth)),
            Token::Punct(Punct::Gt) if !inside_brackets => {
                if let Some((lt, _)) = open.pop() {
                    after[lt] = tokens.get(i + 1).map(|(t, _)| t.clone());
                }
            }
            Token::Punct(Punct::LParen | Punct::LBracket) => depth += 1,
            Token::Punct(Punct::RParen | Punct::RBracket) => {
                depth = depth.saturating_sub(1);
                // A bracket that opened before a `<` closes: that `<` cannot close now.
                while open.last().is_some_and(|&(_, d)| d > depth) {
                    open.pop();
                }
            }
            Token::Punct(Punct::LBrace | Punct::RBrace) => open.clear(),
            _ if inside_brackets || may_be_in_type(tok) => {}
            _ => open.clear(),
        }
    }
    after
}

/// Can the token be part of a type (between a `<` and its `>`, outside brackets)?
fn may_be_in_type(tok: &Token) -> bool {
    match tok {
        Token::Ident(_) | Token::Kw(_) | Token::Int(..) => true,
        Token::Punct(p) => matches!(
            p,
            Punct::Comma
                | Punct::Question
                | Punct::QuestionQuestion
                | Punct::Star
                | Punct::Amp
                | Punct::FatArrow
        ),
        _ => false,
    }
}

/// E0007s reported per file: more unclosed delimiters than this say nothing new.
pub(super) const MAX_UNCLOSED_REPORTED: usize = 10;

/// The result of the bracket pre-pass: its diagnostics, the places where the parser's own
/// errors would only repeat them, the balanced tokens and the matching of brackets in them.
pub(super) struct DelimiterReport {
    pub diagnostics: Vec<Diagnostic>,
    /// The tokens with a closer added for every unclosed opener.
    pub balanced: Vec<Spanned>,
    /// The matching of brackets in `balanced`.
    pub partners: Partners,
    /// Start offsets of closing tokens already reported.
    pub reported_closers: Vec<u32>,
    /// Some delimiter is never closed: errors at the end of the file are consequences.
    pub unclosed: bool,
    /// Unclosed openers found so far.
    unclosed_count: usize,
}

/// Checks that `( )`, `[ ]` and `{ }` are balanced. An unclosed opener is E0007 (primary
/// span at the opener, a label at the end of the file or at the closer that ends its
/// enclosing group; at most [`MAX_UNCLOSED_REPORTED`] per file); a closer that matches no
/// opener is E0006.
pub(super) fn check_delimiters(tokens: &[Spanned], eoi: Span) -> DelimiterReport {
    let mut report = DelimiterReport {
        diagnostics: Vec::new(),
        balanced: Vec::with_capacity(tokens.len()),
        partners: Partners::default(),
        reported_closers: Vec::new(),
        unclosed: false,
        unclosed_count: 0,
    };
    // Open brackets: (index in `balanced`, the opener).
    let mut stack: Vec<(usize, &Spanned)> = Vec::new();
    let mut partners: Vec<Option<u32>> = Vec::with_capacity(tokens.len());
    for tok in tokens {
        let closing = match &tok.0 {
            Token::Punct(p @ (Punct::RParen | Punct::RBracket | Punct::RBrace)) => Some(*p),
            _ => None,
        };
        if let Some(p) = closing {
            let opener = Token::Punct(opener_of(p));
            match stack.iter().rposition(|(_, open)| open.0 == opener) {
                Some(depth) => {
                    while stack.len() > depth + 1 {
                        let label = (tok.1, "the enclosing group closes here");
                        report.close_unclosed(&mut stack, &mut partners, label);
                        report.reported_closers.push(tok.1.start);
                    }
                    let (open, _) = stack.pop().expect("the matching opener");
                    partners[open] = Some(report.balanced.len() as u32);
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
        } else if matches!(
            tok.0,
            Token::Punct(Punct::LParen | Punct::LBracket | Punct::LBrace)
        ) {
            stack.push((report.balanced.len(), tok));
        }
        partners.push(None);
        report.balanced.push(tok.clone());
    }
    report.unclosed = !stack.is_empty();
    while !stack.is_empty() {
        report.close_unclosed(&mut stack, &mut partners, (eoi, "the file ends here"));
    }
    report.partners = Partners {
        brackets: partners,
        after_angles: after_angles(&report.balanced),
    };
    report
}

impl DelimiterReport {
    /// Closes the innermost open bracket of `stack` with a closer of empty span at the
    /// start of `label`'s span (the enclosing group's closer, or the end of the file), and
    /// reports it with that label.
    fn close_unclosed(
        &mut self,
        stack: &mut Vec<(usize, &Spanned)>,
        partners: &mut Vec<Option<u32>>,
        (at, label): (Span, &str),
    ) {
        let Some((open_index, open)) = stack.pop() else {
            return;
        };
        self.unclosed_count += 1;
        if self.unclosed_count <= MAX_UNCLOSED_REPORTED {
            self.diagnostics.push(
                Diagnostic::error(
                    diag::E0007,
                    open.1,
                    format!("unclosed delimiter `{}`", open.0),
                )
                .with_primary_label("unclosed delimiter")
                .with_label(at, label),
            );
        }
        let closer = match open.0 {
            Token::Punct(Punct::LParen) => Punct::RParen,
            Token::Punct(Punct::LBracket) => Punct::RBracket,
            _ => Punct::RBrace,
        };
        partners[open_index] = Some(self.balanced.len() as u32);
        partners.push(None);
        self.balanced.push((Token::Punct(closer), at.start_point()));
    }
}

/// The opening bracket that `close` closes.
fn opener_of(close: Punct) -> Punct {
    match close {
        Punct::RParen => Punct::LParen,
        Punct::RBracket => Punct::LBracket,
        _ => Punct::LBrace,
    }
}
