//! Programs that state their expected behaviour in comments (the run and stress suites):
//! parsing the expectations, building with the real compiler, and running with a time
//! limit under each scheduler thread count.
//!
//! - `// expect: <line>`: the exact stdout lines, in order (none: stdout must be empty);
//! - `// exit: N`: the exit code (default 0);
//! - `// expect-stderr: <text>`: a substring of stderr (several allowed);
//! - `// env: NAME=value`: environment for the run;
//! - `// args: a b c`: command-line arguments;
//! - `// build: -O0`: extra `weft build` flags;
//! - `// threads: 1 2 4`: the `WEFT_THREADS` values to run with (default 1 and 2);
//! - `// nofile: N`: the run's descriptor limit (`RLIMIT_NOFILE`, soft and hard), so that
//!   a program can show it leaks no descriptor by opening many more than N in turn.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What a program says must happen.
#[derive(Default, Debug)]
pub struct Spec {
    pub stdout: Vec<String>,
    pub exit: i32,
    pub stderr: Vec<String>,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub build: Vec<String>,
    /// `WEFT_THREADS` values from a `// threads:` comment (empty: the default).
    pub threads: Vec<String>,
    /// The descriptor limit from a `// nofile:` comment.
    pub nofile: Option<u64>,
}

impl Spec {
    /// Parses the expectation comments of a program's text.
    pub fn parse(text: &str) -> Spec {
        let mut s = Spec::default();
        for line in text.lines() {
            let Some(pos) = line.find("// ") else {
                continue;
            };
            let c = &line[pos + 3..];
            if let Some(v) = c.strip_prefix("expect: ") {
                s.stdout.push(v.to_string());
            } else if c == "expect:" {
                s.stdout.push(String::new());
            } else if let Some(v) = c.strip_prefix("exit: ") {
                s.exit = v.trim().parse().expect("exit code");
            } else if let Some(v) = c.strip_prefix("expect-stderr: ") {
                s.stderr.push(v.trim().to_string());
            } else if let Some(v) = c.strip_prefix("env: ") {
                for kv in v.split_whitespace() {
                    if let Some((k, val)) = kv.split_once('=') {
                        s.env.push((k.to_string(), val.to_string()));
                    }
                }
            } else if let Some(v) = c.strip_prefix("args: ") {
                s.args = v.split_whitespace().map(String::from).collect();
            } else if let Some(v) = c.strip_prefix("build: ") {
                s.build = v.split_whitespace().map(String::from).collect();
            } else if let Some(v) = c.strip_prefix("threads: ") {
                s.threads = v.split_whitespace().map(String::from).collect();
            } else if let Some(v) = c.strip_prefix("nofile: ") {
                s.nofile = Some(v.trim().parse().expect("descriptor limit"));
            }
        }
        s
    }

    /// The `WEFT_THREADS` values to run with: those of a `// threads:` comment, else 1 and
    /// 2, or only the program's own setting (`""`) when it pins `WEFT_THREADS` itself.
    pub fn thread_counts(&self) -> Vec<&str> {
        if self.env.iter().any(|(k, _)| k == "WEFT_THREADS") {
            vec![""]
        } else if !self.threads.is_empty() {
            self.threads.iter().map(String::as_str).collect()
        } else {
            vec!["1", "2"]
        }
    }
}

/// The program's path relative to the workspace root, for messages.
pub fn display_name(path: &Path) -> String {
    path.strip_prefix(super::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A file name for the program's executable, unique per source path.
pub fn exe_name(path: &Path) -> String {
    let rel = path.strip_prefix(super::root()).unwrap_or(path);
    rel.to_string_lossy().replace(['/', '.'], "_")
}

/// `weft build <flags> <path> -o <exe>`.
pub fn build(path: &Path, flags: &[String], exe: &Path) -> Result<(), String> {
    build_with(path, flags, exe, &[])
}

/// [`build`] with extra environment for the compiler (`WEFT_RUNTIME_DIR`).
pub fn build_with(
    path: &Path,
    flags: &[String],
    exe: &Path,
    env: &[(&str, &Path)],
) -> Result<(), String> {
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .envs(env.iter().copied())
        .arg("build")
        .args(flags)
        .arg(path)
        .arg("-o")
        .arg(exe)
        .output()
        .map_err(|e| e.to_string())?;
    if !build.status.success() {
        return Err(format!(
            "{}: build failed:\n{}",
            display_name(path),
            String::from_utf8_lossy(&build.stderr)
        ));
    }
    Ok(())
}

/// Runs a command with a time limit; returns (exit code, stdout, stderr).
pub fn run_with_timeout(
    cmd: &mut Command,
    limit: Duration,
) -> Result<(i32, String, String), String> {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let o = String::from_utf8_lossy(&t1.join().unwrap()).into_owned();
    let e = String::from_utf8_lossy(&t2.join().unwrap()).into_owned();
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok((code, o, e))
}

/// Makes `cmd`'s child start with a descriptor limit of `limit`, soft and hard (the
/// runtime raises the soft limit to the hard one at startup, as Go's does).
fn limit_descriptors(cmd: &mut Command, limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and calls only setrlimit,
    // which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Runs the built program once with `WEFT_THREADS=threads` (unset when empty) and checks
/// what it did against `spec`; `label` names the run in messages.
/// `runner`, when given, runs the program (an emulator such as `qemu-aarch64`).
pub fn run_and_check(
    runner: Option<&str>,
    exe: &Path,
    spec: &Spec,
    threads: &str,
    label: &str,
    limit: Duration,
) -> Result<(), String> {
    let mut cmd = match runner {
        Some(r) => {
            let mut c = Command::new(r);
            c.arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(&spec.args).current_dir(super::root());
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    if !threads.is_empty() {
        cmd.env("WEFT_THREADS", threads);
    }
    if let Some(limit) = spec.nofile {
        limit_descriptors(&mut cmd, limit);
    }
    let (code, out, err) =
        run_with_timeout(&mut cmd, limit).map_err(|e| format!("{label}: {e}"))?;
    let lines: Vec<&str> = out.lines().collect();
    let mut problems = Vec::new();
    if code != spec.exit {
        problems.push(format!("exit code {code}, expected {}", spec.exit));
    }
    if lines != spec.stdout.iter().map(String::as_str).collect::<Vec<_>>() {
        problems.push(format!(
            "stdout:\n{out}\nexpected:\n{}",
            spec.stdout.join("\n")
        ));
    }
    for s in &spec.stderr {
        if !err.contains(s.as_str()) {
            problems.push(format!("stderr lacks {s:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{label}: {}\nstderr:\n{err}", problems.join("\n")))
    }
}
