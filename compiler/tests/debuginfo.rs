//! `weft build -g` emits DWARF line information: gdb can break at `file.weft:LINE`.

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

#[test]
fn gdb_breaks_at_a_weft_line() {
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed; skipping");
        return;
    }
    let dir = common::root().join("target/weft-debuginfo");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("dbg.weft");
    std::fs::write(&src, PROGRAM).unwrap();
    let exe = dir.join("dbg");
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
    let out = Command::new("gdb")
        .args([
            "-batch",
            "-nx",
            "-ex",
            "break dbg.weft:2",
            "-ex",
            "run",
            "-ex",
            "print n",
            "-ex",
            "kill",
        ])
        .arg(&exe)
        .env("WEFT_THREADS", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Breakpoint 1 at"),
        "no breakpoint set:\n{text}"
    );
    assert!(
        text.contains("dbg.weft:2"),
        "did not stop at dbg.weft:2:\n{text}"
    );
}
