//! Lowering of automatic parallelization (docs/reference.md section 7): a group of
//! `let x = f(...)` statements the effect passes chose (`sema/effects/autopar.rs`)
//! becomes
//!
//! ```text
//! let $scope = scope_open(-1, KEEP_SIBLINGS); defer scope_close($scope)
//! let $h1 = scope_spawn($scope, () => f(...))      // each call a child, in place
//! let $h2 = scope_spawn($scope, () => g(...))
//! scope_try_join($scope)                          // every call runs to its end
//! let x = scope_take($h1)                          // results in source order; a failure
//! let y = scope_take($h2)                          // is raised as it was
//! ```
//!
//! so the first failure in source order is the one raised, as it would be sequentially.

use super::func::FnLower;
use super::scope::{call, local, scope_ty};
use super::ProgramCx;
use crate::common::intrinsic::ScopeOp;
use crate::hir::*;
use crate::sema::defs::CheckedProgram;
use crate::sema::tast::{self, Capture, InstId, TClosure};
use crate::sema::tast_walk::{free_locals, Node};
use std::collections::HashMap;

/// The scope flag that keeps the other calls running when one fails.
const KEEP_SIBLINGS: i64 = 1;

/// The groups of the effect passes, by instance and block.
pub(super) fn groups_by_block(
    checked: &CheckedProgram,
) -> HashMap<(InstId, crate::source::Span), Vec<Vec<usize>>> {
    let mut map: HashMap<_, Vec<Vec<usize>>> = HashMap::new();
    for g in &checked.effects.autopar {
        map.entry((g.inst, g.block))
            .or_default()
            .push(g.indices.clone());
    }
    map
}

impl ProgramCx<'_> {
    fn autopar_groups(&self, inst: InstId, block: crate::source::Span) -> Vec<Vec<usize>> {
        self.autopar
            .get(&(inst, block))
            .cloned()
            .unwrap_or_default()
    }
}

impl FnLower<'_, '_> {
    /// The statements of a block, each group of automatic parallelization lowered as one.
    pub(super) fn block_stmts(&mut self, b: &tast::TBlock) -> Vec<Stmt> {
        let groups = self.cx.autopar_groups(self.inst, b.span);
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.stmts.len() {
            match groups.iter().find(|g| g.first() == Some(&i)) {
                Some(g) => {
                    let lets: Vec<&tast::TStmt> = g.iter().map(|&k| &b.stmts[k]).collect();
                    out.extend(self.autopar_group(&lets, b.span));
                    i = g.last().map_or(i + 1, |l| l + 1);
                }
                None => {
                    out.push(self.stmt(&b.stmts[i]));
                    i += 1;
                }
            }
        }
        out
    }

    /// One group (see the module docs).
    fn autopar_group(&mut self, lets: &[&tast::TStmt], span: Span) -> Vec<Stmt> {
        let (s, mut stmts) = self.open_scope_with(None, KEEP_SIBLINGS, span);
        let mut taken = Vec::new();
        for stmt in lets {
            let tast::TStmt::Let { pat, init, .. } = stmt else {
                unreachable!("automatic parallelization groups `let` statements");
            };
            let captures = free_locals(Node::Expr(init))
                .into_iter()
                .map(|local| Capture {
                    local,
                    by_ref: true,
                    span: init.span,
                })
                .collect();
            let clo = TClosure {
                params: Vec::new(),
                ret: init.ty.clone(),
                body: init.clone(),
                captures,
                is_move: false,
            };
            let clo = self.closure_expr(&clo, init.span);
            let handle_ty = self.cx.checked.defs.lang.task_handle_of(init.ty.clone());
            let spawn = call(
                ScopeOp::Spawn,
                vec![init.ty.clone()],
                vec![local(s, scope_ty(), init.span), clo],
                handle_ty.clone(),
                init.span,
            );
            let h = self.new_local("$autopar", handle_ty.clone(), false, init.span);
            stmts.push(self.let_local(h, spawn, init.span));
            taken.push((pat, h, handle_ty, init.ty.clone(), init.span));
        }
        let joined = call(
            ScopeOp::TryJoin,
            Vec::new(),
            vec![local(s, scope_ty(), span)],
            self.cx
                .checked
                .defs
                .lang
                .result_of(Ty::Void, self.cx.checked.defs.lang.task_error_ty()),
            span,
        );
        stmts.push(Stmt::Expr(joined));
        for (pat, h, handle_ty, ty, at) in taken {
            let take = call(
                ScopeOp::Take,
                vec![ty],
                vec![local(h, handle_ty, at)],
                pat.ty.clone(),
                at,
            );
            stmts.push(Stmt::Let {
                pat: self.pattern(pat),
                init: take,
                else_block: None,
            });
        }
        stmts
    }
}
