//! `weft test`: finds the `test fn`s of the given files and folders, builds one test
//! program per file and runs every test in a process of its own, several at a time.
//!
//! Isolation is by process: a test program's entry runs the one test its `WEFT_TEST`
//! variable names ([`crate::hir::lower_tests`]), so a panic, a failed `assert`, a
//! deadlock (the runtime's report), a crash or a test that does not finish in time (it
//! is killed) fails that test alone, and every test starts from a fresh runtime. A test
//! passes when its process exits with 0. What a failed test printed (its panic message
//! and location, and its own output) is shown after the results.
//!
//! Steps: [`discover`] keeps the files that declare tests (read at the token level, so a
//! test file with syntax errors still gets its diagnostics); the files are built in
//! parallel ([`crate::driver::build::build_tests`], `-O0` by default); the tests run in
//! parallel, `-j` at a time; results are printed as they finish, then the failures and
//! the closing `N passed, M failed` line. Exit code 1 when a test failed or a file did
//! not build, 2 for usage errors.

use crate::diagnostics::Diagnostics;
use crate::driver::build::{self, BuildRequest, TestFn};
use crate::driver::cli::{MessageFormatArg, TestArgs};
use crate::source::{FileId, SourceMap};
use crate::syntax::lexer;
use crate::syntax::token::{Kw, Punct, Token};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One test to run: the test program, the test's index in it, and where it is declared.
struct Job {
    exe: PathBuf,
    index: usize,
    file: PathBuf,
    test: TestFn,
}

/// How a test ended.
#[derive(Debug)]
pub struct Outcome {
    pub passed: bool,
    pub duration: Duration,
    /// Why it failed, in one or a few lines (the panic message, the fatal error, the
    /// exit status or the timeout).
    pub message: String,
    /// `file:line:col` of the panic, when the output names one.
    pub location: Option<String>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `weft test`; returns the exit code.
pub fn run(args: &TestArgs) -> i32 {
    let started = Instant::now();
    let json = args.diag.message_format == MessageFormatArg::Json;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match crate::driver::files::weft_files(&paths) {
        Ok(f) => discover(&f),
        Err(e) => {
            eprintln!("error: {e}");
            return crate::driver::EXIT_USAGE;
        }
    };
    let dir = match build::scratch_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::driver::EXIT_USAGE;
        }
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let jobs = jobs.max(1);
    let (runs, broken) = build_all(&files, &dir, args, jobs);
    let mut out = Report {
        json,
        passed: 0,
        failed: Vec::new(),
    };
    if !json {
        println!(
            "running {} test{} from {} file{}",
            runs.len(),
            plural(runs.len()),
            files.len(),
            plural(files.len())
        );
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    run_all(runs, jobs, timeout, |job, outcome| out.result(job, outcome));
    let _ = std::fs::remove_dir_all(&dir);
    out.finish(&broken, started.elapsed());
    if out.failed.is_empty() && broken.is_empty() {
        0
    } else {
        crate::driver::EXIT_ERRORS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The files among `files` that declare a test function (`test fn` or `@test`).
pub fn discover(files: &[PathBuf]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| {
            let Ok(bytes) = std::fs::read(f) else {
                return true; // the build reports it
            };
            let text = String::from_utf8_lossy(&bytes);
            declares_tests(&text)
        })
        .cloned()
        .collect()
}

/// Does the text declare a test function? Read from the tokens, so that a test file with
/// syntax errors still counts (and its build reports them).
fn declares_tests(text: &str) -> bool {
    let mut diags = Diagnostics::new();
    let toks = lexer::lex(FileId(0), text, &mut diags);
    toks.windows(2).any(|w| {
        let test = matches!(&w[1].0, Token::Ident(n) if n == "test");
        match (&w[0].0, &w[1].0) {
            (Token::Ident(n), Token::Kw(Kw::Fn)) => n == "test",
            (Token::Punct(Punct::At), _) => test,
            _ => false,
        }
    })
}

/// The tests of the file at an index, or the exit code of its failed build.
type FileBuild = (usize, Result<Vec<TestFn>, i32>);

/// Builds the test program of every file, `jobs` at a time. Returns the tests to run, in
/// file order, and the files that did not build.
fn build_all(
    files: &[PathBuf],
    dir: &Path,
    args: &TestArgs,
    jobs: usize,
) -> (Vec<Job>, Vec<PathBuf>) {
    let results: Mutex<Vec<FileBuild>> = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let filter = args.filter.clone().unwrap_or_default();
    let select = |name: &str| name.contains(filter.as_str());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(files.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let req = BuildRequest {
                    file,
                    output: dir.join(format!("test{i}")),
                    opt: args.opt,
                    debug: false,
                    target: crate::codegen::target::TargetSpec::host(),
                    static_link: false,
                    auto_par: true,
                };
                let mut reporter = |map: &SourceMap, diags: Diagnostics| {
                    crate::driver::report(map, diags, &args.diag)
                };
                let r = crate::driver::with_big_stack(|| {
                    build::build_tests(&req, &select, &mut reporter)
                });
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let mut runs = Vec::new();
    let mut broken = Vec::new();
    for (i, r) in results {
        match r {
            Ok(tests) => runs.extend(tests.into_iter().enumerate().map(|(index, test)| Job {
                exe: dir.join(format!("test{i}")),
                index,
                file: files[i].clone(),
                test,
            })),
            Err(_) => broken.push(files[i].clone()),
        }
    }
    (runs, broken)
}

/// Runs every job, `jobs` at a time, handing each result to `done` as it finishes.
fn run_all(runs: Vec<Job>, jobs: usize, timeout: Duration, mut done: impl FnMut(&Job, Outcome)) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.min(runs.len()) {
            let tx = tx.clone();
            let runs = &runs;
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = runs.get(i) else { break };
                let outcome = run_one(job, timeout);
                if tx.send((i, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, outcome) in rx {
            done(&runs[i], outcome);
        }
    });
}

/// Runs one test in its own process.
fn run_one(job: &Job, timeout: Duration) -> Outcome {
    let started = Instant::now();
    let child = Command::new(&job.exe)
        .env("WEFT_TEST", job.index.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                passed: false,
                duration: started.elapsed(),
                message: format!("cannot run the test program: {e}"),
                location: None,
                stdout: String::new(),
                stderr: String::new(),
            }
        }
    };
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let duration = started.elapsed();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let passed = !timed_out && status.is_some_and(|s| s.success());
    let (message, location) = if passed {
        (String::new(), None)
    } else if timed_out {
        (format!("timed out after {} s", timeout.as_secs()), None)
    } else {
        failure_of(&stderr, status)
    };
    Outcome {
        passed,
        duration,
        message,
        location,
        stdout,
        stderr,
    }
}

/// Reads a child's pipe to the end on a thread of its own (so a full pipe never blocks
/// the child).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The message and location of a failure from the test's standard error: a panic
/// (`panic: <message>` then `  at <file:line:col> (task ...)`), a fatal runtime error, or
/// else the exit status.
fn failure_of(stderr: &str, status: Option<std::process::ExitStatus>) -> (String, Option<String>) {
    let lines: Vec<&str> = stderr.lines().collect();
    if let Some(start) = lines.iter().position(|l| l.starts_with("panic: ")) {
        let mut message = vec![&lines[start]["panic: ".len()..]];
        let mut location = None;
        for l in &lines[start + 1..] {
            if let Some(at) = l.strip_prefix("  at ") {
                location = Some(at.split(" (").next().unwrap_or(at).to_string());
                break;
            }
            message.push(l);
        }
        return (message.join("\n"), location);
    }
    if let Some(fatal) = lines.iter().find(|l| l.starts_with("fatal: ")) {
        return (fatal.to_string(), None);
    }
    use std::os::unix::process::ExitStatusExt;
    let message = match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exited with code {c}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => "failed".to_string(),
        },
        None => "the test program could not be waited for".to_string(),
    };
    (message, None)
}

/// The printed results.
struct Report {
    json: bool,
    passed: usize,
    /// The failed tests with what they printed, for the summary.
    failed: Vec<(String, Outcome)>,
}

impl Report {
    fn result(&mut self, job: &Job, outcome: Outcome) {
        let name = format!("{}::{}", job.file.display(), job.test.name);
        let ms = outcome.duration.as_secs_f64() * 1000.0;
        if self.json {
            let mut v = serde_json::json!({
                "type": "test",
                "file": job.file.display().to_string(),
                "name": job.test.name,
                "line": job.test.line,
                "result": if outcome.passed { "passed" } else { "failed" },
                "duration_ms": (ms * 1000.0).round() / 1000.0,
            });
            if !outcome.passed {
                v["message"] = outcome.message.clone().into();
                v["location"] = outcome.location.clone().into();
                v["stdout"] = outcome.stdout.clone().into();
                v["stderr"] = outcome.stderr.clone().into();
            }
            println!("{v}");
        } else {
            let result = if outcome.passed { "ok" } else { "FAILED" };
            println!("test {name} ... {result} ({ms:.0} ms)");
        }
        let _ = std::io::stdout().flush();
        if outcome.passed {
            self.passed += 1;
        } else {
            self.failed.push((name, outcome));
        }
    }

    fn finish(&self, broken: &[PathBuf], elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if self.json {
            for f in broken {
                let v = serde_json::json!({
                    "type": "build", "file": f.display().to_string(), "result": "failed",
                });
                println!("{v}");
            }
            let v = serde_json::json!({
                "type": "summary",
                "passed": self.passed,
                "failed": self.failed.len(),
                "build_failures": broken.len(),
                "duration_ms": (secs * 1e6).round() / 1000.0,
            });
            println!("{v}");
            return;
        }
        if !self.failed.is_empty() {
            println!("\nfailures:");
            for (name, o) in &self.failed {
                println!("\n---- {name} ----");
                match &o.location {
                    Some(at) => println!("{}\n  at {at}", o.message),
                    None => println!("{}", o.message),
                }
                if !o.stdout.is_empty() {
                    println!("stdout:\n{}", o.stdout.trim_end());
                }
                let stderr = o.stderr.trim_end();
                if o.location.is_none() && !stderr.is_empty() && stderr != o.message {
                    println!("stderr:\n{stderr}");
                }
            }
            println!();
        }
        for f in broken {
            println!("error: the tests of `{}` could not be built", f.display());
        }
        println!(
            "{} passed, {} failed ({secs:.2} s)",
            self.passed,
            self.failed.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_files_are_found_by_their_tokens() {
        assert!(declares_tests("test fn a() {}"));
        assert!(declares_tests("@test\nfn a() {}"));
        assert!(declares_tests("test fn a() { let = }"));
        assert!(!declares_tests("fn test() {}\nlet test = 1"));
        assert!(!declares_tests("// test fn in a comment\nfn main() {}"));
    }

    #[test]
    fn panic_messages_and_locations_are_read_from_stderr() {
        let (m, at) = failure_of(
            "panic: assertion `left == right` failed\n  left: 1\n right: 2\n  at t.weft:4:5 (task main)\n",
            None,
        );
        assert_eq!(m, "assertion `left == right` failed\n  left: 1\n right: 2");
        assert_eq!(at.as_deref(), Some("t.weft:4:5"));
        let (m, at) = failure_of("fatal: deadlock: all tasks are asleep\n", None);
        assert_eq!(
            (m.as_str(), at),
            ("fatal: deadlock: all tasks are asleep", None)
        );
    }
}
