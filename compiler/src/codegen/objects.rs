//! The constants and object layouts generated code shares: string literals, source
//! locations, the empty vector, field offsets of vectors, strings and boxes, copy on
//! write (`is_unique` and the runtime copy), and object allocation (docs/runtime.md).

use super::builder::CallValue;
use super::Cg;
use crate::common::ty::Ty;
use crate::source::Span;
use inkwell::module::Linkage;
use inkwell::types::StructType;
use inkwell::values::{FunctionValue, IntValue, PointerValue};

/// Offsets in the runtime's objects (docs/runtime.md).
const VEC_LEN: u64 = 1;
const VEC_DATA_BYTES: u64 = 24;
const STR_LEN: u64 = 1;

impl<'ctx> Cg<'ctx, '_> {
    /// A private constant holding `text`'s bytes, and their count (what
    /// `weft_rt_panic_str` takes).
    pub fn const_bytes(&mut self, text: &str) -> (PointerValue<'ctx>, IntValue<'ctx>) {
        let bytes = self.ctx.const_string(text.as_bytes(), false);
        let g = self.module.add_global(bytes.get_type(), None, "weft.bytes");
        g.set_initializer(&bytes);
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        let len = self.ctx.i64_type().const_int(text.len() as u64, false);
        (g.as_pointer_value(), len)
    }

    /// The immortal string object of a literal.
    pub fn string_literal(&mut self, s: &str) -> PointerValue<'ctx> {
        if let Some(g) = self.strings.get(s) {
            return g.as_pointer_value();
        }
        let i64t = self.ctx.i64_type();
        let bytes = self.ctx.const_string(s.as_bytes(), false);
        let init = self.ctx.const_struct(
            &[
                i64t.const_all_ones().into(),
                i64t.const_int(s.len() as u64, false).into(),
                bytes.into(),
            ],
            false,
        );
        let name = format!("weft.str.{}", self.strings.len());
        let g = self.module.add_global(init.get_type(), None, &name);
        g.set_initializer(&init);
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        g.set_alignment(8);
        self.strings.insert(s.to_string(), g);
        g.as_pointer_value()
    }

    /// The `WeftLoc` constant of a span (file, line, column).
    pub fn loc(&mut self, span: Span) -> PointerValue<'ctx> {
        let (file, line, col) = self.prog.location(span);
        let key = (span.file.0, line, col);
        if let Some(g) = self.locs.get(&key) {
            return g.as_pointer_value();
        }
        let file = file.to_string();
        let fname = self.ctx.const_string(file.as_bytes(), false);
        let fg = self.module.add_global(fname.get_type(), None, "weft.file");
        fg.set_initializer(&fname);
        fg.set_constant(true);
        fg.set_linkage(Linkage::Private);
        let i64t = self.ctx.i64_type();
        let i32t = self.ctx.i32_type();
        let init = self.ctx.const_struct(
            &[
                fg.as_pointer_value().into(),
                i64t.const_int(file.len() as u64, false).into(),
                i32t.const_int(line as u64, false).into(),
                i32t.const_int(col as u64, false).into(),
            ],
            false,
        );
        let g = self.module.add_global(init.get_type(), None, "weft.loc");
        g.set_initializer(&init);
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        self.locs.insert(key, g);
        g.as_pointer_value()
    }

    /// The runtime's empty vector (`extern VecP weft_rt_empty_vec`).
    pub fn empty_vec(&mut self) -> PointerValue<'ctx> {
        let g = match self.module.get_global("weft_rt_empty_vec") {
            Some(g) => g,
            None => self
                .module
                .add_global(self.ptr_ty(), None, "weft_rt_empty_vec"),
        };
        self.builder
            .load(self.ptr_ty(), g.as_pointer_value(), "empty")
            .into_pointer_value()
    }

    fn i64_field(&self, obj: PointerValue<'ctx>, index: u64) -> PointerValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let idx = i64t.const_int(index, false);
        unsafe { self.builder.in_bounds_gep(i64t, obj, &[idx], "fieldp") }
    }

    pub fn vec_len(&self, v: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(v, VEC_LEN);
        self.builder
            .load(self.ctx.i64_type(), p, "len")
            .into_int_value()
    }

    pub fn set_vec_len(&self, v: PointerValue<'ctx>, n: IntValue<'ctx>) {
        let p = self.i64_field(v, VEC_LEN);
        self.builder.store(p, n);
    }

    pub fn vec_cap(&self, v: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(v, 2);
        self.builder
            .load(self.ctx.i64_type(), p, "cap")
            .into_int_value()
    }

    pub fn str_len(&self, s: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(s, STR_LEN);
        self.builder
            .load(self.ctx.i64_type(), p, "slen")
            .into_int_value()
    }

    /// Pointer to element `i` of vector object `v`.
    pub fn vec_data_ptr(
        &mut self,
        v: PointerValue<'ctx>,
        i: IntValue<'ctx>,
        elem: &Ty,
    ) -> PointerValue<'ctx> {
        let i8t = self.ctx.i8_type();
        let off = self.ctx.i64_type().const_int(VEC_DATA_BYTES, false);
        let data = unsafe { self.builder.in_bounds_gep(i8t, v, &[off], "data") };
        let et = self.llvm_ty(elem);
        unsafe { self.builder.in_bounds_gep(et, data, &[i], "elem") }
    }

    /// Makes the vector stored at `slot` unique (copy on write) before a write.
    pub fn vec_make_unique(&mut self, f: FunctionValue<'ctx>, slot: PointerValue<'ctx>, elem: &Ty) {
        let v = self
            .builder
            .load(self.ptr_ty(), slot, "vec")
            .into_pointer_value();
        let unique = self.is_unique(v);
        let copy = self.ctx.append_basic_block(f, "cow");
        let done = self.ctx.append_basic_block(f, "unique");
        self.builder.conditional_branch(unique, done, copy);
        self.builder.position_at_end(copy);
        let g = self.glue_const(elem);
        let mu = self.rt("weft_rt_vec_make_unique");
        self.builder.call(mu, &[slot.into(), g.into()], "");
        self.assume_unique_at(slot);
        self.builder.unconditional_branch(done);
        self.builder.position_at_end(done);
    }

    /// Tells LLVM that the object in `slot` now has count 1 (right after the runtime made
    /// it unique), so that the next write's uniqueness check folds away on both paths.
    fn assume_unique_at(&mut self, slot: PointerValue<'ctx>) {
        let obj = self
            .builder
            .load(self.ptr_ty(), slot, "unique_obj")
            .into_pointer_value();
        let unique = self.is_unique(obj);
        let assume = inkwell::intrinsics::Intrinsic::find("llvm.assume")
            .and_then(|i| i.get_declaration(&self.module, &[]))
            .expect("llvm.assume");
        self.builder.call(assume, &[unique.into()], "");
    }

    /// `{ i64 rc, T value }`: a box object.
    pub fn box_struct(&mut self, t: &Ty) -> StructType<'ctx> {
        let inner = self.llvm_ty(t);
        self.ctx
            .struct_type(&[self.ctx.i64_type().into(), inner], false)
    }

    /// Makes the box stored at `slot` unique before its contents are written.
    pub fn box_make_unique(&mut self, f: FunctionValue<'ctx>, slot: PointerValue<'ctx>, t: &Ty) {
        let obj = self
            .builder
            .load(self.ptr_ty(), slot, "box")
            .into_pointer_value();
        let unique = self.is_unique(obj);
        let copy = self.ctx.append_basic_block(f, "box_cow");
        let done = self.ctx.append_basic_block(f, "box_unique");
        self.builder.conditional_branch(unique, done, copy);
        self.builder.position_at_end(copy);
        let bt = self.box_struct(t);
        let new = self.alloc_object(bt.into());
        let src = self.builder.struct_gep(bt, obj, 1, "src");
        let dst = self.builder.struct_gep(bt, new, 1, "dst");
        let inner = self.llvm_ty(t);
        let v = self.builder.load(inner, src, "v");
        self.builder.store(dst, v);
        self.retain_at(dst, t);
        self.builder.store(slot, new);
        // Drop this reference to the shared original.
        let tmp = self.builder.alloca(self.ptr_ty(), "old");
        self.builder.store(tmp, obj);
        self.release_at(tmp, &Ty::Box(Box::new(t.clone())));
        self.builder.unconditional_branch(done);
        self.builder.position_at_end(done);
    }

    /// A new object of LLVM type `lt` (its first field, the count, set to 1).
    pub fn alloc_object(&mut self, lt: inkwell::types::BasicTypeEnum<'ctx>) -> PointerValue<'ctx> {
        let size = self
            .ctx
            .i64_type()
            .const_int(self.td.get_abi_size(&lt), false);
        let align = self
            .ctx
            .i64_type()
            .const_int(u64::from(self.td.get_abi_alignment(&lt)).max(8), false);
        let alloc = self.rt("weft_rt_alloc");
        let p = self
            .builder
            .call(alloc, &[size.into(), align.into()], "obj");
        let p = p.value().into_pointer_value();
        self.builder
            .store(p, self.ctx.i64_type().const_int(1, false));
        p
    }
}
