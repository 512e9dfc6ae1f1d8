//! Examples checked against independent computations: `wordfreq` against a coreutils
//! pipeline, `sieve` against trial division.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Builds `examples/<name>.weft` into `target/weft-run-tests/<exe>`.
fn build_example(name: &str, exe: &str) -> PathBuf {
    let out = common::root().join("target/weft-run-tests").join(exe);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("build")
        .arg(common::root().join(format!("examples/{name}.weft")))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    out
}

const TEXT: &str = "/usr/share/common-licenses/GPL-3";

/// The same top-10 list computed by `tr | sort | uniq -c | sort | head`.
fn coreutils_top10() -> Vec<String> {
    let script = format!(
        "tr -cs 'A-Za-z' '\\n' < {TEXT} | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2 | head -10"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
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
    let exe = build_example("wordfreq", "wordfreq");
    let out = Command::new(&exe).arg(TEXT).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    let want = coreutils_top10();
    assert_eq!(want.len(), 10);
    assert_eq!(got, want);
}

#[test]
fn wordfreq_reports_a_missing_file() {
    let exe = build_example("wordfreq", "wordfreq-missing");
    let out = Command::new(&exe)
        .arg("/nonexistent/file.txt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// The first `n` primes by trial division.
fn primes(n: usize) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    let mut k = 2;
    while out.len() < n {
        if out.iter().take_while(|p| *p * *p <= k).all(|p| k % p != 0) {
            out.push(k);
        }
        k += 1;
    }
    out
}

#[test]
fn sieve_prints_the_first_primes_on_one_and_two_threads() {
    let exe = build_example("sieve", "sieve");
    let want: Vec<String> = primes(1000).iter().map(u64::to_string).collect();
    for threads in ["1", "2"] {
        let out = Command::new(&exe)
            .arg("1000")
            .env("WEFT_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(got, want, "WEFT_THREADS={threads}");
    }
    let usage = Command::new(&exe).arg("many").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage: sieve"));
}
