//! Inference: every instance's effects over the whole call graph, recursion and mutual
//! recursion included, by a fixpoint over the sites of every body (a monotone problem over
//! finite sets: an effect is added at most once per instance, so the loop ends).
//!
//! For each effect an instance gets, the site that first brought it is kept; since that
//! site's callee had the effect before the caller got it, following these sources from
//! any instance ends at a declaration or an operation (the chain E0401 prints).

use super::set::{Atom, EffectSet};
use super::sites::{BodySites, Site, SiteWhat};
use crate::sema::tast::InstId;
use std::collections::HashMap;

/// The result of inference.
pub struct Inferred {
    /// The effects of each body (none for instances without one).
    pub body: Vec<EffectSet>,
    /// What a call of each instance brings: its declared set when it has a `with` clause,
    /// else its body's effects (extern functions: `io, blocks`; intrinsics: nothing).
    pub exported: Vec<EffectSet>,
    /// For each instance and effect of its body, the index of the site that brought it.
    pub source: Vec<HashMap<Atom, usize>>,
}

/// Runs the fixpoint. `declared[i]` is instance `i`'s declared (or default) set, `None`
/// for a body to infer; `bodies[i]` its sites.
pub fn infer(declared: &[Option<EffectSet>], bodies: &[Option<BodySites>]) -> Inferred {
    let n = declared.len();
    let mut out = Inferred {
        body: vec![EffectSet::default(); n],
        exported: declared
            .iter()
            .map(|d| d.clone().unwrap_or_default())
            .collect(),
        source: vec![HashMap::new(); n],
    };
    loop {
        let mut changed = false;
        for i in 0..n {
            let Some(b) = &bodies[i] else {
                continue;
            };
            for (k, site) in b.sites.iter().enumerate() {
                for atom in site_effects(site, &out.exported).atoms() {
                    if out.body[i].insert(atom) {
                        out.source[i].insert(atom, k);
                        if declared[i].is_none() {
                            out.exported[i].insert(atom);
                        }
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return out;
        }
    }
}

/// What `site` brings, given what each instance's calls bring.
pub fn site_effects(site: &Site, exported: &[EffectSet]) -> EffectSet {
    let mut set = match site.what {
        SiteWhat::Call(inst, _) => exported[inst.0 as usize].clone(),
        SiteWhat::Fixed(atom, _) => EffectSet::of(atom),
    };
    if site.off_task {
        set.blocks = false;
    }
    set
}

/// The effects of the sites `range` of a body.
pub fn range_effects(sites: &[Site], exported: &[EffectSet]) -> EffectSet {
    let mut set = EffectSet::default();
    for s in sites {
        set.union_with(&site_effects(s, exported));
    }
    set
}

/// The chain of sites that brought `atom` into instance `from`: each step is the site (in
/// the previous instance's body) and the instance it calls, if any. Ends at a declared
/// function, an intrinsic or an operation.
pub fn chain(
    inferred: &Inferred,
    bodies: &[Option<BodySites>],
    from: InstId,
    atom: Atom,
    declared: &[Option<EffectSet>],
) -> Vec<Site> {
    let mut steps = Vec::new();
    let mut at = from;
    while let (Some(&k), Some(b)) = (
        inferred.source[at.0 as usize].get(&atom),
        &bodies[at.0 as usize],
    ) {
        let site = b.sites[k];
        steps.push(site);
        match site.what {
            SiteWhat::Call(next, _) if declared[next.0 as usize].is_none() => at = next,
            _ => break,
        }
        if steps.len() > bodies.len() {
            break;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn site(at: u32, what: SiteWhat) -> Site {
        Site {
            span: Span {
                file: FileId(0),
                start: at,
                end: at + 1,
            },
            what,
            off_task: false,
        }
    }

    fn call(i: u32) -> SiteWhat {
        SiteWhat::Call(InstId(i), crate::sema::defs::FnId(i))
    }

    fn body(sites: Vec<Site>) -> Option<BodySites> {
        Some(BodySites {
            sites,
            ..Default::default()
        })
    }

    #[test]
    fn mutual_recursion_reaches_a_fixpoint_and_chains_end_at_the_source() {
        // 0 calls 1; 1 calls 2 and 1; 2 calls 1 and sleeps (3 is declared `suspends`).
        let declared = vec![None, None, None, Some(EffectSet::of(Atom::Suspends))];
        let bodies = vec![
            body(vec![site(0, call(1))]),
            body(vec![site(10, call(2)), site(11, call(1))]),
            body(vec![site(20, call(1)), site(21, call(3))]),
            None,
        ];
        let inferred = infer(&declared, &bodies);
        for i in 0..3 {
            assert!(inferred.exported[i].suspends, "instance {i}");
        }
        let steps = chain(&inferred, &bodies, InstId(0), Atom::Suspends, &declared);
        let starts: Vec<u32> = steps.iter().map(|s| s.span.start).collect();
        assert_eq!(
            starts,
            vec![0, 10, 21],
            "0 -> 1 -> 2 -> the declared callee"
        );
    }

    #[test]
    fn blocks_stays_in_bodies_that_run_off_the_tasks() {
        let mut blocks = EffectSet::of(Atom::Blocks);
        blocks.insert(Atom::Io);
        let declared = vec![None, Some(blocks)];
        let mut off = site(0, call(1));
        off.off_task = true;
        let inferred = infer(&declared, &[body(vec![off]), None]);
        assert!(inferred.exported[0].io);
        assert!(!inferred.exported[0].blocks);
    }
}
