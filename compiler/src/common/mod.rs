//! The vocabulary every stage after the parser shares: types ([`ty`]), operators
//! ([`ops`]), struct/enum/handle definitions ([`adt`]), the standard library's
//! intrinsic operations ([`intrinsic`]) and the lang items table ([`lang`]).
//!
//! Nothing here depends on a stage: the checker produces these values, HIR lowering and
//! code generation read them, and none of them needs the AST or the checker's tables.

pub mod adt;
pub mod intrinsic;
pub mod lang;
pub mod ops;
pub mod ty;

/// Index of a module in the checker's module table (the root file, the prelude, std
/// modules and imported files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

/// Index of a function declaration (free function, method, static method, intrinsic or
/// extern) in the checker's function table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);
