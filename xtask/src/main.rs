//! `cargo xtask`: project automation.
//!
//! - `setup`: installs missing system packages (apt), idempotently; fast when all present.
//! - `test`: setup, build, then every test suite.
//! - `bench`: setup, then the benchmarks with their peer ratios.
//!
//! Every command runs `setup` first.

mod bench;
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
    eprintln!("usage: cargo xtask <setup|test|bench>");
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

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds everything and runs every suite: unit tests of all crates, the compile-fail
/// suite (tests/fail), and the robustness test.
fn test(extra: &[String]) -> Result<(), String> {
    let started = std::time::Instant::now();
    run(cargo().args(["build", "--workspace", "--all-targets"]))?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    cmd.args(extra);
    run(&mut cmd)?;
    eprintln!(
        "xtask test: every suite passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
