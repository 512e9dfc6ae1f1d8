//! HIR: the typed, desugared, monomorphized, closure-converted form code generation
//! consumes.
//!
//! Lowering ([`lower::lower`]) starts at the entry point and follows calls, so only
//! reachable function instances become [`Func`]s. Compared with the typed AST:
//! - `for` loops are `Loop`s with an explicit latch (what `continue` runs before the next
//!   iteration) over an index, a map cursor or a `next()` call;
//! - `!`, `?`, `??`, `if let` and `while let` are `Match`es; `?` is an explicit `Return`;
//! - interpolation and `print` are intrinsic calls over strings;
//! - implicit conversions are explicit constructions or calls; constants are inlined;
//! - every closure literal is a separate [`Func`] whose first parameter is its
//!   environment, created by [`ExprKind::MakeClosure`].
//!
//! Types are the checker's concrete [`Ty`]s; the ADT table travels with the program so
//! code generation can compute layouts without looking back at earlier stages.

pub mod accumulate;
pub mod lower;

pub use self::lower::{lower, lower_tests};

use crate::common::adt::AdtDef;
use crate::common::intrinsic::Intrinsic;
use crate::common::lang::LangItems;
use crate::common::ops::{BinOp, UnOp};
use crate::common::ty::{AdtId, PassMode, Ty};
use crate::source::Span;

pub use crate::common::ops::IndexKind;

/// Index of a function in [`Program::funcs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// Index of a local in its function's [`Func::locals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A whole program ready for code generation.
pub struct Program {
    pub funcs: Vec<Func>,
    /// The user's entry point (`main` or the script body).
    pub main: FuncId,
    /// Whether `main` returns an exit code (`i32`) rather than nothing.
    pub main_returns_code: bool,
    /// The test functions of a `weft test` program, in order (empty otherwise): the
    /// entry point runs the one whose index the `WEFT_TEST` environment variable holds.
    pub tests: Vec<FuncId>,
    /// Struct and enum definitions, indexed by [`AdtId`].
    pub adts: Vec<AdtDef>,
    pub lang: LangItems,
    /// Source file names by file id (for panic locations and debug info).
    pub files: Vec<FileInfo>,
}

/// A source file as panics and debug info name it.
#[derive(Clone, Debug)]
pub struct FileInfo {
    pub name: String,
    /// The directory and base name for DWARF.
    pub dir: String,
    pub base: String,
    /// Byte offset of each line start (for line/column of spans).
    pub line_starts: Vec<u32>,
    pub text: String,
}

impl crate::common::ty::AdtNames for Program {
    fn adt_name(&self, id: AdtId) -> &str {
        &self.adt(id).name
    }

    fn option_adt(&self) -> Option<AdtId> {
        self.lang.option
    }
}

impl FileInfo {
    /// 1-based line and column (characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let mut end = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line as u32 + 1, col as u32)
    }
}

/// The HIR of a one-file program that must check cleanly (for unit tests).
#[cfg(test)]
pub fn lower_source(src: &str) -> Program {
    let mut map = crate::source::SourceMap::new();
    let root = map.add("t.weft", None, src.to_string());
    let mut diags = crate::diagnostics::Diagnostics::new();
    let checked = crate::sema::analyze(&mut map, root, &mut diags);
    assert!(!diags.has_errors(), "the test program has errors");
    lower(&checked, &map)
}

impl Program {
    pub fn func(&self, id: FuncId) -> &Func {
        &self.funcs[id.0 as usize]
    }

    pub fn adt(&self, id: AdtId) -> &AdtDef {
        &self.adts[id.0 as usize]
    }

    /// `file:line:col` parts of a span.
    pub fn location(&self, span: Span) -> (&str, u32, u32) {
        match self.files.get(span.file.0 as usize) {
            Some(f) => {
                let (l, c) = f.line_col(span.start);
                (&f.name, l, c)
            }
            None => ("<unknown>", 0, 0),
        }
    }
}

/// How a function came to be.
#[derive(Clone, Debug, PartialEq)]
pub enum FuncKind {
    /// A declared function (or method) instance.
    Plain,
    /// The body of a closure literal: the first parameter is the environment.
    Closure {
        /// Captured variables, in environment order: each is a local of this function
        /// initialized from the environment.
        captures: Vec<LocalId>,
        /// Captures are pointers to the creator's variables (a local closure) rather
        /// than copies (an escaping closure with a reference-counted environment).
        by_ref: bool,
    },
    /// A `gen fn`: a call makes a `Generator<elem>` (the function's `ret`) and runs none of
    /// the body, which runs from `yield` to `yield` as the generator is resumed
    /// (code generation makes it a coroutine, `codegen/generator.rs`).
    Generator { elem: Ty },
}

#[derive(Clone, Debug)]
pub struct Param {
    pub local: LocalId,
    pub mode: PassMode,
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Ty,
    /// The local's slot holds a pointer to the value rather than the value (`&mut`
    /// parameters, `mut self`, by-reference captures).
    pub indirect: bool,
    /// The local's value may change while it is in scope (a `var`, an in-out parameter, a
    /// `var` captured by reference, a desugaring counter); `let`s and value parameters
    /// keep their value, so values borrowed from them stay valid.
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Func {
    /// For messages and debug info: `Point.norm`, `max<string>`, `main`.
    pub name: String,
    /// The LLVM symbol.
    pub symbol: String,
    pub kind: FuncKind,
    pub params: Vec<Param>,
    pub ret: Ty,
    pub locals: Vec<LocalDecl>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The value of the block (its type is the block's type).
    pub value: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// Binds a pattern (irrefutable, or with an `else` block that diverges).
    Let {
        pat: Pattern,
        init: Expr,
        else_block: Option<Block>,
    },
    /// Evaluates and drops.
    Expr(Expr),
    /// `place = value` or `place op= value`.
    Assign {
        place: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    /// Runs at the end of the enclosing block (every exit).
    Defer(Block),
    /// Runs when the function exits with an error (an `Err`/`None` return).
    Errdefer(Block),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

/// What a call calls.
#[derive(Clone, Debug)]
pub enum CallTarget {
    Func(FuncId),
    /// A runtime-implemented operation of the standard library, with the type arguments
    /// of its declaration (impl parameters first).
    Intrinsic {
        op: Intrinsic,
        type_args: Vec<Ty>,
    },
    /// A C function.
    Extern {
        symbol: String,
    },
    /// A closure value: `{ fn, env }`.
    Closure(Box<Expr>),
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub expr: Expr,
    /// `RefMut` arguments are places; `Ref` and `Value` arguments are values.
    pub mode: PassMode,
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pat: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
}

/// What one case of a `select` does. Operands are locals, evaluated before the select in
/// source order.
#[derive(Clone, Debug)]
pub enum SelectOp {
    /// Receive from the channel in `chan`; the `Result<T>` goes to `result` (None: dropped).
    Recv {
        chan: LocalId,
        result: Option<LocalId>,
    },
    /// Send the value of `value` (a copy is moved in) to the channel in `chan`.
    Send { chan: LocalId, value: LocalId },
    /// Fires after the milliseconds in the local (an `i64`).
    Timeout(LocalId),
    /// Fires when nothing is ready now.
    Default,
}

/// A `select` case and the body it runs.
#[derive(Clone, Debug)]
pub struct SelectArm {
    pub op: SelectOp,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    Unit,
    Local(LocalId),
    Call {
        target: CallTarget,
        args: Vec<Arg>,
    },
    /// Creates a closure value running `func` over the given captured locals.
    MakeClosure {
        func: FuncId,
        captures: Vec<LocalId>,
        by_ref: bool,
    },
    /// A declared function used as a closure value.
    FuncValue(FuncId),
    /// Struct field or tuple element.
    Field {
        base: Box<Expr>,
        index: u32,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        kind: IndexKind,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    /// Arithmetic, comparisons and the short-circuit `&&` / `||`.
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Cast(Box<Expr>),
    Struct {
        adt: AdtId,
        fields: Vec<Expr>,
    },
    Variant {
        adt: AdtId,
        variant: u32,
        fields: Vec<Expr>,
    },
    Tuple(Vec<Expr>),
    Array(Vec<Expr>),
    ArrayRepeat {
        value: Box<Expr>,
        count: u64,
    },
    VecLit(Vec<Expr>),
    If {
        cond: Box<Expr>,
        then_block: Block,
        else_block: Option<Block>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Block(Block),
    /// `loop { body }`; `continue` runs `latch` (when present) and starts over.
    Loop {
        body: Block,
        latch: Option<Block>,
    },
    Break,
    Continue,
    Return(Option<Box<Expr>>),
    /// `*p` on a raw pointer, or the value inside a `Box`.
    Deref(Box<Expr>),
    /// The address of a place, as a raw pointer.
    AddrOf(Box<Expr>),
    /// `select`: waits for the first case that can proceed (a random one among several
    /// ready), performs it and runs its body; the value is the body's.
    Select(Vec<SelectArm>),
    /// `yield value` in a generator's body: hands the value to the caller of `next()` and
    /// suspends until the next one.
    Yield(Box<Expr>),
    /// A compile-time error that reached HIR (never for programs that checked cleanly).
    Unreachable,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub kind: PatternKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatternKind {
    Wild,
    Bind(LocalId),
    /// Equal to a literal (integer, float, bool or string).
    Lit(Box<Expr>),
    Range {
        lo: Box<Expr>,
        hi: Box<Expr>,
        inclusive: bool,
    },
    Tuple(Vec<Pattern>),
    Variant {
        adt: AdtId,
        variant: u32,
        fields: Vec<Pattern>,
    },
    /// Fields by index; missing ones match anything.
    Struct {
        adt: AdtId,
        fields: Vec<(u32, Pattern)>,
    },
    Or(Vec<Pattern>),
}

impl Expr {
    /// May evaluating this expression change the value of a variable of the enclosing
    /// function (or of a place inside one)? True for assignments, `&mut` arguments and
    /// calls that may run a closure (a closure called directly or passed as an
    /// argument: a local closure writes the variables it captures by reference).
    /// Closure literals are not evaluated bodies: creating one writes nothing.
    pub fn may_write(&self) -> bool {
        match &self.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::Unit
            | ExprKind::Local(_)
            | ExprKind::FuncValue(_)
            | ExprKind::MakeClosure { .. }
            | ExprKind::Break
            | ExprKind::Continue
            | ExprKind::Unreachable => false,
            ExprKind::Call { target, args } => {
                call_may_write(target, args)
                    || args.iter().any(|a| a.expr.may_write())
                    || matches!(target, CallTarget::Closure(c) if c.may_write())
            }
            ExprKind::Field { base, .. } => base.may_write(),
            ExprKind::Index { base, index, .. } => base.may_write() || index.may_write(),
            ExprKind::Unary { operand, .. } => operand.may_write(),
            ExprKind::Binary { lhs, rhs, .. } => lhs.may_write() || rhs.may_write(),
            ExprKind::Cast(e) | ExprKind::Deref(e) | ExprKind::AddrOf(e) => e.may_write(),
            ExprKind::Struct { fields, .. }
            | ExprKind::Variant { fields, .. }
            | ExprKind::Tuple(fields)
            | ExprKind::Array(fields)
            | ExprKind::VecLit(fields) => fields.iter().any(Expr::may_write),
            ExprKind::ArrayRepeat { value, .. } => value.may_write(),
            ExprKind::If {
                cond,
                then_block,
                else_block,
            } => {
                cond.may_write()
                    || then_block.may_write()
                    || else_block.as_ref().is_some_and(Block::may_write)
            }
            ExprKind::Match { scrutinee, arms } => {
                scrutinee.may_write()
                    || arms.iter().any(|a| {
                        a.guard.as_ref().is_some_and(Expr::may_write) || a.body.may_write()
                    })
            }
            ExprKind::Block(b) => b.may_write(),
            ExprKind::Loop { body, latch } => {
                body.may_write() || latch.as_ref().is_some_and(Block::may_write)
            }
            ExprKind::Return(v) => v.as_ref().is_some_and(|v| v.may_write()),
            ExprKind::Select(arms) => arms.iter().any(|a| a.body.may_write()),
            // Only the generator's own code runs its frame: a suspension writes none of
            // its variables.
            ExprKind::Yield(v) => v.may_write(),
        }
    }
}

impl Block {
    /// [`Expr::may_write`] for the statements (deferred ones included) and the value.
    pub fn may_write(&self) -> bool {
        self.stmts.iter().any(|s| match s {
            Stmt::Assign { .. } => true,
            Stmt::Let {
                init, else_block, ..
            } => init.may_write() || else_block.as_ref().is_some_and(Block::may_write),
            Stmt::Expr(e) => e.may_write(),
            Stmt::Defer(b) | Stmt::Errdefer(b) => b.may_write(),
        }) || self.value.as_ref().is_some_and(|v| v.may_write())
    }
}

/// May the call itself (its callee running) write the caller's variables: through a
/// `&mut` argument, or by running a closure (the callee, or one passed to it)?
pub fn call_may_write(target: &CallTarget, args: &[Arg]) -> bool {
    matches!(target, CallTarget::Closure(_))
        || args
            .iter()
            .any(|a| a.mode == PassMode::RefMut || matches!(a.expr.ty, Ty::Fn(_)))
}
