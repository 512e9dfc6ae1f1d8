//! Semantic types.
//!
//! [`Ty`] is the checker's view of a type. Builtin heap types (`string`, `Vec`, `HashMap`,
//! `Box`) have their own variants because their representation is the runtime's; `Option`,
//! `Result`, `Error` and the std handle types are ordinary ADTs declared in the standard
//! library (`stdlib/std/*.weft`) and reached through [`super::lang::LangItems`].
//! `Param` stands for a generic parameter inside a declaration (substituted at each
//! instantiation); `Infer` is an inference variable of the function being checked.

use std::fmt;

/// Index of a struct, enum or handle type in the checker's ADT table (`Defs::adts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdtId(pub u32);

/// Integer types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntTy {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl IntTy {
    pub const ALL: [IntTy; 8] = [
        IntTy::I8,
        IntTy::I16,
        IntTy::I32,
        IntTy::I64,
        IntTy::U8,
        IntTy::U16,
        IntTy::U32,
        IntTy::U64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IntTy::I8 => "i8",
            IntTy::I16 => "i16",
            IntTy::I32 => "i32",
            IntTy::I64 => "i64",
            IntTy::U8 => "u8",
            IntTy::U16 => "u16",
            IntTy::U32 => "u32",
            IntTy::U64 => "u64",
        }
    }

    pub fn signed(self) -> bool {
        matches!(self, IntTy::I8 | IntTy::I16 | IntTy::I32 | IntTy::I64)
    }

    /// Width in bits.
    pub fn bits(self) -> u32 {
        match self {
            IntTy::I8 | IntTy::U8 => 8,
            IntTy::I16 | IntTy::U16 => 16,
            IntTy::I32 | IntTy::U32 => 32,
            IntTy::I64 | IntTy::U64 => 64,
        }
    }

    /// The smallest and largest values, as i128.
    pub fn range(self) -> (i128, i128) {
        let bits = self.bits();
        if self.signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    pub fn from_suffix(s: crate::syntax::token::IntSuffix) -> IntTy {
        use crate::syntax::token::IntSuffix as S;
        match s {
            S::I8 => IntTy::I8,
            S::I16 => IntTy::I16,
            S::I32 => IntTy::I32,
            S::I64 => IntTy::I64,
            S::U8 => IntTy::U8,
            S::U16 => IntTy::U16,
            S::U32 => IntTy::U32,
            S::U64 => IntTy::U64,
        }
    }
}

/// Float types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatTy {
    F32,
    F64,
}

impl FloatTy {
    pub fn name(self) -> &'static str {
        match self {
            FloatTy::F32 => "f32",
            FloatTy::F64 => "f64",
        }
    }
}

/// How a closure or function parameter is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassMode {
    /// `x: T` — an immutable copy (large values passed by reference internally).
    Value,
    /// `x: &T` — a read-only borrow.
    Ref,
    /// `x: &mut T` — an in-out parameter.
    RefMut,
}

/// A closure type `(A, &mut B) => R`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnTy {
    pub params: Vec<(PassMode, Ty)>,
    pub ret: Ty,
}

/// Kinds of inference variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarKind {
    /// Any type.
    General,
    /// An integer literal's type: unifies with integer types (and float types), defaults
    /// to `i64`.
    Int,
    /// A float literal's type: unifies with float types, defaults to `f64`.
    Float,
    /// The result type of a closure whose body never returns (`() => panic("x")`): any
    /// type, defaulting to `void` when nothing else fixes it (as Rust's never-type
    /// fallback).
    Diverging,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int(IntTy),
    Float(FloatTy),
    Bool,
    Void,
    /// `string`
    Str,
    /// The type of expressions that never produce a value (`return`, `panic(...)`).
    Never,
    Tuple(Vec<Ty>),
    /// `[T; N]`
    Array(Box<Ty>, u64),
    Vec(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Box(Box<Ty>),
    Fn(Box<FnTy>),
    /// `*T`
    Ptr(Box<Ty>),
    /// A struct, enum or std handle type with its type arguments.
    Adt(AdtId, Vec<Ty>),
    /// The `index`-th generic parameter of the declaration being described.
    Param(u32, String),
    /// An inference variable of the function being checked.
    Infer(u32),
    /// The type of an erroneous expression; unifies with everything, silences follow-ups.
    Error,
}

impl Ty {
    pub fn i64() -> Ty {
        Ty::Int(IntTy::I64)
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    pub fn is_never(&self) -> bool {
        matches!(self, Ty::Never)
    }

    pub fn is_void(&self) -> bool {
        matches!(self, Ty::Void)
    }

    pub fn is_int(&self) -> bool {
        matches!(self, Ty::Int(_))
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int(_) | Ty::Float(_))
    }

    /// True when the type mentions `Error` or an unresolved variable somewhere — follow-up
    /// diagnostics about it would be noise.
    pub fn has_error(&self) -> bool {
        let mut found = false;
        self.walk(&mut |t| found |= matches!(t, Ty::Error));
        found
    }

    /// True when the type mentions a generic parameter.
    pub fn has_params(&self) -> bool {
        let mut found = false;
        self.walk(&mut |t| found |= matches!(t, Ty::Param(..)));
        found
    }

    /// True when the type mentions an inference variable.
    pub fn has_infer(&self) -> bool {
        let mut found = false;
        self.walk(&mut |t| found |= matches!(t, Ty::Infer(_)));
        found
    }

    /// Calls `f` on this type and every type inside it.
    pub fn walk(&self, f: &mut dyn FnMut(&Ty)) {
        f(self);
        self.children(&mut |t| t.walk(f));
    }

    /// Calls `f` on each type directly inside this one (element, field, parameter and
    /// result types, type arguments).
    pub fn children(&self, f: &mut dyn FnMut(&Ty)) {
        match self {
            Ty::Tuple(ts) | Ty::Adt(_, ts) => ts.iter().for_each(f),
            Ty::Array(t, _) | Ty::Vec(t) | Ty::Box(t) | Ty::Ptr(t) => f(t),
            Ty::Map(k, v) => {
                f(k);
                f(v);
            }
            Ty::Fn(ft) => {
                ft.params.iter().for_each(|(_, t)| f(t));
                f(&ft.ret);
            }
            _ => {}
        }
    }

    /// Rebuilds the type bottom-up, replacing each node by `f(node)` when it returns Some.
    pub fn map(&self, f: &mut dyn FnMut(&Ty) -> Option<Ty>) -> Ty {
        if let Some(t) = f(self) {
            return t;
        }
        match self {
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| t.map(f)).collect()),
            Ty::Adt(id, ts) => Ty::Adt(*id, ts.iter().map(|t| t.map(f)).collect()),
            Ty::Array(t, n) => Ty::Array(Box::new(t.map(f)), *n),
            Ty::Vec(t) => Ty::Vec(Box::new(t.map(f))),
            Ty::Box(t) => Ty::Box(Box::new(t.map(f))),
            Ty::Ptr(t) => Ty::Ptr(Box::new(t.map(f))),
            Ty::Map(k, v) => Ty::Map(Box::new(k.map(f)), Box::new(v.map(f))),
            Ty::Fn(ft) => Ty::Fn(Box::new(FnTy {
                params: ft.params.iter().map(|(m, t)| (*m, t.map(f))).collect(),
                ret: ft.ret.map(f),
            })),
            other => other.clone(),
        }
    }

    /// Replaces generic parameter `i` by `args[i]`.
    pub fn subst(&self, args: &[Ty]) -> Ty {
        if args.is_empty() {
            return self.clone();
        }
        self.map(&mut |t| match t {
            Ty::Param(i, _) => args.get(*i as usize).cloned(),
            _ => None,
        })
    }
}

/// Something that can name ADTs, for displaying types.
pub trait AdtNames {
    fn adt_name(&self, id: AdtId) -> &str;
    /// The Option ADT, displayed as `T?`.
    fn option_adt(&self) -> Option<AdtId>;
}

/// Displays a type the way it is written in source (`Vec<i64>`, `string?`, `(i64) => bool`).
pub struct TyDisplay<'a> {
    pub ty: &'a Ty,
    pub names: &'a dyn AdtNames,
}

impl fmt::Display for TyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, ts: &[Ty], names: &dyn AdtNames) -> fmt::Result {
            for (i, t) in ts.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{}", TyDisplay { ty: t, names })?;
            }
            Ok(())
        }
        let names = self.names;
        match self.ty {
            Ty::Int(i) => write!(f, "{}", i.name()),
            Ty::Float(x) => write!(f, "{}", x.name()),
            Ty::Bool => write!(f, "bool"),
            Ty::Void => write!(f, "void"),
            Ty::Str => write!(f, "string"),
            Ty::Never => write!(f, "never"),
            Ty::Tuple(ts) => {
                write!(f, "(")?;
                list(f, ts, names)?;
                if ts.len() == 1 {
                    write!(f, ",")?;
                }
                write!(f, ")")
            }
            Ty::Array(t, n) => write!(f, "[{}; {}]", TyDisplay { ty: t, names }, n),
            Ty::Vec(t) => write!(f, "Vec<{}>", TyDisplay { ty: t, names }),
            Ty::Map(k, v) => write!(
                f,
                "HashMap<{}, {}>",
                TyDisplay { ty: k, names },
                TyDisplay { ty: v, names }
            ),
            Ty::Box(t) => write!(f, "Box<{}>", TyDisplay { ty: t, names }),
            Ty::Ptr(t) => write!(f, "*{}", TyDisplay { ty: t, names }),
            Ty::Fn(ft) => {
                write!(f, "(")?;
                for (i, (m, t)) in ft.params.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    match m {
                        PassMode::Value => {}
                        PassMode::Ref => write!(f, "&")?,
                        PassMode::RefMut => write!(f, "&mut ")?,
                    }
                    write!(f, "{}", TyDisplay { ty: t, names })?;
                }
                write!(f, ") => {}", TyDisplay { ty: &ft.ret, names })
            }
            Ty::Adt(id, args) => {
                if Some(*id) == names.option_adt() && args.len() == 1 {
                    let inner = TyDisplay {
                        ty: &args[0],
                        names,
                    };
                    return match &args[0] {
                        Ty::Fn(_) => write!(f, "({inner})?"),
                        _ => write!(f, "{inner}?"),
                    };
                }
                write!(f, "{}", names.adt_name(*id))?;
                if !args.is_empty() {
                    write!(f, "<")?;
                    list(f, args, names)?;
                    write!(f, ">")?;
                }
                Ok(())
            }
            Ty::Param(_, name) => write!(f, "{name}"),
            Ty::Infer(_) => write!(f, "_"),
            Ty::Error => write!(f, "{{unknown}}"),
        }
    }
}
