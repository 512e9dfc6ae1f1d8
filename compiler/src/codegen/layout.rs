//! Type layouts: how each Weft type is represented in LLVM IR.
//!
//! | Weft type | LLVM |
//! |---|---|
//! | integers, floats | `iN`, `float`, `double` |
//! | `bool` | `i1` (a byte in memory) |
//! | `void`, `never` | `{}` as a value; functions returning them return `void` |
//! | `string`, `Vec`, `HashMap`, `Box`, raw pointers, std handles | `ptr` (to a reference-counted object, see docs/runtime.md) |
//! | closures | `{ ptr fn, ptr env }` |
//! | structs, tuples | an LLVM struct of the fields |
//! | enums (incl. Option, Result) | `{ i32 tag, [N x i64] payload }`; variant `v`'s fields are a struct laid over the payload |
//! | `[T; n]` of at most [`INLINE_ARRAY_SCALARS`] scalars | `[n x T]` |
//! | `[T; n]` of more scalars | `ptr` (to a vector object of `n` elements, see below) |
//!
//! Aggregates (structs, tuples, enums, inline arrays) are passed to functions by pointer
//! to a read-only borrow; everything else by value.
//!
//! LLVM handles aggregates as values element by element: a load or store of a `[4096 x
//! i8]` is 4096 values in instruction selection (seconds and gigabytes to compile, and a
//! crash at 100,000). So a fixed array that holds more than [`INLINE_ARRAY_SCALARS`]
//! scalars (integers, floats, pointers, counting the fields of its elements) is stored out
//! of line, as a `Vec` of its elements is: a reference-counted vector object whose length
//! is always `n`, copied on write. Code generation treats such an array as that vector
//! ([`Cg::boxed_array_repr`]); copies cost a count, stacks hold a pointer.

use super::Cg;
use crate::common::adt::{fold_size, AdtKind, HandleKind};
use crate::common::ty::{FloatTy, PassMode, Ty};
use inkwell::types::{BasicType, BasicTypeEnum, FunctionType, StructType};
use inkwell::AddressSpace;

/// The most scalars a fixed array may hold inline (see the module docs).
pub const INLINE_ARRAY_SCALARS: u64 = 64;

impl<'ctx> Cg<'ctx, '_> {
    pub fn ptr_ty(&self) -> inkwell::types::PointerType<'ctx> {
        self.ctx.ptr_type(AddressSpace::default())
    }

    /// The integer type of a width (8, 16, 32 or 64 bits).
    pub fn int_type(&self, bits: u32) -> inkwell::types::IntType<'ctx> {
        match bits {
            8 => self.ctx.i8_type(),
            16 => self.ctx.i16_type(),
            32 => self.ctx.i32_type(),
            _ => self.ctx.i64_type(),
        }
    }

    /// The empty struct `{}` that represents `void` values.
    pub fn unit_ty(&self) -> StructType<'ctx> {
        self.ctx.struct_type(&[], false)
    }

    /// `{ ptr, ptr }`: a closure value.
    pub fn closure_ty(&self) -> StructType<'ctx> {
        let p = self.ptr_ty().into();
        self.ctx.struct_type(&[p, p], false)
    }

    /// The LLVM type of values of `t`.
    pub fn llvm_ty(&mut self, t: &Ty) -> BasicTypeEnum<'ctx> {
        if let Some(l) = self.types.get(t) {
            return *l;
        }
        let l: BasicTypeEnum<'ctx> = match t {
            Ty::Int(i) => self.int_type(i.bits()).into(),
            Ty::Float(FloatTy::F32) => self.ctx.f32_type().into(),
            Ty::Float(FloatTy::F64) => self.ctx.f64_type().into(),
            Ty::Bool => self.ctx.bool_type().into(),
            Ty::Void | Ty::Never | Ty::Error | Ty::Param(..) | Ty::Infer(_) => {
                self.unit_ty().into()
            }
            Ty::Str | Ty::Vec(_) | Ty::Map(..) | Ty::Box(_) | Ty::Ptr(_) => self.ptr_ty().into(),
            Ty::Fn(_) => self.closure_ty().into(),
            Ty::Tuple(ts) => {
                let fields: Vec<BasicTypeEnum> = ts.iter().map(|t| self.llvm_ty(t)).collect();
                self.ctx.struct_type(&fields, false).into()
            }
            Ty::Array(..) if self.is_boxed_array(t) => self.ptr_ty().into(),
            Ty::Array(e, n) => self.llvm_ty(e).array_type(*n as u32).into(),
            Ty::Adt(id, args) => self.adt_ty(*id, args, t),
        };
        self.types.insert(t.clone(), l);
        l
    }

    fn adt_ty(&mut self, id: crate::common::ty::AdtId, args: &[Ty], t: &Ty) -> BasicTypeEnum<'ctx> {
        let adt = self.prog.adt(id).clone();
        match &adt.kind {
            AdtKind::Handle(_) => self.ptr_ty().into(),
            AdtKind::Struct(fields) => {
                let st = self
                    .ctx
                    .opaque_struct_type(&format!("{}.{}", adt.name, self.types.len()));
                // Register before the fields so recursive references through Box resolve.
                self.types.insert(t.clone(), st.into());
                let fs: Vec<BasicTypeEnum> = fields
                    .iter()
                    .map(|f| self.llvm_ty(&f.ty.subst(args)))
                    .collect();
                st.set_body(&fs, false);
                st.into()
            }
            AdtKind::Enum(variants) => {
                let st = self
                    .ctx
                    .opaque_struct_type(&format!("{}.{}", adt.name, self.types.len()));
                if let Some(name) = st.get_name() {
                    self.enum_structs.insert(name.to_bytes().to_vec());
                }
                self.types.insert(t.clone(), st.into());
                let mut words = 0;
                for v in variants {
                    let vt = self.variant_struct(&v.fields, args);
                    let size = self.td.get_abi_size(&vt);
                    words = words.max(size.div_ceil(8));
                }
                let tag = self.ctx.i32_type().into();
                if words == 0 {
                    st.set_body(&[tag], false);
                } else {
                    let payload = self.ctx.i64_type().array_type(words as u32).into();
                    st.set_body(&[tag, payload], false);
                }
                st.into()
            }
        }
    }

    /// The struct of one enum variant's fields, laid over the payload.
    pub fn variant_struct(&mut self, fields: &[Ty], args: &[Ty]) -> StructType<'ctx> {
        let fs: Vec<BasicTypeEnum> = fields
            .iter()
            .map(|f| self.llvm_ty(&f.subst(args)))
            .collect();
        self.ctx.struct_type(&fs, false)
    }

    /// The field types of variant `v` of enum type `t`.
    pub fn variant_fields(&self, t: &Ty, v: u32) -> Vec<Ty> {
        match t {
            Ty::Adt(id, args) => self
                .prog
                .adt(*id)
                .variants()
                .get(v as usize)
                .map(|var| var.fields.iter().map(|f| f.subst(args)).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Field types of a struct or tuple type.
    pub fn field_tys(&self, t: &Ty) -> Vec<Ty> {
        match t {
            Ty::Tuple(ts) => ts.clone(),
            Ty::Adt(id, args) => self
                .prog
                .adt(*id)
                .fields()
                .iter()
                .map(|f| f.ty.subst(args))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn is_enum(&self, t: &Ty) -> bool {
        matches!(t, Ty::Adt(id, _) if self.prog.adt(*id).is_enum())
    }

    pub fn is_handle(&self, t: &Ty) -> bool {
        matches!(t, Ty::Adt(id, _) if matches!(self.prog.adt(*id).kind, AdtKind::Handle(_)))
    }

    /// The std handle kind (`channel`, `promise`, ...) of a handle type.
    pub fn handle_kind(&self, t: &Ty) -> Option<HandleKind> {
        match t {
            Ty::Adt(id, _) => match &self.prog.adt(*id).kind {
                AdtKind::Handle(k) => Some(*k),
                _ => None,
            },
            _ => None,
        }
    }

    /// Is `t` a fixed array stored out of line (see the module docs)? Elements of no size
    /// count as one scalar, so a long array of them is out of line too.
    pub fn is_boxed_array(&self, t: &Ty) -> bool {
        matches!(t, Ty::Array(e, n)
            if n.saturating_mul(self.inline_scalars(e).max(1)) > INLINE_ARRAY_SCALARS)
    }

    /// The vector type that represents `t` when it is an array stored out of line.
    pub fn boxed_array_repr(&self, t: &Ty) -> Option<Ty> {
        match t {
            Ty::Array(e, _) if self.is_boxed_array(t) => Some(Ty::Vec(e.clone())),
            _ => None,
        }
    }

    /// The scalars (integers, floats, pointers) a value of `t` holds inline: an upper
    /// bound of the leaves of its LLVM type (an enum's payload words are at most the
    /// scalars of its largest variant).
    fn inline_scalars(&self, t: &Ty) -> u64 {
        let leaf = |t: &Ty| match t {
            Ty::Void | Ty::Never | Ty::Error | Ty::Param(..) | Ty::Infer(_) | Ty::Tuple(_) => None,
            Ty::Array(..) if !self.is_boxed_array(t) => None,
            Ty::Adt(..) if !self.is_handle(t) => None,
            Ty::Fn(_) => Some(2),
            _ => Some(1),
        };
        let scalars = fold_size(t, &|id| self.prog.adt(id), 1, &leaf);
        u64::try_from(scalars).unwrap_or(u64::MAX)
    }

    /// Aggregates travel by pointer.
    pub fn by_pointer(&self, t: &Ty) -> bool {
        match t {
            Ty::Tuple(ts) => !ts.is_empty(),
            Ty::Array(..) => !self.is_boxed_array(t),
            Ty::Adt(..) => !self.is_handle(t),
            _ => false,
        }
    }

    /// Size in bytes of values of `t` in memory.
    pub fn size_of(&mut self, t: &Ty) -> u64 {
        let l = self.llvm_ty(t);
        self.td.get_abi_size(&l)
    }

    pub fn align_of(&mut self, t: &Ty) -> u64 {
        let l = self.llvm_ty(t);
        u64::from(self.td.get_abi_alignment(&l))
    }

    /// The LLVM parameter type for a parameter of `t` passed with `mode`, or None when
    /// the parameter disappears (`void`).
    pub fn param_ty(&mut self, mode: PassMode, t: &Ty) -> Option<BasicTypeEnum<'ctx>> {
        if matches!(t, Ty::Void | Ty::Never) && mode != PassMode::RefMut {
            return None;
        }
        if mode == PassMode::RefMut || self.by_pointer(t) {
            return Some(self.ptr_ty().into());
        }
        Some(self.llvm_ty(t))
    }

    /// The LLVM function type for parameters and a return type; `env` prepends the
    /// closure environment pointer.
    pub fn fn_type(
        &mut self,
        params: &[(PassMode, Ty)],
        ret: &Ty,
        env: bool,
    ) -> FunctionType<'ctx> {
        let mut ps: Vec<inkwell::types::BasicMetadataTypeEnum> = Vec::new();
        if env {
            ps.push(self.ptr_ty().into());
        }
        for (m, t) in params {
            if let Some(p) = self.param_ty(*m, t) {
                ps.push(p.into());
            }
        }
        match ret {
            Ty::Void | Ty::Never => self.ctx.void_type().fn_type(&ps, false),
            t => self.llvm_ty(t).fn_type(&ps, false),
        }
    }
}
