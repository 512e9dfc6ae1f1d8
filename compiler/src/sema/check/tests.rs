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
    let src = "fn f(n: i64): string {\n    match n {\n        0 -> \"zero\",\n        _ => \"many\",\n    }\n}\nfn main() {}\n";
    assert_eq!(codes(src), [("E0006", Severity::Error)]);
}

#[test]
fn unknown_variant_arm_adds_no_coverage_diagnostics() {
    let src = "enum E { A, B }\nfn f(e: E) {\n    match e {\n        E.C => print(1),\n        A => print(2),\n    }\n}\nfn main() {}\n";
    assert_eq!(codes(src), [("E0109", Severity::Error)]);
}

#[test]
fn missing_unwrap_gets_a_help_line() {
    let src = "from \"std/sync\" import { Mutex }\nfrom \"std/thread\" import { Thread }\nfn main() {\n    let m = Mutex.new()\n    m.lock()\n    let t: Thread = Thread.spawn((): void => {})\n}\n";
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
    let src = "from \"std/sync\" import { Channel }\nfn main() {\n    unsafe {\n        let ch = Channel<*u8>.new(4)!\n        ch.close()\n    }\n}\n";
    assert_eq!(codes(src), [("E0301", Severity::Error)]);
}

#[test]
fn map_key_in_annotation_is_reported_once() {
    let src =
        "fn main() {\n    var m: HashMap<f64, i64> = HashMap.new()\n    m.insert(1.5, 2)\n}\n";
    assert_eq!(codes(src), [("E0226", Severity::Error)]);
}

#[test]
fn failed_annotation_leaves_no_inference_error() {
    let src = "fn main() {\n    let m: HashMap<i64> = HashMap.new()\n    let v: Vec<Nope> = Vec.new()\n}\n";
    assert_eq!(
        codes(src),
        [("E0113", Severity::Error), ("E0101", Severity::Error)]
    );
}

#[test]
fn literal_types_are_shown_as_literals() {
    let d = diags("fn main() {\n    let s: string = 5\n    let t: string = 2.5\n}\n");
    assert!(
        d[0].message.contains("found `{integer}`"),
        "{}",
        d[0].message
    );
    assert!(d[1].message.contains("found `{float}`"), "{}", d[1].message);
}

#[test]
fn binding_void_is_an_error_outside_generic_instances() {
    let src = "fn noop() {}\nfn call<T>(f: () => T): T {\n    let r = f()\n    r\n}\nfn main() {\n    call(noop)\n    let x = noop()\n}\n";
    let d = diags(src);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code.0, "E0223");
    assert!(d[0].message.contains("`x`"));
}

#[test]
fn return_and_question_mark_outside_a_function() {
    let src = "let A: i64 = return 1\nfn f(x: i64 = \"1\".parseInt()?): i64 { x }\nfn main() {\n    print(f())\n}\n";
    assert_eq!(
        codes(src),
        [("E0224", Severity::Error), ("E0212", Severity::Error)]
    );
}

#[test]
fn array_len_is_known() {
    assert!(
        codes("fn main() {\n    let a = [0; 3]\n    let n: i64 = a.len()\n    print(n)\n}\n")
            .is_empty()
    );
}
