//! Semantic analysis: modules and imports, name resolution, type checking with
//! per-instantiation generics, closure capture rules, Send/Sync, match coverage.
//!
//! Entry point: [`analyze`]. Stages: [`modules`] loads every reachable file, [`collect`]
//! builds the declaration tables ([`defs`]), [`check`] checks every function and produces
//! the typed AST ([`tast`]) of each instance.

pub mod check;
pub mod collect;
pub mod defs;
pub mod effects;
pub mod modules;
pub mod resolve_ty;
pub mod scope;
pub mod tast;
pub mod tast_walk;

use crate::diagnostics::Diagnostics;
use crate::source::{FileId, SourceMap};

/// Analyses the program whose root file is `root` (already in `map`). Diagnostics are
/// pushed to `diags`; the program is returned even when there are errors (codegen must
/// not run then).
pub fn analyze(map: &mut SourceMap, root: FileId, diags: &mut Diagnostics) -> defs::CheckedProgram {
    analyze_with(map, root, diags, effects::Options::default())
}

/// [`analyze`] with the effect passes' options. The effect passes run only on a program
/// without errors (their diagnostics would be noise on a broken one).
pub fn analyze_with(
    map: &mut SourceMap,
    root: FileId,
    diags: &mut Diagnostics,
    effect_opts: effects::Options,
) -> defs::CheckedProgram {
    let loaded = modules::load(map, root, diags);
    let (defs, main) = collect::collect(loaded, diags);
    let mut program = check::check_program(defs, main, diags);
    if !diags.has_errors() {
        program.effects = effects::analyze(&program, map, diags, effect_opts);
    }
    program
}
