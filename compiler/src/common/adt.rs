//! Struct, enum and handle type definitions: what the checker resolves and what HIR
//! lowering and code generation lay out.

use super::ty::Ty;
use super::ModuleId;
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct GenericDef {
    pub name: String,
    pub default: Option<Ty>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    pub fields: Vec<Ty>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum AdtKind {
    Struct(Vec<FieldDef>),
    Enum(Vec<VariantDef>),
    /// An opaque runtime object with reference semantics (`@handle("channel")` in std).
    Handle(String),
}

/// Annotations that change how a type is treated.
#[derive(Clone, Debug, Default)]
pub struct AdtAttrs {
    /// `@send`: asserted Send even with raw pointers inside.
    pub send: bool,
    /// `@sync`: shareable by reference between threads.
    pub sync: bool,
    /// `par struct`.
    pub par: bool,
    /// `@repr(C)`.
    pub repr_c: bool,
    /// Generic parameters whose arguments must be Send (`@requires_send(T)`).
    pub requires_send: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct AdtDef {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub public: bool,
    pub generics: Vec<GenericDef>,
    pub kind: AdtKind,
    pub attrs: AdtAttrs,
}

impl AdtDef {
    pub fn fields(&self) -> &[FieldDef] {
        match &self.kind {
            AdtKind::Struct(f) => f,
            _ => &[],
        }
    }

    pub fn variants(&self) -> &[VariantDef] {
        match &self.kind {
            AdtKind::Enum(v) => v,
            _ => &[],
        }
    }

    pub fn is_enum(&self) -> bool {
        matches!(self.kind, AdtKind::Enum(_))
    }
}
