//! Generators (docs/reference.md 6.11): `gen fn name(params): T { ... yield e ... }`.
//!
//! A call returns `Generator<T>` (`check/call.rs`); the body is checked as a function
//! returning nothing, in which `yield e` takes an `e` of type `T`. The generator outlives
//! the call that made it and may be sent to another task, so its parameters — what it
//! captures — must be values it can keep: no `&mut` parameter or `mut self`, closures only
//! through `move` parameters, and every parameter Send (E0301). `yield` suspends the body
//! of the `gen fn` itself: not a closure, `par` branch or `blocking` block inside it, not
//! a `defer` (which runs while the body is leaving), and not a `concurrent` block (whose
//! children belong to the task running the block).

use super::fncx::FnCx;
use crate::common::ty::{PassMode, Ty};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::FnDef;
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast;

impl FnCx<'_, '_> {
    /// The rules of a `gen fn`'s signature (E0312, E0301), for the instance with
    /// `type_args`.
    pub fn check_gen_signature(&mut self, f: &FnDef, type_args: &[Ty]) {
        if f.flags.is_async {
            self.push(
                Diagnostic::error(
                    diag::E0312,
                    f.sig_span,
                    "a function cannot be both `async` and `gen`",
                )
                .with_help(
                    "return a `Generator` from a plain `gen fn`, and run it in a task where needed",
                ),
            );
        }
        if f.ret.is_void() {
            self.push(
                Diagnostic::error(
                    diag::E0312,
                    f.sig_span,
                    format!(
                        "generator function `{}` does not declare the type it yields",
                        f.name
                    ),
                )
                .with_help("declare it after the parameters: `gen fn count(n: i64): i64 { ... }`"),
            );
        }
        if f.receiver == Some(true) {
            self.push(
                Diagnostic::error(
                    diag::E0312,
                    f.sig_span,
                    "a `gen fn` cannot take `mut self`: the generator outlives the call",
                )
                .with_help("take `self` (the generator keeps its own copy)"),
            );
        }
        if let (Some(_), Some(self_ty)) = (f.receiver, &f.self_ty) {
            let t = self_ty.subst(type_args);
            self.require_state_send("self", &t, f.sig_span);
        }
        for p in &f.params {
            let t = p.ty.subst(type_args);
            if p.mode == PassMode::RefMut {
                self.push(
                    Diagnostic::error(
                        diag::E0312,
                        p.span,
                        format!(
                            "`{}` is a `&mut` parameter, but a generator outlives the call that made it",
                            p.name
                        ),
                    )
                    .with_help("take the value, and yield what the caller needs"),
                );
            } else if matches!(t, Ty::Fn(_)) && !p.is_move {
                self.push(
                    Diagnostic::error(
                        diag::E0312,
                        p.span,
                        format!(
                            "closure parameter `{}` of a `gen fn` must be `move`: the generator keeps it",
                            p.name
                        ),
                    )
                    .with_help(format!("declare it `move {}: ...`", p.name)),
                );
            }
            self.require_state_send(&p.name, &t, p.span);
        }
    }

    /// E0301 when a parameter of a `gen fn` is not Send.
    fn require_state_send(&mut self, name: &str, t: &Ty, span: Span) {
        if let Some(why) = self.why_not_send(t) {
            let shown = self.show(t);
            self.push(
                Diagnostic::error(
                    diag::E0301,
                    span,
                    format!("generator parameter `{name}` of type `{shown}` is not Send"),
                )
                .with_primary_label(
                    "a generator keeps its parameters, and may be sent to another task",
                )
                .with_note(why),
            );
        }
    }

    /// `yield value` (E0311 outside the body of a `gen fn`).
    pub fn check_yield(&mut self, value: &ast::Expr, span: Span) -> TExpr {
        let misplaced = match &self.gen_elem {
            None => Some((
                "`yield` outside the body of a generator function",
                "declare the function with `gen fn`, which returns a `Generator<T>`",
            )),
            Some(_) if self.frames.len() > 1 => Some((
                "`yield` inside a closure, `par` branch or `blocking` block cannot suspend the generator",
                "yield from the body of the `gen fn` itself",
            )),
            Some(_) if self.frames[0].defer_loops.is_some() => Some((
                "`yield` inside a `defer` or `errdefer`",
                "a deferred block runs while the body is leaving; yield before it",
            )),
            Some(_) if !self.concurrent.is_empty() => Some((
                "`yield` inside a `concurrent` block",
                "the block's children belong to the task running it; yield after the block",
            )),
            Some(_) => None,
        };
        let elem = self.gen_elem.clone();
        let v = match (misplaced, elem) {
            (None, Some(elem)) => self.check_coerce(value, &elem),
            (Some((msg, help)), _) => {
                self.push(Diagnostic::error(diag::E0311, span, msg).with_help(help));
                self.check_expr(value, None)
            }
            (None, None) => self.check_expr(value, None),
        };
        TExpr {
            kind: TExprKind::Yield(Box::new(v)),
            ty: Ty::Void,
            span,
        }
    }
}
