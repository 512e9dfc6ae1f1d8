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
//! - `// build: -O0`: extra `weft build` flags;
//! - `// threads: 1 2 4`: the `WEFT_THREADS` values (default 1 and 2);
//! - `// nofile: N`: the run's descriptor limit (soft and hard).

mod common;

use common::programs::{self, Spec};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A place for built executables.
fn out_dir() -> PathBuf {
    let d = common::root().join("target/weft-run-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_program(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = Spec::parse(&text);
    let name = programs::display_name(path);
    let exe = out_dir().join(programs::exe_name(path));
    programs::build(path, &spec.build, &exe)?;
    for threads in spec.thread_counts() {
        let label = if threads.is_empty() {
            name.clone()
        } else {
            format!("{name} (WEFT_THREADS={threads})")
        };
        programs::run_and_check(None, &exe, &spec, threads, &label, Duration::from_secs(60))?;
    }
    Ok(())
}

fn programs() -> Vec<PathBuf> {
    let root = common::root();
    let run_dir = root.join("tests/run");
    let mut files = common::weft_files(&run_dir);
    // Files in a `lib/` folder are modules the programs import, not programs.
    files.retain(|f| {
        !f.strip_prefix(&run_dir)
            .unwrap_or(f)
            .components()
            .any(|c| c.as_os_str() == "lib")
    });
    let examples = common::weft_files(&root.join("examples"));
    files.extend(examples.into_iter().filter(|f| {
        !common::expects_errors(f)
            && std::fs::read_to_string(f).is_ok_and(|t| t.contains("// expect"))
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
    assert!(
        failures.is_empty(),
        "{} of {} run tests failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
