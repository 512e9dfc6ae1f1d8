//! The Weft compiler.
//!
//! Stages, each in its own folder, pass data forward:
//! `source → tokens → AST → typed AST → HIR → LLVM IR → object → executable`.
//! - [`syntax`]: lexer (with newline `;` insertion), chumsky parser, AST;
//! - [`sema`]: modules, names, types, generics per instantiation, captures, Send/Sync;
//! - [`driver`]: the `weft` command line;
//! - [`diagnostics`]: the one diagnostic type all stages report with.

pub mod codegen;
pub mod common;
pub mod diagnostics;
pub mod driver;
pub mod hir;
pub mod sema;
pub mod source;
pub mod stdlib;
pub mod syntax;
