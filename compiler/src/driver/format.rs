//! `weft fmt FILE|DIR... [--check]`: lays out files in the canonical layout ([`crate::fmt`]).

use super::cli::FmtArgs;
use super::{load_root, report, EXIT_ERRORS, EXIT_USAGE};
use crate::diagnostics::Diagnostics;
use crate::fmt::{format_source, FormatError};
use crate::source::SourceMap;
use std::path::Path;

/// Formats every file of `args.paths` in place, or with `--check` lists the files whose
/// layout differs. Exit code: 0 when everything is (or now is) formatted; 1 when `--check`
/// found a file to change or a file has syntax errors (reported as diagnostics, the file
/// left alone); 2 for unreadable paths and internal errors.
pub fn run(args: &FmtArgs) -> i32 {
    let files = match super::files::weft_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut code = 0;
    for file in files {
        code = code.max(one_file(&file, args));
    }
    code
}

fn one_file(path: &Path, args: &FmtArgs) -> i32 {
    let mut map = SourceMap::new();
    let mut reporter = |map: &SourceMap, diags: Diagnostics| report(map, diags, &args.diag);
    let id = match load_root(&mut map, path, &mut reporter) {
        Ok(id) => id,
        Err(code) => return code,
    };
    let text = &map.get(id).text;
    match format_source(id, text) {
        Ok(out) if out == *text => 0,
        Ok(_) if args.check => {
            println!("{}", path.display());
            EXIT_ERRORS
        }
        Ok(out) => match std::fs::write(path, out) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                EXIT_USAGE
            }
        },
        Err(FormatError::Syntax(list)) => {
            let mut diags = Diagnostics::new();
            diags.extend(list);
            reporter(&map, diags);
            EXIT_ERRORS
        }
        Err(FormatError::Internal(msg)) => {
            eprintln!(
                "error: internal formatter error in `{}`: {msg}; the file was left unchanged",
                path.display()
            );
            eprintln!("note: this is a bug in weft; please report it with the file");
            EXIT_USAGE
        }
    }
}
