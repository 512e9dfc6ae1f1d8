//! `weft build -g` emits DWARF debug information: gdb can break at `file.weft:LINE` and
//! shows parameters and locals of every kind of type (`info locals`, `print x`,
//! `print s.field`), also in the body of a green task.

mod common;

use std::process::Command;

const PROGRAM: &str = "fn square(n: i64): i64 {
    let r = n * n
    return r
}

fn main() {
    var total = 0
    for i in 0..3 {
        total += square(i)
    }
    print(total)
}
";

/// Builds `text` as `name.weft` with `-g -O0`; None when gdb is missing (the test is
/// skipped).
fn build(name: &str, text: &str) -> Option<std::path::PathBuf> {
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed; skipping");
        return None;
    }
    let dir = common::root().join("target/weft-debuginfo");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(format!("{name}.weft"));
    std::fs::write(&src, text).unwrap();
    let exe = dir.join(name);
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["build", "-g", "-O0"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    Some(exe)
}

/// Runs gdb in batch mode on `exe` with `commands`; returns what it printed.
fn gdb(exe: &std::path::Path, commands: &[&str]) -> String {
    let mut cmd = Command::new("gdb");
    cmd.args(["-batch", "-nx"]);
    for c in commands {
        cmd.args(["-ex", c]);
    }
    let out = cmd
        .args(["-ex", "kill"])
        .arg(exe)
        .env("WEFT_THREADS", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn gdb_breaks_at_a_weft_line() {
    let Some(exe) = build("dbg", PROGRAM) else {
        return;
    };
    let text = gdb(&exe, &["break dbg.weft:2", "run", "print n"]);
    assert!(
        text.contains("Breakpoint 1 at"),
        "no breakpoint set:\n{text}"
    );
    assert!(
        text.contains("dbg.weft:2"),
        "did not stop at dbg.weft:2:\n{text}"
    );
}

const VARIABLES: &str = r#"from "std/runtime" import { Task }

struct Account {
    owner: string,
    balance: i64,
    rate: f64,
}

enum Shape {
    Circle(f64),
    Rect(f64, f64),
    Empty,
}

fn inspect(a: Account, factor: i64, label: string): i64 {
    let n = a.balance * factor
    let ok = n > 10
    let ratio = a.rate * 2.0
    let v = [1, 2, 3]
    let some: i64? = Some(n)
    let none: string? = None
    let shape = Shape.Rect(2.0, 3.5)
    print(label, ok, ratio, v.len(), some ?? 0, none ?? "-")
    n
}

fn main() {
    let acc = Account { owner: "ada", balance: 7, rate: 0.5 }
    let greeting = "hello"
    let t = Task.spawn((): void => {
        let inner = acc.balance + 1
        let word = greeting
        print(word, inner)
        let twice = inner * 2
        print(twice)
    })
    print(inspect(acc, 3, "lbl"))
    t.join()!
}
"#;

/// Asserts that gdb's output holds every expected line.
fn assert_shows(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "gdb did not show `{e}`:\n{text}");
    }
}

#[test]
fn gdb_shows_parameters_and_locals_of_every_kind() {
    let Some(exe) = build("vars", VARIABLES) else {
        return;
    };
    let text = gdb(
        &exe,
        &[
            "break vars.weft:23",
            "run",
            "info args",
            "info locals",
            "print a.balance",
            "print a.owner.bytes",
            "print label",
            "print v.len",
            "print v.data[0]@v.len",
            "print shape",
        ],
    );
    assert_shows(
        &text,
        &[
            "factor = 3",
            "label = 0x",
            "\"lbl\"",
            "a = {owner = 0x",
            "balance = 7, rate = 0.5}",
            "n = 21",
            "ok = true",
            "ratio = 1",
            "some = {tag = Some, {Some = {_0 = 21}",
            "none = {tag = None",
            "shape = {tag = Rect, {Circle = {_0 = 2}, Rect = {_0 = 2, _1 = 3.5}",
            "$1 = 7",
            "$2 = 0x",
            "\"ada\"",
            "$4 = 3",
            "$5 = {1, 2, 3}",
        ],
    );
}

#[test]
fn gdb_shows_the_locals_and_captures_of_a_green_task() {
    let Some(exe) = build(
        "task_vars",
        &VARIABLES.replace("vars.weft", "task_vars.weft"),
    ) else {
        return;
    };
    let text = gdb(
        &exe,
        &[
            "break task_vars.weft:34",
            "run",
            "info locals",
            "print acc.balance",
            "bt 2",
        ],
    );
    assert_shows(
        &text,
        &[
            "word = 0x",
            "\"hello\"",
            "inner = 8",
            "greeting = 0x",
            "acc = {owner = 0x",
            "$1 = 7",
            "weft.task",
        ],
    );
}
