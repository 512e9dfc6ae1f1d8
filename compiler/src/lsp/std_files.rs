//! The std sources as files, for going to a definition in std: the embedded sources are
//! written (as the compiler read them) under the user's cache folder, once per version.

use crate::source::SourceFile;
use std::path::PathBuf;

/// The path of a file of the compilation: its own for a file from disk; for a std file,
/// a copy of its text under `$XDG_CACHE_HOME/weft/<version>/` (or `~/.cache`, or the
/// temporary folder), written if missing or different.
pub fn path_of(file: &SourceFile) -> Option<PathBuf> {
    if let Some(p) = &file.path {
        return Some(p.clone());
    }
    if !file.is_std {
        return None;
    }
    let name = if file.name.ends_with(".weft") {
        file.name.clone()
    } else {
        format!("{}.weft", file.name)
    };
    let path = cache_dir().join(name);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(file.text.as_str()) {
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, &file.text).ok()?;
    }
    Some(path)
}

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("weft").join(env!("CARGO_PKG_VERSION"))
}
