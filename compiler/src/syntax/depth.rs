//! The nesting limit: a syntax tree deeper than [`MAX_DEPTH`] is E0010.
//!
//! Every later stage (name resolution, the checker, HIR lowering, code generation, LLVM)
//! recurses over the tree, so its depth decides how much stack a compilation needs. The
//! compiler runs on a thread whose stack covers every tree up to the limit
//! ([`crate::driver::COMPILER_STACK`]); past it, the file gets this diagnostic instead of a
//! crash. The depth counts expressions, patterns and types: each operand of an operator
//! chain (`1 + 1 + ...`, a left-leaning tree), each call of a method chain, each `else if`,
//! each nested block or closure is one level. Statements and blocks do not count on their
//! own (a block is one level as an expression).
//!
//! The walk stops descending at the limit, so it recurses at most [`MAX_DEPTH`] levels
//! itself, whatever the input; the parser before it grows its stack on demand (chumsky's
//! `recursive`) and folds operator and postfix chains in loops.

use crate::diagnostics::{Diagnostic, Diagnostics, E0010};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::visit::mutable::*;

/// The deepest nesting of expressions, patterns and types a file may have.
pub const MAX_DEPTH: usize = 10_000;

/// Reports E0010 at the first node (in source order) that lies deeper than [`MAX_DEPTH`],
/// and replaces every such node with an error node (which later stages skip quietly).
pub fn check_depth(module: &mut Module, diags: &mut Diagnostics) {
    let mut walk = Walk {
        too_deep: None,
        d: 0,
    };
    walk_module(&mut walk, module);
    if let Some(span) = walk.too_deep {
        diags.push(
            Diagnostic::error(
                E0010,
                span,
                format!("this expression nests more than {MAX_DEPTH} levels deep"),
            )
            .with_primary_label("nested too deeply")
            .with_help("split it up: give intermediate results names with `let`"),
        );
    }
}

/// The walk: `d` is the number of expressions, patterns and types around a node.
struct Walk {
    /// The first node found past the limit.
    too_deep: Option<Span>,
    d: usize,
}

/// Replaces a subtree past the limit with an error node, so that no later stage recurses
/// into it. The subtree is not dropped: dropping recurses as deep as the subtree goes.
fn cut<T>(node: &mut T, error: T) {
    std::mem::forget(std::mem::replace(node, error));
}

impl Walk {
    /// Is a node within the limit? Past it, the node's `kind` becomes `error` and the
    /// first such node is recorded.
    fn within<K>(&mut self, span: Span, kind: &mut K, error: K) -> bool {
        if self.d < MAX_DEPTH {
            return true;
        }
        // The start of the node: its whole span may be most of a very long line.
        self.too_deep.get_or_insert(span.start_point());
        cut(kind, error);
        false
    }
}

impl Visit for Walk {
    fn expr(&mut self, e: &mut Expr) {
        if self.within(e.span, &mut e.kind, ExprKind::Error) {
            self.d += 1;
            walk_expr(self, e);
            self.d -= 1;
        }
    }

    fn pat(&mut self, p: &mut Pattern) {
        if self.within(p.span, &mut p.kind, PatternKind::Error) {
            self.d += 1;
            walk_pat(self, p);
            self.d -= 1;
        }
    }

    fn ty(&mut self, t: &mut Type) {
        if self.within(t.span, &mut t.kind, TypeKind::Error) {
            self.d += 1;
            walk_ty(self, t);
            self.d -= 1;
        }
    }
}
