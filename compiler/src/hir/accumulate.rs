//! Accumulator recursion elimination for overflow-checked addition.
//!
//! LLVM's tail-recursion elimination turns `return x + f(y)` into a loop that adds `x`
//! into an accumulator (`canTransformAccumulatorRecursion` in
//! llvm/lib/Transforms/Scalar/TailRecursionElimination.cpp), but only for a plain,
//! reassociable `add`. Weft's `+` traps on overflow, and summing the terms in another
//! order can add or remove a trap, so LLVM leaves `fib(n - 1) + fib(n - 2)` as two calls.
//! This pass does the transformation itself, keeping every trap, for a function `f` that
//! returns a signed integer, takes scalar values, and is *pure*: its body only computes
//! with scalar locals and calls itself (no other calls, no `defer`, no heap values). Of
//! `f` it makes three functions:
//!
//! - `f.fast`, the recursion as a loop over an accumulator `acc`: a tail-position
//!   `x + f(y)` adds `x` to `acc` and starts over with `y`; any other returned value `v`
//!   returns `acc + v`. It gives up ("bails", returning -1) as soon as a term is negative
//!   or the sum would pass the type's maximum, and every call to itself bails when the
//!   callee did.
//! - `f.slow`, the original body, calling itself.
//! - `f` (same identity, so callers are unchanged): runs `f.fast` and, when it bails,
//!   `f.slow` on the same arguments.
//!
//! Why the result and every trap are the same as the original's: `f.fast` evaluates the
//! same operations in the same order as the original up to the point where it bails (the
//! additions it defers come, in the original, after everything else of their frame). If
//! it never bails, all terms are non-negative and their total fits, so every partial sum
//! the original computes (a suffix of those terms) fits too: no addition traps and the
//! total is the original's result. If it bails, it has done nothing observable (the
//! function is pure), and `f.slow` computes exactly what the original computes. Either
//! way only traps the original would reach first can fire on the fast path.
//!
//! The pass runs when optimizing (`-O1` and up); deep recursions of transformed functions
//! then take one frame per non-tail call, as with LLVM's own transformation.

use super::*;
use crate::common::intrinsic::IntOp;
use crate::common::ops::UnOp;
use crate::common::ty::IntTy;

/// Applies the transformation to every eligible function of the program.
pub fn run(p: &mut Program) {
    for i in 0..p.funcs.len() {
        let id = FuncId(i as u32);
        if let Some(int) = eligible_signature(p.func(id)) {
            rewrite(p, id, int);
        }
    }
}

/// The result type of a function whose signature allows the transformation.
fn eligible_signature(f: &Func) -> Option<IntTy> {
    let Ty::Int(int) = f.ret else {
        return None;
    };
    let scalar = |l: &LocalDecl| matches!(l.ty, Ty::Int(_) | Ty::Float(_) | Ty::Bool);
    (int.signed()
        && f.kind == FuncKind::Plain
        && f.params.iter().all(|p| p.mode == PassMode::Value)
        && f.locals.iter().all(|l| scalar(l) && !l.indirect))
    .then_some(int)
}

/// Builds `f.fast` and `f.slow` and turns `f` into their dispatcher, when `f` is pure and
/// has at least one tail-position `x + f(y)`.
fn rewrite(p: &mut Program, id: FuncId, int: IntTy) {
    let fast_id = FuncId(p.funcs.len() as u32);
    let slow_id = FuncId(fast_id.0 + 1);
    let orig = p.func(id).clone();

    let mut fast = orig.clone();
    let span = fast.body.span;
    let acc = add_local(&mut fast, "acc", Ty::Int(int));
    let mut body = std::mem::replace(&mut fast.body, empty_block(span));
    let mut rw = Rewriter::new(id, fast_id, Some(int), acc, &mut fast);
    rw.tail_block(&mut body);
    if rw.sites == 0 || !rw.pure {
        return;
    }
    for p in &fast.params {
        fast.locals[p.local.0 as usize].mutable = true;
    }
    let forever = expr(ExprKind::Loop { body, latch: None }, Ty::Never, span);
    fast.body = Block {
        stmts: vec![let_stmt(acc, int_lit(0, int, span))],
        value: Some(Box::new(forever)),
        span,
    };
    fast.symbol.push_str(".fast");

    let mut slow = orig;
    let mut body = std::mem::replace(&mut slow.body, empty_block(span));
    Rewriter::new(id, slow_id, None, acc, &mut slow).block(&mut body);
    slow.body = body;
    slow.symbol.push_str(".slow");

    dispatch(
        p.funcs.get_mut(id.0 as usize).expect("function"),
        fast_id,
        slow_id,
        int,
    );
    p.funcs.push(fast);
    p.funcs.push(slow);
}

/// `f`'s new body: `{ let r = f.fast(params); if r < 0 { f.slow(params) } else { r } }`.
fn dispatch(f: &mut Func, fast: FuncId, slow: FuncId, int: IntTy) {
    let span = f.body.span;
    let ty = Ty::Int(int);
    let call = |target: FuncId, f: &Func| {
        let args = f
            .params
            .iter()
            .map(|p| Arg {
                expr: local(p.local, f.locals[p.local.0 as usize].ty.clone(), span),
                mode: PassMode::Value,
            })
            .collect();
        expr(
            ExprKind::Call {
                target: CallTarget::Func(target),
                args,
            },
            ty.clone(),
            span,
        )
    };
    let fast_call = call(fast, f);
    let slow_call = call(slow, f);
    let r = add_local(f, "r", ty.clone());
    let negative = binary(
        BinOp::Lt,
        local(r, ty.clone(), span),
        int_lit(0, int, span),
        Ty::Bool,
    );
    let choose = expr(
        ExprKind::If {
            cond: Box::new(negative),
            then_block: value_block(slow_call),
            else_block: Some(value_block(local(r, ty.clone(), span))),
        },
        ty,
        span,
    );
    f.body = Block {
        stmts: vec![let_stmt(r, fast_call)],
        value: Some(Box::new(choose)),
        span,
    };
}

/// One walk over a copy of the body: retargets self-calls and, for the fast copy,
/// rewrites tail positions and checks the body is pure.
struct Rewriter<'f> {
    /// The function being transformed (whose self-calls the copy still names).
    id: FuncId,
    /// What self-calls become: `f.fast` or `f.slow`.
    target: FuncId,
    /// For the fast copy: the result type (None for the slow copy).
    fast: Option<IntTy>,
    acc: LocalId,
    func: &'f mut Func,
    /// Tail-position `x + f(y)` sites rewritten.
    sites: usize,
    /// Whether everything met was allowed in a pure function.
    pure: bool,
    /// User loops around the current expression (a `continue` there would restart
    /// the user's loop, not the function).
    loops: u32,
}

impl<'f> Rewriter<'f> {
    fn new(
        id: FuncId,
        target: FuncId,
        fast: Option<IntTy>,
        acc: LocalId,
        func: &'f mut Func,
    ) -> Self {
        Rewriter {
            id,
            target,
            fast,
            acc,
            func,
            sites: 0,
            pure: true,
            loops: 0,
        }
    }

    fn block(&mut self, b: &mut Block) {
        for s in &mut b.stmts {
            self.stmt(s);
        }
        if let Some(v) = &mut b.value {
            self.expr(v);
        }
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Let {
                init, else_block, ..
            } => {
                self.expr(init);
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            Stmt::Expr(e) => self.expr(e),
            Stmt::Assign { place, value, .. } => {
                self.pure &= matches!(place.kind, ExprKind::Local(_));
                self.expr(value);
            }
            Stmt::Defer(_) | Stmt::Errdefer(_) => self.pure = false,
        }
    }

    /// An expression whose value is not (directly) the function's result.
    fn expr(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Unit
            | ExprKind::Local(_)
            | ExprKind::Break
            | ExprKind::Continue => {}
            ExprKind::Call {
                target: CallTarget::Func(t),
                args,
            } if *t == self.id => {
                *t = self.target;
                for a in args.iter_mut() {
                    self.pure &= a.mode == PassMode::Value;
                    self.expr(&mut a.expr);
                }
                if self.fast.is_some() {
                    let call = take(e);
                    *e = self.bail_if_negative(call);
                }
            }
            ExprKind::Unary { op, operand } => {
                self.pure &= matches!(op, UnOp::Neg | UnOp::Not | UnOp::BitNot);
                self.expr(operand);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Cast(x) => self.expr(x),
            ExprKind::If {
                cond,
                then_block,
                else_block,
            } => {
                self.expr(cond);
                self.block(then_block);
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for a in arms {
                    self.arm_head(a);
                    self.expr(&mut a.body);
                }
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::Loop { body, latch } => {
                self.loops += 1;
                self.block(body);
                if let Some(l) = latch {
                    self.block(l);
                }
                self.loops -= 1;
            }
            ExprKind::Return(Some(v)) if self.fast.is_some() => {
                let v = take(v);
                *e = if self.loops == 0 {
                    self.tail(v)
                } else {
                    self.finish(v)
                };
            }
            ExprKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v);
                }
            }
            _ => self.pure = false,
        }
    }

    /// A match arm's pattern (scalar only) and guard.
    fn arm_head(&mut self, a: &mut MatchArm) {
        self.pure &= scalar_pattern(&a.pat);
        if let Some(g) = &mut a.guard {
            self.expr(g);
        }
    }

    /// A block whose value is the function's result.
    fn tail_block(&mut self, b: &mut Block) {
        for s in &mut b.stmts {
            self.stmt(s);
        }
        if let Some(v) = &mut b.value {
            let t = self.tail(take(v));
            **v = t;
        }
    }

    /// Rewrites an expression whose value is the function's result (fast copy only).
    fn tail(&mut self, mut e: Expr) -> Expr {
        if self.is_site(&e) {
            return self.accumulate(e);
        }
        match &mut e.kind {
            ExprKind::If {
                cond,
                then_block,
                else_block: Some(else_block),
            } => {
                self.expr(cond);
                self.tail_block(then_block);
                self.tail_block(else_block);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for a in arms {
                    self.arm_head(a);
                    let body = take(&mut a.body);
                    a.body = self.tail(body);
                }
            }
            ExprKind::Block(b) => self.tail_block(b),
            ExprKind::Return(Some(v)) => {
                let v = take(v);
                return self.tail(v);
            }
            _ if e.ty.is_never() => {
                self.expr(&mut e);
                return e;
            }
            _ => return self.finish(e),
        }
        e.ty = Ty::Never;
        e
    }

    /// Is `e` an overflow-checked `x + f(y)` of the result type?
    fn is_site(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Binary { op: BinOp::Add, rhs, .. }
            if e.ty == Ty::Int(self.int())
                && matches!(rhs.kind, ExprKind::Call { target: CallTarget::Func(t), .. } if t == self.id))
    }

    /// `x + f(y)` in tail position: `{ let t = x; <bail unless acc + t fits>;
    /// acc = acc + t; let a = y; params = a; continue }`.
    fn accumulate(&mut self, e: Expr) -> Expr {
        self.sites += 1;
        let span = e.span;
        let ExprKind::Binary { lhs, rhs, .. } = e.kind else {
            unreachable!("checked by is_site")
        };
        let ExprKind::Call { args, .. } = rhs.kind else {
            unreachable!("checked by is_site")
        };
        let mut lhs = *lhs;
        self.expr(&mut lhs);
        let (sum, mut stmts) = self.add_to_acc(lhs);
        let ty = Ty::Int(self.int());
        stmts.push(assign(self.acc, local(sum, ty, span)));
        let mut temps = Vec::new();
        for mut a in args {
            self.pure &= a.mode == PassMode::Value;
            self.expr(&mut a.expr);
            let (l, s) = self.bind("arg", a.expr);
            stmts.extend(s);
            temps.push(l);
        }
        let params: Vec<LocalId> = self.func.params.iter().map(|p| p.local).collect();
        for (p, t) in params.into_iter().zip(temps) {
            let ty = self.func.locals[t.0 as usize].ty.clone();
            stmts.push(assign(p, local(t, ty, span)));
        }
        stmts.push(Stmt::Expr(expr(ExprKind::Continue, Ty::Never, span)));
        never_block(stmts, span)
    }

    /// Any other returned value `v`: `{ let t = v; <bail unless acc + t fits>;
    /// return acc + t }`.
    fn finish(&mut self, mut v: Expr) -> Expr {
        let span = v.span;
        self.expr(&mut v);
        let (sum, mut stmts) = self.add_to_acc(v);
        let ty = Ty::Int(self.int());
        stmts.push(Stmt::Expr(ret(local(sum, ty, span))));
        never_block(stmts, span)
    }

    /// A call to `f.fast` used as a value: `{ let r = call; if r < 0 { return -1 }; r }`.
    fn bail_if_negative(&mut self, call: Expr) -> Expr {
        let (span, ty) = (call.span, call.ty.clone());
        let (r, mut stmts) = self.bind("r", call);
        let cond = binary(
            BinOp::Lt,
            local(r, ty.clone(), span),
            int_lit(0, self.int(), span),
            Ty::Bool,
        );
        stmts.push(self.bail_when(cond));
        Expr {
            kind: ExprKind::Block(Block {
                stmts,
                value: Some(Box::new(local(r, ty.clone(), span))),
                span,
            }),
            ty,
            span,
        }
    }

    /// `let t = term; let s = acc.wrappingAdd(t); if (t | s) < 0 { return -1 }`: the
    /// sum `s` of the accumulator and a term, bailing when the term is negative or the
    /// sum does not fit. Both are non-negative, so their wrapped sum is negative exactly
    /// when the true sum passes the maximum.
    fn add_to_acc(&mut self, term: Expr) -> (LocalId, Vec<Stmt>) {
        let span = term.span;
        let int = self.int();
        let ty = Ty::Int(int);
        let (t, mut stmts) = self.bind("t", term);
        let wrapped = expr(
            ExprKind::Call {
                target: CallTarget::Intrinsic {
                    op: Intrinsic::Int(IntOp::WrappingAdd),
                    type_args: Vec::new(),
                },
                args: [self.acc, t]
                    .map(|l| Arg {
                        expr: local(l, ty.clone(), span),
                        mode: PassMode::Value,
                    })
                    .into(),
            },
            ty.clone(),
            span,
        );
        let (sum, s) = self.bind("sum", wrapped);
        stmts.extend(s);
        let either = binary(
            BinOp::BitOr,
            local(t, ty.clone(), span),
            local(sum, ty.clone(), span),
            ty,
        );
        let negative = binary(BinOp::Lt, either, int_lit(0, int, span), Ty::Bool);
        stmts.push(self.bail_when(negative));
        (sum, stmts)
    }

    /// `if cond { return -1 }`.
    fn bail_when(&self, cond: Expr) -> Stmt {
        let span = cond.span;
        let minus_one = int_lit(u64::MAX, self.int(), span);
        Stmt::Expr(expr(
            ExprKind::If {
                cond: Box::new(cond),
                then_block: Block {
                    stmts: vec![Stmt::Expr(ret(minus_one))],
                    value: None,
                    span,
                },
                else_block: None,
            },
            Ty::Void,
            span,
        ))
    }

    /// `let <name> = value` into a new local.
    fn bind(&mut self, name: &str, value: Expr) -> (LocalId, Vec<Stmt>) {
        let l = add_local(self.func, name, value.ty.clone());
        (l, vec![let_stmt(l, value)])
    }

    fn int(&self) -> IntTy {
        self.fast.expect("tail rewriting happens in the fast copy")
    }
}

/// Patterns a pure function may match scalars with.
fn scalar_pattern(p: &Pattern) -> bool {
    match &p.kind {
        PatternKind::Wild
        | PatternKind::Bind(_)
        | PatternKind::Lit(_)
        | PatternKind::Range { .. } => true,
        PatternKind::Or(ps) => ps.iter().all(scalar_pattern),
        _ => false,
    }
}

fn add_local(f: &mut Func, name: &str, ty: Ty) -> LocalId {
    let id = LocalId(f.locals.len() as u32);
    f.locals.push(LocalDecl {
        name: name.to_string(),
        ty,
        indirect: false,
        mutable: true,
        span: f.span,
    });
    id
}

fn take(e: &mut Expr) -> Expr {
    let span = e.span;
    std::mem::replace(e, expr(ExprKind::Unit, Ty::Void, span))
}

fn expr(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn local(l: LocalId, ty: Ty, span: Span) -> Expr {
    expr(ExprKind::Local(l), ty, span)
}

fn int_lit(v: u64, int: IntTy, span: Span) -> Expr {
    expr(ExprKind::Int(v), Ty::Int(int), span)
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr, ty: Ty) -> Expr {
    let span = lhs.span;
    expr(
        ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        ty,
        span,
    )
}

fn ret(v: Expr) -> Expr {
    let span = v.span;
    expr(ExprKind::Return(Some(Box::new(v))), Ty::Never, span)
}

fn let_stmt(l: LocalId, init: Expr) -> Stmt {
    let pat = Pattern {
        kind: PatternKind::Bind(l),
        ty: init.ty.clone(),
        span: init.span,
    };
    Stmt::Let {
        pat,
        init,
        else_block: None,
    }
}

fn assign(l: LocalId, value: Expr) -> Stmt {
    Stmt::Assign {
        place: local(l, value.ty.clone(), value.span),
        op: None,
        value,
    }
}

fn empty_block(span: Span) -> Block {
    Block {
        stmts: Vec::new(),
        value: None,
        span,
    }
}

fn value_block(v: Expr) -> Block {
    Block {
        span: v.span,
        stmts: Vec::new(),
        value: Some(Box::new(v)),
    }
}

/// A block expression that never produces a value (it ends in `return` or `continue`).
fn never_block(stmts: Vec<Stmt>, span: Span) -> Expr {
    expr(
        ExprKind::Block(Block {
            stmts,
            value: None,
            span,
        }),
        Ty::Never,
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HIR of a program after the pass.
    fn program(src: &str) -> Program {
        let mut p = crate::hir::lower_source(src);
        run(&mut p);
        p
    }

    /// Names of the functions that got a fast copy.
    fn transformed(src: &str) -> Vec<String> {
        let p = program(src);
        p.funcs
            .iter()
            .filter(|f| f.symbol.ends_with(".fast"))
            .map(|f| f.name.clone())
            .collect()
    }

    /// Targets of the direct calls in a block, in order.
    fn calls(b: &Block, out: &mut Vec<FuncId>) {
        fn walk(e: &Expr, out: &mut Vec<FuncId>) {
            match &e.kind {
                ExprKind::Call {
                    target: CallTarget::Func(t),
                    args,
                } => {
                    args.iter().for_each(|a| walk(&a.expr, out));
                    out.push(*t);
                }
                ExprKind::Binary { lhs, rhs, .. } => {
                    walk(lhs, out);
                    walk(rhs, out);
                }
                ExprKind::If {
                    cond,
                    then_block,
                    else_block,
                } => {
                    walk(cond, out);
                    calls(then_block, out);
                    if let Some(b) = else_block {
                        calls(b, out);
                    }
                }
                ExprKind::Block(b) => calls(b, out),
                ExprKind::Return(Some(v)) => walk(v, out),
                _ => {}
            }
        }
        for s in &b.stmts {
            match s {
                Stmt::Let { init, .. } => walk(init, out),
                Stmt::Expr(e) => walk(e, out),
                _ => {}
            }
        }
        if let Some(v) = &b.value {
            walk(v, out);
        }
    }

    const FIB: &str = r"fn fib(n: i64): i64 {
 if n < 2 { return n }
 fib(n - 1) + fib(n - 2)
}
fn main() { print(fib(20)) }
";

    #[test]
    fn fib_gets_a_dispatcher_a_fast_loop_and_a_slow_recursion() {
        let p = program(FIB);
        let fib = p
            .funcs
            .iter()
            .position(|f| {
                f.symbol.starts_with("weft.fib.")
                    && !f.symbol.contains(".fast")
                    && !f.symbol.contains(".slow")
            })
            .unwrap();
        let fast = p
            .funcs
            .iter()
            .position(|f| f.symbol.ends_with(".fast"))
            .unwrap();
        let slow = p
            .funcs
            .iter()
            .position(|f| f.symbol.ends_with(".slow"))
            .unwrap();
        let ids = |i: usize| {
            let mut out = Vec::new();
            calls(&p.funcs[i].body, &mut out);
            out
        };
        let (fast_id, slow_id) = (FuncId(fast as u32), FuncId(slow as u32));
        assert_eq!(ids(fib), vec![fast_id, slow_id]);
        assert_eq!(ids(slow), vec![slow_id, slow_id]);
        assert!(matches!(
            p.funcs[fast].body.value.as_deref().map(|v| &v.kind),
            Some(ExprKind::Loop { .. })
        ));
    }

    #[test]
    fn only_pure_signed_self_recursion_is_transformed() {
        assert_eq!(transformed(FIB), vec!["fib".to_string()]);
        let with = |body: &str, ret: &str| {
            format!(
                r"fn f(n: i64): {ret} {{
 if n < 2 {{ return 1 }}
 {body}
}}
fn main() {{ print(f(5)) }}
"
            )
        };
        // The term on the right of the self-call is evaluated after it: no site.
        assert!(transformed(&with("f(n - 1) + 1", "i64")).is_empty());
        // Unsigned results: a negative "bail" value does not exist.
        assert!(transformed(&with("1 + f(n - 1)", "u64")).is_empty());
        // Effects would run twice when the fast loop gives up.
        assert!(transformed(&with("print(n)\n 1 + f(n - 1)", "i64")).is_empty());
        // Calls to other functions are not known to be pure.
        let other = r"fn g(x: i64): i64 { x }
fn f(n: i64): i64 {
 if n < 2 { return 1 }
 g(n) + f(n - 1)
}
fn main() { print(f(5)) }
";
        assert!(transformed(other).is_empty());
        assert_eq!(
            transformed(&with("n + f(n - 1)", "i64")),
            vec!["f".to_string()]
        );
        assert_eq!(
            transformed(&with("n + f(n - 1)", "i32").replace("n: i64", "n: i32")),
            vec!["f".to_string()]
        );
    }
}
