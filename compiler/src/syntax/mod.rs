//! Syntax: the lexer (with newline → `;` insertion), the chumsky parser, the AST and its
//! nesting limit.

pub mod ast;
pub mod depth;
pub mod lexer;
pub mod parser;
pub mod token;
pub mod visit;
