//! `weft test` on the sample project `tests/testrun/sample`: passing, failing and
//! panicking tests, each isolated, with the right counts, messages and exit codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn weft_test(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("test")
        .args(args)
        .current_dir(common::root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The result line of test `name`: `ok` or `FAILED`, with its time.
fn result_of<'a>(out: &'a str, name: &str) -> &'a str {
    let prefix = format!("::{name} ... ");
    let line = out
        .lines()
        .find(|l| l.starts_with("test ") && l.contains(&prefix))
        .unwrap_or_else(|| panic!("no result for {name}:\n{out}"));
    let rest = &line[line.find(&prefix).unwrap() + prefix.len()..];
    assert!(rest.ends_with(" ms)"), "no time in `{line}`");
    rest.split(' ').next().unwrap()
}

#[test]
fn sample_project_counts_failures_and_keeps_going() {
    let (code, out, err) = weft_test(&["tests/testrun/sample", "-j", "2"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("running 8 tests from 2 files\n"), "{out}");
    for (name, want) in [
        ("addsSmallNumbers", "ok"),
        ("addsNegativeNumbers", "ok"),
        ("wrongExpectation", "FAILED"),
        ("indexesPastTheEnd", "FAILED"),
        ("overflows", "FAILED"),
        ("shoutsInCapitals", "ok"),
        ("failsWithItsOwnMessage", "FAILED"),
        ("spawnsTasks", "ok"),
    ] {
        assert_eq!(result_of(&out, name), want, "{name}:\n{out}");
    }
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("4 passed, 4 failed ("), "{last}");
    // Each failure with its message and location; a failed test's output is shown.
    for text in [
        "---- tests/testrun/sample/arith.weft::wrongExpectation ----\nassertion `left == right` failed\n  left: 4\n right: 5\n  at tests/testrun/sample/arith.weft:20:5",
        "index 10 out of bounds (length 3)\n  at tests/testrun/sample/arith.weft:27:11\nstdout:\nabout to index",
        "integer overflow\n  at tests/testrun/sample/arith.weft:4:5",
        "expected 4 words, found 3\n  at tests/testrun/sample/nested/strings.weft:12:5",
    ] {
        assert!(out.contains(text), "missing\n{text}\nin\n{out}");
    }
}

#[test]
fn filter_selects_tests_by_name() {
    let (code, out, err) = weft_test(&["tests/testrun/sample", "--filter", "adds"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("running 2 tests from 2 files\n"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("2 passed, 0 failed"),
        "{out}"
    );
}

#[test]
fn json_reports_one_object_per_test() {
    let (code, out, err) = weft_test(&[
        "tests/testrun/sample/arith.weft",
        "--message-format",
        "json",
        "-j",
        "1",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let tests: Vec<_> = events.iter().filter(|e| e["type"] == "test").collect();
    assert_eq!(tests.len(), 5, "{out}");
    let failed = tests
        .iter()
        .find(|e| e["name"] == "wrongExpectation")
        .unwrap();
    assert_eq!(failed["result"], "failed");
    assert_eq!(failed["location"], "tests/testrun/sample/arith.weft:20:5");
    assert_eq!(failed["line"], 19);
    assert!(failed["message"].as_str().unwrap().contains("right: 5"));
    assert!(failed["duration_ms"].as_f64().is_some());
    let summary = events.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (summary["passed"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(3))
    );
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = common::root().join("target/weft-test-runner");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_hanging_test_times_out_alone() {
    let file = scratch(
        "hang.weft",
        "test fn spins() {\n    while true {}\n}\n\ntest fn passes() {\n    assert(true)\n}\n",
    );
    let (code, out, err) = weft_test(&[path_arg(&file), "--timeout", "1"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(result_of(&out, "spins"), "FAILED");
    assert_eq!(result_of(&out, "passes"), "ok");
    assert!(out.contains("timed out after 1 s"), "{out}");
}

#[test]
fn build_errors_are_diagnostics_and_fail_the_run() {
    let (code, out, err) = weft_test(&[
        "tests/fail/tests/test_fn_signatures.weft",
        "--message-format",
        "short",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error[E0115]"), "{err}");
    assert!(
        out.contains(
            "error: the tests of `tests/fail/tests/test_fn_signatures.weft` could not be built"
        ),
        "{out}"
    );
    let (code, out, _) = weft_test(&["examples/sieve.weft"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("running 0 tests from 0 files"), "{out}");
}
