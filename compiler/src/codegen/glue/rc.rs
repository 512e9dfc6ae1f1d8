//! Retain / release glue: per-type functions that make a copy own its references or
//! release them, the object retain/release helpers and the release of closure
//! environments and handles.

use super::GLUE_STACK_WINDOW;
use crate::codegen::builder::{param, CallValue};
use crate::codegen::Cg;
use crate::common::adt::AdtKind;
use crate::common::ty::Ty;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::module::Linkage;
use inkwell::types::StructType;
use inkwell::values::{BasicValue, FunctionValue, IntValue, PointerValue};
use inkwell::{AtomicOrdering, AtomicRMWBinOp, IntPredicate};

impl<'ctx> Cg<'ctx, '_> {
    /// Does a value of `t` hold references that must be counted?
    pub fn needs_drop(&self, t: &Ty) -> bool {
        match t {
            Ty::Str | Ty::Vec(_) | Ty::Map(..) | Ty::Box(_) | Ty::Fn(_) => true,
            Ty::Tuple(ts) => ts.iter().any(|t| self.needs_drop(t)),
            Ty::Array(e, n) => self.is_boxed_array(t) || (*n > 0 && self.needs_drop(e)),
            Ty::Adt(id, args) => match &self.prog.adt(*id).kind {
                AdtKind::Handle(_) => true,
                AdtKind::Struct(fs) => fs.iter().any(|f| self.needs_drop(&f.ty.subst(args))),
                AdtKind::Enum(vs) => vs
                    .iter()
                    .any(|v| v.fields.iter().any(|f| self.needs_drop(&f.subst(args)))),
            },
            _ => false,
        }
    }

    /// Do the release and equality glue of `t` check the stack? Glue recurses through
    /// recursive types (a long `Box` list is released node by node), and every recursive
    /// type is a struct or enum, so their glue checks, like every Weft function, that the
    /// task's stack (which has no guard page) has room.
    pub(super) fn glue_checks_stack(&self, t: &Ty) -> bool {
        self.opts.stack_checks && matches!(t, Ty::Adt(..)) && !self.is_handle(t)
    }

    /// Runs `body` with the builder free for building another function, then restores
    /// the insertion point and debug location.
    pub(super) fn detached<R>(&mut self, body: impl FnOnce(&mut Self) -> R) -> R {
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let r = body(self);
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        r
    }

    /// An internal helper function `void name(ptr)` (or with `ret`), for glue.
    pub(super) fn glue_fn(
        &mut self,
        name: &str,
        params: usize,
        ret_bool: bool,
    ) -> FunctionValue<'ctx> {
        let p = self.ptr_ty().into();
        let ps = vec![p; params];
        let fty = if ret_bool {
            self.ctx.bool_type().fn_type(&ps, false)
        } else {
            self.ctx.void_type().fn_type(&ps, false)
        };
        let f = self.module.add_function(name, fty, Some(Linkage::Internal));
        let kind = Attribute::get_named_enum_kind_id("nounwind");
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx.create_enum_attribute(kind, 0),
        );
        f
    }

    /// The address of `t`'s release glue (for the runtime to call).
    pub fn release_glue_ptr(&mut self, t: &Ty) -> PointerValue<'ctx> {
        self.release_fn(t).as_global_value().as_pointer_value()
    }

    pub fn retain_at(&mut self, p: PointerValue<'ctx>, t: &Ty) {
        if self.needs_drop(t) {
            let f = self.retain_fn(t);
            self.builder.call(f, &[p.into()], "");
        }
    }

    pub fn release_at(&mut self, p: PointerValue<'ctx>, t: &Ty) {
        if self.needs_drop(t) {
            let f = self.release_fn(t);
            self.builder.call(f, &[p.into()], "");
        }
    }

    /// `weft.obj.retain(obj)`: one more count unless immortal.
    fn obj_retain(&mut self) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.obj_retain {
            return f;
        }
        let f = self.detached(|cg| {
            let f = cg.glue_fn("weft.obj.retain", 1, false);
            let entry = cg.ctx.append_basic_block(f, "entry");
            let inc = cg.ctx.append_basic_block(f, "inc");
            let done = cg.ctx.append_basic_block(f, "done");
            cg.builder.position_at_end(entry);
            let obj = param(f, 0).into_pointer_value();
            let rc = cg.load_rc(obj, AtomicOrdering::Monotonic);
            let mortal = cg.builder.int_compare(
                IntPredicate::SGE,
                rc,
                cg.ctx.i64_type().const_zero(),
                "mortal",
            );
            cg.builder.conditional_branch(mortal, inc, done);
            cg.builder.position_at_end(inc);
            let one = cg.ctx.i64_type().const_int(1, false);
            cg.builder
                .atomicrmw(AtomicRMWBinOp::Add, obj, one, AtomicOrdering::Monotonic);
            cg.builder.unconditional_branch(done);
            cg.builder.position_at_end(done);
            cg.builder.ret(None);
            f
        });
        self.glue.obj_retain = Some(f);
        f
    }

    /// `weft.obj.release(obj) -> bool`: drops one count; true when the caller must free.
    fn obj_release(&mut self) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.obj_release {
            return f;
        }
        let f = self.detached(|cg| {
            let f = cg.glue_fn("weft.obj.release", 1, true);
            let entry = cg.ctx.append_basic_block(f, "entry");
            let dec = cg.ctx.append_basic_block(f, "dec");
            let last = cg.ctx.append_basic_block(f, "last");
            let keep = cg.ctx.append_basic_block(f, "keep");
            cg.builder.position_at_end(entry);
            let obj = param(f, 0).into_pointer_value();
            let i64t = cg.ctx.i64_type();
            let rc = cg.load_rc(obj, AtomicOrdering::Monotonic);
            let mortal = cg
                .builder
                .int_compare(IntPredicate::SGE, rc, i64t.const_zero(), "mortal");
            cg.builder.conditional_branch(mortal, dec, keep);
            cg.builder.position_at_end(dec);
            let one = i64t.const_int(1, false);
            let old = cg
                .builder
                .atomicrmw(AtomicRMWBinOp::Sub, obj, one, AtomicOrdering::Release);
            let was_last = cg.builder.int_compare(IntPredicate::EQ, old, one, "last");
            cg.builder.conditional_branch(was_last, last, keep);
            cg.builder.position_at_end(last);
            cg.builder.fence(AtomicOrdering::Acquire, false, "");
            cg.builder
                .ret(Some(&cg.ctx.bool_type().const_int(1, false)));
            cg.builder.position_at_end(keep);
            cg.builder.ret(Some(&cg.ctx.bool_type().const_zero()));
            f
        });
        self.glue.obj_release = Some(f);
        f
    }

    /// Whether the object `obj` has count 1 (copy on write: it may be written in place).
    ///
    /// The count is read with an `unordered` atomic load, as Swift's
    /// `isUniquelyReferenced` reads it relaxed: an object of count 1 has no other owner
    /// left to race with, and the last other owner's release decrement (`Release`) came
    /// after its own reads of the object. Unlike an `acquire` load, an unordered one lets
    /// LLVM keep the count in a register across the stores of a loop body, so writing
    /// many elements of a unique vector does not re-read its count each time.
    pub fn is_unique(&self, obj: PointerValue<'ctx>) -> IntValue<'ctx> {
        let rc = self.load_rc(obj, AtomicOrdering::Unordered);
        let one = self.ctx.i64_type().const_int(1, false);
        self.builder
            .int_compare(IntPredicate::EQ, rc, one, "unique")
    }

    /// Atomic load of an object's count.
    pub fn load_rc(&self, obj: PointerValue<'ctx>, order: AtomicOrdering) -> IntValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let rc = self.builder.load(i64t, obj, "rc");
        let inst = rc.as_instruction_value().expect("a load instruction");
        inst.set_alignment(8).expect("alignment");
        inst.set_atomic_ordering(order).expect("atomic load");
        rc.into_int_value()
    }

    pub(super) fn retain_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.retain.get(t) {
            return *f;
        }
        if let Some(v) = self.boxed_array_repr(t) {
            return self.retain_fn(&v);
        }
        let name = format!("weft.retain.{}", self.glue.retain.len());
        let f = self.detached(|cg| {
            let f = cg.glue_fn(&name, 1, false);
            cg.glue.retain.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            cg.builder.position_at_end(entry);
            let p = param(f, 0).into_pointer_value();
            cg.visit_refs(f, p, t, true);
            cg.builder.ret(None);
            f
        });
        f
    }

    pub(super) fn release_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.release.get(t) {
            return *f;
        }
        if let Some(v) = self.boxed_array_repr(t) {
            return self.release_fn(&v);
        }
        let name = format!("weft.release.{}", self.glue.release.len());
        let f = self.detached(|cg| {
            let f = cg.glue_fn(&name, 1, false);
            cg.glue.release.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            cg.builder.position_at_end(entry);
            if cg.glue_checks_stack(t) {
                cg.emit_stack_check(f, Some(GLUE_STACK_WINDOW));
            }
            let p = param(f, 0).into_pointer_value();
            cg.visit_refs(f, p, t, false);
            cg.builder.ret(None);
            f
        });
        f
    }

    /// Emits, inside glue function `f`, the retain (or release) of everything the value
    /// at `p` of type `t` holds.
    fn visit_refs(&mut self, f: FunctionValue<'ctx>, p: PointerValue<'ctx>, t: &Ty, retain: bool) {
        if !self.needs_drop(t) {
            return;
        }
        match t {
            Ty::Str | Ty::Vec(_) | Ty::Map(..) | Ty::Box(_) => {
                let obj = self
                    .builder
                    .load(self.ptr_ty(), p, "obj")
                    .into_pointer_value();
                if retain {
                    let r = self.obj_retain();
                    self.builder.call(r, &[obj.into()], "");
                } else {
                    self.release_object(f, obj, t);
                }
            }
            Ty::Fn(_) => {
                let ct = self.closure_ty();
                let ep = self.builder.struct_gep(ct, p, 1, "envp");
                let env = self
                    .builder
                    .load(self.ptr_ty(), ep, "env")
                    .into_pointer_value();
                let some = self.ctx.append_basic_block(f, "has_env");
                let done = self.ctx.append_basic_block(f, "no_env");
                let null = self.builder.is_null(env, "null");
                self.builder.conditional_branch(null, done, some);
                self.builder.position_at_end(some);
                if retain {
                    let r = self.obj_retain();
                    self.builder.call(r, &[env.into()], "");
                } else {
                    self.release_env(f, env);
                }
                self.builder.unconditional_branch(done);
                self.builder.position_at_end(done);
            }
            Ty::Tuple(_) | Ty::Adt(..) if !self.is_enum(t) && !self.is_handle(t) => {
                let lt = self.llvm_ty(t);
                for (i, ft) in self.field_tys(t).iter().enumerate() {
                    if self.needs_drop(ft) {
                        let fp = self.builder.struct_gep(lt, p, i as u32, "f");
                        self.call_glue(fp, ft, retain);
                    }
                }
            }
            Ty::Array(e, n) => {
                let lt = self.llvm_ty(t);
                let zero = self.ctx.i64_type().const_zero();
                for i in 0..*n {
                    let idx = self.ctx.i64_type().const_int(i, false);
                    let ep = unsafe { self.builder.in_bounds_gep(lt, p, &[zero, idx], "e") };
                    self.call_glue(ep, e, retain);
                }
            }
            Ty::Adt(..) if self.is_handle(t) => {
                let obj = self
                    .builder
                    .load(self.ptr_ty(), p, "handle")
                    .into_pointer_value();
                let Some(kind) = self.handle_kind(t) else {
                    return;
                };
                let name = format!(
                    "weft_rt_{}_{}",
                    kind.runtime_prefix(),
                    if retain { "retain" } else { "release" }
                );
                let hf = self.handle_rt(&name);
                self.builder.call(hf, &[obj.into()], "");
            }
            Ty::Adt(..) => self.visit_enum(f, p, t, retain),
            _ => {}
        }
    }

    fn call_glue(&mut self, p: PointerValue<'ctx>, t: &Ty, retain: bool) {
        let g = if retain {
            self.retain_fn(t)
        } else {
            self.release_fn(t)
        };
        self.builder.call(g, &[p.into()], "");
    }

    /// Switches on an enum's tag and visits the active variant's fields.
    fn visit_enum(&mut self, f: FunctionValue<'ctx>, p: PointerValue<'ctx>, t: &Ty, retain: bool) {
        let st = self.llvm_ty(t).into_struct_type();
        let tp = self.builder.struct_gep(st, p, 0, "tagp");
        let tag = self
            .builder
            .load(self.ctx.i32_type(), tp, "tag")
            .into_int_value();
        let tag_bb = self.builder.get_insert_block().expect("positioned");
        let done = self.ctx.append_basic_block(f, "enum_done");
        let Ty::Adt(id, _) = t else { return };
        let nvariants = self.prog.adt(*id).variants().len();
        let mut cases = Vec::new();
        for v in 0..nvariants as u32 {
            let fields = self.variant_fields(t, v);
            if !fields.iter().any(|ft| self.needs_drop(ft)) {
                continue;
            }
            let bb = self.ctx.append_basic_block(f, "variant");
            cases.push((self.ctx.i32_type().const_int(v as u64, false), bb));
            self.builder.position_at_end(bb);
            let payload = self.builder.struct_gep(st, p, 1, "payload");
            let vt = self.variant_struct(&fields, &[]);
            for (i, ft) in fields.iter().enumerate() {
                if self.needs_drop(ft) {
                    let fp = self.builder.struct_gep(vt, payload, i as u32, "vf");
                    self.call_glue(fp, ft, retain);
                }
            }
            self.builder.unconditional_branch(done);
        }
        // The switch goes at the end of the block where the tag was loaded.
        self.builder.position_at_end(tag_bb);
        self.builder.switch(tag, done, &cases);
        self.builder.position_at_end(done);
    }

    /// Releases one reference to a runtime object (string, vector, map, box).
    pub(super) fn release_object(
        &mut self,
        f: FunctionValue<'ctx>,
        obj: PointerValue<'ctx>,
        t: &Ty,
    ) {
        let rel = self.obj_release();
        let last = self.builder.call(rel, &[obj.into()], "last");
        let last = last.value().into_int_value();
        let free_bb = self.ctx.append_basic_block(f, "free");
        let done = self.ctx.append_basic_block(f, "released");
        self.builder.conditional_branch(last, free_bb, done);
        self.builder.position_at_end(free_bb);
        match t {
            Ty::Str => {
                let free = self.rt("weft_rt_str_free");
                self.builder.call(free, &[obj.into()], "");
            }
            Ty::Vec(e) => {
                let g = self.glue_const(e);
                let free = self.rt("weft_rt_vec_free");
                self.builder.call(free, &[obj.into(), g.into()], "");
            }
            Ty::Map(..) => {
                let free = self.rt("weft_rt_map_free");
                self.builder.call(free, &[obj.into()], "");
            }
            Ty::Box(inner) => {
                let bt = self.box_struct(inner);
                let payload = self.builder.struct_gep(bt, obj, 1, "payload");
                self.release_at(payload, inner);
                self.free_object(obj, bt.into());
            }
            _ => {}
        }
        self.builder.unconditional_branch(done);
        self.builder.position_at_end(done);
    }

    /// Frees an object allocated with `weft_rt_alloc` for type `lt`.
    pub fn free_object(
        &mut self,
        obj: PointerValue<'ctx>,
        lt: inkwell::types::BasicTypeEnum<'ctx>,
    ) {
        let size = self
            .ctx
            .i64_type()
            .const_int(self.td.get_abi_size(&lt), false);
        let align = self
            .ctx
            .i64_type()
            .const_int(u64::from(self.td.get_abi_alignment(&lt)), false);
        let free = self.rt("weft_rt_free");
        self.builder
            .call(free, &[obj.into(), size.into(), align.into()], "");
    }

    /// Releases a closure environment: at zero, its drop function (at offset 8) runs.
    fn release_env(&mut self, f: FunctionValue<'ctx>, env: PointerValue<'ctx>) {
        let rel = self.obj_release();
        let last = self.builder.call(rel, &[env.into()], "last");
        let last = last.value().into_int_value();
        let drop_bb = self.ctx.append_basic_block(f, "env_drop");
        let done = self.ctx.append_basic_block(f, "env_done");
        self.builder.conditional_branch(last, drop_bb, done);
        self.builder.position_at_end(drop_bb);
        let hdr = self.env_header();
        let dp = self.builder.struct_gep(hdr, env, 1, "dropp");
        let dropf = self
            .builder
            .load(self.ptr_ty(), dp, "drop")
            .into_pointer_value();
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        self.builder.indirect_call(fty, dropf, &[env.into()], "");
        self.builder.unconditional_branch(done);
        self.builder.position_at_end(done);
    }

    /// `{ i64 rc, ptr drop }`: the start of every closure environment.
    pub fn env_header(&self) -> StructType<'ctx> {
        self.ctx
            .struct_type(&[self.ctx.i64_type().into(), self.ptr_ty().into()], false)
    }

    /// The runtime's retain/release function of a handle kind.
    fn handle_rt(&mut self, name: &str) -> FunctionValue<'ctx> {
        if let Some(f) = self.module.get_function(name) {
            return f;
        }
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        self.module.add_function(name, fty, Some(Linkage::External))
    }
}
