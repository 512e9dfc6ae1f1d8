//! Closures. A closure value is `{ ptr fn, ptr env }`; the function takes the
//! environment as its first parameter. Environments start with `{ i64 rc, ptr drop }`:
//! - no captures: the environment pointer is null;
//! - a local closure (captures a `var` by reference; it cannot escape): the environment
//!   lives on the creator's stack with an immortal count and holds pointers to the
//!   captured variables;
//! - an escaping closure: a reference-counted heap environment holding copies of the
//!   captures, released by its drop function (`weft.envdrop.N`).
//!
//! A declared function used as a value gets a thunk with the closure convention.

use super::builder::param;
use super::func::{FnCg, Val};
use super::Cg;
use crate::hir::{self, FuncId, FuncKind, LocalId};
use inkwell::module::Linkage;
use inkwell::types::{BasicTypeEnum, StructType};
use inkwell::values::{BasicValueEnum, FunctionValue, PointerValue};

impl<'ctx> Cg<'ctx, '_> {
    /// The environment struct of closure function `f` (header, then the captures).
    pub fn env_struct(
        &mut self,
        f: &hir::Func,
        captures: &[LocalId],
        by_ref: bool,
    ) -> StructType<'ctx> {
        let mut fields: Vec<BasicTypeEnum> = vec![self.ctx.i64_type().into(), self.ptr_ty().into()];
        for l in captures {
            if by_ref {
                fields.push(self.ptr_ty().into());
            } else {
                let ty = f.locals[l.0 as usize].ty.clone();
                fields.push(self.llvm_ty(&ty));
            }
        }
        self.ctx.struct_type(&fields, false)
    }

    /// `void weft.envdrop.N(ptr env)`: releases an escaping closure's captures and frees it.
    fn env_drop_fn(&mut self, id: FuncId) -> FunctionValue<'ctx> {
        if let Some(f) = self.glue.env_drop.get(&id) {
            return *f;
        }
        let prog = self.prog;
        let func = prog.func(id);
        let FuncKind::Closure { captures, .. } = &func.kind else {
            unreachable!("environments belong to closures")
        };
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let fty = self.ctx.void_type().fn_type(&[self.ptr_ty().into()], false);
        let f = self.module.add_function(
            &format!("weft.envdrop.{}", id.0),
            fty,
            Some(Linkage::Internal),
        );
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let env = param(f, 0).into_pointer_value();
        let st = self.env_struct(func, captures, false);
        for (i, l) in captures.iter().enumerate() {
            let ty = func.locals[l.0 as usize].ty.clone();
            let p = self.builder.struct_gep(st, env, (i + 2) as u32, "cap");
            self.release_at(p, &ty);
        }
        self.free_object(env, st.into());
        self.builder.ret(None);
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        self.glue.env_drop.insert(id, f);
        f
    }

    /// A closure-convention wrapper around declared function `id`.
    fn thunk(&mut self, id: FuncId) -> FunctionValue<'ctx> {
        if let Some(f) = self.thunks.get(&id) {
            return *f;
        }
        let prog = self.prog;
        let func = prog.func(id);
        let params = self.param_sig(func);
        let fty = self.fn_type(&params, &func.ret, true);
        let target = self.func_value(id);
        let here = self.builder.get_insert_block();
        let loc = self.builder.get_current_debug_location();
        self.builder.unset_current_debug_location();
        let f = self.module.add_function(
            &format!("{}.thunk", func.symbol),
            fty,
            Some(Linkage::Internal),
        );
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let args: Vec<inkwell::values::BasicMetadataValueEnum> =
            f.get_param_iter().skip(1).map(|p| p.into()).collect();
        let call = self.builder.call(target, &args, "r");
        match call.try_as_basic_value().basic() {
            Some(v) => self.builder.ret(Some(&v)),
            None => self.builder.ret(None),
        };
        if let Some(bb) = here {
            self.builder.position_at_end(bb);
        }
        if let Some(l) = loc {
            self.builder.set_current_debug_location(l);
        }
        self.thunks.insert(id, f);
        f
    }

    fn closure_value(
        &self,
        fp: PointerValue<'ctx>,
        env: PointerValue<'ctx>,
    ) -> BasicValueEnum<'ctx> {
        let ct = self.closure_ty();
        let v = self.builder.insert_value(ct.get_undef(), fp, 0, "clo");
        self.builder
            .insert_value(v.into_struct_value(), env, 1, "clo")
            .into_struct_value()
            .into()
    }
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// Creates a closure value over the current function's `captures`.
    pub fn make_closure(&mut self, func: FuncId, captures: &[LocalId], by_ref: bool) -> Val<'ctx> {
        let fp = self
            .cg
            .func_value(func)
            .as_global_value()
            .as_pointer_value();
        if captures.is_empty() {
            let null = self.cg.ptr_ty().const_null();
            return Val::stat(self.cg.closure_value(fp, null));
        }
        let prog = self.cg.prog;
        let target = prog.func(func);
        let FuncKind::Closure {
            captures: inner, ..
        } = &target.kind
        else {
            unreachable!("MakeClosure names a closure function")
        };
        let st = self.cg.env_struct(target, inner, by_ref);
        let i64t = self.cg.ctx.i64_type();
        if by_ref {
            let env = self.alloca(st.into(), "env");
            let rc = self.cg.builder.struct_gep(st, env, 0, "rc");
            self.cg.builder.store(rc, i64t.const_all_ones());
            let dp = self.cg.builder.struct_gep(st, env, 1, "drop");
            self.cg.builder.store(dp, self.cg.ptr_ty().const_null());
            for (i, l) in captures.iter().enumerate() {
                let p = self.local_ptr(*l);
                let cp = self.cg.builder.struct_gep(st, env, (i + 2) as u32, "cap");
                self.cg.builder.store(cp, p);
            }
            return Val::stat(self.cg.closure_value(fp, env));
        }
        let env = self.cg.alloc_object(st.into());
        let drop = self
            .cg
            .env_drop_fn(func)
            .as_global_value()
            .as_pointer_value();
        let dp = self.cg.builder.struct_gep(st, env, 1, "drop");
        self.cg.builder.store(dp, drop);
        for (i, l) in captures.iter().enumerate() {
            let ty = self.f.locals[l.0 as usize].ty.clone();
            let lt = self.cg.llvm_ty(&ty);
            let src = self.local_ptr(*l);
            let v = self.cg.builder.load(lt, src, "capv");
            let v = self.owned(Val::borrowed(v), &ty);
            let cp = self.cg.builder.struct_gep(st, env, (i + 2) as u32, "cap");
            self.cg.builder.store(cp, v);
        }
        Val::owned(self.cg.closure_value(fp, env))
    }

    /// A declared function as a closure value (its thunk, no environment).
    pub fn func_as_closure(&mut self, f: FuncId) -> Val<'ctx> {
        let t = self.cg.thunk(f).as_global_value().as_pointer_value();
        let null = self.cg.ptr_ty().const_null();
        Val::stat(self.cg.closure_value(t, null))
    }
}
