//! Deep nesting: generated programs of the shapes that used to overflow the compiler's
//! stack (long `else if` chains, operator and method chains, nested blocks, closures and
//! calls) build just below the nesting limit, at every stage, and get a located E0010 just
//! above it; a type nested past its limit is E0228. Nothing may crash (exit code 134 or a
//! signal) or take more than a time limit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `weft::syntax::depth::MAX_DEPTH`.
const MAX_DEPTH: usize = weft::syntax::depth::MAX_DEPTH;

/// Levels left free below the limit by the "near" programs (the `main` around them, a
/// `let`, the call of `print`).
const MARGIN: usize = 20;

/// One shape of generated code: `levels` → a program whose deepest expression nests about
/// that many levels (each shape knows how many levels one repetition adds).
struct Shape {
    name: &'static str,
    per_repetition: usize,
    program: fn(usize) -> String,
}

fn main_with(body: &str) -> String {
    format!("fn main() {{\n{body}\n}}\n")
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "else_if",
        per_repetition: 1,
        program: |n| {
            let arms: String = (1..n)
                .map(|i| format!("    else if x == {i} {{ print({i}) }}\n"))
                .collect();
            main_with(&format!(
                "    let x = 5\n    if x == 0 {{ print(0) }}\n{arms}    else {{ print(-1) }}"
            ))
        },
    },
    Shape {
        name: "plus_chain",
        per_repetition: 1,
        program: |n| main_with(&format!("    let x = 1{}\n    print(x)", " + 1".repeat(n))),
    },
    Shape {
        name: "method_chain",
        per_repetition: 1,
        program: |n| {
            main_with(&format!(
                "    let x = 1{}\n    print(x)",
                ".max(1)".repeat(n)
            ))
        },
    },
    Shape {
        name: "blocks",
        per_repetition: 1,
        program: |n| {
            let body = format!("{}1{}", "{ ".repeat(n), " }".repeat(n));
            main_with(&format!("    let x = {body}\n    print(x)"))
        },
    },
    Shape {
        name: "closures",
        per_repetition: 2,
        program: |n| {
            let body = format!("{}1{}", "(() => ".repeat(n), ")()".repeat(n));
            main_with(&format!("    let x = {body}\n    print(x)"))
        },
    },
    Shape {
        name: "calls",
        per_repetition: 1,
        program: |n| {
            let body = format!("{}1{}", "f(".repeat(n), ")".repeat(n));
            format!(
                "fn f(x: i64): i64 {{ x }}\n{}",
                main_with(&format!("    print({body})"))
            )
        },
    },
    Shape {
        name: "nested_ifs",
        per_repetition: 1,
        program: |n| {
            let body = format!("{}print(1){}", "if x > 0 { ".repeat(n), " }".repeat(n));
            main_with(&format!("    let x = 1\n    {body}"))
        },
    },
];

/// A fresh directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-nesting-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `weft ARGS` with a time limit; returns (exit code, stderr). A crash is an error.
fn weft(args: &[&str], path: &Path, limit: Duration) -> Result<(i32, String), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
    cmd.args(args).arg(path);
    let (code, _, stderr) = common::programs::run_with_timeout(&mut cmd, limit)
        .map_err(|e| format!("weft {args:?} {}: {e}", path.display()))?;
    if code != 0 && code != 1 {
        return Err(format!(
            "weft {args:?} {}: exit {code}:\n{stderr}",
            path.display()
        ));
    }
    Ok((code, stderr))
}

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn programs_just_below_the_limit_build_at_every_stage() {
    let dir = scratch("near");
    let failures = common::parallel(SHAPES, |shape| {
        let n = (MAX_DEPTH - MARGIN) / shape.per_repetition;
        let path = dir.join(format!("{}_near.weft", shape.name));
        std::fs::write(&path, (shape.program)(n)).map_err(|e| e.to_string())?;
        let exe = dir.join(format!("{}_near", shape.name));
        let exe = exe.to_str().unwrap();
        for args in [
            &["check"][..],
            &["emit", "--emit", "ast"],
            &["emit", "--emit", "hir"],
            &["build", "-O0", "-o", exe],
        ] {
            let (code, stderr) = weft(args, &path, LIMIT)?;
            if code != 0 {
                return Err(format!("{} {args:?}: exit {code}:\n{stderr}", shape.name));
            }
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn programs_just_above_the_limit_are_e0010_at_their_line() {
    let dir = scratch("deep");
    let failures = common::parallel(SHAPES, |shape| {
        let n = (MAX_DEPTH + MARGIN) / shape.per_repetition + 1;
        let path = dir.join(format!("{}_deep.weft", shape.name));
        std::fs::write(&path, (shape.program)(n)).map_err(|e| e.to_string())?;
        let (code, stderr) = weft(&["check", "--message-format", "short"], &path, LIMIT)?;
        let lines: Vec<&str> = stderr.lines().collect();
        let ok = code == 1
            && lines.len() == 1
            && lines[0].contains("error[E0010]")
            && lines[0].contains("_deep.weft:");
        if ok {
            Ok(())
        } else {
            Err(format!("{}: exit {code}:\n{stderr}", shape.name))
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_very_deep_chain_is_reported_quickly() {
    // Ten times the limit: the parser folds the chain, the limit cuts it.
    let dir = scratch("chain");
    let path = dir.join("long_chain.weft");
    let program = main_with(&format!(
        "    let x = 1{}\n    print(x)",
        " + 1".repeat(10 * MAX_DEPTH)
    ));
    std::fs::write(&path, program).unwrap();
    let (code, stderr) = weft(&["check", "--message-format", "short"], &path, LIMIT).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("{}:2:13: error[E0010]", path.display())),
        "{stderr}"
    );
}

#[test]
fn types_nested_past_their_limit_are_e0228() {
    let dir = scratch("types");
    let levels = weft::sema::check::MAX_TYPE_DEPTH + 1;
    let cases = [
        (
            "options",
            format!("{}1{}", "Some(".repeat(levels), ")".repeat(levels)),
        ),
        ("closures", format!("{}1", "() => ".repeat(levels))),
        (
            "arrays",
            format!("{}1{}", "[".repeat(levels), "]".repeat(levels)),
        ),
    ];
    let failures = common::parallel(&cases, |(name, init)| {
        let path = dir.join(format!("{name}_type.weft"));
        let program = main_with(&format!("    let x = {init}\n    print(1)"));
        std::fs::write(&path, program).map_err(|e| e.to_string())?;
        let (code, stderr) = weft(&["check", "--message-format", "short"], &path, LIMIT)?;
        if code == 1 && stderr.lines().count() == 1 && stderr.contains("error[E0228]") {
            Ok(())
        } else {
            Err(format!("{name}: exit {code}:\n{stderr}"))
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_ast_of_a_long_chain_prints_in_linear_time() {
    // `{:#?}` took 35 s for 500 terms; the dump is linear.
    let dir = scratch("emit");
    let path = dir.join("chain.weft");
    let program = main_with(&format!(
        "    let x = 1{}\n    print(x)",
        " + 1".repeat(5_000)
    ));
    std::fs::write(&path, program).unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["emit", "--emit", "ast"])
        .arg(&path)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let deepest = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.len() - l.trim_start().len())
        .max();
    assert_eq!(deepest, Some(4 * weft::driver::dump::MAX_INDENT));
}

#[test]
fn unclosed_and_unfinished_nesting_is_reported_quickly() {
    // Found by the fuzzer: 10,000 unclosed brackets made error recovery quadratic (and
    // every E0007 drew the whole 150 KB line), and a long `Vec<Vec<...` chain that no
    // `(` or `.` follows made the parser retry every suffix as type arguments.
    let dir = scratch("unclosed");
    let n = MAX_DEPTH;
    let cases = [
        (
            "matches",
            format!("    let r = R {{ {}1", "match x { _ => ".repeat(n)),
        ),
        ("parens", format!("    let r = {}1", "(".repeat(n))),
        ("blocks", format!("    let r = {}1", "{ ".repeat(n))),
        ("open_generics", format!("    p.{}i64", "Vec<".repeat(n))),
        (
            "closed_generics",
            format!("    p.{}i64{}", "Vec<".repeat(n), ">".repeat(n)),
        ),
    ];
    let failures = common::parallel(&cases, |(name, body)| {
        let path = dir.join(format!("{name}.weft"));
        std::fs::write(&path, main_with(body)).map_err(|e| e.to_string())?;
        for format in ["human", "json"] {
            let started = std::time::Instant::now();
            let (code, stderr) = weft(&["check", "--message-format", format], &path, LIMIT)?;
            let took = started.elapsed();
            if code != 1 || took > Duration::from_secs(10) {
                let head: String = stderr.chars().take(500).collect();
                return Err(format!(
                    "{name} ({format}): exit {code} after {took:?}:\n{head}"
                ));
            }
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
