//! `weft emit --emit llvm|asm|obj` (with `-O`, `-g`, `--target`, `-o`), and what
//! `weft build --target` says when the target's runtime library is missing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAM: &str = "fn square(n: i64): i64 {\n    n * n\n}\n\nfn main() {\n    print(\"square: \", square(7))\n}\n";

fn dir() -> PathBuf {
    let d = common::root().join("target/weft-emit-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The program's file, written once: the tests run in parallel and read it.
fn program() -> PathBuf {
    static WRITTEN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WRITTEN
        .get_or_init(|| {
            let p = dir().join("square.weft");
            std::fs::write(&p, PROGRAM).unwrap();
            p
        })
        .clone()
}

fn weft(exe: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(exe).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn emit(args: &[&str]) -> String {
    let p = program();
    let mut all = vec!["emit", p.to_str().unwrap()];
    all.extend(args);
    let (code, out, err) = weft(Path::new(env!("CARGO_BIN_EXE_weft")), &all);
    assert_eq!(code, 0, "{err}");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn llvm_ir_at_each_level() {
    let o0 = emit(&["--emit", "llvm", "-O0"]);
    let o2 = emit(&["--emit", "llvm"]);
    for ir in [&o0, &o2] {
        assert!(ir.contains("define i32 @main("), "{ir}");
        assert!(ir.contains("target triple = \"x86_64"), "{ir}");
    }
    // -O2 folds square(7) into the call's argument; -O0 keeps the multiplication.
    assert!(o0.contains("mul"), "{o0}");
    assert_ne!(o0, o2);
    let g = emit(&["--emit", "llvm", "-O0", "-g"]);
    assert!(g.contains("!DISubprogram(name: \"square\""), "{g}");
}

#[test]
fn assembly_for_both_targets() {
    let x86 = emit(&["--emit", "asm"]);
    assert!(x86.contains("main:") && x86.contains("ret"), "{x86}");
    let arm = emit(&["--emit", "asm", "--target", "aarch64-linux-gnu"]);
    assert!(arm.contains("main:") && arm.contains("stp"), "{arm}");
}

#[test]
fn object_file_links_into_a_working_program() {
    let obj = dir().join("square.o");
    let _ = std::fs::remove_file(&obj);
    emit(&["--emit", "obj", "-o", obj.to_str().unwrap()]);
    let bytes = std::fs::read(&obj).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    // Link it as `weft build` does, with the runtime cargo built for these tests.
    let exe_dir = Path::new(env!("CARGO_BIN_EXE_weft")).parent().unwrap();
    let runtime = exe_dir.join("libweft_rt.a");
    assert!(runtime.is_file(), "no runtime at {}", runtime.display());
    let exe = dir().join("square");
    let status = Command::new("cc")
        .arg(&obj)
        .arg(&runtime)
        .args([
            "-lpthread",
            "-ldl",
            "-lm",
            "-lrt",
            "-lutil",
            "-lgcc_s",
            "-lc",
            "-o",
        ])
        .arg(&exe)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "square: 49\n");
}

#[test]
fn missing_cross_runtime_names_a_command_that_builds_it() {
    // A `weft` linked into a folder with no runtime beside or above it.
    let bin = dir().join("lonely/a/b/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("weft");
    let _ = std::fs::remove_file(&exe);
    if std::fs::hard_link(env!("CARGO_BIN_EXE_weft"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_weft"), &exe).unwrap();
    }
    let p = program();
    let out = dir().join("square-arm");
    let (code, _, err) = weft(
        &exe,
        &[
            "build",
            "--target",
            "aarch64-linux-gnu",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot find the Weft runtime library (libweft_rt.a) for aarch64-linux-gnu"),
        "{err}"
    );
    assert!(
        err.contains("`cargo xtask runtime --target aarch64`"),
        "{err}"
    );
    // The command it names exists.
    let xtask = std::fs::read_to_string(common::root().join("xtask/src/main.rs")).unwrap();
    assert!(
        xtask.contains("\"runtime\" => runtime("),
        "xtask has no runtime command"
    );
}
