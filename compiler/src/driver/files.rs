//! The `.weft` files named on a command line: files as given, folders searched
//! recursively.

use std::path::{Path, PathBuf};

/// Every `.weft` file of `paths`: a file is taken as given (whatever its extension), a
/// folder is searched recursively, in name order, skipping hidden folders (`.git`) and
/// cache folders (those holding a `CACHEDIR.TAG`, such as cargo's `target`). An error
/// names a path that does not exist or cannot be read.
pub fn weft_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta =
            std::fs::metadata(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let read =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut entries: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_dir() {
            if !hidden && !path.join("CACHEDIR.TAG").exists() {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "weft") {
            out.push(path);
        }
    }
    Ok(())
}
