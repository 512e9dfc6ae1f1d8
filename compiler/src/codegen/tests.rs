//! Unit tests of code generation choices visible in the unoptimized IR: prologue stack
//! checks and their elision in small leaves, TBAA tags, the uniqueness assumption, and
//! which calls unwind to landing pads, the inline cancel-flag read.

use super::target::{machine, TargetSpec};
use super::{generate, Options};
use crate::hir;
use inkwell::context::Context;

/// The unoptimized LLVM IR of a program.
fn ir(src: &str) -> String {
    let hir = hir::lower_source(src);
    let ctx = Context::create();
    let tm = machine(&TargetSpec::host(), 0).expect("host target");
    let opts = Options {
        debug: false,
        stack_checks: true,
    };
    let module = generate(&ctx, &hir, tm.get_target_data(), &tm.get_triple(), &opts)
        .unwrap_or_else(|_| panic!("code generation failed"));
    module.print_to_string().to_string()
}

/// The text of the definition of the function `weft.<name>.<n>`.
fn function<'a>(ir: &'a str, name: &str) -> &'a str {
    let needle = format!("@weft.{name}.");
    let start = ir
        .match_indices("define ")
        .map(|(i, _)| i)
        .find(|&i| ir[i..].lines().next().is_some_and(|l| l.contains(&needle)))
        .unwrap_or_else(|| panic!("no function {name} in:\n{ir}"));
    let end = ir[start..].find("\n}\n").map_or(ir.len(), |e| start + e);
    &ir[start..end]
}

const PROGRAM: &str = r#"
enum Shape {
    Circle(f64),
    Square(i64),
}

fn leaf(a: f64, b: f64): f64 {
    a * b + 1.0
}

fn fib(n: i64): i64 {
    if n < 2 {
        return n
    }
    fib(n - 1) + fib(n - 2)
}

fn scale(v: &mut Vec<f64>, k: f64) {
    for i in 0..v.len() {
        v[i] = v[i] * k
    }
}

fn area(s: Shape): f64 {
    match s {
        Circle(r) => r * r * 3.0,
        Square(n) => (n * n) as f64,
    }
}

fn main() {
    var v = [1.0, 2.0]
    scale(&mut v, leaf(2.0, 3.0))
    var s = Shape.Square(3)
    s = Shape.Circle(1.0)
    print(fib(10), v[1], area(s))
}
"#;

#[test]
fn small_leaves_skip_the_stack_check() {
    let ir = ir(PROGRAM);
    assert!(!function(&ir, "leaf").contains("stacksave"));
    assert!(function(&ir, "fib").contains("@weft_rt_morestack"));
    assert!(function(&ir, "main").contains("@weft_rt_morestack"));
}

#[test]
fn element_and_slot_accesses_are_tagged_by_type() {
    let ir = ir(PROGRAM);
    let scale = function(&ir, "scale");
    assert!(scale
        .lines()
        .any(|l| l.contains("store double") && l.contains("!tbaa")));
    assert!(scale
        .lines()
        .any(|l| l.contains("load ptr") && l.contains("!tbaa")));
}

#[test]
fn enum_payload_accesses_stay_untagged() {
    let ir = ir(PROGRAM);
    let area = function(&ir, "area");
    let payload_loads: Vec<&str> = area
        .lines()
        .filter(|l| l.contains(" = load ") && l.contains("ptr %vfield"))
        .collect();
    assert!(!payload_loads.is_empty(), "{area}");
    assert!(payload_loads.iter().all(|l| !l.contains("!tbaa")), "{area}");
}

#[test]
fn writes_check_uniqueness_unordered_and_assume_it_after_copying() {
    let ir = ir(PROGRAM);
    let scale = function(&ir, "scale");
    assert!(scale.contains("load atomic i64, ptr") && scale.contains("unordered"));
    assert!(scale.contains("@llvm.assume"));
}

const UNWINDING: &str = r#"
fn inner(i: i64): i64 {
    let v = [1, 2, 3]
    v[i]
}

fn plain(n: i64): i64 {
    inner(n) + inner(n + 1)
}

fn cleans(n: i64): i64 {
    defer { print("deferred") }
    let s = "n = " + n.toString()
    inner(n) + s.len()
}

fn main() {
    print(plain(0) + cleans(1))
}
"#;

#[test]
fn calls_with_live_cleanups_unwind_to_a_landing_pad() {
    let ir = ir(UNWINDING);
    let cleans = function(&ir, "cleans");
    assert!(
        cleans.contains("personality ptr @weft_rt_personality"),
        "{cleans}"
    );
    assert!(cleans.contains("invoke i64 @weft.inner."), "{cleans}");
    // The landing pad runs the defer and releases the string, then resumes.
    let pad = &cleans[cleans.find("landingpad").expect("a landing pad")..];
    assert!(pad.contains("cleanup"), "{pad}");
    assert!(
        pad.contains("@weft_rt_print") && pad.contains("resume"),
        "{pad}"
    );
}

#[test]
fn calls_with_nothing_to_clean_up_stay_plain_calls() {
    let ir = ir(UNWINDING);
    let plain = function(&ir, "plain");
    assert!(plain.contains("call i64 @weft.inner."), "{plain}");
    assert!(
        !plain.contains("invoke") && !plain.contains("personality"),
        "{plain}"
    );
    // A bounds trap in a frame that owns a vector unwinds to a pad that releases it.
    let inner = function(&ir, "inner");
    assert!(
        inner.contains("invoke void @weft_rt_panic_bounds"),
        "{inner}"
    );
}

#[test]
fn is_cancelled_reads_the_flag_without_a_call() {
    let ir = ir(r#"
from "std/runtime" import { Task }

fn poll(): bool {
    Task.isCancelled()
}

fn main() {
    print(poll())
}
"#);
    let f = function(&ir, "poll");
    assert!(f.contains("@weft_rt_cancel_flag"), "{f}");
    assert!(f.contains("load atomic i8"), "{f}");
    assert!(!f.contains("weft_rt_task_is_cancelled"), "{f}");
}
