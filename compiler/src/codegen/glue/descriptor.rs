//! The `WeftGlue` element descriptors (size, release glue, ordering) the runtime uses
//! for vector and map elements (docs/runtime.md), and the per-type ordering functions
//! behind `sort`.

use crate::codegen::builder::{param, CallValue};
use crate::codegen::Cg;
use crate::common::ty::Ty;
use inkwell::module::Linkage;
use inkwell::values::{FunctionValue, PointerValue};
use inkwell::IntPredicate;

impl<'ctx> Cg<'ctx, '_> {
    /// The `WeftGlue` constant of element type `t` (docs/runtime.md §2).
    pub fn glue_const(&mut self, t: &Ty) -> PointerValue<'ctx> {
        if let Some(g) = self.glue.consts.get(t) {
            return g.as_pointer_value();
        }
        if let Some(v) = self.boxed_array_repr(t) {
            return self.glue_const(&v);
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
            let a = param(f, 0).into_pointer_value();
            let b = param(f, 1).into_pointer_value();
            let lt = cg.llvm_ty(t);
            let x = cg.builder.load(lt, a, "a");
            let y = cg.builder.load(lt, b, "b");
            let i32t = cg.ctx.i32_type();
            let r = match t {
                Ty::Str => {
                    let c = cg.rt("weft_rt_str_cmp");
                    let r = cg.builder.call(c, &[x.into(), y.into()], "c");
                    r.value().into_int_value()
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
                                cg.builder.int_compare(
                                    l,
                                    x.into_int_value(),
                                    y.into_int_value(),
                                    "lt",
                                ),
                                cg.builder.int_compare(
                                    g,
                                    x.into_int_value(),
                                    y.into_int_value(),
                                    "gt",
                                ),
                            )
                        }
                        _ => (
                            cg.builder.float_compare(
                                inkwell::FloatPredicate::OLT,
                                x.into_float_value(),
                                y.into_float_value(),
                                "lt",
                            ),
                            cg.builder.float_compare(
                                inkwell::FloatPredicate::OGT,
                                x.into_float_value(),
                                y.into_float_value(),
                                "gt",
                            ),
                        ),
                    };
                    let gtv = cg.builder.int_z_extend(gt_, i32t, "g");
                    let ltv = cg.builder.int_z_extend(lt_, i32t, "l");
                    cg.builder.int_sub(gtv, ltv, "c")
                }
            };
            cg.builder.ret(Some(&r));
            f
        });
        self.glue.cmp.insert(t.clone(), f);
        Some(f)
    }
}
