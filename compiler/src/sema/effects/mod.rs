//! Effects (docs/reference.md section 7): what each function may do — `io`, `suspends`,
//! `blocks`, `reads(R)`, `writes(R)` — inferred over the whole program and checked where
//! declared.
//!
//! Stages, after type checking: [`sites`] walks every instance's body once for the places
//! that bring effects; [`infer`] runs the fixpoint over the call graph; [`report`] checks
//! `with` clauses (E0401), `par` branches (E0402) and blocking calls in green tasks
//! (W0403); [`autopar`] finds the runs of `let` statements that run as an implicit `par`.
//! The std library declares the effects at their sources (`with suspends` on
//! `Channel.recv`, `with io` on `readFile`); an `extern fn` without a clause is
//! `io, blocks`; printing is `io`; waiting for a scope's children or a `blocking { }`
//! body suspends, and so does a `select` without `default`. A generator's body runs in
//! its `next` calls, which bring its effects ([`generators`]).

pub mod autopar;
pub mod explain;
mod generators;
mod infer;
mod report;
pub mod set;
mod sites;

use crate::diagnostics::Diagnostics;
use crate::sema::defs::{CheckedProgram, FnBody, FnDef, TypeDef};
use crate::source::{SourceMap, Span};
use set::{Atom, EffectSet, ResourceId};
use std::collections::HashMap;

/// What the effect passes found, kept with the checked program.
#[derive(Default, Debug)]
pub struct EffectTable {
    /// Resource names, by [`ResourceId`].
    pub resources: Vec<String>,
    /// What a call of each instance brings (declared or inferred).
    pub of_instance: Vec<EffectSet>,
    /// The groups of `let` statements that run as an implicit `par` (empty when automatic
    /// parallelization is off).
    pub autopar: Vec<autopar::Group>,
    /// Why other runs of `let` statements do not (for `--explain-par`).
    pub near_misses: Vec<autopar::NearMiss>,
}

/// Options of the effect passes.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Automatic parallelization (`--no-auto-par` turns it off).
    pub auto_par: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { auto_par: true }
    }
}

/// Runs the effect passes over a checked program (which has no errors).
pub fn analyze(
    program: &CheckedProgram,
    map: &SourceMap,
    diags: &mut Diagnostics,
    opts: Options,
) -> EffectTable {
    let mut resources = Resources::default();
    let mut declared: Vec<Option<EffectSet>> = program
        .instances
        .iter()
        .map(|inst| declared_set(program.defs.func(inst.fn_id), program, &mut resources))
        .collect();
    let mut bodies: Vec<Option<sites::BodySites>> = program
        .instances
        .iter()
        .map(|inst| inst.body.as_ref().map(|b| sites::collect(program, b)))
        .collect();
    generators::charge_to_next(program, &mut declared, &mut bodies);
    let inferred = infer::infer(&declared, &bodies);
    let cx = report::Cx {
        program,
        map,
        resources: &resources.names,
        declared: &declared,
        bodies: &bodies,
        inferred: &inferred,
    };
    cx.report(diags);
    let (groups, near_misses) = autopar::find(&cx);
    EffectTable {
        autopar: if opts.auto_par { groups } else { Vec::new() },
        near_misses,
        resources: resources.names,
        of_instance: inferred.exported,
    }
}

/// Resources by their declaration, numbered in the order first seen.
#[derive(Default)]
struct Resources {
    ids: HashMap<Span, ResourceId>,
    names: Vec<String>,
}

impl Resources {
    fn id(&mut self, decl: Span, name: &str) -> ResourceId {
        *self.ids.entry(decl).or_insert_with(|| {
            self.names.push(name.to_string());
            ResourceId(self.names.len() as u32 - 1)
        })
    }
}

/// The effects a call of `f` brings without looking at its body: its `with` clause, or
/// `io, blocks` for an extern function, or nothing for an intrinsic; None for a body to
/// infer.
fn declared_set(
    f: &FnDef,
    program: &CheckedProgram,
    resources: &mut Resources,
) -> Option<EffectSet> {
    let Some(clause) = &f.effects else {
        return match f.body {
            FnBody::Extern => {
                let mut s = EffectSet::of(Atom::Io);
                s.insert(Atom::Blocks);
                Some(s)
            }
            FnBody::Intrinsic(_) | FnBody::Missing => Some(EffectSet::default()),
            FnBody::Ast { .. } | FnBody::Script => None,
        };
    };
    let mut set = EffectSet::default();
    for e in &clause.effects {
        let atom = match (e.name.name.as_str(), &e.resource) {
            ("io", None) => Atom::Io,
            ("suspends", None) => Atom::Suspends,
            ("blocks", None) => Atom::Blocks,
            ("reads" | "writes", Some(r)) => {
                // The checker reported resources that do not resolve.
                let Some(TypeDef::Resource(decl)) = program.defs.lookup_type(f.module, &r.name)
                else {
                    continue;
                };
                let id = resources.id(decl, &r.name);
                if e.name.name == "reads" {
                    Atom::Reads(id)
                } else {
                    Atom::Writes(id)
                }
            }
            _ => continue,
        };
        set.insert(atom);
    }
    Some(set)
}
