//! The aarch64 suite: the concurrency programs of the run suite (scheduler, tasks and
//! promises, channels, locks, threads, panics and overflows, the seeds) cross-compiled with
//! `weft build --target aarch64-linux-gnu --static` and run under `qemu-aarch64`, with
//! `WEFT_THREADS=1` and `2`, against the expectations in their comments (see `run.rs`).
//!
//! It needs qemu-user and the runtime built for aarch64, whose folder `cargo xtask test`
//! passes in `WEFT_CROSS_RUNTIME_DIR` (it builds it with Debian's rustc, which has an
//! aarch64 std; rustup cannot add targets here). Without them the suite says so and
//! passes, unless `WEFT_CROSS_REQUIRED` is set, as `cargo xtask test` sets it.
//! `WEFT_CROSS_FILTER` keeps only the programs whose path contains it.

mod common;

use common::programs::{self, Spec};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The folders of `tests/run` whose programs run on aarch64 too.
const DIRS: &[&str] = &[
    "scheduler",
    "promises_tasks",
    "channels",
    "sync",
    "threads",
    "panics",
    "unwind",
    "scopes",
    "select",
    "generators",
    "effects",
    "boxes",
    "recursion",
    "concurrency_guide",
    "threads_guide",
    "net",
];

const QEMU: &str = "qemu-aarch64";

fn out_dir() -> PathBuf {
    let d = common::root().join("target/weft-cross-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The aarch64 runtime's folder, if the suite can run here.
fn runtime_dir() -> Result<PathBuf, String> {
    let dir = std::env::var("WEFT_CROSS_RUNTIME_DIR")
        .map(PathBuf::from)
        .map_err(|_| "WEFT_CROSS_RUNTIME_DIR is not set".to_string())?;
    if !dir.join("libweft_rt.a").is_file() {
        return Err(format!("no libweft_rt.a in {}", dir.display()));
    }
    std::process::Command::new(QEMU)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {QEMU}: {e}"))?;
    Ok(dir)
}

fn check_program(path: &Path, runtime: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = Spec::parse(&text);
    let name = programs::display_name(path);
    let exe = out_dir().join(programs::exe_name(path));
    let mut flags = spec.build.clone();
    flags.extend(["--target", "aarch64-linux-gnu", "--static"].map(String::from));
    programs::build_with(path, &flags, &exe, &[("WEFT_RUNTIME_DIR", runtime)])?;
    for threads in spec.thread_counts() {
        let label = format!("{name} (aarch64, WEFT_THREADS={threads})");
        programs::run_and_check(
            Some(QEMU),
            &exe,
            &spec,
            threads,
            &label,
            Duration::from_secs(120),
        )?;
    }
    Ok(())
}

#[test]
fn aarch64_suite() {
    let runtime = match runtime_dir() {
        Ok(dir) => dir,
        Err(why) if std::env::var_os("WEFT_CROSS_REQUIRED").is_none() => {
            eprintln!("aarch64 suite skipped: {why} (cargo xtask test runs it)");
            return;
        }
        Err(why) => panic!("the aarch64 suite cannot run: {why}"),
    };
    let root = common::root();
    let files: Vec<PathBuf> = DIRS
        .iter()
        .flat_map(|d| common::weft_files(&root.join("tests/run").join(d)))
        .collect();
    assert!(files.len() > 50, "the suite lost its programs");
    let filter = std::env::var("WEFT_CROSS_FILTER").unwrap_or_default();
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(&filter))
        .collect();
    let failures = common::parallel(&files, |p| check_program(p, &runtime));
    assert!(
        failures.is_empty(),
        "{} of {} aarch64 programs failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
