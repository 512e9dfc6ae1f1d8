//! The effects of generators. Calling a `gen fn` only makes the generator (nothing of its
//! body runs yet), so the call brings nothing (`sites.rs`); the body runs piecewise in the
//! calls of `next` (and the steps of `for x in g`), which bring its effects. A
//! `Generator<T>` does not record which `gen fn` made it, so each instance of
//! `Generator<T>.next` brings the effects of every `gen fn` instance of the program that
//! yields `T`: its declared set when it has a `with` clause, else its body's.

use super::set::EffectSet;
use super::sites::{BodySites, Site, SiteWhat};
use crate::common::intrinsic::{GenOp, Intrinsic};
use crate::common::ty::Ty;
use crate::sema::defs::{CheckedProgram, FnBody};
use crate::sema::tast::InstId;

/// Gives each instance of `Generator<T>.next` a body of one call per `gen fn` instance
/// yielding `T` (at the `gen fn`'s declaration), to be inferred like any body.
pub fn charge_to_next(
    program: &CheckedProgram,
    declared: &mut [Option<EffectSet>],
    bodies: &mut [Option<BodySites>],
) {
    let makers: Vec<(Ty, Site)> = program
        .instances
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| {
            let f = program.defs.func(inst.fn_id);
            f.flags.is_gen.then(|| {
                let site = Site {
                    span: f.span,
                    what: SiteWhat::Call(InstId(i as u32), inst.fn_id),
                    off_task: false,
                };
                (f.ret.subst(&inst.type_args), site)
            })
        })
        .collect();
    for (i, inst) in program.instances.iter().enumerate() {
        let f = program.defs.func(inst.fn_id);
        if !matches!(f.body, FnBody::Intrinsic(Intrinsic::Gen(GenOp::Next))) {
            continue;
        }
        let Some(elem) = inst.type_args.first() else {
            continue;
        };
        let sites = makers
            .iter()
            .filter(|(t, _)| t == elem)
            .map(|(_, s)| *s)
            .collect();
        declared[i] = None;
        bodies[i] = Some(BodySites {
            sites,
            ..Default::default()
        });
    }
}
