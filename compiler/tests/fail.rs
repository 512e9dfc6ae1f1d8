//! The compile-fail suite: every `tests/fail/**/*.weft` program must be rejected by
//! `weft check` with exactly the diagnostics its comments announce.
//!
//! `// error: E0200` (or `// warning: W0101`) and `// error-msg: <substring>` comments
//! stand on the offending line, or alone on the line above it. Every expected code must be
//! reported on its line, every message substring must appear in a diagnostic on its line,
//! every `// error-help: <substring>` in the help or notes of one, and no error may be
//! reported that is not expected.

mod common;

use std::path::Path;
use std::process::Command;

#[derive(Debug)]
struct Expect {
    line: usize,
    code: Option<String>,
    msg: Option<String>,
    /// A substring of a help line or note.
    help: Option<String>,
}

/// Expectations announced by a test file's comments.
fn expectations(text: &str) -> Vec<Expect> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(pos) = l.find("// ") else { continue };
        let comment = &l[pos + 3..];
        let code_only = l[..pos].trim().is_empty();
        let target = if code_only {
            // The next line that has code.
            (i + 1..lines.len())
                .find(|&j| {
                    let t = lines[j].trim();
                    !t.is_empty() && !t.starts_with("//")
                })
                .unwrap_or(i)
        } else {
            i
        };
        for part in comment.split("// ") {
            let part = part.trim();
            if let Some(c) = part
                .strip_prefix("error:")
                .or_else(|| part.strip_prefix("warning:"))
            {
                // Prose that mentions the `// error:` syntax names no code.
                let c = c.trim();
                if !c.starts_with(['E', 'W']) || !c[1..].chars().all(|d| d.is_ascii_digit()) {
                    continue;
                }
                out.push(Expect {
                    line: target + 1,
                    code: Some(c.to_string()),
                    msg: None,
                    help: None,
                });
            } else if let Some(m) = part.strip_prefix("error-msg:") {
                out.push(Expect {
                    line: target + 1,
                    code: None,
                    msg: Some(m.trim().to_string()),
                    help: None,
                });
            } else if let Some(h) = part.strip_prefix("error-help:") {
                out.push(Expect {
                    line: target + 1,
                    code: None,
                    msg: None,
                    help: Some(h.trim().to_string()),
                });
            }
        }
    }
    out
}

fn check_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let expects = expectations(&text);
    let name = path
        .strip_prefix(common::root())
        .unwrap_or(path)
        .display()
        .to_string();
    if expects.is_empty() {
        return Err(format!("{name}: no `// error:` expectation"));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["check", "--message-format", "json"])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let diags: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut problems = Vec::new();
    let expects_error = expects.iter().any(|e| {
        e.code.as_deref().is_some_and(|c| c.starts_with('E')) || e.msg.is_some() || e.help.is_some()
    });
    match out.status.code() {
        Some(1) if expects_error => {}
        Some(0) if !expects_error => {}
        other => problems.push(format!("exit code {other:?}")),
    }
    for e in &expects {
        let on_line = diags
            .iter()
            .filter(|d| d["line"].as_u64() == Some(e.line as u64));
        let found = on_line.clone().any(|d| {
            e.code
                .as_deref()
                .is_none_or(|c| d["code"].as_str() == Some(c))
                && e.msg
                    .as_deref()
                    .is_none_or(|m| d["message"].as_str().is_some_and(|s| s.contains(m)))
                && e.help.as_deref().is_none_or(|h| {
                    ["help", "notes"].iter().any(|k| {
                        d[*k].as_array().is_some_and(|a| {
                            a.iter().any(|x| x.as_str().is_some_and(|s| s.contains(h)))
                        })
                    })
                })
        });
        if !found {
            let got: Vec<String> = on_line
                .map(|d| {
                    format!(
                        "{} {} {} {}",
                        d["code"], d["message"], d["help"], d["notes"]
                    )
                })
                .collect();
            problems.push(format!(
                "line {}: expected {:?}{}{}, got {:?}",
                e.line,
                e.code,
                e.msg
                    .as_deref()
                    .map(|m| format!(" containing {m:?}"))
                    .unwrap_or_default(),
                e.help
                    .as_deref()
                    .map(|h| format!(" with help {h:?}"))
                    .unwrap_or_default(),
                got
            ));
        }
    }
    for d in &diags {
        let line = d["line"].as_u64().unwrap_or(0) as usize;
        let code = d["code"].as_str().unwrap_or("");
        let expected = expects
            .iter()
            .any(|e| e.line == line && e.code.as_deref().is_none_or(|c| c == code));
        if d["severity"] == "error" && !expected {
            problems.push(format!(
                "unexpected {}:{}: {} {}",
                d["file"], line, code, d["message"]
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}:\n    {}", problems.join("\n    ")))
    }
}

/// The test programs under tests/fail; files in a `lib/` folder are modules they import.
fn fail_files() -> Vec<std::path::PathBuf> {
    let dir = common::root().join("tests/fail");
    let mut files = common::weft_files(&dir);
    files.retain(|f| {
        !f.strip_prefix(&dir)
            .unwrap_or(f)
            .components()
            .any(|c| c.as_os_str() == "lib")
    });
    files
}

#[test]
fn compile_fail_suite() {
    let mut files = fail_files();
    let examples = common::weft_files(&common::root().join("examples"));
    files.extend(examples.into_iter().filter(|f| common::expects_errors(f)));
    assert!(
        files.len() >= 80,
        "tests/fail holds only {} programs",
        files.len()
    );
    let failures = common::parallel(&files, |p| check_file(p));
    assert!(
        failures.is_empty(),
        "{} of {} compile-fail tests failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_code_is_covered() {
    let mut seen = std::collections::HashSet::new();
    for f in fail_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for e in expectations(&text) {
            if let Some(c) = e.code {
                seen.insert(c);
            }
        }
    }
    let missing: Vec<&str> = weft::diagnostics::ALL_CODES
        .iter()
        .map(|(c, _)| c.0)
        .filter(|c| !seen.contains(*c) && !UNTESTABLE.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a compile-fail test: {missing:?}"
    );
}

/// Codes reserved for later stages that no program can trigger in this version.
const UNTESTABLE: &[&str] = &["E0303", "E0401", "E0402", "W0403"];
