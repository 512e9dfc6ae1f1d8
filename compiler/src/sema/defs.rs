//! Declarations known to the checker: modules, ADTs, functions, constants, and the
//! [`CheckedProgram`] that semantic analysis produces.

use super::tast::{InstId, Instance, TExpr};
pub use crate::common::adt::{AdtAttrs, AdtDef, AdtKind, FieldDef, GenericDef, VariantDef};
use crate::common::intrinsic::Intrinsic;
pub use crate::common::lang::LangItems;
use crate::common::ty::{AdtId, AdtNames, IntTy, PassMode, Ty, TyDisplay};
pub use crate::common::{FnId, ModuleId};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u32);

/// A name in the value namespace of a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    Fn(FnId),
    Const(ConstId),
    /// An enum variant usable by its bare name (`Some`, `None`, `Ok`, `Err`).
    Variant(AdtId, u32),
    /// `print` / `eprint`.
    Print {
        stderr: bool,
    },
}

/// The builtin type constructors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinTy {
    Int(IntTy),
    F32,
    F64,
    Bool,
    Void,
    Str,
    Vec,
    Map,
    Box,
}

impl BuiltinTy {
    /// The builtin type named `name` (including the aliases `int`, `byte`, `float`).
    pub fn from_name(name: &str) -> Option<BuiltinTy> {
        Some(match name {
            "i8" => BuiltinTy::Int(IntTy::I8),
            "i16" => BuiltinTy::Int(IntTy::I16),
            "i32" => BuiltinTy::Int(IntTy::I32),
            "i64" | "int" => BuiltinTy::Int(IntTy::I64),
            "u8" | "byte" => BuiltinTy::Int(IntTy::U8),
            "u16" => BuiltinTy::Int(IntTy::U16),
            "u32" => BuiltinTy::Int(IntTy::U32),
            "u64" => BuiltinTy::Int(IntTy::U64),
            "f32" => BuiltinTy::F32,
            "f64" | "float" => BuiltinTy::F64,
            "bool" => BuiltinTy::Bool,
            "void" => BuiltinTy::Void,
            "string" => BuiltinTy::Str,
            "Vec" => BuiltinTy::Vec,
            "HashMap" => BuiltinTy::Map,
            "Box" => BuiltinTy::Box,
            _ => return None,
        })
    }

    /// Number of type arguments.
    pub fn arity(self) -> usize {
        match self {
            BuiltinTy::Vec | BuiltinTy::Box => 1,
            BuiltinTy::Map => 2,
            _ => 0,
        }
    }
}

/// A name in the type namespace of a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeDef {
    Adt(AdtId),
    Builtin(BuiltinTy),
    /// `resource Name` (effects, docs/reference.md section 7).
    Resource(Span),
}

/// The head of a type, for looking up methods declared in `impl` blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeHead {
    Adt(AdtId),
    Builtin(BuiltinTy),
    Array,
}

impl TypeHead {
    /// The head of `ty`, if it has methods.
    pub fn of(ty: &Ty) -> Option<TypeHead> {
        Some(match ty {
            Ty::Adt(id, _) => TypeHead::Adt(*id),
            Ty::Int(i) => TypeHead::Builtin(BuiltinTy::Int(*i)),
            Ty::Float(crate::common::ty::FloatTy::F32) => TypeHead::Builtin(BuiltinTy::F32),
            Ty::Float(crate::common::ty::FloatTy::F64) => TypeHead::Builtin(BuiltinTy::F64),
            Ty::Bool => TypeHead::Builtin(BuiltinTy::Bool),
            Ty::Str => TypeHead::Builtin(BuiltinTy::Str),
            Ty::Vec(_) => TypeHead::Builtin(BuiltinTy::Vec),
            Ty::Map(..) => TypeHead::Builtin(BuiltinTy::Map),
            Ty::Box(_) => TypeHead::Builtin(BuiltinTy::Box),
            Ty::Array(..) => TypeHead::Array,
            _ => return None,
        })
    }
}

/// A loaded module (one source file).
pub struct ModuleInfo {
    pub file: FileId,
    /// `std/runtime`, or the file's path as given.
    pub name: String,
    pub is_std: bool,
    pub ast: ast::Module,
    pub values: HashMap<String, ValueDef>,
    pub types: HashMap<String, TypeDef>,
    /// Names declared in this module, with whether they are `pub` (what importers may see).
    pub exports: HashMap<String, bool>,
    /// Enum variants usable by bare name here (`Circle(2.0)` when unambiguous).
    pub bare_variants: HashMap<String, Vec<(AdtId, u32)>>,
    /// A script: top-level statements form the implicit `main`.
    pub is_script: bool,
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: String,
    pub ty: Ty,
    pub mode: PassMode,
    /// `move f: () => T` — the argument escapes (a closure passed here is a move closure).
    pub is_move: bool,
    pub default: Option<ast::Expr>,
    pub span: Span,
}

/// Where a function's body comes from.
#[derive(Clone, Debug)]
pub enum FnBody {
    /// An AST function: `items[item]` of the module, or `items[item]`'s impl item.
    Ast {
        item: u32,
        impl_item: Option<u32>,
    },
    /// The top-level statements of a script (its implicit `main`).
    Script,
    Extern,
    Intrinsic(Intrinsic),
    /// A function without a body that is neither extern nor intrinsic (already reported).
    Missing,
}

#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: String,
    /// `Point.new`, `max`.
    pub display: String,
    pub module: ModuleId,
    pub span: Span,
    pub sig_span: Span,
    pub public: bool,
    /// Impl generics first (`impl_generics` of them), then the function's own.
    pub generics: Vec<GenericDef>,
    pub impl_generics: usize,
    /// The impl target (`Stack<T>`), for methods and static methods.
    pub self_ty: Option<Ty>,
    /// `Some(mutable)` for methods taking `self` / `mut self`.
    pub receiver: Option<bool>,
    pub params: Vec<ParamDef>,
    pub ret: Ty,
    pub body: FnBody,
    pub flags: ast::FnFlags,
    /// `@link("m")` on an extern function.
    pub link: Option<String>,
    /// Generic parameters whose arguments must be Send.
    pub requires_send: Vec<u32>,
    /// The declared `with` clause, if any.
    pub effects: Option<ast::EffectClause>,
}

impl FnDef {
    pub fn is_generic(&self) -> bool {
        !self.generics.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct ConstDef {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub public: bool,
    /// Index of the `let` item in its module.
    pub item: u32,
    pub ty: Ty,
}

/// Every declaration of the program: what the checker reads.
pub struct Defs {
    pub modules: Vec<ModuleInfo>,
    pub root: ModuleId,
    /// Modules `0..prelude_count` form the prelude (its names are visible everywhere).
    pub prelude_count: usize,
    pub adts: Vec<AdtDef>,
    pub fns: Vec<FnDef>,
    pub consts: Vec<ConstDef>,
    /// Methods by receiver type head and name (several for `impl Vec<string>`-style impls).
    pub methods: HashMap<(TypeHead, String), Vec<FnId>>,
    pub lang: LangItems,
}

/// The result of semantic analysis: the declarations and every checked function instance.
pub struct CheckedProgram {
    pub defs: Defs,
    pub instances: Vec<Instance>,
    /// Instance of each (function, type arguments) pair.
    pub instance_map: HashMap<(FnId, Vec<Ty>), InstId>,
    /// The checked initializer of each constant (same order as `defs.consts`).
    pub const_values: Vec<Option<TExpr>>,
    /// The program's entry point (`main` or the script body), when it has one.
    pub main: Option<InstId>,
    /// What the effect passes found (docs/reference.md section 7).
    pub effects: super::effects::EffectTable,
}

impl CheckedProgram {
    /// The instance of `f` with `type_args`, which the checker created for every call.
    pub fn instance_of(&self, f: FnId, type_args: &[Ty]) -> Option<InstId> {
        self.instance_map.get(&(f, type_args.to_vec())).copied()
    }

    pub fn instance(&self, id: InstId) -> &Instance {
        &self.instances[id.0 as usize]
    }
}

impl Defs {
    pub fn adt(&self, id: AdtId) -> &AdtDef {
        &self.adts[id.0 as usize]
    }

    pub fn func(&self, id: FnId) -> &FnDef {
        &self.fns[id.0 as usize]
    }

    pub fn module(&self, id: ModuleId) -> &ModuleInfo {
        &self.modules[id.0 as usize]
    }

    /// Displays a type.
    pub fn show<'a>(&'a self, ty: &'a Ty) -> TyDisplay<'a> {
        TyDisplay { ty, names: self }
    }

    /// The AST declaration of a function (None for a script's implicit main).
    pub fn fn_decl(&self, id: FnId) -> Option<&ast::FnDecl> {
        let f = self.func(id);
        let module = self.module(f.module);
        let FnBody::Ast { item, impl_item } = &f.body else {
            return self.decl_by_span(f);
        };
        let item = &module.ast.items[*item as usize];
        match (&item.kind, impl_item) {
            (ast::ItemKind::Fn(d), None) => Some(d),
            (ast::ItemKind::Impl(imp), Some(i)) => match &imp.items[*i as usize].kind {
                ast::ItemKind::Fn(d) => Some(d),
                _ => None,
            },
            _ => None,
        }
    }

    fn decl_by_span(&self, f: &FnDef) -> Option<&ast::FnDecl> {
        let module = self.module(f.module);
        let fns = module.ast.items.iter().flat_map(|item| match &item.kind {
            ast::ItemKind::Fn(d) => vec![d],
            ast::ItemKind::Impl(imp) => imp
                .items
                .iter()
                .filter_map(|it| match &it.kind {
                    ast::ItemKind::Fn(d) => Some(d),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        });
        let mut found = None;
        for d in fns {
            if d.name.span == f.span {
                found = Some(d);
            }
        }
        found
    }
}

impl AdtNames for Defs {
    fn adt_name(&self, id: AdtId) -> &str {
        &self.adt(id).name
    }

    fn option_adt(&self) -> Option<AdtId> {
        self.lang.option
    }
}
