//! `weft fmt`: every `.weft` file of the repository is formatted (the check CI runs), the
//! layout is idempotent and keeps the syntax tree, and the command's modes and exit codes.
//!
//! The files checked are those `weft fmt .` visits from the repository root (hidden
//! folders and cargo's `target` are skipped), less the ones that do not parse: a formatter
//! cannot lay out what it cannot parse. Only compile-fail tests (`tests/fail/`) may be such
//! files; a file elsewhere that does not parse fails this test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use weft::diagnostics::Diagnostics;
use weft::source::FileId;

/// The repository's `.weft` files that parse, after checking that every other one is a
/// compile-fail test.
fn formattable_files() -> Vec<PathBuf> {
    let root = common::root();
    let files = weft::driver::files::weft_files(std::slice::from_ref(&root)).unwrap();
    assert!(files.len() > 500, "only {} .weft files found", files.len());
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let mut diags = Diagnostics::new();
        weft::driver::with_big_stack(|| {
            weft::syntax::parser::parse_file(FileId(0), &text, &mut diags);
        });
        if diags.has_errors() {
            assert!(
                f.starts_with(root.join("tests/fail")),
                "{} does not parse, and only compile-fail tests may not",
                f.display()
            );
        } else {
            out.push(f);
        }
    }
    out
}

#[test]
fn the_repository_is_formatted() {
    let files = formattable_files();
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("fmt")
        .arg("--check")
        .args(&files)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "these files are not formatted (run `weft fmt` on them):\n{listed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn layout_is_idempotent_and_keeps_the_syntax_tree() {
    let files = formattable_files();
    let failures = common::parallel(&files, |f| check_file(f));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.display();
    weft::driver::with_big_stack(|| {
        // Lay out the file with its indentation and spacing removed, so that the check
        // covers the whole layout even for files already formatted.
        let flat: String = text
            .lines()
            .map(|l| l.trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        for input in [text.as_str(), flat.as_str()] {
            let once = weft::fmt::format_source(FileId(0), input)
                .map_err(|e| format!("{name}: not formatted: {e:?}"))?;
            let twice = weft::fmt::format_source(FileId(0), &once)
                .map_err(|e| format!("{name}: output not formatted again: {e:?}"))?;
            if once != twice {
                return Err(format!("{name}: fmt(fmt(x)) != fmt(x):\n{twice}"));
            }
            let parse = |s: &str| {
                let mut d = Diagnostics::new();
                weft::syntax::parser::parse_file(FileId(0), s, &mut d)
            };
            if weft::fmt::without_spans(&parse(input)) != weft::fmt::without_spans(&parse(&once)) {
                return Err(format!("{name}: the syntax tree changed"));
            }
        }
        Ok(())
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = common::root().join("target/weft-fmt-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn weft(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_lists_files_and_fmt_rewrites_them() {
    let dir = scratch("modes");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("good.weft"), "fn main() {\n    print(1)\n}\n").unwrap();
    std::fs::write(dir.join("sub/bad.weft"), "fn main(){\nprint(1+2)\n}\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not weft {").unwrap();

    let (code, out, err) = weft(&["fmt", "--check", "."], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.trim(), "./sub/bad.weft");

    let (code, out, err) = weft(&["fmt", "."], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/bad.weft")).unwrap(),
        "fn main() {\n    print(1 + 2)\n}\n"
    );
    let (code, out, _) = weft(&["fmt", "--check", "good.weft", "sub"], &dir);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn syntax_errors_are_reported_and_the_file_left_alone() {
    let dir = scratch("broken");
    let broken = "fn main() {\n  let = 3\n}\n";
    std::fs::write(dir.join("broken.weft"), broken).unwrap();
    let (code, _, err) = weft(&["fmt", "broken.weft", "--message-format", "short"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("broken.weft:2:"), "{err}");
    assert!(err.contains("error[E0006]"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.weft")).unwrap(),
        broken
    );
    let (code, _, err) = weft(&["fmt", "missing.weft"], &dir);
    assert_eq!(code, 2, "{err}");
}
