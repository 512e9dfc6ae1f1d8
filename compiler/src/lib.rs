//! The Weft compiler.
//!
//! Stages, each in its own folder, pass data forward:
//! `source → tokens → AST → typed AST → HIR → LLVM IR → object → executable`.
//! - [`syntax`]: lexer, parser, AST;
//! - [`diagnostics`]: the one diagnostic type all stages report with.

pub mod diagnostics;
pub mod source;
pub mod syntax;
