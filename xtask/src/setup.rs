//! `cargo xtask setup`: installs the system packages the project needs.
//!
//! One `dpkg-query` call checks every package; `apt-get update` and `apt-get install` run
//! only when something is missing, so a machine that has everything is checked in well
//! under a second.

use std::process::Command;

/// Debian packages the build, the tests and the benchmarks need.
pub const PACKAGES: &[&str] = &[
    // LLVM 19 for code generation through inkwell (LLVM_SYS_191_PREFIX=/usr/lib/llvm-19).
    "llvm-19-dev",
    "libpolly-19-dev",
    "libzstd-dev",
    // C peers of the benchmarks (the same LLVM as the compiler).
    "clang-19",
    // Leak checking of the run suite.
    "valgrind",
    // Peers of the concurrency benchmarks.
    "golang-go",
    "crystal",
    // The load generator of the http benchmark.
    "wrk",
    // The aarch64 suite: Debian's rustc with an aarch64 std (rustup cannot add targets
    // here), the cross C toolchain for linking, and qemu to run the programs.
    "rustc-web",
    "libstd-rust-web-dev:arm64",
    "gcc-aarch64-linux-gnu",
    "libc6-dev-arm64-cross",
    "qemu-user",
];

/// Installs whatever is missing.
pub fn setup() -> Result<(), String> {
    let missing = missing_packages()?;
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask setup: installing {}", missing.join(" "));
    if !is_root() {
        return Err(format!(
            "missing packages {}; run as root or install them with apt-get",
            missing.join(" ")
        ));
    }
    if missing.iter().any(|p| p.ends_with(":arm64")) {
        add_architecture("arm64")?;
    }
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().map(String::as_str));
    apt(&args)
}

fn missing_packages() -> Result<Vec<String>, String> {
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg("-f=${Package}:${Architecture} ${Status}\n")
        .args(PACKAGES)
        .output()
        .map_err(|e| format!("cannot run dpkg-query: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `name:arch` of every installed package; a wanted name without an architecture
    // matches any.
    let installed: Vec<&str> = text
        .lines()
        .filter(|l| l.ends_with("install ok installed"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let is_installed = |wanted: &str| {
        installed
            .iter()
            .any(|i| *i == wanted || (!wanted.contains(':') && i.split(':').next() == Some(wanted)))
    };
    Ok(PACKAGES
        .iter()
        .filter(|p| !is_installed(p))
        .map(|p| p.to_string())
        .collect())
}

/// Lets apt install packages of a foreign architecture (`dpkg --add-architecture`).
fn add_architecture(arch: &str) -> Result<(), String> {
    let status = Command::new("dpkg")
        .args(["--add-architecture", arch])
        .status()
        .map_err(|e| format!("cannot run dpkg: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "dpkg --add-architecture {arch} failed with {status}"
        ))
    }
}

fn apt(args: &[&str]) -> Result<(), String> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed with {status}", args.join(" ")))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
