//! Resolving written types (`ast::Type`) to semantic types ([`Ty`]): names looked up in
//! the module's type namespace, generic parameters, builtin types and `T?`.

use super::defs::{AdtKind, BuiltinTy, Defs, GenericDef, ModuleId, TypeDef};
use crate::common::adt::fold_size;
use crate::common::ty::{FloatTy, FnTy, PassMode, Ty};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, TypeKind};

/// Where a type is written: which module's names and which generic parameters are in scope.
pub struct TypeCx<'a> {
    pub defs: &'a Defs,
    pub module: ModuleId,
    /// Generic parameters in scope; `Param(i)` refers to `generics[i]`.
    pub generics: &'a [GenericDef],
}

impl TypeCx<'_> {
    /// Lowers a type written outside a parameter list (references are not allowed).
    pub fn lower(&self, ty: &ast::Type, diags: &mut Diagnostics) -> Ty {
        self.lower_inner(ty, diags, false)
    }

    /// Lowers a parameter type, returning how the parameter is passed.
    pub fn lower_param(&self, ty: &ast::Type, diags: &mut Diagnostics) -> (PassMode, Ty) {
        match &ty.kind {
            TypeKind::Ref { mutable, inner } => {
                let mode = if *mutable {
                    PassMode::RefMut
                } else {
                    PassMode::Ref
                };
                (mode, self.lower_inner(inner, diags, false))
            }
            _ => (PassMode::Value, self.lower_inner(ty, diags, false)),
        }
    }

    fn lower_inner(&self, ty: &ast::Type, diags: &mut Diagnostics, _in_param: bool) -> Ty {
        match &ty.kind {
            TypeKind::Path { name, args } => self.lower_path(ty, name, args, diags),
            TypeKind::Option(inner) => {
                let inner = self.lower(inner, diags);
                self.defs.lang.option_of(inner)
            }
            TypeKind::Array(elem, len) => {
                let elem = self.lower(elem, diags);
                match self.array_len(len) {
                    Some(n) => match array_size_error(self.defs, &elem, n, len.span) {
                        Some(d) => {
                            diags.push(d);
                            Ty::Error
                        }
                        None => Ty::Array(Box::new(elem), n),
                    },
                    None => {
                        diags.push(Diagnostic::error(
                            diag::E0222,
                            len.span,
                            "array length must be an integer literal or a constant",
                        ));
                        Ty::Error
                    }
                }
            }
            TypeKind::Tuple(elems) if elems.is_empty() => Ty::Void,
            TypeKind::Tuple(elems) => {
                Ty::Tuple(elems.iter().map(|t| self.lower(t, diags)).collect())
            }
            TypeKind::Fn { params, ret } => {
                let params = params.iter().map(|p| self.lower_param(p, diags)).collect();
                let ret = self.lower(ret, diags);
                Ty::Fn(Box::new(FnTy { params, ret }))
            }
            TypeKind::Ptr(inner) => Ty::Ptr(Box::new(self.lower(inner, diags))),
            TypeKind::Ref { .. } => {
                diags.push(
                    Diagnostic::error(
                        diag::E0220,
                        ty.span,
                        "references are only allowed as parameter types",
                    )
                    .with_help("store the value itself: values are copied, and copies of heap values are cheap"),
                );
                Ty::Error
            }
            TypeKind::Error => Ty::Error,
        }
    }

    fn lower_path(
        &self,
        ty: &ast::Type,
        name: &ast::Ident,
        args: &[ast::Type],
        diags: &mut Diagnostics,
    ) -> Ty {
        if let Some(i) = self.generics.iter().position(|g| g.name == name.name) {
            if !args.is_empty() {
                diags.push(Diagnostic::error(
                    diag::E0113,
                    ty.span,
                    format!("generic parameter `{}` takes no type arguments", name.name),
                ));
            }
            return Ty::Param(i as u32, name.name.clone());
        }
        if name.name == "never" {
            return Ty::Never;
        }
        let Some(def) = self.defs.lookup_type(self.module, &name.name) else {
            if self.defs.failed_import(self.module, &name.name) {
                return Ty::Error;
            }
            let mut d = Diagnostic::error(
                diag::E0101,
                name.span,
                format!("cannot find type `{}` in this scope", name.name),
            )
            .with_primary_label("not found");
            if let Some(home) = self.defs.std_module_exporting(&name.name) {
                d = self.defs.missing_import(self.module, &name.name, home, d);
            } else {
                let names = self.defs.visible_names(self.module);
                if let Some(s) = super::scope::suggest(&name.name, names.iter().map(String::as_str))
                {
                    d = d.with_suggestion(name.span, s, format!("did you mean `{s}`?"));
                }
            }
            diags.push(d);
            return Ty::Error;
        };
        let lowered: Vec<Ty> = args.iter().map(|a| self.lower(a, diags)).collect();
        match def {
            TypeDef::Builtin(b) => self.builtin(b, lowered, ty, diags),
            TypeDef::Adt(id) => {
                let adt = self.defs.adt(id);
                let max = adt.generics.len();
                let min = adt.generics.iter().filter(|g| g.default.is_none()).count();
                if lowered.len() < min && !lowered.is_empty() || lowered.len() > max {
                    diags.push(Diagnostic::error(
                        diag::E0113,
                        ty.span,
                        format!(
                            "`{}` takes {} type argument{} but {} were given",
                            adt.name,
                            if min == max {
                                max.to_string()
                            } else {
                                format!("{min} to {max}")
                            },
                            if max == 1 { "" } else { "s" },
                            lowered.len()
                        ),
                    ));
                    return Ty::Error;
                }
                if lowered.is_empty() && max > 0 {
                    diags.push(
                        Diagnostic::error(
                            diag::E0113,
                            ty.span,
                            format!("missing type arguments for `{}`", adt.name),
                        )
                        .with_help(format!(
                            "write `{}<{}>`",
                            adt.name,
                            adt.generics
                                .iter()
                                .map(|g| g.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                    return Ty::Error;
                }
                let mut full = lowered;
                for g in &adt.generics[full.len()..] {
                    full.push(g.default.clone().unwrap_or(Ty::Error));
                }
                Ty::Adt(id, full)
            }
            TypeDef::Resource(_) => {
                diags.push(Diagnostic::error(
                    diag::E0101,
                    name.span,
                    format!("`{}` is a resource, not a type", name.name),
                ));
                Ty::Error
            }
        }
    }

    fn builtin(&self, b: BuiltinTy, args: Vec<Ty>, ty: &ast::Type, diags: &mut Diagnostics) -> Ty {
        if args.len() != b.arity() {
            let name = match &ty.kind {
                TypeKind::Path { name, .. } => name.name.clone(),
                _ => String::new(),
            };
            diags.push(Diagnostic::error(
                diag::E0113,
                ty.span,
                format!(
                    "`{name}` takes {} type argument{} but {} were given",
                    b.arity(),
                    if b.arity() == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
            return Ty::Error;
        }
        let mut args = args.into_iter();
        let mut next = || Box::new(args.next().unwrap_or(Ty::Error));
        match b {
            BuiltinTy::Int(i) => Ty::Int(i),
            BuiltinTy::F32 => Ty::Float(FloatTy::F32),
            BuiltinTy::F64 => Ty::Float(FloatTy::F64),
            BuiltinTy::Bool => Ty::Bool,
            BuiltinTy::Void => Ty::Void,
            BuiltinTy::Str => Ty::Str,
            BuiltinTy::Vec => Ty::Vec(next()),
            BuiltinTy::Box => Ty::Box(next()),
            BuiltinTy::Map => {
                let k = next();
                let v = next();
                if !valid_map_key(&k) {
                    diags.push(
                        Diagnostic::error(
                            diag::E0226,
                            ty.span,
                            format!("`{}` cannot be a HashMap key", self.defs.show(&k)),
                        )
                        .with_note("HashMap keys are integers, bool or string"),
                    );
                }
                Ty::Map(k, v)
            }
        }
    }

    /// The value of an array length expression: an integer literal or a constant whose
    /// initializer is one.
    pub fn array_len(&self, e: &ast::Expr) -> Option<u64> {
        match &e.kind {
            ExprKind::Int(v, _) => Some(*v),
            ExprKind::Name(id) => {
                let super::defs::ValueDef::Const(c) =
                    self.defs.lookup_value(self.module, &id.name)?
                else {
                    return None;
                };
                let cdef = &self.defs.consts[c.0 as usize];
                let item = &self.defs.module(cdef.module).ast.items[cdef.item as usize];
                match &item.kind {
                    ast::ItemKind::Stmt(ast::Stmt {
                        kind: ast::StmtKind::Let { init, .. },
                        ..
                    }) => match &init.kind {
                        ExprKind::Int(v, _) => Some(*v),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The most bytes a fixed array may hold (docs/reference.md section 2.7).
pub const MAX_ARRAY_BYTES: u128 = 1 << 30;

/// E0229 at the length `len` when an array of `n` elements of type `elem` would hold
/// more than [`MAX_ARRAY_BYTES`] (elements of no size count as one byte). Sizes of generic
/// parameters are not known yet and count as nothing: instances are checked again where
/// their arrays are created.
pub fn array_size_error(defs: &Defs, elem: &Ty, n: u64, len: Span) -> Option<Diagnostic> {
    let each = value_bytes(defs, elem).max(1);
    let total = u128::from(n).saturating_mul(each);
    (total > MAX_ARRAY_BYTES).then(|| {
        Diagnostic::error(
            diag::E0229,
            len,
            format!(
                "an array of {n} elements of {each} byte{} is too large",
                if each == 1 { "" } else { "s" }
            ),
        )
        .with_primary_label(format!("{total} bytes"))
        .with_note("a fixed array holds at most 1 GiB (1073741824 bytes)")
        .with_help("use a `Vec`, filled as the program runs")
    })
}

/// The bytes a value of `t` holds, counting the elements of arrays whether stored inline
/// or out of line, and 8 for each reference to a heap object; without padding.
fn value_bytes(defs: &Defs, t: &Ty) -> u128 {
    let leaf = |t: &Ty| match t {
        Ty::Int(i) => Some(u128::from(i.bits() / 8)),
        Ty::Float(FloatTy::F32) => Some(4),
        Ty::Bool => Some(1),
        Ty::Fn(_) => Some(16),
        Ty::Str | Ty::Vec(_) | Ty::Map(..) | Ty::Box(_) | Ty::Ptr(_) | Ty::Float(_) => Some(8),
        Ty::Adt(id, _) if matches!(defs.adt(*id).kind, AdtKind::Handle(_)) => Some(8),
        _ => None,
    };
    fold_size(t, &|id| defs.adt(id), 8, &leaf)
}

/// Can `t` be a HashMap key? (Generic parameters are checked at instantiation.)
pub fn valid_map_key(t: &Ty) -> bool {
    matches!(
        t,
        Ty::Int(_) | Ty::Bool | Ty::Str | Ty::Param(..) | Ty::Infer(_) | Ty::Error
    )
}
