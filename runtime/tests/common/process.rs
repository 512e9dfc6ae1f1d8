//! The shared driver of the whole-process runtime tests (`sched_process`, `sync_process`):
//! run as a test, the binary runs each scenario in a child process of itself (selected by
//! `WEFT_SCENARIO`), where the scenario's `main` runs through `weft_rt_start` as a compiled
//! Weft program's would; the parent checks exit code, stdout and stderr.

use std::process::Command;
use std::ptr;
use std::time::{Duration, Instant};

use weft_rt::abi::task::weft_rt_start;

/// One scenario: its program, pinned environment, and what the run must show.
pub struct Scenario {
    pub name: &'static str,
    pub main: extern "C-unwind" fn() -> i32,
    pub env: &'static [(&'static str, &'static str)],
    pub code: i32,
    pub stdout: Option<&'static str>,
    pub stderr: &'static [&'static str],
}

/// The test binary's `main`: the scenario named by `WEFT_SCENARIO` when set, else every
/// scenario (or those matching the command-line filters) in child processes, reported in
/// libtest's format; exits 1 if any fails.
pub fn main(scenarios: &[Scenario]) {
    if let Ok(name) = std::env::var("WEFT_SCENARIO") {
        let scenario = scenarios
            .iter()
            .find(|s| s.name == name)
            .expect("known scenario");
        // SAFETY: called once, first, with no arguments.
        unsafe { weft_rt_start(0, ptr::null(), scenario.main) };
        unreachable!("weft_rt_start returned");
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let exe = std::env::current_exe().expect("test binary path");
    let selected: Vec<&Scenario> = scenarios
        .iter()
        .filter(|s| filter.is_empty() || filter.iter().any(|f| s.name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failed = Vec::new();
    for scenario in &selected {
        let start = Instant::now();
        let problems = run(&exe, scenario);
        let ms = start.elapsed().as_millis();
        if problems.is_empty() {
            println!("test {} ... ok ({ms} ms)", scenario.name);
        } else {
            println!("test {} ... FAILED\n{}", scenario.name, problems.join("\n"));
            failed.push(scenario.name);
        }
    }
    let result = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {result}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out\n",
        selected.len() - failed.len(),
        failed.len(),
        scenarios.len() - selected.len()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}

/// Runs one scenario in a child process and lists what differs from the expectation.
fn run(exe: &std::path::Path, scenario: &Scenario) -> Vec<String> {
    let mut cmd = Command::new(exe);
    cmd.env("WEFT_SCENARIO", scenario.name)
        .env_remove("WEFT_TASK_PANIC")
        .env_remove("WEFT_STACK_SIZE");
    for (k, v) in scenario.env {
        cmd.env(k, v);
    }
    let out = match output_within(cmd, Duration::from_secs(60)) {
        Some(out) => out,
        None => return vec!["  still running after 60 s: killed".to_owned()],
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(scenario.code) {
        problems.push(format!(
            "  exit status {:?}, expected {}; stderr {stderr:?}",
            out.status, scenario.code
        ));
    }
    if let Some(expected) = scenario.stdout {
        if stdout != expected {
            problems.push(format!("  stdout {stdout:?}, expected {expected:?}"));
        }
    }
    for needle in scenario.stderr {
        if !stderr.contains(needle) {
            problems.push(format!("  stderr {stderr:?} lacks {needle:?}"));
        }
    }
    problems
}

/// Runs `cmd` to completion, or kills it after `limit` (`None` then).
fn output_within(mut cmd: Command, limit: Duration) -> Option<std::process::Output> {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn scenario");
    let start = Instant::now();
    while child.try_wait().expect("wait for scenario").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Some(child.wait_with_output().expect("collect scenario output"))
}
