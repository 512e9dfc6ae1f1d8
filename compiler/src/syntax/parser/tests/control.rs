//! Keyword-led expressions: conditionals, matches, loops, jumps and the concurrency forms,
//! with the struct-literal restriction before blocks and the newline rules.

use super::{errors, expr, stmts};

#[test]
fn if_else_chains() {
    assert_eq!(expr("if a { b }"), "(if a {b})");
    assert_eq!(expr("if a { b } else { c }"), "(if a {b} {c})");
    assert_eq!(
        expr("if a { b } else if c { d } else { e }"),
        "(if a {b} (if c {d} {e}))"
    );
    assert_eq!(
        expr("if let Some(v) = opt { v }"),
        "(if (let Some(v) opt) {v})"
    );
}

#[test]
fn else_on_the_next_line() {
    assert_eq!(
        stmts(
            r"if a {
  b
}
else {
  c
}"
        ),
        ["(if a {b} {c})"]
    );
    assert_eq!(
        stmts(
            r"if a {
} else {
}
x"
        ),
        ["(if a {} {})", "x"]
    );
}

#[test]
fn if_as_a_value() {
    assert_eq!(
        stmts("let m = if a > b { a } else { b }"),
        ["(let m (if (> a b) {a} {b}))"]
    );
}

#[test]
fn struct_literals_are_not_parsed_before_blocks() {
    assert_eq!(expr("if x { y }"), "(if x {y})");
    assert_eq!(expr("if x == y { z }"), "(if (== x y) {z})");
    assert_eq!(expr("while ok { step() }"), "(while ok {(call step)})");
    assert_eq!(expr("for p in points { p }"), "(for p points {p})");
    assert_eq!(expr("match s { _ => 1 }"), "(match s [_ => 1])");
    assert_eq!(expr("par for x in xs { x }"), "(par-for x xs {x})");
}

#[test]
fn struct_literals_are_allowed_again_inside_delimiters() {
    assert_eq!(
        expr("if p == (Point { x: 1 }) { a }"),
        "(if (== p (struct Point x:1)) {a})"
    );
    assert_eq!(
        expr("if f(P { x }) { a }"),
        "(if (call f (struct P x)) {a})"
    );
    assert_eq!(
        expr("for q in [P { x }] { q }"),
        "(for q [(struct P x)] {q})"
    );
    assert_eq!(
        expr("if xs.any((v) => v == P { x: 1 }) { a }"),
        "(if (.any xs (closure (v) (== v (struct P x:1)))) {a})"
    );
    assert_eq!(
        expr("if ok { P { x: 1 } } else { P { x: 2 } }"),
        "(if ok {(struct P x:1)} {(struct P x:2)})"
    );
}

#[test]
fn generic_name_before_a_block_is_a_comparison() {
    assert_eq!(expr("if a < b { c }"), "(if (< a b) {c})");
    assert_eq!(expr("while i < n { i }"), "(while (< i n) {i})");
}

#[test]
fn while_and_loop() {
    assert_eq!(expr("while i < 3 { i += 1 }"), "(while (< i 3) {(+= i 1)})");
    assert_eq!(
        expr("while let Some(x) = q.pop() { x }"),
        "(while (let Some(x) (.pop q)) {x})"
    );
    assert_eq!(expr("loop { break }"), "(loop {break})");
}

#[test]
fn for_loops() {
    assert_eq!(expr("for i in 0..n { i }"), "(for i (.. 0 n) {i})");
    assert_eq!(expr("for i, x in v { x }"), "(for i, x v {x})");
    assert_eq!(expr("for (k, v) in map { k }"), "(for (tuple k v) map {k})");
    assert_eq!(expr("for v in ch { continue }"), "(for v ch {continue})");
}

#[test]
fn jumps() {
    assert_eq!(expr("{ return }"), "{(return)}");
    assert_eq!(expr("{ return; }"), "{(return);}");
    assert_eq!(expr("{ return 1 + 2 }"), "{(return (+ 1 2))}");
    assert_eq!(expr("f(return)"), "(call f (return))");
    assert_eq!(stmts("return\nx"), ["(return)", "x"]);
    assert_eq!(expr("{ break; continue }"), "{break; continue}");
}

#[test]
fn match_arms_with_commas_and_newlines() {
    assert_eq!(
        expr("match e { Some(x) => x, None => 0 }"),
        "(match e [Some(x) => x] [None => 0])"
    );
    assert_eq!(
        expr(
            r"match e {
  Some(x) => x
  None => 0
}"
        ),
        "(match e [Some(x) => x] [None => 0])"
    );
    assert_eq!(
        expr(
            r"match e {
  Some(x) => x,
  None => 0,
}"
        ),
        "(match e [Some(x) => x] [None => 0])"
    );
    assert_eq!(expr("match e {}"), "(match e )");
}

#[test]
fn match_arm_after_a_block_needs_no_separator() {
    assert_eq!(
        expr("match e { A => { 1 } B => { 2 } }"),
        "(match e [A => {1}] [B => {2}])"
    );
    assert!(!errors("let x = match e { A => 1 B => 2 }").is_empty());
}

#[test]
fn match_guards_and_patterns() {
    assert_eq!(
        expr("match s { Shape.Rect(w, h) if w > h => w, _ => 0 }"),
        "(match s [Shape.Rect(w h) if (> w h) => w] [_ => 0])"
    );
    assert_eq!(
        expr("match n { 1 | 2 => a, 3..=9 => b, _ => c }"),
        "(match n [(| 1 2) => a] [(..= 3 9) => b] [_ => c])"
    );
    assert_eq!(
        expr("match x { None => return 0, Some(v) => v }"),
        "(match x [None => (return 0)] [Some(v) => v])"
    );
}

#[test]
fn par_blocks_and_loops() {
    assert_eq!(
        expr(
            r"par {
  bump(counter)
  bump(counter)
}"
        ),
        "(par {(call bump counter) (call bump counter)})"
    );
    assert_eq!(
        expr("par for i in 0..n { work(i) }"),
        "(par-for i (.. 0 n) {(call work i)})"
    );
}

#[test]
fn concurrent_and_spawn() {
    assert_eq!(
        expr("concurrent { spawn producer(ch); spawn consumer(ch) }"),
        "(concurrent {(spawn (call producer ch)); (spawn (call consumer ch))})"
    );
    assert_eq!(
        expr("concurrent timeout(5000) { spawn { work() } }"),
        "(concurrent timeout 5000 {(spawn {(call work)})})"
    );
    assert_eq!(expr("spawn f(x).y"), "(spawn (. (call f x) y))");
}

#[test]
fn try_scopes() {
    assert_eq!(
        stmts("let r = try par { a(); b() }"),
        ["(let r (try (par {(call a); (call b)})))"]
    );
    assert_eq!(
        expr("try concurrent timeout(10) { spawn f() }"),
        "(try (concurrent timeout 10 {(spawn (call f))}))"
    );
    assert_eq!(
        expr("try par for x in xs { x }"),
        "(try (par-for x xs {x}))"
    );
}

#[test]
fn select_arms() {
    let src = r"select {
  case let v = ch1.recv() => { v }
  case ch2.send(x) => { 1 }
  case timeout(500) => { 2 }
  default => { 3 }
}";
    assert_eq!(
        expr(src),
        "(select [let v (.recv ch1) => {v}] [(.send ch2 x) => {1}] [timeout 500 => {2}] [default => {3}])"
    );
    assert_eq!(
        expr("select { case timeout(t).x => 1, default => 2 }"),
        "(select [(. (call timeout t) x) => 1] [default => 2])"
    );
}

#[test]
fn yield_and_await() {
    assert_eq!(expr("{ yield i; i += 1 }"), "{(yield i); (+= i 1)}");
    assert_eq!(expr("{ yield a + b }"), "{(yield (+ a b))}");
    assert_eq!(expr("await p + 1"), "(+ (await p) 1)");
}

#[test]
fn struct_patterns_in_arms_after_a_scrutinee() {
    assert_eq!(
        expr("match p { Point { x, y: 0 } => x, _ => 0 }"),
        "(match p [(struct Point x y:0) => x] [_ => 0])"
    );
    assert_eq!(
        expr("if let Point { x, .. } = p { x }"),
        "(if (let (struct Point x ..) p) {x})"
    );
}

#[test]
fn statements_after_block_like_statements_on_one_line() {
    assert_eq!(
        stmts("fn f() { while a { b } c; for x in y { } d }"),
        ["(fn f() {(while a {b}) c; (for x y {}) d})"]
    );
}
