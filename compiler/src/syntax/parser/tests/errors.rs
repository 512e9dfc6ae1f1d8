//! Syntax errors: messages, spans, delimiter checks, and recovery (every broken statement
//! or item is reported once and the rest of the file is still parsed).

use super::{errors, item_sexp, parse, sexp};
use crate::diagnostics as diag;
use crate::syntax::ast::{ExprKind, ItemKind, PatternKind, StmtKind};

/// The messages of a file's diagnostics.
fn messages(src: &str) -> Vec<String> {
    errors(src).into_iter().map(|(_, _, m)| m).collect()
}

#[test]
fn missing_expression() {
    assert_eq!(messages("let x = ;"), ["expected expression, found `;`"]);
    assert_eq!(
        messages("let x = 1 +\n"),
        ["expected expression, found end of file"]
    );
    assert_eq!(messages("f(1, 2 +)"), ["expected expression, found `)`"]);
}

#[test]
fn expected_one_of_lists_are_short_and_readable() {
    assert_eq!(
        messages("foo(a b)"),
        ["expected one of `,`, `)`, operator, found `b`"]
    );
    assert_eq!(
        messages("let v = f(,)"),
        ["expected one of `)`, expression, found `,`"]
    );
    assert_eq!(messages("let = 5"), ["expected pattern, found `=`"]);
    assert_eq!(messages("fn f(a: ) {}"), ["expected type, found `)`"]);
    assert_eq!(
        messages("a.b."),
        ["expected field or method name, found end of file"]
    );
    for (_, _, m) in errors(
        r"impl P { fn a() {} let x = 1 }
@
from",
    ) {
        let listed = m.matches(", ").count();
        assert!(listed <= 6, "too many alternatives in {m:?}");
    }
}

#[test]
fn newline_and_keywords_are_named() {
    assert_eq!(
        messages(
            r"if x
{
}"
        ),
        ["expected one of `{`, operator, found end of line"]
    );
    assert_eq!(
        messages("impl P { fn a() {} let x = 1 }"),
        ["expected one of `;`, `}`, method, found keyword `let`"]
    );
}

#[test]
fn failed_guesses_do_not_pollute_messages() {
    // `a < b` is first tried as the start of `a<b>(...)`; that guess must not add `,` or `>`.
    assert_eq!(
        messages("let x = a < b c"),
        ["expected one of `else`, `;`, operator, end of file, found `c`"]
    );
}

#[test]
fn broken_closure_parameters_are_reported_where_they_break() {
    assert_eq!(messages("let f = (a: ) => 1"), ["expected type, found `)`"]);
}

#[test]
fn three_broken_statements_give_three_errors_on_their_lines() {
    let src = r"fn main() {
  let x = 1 2
  let y = (3 4)
  ok()
  foo(,)
  let z = 5
}
";
    let errs = errors(src);
    let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3, 5], "{errs:?}");
    assert!(errs.iter().all(|e| e.1 == "E0006"));
    let (module, _) = parse(src);
    let ItemKind::Fn(f) = &module.items[0].kind else {
        panic!()
    };
    assert_eq!(
        f.body.as_ref().unwrap().stmts.len(),
        5,
        "all statements are kept"
    );
}

#[test]
fn broken_items_are_reported_and_the_rest_is_parsed() {
    let src = r"fn a(x: ) {}
struct S { x: }
fn ok() { 1 }
enum E { A(, B }
fn ok2() {}
";
    let errs = errors(src);
    let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
    assert_eq!(lines, [1, 2, 4, 4], "{errs:?}");
    assert_eq!(errs[2].1, "E0007", "the `(` of `A(` is never closed");
    let (module, _) = parse(src);
    let rendered: Vec<String> = module.items.iter().map(item_sexp).collect();
    assert!(
        rendered.contains(&"(fn ok() {1})".to_string()),
        "{rendered:?}"
    );
}

#[test]
fn broken_statement_becomes_an_error_placeholder() {
    let (module, diags) = parse(
        r"fn f() {
  let x = )
  g()
}",
    );
    assert_eq!(diags.len(), 1);
    let ItemKind::Fn(f) = &module.items[0].kind else {
        panic!()
    };
    let stmts = &f.body.as_ref().unwrap().stmts;
    assert!(matches!(
        &stmts[0].kind,
        StmtKind::Expr { expr, .. } if expr.kind == ExprKind::Error
    ));
    assert_eq!(super::stmt(&stmts[1]), "(call g)");
}

#[test]
fn broken_arguments_become_an_error_expression() {
    let (module, diags) = parse("let r = f(a b, c)\nlet s = v[1 2]");
    assert_eq!(diags.len(), 2, "{diags:?}");
    let rendered: Vec<String> = module.items.iter().map(item_sexp).collect();
    assert_eq!(
        rendered,
        ["(let r (call f <error>))", "(let s (index v <error>))"]
    );
}

#[test]
fn broken_match_arm_is_skipped_and_later_arms_kept() {
    let src = r"let v = match x {
  A => ,
  B => 2
  C(1 2) => 3
  D => 4
}";
    let (module, diags) = parse(src);
    assert!(!diags.is_empty());
    let ItemKind::Stmt(stmt) = &module.items[0].kind else {
        panic!()
    };
    let StmtKind::Let { init, .. } = &stmt.kind else {
        panic!()
    };
    let ExprKind::Match { arms, .. } = &init.kind else {
        panic!("{}", sexp(init))
    };
    assert_eq!(arms[0].pat.kind, PatternKind::Error);
    assert_eq!(super::pat(&arms[1].pat), "B");
    assert_eq!(super::pat(&arms.last().unwrap().pat), "D");
}

#[test]
fn match_arms_need_a_separator_unless_the_body_is_a_block() {
    let errs = errors("let v = match x { A => 1 B => 2 }");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(
        errs[0].2,
        "expected one of `,`, `}`, end of line, found `B`"
    );
    assert!(errors("let v = match x { A => { 1 } B => 2 }").is_empty());
}

#[test]
fn unclosed_delimiter_points_at_the_opener_with_a_label_at_the_end() {
    let src = r"fn f() {
  g(1,
";
    let (_, diags) = parse(src);
    assert_eq!(diags.len(), 2, "{diags:?}");
    for d in &diags {
        assert_eq!(d.code, diag::E0007);
        assert_eq!(d.labels[0].span.start as usize, src.len());
        assert!(d.labels[0].span.is_empty());
    }
    assert_eq!((diags[0].primary.start, diags[0].primary.end), (7, 8));
    assert_eq!(diags[1].message, "unclosed delimiter `(`");
}

#[test]
fn unexpected_closing_delimiter() {
    let errs = errors(
        r"fn f() {}
)
fn g() {}",
    );
    assert_eq!(
        errs,
        [(2, "E0006", "unexpected closing delimiter `)`".to_string())]
    );
}

#[test]
fn mismatched_closing_delimiter_reports_the_unclosed_opener_once() {
    let (_, diags) = parse(
        r"fn f() {
  foo(1, 2
}
",
    );
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, diag::E0007);
    assert_eq!(
        diags[0].labels[0].message,
        "the enclosing group closes here"
    );
}

#[test]
fn unterminated_string_is_reported_once() {
    let errs = errors("let s = \"abc");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, "E0002");
}

#[test]
fn errors_at_the_end_of_the_file_have_an_empty_span_there() {
    let src = "let x = -";
    let (_, diags) = parse(src);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].primary.start as usize, src.len());
    assert!(diags[0].primary.is_empty());
    assert_eq!(diags[0].message, "expected expression, found end of file");
}

#[test]
fn one_error_per_token() {
    let (_, diags) = parse("fn f() { ) }");
    let mut starts: Vec<u32> = diags.iter().map(|d| d.primary.start).collect();
    let before = starts.len();
    starts.dedup();
    assert_eq!(before, starts.len(), "{diags:?}");
}

#[test]
fn errors_are_in_source_order() {
    let (_, diags) = parse(
        r"let a = )
let b = (
let c = ]
",
    );
    let starts: Vec<u32> = diags.iter().map(|d| d.primary.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
}

#[test]
fn primary_label_repeats_the_expectation() {
    let (_, diags) = parse("let x = ;");
    assert_eq!(
        diags[0].primary_label.as_deref(),
        Some("expected expression")
    );
}
