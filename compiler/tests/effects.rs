//! The effect options of `weft check`: `--print-effects`, `--explain-par`, `--no-auto-par`,
//! and W0403 under `--deny warnings`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn program(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-effects-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn check(args: &[&str], file: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("check")
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

const FETCHES: &str = r#"from "std/time" import { sleepMs }

resource UserDB
resource OrderDB

fn profile(id: i64): i64 with reads(UserDB), suspends {
    sleepMs(1)
    id
}

fn orders(id: i64): i64 with reads(OrderDB), suspends {
    sleepMs(1)
    id * 2
}

fn total(id: i64): i64 {
    let p = profile(id)
    let o = orders(id)
    let again = orders(p)
    p + o + again
}

fn main() {
    print(total(3))
}
"#;

#[test]
fn print_effects_shows_declared_and_inferred_sets() {
    let f = program("fetches.weft", FETCHES);
    let out = check(&["--print-effects"], &f);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("profile: with suspends, reads(UserDB) (declared)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("total: with suspends, reads(UserDB), reads(OrderDB)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("main: with io, suspends, reads(UserDB), reads(OrderDB)\n"),
        "{stdout}"
    );
}

#[test]
fn explain_par_lists_groups_and_near_misses() {
    let f = program("explain.weft", FETCHES);
    let out = check(&["--explain-par"], &f);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("explain.weft:17:13: parallel: profile (line 17), orders (line 18)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("explain.weft:19:17: not parallel: orders: uses the result of line 17"),
        "{stdout}"
    );
    let off = check(&["--explain-par", "--no-auto-par"], &f);
    let stdout = String::from_utf8_lossy(&off.stdout);
    assert!(!stdout.contains(": parallel:"), "{stdout}");
}

#[test]
fn deny_warnings_makes_a_blocking_call_an_error() {
    let f = program(
        "blocking.weft",
        "extern fn usleep(us: u32): i32\n\nfn main() {\n    let _ = unsafe { usleep(10) }\n}\n",
    );
    let warned = check(&["--message-format", "short"], &f);
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert_eq!(warned.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("blocking.weft:4:22: warning[W0403]"),
        "{stderr}"
    );
    let denied = check(&["--message-format", "short", "--deny", "warnings"], &f);
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert_eq!(denied.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("W0403"), "{stderr}");
}
