//! Typed AST → HIR. Starts at the entry point and lowers every function instance it
//! reaches (closures become functions of their own as they are met).

mod autopar;
mod desugar;
mod func;
mod generator;
mod scope;
mod select;

use super::*;
use crate::sema::defs::{CheckedProgram, FnBody};
use crate::sema::tast::{self, FnRef, InstId};
use crate::source::SourceMap;
use std::collections::{HashMap, VecDeque};

/// Lowers a checked program (which must have no errors and an entry point).
pub fn lower(checked: &CheckedProgram, map: &SourceMap) -> Program {
    let main_inst = checked.main.expect("lowering needs an entry point");
    let (mut prog, _) = lower_from(checked, map, &[main_inst]);
    prog.main_returns_code = !checked.instance(main_inst).ret.is_void();
    prog
}

/// Lowers the test functions `tests` (instances of `test fn`s, which take no arguments and
/// return nothing) as the program `weft test` runs: [`Program::tests`] lists them in
/// order and the entry point runs the one the `WEFT_TEST` variable names.
pub fn lower_tests(checked: &CheckedProgram, map: &SourceMap, tests: &[InstId]) -> Program {
    let (mut prog, roots) = lower_from(checked, map, tests);
    prog.tests = roots;
    prog
}

/// Lowers every instance reachable from `roots` (at least one); returns the program, with
/// the first root as its `main`, and the functions of the roots.
fn lower_from(
    checked: &CheckedProgram,
    map: &SourceMap,
    roots: &[InstId],
) -> (Program, Vec<FuncId>) {
    let mut cx = ProgramCx {
        checked,
        funcs: Vec::new(),
        by_inst: HashMap::new(),
        queue: VecDeque::new(),
        autopar: autopar::groups_by_block(checked),
    };
    let roots: Vec<FuncId> = roots.iter().map(|&r| cx.func_for_inst(r)).collect();
    while let Some((inst, id)) = cx.queue.pop_front() {
        let f = func::lower_instance(&mut cx, inst, id);
        cx.funcs[id.0 as usize] = f;
    }
    let prog = Program {
        funcs: cx.funcs,
        main: roots[0],
        main_returns_code: false,
        tests: Vec::new(),
        adts: checked.defs.adts.clone(),
        lang: checked.defs.lang.clone(),
        files: file_infos(map),
    };
    (prog, roots)
}

fn file_infos(map: &SourceMap) -> Vec<FileInfo> {
    (0..map.len())
        .map(|i| {
            let f = map.get(crate::source::FileId(i as u32));
            let path = std::path::Path::new(&f.name);
            let mut line_starts = vec![0u32];
            line_starts.extend(
                f.text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            );
            FileInfo {
                name: f.name.clone(),
                dir: path
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| ".".into()),
                base: path
                    .file_name()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                line_starts,
                text: f.text.clone(),
            }
        })
        .collect()
}

/// Program-wide lowering state: the function table and the instances still to lower.
pub(super) struct ProgramCx<'a> {
    pub checked: &'a CheckedProgram,
    pub funcs: Vec<Func>,
    by_inst: HashMap<InstId, FuncId>,
    queue: VecDeque<(InstId, FuncId)>,
    /// The statement indices of each implicit `par` (automatic parallelization), by
    /// instance and block.
    autopar: HashMap<(InstId, crate::source::Span), Vec<Vec<usize>>>,
}

impl ProgramCx<'_> {
    /// The function for a checked instance (queued for lowering when new).
    pub fn func_for_inst(&mut self, inst: InstId) -> FuncId {
        if let Some(&f) = self.by_inst.get(&inst) {
            return f;
        }
        let id = self.reserve(&self.checked.instance(inst).name.clone());
        self.by_inst.insert(inst, id);
        self.queue.push_back((inst, id));
        id
    }

    /// The call target for a resolved function reference.
    pub fn target(&mut self, r: &FnRef) -> CallTarget {
        let def = self.checked.defs.func(r.fn_id);
        match &def.body {
            FnBody::Intrinsic(op) => CallTarget::Intrinsic {
                op: *op,
                type_args: r.type_args.clone(),
            },
            FnBody::Extern => CallTarget::Extern {
                symbol: def.name.clone(),
            },
            _ => {
                let inst = self
                    .checked
                    .instance_of(r.fn_id, &r.type_args)
                    .expect("the checker created every called instance");
                CallTarget::Func(self.func_for_inst(inst))
            }
        }
    }

    /// Allocates a function slot (filled in later) with a unique symbol.
    pub fn reserve(&mut self, name: &str) -> FuncId {
        let id = FuncId(self.funcs.len() as u32);
        self.funcs.push(Func {
            name: name.to_string(),
            symbol: symbol_for(name, id),
            kind: FuncKind::Plain,
            params: Vec::new(),
            ret: Ty::Void,
            locals: Vec::new(),
            body: Block {
                stmts: Vec::new(),
                value: None,
                span: Span::default(),
            },
            span: Span::default(),
        });
        id
    }

    pub fn const_value(&self, c: crate::sema::defs::ConstId) -> &tast::TExpr {
        self.checked.const_values[c.0 as usize]
            .as_ref()
            .expect("constants are checked before lowering")
    }
}

/// An LLVM symbol for a function: `weft.<name>.<id>` with the name kept readable.
fn symbol_for(name: &str, id: FuncId) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("weft.{clean}.{}", id.0)
}
