//! Loading modules: the root file, the std prelude (always), and everything reachable
//! through `from "..." import { ... }`.
//!
//! Module paths: `std/<name>` names an embedded std module; `./x` and `../x` name the file
//! `x.weft` relative to the importing file's directory. Each file is loaded and parsed once.

use super::defs::{ModuleId, ModuleInfo};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{ast, parser};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// The loaded modules. Modules `0..prelude_count` are the prelude and its numeric
/// instantiations; `root` is the user's file. Every std module is loaded (they are small),
/// so the lang items of std/runtime (Promise, TaskError) always exist.
pub struct Loaded {
    pub modules: Vec<ModuleInfo>,
    pub root: ModuleId,
    pub prelude_count: usize,
    /// For each module, the target of each import item (by item index).
    pub import_targets: Vec<HashMap<u32, ModuleId>>,
}

/// Loads `root` (already in `map`) and everything it imports.
pub fn load(map: &mut SourceMap, root: FileId, diags: &mut Diagnostics) -> Loaded {
    let mut loader = Loader {
        map,
        diags,
        modules: Vec::new(),
        by_key: HashMap::new(),
        queue: VecDeque::new(),
        import_targets: Vec::new(),
    };
    loader.load_prelude();
    let prelude_count = loader.modules.len();
    let root_id = loader.add_module(root, None);
    loader.load_rest_of_std();
    while let Some(id) = loader.queue.pop_front() {
        loader.resolve_imports(id);
    }
    Loaded {
        modules: loader.modules,
        root: root_id,
        prelude_count,
        import_targets: loader.import_targets,
    }
}

struct Loader<'a> {
    map: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    modules: Vec<ModuleInfo>,
    /// Canonical path or std name → module.
    by_key: HashMap<String, ModuleId>,
    queue: VecDeque<ModuleId>,
    import_targets: Vec<HashMap<u32, ModuleId>>,
}

impl Loader<'_> {
    fn load_prelude(&mut self) {
        self.load_std("std/prelude");
        let int_src = stdlib::source("std/int").unwrap_or_default();
        for ty in stdlib::INT_TYPES {
            let text = stdlib::instantiate_template(&int_src, "Int", ty);
            self.add_std_text(&format!("std/int@{ty}"), text);
        }
        let float_src = stdlib::source("std/float").unwrap_or_default();
        for ty in stdlib::FLOAT_TYPES {
            let text = stdlib::instantiate_template(&float_src, "Float", ty);
            self.add_std_text(&format!("std/float@{ty}"), text);
        }
    }

    /// Loads the std modules that are not part of the prelude.
    fn load_rest_of_std(&mut self) {
        for name in stdlib::module_names() {
            self.load_std(name);
        }
    }

    fn load_std(&mut self, name: &str) -> Option<ModuleId> {
        if let Some(&id) = self.by_key.get(name) {
            return Some(id);
        }
        let text = stdlib::source(name)?.into_owned();
        Some(self.add_std_text(name, text))
    }

    fn add_std_text(&mut self, name: &str, text: String) -> ModuleId {
        let file = self.map.add_std(format!("{name}.weft"), text);
        let id = self.add_module(file, Some(name));
        self.by_key.insert(name.to_string(), id);
        id
    }

    fn add_module(&mut self, file: FileId, std_name: Option<&str>) -> ModuleId {
        let src = self.map.get(file).text.clone();
        let ast = parser::parse_file(file, &src, self.diags);
        let name = std_name
            .map(str::to_string)
            .unwrap_or_else(|| self.map.get(file).name.clone());
        let id = ModuleId(self.modules.len() as u32);
        self.modules.push(ModuleInfo {
            file,
            name,
            is_std: std_name.is_some(),
            ast,
            values: HashMap::new(),
            types: HashMap::new(),
            exports: HashMap::new(),
            bare_variants: HashMap::new(),
            is_script: false,
        });
        self.import_targets.push(HashMap::new());
        if let Some(path) = &self.map.get(file).path {
            if let Ok(canon) = path.canonicalize() {
                self.by_key.insert(canon.to_string_lossy().into_owned(), id);
            }
        }
        self.queue.push_back(id);
        id
    }

    fn resolve_imports(&mut self, id: ModuleId) {
        let imports: Vec<(u32, String, Span)> = self.modules[id.0 as usize]
            .ast
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.kind {
                ast::ItemKind::Import(imp) => Some((i as u32, imp.path.clone(), imp.path_span)),
                _ => None,
            })
            .collect();
        for (item, path, span) in imports {
            if let Some(target) = self.resolve_path(id, &path, span) {
                self.import_targets[id.0 as usize].insert(item, target);
            }
        }
    }

    /// Finds (loading if needed) the module an import path names.
    fn resolve_path(&mut self, from: ModuleId, path: &str, span: Span) -> Option<ModuleId> {
        if path.starts_with("std/") {
            let found = self.load_std(path);
            if found.is_none() {
                let known: Vec<&str> = stdlib::module_names().collect();
                self.diags.push(
                    Diagnostic::error(diag::E0102, span, format!("no std module named `{path}`"))
                        .with_note(format!("the std modules are: {}", known.join(", "))),
                );
            }
            return found;
        }
        if !(path.starts_with("./") || path.starts_with("../")) {
            self.diags.push(
                Diagnostic::error(diag::E0102, span, format!("invalid module path `{path}`"))
                    .with_help("module paths start with `std/` (standard library) or `./` / `../` (a file next to this one)"),
            );
            return None;
        }
        let base = self.module_dir(from);
        let file_path: PathBuf = base
            .join(format!("{path}.weft"))
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        let canon = file_path.canonicalize().ok();
        if let Some(c) = &canon {
            if let Some(&id) = self.by_key.get(&*c.to_string_lossy()) {
                return Some(id);
            }
        }
        let display = file_path.to_string_lossy().into_owned();
        match self.map.load(display, &file_path) {
            Ok((file, None)) => Some(self.add_module(file, None)),
            Ok((_, Some(bad))) => {
                self.diags.push(crate::syntax::lexer::invalid_utf8(bad));
                None
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    diag::E0102,
                    span,
                    format!("cannot load module `{path}`: {} ({e})", file_path.display()),
                ));
                None
            }
        }
    }

    fn module_dir(&self, id: ModuleId) -> PathBuf {
        let file = self.map.get(self.modules[id.0 as usize].file);
        file.path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}
