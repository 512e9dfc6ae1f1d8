//! The Weft compiler.
//!
//! Stages, each in its own folder, pass data forward:
//! `source → tokens → AST → typed AST → HIR → LLVM IR → object → executable`.
//! - [`syntax`]: lexer (with newline `;` insertion), chumsky parser, AST;
//! - [`sema`]: modules, names, types, generics per instantiation, captures, Send/Sync;
//!   produces the typed AST of every function instance and the lang items table;
//! - [`hir`]: desugaring, monomorphization, closure conversion (and, when optimizing,
//!   accumulator recursion elimination);
//! - [`codegen`]: LLVM IR through inkwell, the pass pipeline and object emission;
//! - [`driver`]: the `weft` command line, linking with the runtime.
//!
//! Tools over the stages: [`fmt`] (`weft fmt`, on tokens and the syntax tree), [`testrun`]
//! (`weft test`) and [`lsp`] (`weft lsp`, reading the typed AST and the effect table).
//!
//! Shared by the stages: [`common`] (types, operators, ADT definitions, intrinsics, lang
//! items: what later stages need without reaching into an earlier stage), [`source`]
//! (files and spans), [`diagnostics`] (the one diagnostic type every stage reports with)
//! and [`stdlib`] (the embedded standard library sources).

pub mod codegen;
pub mod common;
pub mod diagnostics;
pub mod driver;
pub mod fmt;
pub mod hir;
pub mod lsp;
pub mod sema;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod testrun;
