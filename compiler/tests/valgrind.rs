//! The leak suite: at least 30 representative run tests, built and run under
//! `valgrind --leak-check=full --error-exitcode=1`, and every program of
//! `tests/run/unwind` (panics that unwind through nested calls holding strings, vectors and
//! closures, in Promises, tasks, threads and main) and of `tests/run/scopes` (structured
//! concurrency: no task outlives its scope, cancelled children release what they hold), of
//! `tests/run/select` (send values of cases that did not fire are released) and of
//! `tests/run/generators` (generators dropped suspended, unstarted or panicked release
//! their frames). Each must report "definitely lost: 0 bytes" and no invalid reads or
//! writes, and exit with the code it announces. Other
//! programs that end in a panic, and those too slow under valgrind (marked
//! `// valgrind: skip`), are left out of the spread.

mod common;

use std::path::PathBuf;
use std::process::Command;

const WANT: usize = 36;

/// A spread of run tests: every k-th eligible program, so each topic is represented.
fn selection() -> Vec<PathBuf> {
    let root = common::root();
    let mut files: Vec<PathBuf> = common::weft_files(&root.join("tests/run"))
        .into_iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "lib"))
        .filter(|f| {
            let t = std::fs::read_to_string(f).unwrap_or_default();
            !t.contains("valgrind: skip") && !t.contains("// exit:") && !t.contains("// args:")
        })
        .collect();
    files.extend(
        [
            "examples/shapes.weft",
            "examples/nbody.weft",
            "examples/spectralnorm.weft",
        ]
        .iter()
        .map(|p| root.join(p)),
    );
    let step = (files.len() / WANT).max(1);
    let mut chosen: Vec<PathBuf> = files.into_iter().step_by(step).take(WANT + 4).collect();
    for dir in [
        "tests/run/unwind",
        "tests/run/scopes",
        "tests/run/select",
        "tests/run/generators",
    ] {
        let extra: Vec<PathBuf> = common::weft_files(&root.join(dir))
            .into_iter()
            .filter(|f| {
                !chosen.contains(f)
                    && !std::fs::read_to_string(f)
                        .unwrap_or_default()
                        .contains("valgrind: skip")
            })
            .collect();
        chosen.extend(extra);
    }
    chosen
}

fn check(path: &PathBuf) -> Result<(), String> {
    let dir = common::root().join("target/weft-valgrind");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join(common::programs::exe_name(path));
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["build", "-O1", "-g"])
        .arg(path)
        .arg("-o")
        .arg(&exe)
        .output()
        .map_err(|e| e.to_string())?;
    if !build.status.success() {
        return Err(format!(
            "{}: build failed: {}",
            path.display(),
            String::from_utf8_lossy(&build.stderr)
        ));
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--leak-check=full",
        "--error-exitcode=1",
        "--errors-for-leak-kinds=definite",
    ])
    .arg(&exe)
    .current_dir(common::root())
    .env("WEFT_THREADS", "1");
    for line in text.lines() {
        if let Some(env) = line.split("// env: ").nth(1) {
            for kv in env.split_whitespace() {
                if let Some((k, v)) = kv.split_once('=') {
                    cmd.env(k, v);
                }
            }
        }
    }
    let out = cmd.output().map_err(|e| format!("valgrind: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    let clean = err.contains("definitely lost: 0 bytes") || err.contains("no leaks are possible");
    let expected = common::programs::Spec::parse(&text).exit;
    if out.status.code() != Some(expected)
        || !clean
        || err.contains("Invalid read")
        || err.contains("Invalid write")
    {
        return Err(format!("{}:\n{}", path.display(), err));
    }
    Ok(())
}

#[test]
fn leak_suite_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        panic!("valgrind is not installed (cargo xtask setup installs it)");
    }
    let files = selection();
    assert!(
        files.len() >= 30,
        "only {} programs for the leak suite",
        files.len()
    );
    let failures = common::parallel(&files, check);
    assert!(
        failures.is_empty(),
        "{} of {} programs fail under valgrind:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
