//! `cargo xtask`: project automation.
//!
//! - `setup`: installs missing system packages (apt), idempotently; fast when all present.
//! - `test`: setup, build (with the runtime for aarch64), then every test suite.
//! - `bench`: setup, then the benchmarks with their peer ratios.
//! - `stress [RUNS]`: the concurrency stress tests, RUNS times in a row (default 20).
//! - `sanitize [--build-std] [RUNS]`: the synchronization primitives' OS-thread tests under
//!   ThreadSanitizer (also the last step of `test`).
//! - `fuzz N [--seed S]`: N mutants of the mutation fuzzer (`compiler/tests/fuzz.rs`;
//!   `test` runs 300); failing inputs are written to `target/fuzz-failures/`.
//!
//! Every command runs `setup` first.

mod bench;
mod cross;
mod net_bench;
mod sanitize;
mod setup;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        usage();
        return ExitCode::from(2);
    };
    if let Err(e) = setup::setup() {
        eprintln!("xtask setup failed: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cmd.as_str() {
        "setup" => Ok(()),
        "test" => test(&args[1..]),
        "bench" => bench::run(&args[1..]),
        "stress" => stress(&args[1..]),
        "sanitize" => sanitize::run_command(&args[1..]),
        "fuzz" => fuzz(&args[1..]),
        _ => {
            usage();
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <setup|test|bench [NAME...]|stress [RUNS]|sanitize [--build-std] [RUNS]|fuzz N [--seed S]>"
    );
}

/// The workspace root (the parent of this crate's directory).
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Runs a command in the workspace root, failing on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    cmd.current_dir(root());
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds everything and runs every suite: unit tests of all crates, the compile-fail
/// suite (tests/fail), and the robustness test; then the synchronization primitives under
/// ThreadSanitizer ([`sanitize`]).
fn test(extra: &[String]) -> Result<(), String> {
    let started = std::time::Instant::now();
    run(cargo().args(["build", "--workspace", "--all-targets"]))?;
    let cross_runtime = cross::build_runtime()?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"])
        .env("WEFT_CROSS_RUNTIME_DIR", cross_runtime)
        .env("WEFT_CROSS_REQUIRED", "1");
    cmd.args(extra);
    run(&mut cmd)?;
    sanitize::run_in_test_suite()?;
    eprintln!(
        "xtask test: every suite passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `N` mutants of the fuzzer (`compiler/tests/fuzz.rs`) from seed `S` (default 1):
/// the fuzz test with `WEFT_FUZZ_COUNT` and `WEFT_FUZZ_SEED` set. Failing inputs are in
/// `target/fuzz-failures/`.
fn fuzz(args: &[String]) -> Result<(), String> {
    let (count, seed) = match args {
        [n] => (n, "1"),
        [n, flag, s] if flag == "--seed" => (n, s.as_str()),
        _ => return Err("usage: cargo xtask fuzz N [--seed S]".into()),
    };
    for (what, v) in [("mutant count", count.as_str()), ("seed", seed)] {
        v.parse::<u64>().map_err(|_| format!("not a {what}: {v}"))?;
    }
    run(cargo()
        .args(["test", "-p", "weft", "--test", "fuzz", "--", "--nocapture"])
        .env("WEFT_FUZZ_COUNT", count)
        .env("WEFT_FUZZ_SEED", seed))
}

/// Runs the stress tests `runs` times in a row (default 20): the Weft stress programs
/// (tests/stress, each under WEFT_THREADS=1 and 2, repeated through `WEFT_STRESS_RUNS`)
/// and the runtime's multi-threaded torture tests (channels, locks, scheduler), whose
/// names contain `stress` or `torture`. Stops at the first failure.
fn stress(args: &[String]) -> Result<(), String> {
    let runs: usize = match args.first() {
        Some(a) => a.parse().map_err(|_| format!("not a run count: {a}"))?,
        None => 20,
    };
    let started = std::time::Instant::now();
    run(cargo()
        .args(["test", "--release", "-p", "weft", "--test", "stress"])
        .env("WEFT_STRESS_RUNS", runs.to_string()))?;
    for i in 1..=runs {
        eprintln!("xtask stress: runtime torture tests, run {i} of {runs}");
        for filter in ["stress", "torture"] {
            run(cargo().args([
                "test",
                "--release",
                "-p",
                "weft_rt",
                "--tests",
                "-q",
                filter,
            ]))?;
        }
    }
    eprintln!(
        "xtask stress: {runs} runs passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
