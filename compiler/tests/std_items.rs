//! The standard library's compiler-facing items: `@intrinsic` names and `@lang` items are
//! resolved when std loads (a misspelled one is an error at its annotation), and a call
//! of an intrinsic this version cannot compile is reported by the std function users
//! call, never by the intrinsic's internal name.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of `stdlib/std` in a fresh directory, with `extra` appended to `std/time.weft`.
fn std_with_time_extra(name: &str, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-std-items-{}-{name}", std::process::id()));
    let std_dir = dir.join("std");
    std::fs::create_dir_all(&std_dir).unwrap();
    let src = common::root().join("stdlib/std");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(e.path(), std_dir.join(e.file_name())).unwrap();
    }
    let time = std_dir.join("time.weft");
    let mut text = std::fs::read_to_string(&time).unwrap();
    text.push_str(extra);
    std::fs::write(&time, text).unwrap();
    dir
}

fn check_with_std(std_dir: &Path, program: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .env("WEFT_STDLIB", std_dir)
        .args(["check", "--message-format", "short"])
        .arg(program)
        .output()
        .unwrap()
}

fn write_program(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("main.weft");
    std::fs::write(&p, text).unwrap();
    p
}

/// The line of `std/time.weft` (1-based) on which `needle` stands.
fn time_line(std_dir: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(std_dir.join("std/time.weft")).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn an_unknown_intrinsic_name_is_an_error_at_its_annotation() {
    let dir = std_with_time_extra(
        "intrinsic",
        "\n@intrinsic(\"sleep_fortnight\")\npub fn sleepFortnight()\n",
    );
    let prog = write_program(&dir, "fn main() {\n    print(1)\n}\n");
    let out = check_with_std(&dir, &prog);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = time_line(&dir, "sleep_fortnight");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("time.weft:{line}:"))
            && stderr.contains("E0110")
            && stderr.contains("unknown intrinsic `sleep_fortnight`"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_lang_item_is_an_error_at_its_annotation() {
    let dir = std_with_time_extra("lang", "\n@lang(\"clock\")\npub struct Clock {}\n");
    let prog = write_program(&dir, "fn main() {\n    print(1)\n}\n");
    let out = check_with_std(&dir, &prog);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = time_line(&dir, "@lang(\"clock\")");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("time.weft:{line}:"))
            && stderr.contains("unknown lang item `clock`"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
