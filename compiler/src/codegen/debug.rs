//! DWARF line information (`weft build -g`): one compile unit for the program, a
//! subprogram per function and a location per statement and call, so gdb can break at
//! `app.weft:LINE` and step through Weft source.

use super::func::FnCg;
use super::Cg;
use crate::hir;
use crate::source::Span;
use inkwell::debug_info::{
    AsDIScope, DIFile, DIFlags, DIFlagsConstants, DISubprogram, DWARFEmissionKind,
    DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::{FlagBehavior, Module};
use inkwell::values::FunctionValue;

pub struct DebugCx<'ctx> {
    builder: DebugInfoBuilder<'ctx>,
    files: Vec<DIFile<'ctx>>,
    current: Option<DISubprogram<'ctx>>,
}

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
            DWARFEmissionKind::LineTablesOnly,
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
