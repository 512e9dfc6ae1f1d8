//! Items, statements, types and patterns.

use super::{errors, parse_ok, stmts};
use crate::syntax::ast::{ItemKind, StmtKind};

fn items(src: &str) -> Vec<String> {
    stmts(src)
}

#[test]
fn imports() {
    assert_eq!(
        items(r#"from "std/runtime" import { Promise, Task as T }"#),
        [r#"(import "std/runtime" Promise Task:T)"#]
    );
    assert_eq!(
        items("from \"./geometry\" import {\n  Point,\n  area as areaOf\n}"),
        [r#"(import "./geometry" Point area:areaOf)"#]
    );
}

#[test]
fn import_path_span() {
    let m = parse_ok(r#"from "std/io" import { readLine }"#);
    let ItemKind::Import(i) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!((i.path_span.start, i.path_span.end), (5, 13));
}

#[test]
fn functions() {
    assert_eq!(
        items("fn area(p: Point): f64 { p.x * p.y }"),
        ["(fn area(p: Point): f64 {(* (. p x) (. p y))})"]
    );
    assert_eq!(items("fn main() {}"), ["(fn main() {})"]);
    assert_eq!(
        items("fn max<T>(a: T, b: T): T { if a > b { return a } return b }"),
        ["(fn max<T>(a: T, b: T): T {(if (> a b) {(return a)}) (return b)})"]
    );
}

#[test]
fn function_flags_and_bodiless_functions() {
    assert_eq!(
        items("extern fn strlen(s: *u8): u64\nasync fn f(x: i64): string { x }\ngen fn count(n: i64): i64 { yield n }\ntest fn adds() { assert(true) }"),
        [
            "(extern fn strlen(s: *u8): u64)",
            "(async fn f(x: i64): string {x})",
            "(gen fn count(n: i64): i64 {(yield n)})",
            "(test fn adds() {(call assert true)})",
        ]
    );
    assert_eq!(items("test(1)"), ["(call test 1)"]);
}

#[test]
fn receivers_and_parameters() {
    assert_eq!(
        items("impl Point {\n  fn norm(self): f64 { 0.0 }\n  fn shift(mut self, dx: f64) { }\n}"),
        ["(impl Point (fn norm(self): f64 {0.0}) (fn shift(mut self, dx: f64) {}))"]
    );
    assert_eq!(
        items("fn run(move f: () => T, ordering: MemoryOrdering = MemoryOrdering.SeqCst,) {}"),
        ["(fn run(move f: (fn () T), ordering: MemoryOrdering = (. MemoryOrdering SeqCst)) {})"]
    );
    assert_eq!(
        items("fn f(\n  a: i64,\n  b: &mut Vec<i64>\n) {}"),
        ["(fn f(a: i64, b: &mut Vec<i64>) {})"]
    );
}

#[test]
fn signature_span_ends_before_the_body() {
    let m = parse_ok("async fn f(): i64 with io { 1 }");
    let ItemKind::Fn(f) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!((f.sig_span.start, f.sig_span.end), (0, 25));
}

#[test]
fn effect_clauses() {
    assert_eq!(
        items("fn f(id: u64): Vec<Order> with reads(UserDB), writes(OrderDB), io { }"),
        ["(fn f(id: u64): Vec<Order> with reads(UserDB) writes(OrderDB) io {})"]
    );
    assert_eq!(
        items("fn g() with reads(A) reads(B) suspends"),
        ["(fn g() with reads(A) reads(B) suspends)"]
    );
}

#[test]
fn annotations_and_visibility() {
    assert_eq!(
        items("@send @sync\nstruct P { x: i64 }\n@link(\"m\") extern fn cos(x: f64): f64\n@repr(C) pub struct Q {}\npub let LIMIT: i64 = 100"),
        [
            "@send() @sync() (struct P x:i64)",
            "@link(\"m\") (extern fn cos(x: f64): f64)",
            "@repr(C) pub (struct Q )",
            "pub (let LIMIT: i64 100)",
        ]
    );
}

#[test]
fn pub_on_a_plain_statement_is_e0009() {
    let errs = errors("pub x = 1");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, "E0009");
}

#[test]
fn structs() {
    assert_eq!(
        items("struct Point { x: f64, y: f64 }\npar struct Stats {\n  pub hits: AtomicI64\n  misses: AtomicI64\n}\nstruct Pair<A, B> { first: A, second: B }\nstruct Unit {}"),
        [
            "(struct Point x:f64 y:f64)",
            "(par struct Stats hits:AtomicI64 misses:AtomicI64)",
            "(struct Pair<A,B> first:A second:B)",
            "(struct Unit )",
        ]
    );
}

#[test]
fn struct_fields_of_generic_type_end_at_a_newline() {
    assert_eq!(
        items("struct Parser {\n  toks: Vec<Token>\n  pos: i64\n  next: HashMap<i64, Vec<i64>>\n}\nfn f(a: i64, b: i64): bool {\n  a >\n  b\n}"),
        [
            "(struct Parser toks:Vec<Token> pos:i64 next:HashMap<i64 Vec<i64>>)",
            "(fn f(a: i64, b: i64): bool {(> a b)})",
        ]
    );
}

#[test]
fn enums() {
    assert_eq!(
        items("enum Shape { Circle(f64), Rect(f64, f64), Empty }\nenum Result<T, E = Error> {\n  Ok(T)\n  Err(E)\n}"),
        [
            "(enum Shape Circle(f64) Rect(f64 f64) Empty)",
            "(enum Result<T,E=Error> Ok(T) Err(E))",
        ]
    );
}

#[test]
fn impls() {
    assert_eq!(
        items("impl<T> Stack<T> {\n  pub fn push(mut self, x: T) { self.items.push(x) }\n\n  @intrinsic(\"vec_len\") fn len(self): i64\n}"),
        ["(impl<T> Stack<T> pub (fn push(mut self, x: T) {(.push (. self items) x)}) @intrinsic(\"vec_len\") (fn len(self): i64))"]
    );
}

#[test]
fn resources() {
    assert_eq!(
        items("resource UserDB\nresource OrderDB"),
        ["(resource UserDB)", "(resource OrderDB)"]
    );
}

#[test]
fn let_var_defer_statements() {
    assert_eq!(
        items("let x = 1\nlet y: i64 = 2\nvar z = 3\nvar w: Vec<i64> = Vec.new()\nlet (a, b) = pair\nlet Some(v) = opt else { return }"),
        [
            "(let x 1)",
            "(let y: i64 2)",
            "(var z 3)",
            "(var w: Vec<i64> (.new Vec))",
            "(let (tuple a b) pair)",
            "(let Some(v) opt else {(return)})",
        ]
    );
    assert_eq!(
        items("fn f() { defer m.unlock()\nerrdefer cleanup(x) }"),
        ["(fn f() {(defer (.unlock m)) (errdefer (call cleanup x))})"]
    );
}

#[test]
fn empty_statements_and_semicolons() {
    assert_eq!(items(";;\nx;;; y;\n"), ["x;", "y;"]);
    let m = parse_ok("fn f() { ; a;; }");
    let ItemKind::Fn(f) = &m.items[0].kind else {
        panic!()
    };
    let body = f.body.as_ref().unwrap();
    assert_eq!(body.stmts.len(), 1);
    assert!(matches!(
        body.stmts[0].kind,
        StmtKind::Expr { semi: true, .. }
    ));
}

#[test]
fn types() {
    assert_eq!(
        items("let a: i64? = x\nlet b: [i64; 3] = y\nlet c: (i64, string) = z\nlet d: () = u\nlet e: (i64) = v\nlet f: *u8 = p\nlet g: Vec<Vec<i64>> = q\nlet h: HashMap<string, i64?>?? = r"),
        [
            "(let a: i64? x)",
            "(let b: [i64; 3] y)",
            "(let c: (tuple i64 string) z)",
            "(let d: (tuple ) u)",
            "(let e: i64 v)",
            "(let f: *u8 p)",
            "(let g: Vec<Vec<i64>> q)",
            "(let h: HashMap<string i64?>?? r)",
        ]
    );
}

#[test]
fn closure_and_reference_types() {
    assert_eq!(
        items("fn f(a: () => void, b: (i64, i64) => i64, c: &T, d: &mut T, e: (i64,)) {}"),
        ["(fn f(a: (fn () void), b: (fn (i64 i64) i64), c: &T, d: &mut T, e: (tuple i64)) {})"]
    );
    assert!(
        !errors("fn f(g: (v: &mut T) => R) {}").is_empty(),
        "closure types list types only"
    );
}

#[test]
fn patterns() {
    assert_eq!(
        items("let _ = a\nlet (x, (y, _)) = b\nlet Point { x, y: py, .. } = p\nlet (c) = d\nlet () = e"),
        [
            "(let _ a)",
            "(let (tuple x (tuple y _)) b)",
            "(let (struct Point x y:py ..) p)",
            "(let c d)",
            "(let (tuple ) e)",
        ]
    );
}

#[test]
fn literal_and_range_patterns() {
    assert_eq!(
        super::expr("match c { 'a'..='z' => 1, -1 => 2, 1.5 => 3, \"s\" => 4, true | false => 5, 0..10 => 6 }"),
        "(match c [(..= 'a' 'z') => 1] [(- 1) => 2] [1.5 => 3] [\"s\" => 4] [(| true false) => 5] [(.. 0 10) => 6])"
    );
}

#[test]
fn variant_patterns() {
    assert_eq!(
        super::expr("match s { Shape.Circle(r) => r, Color.Red => 0, Some((a, b)) => a, None => 1, Point { x, .. } => x }"),
        "(match s [Shape.Circle(r) => r] [Color.Red => 0] [Some((tuple a b)) => a] [None => 1] [(struct Point x ..) => x])"
    );
}

#[test]
fn top_level_script_statements() {
    assert_eq!(
        items("from \"std/sync\" import { AtomicI64 }\nlet counter = AtomicI64.new(0)\ncounter.add(1)\nprint(counter.load())"),
        [
            "(import \"std/sync\" AtomicI64)",
            "(let counter (.new AtomicI64 0))",
            "(.add counter 1)",
            "(call print (.load counter))",
        ]
    );
}

#[test]
fn brace_ended_items_may_share_a_line() {
    assert_eq!(
        items("struct A {} struct B { x: i64 } fn f() {} fn g() { 1 }"),
        [
            "(struct A )",
            "(struct B x:i64)",
            "(fn f() {})",
            "(fn g() {1})"
        ]
    );
    assert!(!errors("resource A resource B").is_empty());
}

#[test]
fn let_else_on_the_next_line() {
    assert_eq!(
        items("let Some(v) = opt\nelse {\n  return\n}"),
        ["(let Some(v) opt else {(return)})"]
    );
}

#[test]
fn parse_tokens_takes_a_lexed_stream() {
    use crate::diagnostics::Diagnostics;
    use crate::source::FileId;
    use crate::syntax::lexer::lex;
    let src = "fn main() { print(1) }";
    let mut diags = Diagnostics::new();
    let tokens = lex(FileId(3), src, &mut diags);
    let module = crate::syntax::parser::parse_tokens(FileId(3), &tokens, src.len(), &mut diags);
    assert!(diags.is_empty());
    assert_eq!(module.file, FileId(3));
    assert_eq!(
        super::item_sexp(&module.items[0]),
        "(fn main() {(call print 1)})"
    );
    assert_eq!(module.items[0].span.file, FileId(3));
}
