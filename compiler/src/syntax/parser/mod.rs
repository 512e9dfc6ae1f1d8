//! The parser: the lexer's tokens → [`ast::Module`], built with chumsky 0.13 over the token
//! stream (newline `;`s included).
//!
//! # Grammar
//! `[x]` is optional, `{x}` repeated; SEP is one or more `,`/`;` (written or inserted).
//! ```text
//! module    = { ";" | item } EOF
//! item      = {"@" IDENT ["(" exprs ")"]} ["pub"] ( import | fn | struct | enum | impl
//!             | "resource" IDENT | stmt )
//! import    = "from" STR "import" "{" IDENT ["as" IDENT] {SEP ...} "}"
//! fn        = {"async" | "gen" | "extern" | "test"} "fn" IDENT [generics]
//!             "(" [["mut"] "self" ","] params ")" [":" type] ["with" effects] [block]
//! struct    = ["par"] "struct" IDENT [generics] "{" [["pub"] IDENT ":" type {SEP ...}] "}"
//! enum      = "enum" IDENT [generics] "{" [IDENT ["(" types ")"] {SEP ...}] "}"
//! impl      = "impl" [generics] type "{" { ";" | {annotation} ["pub"] fn } "}"
//! stmt      = "let" pattern [":" type] "=" expr ["else" block] | "var" IDENT [":" type] "=" expr
//!           | "defer" stmt | "errdefer" stmt | expr [assign_op expr]
//! block     = "{" { ";" | stmt } "}"   (a statement ending in `}` needs no `;` before the
//!             next one: `if a { return a } return b`; likewise items)
//! expr      = range: `..` `..=` < `??` (right) < `||` < `&&` < comparisons < `|` < `^` < `&`
//!             < `<<` `>>` < `+ -` < `* / %` < `as T` < prefix `- ! ~ & &mut * await spawn`
//!             < postfix `(args)` `[i]` `.name` `.0` `.m<T>(args)` `!` `?` < primary
//! primary   = literal | $"..." | IDENT | IDENT<T>( | IDENT<T>. | IDENT [<T>] "{" fields "}"
//!           | closure | "(" ")" | "(" expr ")" | "(" expr "," ... ")" | "[" ... "]"
//!           | block | if | match | loop | while | for | return | break | continue
//!           | unsafe | blocking | par | par for | concurrent | try | select | yield
//! pattern   = single {"|" single}; single = "_" | literal [".." literal] | "(" patterns ")"
//!           | IDENT "{" fields [".."] "}" | IDENT ["." IDENT] ["(" patterns ")"]
//! type      = base {"?"}; base = IDENT ["<" types ">"] | "[" type ";" expr "]"   (`T??` too)
//!           | "(" types ")" ["=>" type] | "*" type | "&" ["mut"] type
//! ```
//! `>>` arrives as two adjacent `>` tokens: in types they close two argument lists, in
//! expressions they form a right shift. Struct literals are not allowed in `if`/`while`
//! conditions, `match` scrutinees and `for` iterables (there `x {` starts the block) but are
//! allowed again inside any `( )`, `[ ]`, `{ }`, closure body or interpolation hole.
//! `Name<T>` is a generic name only when `.`, `(` or (for a struct literal) `{` follows.
//!
//! # Errors and recovery
//! - A pre-pass checks that brackets balance: an unclosed one is E0007 (at the opener, with
//!   a label at the end of the file), a stray closer E0006. The parser reads the tokens with
//!   a closer added for each unclosed opener where its group ends.
//! - Syntax errors are E0006, "expected one of `)`, `,`, found `}`", built from chumsky's
//!   furthest-failure errors; rule labels (expression, type, pattern, operator, ...) keep the
//!   lists short, and a newline `;` is called "end of line".
//! - Recovery: a broken statement, item, `impl` method, or match/select arm is reported and
//!   skipped up to the next `;` (or `,` / `}`), stepping over bracketed groups with the
//!   pre-pass's bracket matching (so skipping stays linear); it becomes an error placeholder
//!   (`ExprKind::Error` statement, `PatternKind::Error` arm). A broken argument list or index
//!   becomes one `ExprKind::Error`. So every broken statement gets its own error, and the
//!   rest of the file is still parsed.
//! - Failed guesses (`a < b` read as the start of `a<b>(...)`) leave nothing in the
//!   "expected" lists of real errors.
//! - Errors that repeat a pre-pass diagnostic (the same closing token, or the end of a file
//!   with an unclosed bracket or an unterminated string) and second errors at one token are
//!   dropped.
//! - `pub` on a statement other than `let` is E0009; everything else about placement
//!   (annotations, `spawn` outside `concurrent`, ...) is left to semantic analysis.
//! - Recursion goes through chumsky's `recursive`, which grows the stack on demand, so deep
//!   nesting does not overflow it. A tree nested deeper than the later stages can follow is
//!   E0010 (`syntax::depth`).

mod control;
mod delimiters;
mod errors;
mod exprs;
mod grammar;
mod hints;
mod input;
mod items;
mod patterns;
mod recovery;
mod stmts;
mod types;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use chumsky::prelude::*;

use self::delimiters::{check_delimiters, DelimiterReport};
use self::input::{semi, token_input, PBox, ParseError, Spanned, State};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use crate::syntax::lexer::lex;
use crate::syntax::token::Token;

/// Lexes and parses one file. Always returns a Module (partial after errors); every
/// problem is pushed to `diags`.
pub fn parse_file(file: FileId, src: &str, diags: &mut Diagnostics) -> ast::Module {
    let errors_before = diags.error_count();
    let tokens = lex(file, src, diags);
    let lexed_cleanly = diags.error_count() == errors_before;
    parse_module(file, &tokens, src.len(), lexed_cleanly, diags)
}

/// Parses an already-lexed token stream.
pub fn parse_tokens(
    file: FileId,
    tokens: &[(Token, Span)],
    src_len: usize,
    diags: &mut Diagnostics,
) -> ast::Module {
    parse_module(file, tokens, src_len, true, diags)
}

/// Parses `src` as a single expression (a trailing newline `;` is allowed), for tests and
/// tools. Returns the expression, if one could be built, and every diagnostic.
pub fn parse_expr_str(src: &str) -> (Option<ast::Expr>, Vec<Diagnostic>) {
    let file = FileId(0);
    let mut diags = Diagnostics::new();
    let tokens = lex(file, src, &mut diags);
    let lexed_cleanly = !diags.has_errors();
    let parser = exprs::expr_parser().then_ignore(semi().repeated()).boxed();
    let eoi = Span::new(file, src.len(), src.len());
    let mut delimiters = check_delimiters(&tokens, eoi);
    let balanced = std::mem::take(&mut delimiters.balanced);
    let expr = run(
        parser,
        &balanced,
        delimiters,
        eoi,
        lexed_cleanly,
        &mut diags,
    );
    (expr, diags.into_vec())
}

fn parse_module(
    file: FileId,
    tokens: &[Spanned],
    src_len: usize,
    lexed_cleanly: bool,
    diags: &mut Diagnostics,
) -> ast::Module {
    let eoi = Span::new(file, src_len, src_len);
    let mut delimiters = check_delimiters(tokens, eoi);
    let balanced = std::mem::take(&mut delimiters.balanced);
    let before = diags.len();
    let module = run(
        items::module_parser(file),
        &balanced,
        delimiters,
        eoi,
        lexed_cleanly,
        diags,
    );
    let mut new = diags.split_off(before);
    hints::add_hints(&mut new, tokens);
    diags.extend(new);
    let mut module = module.unwrap_or(ast::Module {
        file,
        items: Vec::new(),
    });
    crate::syntax::depth::check_depth(&mut module, diags);
    module
}

/// Runs `parser` over `tokens` (balanced by the bracket pre-pass, which made
/// `delimiters`), and reports every problem.
fn run<'a, O>(
    parser: PBox<'a, O>,
    tokens: &'a [Spanned],
    mut delimiters: DelimiterReport,
    eoi: Span,
    lexed_cleanly: bool,
    diags: &mut Diagnostics,
) -> Option<O> {
    let mut state = State::from(std::mem::take(&mut delimiters.partners));
    let (output, errors) = parser
        .parse_with_state(token_input(tokens, eoi), &mut state)
        .into_output_errors();
    report(errors, delimiters, eoi, lexed_cleanly, diags);
    output
}

/// Pushes the pre-pass diagnostics and the parse errors that add something to them, in
/// source order: at most one error per token, and none at the end of the file when an
/// unclosed bracket or a lexical error (an unterminated string) already explains it.
fn report(
    errors: Vec<ParseError<'_>>,
    delimiters: DelimiterReport,
    eoi: Span,
    lexed_cleanly: bool,
    diags: &mut Diagnostics,
) {
    let eof_explained = delimiters.unclosed || !lexed_cleanly;
    let mut seen: HashSet<u32> = delimiters.reported_closers.iter().copied().collect();
    let mut parse_diags: Vec<Diagnostic> = errors.iter().map(errors::to_diagnostic).collect();
    parse_diags.sort_by_key(|d| (d.primary.start, d.primary.end));
    parse_diags.retain(|d| {
        !(eof_explained && d.primary.start >= eoi.start) && seen.insert(d.primary.start)
    });
    let mut all = delimiters.diagnostics;
    all.extend(parse_diags);
    all.sort_by_key(|d| d.primary.start);
    diags.extend(all);
}
