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
    Handle(HandleKind),
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

/// A size of the values of `t`, summed over their parts: the fields of tuples and structs,
/// `n` times the element of an array, the largest variant of an enum plus `tag`. `leaf`
/// decides every type it returns `Some` for (it must for scalars, references and
/// handles); generic parameters, inference variables and errors count nothing. Saturates,
/// and stops after 64 levels of parts (a type that deep contains itself, E0114). `adt`
/// looks definitions up.
pub fn fold_size<'d>(
    t: &Ty,
    adt: &dyn Fn(super::ty::AdtId) -> &'d AdtDef,
    tag: u128,
    leaf: &dyn Fn(&Ty) -> Option<u128>,
) -> u128 {
    fn fold<'d>(
        t: &Ty,
        adt: &dyn Fn(super::ty::AdtId) -> &'d AdtDef,
        tag: u128,
        leaf: &dyn Fn(&Ty) -> Option<u128>,
        depth: u32,
    ) -> u128 {
        if let Some(size) = leaf(t) {
            return size;
        }
        if depth > 64 {
            return 0;
        }
        let sum = |tys: &mut dyn Iterator<Item = Ty>| {
            tys.map(|t| fold(&t, adt, tag, leaf, depth + 1))
                .fold(0, u128::saturating_add)
        };
        match t {
            Ty::Tuple(ts) => sum(&mut ts.iter().cloned()),
            Ty::Array(e, n) => u128::from(*n).saturating_mul(fold(e, adt, tag, leaf, depth + 1)),
            Ty::Adt(id, args) => match &adt(*id).kind {
                AdtKind::Struct(fs) => sum(&mut fs.iter().map(|f| f.ty.subst(args))),
                AdtKind::Enum(vs) => vs
                    .iter()
                    .map(|v| sum(&mut v.fields.iter().map(|f| f.subst(args))))
                    .max()
                    .unwrap_or(0)
                    .saturating_add(tag),
                AdtKind::Handle(_) => 0,
            },
            _ => 0,
        }
    }
    fold(t, adt, tag, leaf, 0)
}

/// The runtime object behind a std handle type, as named in `@handle("...")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandleKind {
    Promise,
    Task,
    TaskHandle,
    TaskGroup,
    Channel,
    Mutex,
    RwLock,
    Condvar,
    AtomicI64,
    AtomicBool,
    Atomic,
    WaitGroup,
    Thread,
    TcpStream,
    TcpListener,
    Generator,
}

impl HandleKind {
    /// Every kind with its annotation name.
    pub const ALL: &'static [(HandleKind, &'static str)] = &[
        (HandleKind::Promise, "promise"),
        (HandleKind::Task, "task"),
        (HandleKind::TaskHandle, "task_handle"),
        (HandleKind::TaskGroup, "task_group"),
        (HandleKind::Channel, "channel"),
        (HandleKind::Mutex, "mutex"),
        (HandleKind::RwLock, "rwlock"),
        (HandleKind::Condvar, "condvar"),
        (HandleKind::AtomicI64, "atomic_i64"),
        (HandleKind::AtomicBool, "atomic_bool"),
        (HandleKind::Atomic, "atomic"),
        (HandleKind::WaitGroup, "wait_group"),
        (HandleKind::Thread, "thread"),
        (HandleKind::TcpStream, "tcp_stream"),
        (HandleKind::TcpListener, "tcp_listener"),
        (HandleKind::Generator, "generator"),
    ];

    /// The kind named `name` in `@handle("name")`.
    pub fn from_name(name: &str) -> Option<HandleKind> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    /// The prefix of the runtime's functions for this object (`weft_rt_<prefix>_retain`):
    /// promises, tasks and task handles are all task objects; the three atomic types
    /// share one object.
    pub fn runtime_prefix(self) -> &'static str {
        match self {
            HandleKind::Promise | HandleKind::Task | HandleKind::TaskHandle => "task",
            HandleKind::AtomicI64 | HandleKind::AtomicBool | HandleKind::Atomic => "atomic",
            other => other.name(),
        }
    }

    /// The name used in `@handle("...")`.
    pub fn name(self) -> &'static str {
        let entry = Self::ALL.iter().find(|(k, _)| *k == self);
        entry.map(|(_, n)| *n).expect("ALL lists every kind")
    }
}

#[cfg(test)]
mod tests {
    use super::HandleKind;

    #[test]
    fn handle_kind_names_round_trip() {
        for (kind, name) in HandleKind::ALL {
            assert_eq!(HandleKind::from_name(name), Some(*kind));
            assert_eq!(kind.name(), *name);
        }
        assert_eq!(HandleKind::Promise.runtime_prefix(), "task");
        assert_eq!(HandleKind::AtomicBool.runtime_prefix(), "atomic");
        assert_eq!(HandleKind::Channel.runtime_prefix(), "channel");
        assert_eq!(HandleKind::from_name("chanel"), None);
    }
}
