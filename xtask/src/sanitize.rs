//! `cargo xtask sanitize [--build-std] [RUNS]`: the runtime's synchronization primitives
//! under ThreadSanitizer.
//!
//! Builds the runtime's OS-thread tests of channels, `select`, mutexes, reader-writer
//! locks, condition variables, wait groups, atomics and handle counts
//! (`runtime/tests/sync_os_threads.rs`) with `-Zsanitizer=thread`, runs them RUNS times
//! (default 1), and fails on any report (ThreadSanitizer makes the process exit with 66).
//!
//! - Sanitizers are unstable rustc options: the build sets `RUSTC_BOOTSTRAP=1` and uses the
//!   stable toolchain's own ThreadSanitizer runtime, so nothing is downloaded.
//! - By default the standard library is the toolchain's prebuilt, uninstrumented one
//!   (`-Cunsafe-allow-abi-mismatch=sanitizer` lets it link): every line of `weft_rt` and of
//!   the tests is instrumented, std's internal synchronization is not, so the tests avoid
//!   relying on it (no libtest harness; every thread is joined before what it shared is
//!   dropped).
//! - `--build-std` rebuilds std instrumented as well (`-Zbuild-std`, which needs the
//!   `rust-src` component) and then also runs the library's unit tests of `sync::` and
//!   `sched::waiter`, which run under libtest's threads.
//! - `xtask/tsan.supp` lists the suppressed false positives, each with its reason.
//! - Green tasks are not covered: ThreadSanitizer does not follow the runtime's stack
//!   switches (see "Sanitizers" in docs/architecture.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run};

/// Unit-test filters of the `weft_rt` library that use OS threads only (`--build-std`:
/// libtest's own synchronization must be instrumented too).
const LIB_FILTERS: &[&str] = &["sync::", "sched::waiter::"];

/// Integration tests that use OS threads only, without the libtest harness.
const TESTS: &[&str] = &["sync_os_threads"];

/// `cargo xtask sanitize [--build-std] [RUNS]`.
pub fn run_command(args: &[String]) -> Result<(), String> {
    let mut build_std = false;
    let mut runs = 1usize;
    for a in args {
        if a == "--build-std" {
            build_std = true;
        } else {
            runs = a.parse().map_err(|_| format!("not a run count: {a}"))?;
        }
    }
    let toolchain = Toolchain::detect()?;
    if !toolchain.has_tsan_runtime() {
        return Err(format!(
            "the toolchain has no ThreadSanitizer runtime for {}",
            toolchain.host
        ));
    }
    if build_std && !toolchain.has_rust_src() {
        return Err(
            "--build-std needs the rust-src component (rustup component add rust-src)".into(),
        );
    }
    sanitize(&toolchain, build_std, runs)
}

/// The check as one step of `cargo xtask test`: the default configuration, once; skipped
/// with a note when the toolchain has no ThreadSanitizer runtime for this host.
pub fn run_in_test_suite() -> Result<(), String> {
    let toolchain = Toolchain::detect()?;
    if !toolchain.has_tsan_runtime() {
        eprintln!(
            "xtask test: ThreadSanitizer check skipped: no runtime for {} in this toolchain",
            toolchain.host
        );
        return Ok(());
    }
    sanitize(&toolchain, false, 1)
}

fn sanitize(toolchain: &Toolchain, build_std: bool, runs: usize) -> Result<(), String> {
    let started = std::time::Instant::now();
    let suppressions = root().join("xtask").join("tsan.supp");
    for i in 1..=runs {
        if runs > 1 {
            eprintln!("xtask sanitize: run {i} of {runs}");
        }
        if build_std {
            let mut lib = sanitized_cargo_test(toolchain, build_std, &suppressions);
            lib.arg("--lib").arg("--").args(LIB_FILTERS);
            run(&mut lib)?;
        }
        let mut tests = sanitized_cargo_test(toolchain, build_std, &suppressions);
        for t in TESTS {
            tests.args(["--test", t]);
        }
        run(&mut tests)?;
    }
    eprintln!(
        "xtask sanitize: no ThreadSanitizer report in {runs} run(s) (std {}instrumented), {:.1} s",
        if build_std { "" } else { "not " },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo test -p weft_rt` built with ThreadSanitizer, in a target directory of its own.
fn sanitized_cargo_test(toolchain: &Toolchain, build_std: bool, suppressions: &Path) -> Command {
    let mut rustflags = String::from("-Zsanitizer=thread");
    if !build_std {
        rustflags.push_str(" -Cunsafe-allow-abi-mismatch=sanitizer");
    }
    let mut tsan_options = format!("suppressions={}", suppressions.display());
    if let Ok(user) = std::env::var("TSAN_OPTIONS") {
        tsan_options = format!("{tsan_options} {user}");
    }
    let target_dir = root()
        .join("target")
        .join(if build_std { "tsan-build-std" } else { "tsan" });
    let mut cmd = cargo();
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("TSAN_OPTIONS", tsan_options)
        .arg("test");
    if build_std {
        cmd.arg("-Zbuild-std");
    }
    // An explicit --target keeps RUSTFLAGS off build scripts and proc macros.
    cmd.args(["-q", "-p", "weft_rt", "--target", &toolchain.host])
        .arg("--target-dir")
        .arg(target_dir);
    cmd
}

/// What the check needs to know of the Rust toolchain.
struct Toolchain {
    host: String,
    sysroot: PathBuf,
}

impl Toolchain {
    fn detect() -> Result<Toolchain, String> {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let output = |args: &[&str]| -> Result<String, String> {
            let out = Command::new(&rustc)
                .args(args)
                .current_dir(root())
                .output()
                .map_err(|e| format!("cannot run {rustc}: {e}"))?;
            if !out.status.success() {
                return Err(format!("{rustc} {} failed", args.join(" ")));
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let host = output(&["-vV"])?
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .map(str::to_owned)
            .ok_or("rustc -vV names no host")?;
        let sysroot = PathBuf::from(output(&["--print", "sysroot"])?.trim());
        Ok(Toolchain { host, sysroot })
    }

    /// Whether the toolchain ships ThreadSanitizer's runtime for the host
    /// (`librustc-<channel>_rt.tsan.a` in the host's library directory).
    fn has_tsan_runtime(&self) -> bool {
        let dir = self
            .sysroot
            .join("lib/rustlib")
            .join(&self.host)
            .join("lib");
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("librustc-") && name.ends_with("_rt.tsan.a")
            })
        })
    }

    /// Whether the standard library's source (the rust-src component) is installed.
    fn has_rust_src(&self) -> bool {
        self.sysroot
            .join("lib/rustlib/src/rust/library/Cargo.lock")
            .is_file()
    }
}
