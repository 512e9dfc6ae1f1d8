//! Examples checked against independent tools: `wordfreq` against a coreutils pipeline.

mod common;

use std::process::Command;

const TEXT: &str = "/usr/share/common-licenses/GPL-3";

/// The same top-10 list computed by `tr | sort | uniq -c | sort | head`.
fn coreutils_top10() -> Vec<String> {
    let script = format!(
        "tr -cs 'A-Za-z' '\\n' < {TEXT} | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2 | head -10"
    );
    let out = Command::new("sh").arg("-c").arg(script).env("LC_ALL", "C").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn wordfreq_matches_coreutils() {
    if !std::path::Path::new(TEXT).exists() {
        eprintln!("{TEXT} is missing; skipping");
        return;
    }
    let exe = common::root().join("target/weft-run-tests/wordfreq");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("build")
        .arg(common::root().join("examples/wordfreq.weft"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let out = Command::new(&exe).arg(TEXT).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    let want = coreutils_top10();
    assert_eq!(want.len(), 10);
    assert_eq!(got, want);
}

#[test]
fn wordfreq_reports_a_missing_file() {
    let exe = common::root().join("target/weft-run-tests/wordfreq-missing");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("build")
        .arg(common::root().join("examples/wordfreq.weft"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(build.status.success());
    let out = Command::new(&exe).arg("/nonexistent/file.txt").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
