//! DWARF types of Weft values (`-g`), for the variables gdb shows.
//!
//! | Weft type | DWARF |
//! |---|---|
//! | integers, floats, `bool` | base types named as in Weft (`i64`, `f64`, `bool`) |
//! | `string` | a local: `char *` at the object's bytes (they are followed by a NUL byte, see docs/runtime.md); a field or element: a pointer to the `string` object (`len`, `bytes`) |
//! | `Vec<T>` | a pointer to the vector object (`len`, `cap`, `data`: `print *v.data@v.len`) |
//! | structs, tuples | structures of their fields (`_0`, `_1` for tuples) at their LLVM offsets |
//! | enums (`Option`, `Result`) | a structure of the tag (an enumeration of the variant names) and an unnamed union of the variants, each a structure of its fields |
//! | `[T; n]` inline | an array |
//! | closures | a structure of the function and environment pointers |
//! | other pointers (`Box`, `HashMap`, handles, raw pointers, arrays out of line) | addresses |
//!
//! Types are built once per Weft type; a type met again while it is being built (a
//! vector of the struct that holds it) is described as an address.

use super::Cg;
use crate::common::ty::{FloatTy, Ty, TyDisplay};
use inkwell::debug_info::{AsDIScope, DIFlags, DIFlagsConstants, DIType};
use inkwell::types::{AnyType, BasicTypeEnum, StructType};
use inkwell::AddressSpace;

/// DWARF base type encodings (DW_ATE_*).
const ATE_ADDRESS: u32 = 0x01;
const ATE_BOOLEAN: u32 = 0x02;
const ATE_FLOAT: u32 = 0x04;
const ATE_SIGNED: u32 = 0x05;
const ATE_UNSIGNED: u32 = 0x07;
const ATE_UNSIGNED_CHAR: u32 = 0x08;

/// Where a string object's bytes start (docs/runtime.md section 3).
pub(super) const STRING_BYTES_OFFSET: i64 = 16;

/// A member of a structure being described: name, type, offset in bits.
type Member<'ctx> = (String, DIType<'ctx>, u64);

impl<'ctx> Cg<'ctx, '_> {
    /// The DWARF type of values of `t` (None for types without values, `void`).
    pub(super) fn di_type(&mut self, t: &Ty) -> Option<DIType<'ctx>> {
        if let Some(d) = self.debug.as_ref()?.types.get(t) {
            return Some(*d);
        }
        if !self.debug.as_mut()?.building.insert(t.clone()) {
            return self.di_base("ptr", 64, ATE_ADDRESS);
        }
        let d = self.di_type_uncached(t);
        let dcx = self.debug.as_mut()?;
        dcx.building.remove(t);
        if let Some(d) = d {
            dcx.types.insert(t.clone(), d);
        }
        d
    }

    fn di_type_uncached(&mut self, t: &Ty) -> Option<DIType<'ctx>> {
        match t {
            Ty::Int(i) => {
                let enc = if i.signed() { ATE_SIGNED } else { ATE_UNSIGNED };
                self.di_base(&self.ty_name(t), u64::from(i.bits()), enc)
            }
            Ty::Float(f) => {
                let bits = if *f == FloatTy::F32 { 32 } else { 64 };
                self.di_base(&self.ty_name(t), bits, ATE_FLOAT)
            }
            Ty::Bool => self.di_base("bool", 8, ATE_BOOLEAN),
            Ty::Void | Ty::Never | Ty::Error | Ty::Param(..) | Ty::Infer(_) => None,
            Ty::Str => self.di_object(
                "string",
                &[("len", &Ty::Int(crate::common::ty::IntTy::I64), 8)],
                None,
            ),
            Ty::Vec(e) => {
                let i64t = Ty::Int(crate::common::ty::IntTy::I64);
                self.di_object(
                    &self.ty_name(t),
                    &[("len", &i64t, 8), ("cap", &i64t, 16)],
                    Some((e, 24)),
                )
            }
            Ty::Array(..) if self.is_boxed_array(t) => {
                let repr = self.boxed_array_repr(t)?;
                self.di_type(&repr)
            }
            Ty::Array(e, n) => {
                let elem = self.di_type(e)?;
                let (size, align) = self.di_layout(t);
                let d = self.debug.as_ref()?;
                Some(
                    d.builder
                        .create_array_type(elem, size, align, std::slice::from_ref(&(0..*n as i64)))
                        .as_type(),
                )
            }
            Ty::Tuple(ts) => {
                let names: Vec<String> = (0..ts.len()).map(|i| format!("_{i}")).collect();
                self.di_struct(t, &self.ty_name(t), &names, ts)
            }
            Ty::Fn(_) => {
                let ptr = self.di_base("ptr", 64, ATE_ADDRESS)?;
                let members = vec![("fn".to_string(), ptr, 0), ("env".to_string(), ptr, 64)];
                self.di_composite(&self.ty_name(t), 128, 64, &members)
            }
            Ty::Adt(..) if self.is_handle(t) => self.di_base("ptr", 64, ATE_ADDRESS),
            Ty::Adt(..) if self.is_enum(t) => self.di_enum(t),
            Ty::Adt(id, args) => {
                let adt = self.prog.adt(*id);
                let names: Vec<String> = adt.fields().iter().map(|f| f.name.clone()).collect();
                let tys: Vec<Ty> = adt.fields().iter().map(|f| f.ty.subst(args)).collect();
                self.di_struct(t, &self.ty_name(t), &names, &tys)
            }
            Ty::Map(..) | Ty::Box(_) | Ty::Ptr(_) => self.di_base("ptr", 64, ATE_ADDRESS),
        }
    }

    /// The type a local of `t` is shown with: strings as `char *` (the location then
    /// points at the bytes, [`STRING_BYTES_OFFSET`]), everything else as [`Cg::di_type`].
    pub(super) fn di_local_type(&mut self, t: &Ty) -> Option<DIType<'ctx>> {
        if *t != Ty::Str {
            return self.di_type(t);
        }
        let ch = self.di_base("char", 8, ATE_UNSIGNED_CHAR)?;
        let d = self.debug.as_ref()?;
        Some(
            d.builder
                .create_pointer_type("string", ch, 64, 64, AddressSpace::default())
                .as_type(),
        )
    }

    fn ty_name(&self, t: &Ty) -> String {
        TyDisplay {
            ty: t,
            names: self.prog,
        }
        .to_string()
    }

    fn di_layout(&mut self, t: &Ty) -> (u64, u32) {
        let lt = self.llvm_ty(t);
        (
            self.td.get_abi_size(&lt) * 8,
            self.td.get_abi_alignment(&lt) * 8,
        )
    }

    fn di_base(&self, name: &str, bits: u64, encoding: u32) -> Option<DIType<'ctx>> {
        let d = self.debug.as_ref()?;
        d.builder
            .create_basic_type(name, bits, encoding, DIFlags::ZERO)
            .ok()
            .map(|b| b.as_type())
    }

    /// A structure of `tys` named `names`, laid out as the LLVM type of `t`.
    fn di_struct(
        &mut self,
        t: &Ty,
        name: &str,
        names: &[String],
        tys: &[Ty],
    ) -> Option<DIType<'ctx>> {
        let BasicTypeEnum::StructType(st) = self.llvm_ty(t) else {
            return None;
        };
        let mut members = Vec::new();
        for (i, (n, ft)) in names.iter().zip(tys).enumerate() {
            if let Some(d) = self.di_type(ft) {
                members.push((n.clone(), d, self.di_offset(st, i as u32)));
            }
        }
        let (size, align) = self.di_layout(t);
        self.di_composite(name, size, align, &members)
    }

    fn di_offset(&self, st: StructType<'ctx>, i: u32) -> u64 {
        self.td.offset_of_element(&st, i).unwrap_or(0) * 8
    }

    /// A pointer to a runtime object: `fields` (name, type, byte offset) and, for vectors,
    /// the element type and the offset of the elements.
    fn di_object(
        &mut self,
        name: &str,
        fields: &[(&str, &Ty, u64)],
        elems: Option<(&Ty, u64)>,
    ) -> Option<DIType<'ctx>> {
        let mut members: Vec<Member<'ctx>> = Vec::new();
        for (n, t, off) in fields {
            members.push((n.to_string(), self.di_type(t)?, off * 8));
        }
        let (elem, at) = match elems {
            Some((e, at)) => (self.di_type(e), at),
            None => (self.di_base("char", 8, ATE_UNSIGNED_CHAR), 16),
        };
        if let Some(elem) = elem {
            let d = self.debug.as_ref()?;
            let arr = d
                .builder
                .create_array_type(elem, 0, 8, std::slice::from_ref(&(0..0)))
                .as_type();
            let label = if elems.is_some() { "data" } else { "bytes" };
            members.push((label.to_string(), arr, at * 8));
        }
        // The object's size covers its header; the elements follow it.
        let obj = self.di_composite(name, at * 8, 64, &members)?;
        let d = self.debug.as_ref()?;
        Some(
            d.builder
                .create_pointer_type(name, obj, 64, 64, AddressSpace::default())
                .as_type(),
        )
    }

    /// An enum: the tag, named by variant, and an unnamed union of the variants' fields.
    fn di_enum(&mut self, t: &Ty) -> Option<DIType<'ctx>> {
        let Ty::Adt(id, args) = t else { return None };
        let variants = self.prog.adt(*id).variants().to_vec();
        let name = self.ty_name(t);
        let (size, align) = self.di_layout(t);
        let mut arms = Vec::new();
        for v in &variants {
            let tys: Vec<Ty> = v.fields.iter().map(|f| f.subst(args)).collect();
            let vt = self.variant_struct(&v.fields, args);
            let mut members = Vec::new();
            for (i, ft) in tys.iter().enumerate() {
                if let Some(d) = self.di_type(ft) {
                    members.push((format!("_{i}"), d, self.di_offset(vt, i as u32)));
                }
            }
            let vsize = self.td.get_abi_size(&vt.as_any_type_enum()) * 8;
            arms.push((
                v.name.clone(),
                self.di_composite(&v.name, vsize, 64, &members)?,
                0,
            ));
        }
        let i32t = self.di_base("i32", 32, ATE_SIGNED)?;
        let d = self.debug.as_ref()?;
        let file = *d.files.first()?;
        let scope = file.as_debug_info_scope();
        let enumerators: Vec<_> = variants
            .iter()
            .enumerate()
            .map(|(i, v)| d.builder.create_enumerator(&v.name, i as i64, false))
            .collect();
        let tag = d
            .builder
            .create_enumeration_type(
                scope,
                &format!("{name}.tag"),
                file,
                0,
                32,
                32,
                &enumerators,
                i32t,
            )
            .as_type();
        let union_members: Vec<DIType<'ctx>> = arms
            .iter()
            .map(|(n, ty, _)| self.di_member(n, *ty, 0))
            .collect::<Option<_>>()?;
        let union = d
            .builder
            .create_union_type(
                scope,
                "",
                file,
                0,
                size.saturating_sub(64),
                64,
                DIFlags::ZERO,
                &union_members,
                0,
                "",
            )
            .as_type();
        let members = vec![("tag".to_string(), tag, 0), (String::new(), union, 64)];
        self.di_composite(&name, size, align, &members)
    }

    fn di_member(&self, name: &str, ty: DIType<'ctx>, offset: u64) -> Option<DIType<'ctx>> {
        let d = self.debug.as_ref()?;
        let file = *d.files.first()?;
        let size = ty.get_size_in_bits();
        Some(
            d.builder
                .create_member_type(
                    file.as_debug_info_scope(),
                    name,
                    file,
                    0,
                    size,
                    0,
                    offset,
                    DIFlags::ZERO,
                    ty,
                )
                .as_type(),
        )
    }

    /// A structure of `members` (name, type, offset in bits).
    fn di_composite(
        &self,
        name: &str,
        size: u64,
        align: u32,
        members: &[Member<'ctx>],
    ) -> Option<DIType<'ctx>> {
        let elements: Vec<DIType<'ctx>> = members
            .iter()
            .map(|(n, ty, off)| self.di_member(n, *ty, *off))
            .collect::<Option<_>>()?;
        let d = self.debug.as_ref()?;
        let file = *d.files.first()?;
        Some(
            d.builder
                .create_struct_type(
                    file.as_debug_info_scope(),
                    name,
                    file,
                    0,
                    size,
                    align,
                    DIFlags::ZERO,
                    None,
                    &elements,
                    0,
                    None,
                    "",
                )
                .as_type(),
        )
    }
}
