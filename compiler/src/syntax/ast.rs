//! The abstract syntax tree: what the parser produces and name resolution reads.
//!
//! The AST mirrors the surface syntax of docs/reference.md with every node spanned. It does not
//! resolve names: `Shape.Circle(2.0)` is a method call on the name `Shape`, `None` in a
//! pattern is a binding until resolution finds the variant. Control flow (`return`, loops,
//! `break`) is expression-shaped so that it can stand in a match arm (`None => return 0`).

use super::token::{FloatSuffix, IntSuffix};
pub use crate::common::ops::{BinOp, UnOp};
use crate::source::{FileId, Span};

/// A name with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl Ident {
    pub fn new(name: impl Into<String>, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
}

/// One parsed source file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
}

/// `@name` or `@name(args)` before an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub name: Ident,
    pub args: Vec<Expr>,
    pub span: Span,
}

/// A top-level (or `impl`-level) element.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub annotations: Vec<Annotation>,
    /// `pub` was written.
    pub public: bool,
    pub kind: ItemKind,
    pub span: Span,
}

// Items are few and live in one Vec per module; boxing the statement variant would cost
// an allocation per top-level statement of a script for no measurable gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `from "path" import { A, B as C }`
    Import(Import),
    Fn(FnDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Impl(ImplDecl),
    /// `resource Name`
    Resource(Ident),
    /// A statement at the top level: a module constant (`let` in a file with `main`) or a
    /// statement of script mode. Sema decides which.
    Stmt(Stmt),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The module path as written: `std/runtime` or `./geometry`.
    pub path: String,
    pub path_span: Span,
    pub names: Vec<ImportName>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportName {
    pub name: Ident,
    pub alias: Option<Ident>,
}

/// Flavour of a function declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FnFlags {
    /// `async fn`: returns `Promise<T>`, body runs as a green task.
    pub is_async: bool,
    /// `gen fn`: returns `Generator<T>`, body may `yield`.
    pub is_gen: bool,
    /// `extern fn`: a C function, no body.
    pub is_extern: bool,
    /// `test fn`: run by `weft test`.
    pub is_test: bool,
}

/// `self` or `mut self` as the first parameter of a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receiver {
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub flags: FnFlags,
    pub name: Ident,
    pub generics: Vec<GenericParam>,
    pub receiver: Option<Receiver>,
    pub params: Vec<Param>,
    /// `None` means `void`.
    pub ret: Option<Type>,
    pub effects: Option<EffectClause>,
    /// `None` for `extern fn` and std intrinsics.
    pub body: Option<Block>,
    /// From `fn` (or its flags) to the end of the signature.
    pub sig_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GenericParam {
    pub name: Ident,
    /// `E = Error`
    pub default: Option<Type>,
}

/// A function or closure parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    /// Omitted only on closure parameters whose type comes from the expected type.
    pub ty: Option<Type>,
    /// `move f: () => T` — an escaping closure parameter.
    pub is_move: bool,
    /// `ordering: MemoryOrdering = MemoryOrdering.SeqCst`
    pub default: Option<Expr>,
    pub span: Span,
}

/// `with reads(A), writes(B), io`
#[derive(Clone, Debug, PartialEq)]
pub struct EffectClause {
    pub effects: Vec<Effect>,
    pub span: Span,
}

/// One effect: `io`, `suspends`, `blocks`, `pure`, or `reads(R)` / `writes(R)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub name: Ident,
    pub resource: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    /// `par struct`: shareable between `par` branches.
    pub is_par: bool,
    pub name: Ident,
    pub generics: Vec<GenericParam>,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub generics: Vec<GenericParam>,
    pub variants: Vec<VariantDecl>,
}

/// `Circle(f64)` or `Empty`.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDecl {
    pub name: Ident,
    pub fields: Vec<Type>,
    pub span: Span,
}

/// `impl<T> Stack<T> { fn ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct ImplDecl {
    pub generics: Vec<GenericParam>,
    pub target: Type,
    /// Only `Fn` items.
    pub items: Vec<Item>,
}

/// A written type.
#[derive(Clone, Debug, PartialEq)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `i64`, `void`, `Point`, `Vec<T>`, `HashMap<K, V>`.
    Path { name: Ident, args: Vec<Type> },
    /// `T?`
    Option(Box<Type>),
    /// `[T; N]`
    Array(Box<Type>, Box<Expr>),
    /// `(A, B)`; `()` is written for `void` too.
    Tuple(Vec<Type>),
    /// `(A, B) => R`
    Fn { params: Vec<Type>, ret: Box<Type> },
    /// `*T`
    Ptr(Box<Type>),
    /// `&T` / `&mut T` (parameters only).
    Ref { mutable: bool, inner: Box<Type> },
    /// Placeholder after a syntax error.
    Error,
}

/// A `{ ... }` block. Its value is its last statement when that is an expression
/// statement without an explicit `;`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let pat[: T] = init [else { ... }]`
    Let {
        pat: Pattern,
        ty: Option<Type>,
        init: Expr,
        else_block: Option<Block>,
    },
    /// `var name[: T] = init`
    Var {
        name: Ident,
        ty: Option<Type>,
        init: Expr,
    },
    /// `target = value` or `target op= value`.
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    /// An expression statement; `semi` is true when an explicit `;` followed it.
    Expr { expr: Expr, semi: bool },
    /// `defer stmt`
    Defer(Box<Stmt>),
    /// `errdefer stmt`
    Errdefer(Box<Stmt>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// One piece of an interpolated string.
#[derive(Clone, Debug, PartialEq)]
pub enum InterpPart {
    Lit(String),
    Expr(Box<Expr>),
}

/// `name: value` (or shorthand `name`) in a struct literal.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Option<Expr>,
}

/// The condition of `if` / `while`: a boolean, or `let pat = e`.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Expr(Expr),
    Let(Pattern, Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Closure {
    /// `move` was written.
    pub is_move: bool,
    pub params: Vec<Param>,
    pub ret: Option<Type>,
    /// A block or a single expression.
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    pub pat: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SelectCase {
    /// `case let v = ch.recv() =>`
    Let(Pattern, Expr),
    /// `case ch.send(x) =>`
    Expr(Expr),
    /// `case timeout(ms) =>`
    Timeout(Expr),
    /// `default =>`
    Default,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SelectArm {
    pub case: SelectCase,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(u64, Option<IntSuffix>),
    Float(f64, Option<FloatSuffix>),
    Bool(bool),
    Str(String),
    /// `'a'`
    Byte(u8),
    /// `$"x = {x + 1}"`
    Interp(Vec<InterpPart>),
    /// A plain name: variable, function, type or enum variant.
    Name(Ident),
    /// A name with explicit type arguments in expression position: `Channel<i64>` in
    /// `Channel<i64>.new(8)`, `max<i64>` in `max<i64>(a, b)`.
    Generic {
        name: Ident,
        args: Vec<Type>,
    },
    /// `()`
    Unit,
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `[a, b, c]`
    Array(Vec<Expr>),
    /// `[value; count]`
    ArrayRepeat {
        value: Box<Expr>,
        count: Box<Expr>,
    },
    /// `Point { x: 1.0, y }`, `Pair<i64, string> { ... }`
    StructLit {
        name: Ident,
        args: Vec<Type>,
        fields: Vec<FieldInit>,
    },
    /// `base.name`; tuple fields are `base.0` (name `"0"`).
    Field {
        base: Box<Expr>,
        name: Ident,
    },
    /// `receiver.method<T>(args)`
    MethodCall {
        receiver: Box<Expr>,
        method: Ident,
        type_args: Vec<Type>,
        args: Vec<Expr>,
    },
    /// `callee(args)`
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `base[index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `e as T`
    Cast {
        expr: Box<Expr>,
        ty: Type,
    },
    /// `e!`
    Unwrap(Box<Expr>),
    /// `e?`
    Try(Box<Expr>),
    /// `a..b` / `a..=b`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    Closure(Box<Closure>),
    If {
        cond: Box<Cond>,
        then_block: Block,
        /// A `Block` or another `If`.
        else_branch: Option<Box<Expr>>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Block(Block),
    /// `unsafe { }`
    Unsafe(Block),
    /// `blocking { }`
    Blocking(Block),
    /// `while cond { }`
    While {
        cond: Box<Cond>,
        body: Block,
    },
    /// `loop { }`
    Loop(Block),
    /// `for first[, second] in iter { }`
    For {
        first: Pattern,
        second: Option<Pattern>,
        iter: Box<Expr>,
        body: Block,
    },
    Return(Option<Box<Expr>>),
    Break,
    Continue,
    /// `par { stmt; stmt }` — each statement is a branch.
    Par(Block),
    /// `par for pat in iter { }`
    ParFor {
        pat: Pattern,
        iter: Box<Expr>,
        body: Block,
    },
    /// `concurrent [timeout(ms)] { }`
    Concurrent {
        timeout: Option<Box<Expr>>,
        body: Block,
    },
    /// `spawn f(x)` / `spawn { }` inside `concurrent`.
    Spawn(Box<Expr>),
    /// `select { case ... }`
    Select(Vec<SelectArm>),
    /// `try par { }` / `try concurrent { }`
    TryScope(Box<Expr>),
    /// `await e`
    Await(Box<Expr>),
    /// `yield e` inside `gen fn`.
    Yield(Box<Expr>),
    /// Placeholder after a syntax error.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatternKind {
    /// `_`
    Wild,
    /// `x` (or a unit variant such as `None`; resolution decides).
    Bind(Ident),
    /// A literal: integer (possibly negative), float, string, bool or byte.
    Lit(Box<Expr>),
    /// `1..=5`, `'a'..='z'`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    /// `(a, b)`
    Tuple(Vec<Pattern>),
    /// `Some(x)`, `Shape.Rect(w, h)`, `Color.Red`: one or two path segments, with
    /// arguments when parenthesized.
    Variant {
        path: Vec<Ident>,
        args: Option<Vec<Pattern>>,
    },
    /// `Point { x, y: py, .. }`
    Struct {
        name: Ident,
        fields: Vec<(Ident, Option<Pattern>)>,
        rest: bool,
    },
    /// `A | B`
    Or(Vec<Pattern>),
    /// Placeholder after a syntax error.
    Error,
}
