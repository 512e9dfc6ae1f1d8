//! Type checking: bidirectional with local inference, generics checked per instantiation.
//!
//! Every non-generic function (and the script body) is checked once. A call to a generic
//! function requests an instance for its (now concrete) type arguments; instances are
//! checked from a worklist, so generic bodies are checked with real types as C++ templates
//! are (docs/reference.md section 3.8: no trait bounds). A generic function nobody instantiates is
//! still checked once in a lenient mode where its type parameters are opaque, so unknown
//! names and the like are reported.
//!
//! Submodules: [`fncx`] (scopes, locals, inference variables, coercion), [`expr`], [`call`]
//! (calls, methods, arguments), [`blame`] (generic mismatches blamed on annotations),
//! [`ops`] (operators and casts), [`stmt`], [`pattern`], [`closure`] (captures, escapes,
//! Send), [`exhaustive`] (match coverage), [`select`], [`generator`] (`gen fn` and
//! `yield`), [`zonk`] (finishing a function: resolving variables, literal ranges,
//! instance requests).

mod blame;
mod call;
mod closure;
mod exhaustive;
mod expr;
mod fncx;
mod generator;
mod ops;
mod par;
mod pattern;
mod select;
mod stmt;
#[cfg(test)]
mod tests;
mod zonk;

use super::defs::{CheckedProgram, Defs, FnBody, FnId, ModuleId};
use super::tast::{FnRef, InstId, Instance, TExpr};
use crate::common::ty::Ty;
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::source::Span;
use fncx::FnCx;
use std::collections::{HashMap, VecDeque};

/// How deep generic instantiation may nest (`f<T>` calling `f<Vec<T>>` ...).
const MAX_INSTANCE_DEPTH: u32 = 48;

/// The deepest type an expression may have (E0228): every expression keeps its own type,
/// so nesting expressions that each add a level (`Some(Some(...))`, closures returning
/// closures, `[[[...]]]`) would otherwise take memory and time quadratic in the nesting.
pub const MAX_TYPE_DEPTH: usize = 256;

/// The checked-instance table and its worklist.
#[derive(Default)]
pub struct Instances {
    pub list: Vec<Option<Instance>>,
    pub map: HashMap<(FnId, Vec<Ty>), InstId>,
    keys: Vec<FnRef>,
    /// Where each instance was first requested, and how deeply nested it is.
    origins: Vec<(Option<Span>, u32)>,
    queue: VecDeque<InstId>,
}

impl Instances {
    /// The instance for `r`, queued for checking when new.
    pub fn request(&mut self, r: &FnRef, at: Option<Span>, depth: u32) -> InstId {
        if let Some(&id) = self.map.get(&(r.fn_id, r.type_args.clone())) {
            return id;
        }
        let id = InstId(self.list.len() as u32);
        self.list.push(None);
        self.keys.push(r.clone());
        self.origins.push((at, depth));
        self.map.insert((r.fn_id, r.type_args.clone()), id);
        self.queue.push_back(id);
        id
    }
}

/// State shared by every function being checked.
pub struct GlobalCx<'a> {
    pub defs: &'a Defs,
    pub diags: &'a mut Diagnostics,
    pub insts: Instances,
    pub const_values: Vec<Option<TExpr>>,
    /// Constants currently being checked (cycle detection).
    const_in_progress: Vec<bool>,
}

/// Checks every function of the program and returns it with its instances.
pub fn check_program(defs: Defs, main: Option<FnId>, diags: &mut Diagnostics) -> CheckedProgram {
    let const_count = defs.consts.len();
    let (instances, instance_map, const_values, main_inst) = {
        let mut g = GlobalCx {
            defs: &defs,
            diags,
            insts: Instances::default(),
            const_values: vec![None; const_count],
            const_in_progress: vec![false; const_count],
        };
        for c in 0..const_count {
            g.check_const(super::defs::ConstId(c as u32));
        }
        let main_inst = main.map(|f| {
            g.insts.request(
                &FnRef {
                    fn_id: f,
                    type_args: Vec::new(),
                },
                None,
                0,
            )
        });
        g.request_non_generic();
        g.run_worklist();
        g.check_uninstantiated_generics();
        let list = g.insts.list.into_iter().flatten().collect::<Vec<_>>();
        (list, g.insts.map, g.const_values, main_inst)
    };
    CheckedProgram {
        defs,
        instances,
        instance_map,
        const_values,
        main: main_inst,
        effects: Default::default(),
    }
}

impl GlobalCx<'_> {
    /// Queues every non-generic function with a body.
    fn request_non_generic(&mut self) {
        for (i, f) in self.defs.fns.iter().enumerate() {
            if f.is_generic() || matches!(f.body, FnBody::Script) {
                continue;
            }
            let r = FnRef {
                fn_id: FnId(i as u32),
                type_args: Vec::new(),
            };
            self.insts.request(&r, None, 0);
        }
    }

    fn run_worklist(&mut self) {
        while let Some(id) = self.insts.queue.pop_front() {
            let r = self.insts.keys[id.0 as usize].clone();
            let (origin, depth) = self.insts.origins[id.0 as usize];
            if depth > MAX_INSTANCE_DEPTH {
                if let Some(span) = origin {
                    self.diags.push(Diagnostic::error(
                        diag::E0227,
                        span,
                        format!(
                            "generic instantiation of `{}` nests more than {MAX_INSTANCE_DEPTH} levels deep",
                            self.defs.func(r.fn_id).display
                        ),
                    ));
                }
                continue;
            }
            let inst = self.check_instance(&r, origin, depth);
            self.insts.list[id.0 as usize] = Some(inst);
        }
    }

    /// Checks one instance. Errors inside a std generic body are reported once at the
    /// place that instantiated it (the user cannot fix std code).
    fn check_instance(&mut self, r: &FnRef, origin: Option<Span>, depth: u32) -> Instance {
        let f = self.defs.func(r.fn_id);
        let redirect = self.defs.module(f.module).is_std && !r.type_args.is_empty();
        if !redirect {
            return FnCx::check_fn(self, r, false, depth);
        }
        let mut inner = Diagnostics::new();
        std::mem::swap(self.diags, &mut inner);
        let inst = FnCx::check_fn(self, r, false, depth);
        std::mem::swap(self.diags, &mut inner);
        if let (Some(first), Some(span)) = (inner.iter().find(|d| d.is_error()), origin) {
            let name = inst.name.clone();
            self.diags.push(
                Diagnostic::error(
                    first.code,
                    span,
                    format!(
                        "`{name}` cannot be used with these types: {}",
                        first.message
                    ),
                )
                .with_label(
                    first.primary,
                    "required by this part of the standard library",
                ),
            );
        }
        inst
    }

    /// Checks generic user functions that no code instantiated, with opaque parameters.
    fn check_uninstantiated_generics(&mut self) {
        let instantiated: std::collections::HashSet<FnId> =
            self.insts.map.keys().map(|(f, _)| *f).collect();
        for (i, f) in self.defs.fns.iter().enumerate() {
            let id = FnId(i as u32);
            if !f.is_generic()
                || instantiated.contains(&id)
                || self.defs.module(f.module).is_std
                || !matches!(f.body, FnBody::Ast { .. })
            {
                continue;
            }
            let args = f
                .generics
                .iter()
                .enumerate()
                .map(|(i, g)| Ty::Param(i as u32, g.name.clone()))
                .collect();
            let r = FnRef {
                fn_id: id,
                type_args: args,
            };
            FnCx::check_fn(self, &r, true, 0);
        }
    }

    /// Checks a module-level constant's initializer (once).
    pub fn check_const(&mut self, c: super::defs::ConstId) -> Ty {
        let idx = c.0 as usize;
        if let Some(v) = &self.const_values[idx] {
            return v.ty.clone();
        }
        if self.const_in_progress[idx] {
            let cdef = &self.defs.consts[idx];
            self.diags.push(Diagnostic::error(
                diag::E0222,
                cdef.span,
                format!("constant `{}` is defined in terms of itself", cdef.name),
            ));
            return Ty::Error;
        }
        self.const_in_progress[idx] = true;
        let value = FnCx::check_const_init(self, c);
        self.const_in_progress[idx] = false;
        let ty = value.ty.clone();
        self.const_values[idx] = Some(value);
        ty
    }

    /// The module a function's body is resolved in.
    pub fn fn_module(&self, f: FnId) -> ModuleId {
        self.defs.func(f).module
    }
}
