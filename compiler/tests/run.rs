//! The run suite: every `tests/run/**/*.weft` program and every example with expected
//! output is built with the real compiler and runtime and run, with `WEFT_THREADS=1` and
//! with `WEFT_THREADS=2` (unless it sets `WEFT_THREADS` itself).
//!
//! Comments in the program say what must happen:
//! - `// expect: <line>`: the exact stdout lines, in order (none: stdout must be empty);
//! - `// exit: N`: the exit code (default 0);
//! - `// expect-stderr: <text>`: a substring of stderr (several allowed);
//! - `// env: NAME=value`: environment for the run;
//! - `// args: a b c`: command-line arguments;
//! - `// build: -O0`: extra `weft build` flags.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[derive(Default, Debug)]
struct Spec {
    stdout: Vec<String>,
    exit: i32,
    stderr: Vec<String>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    build: Vec<String>,
}

fn spec(text: &str) -> Spec {
    let mut s = Spec::default();
    for line in text.lines() {
        let Some(pos) = line.find("// ") else { continue };
        let c = &line[pos + 3..];
        if let Some(v) = c.strip_prefix("expect: ") {
            s.stdout.push(v.to_string());
        } else if c == "expect:" {
            s.stdout.push(String::new());
        } else if let Some(v) = c.strip_prefix("exit: ") {
            s.exit = v.trim().parse().expect("exit code");
        } else if let Some(v) = c.strip_prefix("expect-stderr: ") {
            s.stderr.push(v.trim().to_string());
        } else if let Some(v) = c.strip_prefix("env: ") {
            for kv in v.split_whitespace() {
                if let Some((k, val)) = kv.split_once('=') {
                    s.env.push((k.to_string(), val.to_string()));
                }
            }
        } else if let Some(v) = c.strip_prefix("args: ") {
            s.args = v.split_whitespace().map(String::from).collect();
        } else if let Some(v) = c.strip_prefix("build: ") {
            s.build = v.split_whitespace().map(String::from).collect();
        }
    }
    s
}

/// A place for built executables.
fn out_dir() -> PathBuf {
    let d = common::root().join("target/weft-run-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn exe_name(path: &Path) -> String {
    let rel = path.strip_prefix(common::root()).unwrap_or(path);
    rel.to_string_lossy().replace(['/', '.'], "_")
}

/// Runs a command with a time limit; returns (exit code, stdout, stderr).
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Result<(i32, String, String), String> {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let o = String::from_utf8_lossy(&t1.join().unwrap()).into_owned();
    let e = String::from_utf8_lossy(&t2.join().unwrap()).into_owned();
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok((code, o, e))
}

fn check_program(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = spec(&text);
    let name = path.strip_prefix(common::root()).unwrap_or(path).display().to_string();
    let exe = out_dir().join(exe_name(path));
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("build")
        .args(&spec.build)
        .arg(path)
        .arg("-o")
        .arg(&exe)
        .output()
        .map_err(|e| e.to_string())?;
    if !build.status.success() {
        return Err(format!("{name}: build failed:\n{}", String::from_utf8_lossy(&build.stderr)));
    }
    let pinned = spec.env.iter().any(|(k, _)| k == "WEFT_THREADS");
    let thread_counts: &[&str] = if pinned { &[""] } else { &["1", "2"] };
    for threads in thread_counts {
        let mut cmd = Command::new(&exe);
        cmd.args(&spec.args).current_dir(common::root());
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        if !threads.is_empty() {
            cmd.env("WEFT_THREADS", threads);
        }
        let label = if threads.is_empty() { name.clone() } else { format!("{name} (WEFT_THREADS={threads})") };
        let (code, out, err) = run_with_timeout(&mut cmd, Duration::from_secs(60)).map_err(|e| format!("{label}: {e}"))?;
        let lines: Vec<&str> = out.lines().collect();
        let mut problems = Vec::new();
        if code != spec.exit {
            problems.push(format!("exit code {code}, expected {}", spec.exit));
        }
        if lines != spec.stdout.iter().map(String::as_str).collect::<Vec<_>>() {
            problems.push(format!("stdout:\n{out}\nexpected:\n{}", spec.stdout.join("\n")));
        }
        for s in &spec.stderr {
            if !err.contains(s.as_str()) {
                problems.push(format!("stderr lacks {s:?}"));
            }
        }
        if !problems.is_empty() {
            return Err(format!("{label}: {}\nstderr:\n{err}", problems.join("\n")));
        }
    }
    Ok(())
}

fn programs() -> Vec<PathBuf> {
    let root = common::root();
    let run_dir = root.join("tests/run");
    let mut files = common::weft_files(&run_dir);
    // Files in a `lib/` folder are modules the programs import, not programs.
    files.retain(|f| !f.strip_prefix(&run_dir).unwrap_or(f).components().any(|c| c.as_os_str() == "lib"));
    let examples = common::weft_files(&root.join("examples"));
    files.extend(examples.into_iter().filter(|f| {
        !common::expects_errors(f) && std::fs::read_to_string(f).is_ok_and(|t| t.contains("// expect"))
    }));
    files
}

#[test]
fn run_suite() {
    let files = programs();
    assert!(!files.is_empty());
    let filter = std::env::var("WEFT_RUN_FILTER").unwrap_or_default();
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(&filter))
        .collect();
    let failures = common::parallel(&files, |p| check_program(p));
    assert!(failures.is_empty(), "{} of {} run tests failed:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
}
