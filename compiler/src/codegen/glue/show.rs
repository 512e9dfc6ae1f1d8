//! Debug text of values: a per-type `weft.show.T(const T*)` function returning a new
//! string, for the message of a failed `assertEq` (docs/reference.md section 8).
//!
//! The text is structural, whatever the type's own `toString`: integers and floats as
//! they print, strings quoted, `[a, b]` for vectors and arrays, `(a, b)` for tuples,
//! `Point { x: 1.0, y: 2.0 }` for structs, `Circle(2.0)` / `None` for enum variants,
//! `{k: v, ...}` for maps (in iteration order), the inner value for a box, and
//! `<closure>`, `<pointer>` or `<Channel>` (the handle's type) for what has no value text.
//! Pieces are joined with `weft_rt_str_concat`; every intermediate string is released.

use super::GLUE_STACK_WINDOW;
use crate::codegen::builder::{param, CallValue};
use crate::codegen::Cg;
use crate::common::ty::{FloatTy, Ty};
use inkwell::basic_block::BasicBlock;
use inkwell::module::Linkage;
use inkwell::values::{FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

/// Builds one show function: the text so far lives in the `acc` slot.
struct Text<'ctx> {
    f: FunctionValue<'ctx>,
    acc: PointerValue<'ctx>,
}

impl<'ctx> Cg<'ctx, '_> {
    /// `string show(const T*)`: the debug text of the value at the pointer (a new string).
    pub fn show_fn(&mut self, t: &Ty) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.show.get(t) {
            return *f;
        }
        if let Some(v) = self.boxed_array_repr(t) {
            return self.show_fn(&v);
        }
        let name = format!("weft.show.{}", self.glue.show.len());
        self.detached(|cg| {
            let ptr = cg.ptr_ty();
            let fty = ptr.fn_type(&[ptr.into()], false);
            let f = cg.module.add_function(&name, fty, Some(Linkage::Internal));
            cg.glue.show.insert(t.clone(), f);
            let entry = cg.ctx.append_basic_block(f, "entry");
            cg.builder.position_at_end(entry);
            if cg.glue_checks_stack(t) {
                cg.emit_stack_check(f, Some(GLUE_STACK_WINDOW));
            }
            let acc = cg.builder.alloca(ptr, "acc");
            let empty = cg.string_literal("");
            cg.builder.store(acc, empty);
            let text = Text { f, acc };
            let value = param(f, 0).into_pointer_value();
            cg.show_value(&text, value, t);
            let out = cg.builder.load(ptr, acc, "text");
            cg.builder.ret(Some(&out));
            f
        })
    }

    /// Appends `piece` (a string the text takes over) to the text.
    fn push_owned(&mut self, text: &Text<'ctx>, piece: PointerValue<'ctx>) {
        let ptr = self.ptr_ty();
        let acc = self.builder.load(ptr, text.acc, "acc").into_pointer_value();
        let concat = self.rt("weft_rt_str_concat");
        let joined = self
            .builder
            .call(concat, &[acc.into(), piece.into()], "joined")
            .value();
        self.release_object(text.f, acc, &Ty::Str);
        self.release_object(text.f, piece, &Ty::Str);
        self.builder.store(text.acc, joined);
    }

    /// Appends literal text.
    fn push_str(&mut self, text: &Text<'ctx>, s: &str) {
        let lit = self.string_literal(s);
        self.push_owned(text, lit);
    }

    /// Appends the text of the value at `p`.
    fn push_shown(&mut self, text: &Text<'ctx>, p: PointerValue<'ctx>, t: &Ty) {
        let show = self.show_fn(t);
        let s = self
            .builder
            .call(show, &[p.into()], "shown")
            .value()
            .into_pointer_value();
        self.push_owned(text, s);
    }

    /// Appends the texts of `items`, each the value at a pointer, between `open` and
    /// `close` and separated by `, `.
    fn push_list(
        &mut self,
        text: &Text<'ctx>,
        open: &str,
        items: &[(Option<String>, PointerValue<'ctx>, Ty)],
        close: &str,
    ) {
        self.push_str(text, open);
        for (i, (label, p, t)) in items.iter().enumerate() {
            if i > 0 {
                self.push_str(text, ", ");
            }
            if let Some(l) = label {
                self.push_str(text, &format!("{l}: "));
            }
            self.push_shown(text, *p, t);
        }
        self.push_str(text, close);
    }

    /// Appends the text of the value at `p` of type `t`.
    fn show_value(&mut self, text: &Text<'ctx>, p: PointerValue<'ctx>, t: &Ty) {
        let lt = match t {
            Ty::Void | Ty::Never | Ty::Error | Ty::Param(..) | Ty::Infer(_) => None,
            _ => Some(self.llvm_ty(t)),
        };
        match (t, lt) {
            (Ty::Int(i), Some(lt)) => {
                let v = self.builder.load(lt, p, "v").into_int_value();
                let i64t = self.ctx.i64_type();
                let wide = self.builder.int_cast_sign_flag(v, i64t, i.signed(), "wide");
                let f = if i.signed() {
                    "weft_rt_str_from_i64"
                } else {
                    "weft_rt_str_from_u64"
                };
                let f = self.rt(f);
                let s = self.builder.call(f, &[wide.into()], "s").value();
                self.push_owned(text, s.into_pointer_value());
            }
            (Ty::Float(ft), Some(lt)) => {
                let v = self.builder.load(lt, p, "v");
                let f = self.rt(match ft {
                    FloatTy::F32 => "weft_rt_str_from_f32",
                    FloatTy::F64 => "weft_rt_str_from_f64",
                });
                let s = self.builder.call(f, &[v.into()], "s").value();
                self.push_owned(text, s.into_pointer_value());
            }
            (Ty::Bool, Some(lt)) => {
                let v = self.builder.load(lt, p, "v");
                let f = self.rt("weft_rt_str_from_bool");
                let s = self.builder.call(f, &[v.into()], "s").value();
                self.push_owned(text, s.into_pointer_value());
            }
            (Ty::Str, Some(lt)) => {
                let s = self.builder.load(lt, p, "s").into_pointer_value();
                self.push_str(text, "\"");
                // The value is borrowed: join without releasing it.
                let acc = self.builder.load(lt, text.acc, "acc").into_pointer_value();
                let concat = self.rt("weft_rt_str_concat");
                let joined = self.builder.call(concat, &[acc.into(), s.into()], "joined");
                self.release_object(text.f, acc, &Ty::Str);
                self.builder.store(text.acc, joined.value());
                self.push_str(text, "\"");
            }
            (Ty::Box(inner), Some(_)) => {
                let bt = self.box_struct(inner);
                let obj = self
                    .builder
                    .load(self.ptr_ty(), p, "box")
                    .into_pointer_value();
                let payload = self.builder.struct_gep(bt, obj, 1, "payload");
                self.push_shown(text, payload, inner);
            }
            (Ty::Vec(e), Some(_)) => self.show_vec(text, p, e),
            (Ty::Map(k, v), Some(_)) => self.show_map(text, p, k, v),
            (Ty::Array(e, n), Some(lt)) => {
                let zero = self.ctx.i64_type().const_zero();
                let items: Vec<_> = (0..*n)
                    .map(|i| {
                        let idx = self.ctx.i64_type().const_int(i, false);
                        let ep = unsafe { self.builder.in_bounds_gep(lt, p, &[zero, idx], "e") };
                        (None, ep, (**e).clone())
                    })
                    .collect();
                self.push_list(text, "[", &items, "]");
            }
            (Ty::Tuple(ts), Some(lt)) => {
                let items: Vec<_> = ts
                    .iter()
                    .enumerate()
                    .map(|(i, ft)| {
                        let fp = self.builder.struct_gep(lt, p, i as u32, "f");
                        (None, fp, ft.clone())
                    })
                    .collect();
                self.push_list(text, "(", &items, ")");
            }
            (Ty::Adt(id, _), Some(_)) if self.is_handle(t) => {
                let name = self.prog.adt(*id).name.clone();
                self.push_str(text, &format!("<{name}>"));
            }
            (Ty::Adt(..), Some(_)) if self.is_enum(t) => self.show_enum(text, p, t),
            (Ty::Adt(id, _), Some(lt)) => {
                let adt = self.prog.adt(*id).clone();
                let tys = self.field_tys(t);
                let items: Vec<_> = adt
                    .fields()
                    .iter()
                    .zip(tys)
                    .enumerate()
                    .map(|(i, (fd, ft))| {
                        let fp = self.builder.struct_gep(lt, p, i as u32, "f");
                        (Some(fd.name.clone()), fp, ft)
                    })
                    .collect();
                if items.is_empty() {
                    self.push_str(text, &format!("{} {{}}", adt.name));
                } else {
                    self.push_list(text, &format!("{} {{ ", adt.name), &items, " }");
                }
            }
            (Ty::Fn(_), _) => self.push_str(text, "<closure>"),
            (Ty::Ptr(_), _) => self.push_str(text, "<pointer>"),
            (Ty::Void, _) => self.push_str(text, "()"),
            _ => self.push_str(text, "?"),
        }
    }

    /// A loop over `0..n` in the show function: `body` emits one iteration for index `i`.
    fn show_loop(
        &mut self,
        f: FunctionValue<'ctx>,
        n: IntValue<'ctx>,
        mut body: impl FnMut(&mut Self, IntValue<'ctx>),
    ) {
        let i64t = self.ctx.i64_type();
        let head = self.ctx.append_basic_block(f, "show_head");
        let step = self.ctx.append_basic_block(f, "show_step");
        let done = self.ctx.append_basic_block(f, "show_done");
        let pre = self.builder.current_block();
        self.builder.unconditional_branch(head);
        self.builder.position_at_end(head);
        let i = self.builder.phi(i64t, "i");
        i.add_incoming(&[(&i64t.const_zero(), pre)]);
        let iv = i.as_basic_value().into_int_value();
        let more = self.builder.int_compare(IntPredicate::ULT, iv, n, "more");
        self.builder.conditional_branch(more, step, done);
        self.builder.position_at_end(step);
        body(self, iv);
        let next = self.builder.int_add(iv, i64t.const_int(1, false), "next");
        let end: BasicBlock = self.builder.current_block();
        i.add_incoming(&[(&next, end)]);
        self.builder.unconditional_branch(head);
        self.builder.position_at_end(done);
    }

    /// `, ` before every element but the first.
    fn show_separator(&mut self, text: &Text<'ctx>, i: IntValue<'ctx>) {
        let first =
            self.builder
                .int_compare(IntPredicate::EQ, i, i.get_type().const_zero(), "first");
        let sep = self.ctx.append_basic_block(text.f, "sep");
        let item = self.ctx.append_basic_block(text.f, "item");
        self.builder.conditional_branch(first, item, sep);
        self.builder.position_at_end(sep);
        self.push_str(text, ", ");
        self.builder.unconditional_branch(item);
        self.builder.position_at_end(item);
    }

    fn show_vec(&mut self, text: &Text<'ctx>, p: PointerValue<'ctx>, e: &Ty) {
        let v = self
            .builder
            .load(self.ptr_ty(), p, "vec")
            .into_pointer_value();
        let n = self.vec_len(v);
        self.push_str(text, "[");
        self.show_loop(text.f, n, |cg, i| {
            cg.show_separator(text, i);
            let ep = cg.vec_data_ptr(v, i, e);
            cg.push_shown(text, ep, e);
        });
        self.push_str(text, "]");
    }

    /// `{k: v, ...}` through the runtime's map iteration (keys arrive as 64-bit words,
    /// integers zero-extended: on the little-endian targets the key's own bytes come first).
    fn show_map(&mut self, text: &Text<'ctx>, p: PointerValue<'ctx>, k: &Ty, v: &Ty) {
        let i64t = self.ctx.i64_type();
        let ptr = self.ptr_ty();
        let map = self.builder.load(ptr, p, "map").into_pointer_value();
        let cursor = self.builder.alloca(i64t, "cursor");
        let key = self.builder.alloca(i64t, "key");
        let val = self.builder.alloca(ptr, "val");
        self.builder.store(cursor, i64t.const_zero());
        self.push_str(text, "{");
        let head = self.ctx.append_basic_block(text.f, "map_head");
        let body = self.ctx.append_basic_block(text.f, "map_body");
        let done = self.ctx.append_basic_block(text.f, "map_done");
        let count = self.builder.alloca(i64t, "count");
        self.builder.store(count, i64t.const_zero());
        self.builder.unconditional_branch(head);
        self.builder.position_at_end(head);
        let next = self.rt("weft_rt_map_next");
        let more = self
            .builder
            .call(
                next,
                &[map.into(), cursor.into(), key.into(), val.into()],
                "more",
            )
            .value()
            .into_int_value();
        self.builder.conditional_branch(more, body, done);
        self.builder.position_at_end(body);
        let i = self.builder.load(i64t, count, "i").into_int_value();
        self.show_separator(text, i);
        self.push_shown(text, key, k);
        self.push_str(text, ": ");
        let vp = self.builder.load(ptr, val, "vp").into_pointer_value();
        self.push_shown(text, vp, v);
        let i1 = self.builder.int_add(i, i64t.const_int(1, false), "i1");
        self.builder.store(count, i1);
        self.builder.unconditional_branch(head);
        self.builder.position_at_end(done);
        self.push_str(text, "}");
    }

    fn show_enum(&mut self, text: &Text<'ctx>, p: PointerValue<'ctx>, t: &Ty) {
        let Ty::Adt(id, args) = t else { return };
        let st = self.llvm_ty(t).into_struct_type();
        let i32t = self.ctx.i32_type();
        let tag_p = self.builder.struct_gep(st, p, 0, "tagp");
        let tag = self.builder.load(i32t, tag_p, "tag").into_int_value();
        let variants = self.prog.adt(*id).variants().to_vec();
        let done = self.ctx.append_basic_block(text.f, "variant_done");
        let switch_bb = self.builder.current_block();
        let mut cases = Vec::new();
        for (v, var) in variants.iter().enumerate() {
            let bb = self.ctx.append_basic_block(text.f, "variant");
            cases.push((i32t.const_int(v as u64, false), bb));
            self.builder.position_at_end(bb);
            let fields: Vec<Ty> = var.fields.iter().map(|f| f.subst(args)).collect();
            if fields.is_empty() {
                self.push_str(text, &var.name);
            } else {
                let payload = self.builder.struct_gep(st, p, 1, "payload");
                let vt = self.variant_struct(&fields, &[]);
                let items: Vec<_> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, ft)| {
                        let fp = self.builder.struct_gep(vt, payload, i as u32, "f");
                        (None, fp, ft.clone())
                    })
                    .collect();
                self.push_list(text, &format!("{}(", var.name), &items, ")");
            }
            self.builder.unconditional_branch(done);
        }
        self.builder.position_at_end(switch_bb);
        self.builder.switch(tag, done, &cases);
        self.builder.position_at_end(done);
    }
}
