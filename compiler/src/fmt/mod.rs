//! `weft fmt`: the one canonical layout of Weft source (gofmt's idea: no options).
//!
//! The formatter works on the token stream, not on a printed syntax tree: it keeps every
//! token (and so every literal as written) and every comment, keeps the line breaks that
//! decide where `;` is inserted, and recomputes all other whitespace ([`layout`] has the
//! rules). Formatting is idempotent (the output is its own layout) and never changes the
//! program: before returning, [`format_source`] checks that the output lexes to the same
//! tokens (newline `;`s included) and comments, and parses to the same syntax tree (spans
//! aside), and otherwise reports an internal error and leaves the file alone. A file with
//! lexical or syntax errors is not formatted; its diagnostics are returned instead.

pub mod layout;
mod marks;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::FileId;
use crate::syntax::token::Token;
use crate::syntax::{lexer, parser};

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file does not lex or parse: its diagnostics.
    Syntax(Vec<Diagnostic>),
    /// The layout would have changed the program (a formatter bug): what differs.
    Internal(String),
}

/// Formats the source text of file `file` (the id only labels the diagnostics).
pub fn format_source(file: FileId, text: &str) -> Result<String, FormatError> {
    let mut diags = Diagnostics::new();
    let tokens = lexer::lex(file, text, &mut diags);
    if diags.has_errors() {
        return Err(FormatError::Syntax(diags.into_vec()));
    }
    let module = parser::parse_tokens(file, &tokens, text.len(), &mut diags);
    if diags.has_errors() {
        return Err(FormatError::Syntax(diags.into_vec()));
    }
    let marks = marks::marks(&module, &tokens);
    let out = layout::layout(text, &tokens, &marks);
    verify(file, text, &tokens, &module, &out)?;
    Ok(out)
}

/// Checks that `out` is the same program as `text`: the same tokens, the same comments
/// and the same syntax tree.
fn verify(
    file: FileId,
    text: &str,
    tokens: &[(Token, crate::source::Span)],
    module: &crate::syntax::ast::Module,
    out: &str,
) -> Result<(), FormatError> {
    let mut diags = Diagnostics::new();
    let new_tokens = lexer::lex(file, out, &mut diags);
    let kinds = |ts: &[(Token, crate::source::Span)]| -> Vec<(Token, bool)> {
        ts.iter().map(|(t, s)| (t.clone(), s.is_empty())).collect()
    };
    if diags.has_errors() || kinds(tokens) != kinds(&new_tokens) {
        return Err(FormatError::Internal(
            "the layout changed the tokens".into(),
        ));
    }
    if comments(text, tokens) != comments(out, &new_tokens) {
        return Err(FormatError::Internal(
            "the layout changed the comments".into(),
        ));
    }
    let new_module = parser::parse_tokens(file, &new_tokens, out.len(), &mut diags);
    if diags.has_errors() || without_spans(module) != without_spans(&new_module) {
        return Err(FormatError::Internal(
            "the layout changed the syntax tree".into(),
        ));
    }
    Ok(())
}

/// The comments between the tokens, in order, without trailing whitespace.
fn comments(text: &str, tokens: &[(Token, crate::source::Span)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pos = 0;
    let ends = tokens
        .iter()
        .map(|(_, s)| (s.start as usize, s.end as usize))
        .chain(std::iter::once((text.len(), text.len())));
    for (start, end) in ends {
        if start >= pos {
            let gap = &text[pos..start];
            let mut rest = gap;
            while let Some(i) = rest.find("/") {
                let tail = &rest[i..];
                if tail.starts_with("//") {
                    let line = tail.split('\n').next().unwrap_or("");
                    out.push(line.trim_end().to_string());
                    rest = &tail[line.len()..];
                } else if tail.starts_with("/*") {
                    let len = block_comment_len(tail);
                    out.push(tail[..len].to_string());
                    rest = &tail[len..];
                } else {
                    rest = &tail[1..];
                }
            }
        }
        pos = pos.max(end);
    }
    out
}

/// The length of the (nested) block comment at the start of `s`.
fn block_comment_len(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut depth) = (0, 0);
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// The syntax tree's debug text with every span left out: two trees with equal texts are
/// the same program.
pub fn without_spans(module: &crate::syntax::ast::Module) -> String {
    let text = format!("{module:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let close = tail.find('}').map_or(tail.len(), |j| j + 1);
        rest = &tail[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
