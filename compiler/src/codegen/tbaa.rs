//! Type-based alias analysis metadata (LLVM's `!tbaa`, as clang emits for C's strict
//! aliasing rule): a scalar load or store is tagged with its scalar type (`i8`, `i16`,
//! `i32`, `i64`, `f32`, `f64`, `ptr`), so LLVM knows that storing an `f64` element cannot
//! change a vector's pointer in a variable slot or its length, and keeps those in
//! registers across the stores of a loop body.
//!
//! Sound because Weft memory has one type for its whole life except where the program
//! changes what it holds, and every such access stays untagged (untagged accesses alias
//! everything, so LLVM never reorders tagged accesses across them):
//! - enum payloads, which hold different variants over time: any access whose address is
//!   computed through a `getelementptr` over an enum's struct type;
//! - raw pointers (`*T`), which may view any memory: their places are computed with a
//!   `getelementptr` without `inbounds` (`FnCg::raw_place`, codegen/expr.rs), which
//!   marks the access untagged;
//! - aggregate loads and stores, `memcpy`, and everything the runtime does behind a call.

use super::Cg;
use inkwell::types::{AnyType, AnyTypeEnum, BasicTypeEnum};
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, FunctionValue, InstructionOpcode, InstructionValue,
    MetadataValue,
};
use std::collections::HashMap;

/// The TBAA type tree of a module: a root and one access tag per scalar type name.
pub struct Tbaa<'ctx> {
    root: MetadataValue<'ctx>,
    tags: HashMap<&'static str, MetadataValue<'ctx>>,
}

impl<'ctx> Cg<'ctx, '_> {
    /// Tags every scalar load and store of `func` whose address is typed (see the module
    /// docs). Call it once the body is emitted, before optimization.
    pub fn tag_accesses(&mut self, func: FunctionValue<'ctx>) {
        let kind = self.ctx.get_kind_id("tbaa");
        for block in func.get_basic_block_iter() {
            for inst in block.get_instructions() {
                let (ptr_index, ty) = match inst.get_opcode() {
                    InstructionOpcode::Load => (0, inst.get_type()),
                    InstructionOpcode::Store => match inst.get_operand(0).and_then(|o| o.value()) {
                        Some(v) => (1, v.get_type().as_any_type_enum()),
                        None => continue,
                    },
                    _ => continue,
                };
                let Some(name) = scalar_name(ty) else {
                    continue;
                };
                if !self.typed_address(inst, ptr_index) {
                    continue;
                }
                let tag = self.tbaa_tag(name);
                inst.set_metadata(tag, kind)
                    .expect("loads and stores take metadata");
            }
        }
    }

    /// Whether the address operand of `inst` is computed without an enum payload or a
    /// raw pointer's `getelementptr` (see the module docs).
    fn typed_address(&self, inst: InstructionValue<'ctx>, ptr_index: u32) -> bool {
        let mut ptr = inst.get_operand(ptr_index).and_then(|o| o.value());
        while let Some(p) = ptr {
            let Some(gep) = p.as_instruction_value() else {
                return true;
            };
            if gep.get_opcode() != InstructionOpcode::GetElementPtr {
                return true;
            }
            if !gep.get_in_bounds_flag().unwrap_or(false) {
                return false;
            }
            if let Ok(BasicTypeEnum::StructType(st)) = gep.get_gep_source_element_type() {
                let named_enum = st
                    .get_name()
                    .is_some_and(|n| self.enum_structs.contains(n.to_bytes()));
                if named_enum {
                    return false;
                }
            }
            ptr = gep.get_operand(0).and_then(|o| o.value());
        }
        true
    }

    /// The access tag of scalar type `name`, created on first use.
    fn tbaa_tag(&mut self, name: &'static str) -> MetadataValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let tbaa = self.tbaa.get_or_insert_with(|| Tbaa {
            root: self
                .ctx
                .metadata_node(&[self.ctx.metadata_string("weft tbaa").into()]),
            tags: HashMap::new(),
        });
        if let Some(&tag) = tbaa.tags.get(name) {
            return tag;
        }
        let zero: BasicMetadataValueEnum = i64t.const_zero().into();
        let node = self.ctx.metadata_node(&[
            self.ctx.metadata_string(name).into(),
            tbaa.root.into(),
            zero,
        ]);
        let tag = self.ctx.metadata_node(&[node.into(), node.into(), zero]);
        tbaa.tags.insert(name, tag);
        tag
    }
}

/// The TBAA type name of a scalar LLVM type (`bool`'s `i1` shares `i8`'s: both are a byte
/// in memory); `None` for aggregates.
fn scalar_name(ty: AnyTypeEnum<'_>) -> Option<&'static str> {
    match ty {
        AnyTypeEnum::IntType(t) => match t.get_bit_width() {
            1 | 8 => Some("i8"),
            16 => Some("i16"),
            32 => Some("i32"),
            64 => Some("i64"),
            _ => None,
        },
        AnyTypeEnum::FloatType(t) => {
            let ctx = t.get_context();
            if t == ctx.f64_type() {
                Some("f64")
            } else if t == ctx.f32_type() {
                Some("f32")
            } else {
                None
            }
        }
        AnyTypeEnum::PointerType(_) => Some("ptr"),
        _ => None,
    }
}
