//! Robustness: no input makes the front end panic. Every test program, example and seed
//! snippet is checked truncated at many points and with random tokens deleted; each run
//! must finish without a panic, and every diagnostic must point inside its file. A sample
//! also runs through the `weft` binary to check exit codes (0 or 1, never 2 or a crash).

mod common;

use common::mutate::{token_ranges, Rng};

use std::path::PathBuf;
use std::process::Command;

/// Truncations and token deletions per program. Each check re-reads the whole std
/// library, so this is kept small; the seed varies the cut points per file, and the
/// corpus has several hundred files.
const VARIANTS: usize = 4;

/// Mutations of a program: truncations at seeded points and deleted tokens.
fn variants(text: &str, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    let boundaries: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    for _ in 0..VARIANTS {
        let cut = boundaries[rng.below(boundaries.len())];
        out.push(text[..cut].to_string());
    }
    for _ in 0..VARIANTS {
        let mut s = text.to_string();
        for _ in 0..1 + rng.below(3) {
            let toks = token_ranges(&s);
            if toks.is_empty() {
                break;
            }
            let (a, b) = toks[rng.below(toks.len())];
            s.replace_range(a..b, "");
        }
        out.push(s);
    }
    out
}

fn check_variant(name: &str, text: String) -> Result<(), String> {
    let len = text.len() as u32;
    let result = std::panic::catch_unwind(|| weft::driver::check_text(name, text.clone()));
    let (map, diags) = result.map_err(|_| format!("{name}: the front end panicked on:\n{text}"))?;
    for d in diags.iter() {
        let file = map.get(d.primary.file);
        let flen = file.text.len() as u32;
        if d.primary.start > d.primary.end || d.primary.end > flen {
            return Err(format!(
                "{name}: diagnostic {} `{}` has span {:?} outside its file (len {})",
                d.code,
                d.message,
                d.primary,
                if file.is_std { flen } else { len }
            ));
        }
        let (line, col) = file.line_col(d.primary.start);
        if line == 0 || col == 0 || line > file.line_count() {
            return Err(format!(
                "{name}: diagnostic {} has no valid location",
                d.code
            ));
        }
    }
    Ok(())
}

#[test]
fn mutated_programs_never_panic() {
    std::panic::set_hook(Box::new(|_| {}));
    let files = common::corpus();
    assert!(!files.is_empty());
    let failures = common::parallel(&files, |p| {
        let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let seed = text.len() as u64 * 2654435761;
        for v in variants(&text, seed) {
            check_variant(&name, v)?;
        }
        Ok(())
    });
    let _ = std::panic::take_hook();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn exit_codes_are_zero_or_one() {
    let files = common::corpus();
    let sample: Vec<PathBuf> = files.iter().step_by(7).cloned().collect();
    let dir = std::env::temp_dir().join(format!("weft-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let failures = common::parallel(&sample, |p| {
        let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
        for (i, v) in variants(&text, 7).into_iter().enumerate().step_by(4) {
            let f = dir.join(format!(
                "{}-{i}.weft",
                p.file_stem().unwrap().to_string_lossy()
            ));
            std::fs::write(&f, v).map_err(|e| e.to_string())?;
            let out = Command::new(env!("CARGO_BIN_EXE_weft"))
                .arg("check")
                .arg(&f)
                .output()
                .map_err(|e| e.to_string())?;
            match out.status.code() {
                Some(0) | Some(1) => {}
                other => {
                    return Err(format!(
                        "{}: exit {other:?}: {}",
                        f.display(),
                        String::from_utf8_lossy(&out.stderr)
                    ))
                }
            }
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
