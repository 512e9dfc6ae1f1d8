//! The effect diagnostics: E0401 (a body exceeds its `with` clause), E0402 (`par`
//! branches conflict on a resource), W0403 (a blocking call on a green task).

use super::infer::{chain, range_effects, site_effects, Inferred};
use super::set::{Atom, EffectSet, ShowAtom, ShowSet};
use super::sites::{BodySites, Site, SiteWhat};
use crate::diagnostics::{self as diag, Diagnostic, Diagnostics};
use crate::sema::defs::{CheckedProgram, FnBody, FnId};
use crate::sema::tast::InstId;
use crate::source::{SourceMap, Span};
use std::collections::HashSet;

/// What the passes after inference read.
pub struct Cx<'a> {
    pub program: &'a CheckedProgram,
    pub map: &'a SourceMap,
    pub resources: &'a [String],
    pub declared: &'a [Option<EffectSet>],
    pub bodies: &'a [Option<BodySites>],
    pub inferred: &'a Inferred,
}

impl Cx<'_> {
    pub fn report(&self, diags: &mut Diagnostics) {
        let mut seen = HashSet::new();
        for i in 0..self.program.instances.len() {
            let inst = InstId(i as u32);
            self.undeclared(inst, &mut seen, diags);
            self.par_conflicts(inst, &mut seen, diags);
            self.blocking_calls(inst, &mut seen, diags);
        }
    }

    pub fn show(&self, atom: Atom) -> String {
        ShowAtom(atom, self.resources).to_string()
    }

    pub fn show_set(&self, set: &EffectSet) -> String {
        ShowSet(set, self.resources).to_string()
    }

    pub fn line(&self, span: Span) -> usize {
        self.map.get(span.file).line_col(span.start).0
    }

    pub fn name(&self, f: FnId) -> &str {
        &self.program.defs.func(f).display
    }

    /// What a site of a body brings.
    pub fn site_effects(&self, site: &Site) -> EffectSet {
        site_effects(site, &self.inferred.exported)
    }

    /// The effects of a range of a body's sites.
    pub fn range_effects(&self, body: &BodySites, range: std::ops::Range<usize>) -> EffectSet {
        range_effects(&body.sites[range], &self.inferred.exported)
    }

    /// E0401: the effects of a body with a `with` clause that the clause does not cover.
    fn undeclared(
        &self,
        inst: InstId,
        seen: &mut HashSet<(u8, Span, String)>,
        diags: &mut Diagnostics,
    ) {
        let i = inst.0 as usize;
        let (Some(declared), Some(body)) = (&self.declared[i], &self.bodies[i]) else {
            return;
        };
        let f = self.program.instance(inst).fn_id;
        let def = self.program.defs.func(f);
        let Some(clause) = &def.effects else {
            return;
        };
        for atom in self.inferred.body[i].atoms() {
            if declared.covers(atom) || !seen.insert((1, def.span, self.show(atom))) {
                continue;
            }
            let k = self.inferred.source[i][&atom];
            let site = body.sites[k];
            let shown = self.show(atom);
            let d = Diagnostic::error(
                diag::E0401,
                site.span,
                format!(
                    "`{}` is declared `with {}`, but this brings `{shown}`",
                    def.display,
                    self.show_set(declared)
                ),
            )
            .with_primary_label(format!("this brings `{shown}`"))
            .with_label(
                clause.span,
                format!("declared `with {}`", self.show_set(declared)),
            )
            .with_note(format!("{} -> {}", def.display, self.chain_text(inst, atom)))
            .with_help(format!(
                "add `{shown}` to the `with` clause, or remove the clause to have the effects inferred"
            ));
            diags.push(d);
        }
    }

    /// `helper (line 13) -> pause (line 9) -> sleepMs: suspends`.
    fn chain_text(&self, inst: InstId, atom: Atom) -> String {
        let steps = chain(self.inferred, self.bodies, inst, atom, self.declared);
        let mut parts = Vec::new();
        for s in &steps {
            let what = match s.what {
                SiteWhat::Call(_, f) => self.name(f).to_string(),
                SiteWhat::Fixed(_, text) => text.to_string(),
            };
            parts.push(format!("{what} (line {})", self.line(s.span)));
        }
        format!("{}: {}", parts.join(" -> "), self.show(atom))
    }

    /// E0402: `par` branches that conflict on a resource; a `par for` whose body writes one.
    fn par_conflicts(
        &self,
        inst: InstId,
        seen: &mut HashSet<(u8, Span, String)>,
        diags: &mut Diagnostics,
    ) {
        let Some(body) = &self.bodies[inst.0 as usize] else {
            return;
        };
        for par in &body.pars {
            let sets: Vec<(Span, EffectSet)> = par
                .branches
                .iter()
                .map(|(span, r)| (*span, self.range_effects(body, r.clone())))
                .collect();
            if par.is_for {
                let (_, set) = &sets[0];
                if let Some(&r) = set.writes.iter().next() {
                    // At the site in the body that brings the write.
                    let range = par.branches[0].1.clone();
                    let span = body.sites[range]
                        .iter()
                        .find(|s| self.site_effects(s).writes.contains(&r))
                        .map_or(par.branches[0].0, |s| s.span);
                    if seen.insert((2, span, String::new())) {
                        let w = self.show(Atom::Writes(r));
                        diags.push(
                            Diagnostic::error(
                                diag::E0402,
                                span,
                                format!(
                                    "`par for` iterations run concurrently, and each one may `{w}`"
                                ),
                            )
                            .with_primary_label(format!("every iteration may `{w}`"))
                            .with_help(
                                "run the loop with `for`, or make the writes go through one task",
                            ),
                        );
                    }
                }
                continue;
            }
            for (j, (later, lset)) in sets.iter().enumerate() {
                let earlier = sets[..j]
                    .iter()
                    .find_map(|(span, set)| set.conflict(lset).map(|c| (*span, c)));
                let Some((espan, (mine, theirs))) = earlier else {
                    continue;
                };
                if !seen.insert((2, *later, String::new())) {
                    continue;
                }
                diags.push(
                    Diagnostic::error(
                        diag::E0402,
                        *later,
                        format!(
                            "`par` branches conflict: this branch may `{}`, and an earlier one may `{}`",
                            self.show(theirs),
                            self.show(mine)
                        ),
                    )
                    .with_primary_label(format!("may `{}`", self.show(theirs)))
                    .with_label(espan, format!("may `{}`", self.show(mine)))
                    .with_help("run them one after the other, or split the resource"),
                );
            }
        }
    }

    /// W0403: calls of functions declared to block (extern functions, `with blocks`) in
    /// code that runs on a green task, unless the enclosing function declares `blocks`
    /// itself (its callers are warned instead).
    fn blocking_calls(
        &self,
        inst: InstId,
        seen: &mut HashSet<(u8, Span, String)>,
        diags: &mut Diagnostics,
    ) {
        let i = inst.0 as usize;
        let Some(body) = &self.bodies[i] else {
            return;
        };
        if self.declared[i].as_ref().is_some_and(|d| d.blocks) {
            return;
        }
        for site in &body.sites {
            let SiteWhat::Call(callee, f) = site.what else {
                continue;
            };
            let declared_blocks = self.declared[callee.0 as usize]
                .as_ref()
                .is_some_and(|d| d.blocks);
            if site.off_task || !declared_blocks || !seen.insert((3, site.span, String::new())) {
                continue;
            }
            let why = if matches!(self.program.defs.func(f).body, FnBody::Extern) {
                "an `extern fn` without a `with` clause may block its thread"
            } else {
                "it is declared `with blocks`"
            };
            diags.push(
                Diagnostic::warning(
                    diag::W0403,
                    site.span,
                    format!(
                        "`{}` blocks a scheduler thread; wrap it in `blocking {{ }}`",
                        self.name(f)
                    ),
                )
                .with_primary_label("this blocks a scheduler thread")
                .with_note(why)
                .with_help("`blocking { ... }` runs it on the blocking pool while the task waits; a C function that cannot block can be declared `with pure`"),
            );
        }
    }
}
