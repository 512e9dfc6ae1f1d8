//! Expressions: literals, precedence and associativity, postfix chains, generic names,
//! struct literals, closures, tuples and arrays.

use super::{expr, parse_ok, stmts};
use crate::syntax::ast::{ExprKind, ItemKind, StmtKind};

#[test]
fn literals() {
    assert_eq!(expr("42"), "42");
    assert_eq!(expr("7u8"), "7u8");
    assert_eq!(expr("1.5"), "1.5");
    assert_eq!(expr(r#""hi""#), r#""hi""#);
    assert_eq!(expr("'a'"), "'a'");
    assert_eq!(expr("true"), "true");
    assert_eq!(expr("false"), "false");
}

#[test]
fn interpolated_string() {
    assert_eq!(
        expr(r#"$"x = {x + 1}, y = {f(y)}""#),
        r#"(interp "x = " (+ x 1) ", y = " (call f y))"#
    );
    assert_eq!(expr(r#"$"{p}""#), "(interp p)");
    assert_eq!(
        expr(r#"$"{Point { x: 1 }.x}""#),
        "(interp (. (struct Point x:1) x))"
    );
}

#[test]
fn additive_and_multiplicative_precedence() {
    assert_eq!(expr("a + b * c"), "(+ a (* b c))");
    assert_eq!(expr("a * b + c"), "(+ (* a b) c)");
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a / b % c"), "(% (/ a b) c)");
}

#[test]
fn cast_binds_between_prefix_and_multiplication() {
    assert_eq!(expr("-1 as u64"), "(as (- 1) u64)");
    assert_eq!(expr("a * b as f64"), "(* a (as b f64))");
    assert_eq!(expr("x as i64 + 1"), "(+ (as x i64) 1)");
    assert_eq!(expr("x as u8 as i64"), "(as (as x u8) i64)");
    assert_eq!(expr("&x as *u8"), "(as (& x) *u8)");
}

#[test]
fn coalesce_is_right_associative_and_loose() {
    assert_eq!(expr("a ?? b ?? c"), "(?? a (?? b c))");
    assert_eq!(expr("a || b ?? c"), "(?? (|| a b) c)");
}

#[test]
fn logical_and_comparison_levels() {
    assert_eq!(expr("a || b && c"), "(|| a (&& b c))");
    assert_eq!(expr("a == b && c < d"), "(&& (== a b) (< c d))");
    assert_eq!(expr("a <= b || c >= d"), "(|| (<= a b) (>= c d))");
    assert_eq!(expr("a != b"), "(!= a b)");
}

#[test]
fn bitwise_levels() {
    assert_eq!(expr("a | b ^ c & d"), "(| a (^ b (& c d)))");
    assert_eq!(expr("a & b == c"), "(== (& a b) c)");
    assert_eq!(expr("a << 2 + 1"), "(<< a (+ 2 1))");
}

#[test]
fn right_shift_from_two_adjacent_gt() {
    assert_eq!(expr("x >> 2"), "(>> x 2)");
    assert_eq!(expr("a >> b >> c"), "(>> (>> a b) c)");
    assert_eq!(expr("a > b"), "(> a b)");
    assert_eq!(expr("a >> b > c"), "(> (>> a b) c)");
    let (_, diags) = crate::syntax::parser::parse_expr_str("x > > 2");
    assert!(!diags.is_empty(), "`> >` with a space is not a shift");
}

#[test]
fn ranges() {
    assert_eq!(expr("a..b"), "(.. a b)");
    assert_eq!(expr("0..=n"), "(..= 0 n)");
    assert_eq!(expr("0..n - 1"), "(.. 0 (- n 1))");
    assert_eq!(expr("a ?? b..c"), "(.. (?? a b) c)");
}

#[test]
fn prefix_operators() {
    assert_eq!(expr("-x"), "(- x)");
    assert_eq!(expr("!ok"), "(! ok)");
    assert_eq!(expr("~bits"), "(~ bits)");
    assert_eq!(expr("&v"), "(& v)");
    assert_eq!(expr("&mut v"), "(&mut v)");
    assert_eq!(expr("*p"), "(* p)");
    assert_eq!(expr("--x"), "(- (- x))");
    assert_eq!(expr("-a.b()"), "(- (.b a))");
    assert_eq!(expr("await p"), "(await p)");
    assert_eq!(expr("await fetch(1)!"), "(await (unwrap (call fetch 1)))");
}

#[test]
fn mut_ref_arguments() {
    assert_eq!(expr("g(&mut p, &q)"), "(call g (&mut p) (& q))");
    assert_eq!(
        expr("swap(&mut a[0], &mut b.x)"),
        "(call swap (&mut (index a 0)) (&mut (. b x)))"
    );
}

#[test]
fn postfix_chain() {
    assert_eq!(expr("f(1, 2)"), "(call f 1 2)");
    assert_eq!(expr("f()"), "(call f)");
    assert_eq!(expr("v[i + 1]"), "(index v (+ i 1))");
    assert_eq!(expr("a.b.c"), "(. (. a b) c)");
    assert_eq!(expr("s.len()"), "(.len s)");
    assert_eq!(expr("f(x)(y)"), "(call (call f x) y)");
    assert_eq!(
        expr("threads[i].join()!"),
        "(unwrap (.join (index threads i)))"
    );
}

#[test]
fn unwrap_and_try() {
    assert_eq!(expr("e!"), "(unwrap e)");
    assert_eq!(expr("e?"), "(try e)");
    assert_eq!(expr("p.await()!"), "(unwrap (.await p))");
    assert_eq!(expr("read()?.trim()"), "(.trim (try (call read)))");
    assert_eq!(expr("a! + b?"), "(+ (unwrap a) (try b))");
}

#[test]
fn tuple_fields() {
    assert_eq!(expr("t.0"), "(. t 0)");
    assert_eq!(expr("t.0.1"), "(. (. t 0) 1)");
    assert_eq!(expr("pair.1.len()"), "(.len (. pair 1))");
}

#[test]
fn keywords_as_member_names() {
    assert_eq!(expr("p.await()"), "(.await p)");
    assert_eq!(expr("x.match"), "(. x match)");
    assert_eq!(expr("Task.spawn(f)"), "(.spawn Task f)");
    assert_eq!(expr("e.default()"), "(.default e)");
}

#[test]
fn method_type_arguments() {
    assert_eq!(expr("x.get<i64>(k)"), "(.get<i64> x k)");
    assert_eq!(expr("x.len < y"), "(< (. x len) y)");
    assert_eq!(expr("x.a < b > c"), "(> (< (. x a) b) c)");
    assert_eq!(expr("x.a<b>(c)"), "(.a<b> x c)");
}

#[test]
fn generic_names_versus_comparisons() {
    assert_eq!(expr("Channel<i64>.new(8)"), "(.new Channel<i64> 8)");
    assert_eq!(expr("max<i64>(a, b)"), "(call max<i64> a b)");
    assert_eq!(expr("Vec<Vec<i64>>.new()"), "(.new Vec<Vec<i64>>)");
    assert_eq!(
        expr("HashMap<string, i64>.new()"),
        "(.new HashMap<string i64>)"
    );
    assert_eq!(expr("a < b"), "(< a b)");
    assert_eq!(expr("a < b && c > d"), "(&& (< a b) (> c d))");
    assert_eq!(expr("f(a < b, c > d)"), "(call f (< a b) (> c d))");
}

#[test]
fn struct_literals() {
    assert_eq!(
        expr("Point { x: 1.0, y: 2.0 }"),
        "(struct Point x:1.0 y:2.0)"
    );
    assert_eq!(expr("Point { x, y }"), "(struct Point x y)");
    assert_eq!(expr("Empty {}"), "(struct Empty )");
    assert_eq!(
        expr("Pair<i64, string> { first: 1, second: \"a\" }"),
        "(struct Pair<i64 string> first:1 second:\"a\")"
    );
    assert_eq!(
        expr(
            r"Point {
  x: 1,
  y: 2
}"
        ),
        "(struct Point x:1 y:2)"
    );
    assert_eq!(
        expr(
            r"Point {
  x: 1
  y: 2
}"
        ),
        "(struct Point x:1 y:2)"
    );
}

#[test]
fn closures() {
    assert_eq!(
        expr("(): i64 => { return 1 }"),
        "(closure (): i64 {(return 1)})"
    );
    assert_eq!(
        expr("(a: i64, b: i64): i64 => a + b"),
        "(closure (a: i64, b: i64): i64 (+ a b))"
            .replace(", ", " ")
            .as_str()
    );
    assert_eq!(expr("() => square(n)"), "(closure () (call square n))");
    assert_eq!(expr("(acc, x) => acc + x"), "(closure (acc x) (+ acc x))");
    assert_eq!(
        expr("move (): void => { ch.send(10)! }"),
        "(move closure (): void {(unwrap (.send ch 10))})"
    );
    assert_eq!(
        expr("(v: &mut T): R => v.x"),
        "(closure (v: &mut T): R (. v x))"
    );
    assert_eq!(expr("(move f) => f()"), "(closure (move f) (call f))");
    assert_eq!(expr("() => P { x: 1 }"), "(closure () (struct P x:1))");
}

#[test]
fn closures_versus_tuples_and_parens() {
    assert_eq!(expr("()"), "()");
    assert_eq!(expr("(a)"), "a");
    assert_eq!(expr("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(expr("(a, b)"), "(tuple a b)");
    assert_eq!(expr("(a,)"), "(tuple a)");
    assert_eq!(expr("(a, (b, c))"), "(tuple a (tuple b c))");
    assert_eq!(expr("(a, b) => a"), "(closure (a b) a)");
    assert_eq!(
        expr("fold(0, (acc, x) => acc + x)"),
        "(call fold 0 (closure (acc x) (+ acc x)))"
    );
}

#[test]
fn paren_expression_span_covers_the_parentheses() {
    let (e, _) = crate::syntax::parser::parse_expr_str("(a + b)");
    let e = e.unwrap();
    assert_eq!((e.span.start, e.span.end), (0, 7));
    assert!(matches!(e.kind, ExprKind::Binary { .. }));
}

#[test]
fn arrays() {
    assert_eq!(expr("[]"), "[]");
    assert_eq!(expr("[1]"), "[1]");
    assert_eq!(expr("[1, 2, 3,]"), "[1 2 3]");
    assert_eq!(expr("[0; 64]"), "[0; 64]");
    assert_eq!(expr("[[1, 2], [3]]"), "[[1 2] [3]]");
}

#[test]
fn calls_and_lists_span_lines() {
    assert_eq!(
        expr(
            r"f(
  a,
  b,
)"
        ),
        "(call f a b)"
    );
    assert_eq!(
        expr(
            r"[
 1,
 2
]"
        ),
        "[1 2]"
    );
    assert_eq!(
        expr(
            r"xs
  .map((x) => x * 2)
  .len()"
        ),
        "(.len (.map xs (closure (x) (* x 2))))"
    );
}

#[test]
fn blocks_as_expressions() {
    assert_eq!(expr("{ a; b }"), "{a; b}");
    assert_eq!(expr("unsafe { *p }"), "(unsafe {(* p)})");
    assert_eq!(expr("blocking { read() }"), "(blocking {(call read)})");
}

#[test]
fn expression_statement_semi_flag() {
    let m = parse_ok("fn f() { a\n b; c }");
    let ItemKind::Fn(f) = &m.items[0].kind else {
        panic!()
    };
    let semis: Vec<bool> = f
        .body
        .as_ref()
        .unwrap()
        .stmts
        .iter()
        .map(|s| match s.kind {
            StmtKind::Expr { semi, .. } => semi,
            _ => panic!(),
        })
        .collect();
    assert_eq!(semis, [false, true, false]);
}

#[test]
fn assignments() {
    assert_eq!(
        stmts(
            r"x = 1
v[i] = x
p.x += 2
n >>= 1
m <<= 3
b ^= c"
        ),
        [
            "(= x 1)",
            "(= (index v i) x)",
            "(+= (. p x) 2)",
            "(>>= n 1)",
            "(<<= m 3)",
            "(^= b c)"
        ]
    );
    assert_eq!(
        stmts("a -= 1; b *= 2; c /= 3; d %= 4; e &= 5; f |= 6"),
        ["(-= a 1)", "(*= b 2)", "(/= c 3)", "(%= d 4)", "(&= e 5)", "(|= f 6)"]
    );
}
