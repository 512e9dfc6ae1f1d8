//! Diagnostics that suggest: `--message-format json` carries each suggested edit as a
//! machine-applicable replacement, and applying them all turns the broken program into
//! one that checks cleanly; `short` keeps one line per diagnostic.

mod common;

use std::process::Command;

const BROKEN: &str = r#"from "std/runtime" import { Promise }

struct Account {
    owner: string,
    balance: i64,
}

fn pick<T>(a: T, b: T): T {
    a
}

fn main() {
    let v = [1, 2, 3]
    var total = v.length()
    let a = Account { owner: "ada", balance: 10 }
    total += a.ballance
    let p = Promise.run((): i64 => 41)
    let n: i64 = p
    let ch: Channel<i64> = Channel.new(1)!
    ch.send(n)!
    sleepMs(1)
    let big: string = pick(1, 2)
    if total = 16 {
        print("sixteen")
    }
    print(total, " ", big, " ", ch.recv()!)
}
"#;

fn check(path: &std::path::Path, format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["check", "--message-format", format])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn applying_every_suggestion_fixes_the_program() {
    let dir = common::root().join("target/weft-suggestions");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.weft");
    std::fs::write(&file, BROKEN).unwrap();
    // Errors a fix uncovers get their own round.
    let mut text = BROKEN.to_string();
    for round in 0..3 {
        std::fs::write(&file, &text).unwrap();
        let (code, out) = check(&file, "json");
        if round > 0 && code == 0 {
            break;
        }
        assert_eq!(code, 1, "round {round}: {out}");
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for line in out.lines() {
            let d: serde_json::Value = serde_json::from_str(line).unwrap();
            let suggestions = d["suggestions"].as_array().unwrap();
            assert!(
                !suggestions.is_empty(),
                "round {round}: no suggestion for {}",
                d["message"]
            );
            for s in suggestions {
                assert_eq!(s["applicability"], "machine-applicable");
                let edit = (
                    s["byte_start"].as_u64().unwrap() as usize,
                    s["byte_end"].as_u64().unwrap() as usize,
                    s["replacement"].as_str().unwrap().to_string(),
                );
                if !edits.contains(&edit) {
                    edits.push(edit);
                }
            }
        }
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (start, end, with) in edits {
            text.replace_range(start..end, &with);
        }
    }
    std::fs::write(&file, &text).unwrap();
    let (code, out) = check(&file, "human");
    assert_eq!(code, 0, "after the edits:\n{text}\n{out}");
    for fixed in [
        "v.len()",
        "a.balance",
        "let n: i64 = p.await()!",
        "from \"std/sync\" import { Channel }",
        "from \"std/time\" import { sleepMs }",
        "let big: i64 = pick(1, 2)",
        "if total == 16",
    ] {
        assert!(text.contains(fixed), "`{fixed}` not in\n{text}");
    }
}

#[test]
fn short_format_keeps_one_line_per_diagnostic() {
    let dir = common::root().join("target/weft-suggestions");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("short.weft");
    let text = BROKEN.replace("if total = 16", "if total == 16");
    std::fs::write(&file, &text).unwrap();
    let (_, json) = check(&file, "json");
    let (code, short) = check(&file, "short");
    assert_eq!(code, 1);
    assert_eq!(short.lines().count(), json.lines().count(), "{short}");
    for line in short.lines() {
        assert!(
            line.contains("short.weft:") && line.contains(": error[E"),
            "{line}"
        );
    }
    assert!(short.contains("no method named `length`"), "{short}");
}
