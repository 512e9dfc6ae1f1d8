//! The lexer: source text → tokens, with Go-style semicolon insertion.
//!
//! Semicolons (docs/reference.md section 1.3): at a newline (or the end of the file), a `;` is inserted when
//! the line's last token is an identifier, a literal, `)`, `]`, `}`, `!`, `?`, `return`,
//! `break` or `continue` — the rule of Go's `go/scanner` — and the innermost open bracket is
//! a `{` (or none). Inside `( )`, `[ ]` and interpolation holes no `;` is ever inserted, so
//! argument lists may span lines. Two extensions keep common layouts valid: no `;` is
//! inserted when the next line starts with `.` (method chains) or `else` (`}` / `else` on
//! separate lines); and a line ending in `>` (a signature's generic return type,
//! `fn f(): Vec<T>`) gets a `;` when the next line starts an item or a statement keyword
//! (`fn`, `pub`, `@`, `let`, `return`, ...), or when it ends a field inside the braces of a
//! `struct` declaration (`toks: Vec<Token>`). An inserted `;` has an empty span at the end
//! of the line's last token.
//!
//! Errors (bad characters, unterminated strings, bad escapes) are reported and lexing
//! continues, so the parser still sees the rest of the file.

use super::token::{FloatSuffix, IntSuffix, Kw, Punct, Token};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// A token with its span.
pub type Spanned = (Token, Span);

/// The open bracket the lexer is inside of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    Paren,
    Bracket,
    Brace,
    /// The braces of a `struct` declaration: a `;` is inserted as in [`Ctx::Brace`], and
    /// also after a line ending in `>` (a field of generic type, `toks: Vec<Token>`).
    Fields,
    /// The literal text of an interpolated string `$"..."`.
    Interp,
    /// An interpolation hole `{ ... }`; `depth` counts `{` opened inside it.
    Hole {
        depth: u32,
    },
}

/// E0001 for a source file that is not UTF-8, at its first invalid byte.
pub fn invalid_utf8(bad: crate::source::InvalidUtf8) -> Diagnostic {
    Diagnostic::error(
        diag::E0001,
        bad.span,
        format!("byte 0x{:02X} is not valid UTF-8", bad.byte),
    )
    .with_primary_label("not UTF-8")
    .with_note("source files are UTF-8 text")
}

/// Lexes a whole file.
pub fn lex(file: FileId, src: &str, diags: &mut Diagnostics) -> Vec<Spanned> {
    let mut lx = Lexer {
        file,
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
        ctx: Vec::new(),
        pending_newline: false,
        struct_header: false,
        diags,
    };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    file: FileId,
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Spanned>,
    ctx: Vec<Ctx>,
    /// A newline was passed since the last token; insertion is decided when the next token
    /// is known (so that a following `.` or `else` can suppress it).
    pending_newline: bool,
    /// A `struct` keyword was seen and its declaration's `{` has not come yet.
    struct_header: bool,
    diags: &'a mut Diagnostics,
}

impl<'a> Lexer<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos + n).copied()
    }

    fn error(&mut self, code: diag::Code, start: usize, end: usize, msg: impl Into<String>) {
        let span = self.span(start, end);
        self.diags.push(Diagnostic::error(code, span, msg));
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            if self.ctx.last() == Some(&Ctx::Interp) {
                self.interp_text();
                continue;
            }
            let c = self.bytes[self.pos];
            match c {
                b'\n' => {
                    self.pending_newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if self.peek_at(1) == Some(b'/') => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'/' if self.peek_at(1) == Some(b'*') => self.block_comment(),
                _ => self.token(),
            }
        }
        self.pending_newline = true;
        self.flush_newline(None);
    }

    /// Lexes literal text of an interpolated string up to a hole, the closing quote or the
    /// end of the file. `{{` and `}}` are literal braces.
    fn interp_text(&mut self) {
        let start = self.pos;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    self.push_part(text, start);
                    self.error(
                        diag::E0002,
                        start,
                        start,
                        "unterminated interpolated string",
                    );
                    self.ctx.pop();
                    return;
                }
                Some(b'"') => {
                    self.push_part(text, start);
                    self.push(Token::InterpEnd, self.pos, self.pos + 1);
                    self.pos += 1;
                    self.ctx.pop();
                    return;
                }
                Some(b'{') if self.peek_at(1) == Some(b'{') => {
                    text.push('{');
                    self.pos += 2;
                }
                Some(b'}') if self.peek_at(1) == Some(b'}') => {
                    text.push('}');
                    self.pos += 2;
                }
                Some(b'{') => {
                    self.push_part(text, start);
                    self.push(Token::HoleStart, self.pos, self.pos + 1);
                    self.pos += 1;
                    self.ctx.push(Ctx::Hole { depth: 0 });
                    return;
                }
                Some(b'}') => {
                    self.error(
                        diag::E0001,
                        self.pos,
                        self.pos + 1,
                        "unmatched `}` in an interpolated string; write `}}` for a literal brace",
                    );
                    self.pos += 1;
                }
                Some(b'\\') => {
                    if let Some(c) = self.escape() {
                        text.push(c);
                    }
                }
                Some(_) => {
                    let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn push_part(&mut self, text: String, start: usize) {
        if !text.is_empty() {
            self.push(Token::StrPart(text), start, self.pos);
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1;
        while self.pos < self.bytes.len() && depth > 0 {
            if self.bytes[self.pos] == b'/' && self.peek_at(1) == Some(b'*') {
                depth += 1;
                self.pos += 2;
            } else if self.bytes[self.pos] == b'*' && self.peek_at(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
            } else {
                if self.bytes[self.pos] == b'\n' {
                    self.pending_newline = true;
                }
                self.pos += 1;
            }
        }
        if depth > 0 {
            self.error(diag::E0003, start, start + 2, "unterminated block comment");
        }
    }

    /// Decides on the `;` for a newline passed before a token `next` (None at EOF).
    fn flush_newline(&mut self, next: Option<&Token>) {
        if !self.pending_newline {
            return;
        }
        self.pending_newline = false;
        let suppressed = matches!(
            next,
            Some(Token::Punct(Punct::Dot)) | Some(Token::Kw(Kw::Else))
        );
        let ends = self.needs_semi()
            || self.generic_close_before_item(next)
            || self.generic_close_of_field();
        if !suppressed && ends && self.insertion_allowed() {
            self.insert_semi();
        }
    }

    /// Go's rule: does the last token end a statement?
    fn needs_semi(&self) -> bool {
        match self.out.last() {
            Some((tok, _)) => matches!(
                tok,
                Token::Ident(_)
                    | Token::Int(..)
                    | Token::Float(..)
                    | Token::Str(_)
                    | Token::Byte(_)
                    | Token::InterpEnd
                    | Token::Kw(Kw::True | Kw::False | Kw::Return | Kw::Break | Kw::Continue)
                    | Token::Punct(
                        Punct::RParen
                            | Punct::RBracket
                            | Punct::RBrace
                            | Punct::Bang
                            | Punct::Question
                    )
            ),
            None => false,
        }
    }

    /// A line ending in `>` (a generic type closing a signature, as in `fn f(): Vec<T>`)
    /// ends the statement when the next line starts an item or a statement keyword.
    fn generic_close_before_item(&self, next: Option<&Token>) -> bool {
        let last_is_gt = matches!(self.out.last(), Some((Token::Punct(Punct::Gt), _)));
        last_is_gt
            && matches!(
                next,
                None | Some(Token::Punct(Punct::At))
                    | Some(Token::Kw(
                        Kw::Pub
                            | Kw::Fn
                            | Kw::Struct
                            | Kw::Enum
                            | Kw::Impl
                            | Kw::Let
                            | Kw::Var
                            | Kw::From
                            | Kw::Resource
                            | Kw::Extern
                            | Kw::Async
                            | Kw::Gen
                            | Kw::Return
                            | Kw::Defer
                            | Kw::Errdefer
                            | Kw::For
                            | Kw::While
                            | Kw::Loop
                    ))
            )
    }

    /// A line ending in `>` inside a `struct` declaration's braces ends a field.
    fn generic_close_of_field(&self) -> bool {
        self.ctx.last() == Some(&Ctx::Fields)
            && matches!(self.out.last(), Some((Token::Punct(Punct::Gt), _)))
    }

    fn insertion_allowed(&self) -> bool {
        matches!(self.ctx.last(), None | Some(Ctx::Brace | Ctx::Fields))
    }

    fn insert_semi(&mut self) {
        let end = self.out.last().map(|(_, s)| s.end as usize).unwrap_or(0);
        let span = self.span(end, end);
        self.out.push((Token::Punct(Punct::Semi), span));
        self.struct_header = false;
    }

    fn push(&mut self, tok: Token, start: usize, end: usize) {
        self.flush_newline(Some(&tok));
        match tok {
            Token::Kw(Kw::Struct) => self.struct_header = true,
            Token::Punct(Punct::Semi | Punct::RBrace) => self.struct_header = false,
            _ => {}
        }
        let span = self.span(start, end);
        self.out.push((tok, span));
    }

    fn token(&mut self) {
        let start = self.pos;
        let c = self.bytes[self.pos];
        if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 && self.unicode_ident_start() {
            self.ident();
        } else if c.is_ascii_digit() {
            self.number();
        } else if c == b'"' {
            self.string();
        } else if c == b'$' && self.peek_at(1) == Some(b'"') {
            self.pos += 2;
            self.push(Token::InterpStart, start, self.pos);
            self.ctx.push(Ctx::Interp);
        } else if c == b'\'' {
            self.byte_lit();
        } else if let Some((p, len)) = self.punct() {
            self.pos += len;
            self.bracket(p, start);
        } else {
            let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
            let len = ch.len_utf8();
            self.error(
                diag::E0001,
                start,
                start + len,
                format!("unexpected character `{}`", ch.escape_debug()),
            );
            self.pos += len;
        }
    }

    fn unicode_ident_start(&self) -> bool {
        self.src[self.pos..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic())
    }

    /// Updates the bracket stack for a punctuation token and emits it (or `HoleEnd`).
    fn bracket(&mut self, p: Punct, start: usize) {
        // Decide on a pending newline while the context is still the one before `p`.
        self.flush_newline(Some(&Token::Punct(p)));
        match p {
            Punct::LParen => self.ctx.push(Ctx::Paren),
            Punct::LBracket => self.ctx.push(Ctx::Bracket),
            Punct::LBrace => match self.ctx.last_mut() {
                Some(Ctx::Hole { depth }) => *depth += 1,
                _ if std::mem::take(&mut self.struct_header) => self.ctx.push(Ctx::Fields),
                _ => self.ctx.push(Ctx::Brace),
            },
            Punct::RBrace => match self.ctx.last_mut() {
                Some(Ctx::Hole { depth }) if *depth > 0 => *depth -= 1,
                Some(Ctx::Hole { .. }) => {
                    // The hole closes: back to the string's literal text.
                    self.ctx.pop();
                    self.push(Token::HoleEnd, start, self.pos);
                    return;
                }
                Some(Ctx::Brace | Ctx::Fields) => {
                    self.ctx.pop();
                }
                _ => {}
            },
            Punct::RParen if self.ctx.last() == Some(&Ctx::Paren) => {
                self.ctx.pop();
            }
            Punct::RBracket if self.ctx.last() == Some(&Ctx::Bracket) => {
                self.ctx.pop();
            }
            _ => {}
        }
        self.push(Token::Punct(p), start, self.pos);
    }

    fn punct(&self) -> Option<(Punct, usize)> {
        let rest = &self.bytes[self.pos..];
        let three: &[(&[u8], Punct)] = &[
            (b"..=", Punct::DotDotEq),
            (b"<<=", Punct::ShlEq),
            (b">>=", Punct::ShrEq),
        ];
        for (s, p) in three {
            if rest.starts_with(s) {
                return Some((*p, 3));
            }
        }
        let two: &[(&[u8], Punct)] = &[
            (b"..", Punct::DotDot),
            (b"->", Punct::Arrow),
            (b"=>", Punct::FatArrow),
            (b"??", Punct::QuestionQuestion),
            (b"&&", Punct::AmpAmp),
            (b"||", Punct::PipePipe),
            (b"<<", Punct::Shl),
            (b"<=", Punct::Le),
            (b">=", Punct::Ge),
            (b"==", Punct::EqEq),
            (b"!=", Punct::Ne),
            (b"+=", Punct::PlusEq),
            (b"-=", Punct::MinusEq),
            (b"*=", Punct::StarEq),
            (b"/=", Punct::SlashEq),
            (b"%=", Punct::PercentEq),
            (b"&=", Punct::AmpEq),
            (b"|=", Punct::PipeEq),
            (b"^=", Punct::CaretEq),
        ];
        for (s, p) in two {
            if rest.starts_with(s) {
                return Some((*p, 2));
            }
        }
        let p = match rest[0] {
            b'(' => Punct::LParen,
            b')' => Punct::RParen,
            b'[' => Punct::LBracket,
            b']' => Punct::RBracket,
            b'{' => Punct::LBrace,
            b'}' => Punct::RBrace,
            b',' => Punct::Comma,
            b';' => Punct::Semi,
            b':' => Punct::Colon,
            b'.' => Punct::Dot,
            b'@' => Punct::At,
            b'?' => Punct::Question,
            b'!' => Punct::Bang,
            b'~' => Punct::Tilde,
            b'+' => Punct::Plus,
            b'-' => Punct::Minus,
            b'*' => Punct::Star,
            b'/' => Punct::Slash,
            b'%' => Punct::Percent,
            b'&' => Punct::Amp,
            b'|' => Punct::Pipe,
            b'^' => Punct::Caret,
            b'>' => Punct::Gt,
            b'<' => Punct::Lt,
            b'=' => Punct::Eq,
            _ => return None,
        };
        Some((p, 1))
    }

    fn ident(&mut self) {
        let start = self.pos;
        for (i, ch) in self.src[self.pos..].char_indices() {
            if !(ch == '_' || ch.is_alphanumeric()) {
                self.pos = start + i;
                break;
            }
            self.pos = start + i + ch.len_utf8();
        }
        let text = &self.src[start..self.pos];
        let tok = match Kw::from_ident(text) {
            Some(k) => Token::Kw(k),
            None => Token::Ident(text.to_string()),
        };
        self.push(tok, start, self.pos);
    }

    fn number(&mut self) {
        let start = self.pos;
        let after_dot =
            matches!(self.out.last(), Some((Token::Punct(Punct::Dot), _))) && !self.pending_newline;
        let (radix, digits_start) = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => (16, start + 2),
            (Some(b'0'), Some(b'b' | b'B')) => (2, start + 2),
            (Some(b'0'), Some(b'o' | b'O')) => (8, start + 2),
            _ => (10, start),
        };
        self.pos = digits_start;
        let is_digit = |c: u8| match radix {
            16 => c.is_ascii_hexdigit(),
            2 => c == b'0' || c == b'1',
            8 => (b'0'..=b'7').contains(&c),
            _ => c.is_ascii_digit(),
        };
        while let Some(c) = self.peek() {
            if is_digit(c) || c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let mut is_float = false;
        if radix == 10 && !after_dot {
            // A fraction needs a digit after the `.`, so `0..n` and `x.0.1` stay intact.
            if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'_') {
                    self.pos += 1;
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                let sign = matches!(self.peek_at(1), Some(b'+' | b'-')) as usize;
                if self.peek_at(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                    is_float = true;
                    self.pos += 1 + sign;
                    while self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'_') {
                        self.pos += 1;
                    }
                }
            }
        }
        let body_end = self.pos;
        // Suffix: letters and digits glued to the literal.
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.pos += 1;
        }
        let suffix = &self.src[body_end..self.pos];
        let body: String = self.src[digits_start..body_end]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        let end = self.pos;
        if body.is_empty() {
            self.error(diag::E0005, start, end, "number literal has no digits");
            self.push(Token::Int(0, None), start, end);
            return;
        }
        let float_suffix = match suffix {
            "f32" => Some(FloatSuffix::F32),
            "f64" => Some(FloatSuffix::F64),
            _ => None,
        };
        if is_float || (float_suffix.is_some() && radix == 10) {
            let value: f64 = body.parse().unwrap_or(0.0);
            if !suffix.is_empty() && float_suffix.is_none() {
                self.error(
                    diag::E0005,
                    body_end,
                    end,
                    format!("invalid suffix `{suffix}` for a float literal"),
                );
            }
            self.push(Token::Float(value, float_suffix), start, end);
            return;
        }
        let int_suffix = if suffix.is_empty() {
            None
        } else {
            match IntSuffix::parse(suffix) {
                Some(s) => Some(s),
                None => {
                    self.error(
                        diag::E0005,
                        body_end,
                        end,
                        format!("invalid suffix `{suffix}` for an integer literal"),
                    );
                    None
                }
            }
        };
        let value = match u64::from_str_radix(&body, radix) {
            Ok(v) => v,
            Err(_) => {
                self.error(
                    diag::E0005,
                    start,
                    body_end,
                    "integer literal is too large (the largest is 18446744073709551615)",
                );
                0
            }
        };
        self.push(Token::Int(value, int_suffix), start, end);
    }

    /// Reads one escape sequence after a `\`; `self.pos` is at the backslash.
    fn escape(&mut self) -> Option<char> {
        let start = self.pos;
        self.pos += 1;
        let c = self.peek()?;
        self.pos += 1;
        let ch = match c {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'0' => '\0',
            b'\\' => '\\',
            b'"' => '"',
            b'\'' => '\'',
            b'$' => '$',
            b'{' => '{',
            b'}' => '}',
            b'x' => {
                let hex = self.src.get(self.pos..self.pos + 2).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) if v < 0x80 && hex.len() == 2 => {
                        self.pos += 2;
                        v as char
                    }
                    _ => {
                        self.error(
                            diag::E0004,
                            start,
                            self.pos,
                            "invalid `\\x` escape: expected two hex digits below 0x80",
                        );
                        return Some('\u{fffd}');
                    }
                }
            }
            b'u' => return Some(self.unicode_escape(start)),
            _ => {
                let bad = self.src[start + 1..].chars().next().unwrap_or(' ');
                self.pos = start + 1 + bad.len_utf8();
                self.error(
                    diag::E0004,
                    start,
                    self.pos,
                    format!("unknown escape sequence `\\{}`", bad.escape_debug()),
                );
                return Some('\u{fffd}');
            }
        };
        Some(ch)
    }

    fn unicode_escape(&mut self, start: usize) -> char {
        if self.peek() != Some(b'{') {
            self.error(diag::E0004, start, self.pos, "expected `{` after `\\u`");
            return '\u{fffd}';
        }
        let close = self.src[self.pos..].find('}').map(|i| self.pos + i);
        let Some(close) = close.filter(|&c| c - self.pos <= 7) else {
            self.error(
                diag::E0004,
                start,
                self.pos,
                "unterminated `\\u{...}` escape",
            );
            return '\u{fffd}';
        };
        let hex = &self.src[self.pos + 1..close];
        self.pos = close + 1;
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(c) => c,
            None => {
                self.error(
                    diag::E0004,
                    start,
                    self.pos,
                    format!("`\\u{{{hex}}}` is not a valid Unicode scalar value"),
                );
                '\u{fffd}'
            }
        }
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None => {
                    self.error(diag::E0002, start, start + 1, "unterminated string literal");
                    break;
                }
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    if let Some(c) = self.escape() {
                        value.push(c);
                    }
                }
                Some(_) => {
                    let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    value.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        self.push(Token::Str(value), start, self.pos);
    }

    fn byte_lit(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let value = match self.peek() {
            Some(b'\\') => self.escape(),
            Some(b'\'') | Some(b'\n') | None => None,
            Some(_) => {
                let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                self.pos += ch.len_utf8();
                Some(ch)
            }
        };
        if self.peek() != Some(b'\'') {
            // Not a byte literal: report and resynchronise at the end of the line or quote.
            while let Some(c) = self.peek() {
                if c == b'\n' || c == b'\'' {
                    break;
                }
                self.pos += 1;
            }
            if self.peek() == Some(b'\'') {
                self.pos += 1;
                self.error(
                    diag::E0008,
                    start,
                    self.pos,
                    "a byte literal holds exactly one ASCII character; use \"...\" for strings",
                );
            } else {
                self.error(diag::E0002, start, start + 1, "unterminated byte literal");
            }
            self.push(Token::Byte(0), start, self.pos);
            return;
        }
        self.pos += 1;
        let byte = match value {
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => {
                self.error(
                    diag::E0008,
                    start,
                    self.pos,
                    format!("`{c}` is not an ASCII character; a byte literal must be ASCII"),
                );
                0
            }
            None => {
                self.error(diag::E0008, start, self.pos, "empty byte literal");
                0
            }
        };
        self.push(Token::Byte(byte), start, self.pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<String> {
        let mut d = Diagnostics::new();
        let out = lex(FileId(0), src, &mut d);
        assert!(!d.has_errors(), "unexpected errors: {:?}", d);
        out.iter()
            .map(|(t, s)| {
                if matches!(t, Token::Punct(Punct::Semi)) && s.is_empty() {
                    "⏎".to_string()
                } else {
                    t.to_string()
                }
            })
            .collect()
    }

    fn errors(src: &str) -> Vec<&'static str> {
        let mut d = Diagnostics::new();
        lex(FileId(0), src, &mut d);
        d.iter().map(|d| d.code.0).collect()
    }

    #[test]
    fn inserts_semicolons_after_statement_enders() {
        assert_eq!(toks("let x = 1\nx"), ["let", "x", "=", "1", "⏎", "x", "⏎"]);
        assert_eq!(toks("a +\nb"), ["a", "+", "b", "⏎"]);
        assert_eq!(toks("return\n"), ["return", "⏎"]);
        assert_eq!(
            toks("f()!\ng()?\n"),
            ["f", "(", ")", "!", "⏎", "g", "(", ")", "?", "⏎"]
        );
    }

    #[test]
    fn no_insertion_inside_parens_and_brackets() {
        assert_eq!(toks("f(a,\nb\n)"), ["f", "(", "a", ",", "b", ")", "⏎"]);
        assert_eq!(toks("[1\n,2]"), ["[", "1", ",", "2", "]", "⏎"]);
    }

    #[test]
    fn braces_inside_parens_insert_again() {
        let t = toks("f(() => {\nx\n})");
        assert_eq!(t, ["f", "(", "(", ")", "=>", "{", "x", "⏎", "}", ")", "⏎"]);
    }

    #[test]
    fn dot_and_else_on_next_line_continue() {
        assert_eq!(toks("a\n.b()"), ["a", ".", "b", "(", ")", "⏎"]);
        assert_eq!(
            toks("if c {\n}\nelse {\n}"),
            ["if", "c", "{", "}", "else", "{", "}", "⏎"]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1_000 0xff 0b1010 42i32 7u8"),
            ["1000", "255", "10", "42i32", "7u8", "⏎"]
        );
        assert_eq!(toks("1.5 2e10 3f32"), ["1.5", "20000000000", "3", "⏎"]);
        assert_eq!(toks("0..n"), ["0", "..", "n", "⏎"]);
        assert_eq!(toks("t.0.1"), ["t", ".", "0", ".", "1", "⏎"]);
        assert_eq!(errors("99999999999999999999"), ["E0005"]);
        assert_eq!(errors("12abc"), ["E0005"]);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(toks(r#""a\n\u{1F600}""#), ["\"a\\n😀\"", "⏎"]);
        assert_eq!(errors(r#""a\q""#), ["E0004"]);
        assert_eq!(errors("\"abc"), ["E0002"]);
        assert_eq!(toks("'a' '\\n'"), ["'a'", "'\\n'", "⏎"]);
        assert_eq!(errors("'ab'"), ["E0008"]);
    }

    #[test]
    fn interpolation() {
        assert_eq!(
            toks(r#"$"x = {x + 1}!""#),
            ["$\"", "\"x = \"", "{", "x", "+", "1", "}", "\"!\"", "\"", "⏎"]
        );
        assert_eq!(toks(r#"$"{{a}}""#), ["$\"", "\"{a}\"", "\"", "⏎"]);
        assert_eq!(
            toks(r#"$"{f({a: 1})}""#).len(),
            13,
            "nested braces stay inside the hole"
        );
        assert_eq!(errors("$\"abc"), ["E0002"]);
    }

    #[test]
    fn comments() {
        assert_eq!(toks("a // c\nb"), ["a", "⏎", "b", "⏎"]);
        assert_eq!(toks("a /* x /* y */ z\n */ b"), ["a", "⏎", "b", "⏎"]);
        assert_eq!(errors("/* open"), ["E0003"]);
    }

    #[test]
    fn bad_characters_are_reported_and_skipped() {
        assert_eq!(errors("a # b"), ["E0001"]);
    }

    #[test]
    fn generic_return_type_ends_a_signature() {
        assert_eq!(
            toks("fn f(): Vec<T>\n@intrinsic fn g()"),
            [
                "fn",
                "f",
                "(",
                ")",
                ":",
                "Vec",
                "<",
                "T",
                ">",
                "⏎",
                "@",
                "intrinsic",
                "fn",
                "g",
                "(",
                ")",
                "⏎"
            ]
        );
        assert_eq!(toks("a >\nb"), ["a", ">", "b", "⏎"]);
    }

    #[test]
    fn generic_field_type_ends_a_field() {
        let t = toks("struct P {\ntoks: Vec<T>\npos: i64\n}");
        let expected = [
            "struct", "P", "{", "toks", ":", "Vec", "<", "T", ">", "⏎", "pos", ":", "i64", "⏎",
            "}", "⏎",
        ];
        assert_eq!(t, expected);
        // Only in a struct declaration: a comparison in a function body still continues,
        // also after a struct declaration and inside a struct literal.
        let t = toks("struct P { a: Vec<T> }\nfn f() {\nlet b = a >\nc\nP { x: a >\nc }\n}");
        assert!(!t.join(" ").contains("> ⏎"), "{t:?}");
    }

    #[test]
    fn generics_close_with_two_gt() {
        assert_eq!(
            toks("Vec<Vec<i64>>"),
            ["Vec", "<", "Vec", "<", "i64", ">", ">", "⏎"]
        );
    }
}
