//! Per-type glue: retain / release of everything a value holds, the `WeftGlue`
//! descriptors the runtime uses for vector and map elements, structural equality, the
//! sort order, and the constants and object helpers generated code shares (string
//! literals, source locations, vector and box layouts).
//!
//! Glue functions take a pointer to a value: `weft.retain.T(ptr)` makes the copy at
//! `ptr` own its references; `weft.release.T(ptr)` releases them. Objects follow the
//! counting protocol of docs/runtime.md §1 (negative counts are immortal).

use super::Cg;
use crate::common::adt::AdtKind;
use crate::common::ty::Ty;
use crate::hir::FuncId;
use crate::source::Span;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::module::Linkage;
use inkwell::types::StructType;
use inkwell::values::{BasicValue, FunctionValue, GlobalValue, IntValue, PointerValue};
use inkwell::{AtomicOrdering, AtomicRMWBinOp, IntPredicate};
use std::collections::HashMap;

#[derive(Default)]
pub struct GlueCache<'ctx> {
    retain: HashMap<Ty, FunctionValue<'ctx>>,
    release: HashMap<Ty, FunctionValue<'ctx>>,
    consts: HashMap<Ty, GlobalValue<'ctx>>,
    eq: HashMap<Ty, FunctionValue<'ctx>>,
    cmp: HashMap<Ty, FunctionValue<'ctx>>,
    pub env_drop: HashMap<FuncId, FunctionValue<'ctx>>,
    obj_retain: Option<FunctionValue<'ctx>>,
    obj_release: Option<FunctionValue<'ctx>>,
}

/// How far below a stack's limit a glue function still reports an overflow: half the
/// runtime's reserve under the limit (runtime/src/stack.rs), far more than a glue frame.
const GLUE_STACK_WINDOW: u64 = 8 * 1024;

/// Offsets in the runtime's objects (docs/runtime.md).
const VEC_LEN: u64 = 1;
const VEC_DATA_BYTES: u64 = 24;
const STR_LEN: u64 = 1;

impl<'ctx> Cg<'ctx, '_> {
    /// Does a value of `t` hold references that must be counted?
    pub fn needs_drop(&self, t: &Ty) -> bool {
        match t {
            Ty::Str | Ty::Vec(_) | Ty::Map(..) | Ty::Box(_) | Ty::Fn(_) => true,
            Ty::Tuple(ts) => ts.iter().any(|t| self.needs_drop(t)),
            Ty::Array(e, n) => *n > 0 && self.needs_drop(e),
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
    fn glue_checks_stack(&self, t: &Ty) -> bool {
        self.opts.stack_checks && matches!(t, Ty::Adt(..)) && !self.is_handle(t)
    }

    /// Runs `body` with the builder free for building another function, then restores
    /// the insertion point and debug location.
    fn detached<R>(&mut self, body: impl FnOnce(&mut Self) -> R) -> R {
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
    fn glue_fn(&mut self, name: &str, params: usize, ret_bool: bool) -> FunctionValue<'ctx> {
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
            self.builder.build_call(f, &[p.into()], "").unwrap();
        }
    }

    pub fn release_at(&mut self, p: PointerValue<'ctx>, t: &Ty) {
        if self.needs_drop(t) {
            let f = self.release_fn(t);
            self.builder.build_call(f, &[p.into()], "").unwrap();
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
            let obj = f.get_nth_param(0).unwrap().into_pointer_value();
            let rc = cg.load_rc(obj, AtomicOrdering::Monotonic);
            let mortal = cg
                .builder
                .build_int_compare(
                    IntPredicate::SGE,
                    rc,
                    cg.ctx.i64_type().const_zero(),
                    "mortal",
                )
                .unwrap();
            cg.builder
                .build_conditional_branch(mortal, inc, done)
                .unwrap();
            cg.builder.position_at_end(inc);
            let one = cg.ctx.i64_type().const_int(1, false);
            cg.builder
                .build_atomicrmw(AtomicRMWBinOp::Add, obj, one, AtomicOrdering::Monotonic)
                .unwrap();
            cg.builder.build_unconditional_branch(done).unwrap();
            cg.builder.position_at_end(done);
            cg.builder.build_return(None).unwrap();
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
            let obj = f.get_nth_param(0).unwrap().into_pointer_value();
            let i64t = cg.ctx.i64_type();
            let rc = cg.load_rc(obj, AtomicOrdering::Monotonic);
            let mortal = cg
                .builder
                .build_int_compare(IntPredicate::SGE, rc, i64t.const_zero(), "mortal")
                .unwrap();
            cg.builder
                .build_conditional_branch(mortal, dec, keep)
                .unwrap();
            cg.builder.position_at_end(dec);
            let one = i64t.const_int(1, false);
            let old = cg
                .builder
                .build_atomicrmw(AtomicRMWBinOp::Sub, obj, one, AtomicOrdering::Release)
                .unwrap();
            let was_last = cg
                .builder
                .build_int_compare(IntPredicate::EQ, old, one, "last")
                .unwrap();
            cg.builder
                .build_conditional_branch(was_last, last, keep)
                .unwrap();
            cg.builder.position_at_end(last);
            cg.builder
                .build_fence(AtomicOrdering::Acquire, false, "")
                .unwrap();
            cg.builder
                .build_return(Some(&cg.ctx.bool_type().const_int(1, false)))
                .unwrap();
            cg.builder.position_at_end(keep);
            cg.builder
                .build_return(Some(&cg.ctx.bool_type().const_zero()))
                .unwrap();
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
            .build_int_compare(IntPredicate::EQ, rc, one, "unique")
            .unwrap()
    }

    /// Atomic load of an object's count.
    pub fn load_rc(&self, obj: PointerValue<'ctx>, order: AtomicOrdering) -> IntValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let rc = self.builder.build_load(i64t, obj, "rc").unwrap();
        let inst = rc.as_instruction_value().expect("a load instruction");
        inst.set_alignment(8).expect("alignment");
        inst.set_atomic_ordering(order).expect("atomic load");
        rc.into_int_value()
    }

    fn retain_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.retain.get(t) {
            return *f;
        }
        let name = format!("weft.retain.{}", self.glue.retain.len());
        let f = self.detached(|cg| {
            let f = cg.glue_fn(&name, 1, false);
            cg.glue.retain.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            cg.builder.position_at_end(entry);
            let p = f.get_nth_param(0).unwrap().into_pointer_value();
            cg.visit_refs(f, p, t, true);
            cg.builder.build_return(None).unwrap();
            f
        });
        f
    }

    fn release_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.release.get(t) {
            return *f;
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
            let p = f.get_nth_param(0).unwrap().into_pointer_value();
            cg.visit_refs(f, p, t, false);
            cg.builder.build_return(None).unwrap();
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
                    .build_load(self.ptr_ty(), p, "obj")
                    .unwrap()
                    .into_pointer_value();
                if retain {
                    let r = self.obj_retain();
                    self.builder.build_call(r, &[obj.into()], "").unwrap();
                } else {
                    self.release_object(f, obj, t);
                }
            }
            Ty::Fn(_) => {
                let ct = self.closure_ty();
                let ep = self.builder.build_struct_gep(ct, p, 1, "envp").unwrap();
                let env = self
                    .builder
                    .build_load(self.ptr_ty(), ep, "env")
                    .unwrap()
                    .into_pointer_value();
                let some = self.ctx.append_basic_block(f, "has_env");
                let done = self.ctx.append_basic_block(f, "no_env");
                let null = self.builder.build_is_null(env, "null").unwrap();
                self.builder
                    .build_conditional_branch(null, done, some)
                    .unwrap();
                self.builder.position_at_end(some);
                if retain {
                    let r = self.obj_retain();
                    self.builder.build_call(r, &[env.into()], "").unwrap();
                } else {
                    self.release_env(f, env);
                }
                self.builder.build_unconditional_branch(done).unwrap();
                self.builder.position_at_end(done);
            }
            Ty::Tuple(_) | Ty::Adt(..) if !self.is_enum(t) && !self.is_handle(t) => {
                let lt = self.llvm_ty(t);
                for (i, ft) in self.field_tys(t).iter().enumerate() {
                    if self.needs_drop(ft) {
                        let fp = self.builder.build_struct_gep(lt, p, i as u32, "f").unwrap();
                        self.call_glue(fp, ft, retain);
                    }
                }
            }
            Ty::Array(e, n) => {
                let lt = self.llvm_ty(t);
                let zero = self.ctx.i64_type().const_zero();
                for i in 0..*n {
                    let idx = self.ctx.i64_type().const_int(i, false);
                    let ep = unsafe {
                        self.builder
                            .build_in_bounds_gep(lt, p, &[zero, idx], "e")
                            .unwrap()
                    };
                    self.call_glue(ep, e, retain);
                }
            }
            Ty::Adt(..) if self.is_handle(t) => {
                let obj = self
                    .builder
                    .build_load(self.ptr_ty(), p, "handle")
                    .unwrap()
                    .into_pointer_value();
                let kind = self.handle_kind(t).unwrap_or_default();
                let name = handle_fn(&kind, retain);
                let hf = self.handle_rt(&name);
                self.builder.build_call(hf, &[obj.into()], "").unwrap();
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
        self.builder.build_call(g, &[p.into()], "").unwrap();
    }

    /// Switches on an enum's tag and visits the active variant's fields.
    fn visit_enum(&mut self, f: FunctionValue<'ctx>, p: PointerValue<'ctx>, t: &Ty, retain: bool) {
        let st = self.llvm_ty(t).into_struct_type();
        let tp = self.builder.build_struct_gep(st, p, 0, "tagp").unwrap();
        let tag = self
            .builder
            .build_load(self.ctx.i32_type(), tp, "tag")
            .unwrap()
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
            let payload = self.builder.build_struct_gep(st, p, 1, "payload").unwrap();
            let vt = self.variant_struct(&fields, &[]);
            for (i, ft) in fields.iter().enumerate() {
                if self.needs_drop(ft) {
                    let fp = self
                        .builder
                        .build_struct_gep(vt, payload, i as u32, "vf")
                        .unwrap();
                    self.call_glue(fp, ft, retain);
                }
            }
            self.builder.build_unconditional_branch(done).unwrap();
        }
        // The switch goes at the end of the block where the tag was loaded.
        self.builder.position_at_end(tag_bb);
        self.builder.build_switch(tag, done, &cases).unwrap();
        self.builder.position_at_end(done);
    }

    /// Releases one reference to a runtime object (string, vector, map, box).
    fn release_object(&mut self, f: FunctionValue<'ctx>, obj: PointerValue<'ctx>, t: &Ty) {
        let rel = self.obj_release();
        let last = self.builder.build_call(rel, &[obj.into()], "last").unwrap();
        let last = last.try_as_basic_value().basic().unwrap().into_int_value();
        let free_bb = self.ctx.append_basic_block(f, "free");
        let done = self.ctx.append_basic_block(f, "released");
        self.builder
            .build_conditional_branch(last, free_bb, done)
            .unwrap();
        self.builder.position_at_end(free_bb);
        match t {
            Ty::Str => {
                let free = self.rt("weft_rt_str_free");
                self.builder.build_call(free, &[obj.into()], "").unwrap();
            }
            Ty::Vec(e) => {
                let g = self.glue_const(e);
                let free = self.rt("weft_rt_vec_free");
                self.builder
                    .build_call(free, &[obj.into(), g.into()], "")
                    .unwrap();
            }
            Ty::Map(..) => {
                let free = self.rt("weft_rt_map_free");
                self.builder.build_call(free, &[obj.into()], "").unwrap();
            }
            Ty::Box(inner) => {
                let bt = self.box_struct(inner);
                let payload = self
                    .builder
                    .build_struct_gep(bt, obj, 1, "payload")
                    .unwrap();
                self.release_at(payload, inner);
                self.free_object(obj, bt.into());
            }
            _ => {}
        }
        self.builder.build_unconditional_branch(done).unwrap();
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
            .build_call(free, &[obj.into(), size.into(), align.into()], "")
            .unwrap();
    }

    /// Releases a closure environment: at zero, its drop function (at offset 8) runs.
    fn release_env(&mut self, f: FunctionValue<'ctx>, env: PointerValue<'ctx>) {
        let rel = self.obj_release();
        let last = self.builder.build_call(rel, &[env.into()], "last").unwrap();
        let last = last.try_as_basic_value().basic().unwrap().into_int_value();
        let drop_bb = self.ctx.append_basic_block(f, "env_drop");
        let done = self.ctx.append_basic_block(f, "env_done");
        self.builder
            .build_conditional_branch(last, drop_bb, done)
            .unwrap();
        self.builder.position_at_end(drop_bb);
        let hdr = self.env_header();
        let dp = self.builder.build_struct_gep(hdr, env, 1, "dropp").unwrap();
        let dropf = self
            .builder
            .build_load(self.ptr_ty(), dp, "drop")
            .unwrap()
            .into_pointer_value();
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        self.builder
            .build_indirect_call(fty, dropf, &[env.into()], "")
            .unwrap();
        self.builder.build_unconditional_branch(done).unwrap();
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

    // ----- element descriptors -----

    /// The `WeftGlue` constant of element type `t` (docs/runtime.md §2).
    pub fn glue_const(&mut self, t: &Ty) -> PointerValue<'ctx> {
        if let Some(g) = self.glue.consts.get(t) {
            return g.as_pointer_value();
        }
        let lt = self.llvm_ty(t);
        let size = self.td.get_abi_size(&lt);
        let align = u64::from(self.td.get_abi_alignment(&lt)).max(1);
        let null = self.ptr_ty().const_null();
        let (retain, release) = if self.needs_drop(t) {
            (
                self.retain_fn(t).as_global_value().as_pointer_value(),
                self.release_fn(t).as_global_value().as_pointer_value(),
            )
        } else {
            (null, null)
        };
        let compare = self
            .cmp_fn(t)
            .map(|f| f.as_global_value().as_pointer_value())
            .unwrap_or(null);
        let i64t = self.ctx.i64_type();
        let init = self.ctx.const_struct(
            &[
                i64t.const_int(size, false).into(),
                i64t.const_int(align, false).into(),
                retain.into(),
                release.into(),
                compare.into(),
            ],
            false,
        );
        let name = format!("weft.glue.{}", self.glue.consts.len());
        let g = self.module.add_global(init.get_type(), None, &name);
        g.set_initializer(&init);
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        self.glue.consts.insert(t.clone(), g);
        g.as_pointer_value()
    }

    /// `int32_t cmp(const T*, const T*)` for ordered element types (sort).
    fn cmp_fn(&mut self, t: &Ty) -> Option<FunctionValue<'ctx>> {
        if !matches!(t, Ty::Int(_) | Ty::Float(_) | Ty::Str) {
            return None;
        }
        if let Some(f) = self.glue.cmp.get(t) {
            return Some(*f);
        }
        let name = format!("weft.cmp.{}", self.glue.cmp.len());
        let f = self.detached(|cg| {
            let p = cg.ptr_ty().into();
            let fty = cg.ctx.i32_type().fn_type(&[p, p], false);
            let f = cg.module.add_function(&name, fty, Some(Linkage::Internal));
            let entry = cg.ctx.append_basic_block(f, "entry");
            cg.builder.position_at_end(entry);
            let a = f.get_nth_param(0).unwrap().into_pointer_value();
            let b = f.get_nth_param(1).unwrap().into_pointer_value();
            let lt = cg.llvm_ty(t);
            let x = cg.builder.build_load(lt, a, "a").unwrap();
            let y = cg.builder.build_load(lt, b, "b").unwrap();
            let i32t = cg.ctx.i32_type();
            let r = match t {
                Ty::Str => {
                    let c = cg.rt("weft_rt_str_cmp");
                    let r = cg
                        .builder
                        .build_call(c, &[x.into(), y.into()], "c")
                        .unwrap();
                    r.try_as_basic_value().basic().unwrap().into_int_value()
                }
                _ => {
                    let (lt_, gt_) = match t {
                        Ty::Int(i) => {
                            let (l, g) = if i.signed() {
                                (IntPredicate::SLT, IntPredicate::SGT)
                            } else {
                                (IntPredicate::ULT, IntPredicate::UGT)
                            };
                            (
                                cg.builder
                                    .build_int_compare(
                                        l,
                                        x.into_int_value(),
                                        y.into_int_value(),
                                        "lt",
                                    )
                                    .unwrap(),
                                cg.builder
                                    .build_int_compare(
                                        g,
                                        x.into_int_value(),
                                        y.into_int_value(),
                                        "gt",
                                    )
                                    .unwrap(),
                            )
                        }
                        _ => (
                            cg.builder
                                .build_float_compare(
                                    inkwell::FloatPredicate::OLT,
                                    x.into_float_value(),
                                    y.into_float_value(),
                                    "lt",
                                )
                                .unwrap(),
                            cg.builder
                                .build_float_compare(
                                    inkwell::FloatPredicate::OGT,
                                    x.into_float_value(),
                                    y.into_float_value(),
                                    "gt",
                                )
                                .unwrap(),
                        ),
                    };
                    let gtv = cg.builder.build_int_z_extend(gt_, i32t, "g").unwrap();
                    let ltv = cg.builder.build_int_z_extend(lt_, i32t, "l").unwrap();
                    cg.builder.build_int_sub(gtv, ltv, "c").unwrap()
                }
            };
            cg.builder.build_return(Some(&r)).unwrap();
            f
        });
        self.glue.cmp.insert(t.clone(), f);
        Some(f)
    }

    // ----- equality -----

    /// `bool eq(const T*, const T*)`: structural equality.
    pub fn eq_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.eq.get(t) {
            return *f;
        }
        let name = format!("weft.eq.{}", self.glue.eq.len());
        self.detached(|cg| {
            let f = cg.glue_fn(&name, 2, true);
            cg.glue.eq.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            let yes = cg.ctx.append_basic_block(f, "equal");
            let no = cg.ctx.append_basic_block(f, "different");
            cg.builder.position_at_end(entry);
            if cg.glue_checks_stack(t) {
                cg.emit_stack_check(f, Some(GLUE_STACK_WINDOW));
            }
            let a = f.get_nth_param(0).unwrap().into_pointer_value();
            let b = f.get_nth_param(1).unwrap().into_pointer_value();
            cg.emit_eq(f, a, b, t, no);
            cg.builder.build_unconditional_branch(yes).unwrap();
            cg.builder.position_at_end(yes);
            cg.builder
                .build_return(Some(&cg.ctx.bool_type().const_int(1, false)))
                .unwrap();
            cg.builder.position_at_end(no);
            cg.builder
                .build_return(Some(&cg.ctx.bool_type().const_zero()))
                .unwrap();
            f
        })
    }

    /// Branches to `no` unless the values at `a` and `b` are equal.
    fn emit_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let cont = |cg: &mut Self, c: IntValue<'ctx>| {
            let next = cg.ctx.append_basic_block(f, "eq_next");
            cg.builder.build_conditional_branch(c, next, no).unwrap();
            cg.builder.position_at_end(next);
        };
        match t {
            Ty::Int(_) | Ty::Bool | Ty::Ptr(_) => {
                let lt = self.llvm_ty(t);
                let x = self.builder.build_load(lt, a, "x").unwrap();
                let y = self.builder.build_load(lt, b, "y").unwrap();
                let c = if x.is_pointer_value() {
                    self.builder
                        .build_int_compare(
                            IntPredicate::EQ,
                            x.into_pointer_value(),
                            y.into_pointer_value(),
                            "eq",
                        )
                        .unwrap()
                } else {
                    self.builder
                        .build_int_compare(
                            IntPredicate::EQ,
                            x.into_int_value(),
                            y.into_int_value(),
                            "eq",
                        )
                        .unwrap()
                };
                cont(self, c);
            }
            Ty::Float(_) => {
                let lt = self.llvm_ty(t);
                let x = self
                    .builder
                    .build_load(lt, a, "x")
                    .unwrap()
                    .into_float_value();
                let y = self
                    .builder
                    .build_load(lt, b, "y")
                    .unwrap()
                    .into_float_value();
                let c = self
                    .builder
                    .build_float_compare(inkwell::FloatPredicate::OEQ, x, y, "eq")
                    .unwrap();
                cont(self, c);
            }
            Ty::Str => {
                let x = self.builder.build_load(self.ptr_ty(), a, "x").unwrap();
                let y = self.builder.build_load(self.ptr_ty(), b, "y").unwrap();
                let e = self.rt("weft_rt_str_eq");
                let c = self
                    .builder
                    .build_call(e, &[x.into(), y.into()], "eq")
                    .unwrap();
                cont(
                    self,
                    c.try_as_basic_value().basic().unwrap().into_int_value(),
                );
            }
            Ty::Box(inner) => {
                let bt = self.box_struct(inner);
                let x = self
                    .builder
                    .build_load(self.ptr_ty(), a, "x")
                    .unwrap()
                    .into_pointer_value();
                let y = self
                    .builder
                    .build_load(self.ptr_ty(), b, "y")
                    .unwrap()
                    .into_pointer_value();
                let px = self.builder.build_struct_gep(bt, x, 1, "px").unwrap();
                let py = self.builder.build_struct_gep(bt, y, 1, "py").unwrap();
                self.call_eq(px, py, inner, cont, no);
            }
            Ty::Vec(e) => self.emit_vec_eq(f, a, b, e, no),
            Ty::Tuple(_) | Ty::Adt(..) if !self.is_enum(t) && !self.is_handle(t) => {
                let lt = self.llvm_ty(t);
                for (i, ft) in self.field_tys(t).iter().enumerate() {
                    let pa = self
                        .builder
                        .build_struct_gep(lt, a, i as u32, "fa")
                        .unwrap();
                    let pb = self
                        .builder
                        .build_struct_gep(lt, b, i as u32, "fb")
                        .unwrap();
                    self.call_eq(pa, pb, ft, cont, no);
                }
            }
            Ty::Array(e, n) => {
                let lt = self.llvm_ty(t);
                let zero = self.ctx.i64_type().const_zero();
                for i in 0..*n {
                    let idx = self.ctx.i64_type().const_int(i, false);
                    let pa = unsafe {
                        self.builder
                            .build_in_bounds_gep(lt, a, &[zero, idx], "ea")
                            .unwrap()
                    };
                    let pb = unsafe {
                        self.builder
                            .build_in_bounds_gep(lt, b, &[zero, idx], "eb")
                            .unwrap()
                    };
                    self.call_eq(pa, pb, e, cont, no);
                }
            }
            Ty::Adt(..) if self.is_handle(t) => {
                let x = self
                    .builder
                    .build_load(self.ptr_ty(), a, "x")
                    .unwrap()
                    .into_pointer_value();
                let y = self
                    .builder
                    .build_load(self.ptr_ty(), b, "y")
                    .unwrap()
                    .into_pointer_value();
                let c = self
                    .builder
                    .build_int_compare(IntPredicate::EQ, x, y, "eq")
                    .unwrap();
                cont(self, c);
            }
            Ty::Adt(..) => self.emit_enum_eq(f, a, b, t, no),
            _ => {}
        }
    }

    fn call_eq(
        &mut self,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        cont: impl Fn(&mut Self, IntValue<'ctx>),
        _no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let e = self.eq_fn(t);
        let c = self
            .builder
            .build_call(e, &[a.into(), b.into()], "eq")
            .unwrap();
        let c = c.try_as_basic_value().basic().unwrap().into_int_value();
        cont(self, c);
    }

    fn emit_enum_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        t: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let st = self.llvm_ty(t).into_struct_type();
        let i32t = self.ctx.i32_type();
        let ta = self.builder.build_struct_gep(st, a, 0, "ta").unwrap();
        let tb = self.builder.build_struct_gep(st, b, 0, "tb").unwrap();
        let x = self
            .builder
            .build_load(i32t, ta, "x")
            .unwrap()
            .into_int_value();
        let y = self
            .builder
            .build_load(i32t, tb, "y")
            .unwrap()
            .into_int_value();
        let same = self
            .builder
            .build_int_compare(IntPredicate::EQ, x, y, "same")
            .unwrap();
        let next = self.ctx.append_basic_block(f, "same_tag");
        self.builder
            .build_conditional_branch(same, next, no)
            .unwrap();
        self.builder.position_at_end(next);
        let done = self.ctx.append_basic_block(f, "payload_equal");
        let Ty::Adt(id, _) = t else { return };
        let n = self.prog.adt(*id).variants().len() as u32;
        let mut cases = Vec::new();
        let switch_bb = next;
        for v in 0..n {
            let fields = self.variant_fields(t, v);
            if fields.is_empty() {
                continue;
            }
            let bb = self.ctx.append_basic_block(f, "variant_eq");
            cases.push((i32t.const_int(v as u64, false), bb));
            self.builder.position_at_end(bb);
            let pa = self.builder.build_struct_gep(st, a, 1, "pa").unwrap();
            let pb = self.builder.build_struct_gep(st, b, 1, "pb").unwrap();
            let vt = self.variant_struct(&fields, &[]);
            for (i, ft) in fields.iter().enumerate() {
                let fa = self
                    .builder
                    .build_struct_gep(vt, pa, i as u32, "fa")
                    .unwrap();
                let fb = self
                    .builder
                    .build_struct_gep(vt, pb, i as u32, "fb")
                    .unwrap();
                let e = self.eq_fn(ft);
                let c = self
                    .builder
                    .build_call(e, &[fa.into(), fb.into()], "eq")
                    .unwrap();
                let c = c.try_as_basic_value().basic().unwrap().into_int_value();
                let nb = self.ctx.append_basic_block(f, "field_eq");
                self.builder.build_conditional_branch(c, nb, no).unwrap();
                self.builder.position_at_end(nb);
            }
            self.builder.build_unconditional_branch(done).unwrap();
        }
        self.builder.position_at_end(switch_bb);
        self.builder.build_switch(x, done, &cases).unwrap();
        self.builder.position_at_end(done);
    }

    fn emit_vec_eq(
        &mut self,
        f: FunctionValue<'ctx>,
        a: PointerValue<'ctx>,
        b: PointerValue<'ctx>,
        e: &Ty,
        no: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let va = self
            .builder
            .build_load(self.ptr_ty(), a, "va")
            .unwrap()
            .into_pointer_value();
        let vb = self
            .builder
            .build_load(self.ptr_ty(), b, "vb")
            .unwrap()
            .into_pointer_value();
        let la = self.vec_len(va);
        let lb = self.vec_len(vb);
        let same = self
            .builder
            .build_int_compare(IntPredicate::EQ, la, lb, "same_len")
            .unwrap();
        let head = self.ctx.append_basic_block(f, "veq_head");
        let body = self.ctx.append_basic_block(f, "veq_body");
        let done = self.ctx.append_basic_block(f, "veq_done");
        let i64t = self.ctx.i64_type();
        let pre = self.builder.get_insert_block().unwrap();
        self.builder
            .build_conditional_branch(same, head, no)
            .unwrap();
        self.builder.position_at_end(head);
        let i = self.builder.build_phi(i64t, "i").unwrap();
        i.add_incoming(&[(&i64t.const_zero(), pre)]);
        let iv = i.as_basic_value().into_int_value();
        let more = self
            .builder
            .build_int_compare(IntPredicate::ULT, iv, la, "more")
            .unwrap();
        self.builder
            .build_conditional_branch(more, body, done)
            .unwrap();
        self.builder.position_at_end(body);
        let pa = self.vec_data_ptr(va, iv, e);
        let pb = self.vec_data_ptr(vb, iv, e);
        let eqf = self.eq_fn(e);
        let c = self
            .builder
            .build_call(eqf, &[pa.into(), pb.into()], "eq")
            .unwrap();
        let c = c.try_as_basic_value().basic().unwrap().into_int_value();
        let step = self.ctx.append_basic_block(f, "veq_step");
        self.builder.build_conditional_branch(c, step, no).unwrap();
        self.builder.position_at_end(step);
        let next = self
            .builder
            .build_int_add(iv, i64t.const_int(1, false), "next")
            .unwrap();
        i.add_incoming(&[(&next, step)]);
        self.builder.build_unconditional_branch(head).unwrap();
        self.builder.position_at_end(done);
    }

    // ----- shared constants and object layouts -----

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
            .build_load(self.ptr_ty(), g.as_pointer_value(), "empty")
            .unwrap()
            .into_pointer_value()
    }

    fn i64_field(&self, obj: PointerValue<'ctx>, index: u64) -> PointerValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let idx = i64t.const_int(index, false);
        unsafe {
            self.builder
                .build_in_bounds_gep(i64t, obj, &[idx], "fieldp")
                .unwrap()
        }
    }

    pub fn vec_len(&self, v: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(v, VEC_LEN);
        self.builder
            .build_load(self.ctx.i64_type(), p, "len")
            .unwrap()
            .into_int_value()
    }

    pub fn set_vec_len(&self, v: PointerValue<'ctx>, n: IntValue<'ctx>) {
        let p = self.i64_field(v, VEC_LEN);
        self.builder.build_store(p, n).unwrap();
    }

    pub fn vec_cap(&self, v: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(v, 2);
        self.builder
            .build_load(self.ctx.i64_type(), p, "cap")
            .unwrap()
            .into_int_value()
    }

    pub fn str_len(&self, s: PointerValue<'ctx>) -> IntValue<'ctx> {
        let p = self.i64_field(s, STR_LEN);
        self.builder
            .build_load(self.ctx.i64_type(), p, "slen")
            .unwrap()
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
        let data = unsafe {
            self.builder
                .build_in_bounds_gep(i8t, v, &[off], "data")
                .unwrap()
        };
        let et = self.llvm_ty(elem);
        unsafe {
            self.builder
                .build_in_bounds_gep(et, data, &[i], "elem")
                .unwrap()
        }
    }

    /// Makes the vector stored at `slot` unique (copy on write) before a write.
    pub fn vec_make_unique(&mut self, f: FunctionValue<'ctx>, slot: PointerValue<'ctx>, elem: &Ty) {
        let v = self
            .builder
            .build_load(self.ptr_ty(), slot, "vec")
            .unwrap()
            .into_pointer_value();
        let unique = self.is_unique(v);
        let copy = self.ctx.append_basic_block(f, "cow");
        let done = self.ctx.append_basic_block(f, "unique");
        self.builder
            .build_conditional_branch(unique, done, copy)
            .unwrap();
        self.builder.position_at_end(copy);
        let g = self.glue_const(elem);
        let mu = self.rt("weft_rt_vec_make_unique");
        self.builder
            .build_call(mu, &[slot.into(), g.into()], "")
            .unwrap();
        self.assume_unique_at(slot);
        self.builder.build_unconditional_branch(done).unwrap();
        self.builder.position_at_end(done);
    }

    /// Tells LLVM that the object in `slot` now has count 1 (right after the runtime made
    /// it unique), so that the next write's uniqueness check folds away on both paths.
    fn assume_unique_at(&mut self, slot: PointerValue<'ctx>) {
        let obj = self
            .builder
            .build_load(self.ptr_ty(), slot, "unique_obj")
            .unwrap()
            .into_pointer_value();
        let unique = self.is_unique(obj);
        let assume = inkwell::intrinsics::Intrinsic::find("llvm.assume")
            .and_then(|i| i.get_declaration(&self.module, &[]))
            .expect("llvm.assume");
        self.builder
            .build_call(assume, &[unique.into()], "")
            .unwrap();
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
            .build_load(self.ptr_ty(), slot, "box")
            .unwrap()
            .into_pointer_value();
        let unique = self.is_unique(obj);
        let copy = self.ctx.append_basic_block(f, "box_cow");
        let done = self.ctx.append_basic_block(f, "box_unique");
        self.builder
            .build_conditional_branch(unique, done, copy)
            .unwrap();
        self.builder.position_at_end(copy);
        let bt = self.box_struct(t);
        let new = self.alloc_object(bt.into());
        let src = self.builder.build_struct_gep(bt, obj, 1, "src").unwrap();
        let dst = self.builder.build_struct_gep(bt, new, 1, "dst").unwrap();
        let inner = self.llvm_ty(t);
        let v = self.builder.build_load(inner, src, "v").unwrap();
        self.builder.build_store(dst, v).unwrap();
        self.retain_at(dst, t);
        self.builder.build_store(slot, new).unwrap();
        // Drop this reference to the shared original.
        let tmp = self.builder.build_alloca(self.ptr_ty(), "old").unwrap();
        self.builder.build_store(tmp, obj).unwrap();
        self.release_at(tmp, &Ty::Box(Box::new(t.clone())));
        self.builder.build_unconditional_branch(done).unwrap();
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
            .build_call(alloc, &[size.into(), align.into()], "obj")
            .unwrap();
        let p = p.try_as_basic_value().basic().unwrap().into_pointer_value();
        self.builder
            .build_store(p, self.ctx.i64_type().const_int(1, false))
            .unwrap();
        p
    }
}

/// The runtime function retaining or releasing a handle of `kind`.
fn handle_fn(kind: &str, retain: bool) -> String {
    let base = match kind {
        "promise" | "task" | "task_handle" => "task",
        "atomic_i64" | "atomic_bool" | "atomic" => "atomic",
        other => other,
    };
    format!(
        "weft_rt_{base}_{}",
        if retain { "retain" } else { "release" }
    )
}
