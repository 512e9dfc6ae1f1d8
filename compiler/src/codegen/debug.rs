//! DWARF debug information (`weft build -g`): one compile unit for the program, a
//! subprogram per function, a location per statement and call, so gdb can break at
//! `app.weft:LINE` and step through Weft source, and a variable per parameter, local and
//! closure capture (so also in the body of a green task), typed by [`super::debug_types`].

use super::func::{FnCg, Slot};
use super::Cg;
use crate::common::ty::Ty;
use crate::hir::{self, LocalId};
use crate::source::Span;
use inkwell::debug_info::{
    AsDIScope, DIFile, DIFlags, DIFlagsConstants, DISubprogram, DIType, DWARFEmissionKind,
    DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::{FlagBehavior, Module};
use inkwell::values::AsValueRef;
use inkwell::values::FunctionValue;
use std::collections::{HashMap, HashSet};

pub struct DebugCx<'ctx> {
    pub(super) builder: DebugInfoBuilder<'ctx>,
    pub(super) files: Vec<DIFile<'ctx>>,
    current: Option<DISubprogram<'ctx>>,
    /// The DWARF type of each Weft type described so far.
    pub(super) types: HashMap<Ty, DIType<'ctx>>,
    /// The types being described (a type met again inside itself is an address).
    pub(super) building: HashSet<Ty>,
}

/// DWARF expression operations (DW_OP_*).
const OP_DEREF: i64 = 0x06;
const OP_PLUS_UCONST: i64 = 0x23;
const OP_STACK_VALUE: i64 = 0x9f;

impl<'ctx> DebugCx<'ctx> {
    pub fn new(module: &Module<'ctx>, prog: &hir::Program) -> Self {
        let ctx = module.get_context();
        let i32t = ctx.i32_type();
        module.add_basic_value_flag(
            "Debug Info Version",
            FlagBehavior::Warning,
            i32t.const_int(3, false),
        );
        module.add_basic_value_flag(
            "Dwarf Version",
            FlagBehavior::Warning,
            i32t.const_int(4, false),
        );
        let root = prog.files.get(prog.func(prog.main).span.file.0 as usize);
        let (name, dir) = root
            .map(|f| (f.base.as_str(), f.dir.as_str()))
            .unwrap_or(("main.weft", "."));
        let (builder, cu) = module.create_debug_info_builder(
            true,
            DWARFSourceLanguage::C,
            name,
            dir,
            "weft",
            false,
            "",
            0,
            "",
            DWARFEmissionKind::Full,
            0,
            false,
            false,
            "",
            "",
        );
        let _ = cu;
        let files = prog
            .files
            .iter()
            .map(|f| builder.create_file(&f.base, &f.dir))
            .collect();
        DebugCx {
            builder,
            files,
            current: None,
            types: HashMap::new(),
            building: HashSet::new(),
        }
    }

    pub fn finish(&self) {
        self.builder.finalize();
    }
}

impl<'ctx> Cg<'ctx, '_> {
    /// Starts the subprogram of function `f`.
    pub fn debug_enter(&mut self, func: FunctionValue<'ctx>, f: &hir::Func) {
        let (line, _) = self.line_col(f.span);
        let Some(d) = self.debug.as_mut() else { return };
        let Some(&file) = d.files.get(f.span.file.0 as usize) else {
            return;
        };
        let sty = d
            .builder
            .create_subroutine_type(file, None, &[], DIFlags::PUBLIC);
        let sp = d.builder.create_function(
            file.as_debug_info_scope(),
            &f.name,
            Some(&f.symbol),
            file,
            line,
            sty,
            true,
            true,
            line,
            DIFlags::PUBLIC,
            false,
        );
        func.set_subprogram(sp);
        d.current = Some(sp);
        let loc =
            d.builder
                .create_debug_location(self.ctx, line, 1, sp.as_debug_info_scope(), None);
        self.builder.set_current_debug_location(loc);
    }

    fn line_col(&self, span: Span) -> (u32, u32) {
        let (_, l, c) = self.prog.location(span);
        (l.max(1), c.max(1))
    }
}

impl FnCg<'_, '_, '_> {
    /// Attaches `span`'s line to the instructions that follow.
    pub fn debug_loc(&mut self, span: Span) {
        if self.cg.debug.is_none() || span == Span::default() {
            return;
        }
        let (line, col) = self.cg.line_col(span);
        let ctx = self.cg.ctx;
        let Some(d) = self.cg.debug.as_ref() else {
            return;
        };
        let Some(sp) = d.current else { return };
        let loc = d
            .builder
            .create_debug_location(ctx, line, col, sp.as_debug_info_scope(), None);
        self.cg.builder.set_current_debug_location(loc);
    }
}

impl<'ctx> FnCg<'_, 'ctx, '_> {
    /// Describes local `l`, which lives in `slot`, to the debugger: a parameter when `arg`
    /// is its position (from 1). Desugaring temporaries (`$` names) and values without a
    /// type (`void`) are left out. A string local is shown as its bytes (`char *`).
    pub fn debug_declare(&mut self, l: LocalId, slot: Slot<'ctx>, arg: Option<u32>) {
        if self.cg.debug.is_none() {
            return;
        }
        let decl = &self.f.locals[l.0 as usize];
        if decl.name.is_empty() || decl.name.starts_with('$') {
            return;
        }
        let Some(ty) = self.cg.di_local_type(&decl.ty) else {
            return;
        };
        let (line, col) = self.cg.line_col(decl.span);
        let ctx = self.cg.ctx;
        let Some(d) = self.cg.debug.as_ref() else {
            return;
        };
        let (Some(sp), Some(&file)) = (d.current, d.files.get(decl.span.file.0 as usize)) else {
            return;
        };
        let scope = sp.as_debug_info_scope();
        let var = match arg {
            Some(n) => d.builder.create_parameter_variable(
                scope,
                &decl.name,
                n,
                file,
                line,
                ty,
                true,
                DIFlags::ZERO,
            ),
            None => d.builder.create_auto_variable(
                scope,
                &decl.name,
                file,
                line,
                ty,
                true,
                DIFlags::ZERO,
                0,
            ),
        };
        let (storage, mut ops) = match slot {
            Slot::Direct(p) => (p, Vec::new()),
            Slot::Indirect(p) => (p, vec![OP_DEREF]),
        };
        if decl.ty == Ty::Str {
            ops.extend([
                OP_DEREF,
                OP_PLUS_UCONST,
                super::debug_types::STRING_BYTES_OFFSET,
                OP_STACK_VALUE,
            ]);
        }
        let expr = d.builder.create_expression(ops);
        let loc = d.builder.create_debug_location(ctx, line, col, scope, None);
        // The declaration follows the slot's `alloca` (in the entry block). LLVM 19 makes
        // it a debug record, which inkwell's wrappers would take for an instruction.
        let Some(next) = storage
            .as_instruction()
            .and_then(|i| i.get_next_instruction())
        else {
            return;
        };
        // SAFETY: every handle is live and belongs to this module's context and builder.
        unsafe {
            llvm_sys::debuginfo::LLVMDIBuilderInsertDeclareRecordBefore(
                d.builder.as_mut_ptr(),
                storage.as_value_ref(),
                var.as_mut_ptr(),
                expr.as_mut_ptr(),
                loc.as_mut_ptr(),
                next.as_value_ref(),
            );
        }
    }
}
