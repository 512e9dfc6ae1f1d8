//! The parser never panics and never loops: truncated programs, random token soup, deep
//! nesting; and it is fast on a large file.

use std::time::{Duration, Instant};

use super::{parse, parse_ok};
use crate::diagnostics::Diagnostics;
use crate::source::{FileId, Span};
use crate::syntax::lexer::lex;
use crate::syntax::parser::{parse_expr_str, parse_tokens};
use crate::syntax::token::{Kw, Punct, Token};

/// A program that uses most of the grammar.
const PROGRAM: &str = r#"from "std/runtime" import { Promise, Task, TaskGroup as Group }
from "std/sync" import { Channel, Mutex }

resource UserDB

@send
pub struct Point { x: f64, y: f64 }
enum Shape { Circle(f64), Rect(f64, f64), Empty }
par struct Stats<T = i64> {
    hits: AtomicI64
    misses: T
}

impl<T> Stack<T> {
    fn push(mut self, x: T) { self.items.push(x) }
    pub fn peek(self): T? { self.items.last() }
}

extern fn strlen(s: *u8): u64
async fn fetch(id: u64, move f: () => void = noop): string with reads(UserDB), io { $"user {id}" }
gen fn count(n: i64): i64 { var i = 0; while i < n { yield i; i += 1 } }

fn area(s: Shape): f64 {
    match s {
        Shape.Circle(r) if r > 0.0 => 3.14 * r * r,
        Shape.Rect(w, h) => { w * h }
        _ => 0.0
    }
}

fn main(): i32 {
    let p = Point { x: 1.0, y: 2.0 }
    var ch = Channel<i64>.new(8)!
    let (a, b) = (1, [0; 4])
    let Some(v) = find(&mut p, -1 as u64) else { return 1 }
    defer ch.destroy()
    for i, x in [1, 2, 3] { if x >> 1 == 0 { continue } else if x ?? 0 > 2 { break } }
    for (k, w) in map { print(k, w) }
    par { bump(counter); bump(counter) }
    par for i in 0..=n { work(i) }
    let r = try concurrent timeout(500) { spawn producer(ch); spawn { consume(ch) } }
    select {
        case let m = ch.recv() => { print(m) }
        case timeout(10) => {}
        default => {}
    }
    let f = move (acc: i64, x): i64 => acc + x.0 * max<i64>(a, b)
    unsafe { let q = (&x) as *u8; print(*q) }
    loop { blocking { read()? } }
    return 0
}
"#;

#[test]
fn the_sample_program_parses_cleanly() {
    parse_ok(PROGRAM);
}

#[test]
fn truncation_at_every_token_boundary_never_panics() {
    let mut diags = Diagnostics::new();
    let tokens = lex(FileId(0), PROGRAM, &mut diags);
    for (_, span) in &tokens {
        let prefix = &PROGRAM[..span.end as usize];
        let (module, diags) = parse(prefix);
        for d in &diags {
            assert!(
                d.primary.end as usize <= prefix.len(),
                "{d:?} out of bounds"
            );
        }
        assert_eq!(module.file, FileId(0));
    }
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn soup_vocabulary() -> Vec<Token> {
    let mut vocab: Vec<Token> = Kw::ALL.iter().map(|k| Token::Kw(*k)).collect();
    for p in [
        Punct::LParen,
        Punct::RParen,
        Punct::LBracket,
        Punct::RBracket,
        Punct::LBrace,
        Punct::RBrace,
        Punct::Comma,
        Punct::Semi,
        Punct::Colon,
        Punct::Dot,
        Punct::DotDot,
        Punct::FatArrow,
        Punct::At,
        Punct::Question,
        Punct::QuestionQuestion,
        Punct::Bang,
        Punct::Plus,
        Punct::Minus,
        Punct::Star,
        Punct::Amp,
        Punct::Pipe,
        Punct::Gt,
        Punct::Lt,
        Punct::Eq,
        Punct::PlusEq,
        Punct::ShrEq,
    ] {
        vocab.push(Token::Punct(p));
    }
    for name in ["x", "Point", "mut", "self", "timeout", "test", "_"] {
        vocab.push(Token::Ident(name.to_string()));
    }
    vocab.extend([
        Token::Int(1, None),
        Token::Float(2.5, None),
        Token::Str("s".to_string()),
        Token::Byte(b'a'),
        Token::InterpStart,
        Token::StrPart("t".to_string()),
        Token::HoleStart,
        Token::HoleEnd,
        Token::InterpEnd,
    ]);
    vocab
}

#[test]
fn random_token_soup_never_panics_or_hangs() {
    let vocab = soup_vocabulary();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    for _ in 0..300 {
        let len = rng.below(120);
        let mut tokens = Vec::with_capacity(len);
        let mut pos = 0usize;
        for _ in 0..len {
            let tok = vocab[rng.below(vocab.len())].clone();
            // Sometimes a newline `;` (empty span), sometimes adjacent tokens.
            let width = if tok == Token::Punct(Punct::Semi) && rng.below(2) == 0 {
                0
            } else {
                1
            };
            tokens.push((tok, Span::new(FileId(0), pos, pos + width)));
            pos += width + rng.below(2);
        }
        let mut diags = Diagnostics::new();
        parse_tokens(FileId(0), &tokens, pos, &mut diags);
        for d in diags.iter() {
            assert!(d.primary.end as usize <= pos);
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "token soup took too long"
    );
}

#[test]
fn two_thousand_nested_parentheses() {
    let depth = 2000;
    let src = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let (e, diags) = parse_expr_str(&src);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(e.unwrap().span.end as usize, src.len());
}

#[test]
fn deeply_nested_blocks_arrays_and_calls() {
    let depth = 1000;
    let blocks = format!("fn f() {{ {}x{} }}", "{ ".repeat(depth), " }".repeat(depth));
    parse_ok(&blocks);
    let arrays = format!("let a = {}1{}", "[".repeat(depth), "]".repeat(depth));
    parse_ok(&arrays);
    let calls = format!("let c = {}x{}", "f(".repeat(depth), ")".repeat(depth));
    parse_ok(&calls);
}

#[test]
fn deeply_nested_unclosed_delimiters_are_reported() {
    let depth = 2000;
    let src = format!("let x = {}1", "(".repeat(depth));
    let (_, diags) = parse(&src);
    let limit = super::super::delimiters::MAX_UNCLOSED_REPORTED;
    assert_eq!(
        diags.len(),
        limit,
        "one E0007 per unclosed `(`, up to a limit"
    );
    assert!(diags.iter().all(|d| d.code.0 == "E0007"));
    let src = format!("fn f() {{ {}", "{ [ (".repeat(300));
    let (_, diags) = parse(&src);
    assert!(!diags.is_empty());
}

/// About 5,000 lines exercising items, statements and expressions.
fn large_program() -> String {
    let mut src = String::from("from \"std/runtime\" import { Promise, Task }\n\n");
    for i in 0..420 {
        src += &format!(
            "struct S{i} {{\n    a: i64\n    b: Vec<string>\n}}\n\
             fn work{i}(p: S{i}, n: i64): i64 {{\n    var total: i64 = 0\n\
             \x20   for j in 0..n {{\n        if j % 2 == 0 && p.a > j {{ total += j * 2 }} else {{ total -= 1 }}\n    }}\n\
             \x20   let r = match total {{ 0 => 1, x if x > 10 => x >> 2, _ => -1 as i64 }}\n\
             \x20   let f = (acc: i64, x: i64): i64 => acc + x\n\
             \x20   print($\"work {{total}} {{r}}\", Channel<i64>.new(8)!.len())\n    return f(total, r)\n}}\n"
        );
    }
    src
}

#[test]
fn a_five_thousand_line_file_parses_quickly() {
    let src = large_program();
    assert!(src.lines().count() >= 5000, "{} lines", src.lines().count());
    let started = Instant::now();
    let (module, diags) = parse(&src);
    let elapsed = started.elapsed();
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(module.items.len(), 1 + 2 * 420);
    if cfg!(debug_assertions) {
        return;
    }
    assert!(
        elapsed < Duration::from_millis(150),
        "parsing 5,000 lines took {elapsed:?}"
    );
}
