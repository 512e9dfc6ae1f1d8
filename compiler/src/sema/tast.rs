//! The typed AST: what the checker produces and HIR lowering consumes.
//!
//! Every expression carries its concrete type; names are resolved to locals, function
//! instances, intrinsics, ADT fields and variants. Generic functions appear once per
//! instantiation (the checker checks each instantiation, as docs/reference.md section 3.8 describes), so
//! no type here mentions a generic parameter or an inference variable. Implicit
//! conversions (`T` → `T?`, `string` → `Error`) are explicit [`Coercion`] nodes.
//! Desugaring (for-in, `!`, `?`, `??`, interpolation, closures → env + fn) is left to HIR.

use super::defs::{ConstId, FnId};
pub use crate::common::ops::IndexKind;
use crate::common::ty::{AdtId, PassMode, Ty};
use crate::source::Span;
use crate::syntax::ast::{BinOp, UnOp};

/// A local variable of a function instance (parameters, `let`/`var`, pattern bindings,
/// closure parameters — closures share their enclosing function's local table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A function instance: a function with concrete type arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstId(pub u32);

/// A resolved function (free function, method, static method, intrinsic or extern) with
/// its type arguments (impl parameters first). Intrinsics and externs are told apart by
/// the function's [`super::defs::FnBody`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnRef {
    pub fn_id: FnId,
    pub type_args: Vec<Ty>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalKind {
    Let,
    Var,
    Param(PassMode),
    /// The receiver; `mutable` for `mut self`.
    SelfParam {
        mutable: bool,
    },
    /// A binding introduced by a pattern (`match`, `if let`, `for`).
    Binding,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    pub kind: LocalKind,
    pub span: Span,
}

impl Local {
    /// Can the local be assigned or passed as `&mut`?
    pub fn is_mutable(&self) -> bool {
        matches!(
            self.kind,
            LocalKind::Var
                | LocalKind::Param(PassMode::RefMut)
                | LocalKind::SelfParam { mutable: true }
        )
    }
}

/// A checked function instance.
#[derive(Clone, Debug)]
pub struct Instance {
    pub fn_id: FnId,
    /// Concrete arguments for the function's generic parameters (impl parameters first).
    pub type_args: Vec<Ty>,
    /// Display name, e.g. `max<string>` or `Stack<i64>.push`.
    pub name: String,
    pub locals: Vec<Local>,
    /// Receiver (if any) then parameters, in order. Void-typed parameters are omitted.
    pub params: Vec<LocalId>,
    pub ret: Ty,
    /// None for extern functions and intrinsics.
    pub body: Option<TExpr>,
}

#[derive(Clone, Debug)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Ty,
    pub span: Span,
}

/// How `!`, `?` and `??` see their operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallible {
    Option,
    Result,
}

/// Implicit conversions made explicit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coercion {
    /// `T` → `Some(T)` where a `T?` is expected.
    WrapSome,
    /// `string` → `Error` where an `Error` is expected.
    StrToError,
    /// An error type with a `toError(): Error` method (TaskError, RecvError) → `Error`.
    ToError(FnRef),
    /// A printed or interpolated value → its text, through its `toString(self): string`.
    ToString(FnRef),
}

/// What is being called.
#[derive(Clone, Debug)]
pub enum Callee {
    /// A declared function; methods get their receiver as the first argument.
    Fn(FnRef),
    /// A closure value.
    Value(Box<TExpr>),
    /// `print` / `eprint`: every argument is a string (see [`Coercion::ToString`]).
    Print { stderr: bool },
}

/// An argument with how it is passed.
#[derive(Clone, Debug)]
pub struct TArg {
    pub expr: TExpr,
    /// `RefMut` arguments are places.
    pub mode: PassMode,
}

/// What a `for` loop iterates.
#[derive(Clone, Debug)]
pub enum ForKind {
    /// `for i in a..b` / `a..=b`.
    Range { inclusive: bool },
    /// `for x in v` / `for i, x in v` over a Vec.
    Vec,
    /// Over a fixed array.
    Array,
    /// `for (k, v) in map` / `for k, v in map`.
    Map,
    /// Any value with a `next(): T?` method (channels, generators, user iterators).
    Next(FnRef),
}

#[derive(Clone, Debug)]
pub struct TBlock {
    pub stmts: Vec<TStmt>,
    /// The trailing expression whose value the block produces.
    pub value: Option<Box<TExpr>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TStmt {
    /// `let`/`var` and destructuring `let`; `else_block` for `let ... else`.
    Let {
        pat: TPattern,
        init: TExpr,
        else_block: Option<TBlock>,
    },
    /// An expression whose value is dropped.
    Expr(TExpr),
    /// `place = value` / `place op= value`.
    Assign {
        place: TExpr,
        op: Option<BinOp>,
        value: TExpr,
    },
    Defer(TBlock),
    Errdefer(TBlock),
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pat: TPattern,
    pub guard: Option<TExpr>,
    pub body: TExpr,
}

/// What one case of a `select` does (docs/reference.md 6.10).
#[derive(Clone, Debug)]
pub enum TSelectCase {
    /// `case let pat = ch.recv()` (`bind: None` for `case ch.recv()`): the pattern binds
    /// the receive's `Result<T>` (Err once the channel is closed and drained).
    Recv { chan: TExpr, bind: Option<TPattern> },
    /// `case ch.send(value)`.
    Send { chan: TExpr, value: Box<TExpr> },
    /// `case timeout(ms)`: `ms` is an `i64`.
    Timeout(TExpr),
    /// `default`.
    Default,
}

/// A `select` case with the body it runs when it fires.
#[derive(Clone, Debug)]
pub struct TSelectArm {
    pub case: TSelectCase,
    pub body: TExpr,
}

#[derive(Clone, Debug)]
pub struct Capture {
    pub local: LocalId,
    /// Captured by reference (a `var` in a local closure) rather than copied.
    pub by_ref: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TClosure {
    pub params: Vec<(LocalId, PassMode)>,
    pub ret: Ty,
    pub body: TExpr,
    pub captures: Vec<Capture>,
    /// A move closure: every capture is a copy taken at creation.
    pub is_move: bool,
}

#[derive(Clone, Debug)]
pub enum TExprKind {
    /// Integer literal of any integer type (value as written; negation is a Unary node).
    Int(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// The unit value of type `void`.
    Unit,
    Local(LocalId),
    /// A module-level constant (HIR inlines its initializer).
    Const(ConstId),
    /// A function used as a value.
    FnRef(FnRef),
    Call {
        callee: Callee,
        args: Vec<TArg>,
    },
    /// A struct field or tuple element by index.
    Field {
        base: Box<TExpr>,
        index: u32,
    },
    Index {
        base: Box<TExpr>,
        index: Box<TExpr>,
        kind: IndexKind,
    },
    Unary {
        op: UnOp,
        operand: Box<TExpr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    Cast(Box<TExpr>),
    Struct {
        adt: AdtId,
        /// In declaration order.
        fields: Vec<TExpr>,
    },
    Variant {
        adt: AdtId,
        variant: u32,
        fields: Vec<TExpr>,
    },
    Tuple(Vec<TExpr>),
    /// A fixed-array literal.
    Array(Vec<TExpr>),
    ArrayRepeat {
        value: Box<TExpr>,
        count: u64,
    },
    /// A `Vec` literal `[a, b]`.
    VecLit(Vec<TExpr>),
    Closure(Box<TClosure>),
    If {
        cond: Box<TExpr>,
        then_block: TBlock,
        else_branch: Option<Box<TExpr>>,
    },
    /// `if let pat = scrutinee { } else { }`
    IfLet {
        pat: TPattern,
        scrutinee: Box<TExpr>,
        then_block: TBlock,
        else_branch: Option<Box<TExpr>>,
    },
    Match {
        scrutinee: Box<TExpr>,
        arms: Vec<MatchArm>,
    },
    Block(TBlock),
    Loop(TBlock),
    While {
        cond: Box<TExpr>,
        body: TBlock,
    },
    WhileLet {
        pat: TPattern,
        scrutinee: Box<TExpr>,
        body: TBlock,
    },
    For {
        kind: ForKind,
        /// For `for i, x in v`: the index pattern.
        index: Option<TPattern>,
        pat: TPattern,
        iter: Box<TExpr>,
        body: TBlock,
    },
    Return(Option<Box<TExpr>>),
    Break,
    Continue,
    /// `par { }`: each branch a local closure `() => void` run as a child task.
    Par {
        branches: Vec<TClosure>,
        try_scope: bool,
    },
    /// `par for`: the iterations `lo..hi` (i64) cut into chunks, each run by `body`, a
    /// local closure `(chunk_lo: i64, chunk_hi: i64) => void`.
    ParFor {
        lo: Box<TExpr>,
        hi: Box<TExpr>,
        body: Box<TClosure>,
        try_scope: bool,
    },
    /// `concurrent [timeout(ms)] { }`; the `spawn`s of its body are its children.
    Concurrent {
        timeout: Option<Box<TExpr>>,
        body: TBlock,
        try_scope: bool,
    },
    /// `spawn ...` in the innermost `concurrent` block: the closure `() => T` it runs.
    Spawn(Box<TExpr>),
    /// `e!`; for a Result, `err_to_string` turns the error into the panic message (None
    /// when the error already is a string).
    Unwrap {
        expr: Box<TExpr>,
        kind: Fallible,
        err_to_string: Option<FnRef>,
    },
    /// `e?`: the enclosing function's return type is Option or Result accordingly;
    /// `convert` turns the error into the function's error type when they differ.
    Try {
        expr: Box<TExpr>,
        kind: Fallible,
        convert: Option<Coercion>,
    },
    /// `a ?? b`
    Coalesce {
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
        kind: Fallible,
    },
    /// `$"..."`: the pieces in order, each a string (literal pieces, string values, or
    /// values converted with [`Coercion::ToString`]).
    Interp(Vec<TExpr>),
    Coerce(Coercion, Box<TExpr>),
    /// `&place` used to take a raw pointer (`&x as *u8`) or pass a `&T`.
    AddrOf(Box<TExpr>),
    /// `*p` on a raw pointer.
    Deref(Box<TExpr>),
    /// `blocking { }`: runs on the blocking pool of OS threads while the task waits, so it
    /// may use the task's variables by reference (`captures`).
    Blocking {
        body: TBlock,
        captures: Vec<Capture>,
    },
    /// `select { case ... => body }`: the operands of the cases are evaluated in source
    /// order, then the select waits for the first case that can proceed.
    Select(Vec<TSelectArm>),
    /// `yield value` in the body of a `gen fn` (the value has the generator's element
    /// type; the expression is `void`).
    Yield(Box<TExpr>),
    /// `a..b` used as a value (only inside `for`).
    Range {
        start: Box<TExpr>,
        end: Box<TExpr>,
        inclusive: bool,
    },
    /// An erroneous expression (never reaches HIR: the program had errors).
    Error,
}

#[derive(Clone, Debug)]
pub struct TPattern {
    pub kind: TPatternKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TPatternKind {
    Wild,
    Bind(LocalId),
    /// A literal to compare with (integer, float, string, bool).
    Lit(Box<TExpr>),
    Range {
        lo: Box<TExpr>,
        hi: Box<TExpr>,
        inclusive: bool,
    },
    Tuple(Vec<TPattern>),
    Variant {
        adt: AdtId,
        variant: u32,
        fields: Vec<TPattern>,
    },
    /// Fields by declaration index; missing ones are wildcards.
    Struct {
        adt: AdtId,
        fields: Vec<(u32, TPattern)>,
    },
    Or(Vec<TPattern>),
    Error,
}

impl TPattern {
    /// A pattern binding the whole value to `local`.
    pub fn bind(local: LocalId, ty: Ty, span: Span) -> TPattern {
        TPattern {
            kind: TPatternKind::Bind(local),
            ty,
            span,
        }
    }
}

impl FnRef {
    /// This function's instance for `type_args`.
    pub fn with_type_args(self, type_args: Vec<Ty>) -> FnRef {
        FnRef {
            fn_id: self.fn_id,
            type_args,
        }
    }
}
