//! Source files that are not UTF-8: E0001 at the first invalid byte (line and column), in
//! the requested message format, with exit code 1, for the root file and for an imported
//! one, from `check`, `build` and `emit`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory holding `files` (name, bytes).
fn dir_with(test: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-encoding-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

/// `weft ARGS FILE`: (exit code, stderr).
fn weft(args: &[&str], file: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BAD: &[u8] = b"fn main() {\n    print(\"h\xffi\")\n}\n";

#[test]
fn every_message_format_locates_the_first_invalid_byte() {
    let dir = dir_with("formats", &[("bad.weft", BAD)]);
    let file = dir.join("bad.weft");
    let (code, short) = weft(&["check", "--message-format", "short"], &file);
    assert_eq!(code, Some(1), "{short}");
    assert_eq!(
        short,
        format!(
            "{}:2:13: error[E0001]: byte 0xFF is not valid UTF-8\n",
            file.display()
        )
    );
    let (code, json) = weft(&["check", "--message-format", "json"], &file);
    assert_eq!(code, Some(1), "{json}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON object");
    assert_eq!(v["code"], "E0001");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(2), Some(13))
    );
    let (code, human) = weft(&["check"], &file);
    assert_eq!(code, Some(1), "{human}");
    assert!(human.contains("[E0001]"), "{human}");
    assert!(human.contains("bad.weft:2:13"), "{human}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_emit_and_imports_report_it_too() {
    let main = b"from \"./bad\" import { x }\nfn main() {}\n";
    let dir = dir_with("imports", &[("bad.weft", BAD), ("main.weft", main)]);
    let bad = dir.join("bad.weft");
    let out = dir.join("bad");
    for args in [
        &[
            "build",
            "--message-format",
            "short",
            "-o",
            out.to_str().unwrap(),
        ][..],
        &["emit", "--emit", "tokens", "--message-format", "short"],
    ] {
        let (code, stderr) = weft(args, &bad);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(":2:13: error[E0001]"), "{args:?}: {stderr}");
    }
    let (code, stderr) = weft(
        &["check", "--message-format", "short"],
        &dir.join("main.weft"),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("bad.weft:2:13: error[E0001]"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
