//! The stress suite: every `tests/stress/*.weft` program (files in `lib/` are modules they
//! import) is built once at `-O2` and run with `WEFT_THREADS=1` and with `WEFT_THREADS=2`,
//! `WEFT_STRESS_RUNS` times each (default 1; `cargo xtask stress` sets 20). Every run must
//! finish within the time limit and print exactly the expected output; the comments in the
//! programs follow the run suite's conventions (`// expect:`, `// exit:`, ...; see
//! `common/programs.rs`). `WEFT_STRESS_FILTER` keeps only the programs whose path contains
//! it.

mod common;

use common::programs::{self, Spec};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The time limit of one run of one program.
const RUN_LIMIT: Duration = Duration::from_secs(60);

fn out_dir() -> PathBuf {
    let d = common::root().join("target/weft-stress-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn runs() -> usize {
    match std::env::var("WEFT_STRESS_RUNS") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WEFT_STRESS_RUNS={v:?} is not a count")),
        Err(_) => 1,
    }
}

fn check_program(path: &Path, runs: usize) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = Spec::parse(&text);
    let name = programs::display_name(path);
    let exe = out_dir().join(programs::exe_name(path));
    let mut flags = vec!["-O2".to_string()];
    flags.extend(spec.build.iter().cloned());
    programs::build(path, &flags, &exe)?;
    let started = Instant::now();
    for run in 1..=runs {
        for threads in spec.thread_counts() {
            let mut label = name.clone();
            if !threads.is_empty() {
                label += &format!(" (WEFT_THREADS={threads})");
            }
            if runs > 1 {
                label += &format!(" run {run} of {runs}");
            }
            programs::run_and_check(None, &exe, &spec, threads, &label, RUN_LIMIT)?;
        }
    }
    eprintln!(
        "{name}: {runs} run(s) in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[test]
fn stress_suite() {
    let dir = common::root().join("tests/stress");
    let mut files = common::weft_files(&dir);
    files.retain(|f| {
        !f.strip_prefix(&dir)
            .unwrap_or(f)
            .components()
            .any(|c| c.as_os_str() == "lib")
    });
    assert!(!files.is_empty(), "no stress programs in {}", dir.display());
    let filter = std::env::var("WEFT_STRESS_FILTER").unwrap_or_default();
    files.retain(|f| f.to_string_lossy().contains(&filter));
    let runs = runs();
    let failures = common::parallel(&files, |p| check_program(p, runs));
    assert!(
        failures.is_empty(),
        "{} of {} stress programs failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
