//! Syntax: the lexer (with newline → `;` insertion), the chumsky parser and the AST.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod token;
