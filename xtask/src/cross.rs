//! The aarch64 runtime for the cross suite (`compiler/tests/cross.rs`).
//!
//! rustup cannot add targets on the machines this project runs on, so the runtime is
//! built for `aarch64-unknown-linux-gnu` with Debian's rustc (`rustc-web`, whose
//! `libstd-rust-web-dev:arm64` provides an aarch64 std) and linked with
//! `aarch64-linux-gnu-gcc`, in a target folder of its own (`target/cross`) so that the two
//! compilers never rebuild each other's artifacts. `cargo xtask setup` installs all three.

use std::path::PathBuf;

/// Debian's rustc, which has the aarch64 std.
const RUSTC: &str = "/usr/bin/rustc";
const TARGET: &str = "aarch64-unknown-linux-gnu";

/// Builds the aarch64 runtime; returns the folder holding its `libweft_rt.a`.
pub fn build_runtime() -> Result<PathBuf, String> {
    let target_dir = crate::root().join("target/cross");
    crate::run(
        crate::cargo()
            .args([
                "build",
                "-q",
                "-p",
                "weft_rt",
                "--release",
                "--target",
                TARGET,
            ])
            .env("RUSTC", RUSTC)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env(
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER",
                "aarch64-linux-gnu-gcc",
            ),
    )?;
    Ok(target_dir.join(TARGET).join("release"))
}
