//! Function bodies: locals, scopes and their cleanups, ownership of values, statements
//! and control flow.
//!
//! Ownership discipline (docs/runtime.md §1 has the counting protocol):
//! - every expression yields a [`Val`] that is `Owned` (+1: a call result, a new
//!   aggregate), `Borrowed` (+0: read from a variable or a field, valid until the end of
//!   the statement) or `Static` (literals and immortal objects: neither retained nor
//!   released);
//! - a value stored somewhere (a local, a field, an element, a return) must be owned:
//!   [`FnCg::owned`] retains a borrowed value;
//! - a value used only for the moment (an operand, an argument) may be borrowed:
//!   [`FnCg::consume_temp`] registers an owned temporary for release at the end of the
//!   innermost scope, which for temporaries is the statement;
//! - parameters are borrowed (+0): callers keep ownership, callees never release them;
//! - each scope keeps its exit actions — releasing locals and temporaries, running
//!   `defer` blocks — and emits them on every way out: falling off the end, `break`,
//!   `continue`, `return` (which also runs `errdefer` blocks when the returned value is an
//!   `Err` or `None`).

use super::builder::param;
use super::Cg;
use crate::common::ty::{PassMode, Ty};
use crate::hir::{self, Block, Expr, FuncId, FuncKind, LocalId, Stmt};
use inkwell::basic_block::BasicBlock;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, FunctionValue, PointerValue};

/// Who owns a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Own {
    Owned,
    Borrowed,
    Static,
}

/// An evaluated expression.
#[derive(Clone, Copy, Debug)]
pub struct Val<'ctx> {
    pub v: BasicValueEnum<'ctx>,
    pub own: Own,
}

impl<'ctx> Val<'ctx> {
    pub fn owned(v: BasicValueEnum<'ctx>) -> Self {
        Val { v, own: Own::Owned }
    }

    pub fn borrowed(v: BasicValueEnum<'ctx>) -> Self {
        Val {
            v,
            own: Own::Borrowed,
        }
    }

    pub fn stat(v: BasicValueEnum<'ctx>) -> Self {
        Val {
            v,
            own: Own::Static,
        }
    }
}

/// Where a local lives.
#[derive(Clone, Copy, Debug)]
pub enum Slot<'ctx> {
    /// The slot holds the value.
    Direct(PointerValue<'ctx>),
    /// The slot holds a pointer to the value.
    Indirect(PointerValue<'ctx>),
}

/// Something to do when a scope is left.
pub enum Exit<'ctx, 'p> {
    /// Release the value stored at `ptr`.
    Drop {
        ptr: PointerValue<'ctx>,
        ty: Ty,
    },
    Defer(&'p Block),
    Errdefer(&'p Block),
    /// Call runtime function `f` with `args` (the unlock of `withLock`).
    RuntimeCall {
        f: inkwell::values::FunctionValue<'ctx>,
        args: Vec<inkwell::values::BasicMetadataValueEnum<'ctx>>,
    },
    /// In a landing pad only: mark the generator object at the pointer finished (the
    /// outermost exit of a generator's body, `generator.rs`).
    GenUnwound(PointerValue<'ctx>),
}

pub enum ScopeKind<'ctx> {
    Plain,
    /// A loop body: `break` goes to `brk`, `continue` to `cont`.
    Loop {
        brk: BasicBlock<'ctx>,
        cont: BasicBlock<'ctx>,
    },
}

pub struct Scope<'ctx, 'p> {
    pub exits: Vec<Exit<'ctx, 'p>>,
    pub kind: ScopeKind<'ctx>,
}

/// Code generation state of one function.
pub struct FnCg<'a, 'ctx, 'p> {
    pub cg: &'a mut Cg<'ctx, 'p>,
    pub f: &'p hir::Func,
    pub func: FunctionValue<'ctx>,
    pub slots: Vec<Option<Slot<'ctx>>>,
    pub scopes: Vec<Scope<'ctx, 'p>>,
    /// Operands whose evaluation must produce an owned value although they read a
    /// variable: a later operand of the same expression may write that variable
    /// ([`FnCg::mark_operands`]).
    pub must_own: std::collections::HashSet<*const Expr>,
    entry: BasicBlock<'ctx>,
    /// Unwinding state: the landing pad for the current cleanups (`unwind.rs`).
    pub unwind: super::unwind::UnwindState<'ctx>,
    /// The coroutine of a generator's body (`generator.rs`).
    pub gen: Option<super::generator::GenFrame<'ctx>>,
}

impl<'ctx, 'p> Cg<'ctx, 'p> {
    /// Emits the body of function `id`.
    pub(super) fn emit_func(&mut self, id: FuncId) {
        let prog = self.prog;
        let f = prog.func(id);
        let func = self.func_value(id);
        let entry = self.ctx.append_basic_block(func, "entry");
        self.builder.position_at_end(entry);
        if self.debug.is_some() {
            self.debug_enter(func, f);
        }
        let mut fc = FnCg {
            slots: vec![None; f.locals.len()],
            scopes: Vec::new(),
            must_own: Default::default(),
            cg: self,
            f,
            func,
            entry,
            unwind: Default::default(),
            gen: None,
        };
        fc.emit_body();
    }
}

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    fn emit_body(&mut self) {
        if let FuncKind::Generator { elem } = &self.f.kind {
            return self.emit_gen_body(elem);
        }
        self.push_scope(ScopeKind::Plain);
        let check = self
            .cg
            .opts
            .stack_checks
            .then(|| self.cg.emit_stack_check(self.func, None));
        self.bind_params();
        let body = &self.f.body;
        let v = self.block(body);
        if !self.terminated() {
            let ret = self.f.ret.clone();
            let value = self.owned(v, &ret);
            self.leave_all_for_return(value, &ret);
            self.emit_ret(value, &ret);
        }
        self.scopes.clear();
        if let Some(check) = check {
            self.cg.elide_stack_check_of_leaf(self.func, check);
        }
        self.cg.tag_accesses(self.func);
    }

    fn emit_ret(&mut self, v: BasicValueEnum<'ctx>, ret: &Ty) {
        match ret {
            Ty::Void | Ty::Never => self.cg.builder.ret(None),
            _ => self.cg.builder.ret(Some(&v)),
        };
    }

    /// Gives every parameter (and closure capture) its slot.
    pub(super) fn bind_params(&mut self) {
        let mut next = 0u32;
        if let FuncKind::Closure { captures, by_ref } = &self.f.kind {
            let env = param(self.func, 0).into_pointer_value();
            next = 1;
            self.bind_captures(env, captures, *by_ref);
        }
        for p in &self.f.params {
            let ty = self.f.locals[p.local.0 as usize].ty.clone();
            let Some(_) = self.cg.param_ty(p.mode, &ty) else {
                continue;
            };
            let arg = param(self.func, next);
            next += 1;
            let indirect = p.mode == PassMode::RefMut || self.cg.by_pointer(&ty);
            let slot = if indirect {
                let s = self.alloca(self.cg.ptr_ty().into(), "param");
                self.cg.builder.store(s, arg);
                Slot::Indirect(s)
            } else {
                let lt = self.cg.llvm_ty(&ty);
                let s = self.alloca(lt, "param");
                self.cg.builder.store(s, arg);
                Slot::Direct(s)
            };
            self.slots[p.local.0 as usize] = Some(slot);
            self.debug_declare(p.local, slot, Some(next));
        }
    }

    /// Closure captures: pointers to the creator's variables, or fields of the
    /// environment object (which owns them; the body only borrows them).
    fn bind_captures(&mut self, env: PointerValue<'ctx>, captures: &[LocalId], by_ref: bool) {
        let env_ty = self.cg.env_struct(self.f, captures, by_ref);
        for (i, &l) in captures.iter().enumerate() {
            let field = self
                .cg
                .builder
                .struct_gep(env_ty, env, (i + 2) as u32, "cap");
            let s = self.alloca(self.cg.ptr_ty().into(), "capture");
            if by_ref {
                let p = self.cg.builder.load(self.cg.ptr_ty(), field, "capref");
                self.cg.builder.store(s, p);
            } else {
                self.cg.builder.store(s, field);
            }
            self.slots[l.0 as usize] = Some(Slot::Indirect(s));
            self.debug_declare(l, Slot::Indirect(s), None);
        }
    }

    // ----- basic blocks -----

    pub fn block_bb(&mut self, name: &str) -> BasicBlock<'ctx> {
        self.cg.ctx.append_basic_block(self.func, name)
    }

    /// Is the current block already terminated (after `return`, `break`, a panic)?
    pub fn terminated(&self) -> bool {
        self.cg
            .builder
            .get_insert_block()
            .and_then(|b| b.get_terminator())
            .is_some()
    }

    /// Continues in a fresh block when the current one is terminated, so code after a
    /// diverging expression has somewhere to go (LLVM removes it).
    pub fn ensure_open(&mut self) {
        if self.terminated() {
            let bb = self.block_bb("dead");
            self.cg.builder.position_at_end(bb);
        }
    }

    pub fn br(&mut self, to: BasicBlock<'ctx>) {
        if !self.terminated() {
            self.cg.builder.unconditional_branch(to);
        }
    }

    /// An `alloca` in the entry block. The debug location of the code being generated is
    /// kept (positioning the builder before an instruction takes that instruction's).
    pub fn alloca(&mut self, ty: BasicTypeEnum<'ctx>, name: &str) -> PointerValue<'ctx> {
        let here = self.cg.builder.get_insert_block();
        let loc = self.cg.builder.get_current_debug_location();
        match self.entry.get_first_instruction() {
            Some(first) => self.cg.builder.position_before(&first),
            None => self.cg.builder.position_at_end(self.entry),
        }
        let p = self.cg.builder.alloca(ty, name);
        if let Some(bb) = here {
            self.cg.builder.position_at_end(bb);
        }
        if let Some(loc) = loc {
            self.cg.builder.set_current_debug_location(loc);
        }
        p
    }

    /// The value `undef` of a type (for code after a diverging expression).
    pub fn undef(&mut self, t: &Ty) -> Val<'ctx> {
        let lt = self.cg.llvm_ty(t);
        Val::stat(undef_of(lt))
    }

    pub fn unit(&self) -> Val<'ctx> {
        Val::stat(self.cg.unit_ty().const_zero().into())
    }

    // ----- locals -----

    /// The slot of a local (created on first use).
    pub fn slot(&mut self, l: LocalId) -> Slot<'ctx> {
        if let Some(s) = self.slots[l.0 as usize] {
            return s;
        }
        let decl = &self.f.locals[l.0 as usize];
        let s = if decl.indirect {
            Slot::Indirect(self.alloca(self.cg.ptr_ty().into(), &decl.name))
        } else {
            let ty = decl.ty.clone();
            let lt = self.cg.llvm_ty(&ty);
            Slot::Direct(self.alloca(lt, &decl.name))
        };
        self.slots[l.0 as usize] = Some(s);
        self.debug_declare(l, s, None);
        s
    }

    /// The address of a local's value.
    pub fn local_ptr(&mut self, l: LocalId) -> PointerValue<'ctx> {
        match self.slot(l) {
            Slot::Direct(p) => p,
            Slot::Indirect(s) => self
                .cg
                .builder
                .load(self.cg.ptr_ty(), s, "ref")
                .into_pointer_value(),
        }
    }

    // ----- ownership -----

    /// The value as an owned (+1) reference: borrowed values are retained. (After a
    /// diverging expression the value is a placeholder of another type: `undef` of the
    /// wanted type stands in for it in the dead code that follows.)
    pub fn owned(&mut self, v: Val<'ctx>, ty: &Ty) -> BasicValueEnum<'ctx> {
        let lt = self.cg.llvm_ty(ty);
        if v.v.get_type() != lt {
            return undef_of(lt);
        }
        if v.own == Own::Borrowed {
            self.retain_value(v.v, ty);
        }
        v.v
    }

    /// Does the value of `e` live in a variable that may change while the value is in
    /// use (a field or element of a `var`, an in-out parameter, ...)? Values borrowed
    /// from `let`s, value parameters and temporaries stay valid to the statement's end.
    pub fn reads_mutable(&self, e: &Expr) -> bool {
        match &e.kind {
            hir::ExprKind::Local(l) => self.f.locals[l.0 as usize].mutable,
            hir::ExprKind::Field { base, .. }
            | hir::ExprKind::Index { base, .. }
            | hir::ExprKind::Deref(base) => self.reads_mutable(base),
            _ => false,
        }
    }

    /// Borrowed values are valid while the place they were read from is not written. When
    /// a later operand of `ops` may write a variable (an assignment in a block, a `&mut`
    /// argument, a call that may run a local closure), the earlier operands that read a
    /// mutable place are evaluated as owned copies instead (see [`FnCg::expr`]).
    pub fn mark_operands(&mut self, ops: &[&'p Expr]) {
        let mut later_writes = false;
        for (i, e) in ops.iter().enumerate().rev() {
            if later_writes && self.reads_mutable(e) && self.cg.needs_drop(&e.ty) {
                self.must_own.insert(*e as *const Expr);
            }
            // Whether the first operand writes matters to no other operand.
            later_writes = later_writes || (i > 0 && e.may_write());
        }
    }

    /// Uses the value for the moment only: an owned value is released when the innermost
    /// scope ends.
    pub fn consume_temp(&mut self, v: Val<'ctx>, ty: &Ty) -> BasicValueEnum<'ctx> {
        if v.own == Own::Owned && self.cg.needs_drop(ty) {
            let lt = self.cg.llvm_ty(ty);
            let p = self.alloca(lt, "tmp");
            self.cg.builder.store(p, v.v);
            self.schedule_drop(p, ty);
        }
        v.v
    }

    /// Releases an owned value now.
    pub fn drop_now(&mut self, v: Val<'ctx>, ty: &Ty) {
        if v.own == Own::Owned && self.cg.needs_drop(ty) {
            let lt = self.cg.llvm_ty(ty);
            let p = self.alloca(lt, "dead");
            self.cg.builder.store(p, v.v);
            self.cg.release_at(p, ty);
        }
    }

    pub fn retain_value(&mut self, v: BasicValueEnum<'ctx>, ty: &Ty) {
        if self.cg.needs_drop(ty) {
            let lt = self.cg.llvm_ty(ty);
            let p = self.alloca(lt, "copy");
            self.cg.builder.store(p, v);
            self.cg.retain_at(p, ty);
        }
    }

    /// Keeps an owned value that is on its way into an aggregate (a field, an element, a
    /// map key) safe while the rest of the aggregate is evaluated: until [`FnCg::unhold`],
    /// an exit from the scope (`return`, `?`, `break`) releases it. Nothing is released
    /// when control reaches `unhold`: the value has then been moved to its owner.
    pub fn hold(&mut self, v: BasicValueEnum<'ctx>, ty: &Ty) -> Option<PointerValue<'ctx>> {
        if !self.cg.needs_drop(ty) {
            return None;
        }
        let lt = self.cg.llvm_ty(ty);
        if v.get_type() != lt {
            return None;
        }
        let p = self.alloca(lt, "held");
        self.cg.builder.store(p, v);
        self.schedule_drop(p, ty);
        Some(p)
    }

    /// Ends the holds of [`FnCg::hold`] (in the same scope): the values now have owners.
    pub fn unhold(&mut self, held: &[Option<PointerValue<'ctx>>]) {
        self.unwind.cleanups_changed();
        let scope = self.scopes.last_mut().expect("a scope");
        scope
            .exits
            .retain(|e| !matches!(e, Exit::Drop { ptr, .. } if held.contains(&Some(*ptr))));
    }

    /// Schedules the release of the value at `p` when the innermost scope ends.
    pub fn schedule_drop(&mut self, p: PointerValue<'ctx>, ty: &Ty) {
        let innermost = self.scopes.len() - 1;
        self.schedule_drop_in(innermost, p, ty);
    }

    /// Adds an exit action to scope `scope`.
    pub fn push_exit(&mut self, scope: usize, exit: Exit<'ctx, 'p>) {
        self.unwind.cleanups_changed();
        self.scopes[scope].exits.push(exit);
    }

    // ----- scopes -----

    pub fn push_scope(&mut self, kind: ScopeKind<'ctx>) {
        self.unwind.cleanups_changed();
        self.scopes.push(Scope {
            exits: Vec::new(),
            kind,
        });
    }

    /// Leaves the innermost scope normally, running its exit actions.
    pub fn pop_scope(&mut self) {
        self.unwind.cleanups_changed();
        let scope = self.scopes.pop().expect("a scope");
        if !self.terminated() {
            for exit in scope.exits.iter().rev() {
                self.run_exit(exit, None);
            }
        }
    }

    /// Runs the exit actions of scopes `from..` (innermost first) without leaving them:
    /// for `break`, `continue` and `return`. `error` is the "returning an error" flag for
    /// `errdefer`.
    pub fn run_exits_from(&mut self, from: usize, error: Option<inkwell::values::IntValue<'ctx>>) {
        for i in (from..self.scopes.len()).rev() {
            // The exits are taken out while they run: a deferred block pushes and pops
            // scopes of its own above them.
            let exits = std::mem::take(&mut self.scopes[i].exits);
            for exit in exits.iter().rev() {
                self.run_exit(exit, error);
            }
            self.scopes[i].exits = exits;
        }
    }

    fn run_exit(&mut self, exit: &Exit<'ctx, 'p>, error: Option<inkwell::values::IntValue<'ctx>>) {
        if self.terminated() {
            return;
        }
        match exit {
            Exit::Drop { ptr, ty } => self.cg.release_at(*ptr, ty),
            Exit::RuntimeCall { f, args } => {
                self.cg.builder.call(*f, args, "");
            }
            Exit::GenUnwound(obj) => self.mark_unwound(*obj),
            Exit::Defer(b) => {
                let v = self.block(b);
                let ty = b.value.as_ref().map(|v| v.ty.clone()).unwrap_or(Ty::Void);
                self.drop_now(v, &ty);
            }
            Exit::Errdefer(b) => {
                let Some(flag) = error else { return };
                let run = self.block_bb("errdefer");
                let after = self.block_bb("after_errdefer");
                self.cg.builder.conditional_branch(flag, run, after);
                self.cg.builder.position_at_end(run);
                let v = self.block(b);
                let ty = b.value.as_ref().map(|v| v.ty.clone()).unwrap_or(Ty::Void);
                self.drop_now(v, &ty);
                self.br(after);
                self.cg.builder.position_at_end(after);
            }
        }
    }

    /// Runs every scope's exit actions before returning `value`.
    fn leave_all_for_return(&mut self, value: BasicValueEnum<'ctx>, ret: &Ty) {
        let flag = self.error_flag(value, ret);
        self.run_exits_from(0, flag);
    }

    /// For functions returning a Result or an Option: is `value` an `Err` / `None`?
    fn error_flag(
        &mut self,
        value: BasicValueEnum<'ctx>,
        ret: &Ty,
    ) -> Option<inkwell::values::IntValue<'ctx>> {
        let has_errdefer = self
            .scopes
            .iter()
            .any(|s| s.exits.iter().any(|e| matches!(e, Exit::Errdefer(_))));
        let lang = &self.cg.prog.lang;
        let fallible = lang.as_option(ret).is_some() || lang.as_result(ret).is_some();
        if !has_errdefer {
            return None;
        }
        if !fallible {
            return Some(self.cg.ctx.bool_type().const_zero());
        }
        let tag = self
            .cg
            .builder
            .extract_value(value.into_struct_value(), 0, "tag")
            .into_int_value();
        let one = self.cg.ctx.i32_type().const_int(1, false);
        Some(
            self.cg
                .builder
                .int_compare(inkwell::IntPredicate::EQ, tag, one, "is_err"),
        )
    }

    // ----- blocks and statements -----

    /// Emits a block in its own scope; its value is owned.
    pub fn block(&mut self, b: &'p Block) -> Val<'ctx> {
        self.push_scope(ScopeKind::Plain);
        for s in &b.stmts {
            self.ensure_open();
            self.stmt(s);
        }
        self.ensure_open();
        let v = match &b.value {
            Some(e) => {
                let v = self.expr(e);
                let owned = self.owned(v, &e.ty);
                Val::owned(owned)
            }
            None => self.unit(),
        };
        self.pop_scope();
        v
    }

    pub fn stmt(&mut self, s: &'p Stmt) {
        self.debug_loc(stmt_span(s));
        match s {
            Stmt::Let {
                pat,
                init,
                else_block,
            } => self.let_stmt(pat, init, else_block.as_ref()),
            Stmt::Expr(e) => {
                self.push_scope(ScopeKind::Plain);
                let v = self.expr(e);
                self.consume_temp(v, &e.ty);
                self.pop_scope();
            }
            Stmt::Assign { place, op, value } => {
                self.push_scope(ScopeKind::Plain);
                self.assign(place, *op, value);
                self.pop_scope();
            }
            Stmt::Defer(b) => self.push_exit(self.scopes.len() - 1, Exit::Defer(b)),
            Stmt::Errdefer(b) => self.push_exit(self.scopes.len() - 1, Exit::Errdefer(b)),
        }
    }

    fn let_stmt(&mut self, pat: &'p hir::Pattern, init: &'p Expr, else_block: Option<&'p Block>) {
        // Temporaries of the initializer die with the statement; the bindings live on in
        // the enclosing block's scope.
        let target = self.scopes.len() - 1;
        self.push_scope(ScopeKind::Plain);
        let v = self.expr(init);
        if let (hir::PatternKind::Bind(l), None) = (&pat.kind, else_block) {
            let owned = self.owned(v, &init.ty);
            self.pop_scope();
            self.ensure_open();
            let ty = self.f.locals[l.0 as usize].ty.clone();
            let p = self.local_ptr(*l);
            self.cg.builder.store(p, owned);
            self.schedule_drop_in(target, p, &ty);
            return;
        }
        let place = self.spill(v, &init.ty);
        if let Some(eb) = else_block {
            let fail = self.block_bb("let_else");
            let ok = self.block_bb("let_ok");
            self.test_pattern(pat, place, fail);
            self.br(ok);
            self.cg.builder.position_at_end(fail);
            let ev = self.block(eb);
            let _ = ev;
            if !self.terminated() {
                self.cg.builder.unreachable();
            }
            self.cg.builder.position_at_end(ok);
        }
        self.bind_pattern(pat, place, target);
        self.pop_scope();
    }

    /// Schedules a release in a specific (enclosing) scope.
    pub fn schedule_drop_in(&mut self, scope: usize, p: PointerValue<'ctx>, ty: &Ty) {
        if self.cg.needs_drop(ty) {
            let exit = Exit::Drop {
                ptr: p,
                ty: ty.clone(),
            };
            self.push_exit(scope, exit);
        }
    }

    /// Puts a value in memory (owned temporaries are released with the scope).
    pub fn spill(&mut self, v: Val<'ctx>, ty: &Ty) -> PointerValue<'ctx> {
        let lt = self.cg.llvm_ty(ty);
        let p = self.alloca(lt, "spill");
        self.cg.builder.store(p, v.v);
        if v.own == Own::Owned {
            self.schedule_drop(p, ty);
        }
        p
    }

    fn assign(&mut self, place: &'p Expr, op: Option<crate::common::ops::BinOp>, value: &'p Expr) {
        let ty = place.ty.clone();
        match op {
            None => {
                let v = self.expr(value);
                let new = self.owned(v, &ty);
                self.ensure_open();
                // The place's index expressions may still exit (`?`, a panic is fine).
                let held = self.hold(new, &ty);
                let p = self.place(place, true);
                self.unhold(&[held]);
                let lt = self.cg.llvm_ty(&ty);
                if self.cg.needs_drop(&ty) {
                    let old = self.cg.builder.load(lt, p, "old");
                    self.cg.builder.store(p, new);
                    self.drop_now(Val::owned(old), &ty);
                } else {
                    self.cg.builder.store(p, new);
                }
            }
            Some(op) => {
                // As for `=`, the right operand is evaluated first, then the place, once
                // (its index expressions run once, and no address is held while the right
                // operand runs). The right operand is owned here: it may be borrowed from
                // the very place that is written.
                let rhs = self.expr(value);
                let rhs = if rhs.own == Own::Borrowed && self.cg.needs_drop(&value.ty) {
                    Val::owned(self.owned(rhs, &value.ty))
                } else {
                    rhs
                };
                let rhs = self.consume_temp(rhs, &value.ty);
                self.ensure_open();
                let p = self.place(place, true);
                let lt = self.cg.llvm_ty(&ty);
                let old = self.cg.builder.load(lt, p, "old");
                let new = self.binary_values(op, old, rhs, &ty, &value.ty, place.span);
                let new = self.owned(new, &ty);
                self.cg.builder.store(p, new);
                self.drop_now(Val::owned(old), &ty);
            }
        }
    }

    // ----- control flow -----

    /// `break` / `continue`: leaves the scopes up to the innermost loop and jumps.
    pub fn jump_loop(&mut self, is_break: bool) -> Val<'ctx> {
        let idx = self
            .scopes
            .iter()
            .rposition(|s| matches!(s.kind, ScopeKind::Loop { .. }))
            .expect("the checker rejects break outside loops");
        let ScopeKind::Loop { brk, cont } = self.scopes[idx].kind else {
            unreachable!()
        };
        self.run_exits_from(idx, None);
        self.br(if is_break { brk } else { cont });
        self.unit()
    }

    pub fn return_expr(&mut self, value: Option<&'p Expr>) -> Val<'ctx> {
        let ret = self.f.ret.clone();
        let v = match value {
            Some(e) => {
                let v = self.expr(e);
                self.owned(v, &ret)
            }
            None => self.unit().v,
        };
        if self.terminated() {
            return self.unit();
        }
        self.leave_all_for_return(v, &ret);
        if !self.terminated() && !self.gen_return() {
            self.emit_ret(v, &ret);
        }
        self.unit()
    }

    pub fn loop_expr(&mut self, body: &'p Block, latch: Option<&'p Block>) -> Val<'ctx> {
        let head = self.block_bb("loop");
        let exit = self.block_bb("loop_end");
        let latch_bb = latch.map(|_| self.block_bb("loop_latch"));
        self.br(head);
        self.cg.builder.position_at_end(head);
        self.push_scope(ScopeKind::Loop {
            brk: exit,
            cont: latch_bb.unwrap_or(head),
        });
        let v = self.block(body);
        self.drop_now(v, &Ty::Void);
        self.pop_scope();
        self.br(latch_bb.unwrap_or(head));
        if let (Some(bb), Some(l)) = (latch_bb, latch) {
            self.cg.builder.position_at_end(bb);
            self.push_scope(ScopeKind::Loop {
                brk: exit,
                cont: head,
            });
            let v = self.block(l);
            self.drop_now(v, &Ty::Void);
            self.pop_scope();
            self.br(head);
        }
        self.cg.builder.position_at_end(exit);
        self.unit()
    }

    /// `if`: each branch in its own scope, the result through a stack slot.
    pub fn if_expr(
        &mut self,
        cond: &'p Expr,
        then_b: &'p Block,
        else_b: Option<&'p Block>,
        ty: &Ty,
    ) -> Val<'ctx> {
        let c = self.expr(cond);
        let c = c.v.into_int_value();
        let then_bb = self.block_bb("then");
        let else_bb = self.block_bb("else");
        let merge = self.block_bb("endif");
        let result = self.result_slot(ty);
        self.cg.builder.conditional_branch(c, then_bb, else_bb);
        self.cg.builder.position_at_end(then_bb);
        let v = self.block(then_b);
        self.store_result(result, v);
        self.br(merge);
        self.cg.builder.position_at_end(else_bb);
        if let Some(eb) = else_b {
            let v = self.block(eb);
            self.store_result(result, v);
        }
        self.br(merge);
        self.cg.builder.position_at_end(merge);
        self.load_result(result, ty)
    }

    /// A stack slot for the value of a branching expression (None for void values).
    pub fn result_slot(&mut self, ty: &Ty) -> Option<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)> {
        if matches!(ty, Ty::Void | Ty::Never) {
            return None;
        }
        let lt = self.cg.llvm_ty(ty);
        Some((self.alloca(lt, "result"), lt))
    }

    /// In one branch of a branching expression of enum type `ty`: stores variant
    /// `variant` with `fields` (owned) into `slot` and branches to the merge block `done`.
    pub fn store_variant(
        &mut self,
        slot: Option<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)>,
        ty: &Ty,
        variant: u32,
        fields: &[BasicValueEnum<'ctx>],
        done: inkwell::basic_block::BasicBlock<'ctx>,
    ) {
        let v = self.build_variant(ty, variant, fields);
        self.store_result(slot, Val::owned(v));
        self.br(done);
    }

    pub fn store_result(
        &mut self,
        slot: Option<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)>,
        v: Val<'ctx>,
    ) {
        if let (Some((p, _)), false) = (slot, self.terminated()) {
            self.cg.builder.store(p, v.v);
        }
    }

    /// The value of a branching expression at its merge block (`undef` in a merge block
    /// no branch reaches: every branch diverged).
    pub fn load_result(
        &mut self,
        slot: Option<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)>,
        ty: &Ty,
    ) -> Val<'ctx> {
        if self
            .cg
            .builder
            .get_insert_block()
            .is_some_and(|b| !has_predecessors(b))
        {
            self.cg.builder.unreachable();
            self.ensure_open();
            return self.undef(ty);
        }
        match slot {
            Some((p, lt)) => Val::owned(self.cg.builder.load(lt, p, "value")),
            None => self.unit(),
        }
    }

    /// Arguments of a call in LLVM form. `call_writes`: the callee may write the caller's
    /// variables (`hir::call_may_write`), so arguments read from mutable places are
    /// passed as copies rather than borrowed.
    pub fn lower_args(
        &mut self,
        args: &'p [hir::Arg],
        call_writes: bool,
    ) -> Vec<inkwell::values::BasicMetadataValueEnum<'ctx>> {
        let ops: Vec<&'p Expr> = args.iter().map(|a| &a.expr).collect();
        self.mark_operands(&ops);
        let mut out = Vec::new();
        for a in args {
            let ty = a.expr.ty.clone();
            if a.mode == PassMode::RefMut {
                out.push(self.place(&a.expr, true).into());
                continue;
            }
            if matches!(ty, Ty::Void | Ty::Never) {
                let v = self.expr(&a.expr);
                let _ = v;
                continue;
            }
            let unstable = self.reads_mutable(&a.expr)
                && (call_writes || self.must_own.contains(&(&a.expr as *const Expr)));
            if self.cg.by_pointer(&ty) && !unstable {
                if let Some(p) = self.try_place(&a.expr) {
                    out.push(p.into());
                    continue;
                }
            }
            let v = self.expr(&a.expr);
            // A borrowed value the callee could invalidate (through a `&mut` argument or a
            // closure writing the variable): pass a copy.
            let v = if unstable && v.own == Own::Borrowed && self.cg.needs_drop(&ty) {
                let owned = self.owned(v, &ty);
                Val::owned(owned)
            } else {
                v
            };
            let raw = self.consume_temp(v, &ty);
            if self.cg.by_pointer(&ty) {
                let lt = self.cg.llvm_ty(&ty);
                let p = self.alloca(lt, "arg");
                self.cg.builder.store(p, raw);
                out.push(p.into());
            } else {
                out.push(raw.into());
            }
        }
        out
    }
}

/// Does any branch lead to `b`? (Blocks nobody jumps to hold dead code.)
fn has_predecessors(b: BasicBlock) -> bool {
    b.get_first_use().is_some()
}

fn stmt_span(s: &Stmt) -> crate::source::Span {
    match s {
        Stmt::Let { init, .. } => init.span,
        Stmt::Expr(e) => e.span,
        Stmt::Assign { place, .. } => place.span,
        Stmt::Defer(b) | Stmt::Errdefer(b) => b.span,
    }
}

/// `undef` of any basic type.
pub fn undef_of(t: BasicTypeEnum) -> BasicValueEnum {
    match t {
        BasicTypeEnum::IntType(t) => t.get_undef().into(),
        BasicTypeEnum::FloatType(t) => t.get_undef().into(),
        BasicTypeEnum::PointerType(t) => t.get_undef().into(),
        BasicTypeEnum::StructType(t) => t.get_undef().into(),
        BasicTypeEnum::ArrayType(t) => t.get_undef().into(),
        BasicTypeEnum::VectorType(t) => t.get_undef().into(),
        BasicTypeEnum::ScalableVectorType(t) => t.get_undef().into(),
    }
}

/// The error type `E` of `Result<T, E>` (`Ty::Error` for any other type).
pub fn result_err_ty(ret: &Ty) -> Ty {
    match ret {
        Ty::Adt(_, args) => args.get(1).cloned().unwrap_or(Ty::Error),
        _ => Ty::Error,
    }
}
