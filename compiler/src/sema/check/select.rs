//! `select` (docs/reference.md 6.10): each case is a receive (`case let v = ch.recv()`,
//! `case ch.recv()`), a send (`case ch.send(x)`), a `timeout(ms)` or the `default`. The
//! receive binds the `Result<T>` of the receive; the arms' bodies have one type, as the
//! arms of a `match` do.

use super::fncx::FnCx;
use crate::common::adt::{AdtKind, HandleKind};
use crate::common::ty::{IntTy, Ty};
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::tast::*;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind};

/// A channel operation as a case writes it.
enum ChannelOp<'e> {
    Recv(&'e ast::Expr),
    Send(&'e ast::Expr, &'e ast::Expr),
}

/// The `default` and `timeout` cases seen so far (each may appear once).
#[derive(Default)]
struct Seen {
    default: Option<Span>,
    timeout: Option<Span>,
}

impl FnCx<'_, '_> {
    /// Checks a `select`; its type is that of its arms (`never` when every arm diverges,
    /// and for `select {}`, which waits until the task is cancelled).
    pub fn check_select(
        &mut self,
        arms: &[ast::SelectArm],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let drop_values = expected.is_some_and(|t| self.resolve(t).is_void());
        let mut result: Option<Ty> = expected.filter(|_| !drop_values).cloned();
        let mut seen = Seen::default();
        let mut tarms = Vec::new();
        for arm in arms {
            self.push_scope();
            let case = self.check_select_case(&arm.case, arm.span, &mut seen);
            let body = self.finish_arm(&arm.body, drop_values, &mut result);
            if let Some(case) = case {
                tarms.push(TSelectArm { case, body });
            }
        }
        let all_never = tarms.iter().all(|a| self.resolve(&a.body.ty).is_never());
        let ty = Self::arms_type(all_never, drop_values, result);
        TExpr {
            kind: TExprKind::Select(tarms),
            ty,
            span,
        }
    }

    /// The case of one arm (None after an error: a case that is not a channel operation).
    fn check_select_case(
        &mut self,
        case: &ast::SelectCase,
        arm_span: Span,
        seen: &mut Seen,
    ) -> Option<TSelectCase> {
        let case = match case {
            ast::SelectCase::Default => {
                self.once(&mut seen.default, arm_span, "`default`");
                TSelectCase::Default
            }
            ast::SelectCase::Timeout(ms) => {
                self.once(&mut seen.timeout, arm_span, "`timeout`");
                TSelectCase::Timeout(self.check_coerce(ms, &Ty::Int(IntTy::I64)))
            }
            ast::SelectCase::Let(pat, e) => match self.channel_op(e) {
                Some(ChannelOp::Recv(ch)) => {
                    let (chan, elem) = self.check_channel(ch);
                    let lang = &self.g.defs.lang;
                    let result = lang.result_of(elem, lang.error_ty());
                    let p = self.check_pattern(pat, &result, LocalKind::Binding);
                    if self.is_refutable(&p) {
                        self.push(
                            Diagnostic::error(
                                diag::E0219,
                                pat.span,
                                "refutable pattern in a `select` case: it binds the whole `Result`",
                            )
                            .with_help("bind a name (`case let r = ch.recv()`) and match on it in the body"),
                        );
                    }
                    TSelectCase::Recv {
                        chan,
                        bind: Some(p),
                    }
                }
                Some(ChannelOp::Send(ch, value)) => {
                    self.push(
                        Diagnostic::error(diag::E0310, e.span, "a send case binds no value")
                            .with_help("write `case ch.send(x) => { ... }`"),
                    );
                    self.check_send_case(ch, value)
                }
                None => return self.bad_case(e),
            },
            ast::SelectCase::Expr(e) => match self.channel_op(e) {
                Some(ChannelOp::Recv(ch)) => TSelectCase::Recv {
                    chan: self.check_channel(ch).0,
                    bind: None,
                },
                Some(ChannelOp::Send(ch, value)) => self.check_send_case(ch, value),
                None => return self.bad_case(e),
            },
        };
        Some(case)
    }

    /// E0310 when a `default` or `timeout` case appears a second time.
    fn once(&mut self, first: &mut Option<Span>, span: Span, what: &str) {
        match first {
            Some(earlier) => {
                let earlier = *earlier;
                self.push(
                    Diagnostic::error(
                        diag::E0310,
                        span,
                        format!("a `select` has at most one {what} case"),
                    )
                    .with_label(earlier, "the first one is here"),
                );
            }
            None => *first = Some(span),
        }
    }

    fn check_send_case(&mut self, ch: &ast::Expr, value: &ast::Expr) -> TSelectCase {
        let (chan, elem) = self.check_channel(ch);
        let value = self.check_coerce(value, &elem);
        TSelectCase::Send {
            chan,
            value: Box::new(value),
        }
    }

    /// The receiver of a case, which must be a `Channel<T>`: the checked expression and
    /// `T` (the error type after an error).
    fn check_channel(&mut self, ch: &ast::Expr) -> (TExpr, Ty) {
        let te = self.check_expr(ch, None);
        let ty = self.resolve(&te.ty);
        if let Ty::Adt(id, args) = &ty {
            if matches!(
                self.g.defs.adt(*id).kind,
                AdtKind::Handle(HandleKind::Channel)
            ) {
                let elem = args.first().cloned().unwrap_or(Ty::Error);
                return (te, elem);
            }
        }
        if !ty.has_error() {
            let shown = self.show(&ty);
            self.push(
                Diagnostic::error(
                    diag::E0310,
                    ch.span,
                    format!("`select` cases receive from and send to channels, not `{shown}`"),
                )
                .with_primary_label(format!("this has type `{shown}`"))
                .with_help("use a `Channel<T>` from std/sync"),
            );
        }
        (te, Ty::Error)
    }

    /// `ch.recv()` or `ch.send(x)`, as written (None for any other expression).
    fn channel_op<'e>(&self, e: &'e ast::Expr) -> Option<ChannelOp<'e>> {
        let ExprKind::MethodCall {
            receiver,
            method,
            type_args,
            args,
        } = &e.kind
        else {
            return None;
        };
        if !type_args.is_empty() {
            return None;
        }
        match (method.name.as_str(), args.as_slice()) {
            ("recv", []) => Some(ChannelOp::Recv(receiver)),
            ("send", [value]) => Some(ChannelOp::Send(receiver, value)),
            _ => None,
        }
    }

    /// E0310 for a case that is not a channel operation (its parts are still checked, so
    /// unknown names in it are reported).
    fn bad_case(&mut self, e: &ast::Expr) -> Option<TSelectCase> {
        let te = self.check_expr(e, None);
        if !te.ty.has_error() && !matches!(e.kind, ExprKind::Error) {
            self.push(
                Diagnostic::error(
                    diag::E0310,
                    e.span,
                    "a `select` case must be a channel operation",
                )
                .with_primary_label("expected `ch.recv()` or `ch.send(x)`")
                .with_help(
                    "the cases are `case let v = ch.recv() =>`, `case ch.recv() =>`, `case ch.send(x) =>`, `case timeout(ms) =>` and `default =>`",
                ),
            );
        }
        None
    }
}
