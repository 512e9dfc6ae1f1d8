//! Helpers shared by the integration suites.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod lsp_client;
pub mod mutate;
pub mod programs;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.weft` file below `dir`, sorted.
pub fn weft_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "weft") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every program of the repository: the test programs (`tests/`) and the examples.
pub fn corpus() -> Vec<PathBuf> {
    let root = root();
    let mut files = weft_files(&root.join("tests"));
    files.extend(weft_files(&root.join("examples")));
    files
}

/// Runs `f` on every item with a few threads; returns the failure messages.
pub fn parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<(), String> + Sync) -> Vec<String> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if let Err(e) = f(item) {
                    failures.lock().unwrap().push(e);
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// Does the program announce expected errors (`// error:` comments)?
pub fn expects_errors(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains("// error:"))
}
