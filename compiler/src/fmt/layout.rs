//! The layout: the file's tokens written again with canonical whitespace.
//!
//! Line breaks stay where they are (apart from blank lines, below): a newline decides
//! where `;` is inserted (docs/reference.md section 1.3), so moving one could change the
//! program; keeping them is also what gofmt does with the breaks inside statements. All
//! the rest is recomputed:
//! - indentation: four spaces per open bracket line: the contents of a `{`, `(`, `[` or
//!   generic `<` opened on a line are indented one level past that line, and a line that
//!   starts with the closer goes back to it; a line that continues the previous one's
//!   statement or expression (no `;` between them, and the previous line does not end in
//!   an opener, `,` or `;`) is indented one more level;
//! - spaces inside a line: one around binary operators, `=`, `=>` and keywords, one after
//!   `,`, `;` and `:`, one inside `{ }`; none inside `( )` and `[ ]`, around `.`, `..`
//!   and generic brackets, after unary operators and `@`, before postfix `!` and `?`, and
//!   between a callee and its `(` or an indexed value and its `[`;
//! - blank lines: runs of blank lines become one; none at the start or end of the file,
//!   after a line that ends with an opener, or before a line that starts with a closer;
//! - comments keep their place: a comment on a line of its own is indented as the line
//!   after it, a trailing comment follows its code after one space, and the trailing
//!   comments of consecutive lines with the same indentation are aligned (gofmt's
//!   columns). Their text is kept, less trailing whitespace.
//!
//! Literals (strings with their escapes, numbers as written, interpolated strings with
//! their holes) are copied from the source unchanged.

use super::marks::Marks;
use crate::diagnostics::Diagnostics;
use crate::source::{FileId, Span};
use crate::syntax::lexer;
use crate::syntax::token::{Kw, Punct, Token};

/// Spaces per indentation level.
pub const INDENT: usize = 4;

/// What a token does for spacing, beyond its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Plain,
    /// `<` / `>` of a generic list.
    GenOpen,
    GenClose,
    /// A prefix `-`, `*`, `&`, `&&`, `!` or `~`.
    Unary,
    /// A postfix `!` (unwrap).
    Postfix,
    /// A keyword used as a name (`p.await()`, `fn spawn`).
    Name,
    /// A contextual keyword that is not an operand (`mut` after `&`).
    Word,
}

/// One unit of layout: a token, or a whole interpolated string.
struct Atom<'a> {
    tok: Token,
    start: usize,
    end: usize,
    text: &'a str,
    /// A newline `;` was inserted between the previous atom and this one.
    semi_before: bool,
    role: Role,
}

impl Atom<'_> {
    fn punct(&self) -> Option<Punct> {
        match self.tok {
            Token::Punct(p) => Some(p),
            _ => None,
        }
    }

    fn is(&self, p: Punct) -> bool {
        self.punct() == Some(p)
    }

    fn is_opener(&self) -> bool {
        matches!(
            self.punct(),
            Some(Punct::LParen | Punct::LBracket | Punct::LBrace)
        ) || self.role == Role::GenOpen
    }

    fn is_closer(&self) -> bool {
        matches!(
            self.punct(),
            Some(Punct::RParen | Punct::RBracket | Punct::RBrace)
        ) || self.role == Role::GenClose
    }

    /// Does the atom end an operand (so that a following `-` is binary, a `(` a call)?
    fn ends_operand(&self) -> bool {
        match &self.tok {
            Token::Ident(_) => self.role != Role::Word,
            Token::Int(..)
            | Token::Float(..)
            | Token::Str(_)
            | Token::Byte(_)
            | Token::InterpStart
            | Token::Kw(Kw::True | Kw::False) => true,
            Token::Kw(_) => self.role == Role::Name,
            Token::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace | Punct::Question) => true,
            Token::Punct(Punct::Gt) => self.role == Role::GenClose,
            Token::Punct(Punct::Bang | Punct::QuestionQuestion) => self.role == Role::Postfix,
            _ => false,
        }
    }

    /// A callee or indexed value directly before `(` / `[` (a `}` is not: a block).
    fn is_callee(&self) -> bool {
        self.ends_operand() && !self.is(Punct::RBrace)
    }
}

/// Splits the tokens into atoms (an interpolated string is one) and gives each its role.
fn atoms<'a>(src: &'a str, toks: &[(Token, Span)], marks: &Marks) -> Vec<Atom<'a>> {
    let mut out: Vec<Atom<'a>> = Vec::new();
    let mut semi = false;
    let mut i = 0;
    while i < toks.len() {
        let (tok, span) = &toks[i];
        if *tok == Token::Punct(Punct::Semi) && span.is_empty() {
            semi = true;
            i += 1;
            continue;
        }
        let start = span.start as usize;
        let mut end = span.end as usize;
        if *tok == Token::InterpStart {
            // The whole string, holes (and strings nested in them) included.
            let mut depth = 0;
            while i < toks.len() {
                match toks[i].0 {
                    Token::InterpStart => depth += 1,
                    Token::InterpEnd => depth -= 1,
                    _ => {}
                }
                end = end.max(toks[i].1.end as usize);
                if depth == 0 {
                    break;
                }
                i += 1;
            }
        }
        let prev = out.last();
        let prev_ends_operand = !semi && prev.is_some_and(Atom::ends_operand);
        let role = match tok {
            Token::Punct(Punct::Lt | Punct::Gt) if marks.generic.contains(&span.start) => {
                if *tok == Token::Punct(Punct::Lt) {
                    Role::GenOpen
                } else {
                    Role::GenClose
                }
            }
            Token::Kw(_)
                if prev.is_some_and(|p| p.is(Punct::Dot) || p.tok == Token::Kw(Kw::Fn)) =>
            {
                Role::Name
            }
            Token::Punct(Punct::Bang) if prev_ends_operand => Role::Postfix,
            Token::Punct(Punct::Question | Punct::QuestionQuestion)
                if marks.type_postfix.contains(&span.start) =>
            {
                Role::Postfix
            }
            // `&mut x`, `&mut [T; N]`: a word, not an operand.
            Token::Ident(w) if w == "mut" && prev.is_some_and(|p| p.role == Role::Unary) => {
                Role::Word
            }
            Token::Punct(
                Punct::Bang
                | Punct::Minus
                | Punct::Star
                | Punct::Amp
                | Punct::AmpAmp
                | Punct::Tilde,
            ) if !prev_ends_operand => Role::Unary,
            _ => Role::Plain,
        };
        out.push(Atom {
            tok: tok.clone(),
            start,
            end,
            text: &src[start..end],
            semi_before: std::mem::take(&mut semi),
            role,
        });
        i += 1;
    }
    out
}

/// Whether one space separates `p` and `t` on a line (the rules of the module docs).
fn needs_space(p: &Atom, t: &Atom) -> bool {
    use Punct::*;
    let pp = p.punct();
    let tp = t.punct();
    if pp == Some(Gt) && tp == Some(Gt) && p.role == Role::Plain && t.role == Role::Plain {
        // `>>`: the parser reads two adjacent `>` as a shift.
        return false;
    }
    if matches!(tp, Some(RParen | RBracket)) {
        return false;
    }
    if tp == Some(RBrace) {
        return pp != Some(LBrace);
    }
    if matches!(tp, Some(Comma | Semi)) || matches!(pp, Some(LParen | LBracket)) {
        return false;
    }
    if matches!(pp, Some(Comma | Semi | Colon | LBrace)) {
        return true;
    }
    if matches!(tp, Some(Dot | Colon | Question)) || matches!(pp, Some(Dot | At)) {
        return false;
    }
    if t.role == Role::GenOpen || t.role == Role::GenClose || p.role == Role::GenOpen {
        return false;
    }
    if matches!(tp, Some(DotDot | DotDotEq)) || matches!(pp, Some(DotDot | DotDotEq)) {
        return false;
    }
    if t.role == Role::Postfix || p.role == Role::Unary {
        return false;
    }
    match tp {
        Some(LParen | LBracket) => !p.is_callee(),
        _ => true,
    }
}

/// Would `a` and `b` written without a space between them lex as other tokens (`&` `&`
/// as `&&`, `5` `.` as a float)?
fn would_fuse(a: &Atom, b: &Atom) -> bool {
    if a.tok == Token::InterpStart || b.tok == Token::InterpStart {
        return false;
    }
    let joined = format!("{}{}", a.text, b.text);
    let mut diags = Diagnostics::new();
    let toks: Vec<Token> = lexer::lex(FileId(0), &joined, &mut diags)
        .into_iter()
        .filter(|(t, s)| !(*t == Token::Punct(Punct::Semi) && s.is_empty()))
        .map(|(t, _)| t)
        .collect();
    diags.has_errors() || toks != [a.tok.clone(), b.tok.clone()]
}

/// A piece of the text between two tokens.
enum Gap<'a> {
    /// Whitespace containing this many newlines.
    Newlines(usize),
    /// A comment (`//` to the end of its line, or a block comment, nested ones included).
    Comment { text: &'a str, block: bool },
}

/// Splits the text between two tokens (whitespace and comments only).
fn gap_items(gap: &str) -> Vec<Gap<'_>> {
    let bytes = gap.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut newlines = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let end = gap[i..].find('\n').map_or(gap.len(), |n| i + n);
            out.push(Gap::Newlines(std::mem::take(&mut newlines)));
            out.push(Gap::Comment {
                text: &gap[i..end],
                block: false,
            });
            i = end;
        } else if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let start = i;
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(Gap::Newlines(std::mem::take(&mut newlines)));
            out.push(Gap::Comment {
                text: &gap[start..i],
                block: true,
            });
        } else {
            if bytes[i] == b'\n' {
                newlines += 1;
            }
            i += 1;
        }
    }
    out.push(Gap::Newlines(newlines));
    out
}

/// One output line.
struct Line {
    indent: usize,
    code: String,
    /// A trailing `//` comment.
    comment: Option<String>,
    /// The code holds a token or comment that spans lines.
    multiline: bool,
    /// The line ends with an opening bracket.
    ends_open: bool,
}

/// The printer's state.
struct Printer<'a> {
    /// Finished lines; `None` is a blank line.
    lines: Vec<Option<Line>>,
    cur: Option<Line>,
    /// For each open bracket, the indentation of the line it was opened on.
    open: Vec<usize>,
    prev: Option<Atom<'a>>,
}

impl<'a> Printer<'a> {
    fn finish_line(&mut self) {
        if let Some(line) = self.cur.take() {
            self.lines.push(Some(line));
        }
    }

    /// A blank line, unless at the start of the file, after another blank line or after
    /// a line that ends with an opener.
    fn blank(&mut self) {
        if let Some(Some(last)) = self.lines.last() {
            if !last.ends_open {
                self.lines.push(None);
            }
        }
    }

    fn start_line(&mut self, indent: usize, code: &str) {
        self.finish_line();
        self.cur = Some(Line {
            indent,
            code: code.to_string(),
            comment: None,
            multiline: code.contains('\n'),
            ends_open: false,
        });
    }

    /// The indentation of a line starting with `next` (the end of the file when None); a
    /// comment line before a closer is indented as the closer's contents.
    fn indent_for(&self, next: Option<&Atom>, comment: bool) -> usize {
        let top = self.open.last().copied();
        let Some(t) = next else {
            return top.map_or(0, |i| i + 1);
        };
        if t.is_closer() {
            return top.map_or(0, |i| i + usize::from(comment));
        }
        let base = top.map_or(0, |i| i + 1);
        let continues = self.prev.as_ref().is_some_and(|p| {
            !t.semi_before
                && !p.is_opener()
                && !p.is(Punct::Comma)
                && !p.is(Punct::Semi)
                && t.tok != Token::Kw(Kw::Else)
        });
        base + usize::from(continues)
    }

    /// Lays out the whitespace and comments before `next` (None: the end of the file).
    /// Returns whether `next` starts a line, and whether a blank line goes before it.
    fn gap(&mut self, gap: &str, next: Option<&Atom>) -> (bool, bool) {
        let mut at_line_start = self.cur.is_none();
        let mut blank = false;
        for item in gap_items(gap) {
            match item {
                Gap::Newlines(n) => {
                    if n > 0 {
                        self.finish_line();
                        at_line_start = true;
                    }
                    blank |= n > 1;
                }
                Gap::Comment { text, block } => {
                    if !at_line_start {
                        let Some(line) = self.cur.as_mut() else {
                            continue;
                        };
                        if block {
                            if !line.code.ends_with(['(', '[']) {
                                line.code.push(' ');
                            }
                            line.code.push_str(text);
                            line.multiline |= text.contains('\n');
                        } else {
                            line.comment = Some(text.trim_end().to_string());
                        }
                        continue;
                    }
                    if std::mem::take(&mut blank) {
                        self.blank();
                    }
                    let indent = self.indent_for(next, true);
                    if block {
                        self.start_line(indent, text);
                        at_line_start = false;
                    } else {
                        self.start_line(indent, text.trim_end());
                        self.finish_line();
                    }
                }
            }
        }
        (at_line_start, blank)
    }

    fn atom(&mut self, a: Atom<'a>, gap: &str) {
        let (line_start, blank) = self.gap(gap, Some(&a));
        if line_start {
            if blank && !a.is_closer() {
                self.blank();
            }
            let indent = self.indent_for(Some(&a), false);
            self.start_line(indent, "");
        } else if let (Some(line), Some(p)) = (self.cur.as_mut(), self.prev.as_ref()) {
            let after_comment = line.code.ends_with("*/");
            let space = if after_comment {
                !a.is_closer() && !matches!(a.punct(), Some(Punct::Comma | Punct::Semi))
            } else {
                needs_space(p, &a) || (p.end != a.start && would_fuse(p, &a))
            };
            if space {
                line.code.push(' ');
            }
        }
        let Some(line) = self.cur.as_mut() else {
            return;
        };
        line.code.push_str(a.text);
        line.multiline |= a.text.contains('\n');
        line.ends_open = a.is_opener();
        if a.is_opener() {
            self.open.push(line.indent);
        } else if a.is_closer() {
            self.open.pop();
        }
        self.prev = Some(a);
    }

    /// The text: indentation, code, aligned trailing comments, one final newline.
    fn finish(mut self) -> String {
        self.finish_line();
        while matches!(self.lines.last(), Some(None)) {
            self.lines.pop();
        }
        let width = |l: &Line| l.indent * INDENT + l.code.chars().count();
        let alignable = |l: &Option<Line>| matches!(l, Some(l) if l.comment.is_some() && !l.multiline && !l.code.is_empty());
        let mut out = String::new();
        let mut i = 0;
        while i < self.lines.len() {
            // A run of consecutive lines with trailing comments at one indentation.
            let mut j = i + 1;
            if alignable(&self.lines[i]) {
                while j < self.lines.len()
                    && alignable(&self.lines[j])
                    && self.lines[j].as_ref().map(|l| l.indent)
                        == self.lines[i].as_ref().map(|l| l.indent)
                {
                    j += 1;
                }
            }
            let column = self.lines[i..j]
                .iter()
                .flatten()
                .map(width)
                .max()
                .unwrap_or(0);
            for line in &self.lines[i..j] {
                let Some(l) = line else {
                    out.push('\n');
                    continue;
                };
                if !l.code.is_empty() {
                    out.push_str(&" ".repeat(l.indent * INDENT));
                    out.push_str(&l.code);
                }
                if let Some(c) = &l.comment {
                    if l.code.is_empty() {
                        out.push_str(&" ".repeat(l.indent * INDENT));
                    } else {
                        let pad = if j - i > 1 { column - width(l) + 1 } else { 1 };
                        out.push_str(&" ".repeat(pad));
                    }
                    out.push_str(c);
                }
                out.push('\n');
            }
            i = j;
        }
        out
    }
}

/// Lays out `src`, whose tokens (with the newline `;`s) are `toks`.
pub fn layout(src: &str, toks: &[(Token, Span)], marks: &Marks) -> String {
    let atoms = atoms(src, toks, marks);
    let mut p = Printer {
        lines: Vec::new(),
        cur: None,
        open: Vec::new(),
        prev: None,
    };
    let mut pos = 0;
    for a in atoms {
        let gap = &src[pos..a.start];
        pos = a.end;
        p.atom(a, gap);
    }
    let (_, _) = p.gap(&src[pos..], None);
    p.finish()
}
