//! Checker behaviour the compile-fail suite cannot observe: warnings, help lines and how
//! often a problem is reported.

use crate::diagnostics::{Diagnostic, Severity};

fn diags(src: &str) -> Vec<Diagnostic> {
    let (_, d) = crate::driver::check_text("t.weft", src.to_string());
    d.into_vec()
}

fn codes(src: &str) -> Vec<(&'static str, Severity)> {
    diags(src).iter().map(|d| (d.code.0, d.severity)).collect()
}

#[test]
fn broken_arm_adds_no_coverage_warning() {
    let src = r#"fn f(n: i64): string {
    match n {
        0 -> "zero",
        _ => "many",
    }
}
fn main() {}
"#;
    assert_eq!(codes(src), [("E0006", Severity::Error)]);
}

#[test]
fn unknown_variant_arm_adds_no_coverage_diagnostics() {
    let src = r"enum E { A, B }
fn f(e: E) {
    match e {
        E.C => print(1),
        A => print(2),
    }
}
fn main() {}
";
    assert_eq!(codes(src), [("E0109", Severity::Error)]);
}

#[test]
fn missing_unwrap_gets_a_help_line() {
    let src = r#"from "std/sync" import { Mutex }
from "std/thread" import { Thread }
fn main() {
    let m = Mutex.new()
    m.lock()
    let t: Thread = Thread.spawn((): void => {})
}
"#;
    let d = diags(src);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(
        d[0].help.iter().any(|h| h.contains("unwrap it with `!`")),
        "{:?}",
        d[0]
    );
    assert!(
        d[1].help.iter().any(|h| h.contains("unwrap it with `!`")),
        "{:?}",
        d[1]
    );
}

#[test]
fn send_requirement_is_reported_once() {
    let src = r#"from "std/sync" import { Channel }
fn main() {
    unsafe {
        let ch = Channel<*u8>.new(4)!
        ch.close()
    }
}
"#;
    assert_eq!(codes(src), [("E0301", Severity::Error)]);
}

#[test]
fn map_key_in_annotation_is_reported_once() {
    let src = r"fn main() {
    var m: HashMap<f64, i64> = HashMap.new()
    m.insert(1.5, 2)
}
";
    assert_eq!(codes(src), [("E0226", Severity::Error)]);
}

#[test]
fn failed_annotation_leaves_no_inference_error() {
    let src = r"fn main() {
    let m: HashMap<i64> = HashMap.new()
    let v: Vec<Nope> = Vec.new()
}
";
    assert_eq!(
        codes(src),
        [("E0113", Severity::Error), ("E0101", Severity::Error)]
    );
}

#[test]
fn literal_types_are_shown_as_literals() {
    let d = diags(
        r"fn main() {
    let s: string = 5
    let t: string = 2.5
}
",
    );
    assert!(
        d[0].message.contains("found `{integer}`"),
        "{}",
        d[0].message
    );
    assert!(d[1].message.contains("found `{float}`"), "{}", d[1].message);
}

#[test]
fn binding_void_is_an_error_outside_generic_instances() {
    let src = r"fn noop() {}
fn call<T>(f: () => T): T {
    let r = f()
    r
}
fn main() {
    call(noop)
    let x = noop()
}
";
    let d = diags(src);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code.0, "E0223");
    assert!(d[0].message.contains("`x`"));
}

#[test]
fn return_and_question_mark_outside_a_function() {
    let src = r#"let A: i64 = return 1
fn f(x: i64 = "1".parseInt()?): i64 { x }
fn main() {
    print(f())
}
"#;
    assert_eq!(
        codes(src),
        [("E0224", Severity::Error), ("E0212", Severity::Error)]
    );
}

#[test]
fn array_len_is_known() {
    assert!(codes(
        r"fn main() {
    let a = [0; 3]
    let n: i64 = a.len()
    print(n)
}
"
    )
    .is_empty());
}
