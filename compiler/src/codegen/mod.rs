//! HIR → LLVM IR with inkwell.
//!
//! [`generate`] declares every function, then emits each body ([`func`]): locals live in
//! entry-block `alloca`s, values are reference counted with the ownership discipline of
//! [`func`] (borrowed `+0` parameters, owned `+1` results, temporaries released at the end
//! of their statement), and runtime services are calls into `weft_rt` ([`runtime_abi`]).
//! [`target`] turns the module into optimized object code.

mod builder;
mod closure;
mod debug;
mod debug_types;
mod expr;
mod func;
mod generator;
mod glue;
mod intrinsic;
mod layout;
mod net;
mod objects;
mod operators;
mod pattern;
mod runtime_abi;
mod scope;
mod select;
mod stack_check;
mod sync;
pub mod target;
mod task;
mod tbaa;
mod unwind;

use crate::common::ty::{PassMode, Ty};
use crate::diagnostics::Diagnostic;
use crate::hir::{self, FuncId, FuncKind};
use builder::Builder;
use builder::{param, CallValue};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::targets::TargetData;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{FunctionValue, GlobalValue};
use std::collections::HashMap;

/// What code generation needs to know about the build.
pub struct Options {
    /// Emit DWARF line information.
    pub debug: bool,
    /// Emit the stack-limit check in every function prologue (green-thread stacks have no
    /// guard page).
    pub stack_checks: bool,
}

/// Module-wide code generation state.
pub struct Cg<'ctx, 'p> {
    pub ctx: &'ctx Context,
    pub module: Module<'ctx>,
    pub builder: Builder<'ctx>,
    pub prog: &'p hir::Program,
    pub td: TargetData,
    pub opts: &'p Options,
    /// LLVM type of each Weft type.
    types: HashMap<Ty, BasicTypeEnum<'ctx>>,
    /// The LLVM function of each HIR function.
    funcs: Vec<FunctionValue<'ctx>>,
    /// Closure-convention wrappers of functions used as values.
    thunks: HashMap<FuncId, FunctionValue<'ctx>>,
    /// Immortal string literal objects by content.
    strings: HashMap<String, GlobalValue<'ctx>>,
    /// `WeftLoc` constants by (file, line, column).
    locs: HashMap<(u32, u32, u32), GlobalValue<'ctx>>,
    /// Per-type glue functions and constants.
    glue: glue::GlueCache<'ctx>,
    /// Task entry functions by closure type.
    task_entries: HashMap<Ty, FunctionValue<'ctx>>,
    pub debug: Option<debug::DebugCx<'ctx>>,
    /// The TBAA type tree, once an access has been tagged.
    tbaa: Option<tbaa::Tbaa<'ctx>>,
    /// Names of the LLVM struct types of enums (their payload accesses stay untagged).
    enum_structs: std::collections::HashSet<Vec<u8>>,
    /// Problems found while generating (unimplemented intrinsics).
    pub diags: Vec<Diagnostic>,
}

/// Generates the LLVM module of a program. Errors are diagnostics for features this
/// version cannot compile yet.
pub fn generate<'ctx>(
    ctx: &'ctx Context,
    prog: &hir::Program,
    td: TargetData,
    triple: &inkwell::targets::TargetTriple,
    opts: &Options,
) -> Result<Module<'ctx>, Vec<Diagnostic>> {
    let module = ctx.create_module("weft");
    module.set_triple(triple);
    module.set_data_layout(&td.get_data_layout());
    let mut cg = Cg {
        ctx,
        builder: Builder::new(ctx.create_builder()),
        module,
        prog,
        td,
        opts,
        types: HashMap::new(),
        funcs: Vec::new(),
        thunks: HashMap::new(),
        strings: HashMap::new(),
        locs: HashMap::new(),
        glue: Default::default(),
        task_entries: HashMap::new(),
        debug: None,
        tbaa: None,
        enum_structs: Default::default(),
        diags: Vec::new(),
    };
    if opts.debug {
        cg.debug = Some(debug::DebugCx::new(&cg.module, prog));
    }
    cg.declare_all();
    for i in 0..prog.funcs.len() {
        cg.emit_func(FuncId(i as u32));
    }
    cg.emit_entry();
    if let Some(d) = &cg.debug {
        d.finish();
    }
    if !cg.diags.is_empty() {
        return Err(cg.diags);
    }
    if let Err(e) = cg.module.verify() {
        panic!("invalid LLVM IR generated: {}", e.to_string());
    }
    Ok(cg.module)
}

impl<'ctx> Cg<'ctx, '_> {
    /// The parameters of a function as (mode, type) pairs.
    fn param_sig(&self, f: &hir::Func) -> Vec<(PassMode, Ty)> {
        f.params
            .iter()
            .map(|p| (p.mode, f.locals[p.local.0 as usize].ty.clone()))
            .collect()
    }

    fn declare_all(&mut self) {
        for f in &self.prog.funcs {
            let params = self.param_sig(f);
            let env = matches!(f.kind, FuncKind::Closure { .. });
            let fty = self.fn_type(&params, &f.ret, env);
            let fv = self
                .module
                .add_function(&f.symbol, fty, Some(Linkage::Internal));
            self.funcs.push(fv);
        }
    }

    pub fn func_value(&self, id: FuncId) -> FunctionValue<'ctx> {
        self.funcs[id.0 as usize]
    }

    /// `int main(int argc, char **argv)`: hands the user's entry point to the runtime.
    fn emit_entry(&mut self) {
        let i32t = self.ctx.i32_type();
        let user_main = self.func_value(self.prog.main);
        let entry_ty = i32t.fn_type(&[], false);
        let entry = self
            .module
            .add_function("weft.entry", entry_ty, Some(Linkage::Internal));
        let bb = self.ctx.append_basic_block(entry, "entry");
        self.builder.position_at_end(bb);
        if !self.prog.tests.is_empty() {
            self.emit_test_dispatch(entry);
        } else {
            let call = self.builder.call(user_main, &[], "code");
            let code = if self.prog.main_returns_code {
                call.value().into_int_value()
            } else {
                i32t.const_zero()
            };
            self.builder.ret(Some(&code));
        }

        let main_ty = i32t.fn_type(&[i32t.into(), self.ptr_ty().into()], false);
        let main = self
            .module
            .add_function("main", main_ty, Some(Linkage::External));
        let bb = self.ctx.append_basic_block(main, "entry");
        self.builder.position_at_end(bb);
        let start = self.rt("weft_rt_start");
        let argc = param(main, 0);
        let argv = param(main, 1);
        let fptr = entry.as_global_value().as_pointer_value();
        let code = self
            .builder
            .call(start, &[argc.into(), argv.into(), fptr.into()], "code");
        let code = code.value();
        self.builder.ret(Some(&code));
    }

    /// The entry of a `weft test` program: runs test number `atoi(getenv("WEFT_TEST"))`
    /// and returns 0 (a failing test panics instead), or returns 2 when the variable is
    /// missing or names no test.
    fn emit_test_dispatch(&mut self, entry: FunctionValue<'ctx>) {
        let i32t = self.ctx.i32_type();
        let ptr = self.ptr_ty();
        let getenv = self.module.get_function("getenv").unwrap_or_else(|| {
            let ty = ptr.fn_type(&[ptr.into()], false);
            self.module
                .add_function("getenv", ty, Some(Linkage::External))
        });
        let atoi = self.module.get_function("atoi").unwrap_or_else(|| {
            let ty = i32t.fn_type(&[ptr.into()], false);
            self.module
                .add_function("atoi", ty, Some(Linkage::External))
        });
        let name = self.ctx.const_string(b"WEFT_TEST", true);
        let global = self
            .module
            .add_global(name.get_type(), None, "weft.test_var");
        global.set_initializer(&name);
        global.set_constant(true);
        global.set_linkage(Linkage::Private);
        let value = self
            .builder
            .call(getenv, &[global.as_pointer_value().into()], "value")
            .value()
            .into_pointer_value();
        let missing = self.builder.is_null(value, "missing");
        let parse = self.ctx.append_basic_block(entry, "parse");
        let bad = self.ctx.append_basic_block(entry, "no_such_test");
        self.builder.conditional_branch(missing, bad, parse);
        self.builder.position_at_end(parse);
        let index = self
            .builder
            .call(atoi, &[value.into()], "index")
            .value()
            .into_int_value();
        let mut cases = Vec::new();
        for (i, &test) in self.prog.tests.iter().enumerate() {
            let bb = self.ctx.append_basic_block(entry, "test");
            cases.push((i32t.const_int(i as u64, false), bb));
            self.builder.position_at_end(bb);
            let f = self.func_value(test);
            self.builder.call(f, &[], "");
            self.builder.ret(Some(&i32t.const_zero()));
        }
        self.builder.position_at_end(parse);
        self.builder.switch(index, bad, &cases);
        self.builder.position_at_end(bad);
        self.builder.ret(Some(&i32t.const_int(2, false)));
    }
}

#[cfg(test)]
mod tests;
