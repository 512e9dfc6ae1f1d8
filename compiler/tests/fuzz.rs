//! A mutation fuzzer over the `weft` binary. Each mutant is a program of the repository
//! (tests and examples) changed by one to three mutations:
//! - a token deleted, duplicated, or swapped with its neighbour;
//! - a keyword or a piece of punctuation inserted between two tokens;
//! - an integer literal replaced by an extreme value (0, -1, 2^31, 2^63, u64::MAX, ...);
//! - a splice: the first part of one program joined to the last part of another;
//! - bytes that are not UTF-8 (or control characters) inserted;
//! - deep nesting of one of several shapes (brackets, blocks, operator and method chains,
//!   `else if`, closures, `Some(...)`), balanced or not, up to twice the nesting limit.
//!
//! Every mutant goes through `weft check --message-format json`, and, when it checks
//! cleanly, through `weft build` (at -O0 or -O2). Each compiler run has a time limit and an
//! address-space limit (`setrlimit` in the child). A failure is: a panic (exit 101, an
//! "internal compiler error" or "panicked at"), a crash (a signal), a timeout, running out
//! of memory, or a diagnostic without a valid location (every JSON line needs a file, a
//! line and a column, within the file when it is the mutant).
//!
//! Runs are reproducible: mutant `i` of seed `S` is the same whatever the count. Failing
//! inputs go to `target/fuzz-failures/S-i.weft`, with the reason in `S-i.txt`.
//! `WEFT_FUZZ_COUNT` (default 300) and `WEFT_FUZZ_SEED` (default 1) choose the run;
//! `cargo xtask fuzz N [--seed S]` sets them.

mod common;

use common::mutate::{token_ranges, Rng};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Mutants per run by default (the run in `cargo xtask test`).
const DEFAULT_COUNT: u64 = 300;
/// Time limit of one compiler run. The slowest legitimate inputs (nesting near the limit)
/// take a few seconds in the debug-built compiler.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address space of one compiler run: the compiler reserves 1 GiB of stack.
const MEMORY_LIMIT: u64 = 4 << 30;

const KEYWORDS: &[&str] = &[
    "fn",
    "let",
    "var",
    "if",
    "else",
    "while",
    "for",
    "in",
    "loop",
    "return",
    "break",
    "continue",
    "struct",
    "enum",
    "impl",
    "match",
    "true",
    "false",
    "as",
    "unsafe",
    "move",
    "from",
    "import",
    "pub",
    "par",
    "with",
    "resource",
    "select",
    "case",
    "default",
    "spawn",
    "concurrent",
    "blocking",
    "gen",
    "yield",
    "async",
    "await",
    "defer",
    "errdefer",
    "try",
    "extern",
    "self",
    "mut",
    "never",
    "void",
    "test",
    "timeout",
];

const PUNCTUATION: &[&str] = &[
    "(", ")", "{", "}", "[", "]", "<", ">", ",", ";", ".", ":", "=", "=>", "->", "?", "!", "&",
    "&mut ", "*", "..", "..=", "@", "$\"", "\"", "'", "/*", "*/", "//", "??", "<<", ">>", "+", "-",
    "|", "\n", "_", "#", "\\", "{}", "()", "[]",
];

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "100000000000000000000",
    "1000000",
    "0x7fffffffffffffff",
    "1e308",
];

/// Invalid UTF-8 and control bytes.
const BAD_BYTES: &[u8] = &[
    0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xf0, 0xf8, 0xff, 0x00, 0x07, 0x1b,
];

#[test]
fn mutants_never_crash_the_compiler() {
    let count = env_number("WEFT_FUZZ_COUNT").unwrap_or(DEFAULT_COUNT);
    let seed = env_number("WEFT_FUZZ_SEED").unwrap_or(1);
    let corpus: Vec<String> = common::corpus()
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    assert!(!corpus.is_empty());
    let work = std::env::temp_dir().join(format!("weft-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let indices: Vec<u64> = (0..count).collect();
    let built = std::sync::atomic::AtomicU64::new(0);
    let failures = common::parallel(&indices, |&i| {
        let mutant = mutant(&corpus, seed, i);
        let path = work.join(format!("m{i}.weft"));
        std::fs::write(&path, &mutant).map_err(|e| e.to_string())?;
        let result = compile(&path, &work.join(format!("m{i}")), i);
        let _ = std::fs::remove_file(&path);
        if result == Ok(Stage::Built) {
            built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        result
            .map(|_| ())
            .map_err(|reason| save_failure(seed, i, &mutant, &reason))
    });
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        failures.is_empty(),
        "{} of {count} mutants (seed {seed}) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "fuzz: {count} mutants of seed {seed} ({} checked cleanly and were built), no failure",
        built.into_inner()
    );
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Writes a failing mutant and its reason under `target/fuzz-failures/`; returns the
/// message for the test's report.
fn save_failure(seed: u64, i: u64, mutant: &[u8], reason: &str) -> String {
    let dir = common::root().join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let input = dir.join(format!("{seed}-{i}.weft"));
    let _ = std::fs::write(&input, mutant);
    let _ = std::fs::write(dir.join(format!("{seed}-{i}.txt")), reason);
    let first = reason.lines().next().unwrap_or("");
    format!("mutant {i}: {first} (input: {})", input.display())
}

// ---------------------------------------------------------------------------------------
// Mutants

/// Mutant `i` of `seed`: a program of the corpus with one to three mutations.
fn mutant(corpus: &[String], seed: u64, i: u64) -> Vec<u8> {
    let mut rng = Rng::stream(seed, i);
    let mut text = rng.pick(corpus).clone();
    let mut bad_bytes = false;
    for _ in 0..1 + rng.below(3) {
        match rng.below(10) {
            0 | 1 => delete_token(&mut rng, &mut text),
            2 => duplicate_token(&mut rng, &mut text),
            3 => swap_tokens(&mut rng, &mut text),
            4 => insert_at_token(&mut rng, &mut text, KEYWORDS),
            5 => insert_at_token(&mut rng, &mut text, PUNCTUATION),
            6 => replace_number(&mut rng, &mut text),
            7 => {
                let other = rng.pick(corpus);
                text = splice(&mut rng, &text, other);
            }
            8 => insert_nesting(&mut rng, &mut text),
            _ => bad_bytes = true,
        }
    }
    let mut bytes = text.into_bytes();
    if bad_bytes {
        let at = rng.below(bytes.len() + 1);
        let n = 1 + rng.below(3);
        let inserted: Vec<u8> = (0..n).map(|_| *rng.pick(BAD_BYTES)).collect();
        bytes.splice(at..at, inserted);
    }
    bytes
}

fn random_token(rng: &mut Rng, text: &str) -> Option<(usize, usize)> {
    let toks = token_ranges(text);
    (!toks.is_empty()).then(|| *rng.pick(&toks))
}

fn delete_token(rng: &mut Rng, text: &mut String) {
    if let Some((a, b)) = random_token(rng, text) {
        text.replace_range(a..b, "");
    }
}

fn duplicate_token(rng: &mut Rng, text: &mut String) {
    if let Some((a, b)) = random_token(rng, text) {
        let tok = text[a..b].to_string();
        text.insert_str(b, &format!(" {tok}"));
    }
}

fn swap_tokens(rng: &mut Rng, text: &mut String) {
    let toks = token_ranges(text);
    if toks.len() < 2 {
        return;
    }
    let k = rng.below(toks.len() - 1);
    let ((a, b), (c, d)) = (toks[k], toks[k + 1]);
    let (first, second) = (text[a..b].to_string(), text[c..d].to_string());
    text.replace_range(c..d, &first);
    text.replace_range(a..b, &second);
}

fn insert_at_token(rng: &mut Rng, text: &mut String, pieces: &[&str]) {
    let at = random_token(rng, text).map_or(0, |(a, _)| a);
    let piece = *rng.pick(pieces);
    text.insert_str(at, &format!("{piece} "));
}

fn replace_number(rng: &mut Rng, text: &mut String) {
    let numbers: Vec<(usize, usize)> = token_ranges(text)
        .into_iter()
        .filter(|&(a, _)| text.as_bytes()[a].is_ascii_digit())
        .collect();
    if numbers.is_empty() {
        return insert_at_token(rng, text, EXTREMES);
    }
    let (a, b) = *rng.pick(&numbers);
    let extreme = *rng.pick::<&str>(EXTREMES);
    text.replace_range(a..b, extreme);
}

/// The first part of `a` (up to a token) joined to the last part of `b` (from a token).
fn splice(rng: &mut Rng, a: &str, b: &str) -> String {
    let cut = |rng: &mut Rng, t: &str| random_token(rng, t).map_or(0, |(s, _)| s);
    let (i, j) = (cut(rng, a), cut(rng, b));
    format!("{}{}", &a[..i], &b[j..])
}

/// Deeply nested code inserted between two tokens: `depth` repetitions of one shape's
/// opening part, an operand, and (usually) the closing parts.
fn insert_nesting(rng: &mut Rng, text: &mut String) {
    const SHAPES: &[(&str, &str, &str)] = &[
        ("(", "1", ")"),
        ("[", "1", "]"),
        ("{ ", "1", " }"),
        ("(() => ", "1", ")()"),
        ("Some(", "1", ")"),
        ("if true { ", "1", " } else { 2 }"),
        ("1 + ", "1", ""),
        ("-", "1", ""),
        ("!", "true", ""),
        ("", "x", ".y"),
        ("", "1", ".max(1)"),
        ("f(", "1", ")"),
        ("$\"{", "1", "}\""),
        ("match x { _ => ", "1", " }"),
        ("Vec<", "i64", ">"),
    ];
    const DEPTHS: &[usize] = &[3, 50, 300, 2_000, 9_990, 10_010, 20_000];
    let (open, operand, close) = *rng.pick(SHAPES);
    let depth = *rng.pick(DEPTHS);
    let mut nest = open.repeat(depth);
    nest.push_str(operand);
    if rng.below(4) != 0 {
        nest.push_str(&close.repeat(depth));
    }
    let at = random_token(rng, text).map_or(0, |(a, _)| a);
    text.insert_str(at, &nest);
}

// ---------------------------------------------------------------------------------------
// Running the compiler

/// How far a mutant went.
#[derive(Debug, PartialEq)]
enum Stage {
    /// `weft check` reported errors.
    Rejected,
    /// It checked cleanly and `weft build` ran.
    Built,
}

/// Checks a mutant and, when it checks cleanly, builds it; `Err` says how it failed.
fn compile(path: &Path, exe: &Path, i: u64) -> Result<Stage, String> {
    let lines = std::fs::read(path).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    let (code, stderr) = weft(&["check", "--message-format", "json"], path)?;
    check_locations(&stderr, path, lines + 1)?;
    if i.is_multiple_of(4) {
        // The human renderer, on the same diagnostics.
        weft(&["check"], path)?;
    }
    if code != 0 {
        return Ok(Stage::Rejected);
    }
    let opt = if i.is_multiple_of(2) { "-O0" } else { "-O2" };
    let exe = exe.to_string_lossy();
    let result = weft(&["build", opt, "-o", &exe], path);
    let _ = std::fs::remove_file(&*exe);
    result.map(|_| Stage::Built)
}

/// Runs `weft ARGS FILE` with the time and memory limits; returns (exit code, stderr), or
/// `Err` for a panic, a crash, a timeout or running out of memory.
fn weft(args: &[&str], file: &Path) -> Result<(i32, String), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
    cmd.args(args).arg(file);
    limit_memory(&mut cmd);
    let what = format!("weft {}", args.join(" "));
    let (code, _, stderr) = common::programs::run_with_timeout(&mut cmd, TIME_LIMIT)
        .map_err(|e| format!("{what}: {e}"))?;
    let panicked = stderr.contains("panicked at") || stderr.contains("internal compiler error");
    let out_of_memory = stderr.contains("memory allocation of") || stderr.contains("out of memory");
    let problem = if out_of_memory {
        "ran out of memory"
    } else if panicked || code == 101 {
        "panicked"
    } else if code > 128 {
        "crashed"
    } else {
        return Ok((code, stderr));
    };
    Err(format!("{what}: {problem} (exit {code}):\n{stderr}"))
}

/// Caps the child's address space at [`MEMORY_LIMIT`].
fn limit_memory(cmd: &mut Command) {
    let limit = libc::rlimit {
        rlim_cur: MEMORY_LIMIT,
        rlim_max: MEMORY_LIMIT,
    };
    // SAFETY: `setrlimit` is async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Every JSON diagnostic must have a file, and a line and column from 1 (for the mutant
/// itself, a line within it); any other line on stderr is a diagnostic without one.
fn check_locations(stderr: &str, mutant: &Path, mutant_lines: usize) -> Result<(), String> {
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || Err(format!("diagnostic without a valid location: {line}"));
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            return bad();
        };
        let file = v["file"].as_str().unwrap_or("");
        let (l, c) = (
            v["line"].as_u64().unwrap_or(0),
            v["column"].as_u64().unwrap_or(0),
        );
        let (el, ec) = (
            v["end_line"].as_u64().unwrap_or(0),
            v["end_column"].as_u64().unwrap_or(0),
        );
        let in_mutant = Path::new(file) == mutant;
        if file.is_empty()
            || l == 0
            || c == 0
            || (el, ec) < (l, c)
            || (in_mutant && l as usize > mutant_lines)
        {
            return bad();
        }
    }
    Ok(())
}
