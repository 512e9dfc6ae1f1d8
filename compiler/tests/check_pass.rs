//! Every program in tests/run, tests/check and examples/ must pass `weft check` with no
//! error (tests/check holds programs that are only checked: they need the network, or
//! their output order varies), and with no effect diagnostic: the effect passes raise no
//! false alarm on working programs. Examples that announce errors (`// error:`) belong to
//! the compile-fail suite instead.

mod common;

use std::process::Command;

#[test]
fn valid_programs_check_cleanly() {
    let root = common::root();
    let mut files = common::weft_files(&root.join("tests/run"));
    files.extend(common::weft_files(&root.join("tests/check")));
    files.extend(common::weft_files(&root.join("examples")));
    files.retain(|f| !common::expects_errors(f));
    assert!(!files.is_empty());
    let failures = common::parallel(&files, |p| {
        let out = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["check", "--message-format", "short"])
            .arg(p)
            .output()
            .map_err(|e| e.to_string())?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let effect_diagnostic = ["[E0401]", "[E0402]", "[W0403]"]
            .iter()
            .any(|c| stderr.contains(c));
        if out.status.success() && !effect_diagnostic {
            Ok(())
        } else {
            Err(format!(
                "{}:\n{}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    assert!(
        failures.is_empty(),
        "{} of {} programs fail `weft check`:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
