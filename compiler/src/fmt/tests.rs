use super::*;

fn fmt(src: &str) -> String {
    match format_source(FileId(0), src) {
        Ok(s) => s,
        Err(e) => panic!("cannot format:\n{src}\n{e:?}"),
    }
}

/// Formats `src`, checks the result is `want` and that formatting it again changes
/// nothing.
fn check(src: &str, want: &str) {
    let got = fmt(src);
    assert_eq!(got, want, "layout of:\n{src}");
    assert_eq!(fmt(&got), got, "not idempotent:\n{got}");
}

#[test]
fn indents_blocks_and_spaces_operators() {
    check(
        "fn main(){\nlet x=1+2*3\nif x>3{print(x)}else{\nprint(-x)\n}\n}\n",
        "fn main() {\n    let x = 1 + 2 * 3\n    if x > 3 { print(x) } else {\n        print(-x)\n    }\n}\n",
    );
}

#[test]
fn generic_brackets_take_no_spaces() {
    check(
        "fn f < T > (v : Vec < Vec < T > >) : HashMap<string , i64>? {\nlet c = Channel < i64 > . new(8)\nlet b = a < b && c > d\nlet s = x >> 2\n}\n",
        "fn f<T>(v: Vec<Vec<T>>): HashMap<string, i64>? {\n    let c = Channel<i64>.new(8)\n    let b = a < b && c > d\n    let s = x >> 2\n}\n",
    );
}

#[test]
fn unary_postfix_and_calls() {
    check(
        "fn g(p: *u8, r: &mut Vec<i64>, q: &mut [i64; 3], o: i64 ??, n: i64 ? ?) {\nlet a = ! b\nlet c = f (x) !\nlet d = v [0] ?\nlet e = & x as * u8\nlet r = 0 .. n\nlet q = -1..=5\n}\n",
        "fn g(p: *u8, r: &mut Vec<i64>, q: &mut [i64; 3], o: i64??, n: i64? ?) {\n    let a = !b\n    let c = f(x)!\n    let d = v[0]?\n    let e = &x as *u8\n    let r = 0..n\n    let q = -1..=5\n}\n",
    );
}

#[test]
fn keywords_as_names_are_callees() {
    check(
        "fn main() {\nlet v = p.await ()!\nlet t = Task.spawn (f)\nif (a) { }\n}\n",
        "fn main() {\n    let v = p.await()!\n    let t = Task.spawn(f)\n    if (a) {}\n}\n",
    );
}

#[test]
fn continuation_lines_are_indented_once() {
    check(
        "fn main() {\nlet total = items\n.map((x) => {\nx * 2\n})\n.fold(0, (a, b) => a + b)\nlet y = a &&\nb\n}\n",
        "fn main() {\n    let total = items\n        .map((x) => {\n            x * 2\n        })\n        .fold(0, (a, b) => a + b)\n    let y = a &&\n        b\n}\n",
    );
}

#[test]
fn brackets_opened_on_one_line_indent_once() {
    check(
        "fn main() {\nfoo(bar(\n1,\n2))\nlet v = [\n1,\n2,\n]\n}\n",
        "fn main() {\n    foo(bar(\n        1,\n        2))\n    let v = [\n        1,\n        2,\n    ]\n}\n",
    );
}

#[test]
fn blank_lines_collapse_and_trim() {
    check(
        "\n\nfn a() {\n\n    x()\n\n\n    y()\n\n}\n\n\n\nfn b() {}\n\n\n",
        "fn a() {\n    x()\n\n    y()\n}\n\nfn b() {}\n",
    );
}

#[test]
fn comments_keep_their_place() {
    check(
        "// header\n\n  /// doc\nfn main() { // opens\n        // own line\n  let x = 1   // one\n  let long = 22 // two\n\n  let y = /* inline */ 2\n  /* block\n     kept */\n  // before the closer\n}\n// end\n",
        "// header\n\n/// doc\nfn main() { // opens\n    // own line\n    let x = 1     // one\n    let long = 22 // two\n\n    let y = /* inline */ 2\n    /* block\n     kept */\n    // before the closer\n}\n// end\n",
    );
}

#[test]
fn match_arms_struct_literals_and_else_lines() {
    check(
        "fn f(s: Shape): f64 {\nmatch s {\nShape.Circle(r) => 3.0 * r,\nShape.Rect(w, h) if w > h => {\nw * h\n}\n_ =>\n0.0\n}\n}\nfn g() {\nlet p = Point{x: 1.0, y}\nif a {\n}\nelse {\n}\n}\n",
        "fn f(s: Shape): f64 {\n    match s {\n        Shape.Circle(r) => 3.0 * r,\n        Shape.Rect(w, h) if w > h => {\n            w * h\n        }\n        _ =>\n            0.0\n    }\n}\nfn g() {\n    let p = Point { x: 1.0, y }\n    if a {\n    }\n    else {\n    }\n}\n",
    );
}

#[test]
fn literals_are_copied_as_written() {
    check(
        "fn main() {\nlet s = $\"a {x+1} b\"\nlet t = \"tab\\t\"\nlet n = 1_000i64+0x1F\nlet m = \"two\nlines  \"\nprint(5.toString())\n}\n",
        "fn main() {\n    let s = $\"a {x+1} b\"\n    let t = \"tab\\t\"\n    let n = 1_000i64 + 0x1F\n    let m = \"two\nlines  \"\n    print(5.toString())\n}\n",
    );
}

#[test]
fn items_annotations_and_imports() {
    check(
        "from \"std/runtime\" import {Promise,Task}\n@test\nfn t() {}\n@intrinsic(\"x\") pub fn y(a: i64 = 1): void\nimpl < T > Stack < T > {\nfn push(mut self, x: T) { self.items.push(x) }\n}\nstruct P {\nx: f64\nitems: Vec<i64>\n}\nenum E { A(i64), B }\n",
        "from \"std/runtime\" import { Promise, Task }\n@test\nfn t() {}\n@intrinsic(\"x\") pub fn y(a: i64 = 1): void\nimpl<T> Stack<T> {\n    fn push(mut self, x: T) { self.items.push(x) }\n}\nstruct P {\n    x: f64\n    items: Vec<i64>\n}\nenum E { A(i64), B }\n",
    );
}

#[test]
fn tokens_that_would_fuse_keep_a_space() {
    // `& &x` must not become `&&x` (one token).
    let got = fmt("fn main() {\nlet r = & &x\nlet n = - -1\n}\n");
    assert!(got.contains("& &x"), "{got}");
    assert_eq!(fmt(&got), got);
}

#[test]
fn explicit_semicolons_and_tabs() {
    check(
        "fn main() {\n\tlet a = 1; let b = [0 ; 4]\n\tfoo() ;\n}\n",
        "fn main() {\n    let a = 1; let b = [0; 4]\n    foo();\n}\n",
    );
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    match format_source(FileId(0), "fn main() {\n    let = 3\n}\n") {
        Err(FormatError::Syntax(d)) => assert!(!d.is_empty()),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn empty_and_comment_only_files() {
    check("", "");
    check("\n\n", "");
    check("// only\n\n\n// comments\n", "// only\n\n// comments\n");
}

#[test]
fn span_free_trees_compare_programs() {
    let parse = |s: &str| {
        let mut d = Diagnostics::new();
        parser::parse_file(FileId(0), s, &mut d)
    };
    assert_eq!(
        without_spans(&parse("fn f() { g(1) }")),
        without_spans(&parse("fn f() {\n    g(1)\n}"))
    );
    assert_ne!(
        without_spans(&parse("fn f() { g(1) }")),
        without_spans(&parse("fn f() { g(2) }"))
    );
}
