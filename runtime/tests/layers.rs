//! The runtime's layering (see the crate docs of `src/lib.rs`): every module of `src/`
//! belongs to one top-level unit (a folder such as `sched/`, or a leaf module such as
//! `panic.rs`), every unit to a layer, and a file may refer only to its own unit or to
//! units of lower layers. So import cycles stay inside one folder.
//!
//! References are read from the source text with comments removed: `crate::X` (also
//! `$crate::X` in macros, and `crate::{X, ..}`) and `super::` chains that climb out of the
//! unit. A new top-level module must be given a layer in [`LAYERS`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom up, and the units in each.
const LAYERS: &[(&str, &[&str])] = &[
    ("OS facades", &["os"]),
    ("low-level locking", &["lock"]),
    ("panics", &["panic"]),
    ("objects", &["obj"]),
    ("stacks and context", &["context", "stack"]),
    ("scheduler", &["sched"]),
    ("synchronization", &["sync"]),
    ("OS threads", &["thread"]),
    ("networking", &["net"]),
    ("C ABI", &["abi"]),
];

fn layer_of(unit: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, units)| units.contains(&unit))
}

/// A source file: its path below `src/` (with `/`) and its text.
struct Source {
    path: String,
    text: String,
}

fn read_sources(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, root, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let rel = path.strip_prefix(root).expect("below src/");
            out.push(Source {
                path: rel.to_string_lossy().replace('\\', "/"),
                text: std::fs::read_to_string(&path).expect("readable source"),
            });
        }
    }
}

/// The text without comments (line, doc and block comments); string literals are kept.
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' && i + 1 < b.len() {
                out.push_str(&text[i..i + 2]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' && (i == 0 || b[i - 1] != b'\'') {
            in_str = true;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        let ch = text[i..].chars().next().expect("a char");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The unit a file belongs to (`sched/worker.rs` → `sched`, `panic.rs` → `panic`), and the
/// depth of its module below the crate root (`lib.rs`: 0).
fn unit_of(path: &str) -> (String, usize) {
    let parts: Vec<&str> = path.split('/').collect();
    let file = parts.last().expect("a file name").trim_end_matches(".rs");
    let mut depth = parts.len() - 1;
    if file != "mod" && file != "lib" {
        depth += 1;
    }
    (parts[0].trim_end_matches(".rs").to_owned(), depth)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The identifier starting at `i`, if any.
fn ident_at(b: &[u8], i: usize) -> Option<&str> {
    let end = (i..b.len()).find(|&j| !is_ident(b[j])).unwrap_or(b.len());
    (end > i).then(|| std::str::from_utf8(&b[i..end]).expect("ASCII"))
}

/// The top-level units `code` (the comment-free text of a file `depth` modules below the
/// root) refers to outside its own unit.
fn references(code: &str, depth: usize) -> BTreeSet<String> {
    let b = code.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !is_ident(b[i - 1]);
        if starts_word && b[i..].starts_with(b"crate::") {
            let at = i + "crate::".len();
            if b.get(at) == Some(&b'{') {
                let end = at + code[at..].find('}').unwrap_or(code.len() - at);
                for item in code[at + 1..end].split(',') {
                    if let Some(name) = ident_at(item.trim().as_bytes(), 0) {
                        out.insert(name.to_owned());
                    }
                }
            } else if let Some(name) = ident_at(b, at) {
                out.insert(name.to_owned());
            }
            i = at;
        } else if starts_word && b[i..].starts_with(b"super::") {
            let mut at = i;
            let mut ups = 0;
            while b[at..].starts_with(b"super::") {
                ups += 1;
                at += "super::".len();
            }
            // Climbing to the crate root leaves the unit (an inline `mod tests` adds one
            // level, so `super::*` in a leaf module's tests stays inside).
            if ups >= depth {
                if let Some(name) = ident_at(b, at) {
                    if layer_of(name).is_some() {
                        out.insert(name.to_owned());
                    }
                }
            }
            i = at;
        } else {
            i += 1;
        }
    }
    out
}

/// Unit-level dependencies: unit → (unit it refers to → files that do).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// Checks the layering of `sources`; returns one message per violation.
fn check(sources: &[Source]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut graph: Graph = BTreeMap::new();
    for src in sources {
        let (unit, depth) = unit_of(&src.path);
        let code = strip_comments(&src.text);
        if src.path == "lib.rs" {
            for line in code.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if !line.starts_with("pub mod ") {
                    errors.push(format!(
                        "lib.rs: only module declarations belong here: `{line}`"
                    ));
                }
            }
            continue;
        }
        let Some(layer) = layer_of(&unit) else {
            errors.push(format!(
                "{}: unit `{unit}` has no layer in LAYERS",
                src.path
            ));
            continue;
        };
        graph.entry(unit.clone()).or_default();
        for target in references(&code, depth) {
            if target == unit {
                continue;
            }
            let Some(to) = layer_of(&target) else {
                errors.push(format!(
                    "{}: refers to `crate::{target}`, which has no layer",
                    src.path
                ));
                continue;
            };
            if to > layer {
                errors.push(format!(
                    "{}: `{unit}` ({}) refers to `{target}` ({}), a higher layer",
                    src.path, LAYERS[layer].0, LAYERS[to].0
                ));
            }
            graph
                .entry(unit.clone())
                .or_default()
                .entry(target)
                .or_default()
                .insert(src.path.clone());
        }
    }
    for cycle in cycles(&graph) {
        errors.push(format!("an import cycle spans {}", cycle.join(" -> ")));
    }
    errors
}

/// Every cycle between units, found by depth-first search (each reported once, as the
/// path that closes it, with the files of each edge).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn visit(
        graph: &Graph,
        unit: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|u| u == unit) {
            let mut cycle: Vec<String> = Vec::new();
            let ring: Vec<&String> = path[at..].iter().chain([&path[at]]).collect();
            for pair in ring.windows(2) {
                let files = &graph[pair[0].as_str()][pair[1].as_str()];
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                cycle.push(format!("{} ({})", pair[0], files.join(", ")));
            }
            cycle.push(path[at].clone());
            out.push(cycle);
            return;
        }
        if done.contains(unit) {
            return;
        }
        path.push(unit.to_owned());
        for next in graph.get(unit).into_iter().flat_map(|edges| edges.keys()) {
            visit(graph, next, path, done, out);
        }
        path.pop();
        done.insert(unit.to_owned());
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for unit in graph.keys() {
        visit(graph, unit, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

#[test]
fn runtime_modules_only_refer_to_their_own_or_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    read_sources(&root, &root, &mut sources);
    assert!(sources.len() > 40, "found the sources");
    let errors = check(&sources);
    let map: Vec<String> = LAYERS
        .iter()
        .enumerate()
        .map(|(i, (name, units))| format!("  {i} {name}: {}", units.join(", ")))
        .collect();
    assert!(
        errors.is_empty(),
        "layering violations:\n{}\nlayers, bottom up:\n{}",
        errors.join("\n"),
        map.join("\n")
    );
}

fn sources(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(path, text)| Source {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

#[test]
fn upward_references_are_reported() {
    let errors = check(&sources(&[
        (
            "obj/rc.rs",
            "use crate::os::fatal;\nfn f() { crate::sched::yield_now() }",
        ),
        (
            "os/mod.rs",
            "// crate::abi in a comment is fine\nconst S: &str = \"x\";",
        ),
        ("sync/held.rs", "use crate::{lock, thread};"),
        (
            "sched/worker.rs",
            "macro_rules! m { () => { $crate::abi::x!() } }",
        ),
    ]));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("obj/rc.rs: `obj` (objects) refers to `sched`"));
    assert!(errors[1].starts_with("sync/held.rs: `sync` (synchronization) refers to `thread`"));
    assert!(errors[2].starts_with("sched/worker.rs: `sched` (scheduler) refers to `abi`"));
}

#[test]
fn cycles_between_units_of_one_layer_are_reported() {
    let errors = check(&sources(&[
        ("stack.rs", "fn f() { crate::context::switch() }"),
        ("context/mod.rs", "fn g() { super::stack::limit() }"),
        (
            "context/x86_64.rs",
            "fn h() { super::super::stack::limit() }",
        ),
    ]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("an import cycle spans context"),
        "{errors:#?}"
    );
    assert!(errors[0].contains("context/x86_64.rs"), "{errors:#?}");
}

#[test]
fn new_units_need_a_layer_and_lib_rs_only_declares_modules() {
    let errors = check(&sources(&[
        ("lib.rs", "//! docs\npub mod os;\nuse os::fatal;"),
        ("extra.rs", "fn f() {}"),
        ("abi/mod.rs", "use crate::extra::f;"),
    ]));
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn super_chains_inside_a_unit_are_not_references() {
    assert!(references("use super::*; use super::queue::Q;", 2).is_empty());
    assert!(references("mod tests { use super::*; }", 1).is_empty());
    assert_eq!(
        references("use super::super::sched::Waiter;", 2),
        BTreeSet::from(["sched".to_owned()])
    );
}
