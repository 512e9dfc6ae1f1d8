//! A walk over the syntax tree, for tools that look at every node of a kind (the
//! formatter's generic brackets, the language server's symbols) and for the nesting
//! limit ([`super::depth`]), which cuts nodes as it goes.
//!
//! [`Visit`] reads the tree; [`mutable::Visit`] is the same walk over `&mut` nodes. Implement
//! the methods for the nodes of interest and call the matching `walk_*` function inside to
//! keep descending; the defaults only descend. The walk recurses as deep as the tree: run
//! it on a thread with the compiler's stack ([`crate::driver::with_big_stack`]) for trees
//! near the nesting limit.

use super::ast::*;

/// Declares the visitor trait and its `walk_*` functions, over `&` nodes or (with `mut`)
/// over `&mut` nodes.
macro_rules! visitor {
    ($($m:tt)?) => {
        /// A visitor over the syntax tree; every method defaults to visiting the node's children.
        pub trait Visit {
            fn item(&mut self, item: &$($m)? Item) {
                walk_item(self, item)
            }
            fn fn_decl(&mut self, f: &$($m)? FnDecl) {
                walk_fn(self, f)
            }
            /// A generic parameter list (`<T, E = Error>`), never empty.
            fn generics(&mut self, g: &$($m)? [GenericParam]) {
                walk_generics(self, g)
            }
            /// A list of type arguments (`Vec<i64>`, `Channel<i64>.new`, `m<T>(...)`), never
            /// empty.
            fn type_args(&mut self, args: &$($m)? [Type]) {
                for t in args {
                    self.ty(t);
                }
            }
            fn ty(&mut self, t: &$($m)? Type) {
                walk_ty(self, t)
            }
            fn block(&mut self, b: &$($m)? Block) {
                walk_block(self, b)
            }
            fn stmt(&mut self, s: &$($m)? Stmt) {
                walk_stmt(self, s)
            }
            fn expr(&mut self, e: &$($m)? Expr) {
                walk_expr(self, e)
            }
            fn pat(&mut self, p: &$($m)? Pattern) {
                walk_pat(self, p)
            }
        }

        /// Visits every item of a module.
        pub fn walk_module<V: Visit + ?Sized>(v: &mut V, m: &$($m)? Module) {
            for item in &$($m)? m.items {
                v.item(item);
            }
        }

        pub fn walk_item<V: Visit + ?Sized>(v: &mut V, item: &$($m)? Item) {
            for a in &$($m)? item.annotations {
                for e in &$($m)? a.args {
                    v.expr(e);
                }
            }
            match &$($m)? item.kind {
                ItemKind::Fn(f) => v.fn_decl(f),
                ItemKind::Struct(s) => {
                    if !s.generics.is_empty() {
                        v.generics(&$($m)? s.generics);
                    }
                    for f in &$($m)? s.fields {
                        v.ty(&$($m)? f.ty);
                    }
                }
                ItemKind::Enum(e) => {
                    if !e.generics.is_empty() {
                        v.generics(&$($m)? e.generics);
                    }
                    for var in &$($m)? e.variants {
                        for t in &$($m)? var.fields {
                            v.ty(t);
                        }
                    }
                }
                ItemKind::Impl(i) => {
                    if !i.generics.is_empty() {
                        v.generics(&$($m)? i.generics);
                    }
                    v.ty(&$($m)? i.target);
                    for item in &$($m)? i.items {
                        v.item(item);
                    }
                }
                ItemKind::Stmt(s) => v.stmt(s),
                ItemKind::Import(_) | ItemKind::Resource(_) => {}
            }
        }

        pub fn walk_fn<V: Visit + ?Sized>(v: &mut V, f: &$($m)? FnDecl) {
            if !f.generics.is_empty() {
                v.generics(&$($m)? f.generics);
            }
            walk_params(v, &$($m)? f.params);
            if let Some(t) = &$($m)? f.ret {
                v.ty(t);
            }
            if let Some(b) = &$($m)? f.body {
                v.block(b);
            }
        }

        pub fn walk_generics<V: Visit + ?Sized>(v: &mut V, g: &$($m)? [GenericParam]) {
            for p in g {
                if let Some(t) = &$($m)? p.default {
                    v.ty(t);
                }
            }
        }

        fn walk_params<V: Visit + ?Sized>(v: &mut V, params: &$($m)? [Param]) {
            for p in params {
                if let Some(t) = &$($m)? p.ty {
                    v.ty(t);
                }
                if let Some(e) = &$($m)? p.default {
                    v.expr(e);
                }
            }
        }

        pub fn walk_ty<V: Visit + ?Sized>(v: &mut V, t: &$($m)? Type) {
            match &$($m)? t.kind {
                TypeKind::Path { args, .. } => {
                    if !args.is_empty() {
                        v.type_args(args);
                    }
                }
                TypeKind::Option(inner) | TypeKind::Ptr(inner) | TypeKind::Ref { inner, .. } => {
                    v.ty(inner)
                }
                TypeKind::Array(elem, len) => {
                    v.ty(elem);
                    v.expr(len);
                }
                TypeKind::Tuple(ts) => for t in ts { v.ty(t) },
                TypeKind::Fn { params, ret } => {
                    for t in params { v.ty(t) }
                    v.ty(ret);
                }
                TypeKind::Error => {}
            }
        }

        pub fn walk_block<V: Visit + ?Sized>(v: &mut V, b: &$($m)? Block) {
            for s in &$($m)? b.stmts {
                v.stmt(s);
            }
        }

        pub fn walk_stmt<V: Visit + ?Sized>(v: &mut V, s: &$($m)? Stmt) {
            match &$($m)? s.kind {
                StmtKind::Let {
                    pat,
                    ty,
                    init,
                    else_block,
                } => {
                    v.pat(pat);
                    if let Some(t) = ty {
                        v.ty(t);
                    }
                    v.expr(init);
                    if let Some(b) = else_block {
                        v.block(b);
                    }
                }
                StmtKind::Var { ty, init, .. } => {
                    if let Some(t) = ty {
                        v.ty(t);
                    }
                    v.expr(init);
                }
                StmtKind::Assign { target, value, .. } => {
                    v.expr(target);
                    v.expr(value);
                }
                StmtKind::Expr { expr, .. } => v.expr(expr),
                StmtKind::Defer(s) | StmtKind::Errdefer(s) => v.stmt(s),
            }
        }

        fn walk_cond<V: Visit + ?Sized>(v: &mut V, c: &$($m)? Cond) {
            match c {
                Cond::Expr(e) => v.expr(e),
                Cond::Let(p, e) => {
                    v.pat(p);
                    v.expr(e);
                }
            }
        }

        pub fn walk_expr<V: Visit + ?Sized>(v: &mut V, e: &$($m)? Expr) {
            match &$($m)? e.kind {
                ExprKind::Int(..)
                | ExprKind::Float(..)
                | ExprKind::Bool(_)
                | ExprKind::Str(_)
                | ExprKind::Byte(_)
                | ExprKind::Name(_)
                | ExprKind::Unit
                | ExprKind::Break
                | ExprKind::Continue
                | ExprKind::Return(None)
                | ExprKind::Error => {}
                ExprKind::Interp(parts) => {
                    for p in parts {
                        if let InterpPart::Expr(e) = p {
                            v.expr(e);
                        }
                    }
                }
                ExprKind::Generic { args, .. } => {
                    if !args.is_empty() {
                        v.type_args(args);
                    }
                }
                ExprKind::Tuple(es) | ExprKind::Array(es) => for e in es { v.expr(e) },
                ExprKind::ArrayRepeat { value, count } => {
                    v.expr(value);
                    v.expr(count);
                }
                ExprKind::StructLit { args, fields, .. } => {
                    if !args.is_empty() {
                        v.type_args(args);
                    }
                    for f in fields {
                        if let Some(val) = &$($m)? f.value {
                            v.expr(val);
                        }
                    }
                }
                ExprKind::Field { base, .. } => v.expr(base),
                ExprKind::MethodCall {
                    receiver,
                    type_args,
                    args,
                    ..
                } => {
                    v.expr(receiver);
                    if !type_args.is_empty() {
                        v.type_args(type_args);
                    }
                    for e in args { v.expr(e) }
                }
                ExprKind::Call { callee, args } => {
                    v.expr(callee);
                    for e in args { v.expr(e) }
                }
                ExprKind::Index { base, index } => {
                    v.expr(base);
                    v.expr(index);
                }
                ExprKind::Binary { lhs, rhs, .. } => {
                    v.expr(lhs);
                    v.expr(rhs);
                }
                ExprKind::Range { start, end, .. } => {
                    v.expr(start);
                    v.expr(end);
                }
                ExprKind::Cast { expr, ty } => {
                    v.expr(expr);
                    v.ty(ty);
                }
                ExprKind::Unary { expr: inner, .. }
                | ExprKind::Unwrap(inner)
                | ExprKind::Try(inner)
                | ExprKind::Spawn(inner)
                | ExprKind::TryScope(inner)
                | ExprKind::Await(inner)
                | ExprKind::Yield(inner)
                | ExprKind::Return(Some(inner)) => v.expr(inner),
                ExprKind::Closure(c) => {
                    walk_params(v, &$($m)? c.params);
                    if let Some(t) = &$($m)? c.ret {
                        v.ty(t);
                    }
                    v.expr(&$($m)? c.body);
                }
                ExprKind::If {
                    cond,
                    then_block,
                    else_branch,
                } => {
                    walk_cond(v, cond);
                    v.block(then_block);
                    if let Some(e) = else_branch {
                        v.expr(e);
                    }
                }
                ExprKind::While { cond, body } => {
                    walk_cond(v, cond);
                    v.block(body);
                }
                ExprKind::Match { scrutinee, arms } => {
                    v.expr(scrutinee);
                    for arm in arms {
                        v.pat(&$($m)? arm.pat);
                        if let Some(g) = &$($m)? arm.guard {
                            v.expr(g);
                        }
                        v.expr(&$($m)? arm.body);
                    }
                }
                ExprKind::Block(b)
                | ExprKind::Unsafe(b)
                | ExprKind::Blocking(b)
                | ExprKind::Loop(b)
                | ExprKind::Par(b) => v.block(b),
                ExprKind::For {
                    first,
                    second,
                    iter,
                    body,
                } => {
                    v.pat(first);
                    if let Some(p) = second {
                        v.pat(p);
                    }
                    v.expr(iter);
                    v.block(body);
                }
                ExprKind::ParFor { pat, iter, body } => {
                    v.pat(pat);
                    v.expr(iter);
                    v.block(body);
                }
                ExprKind::Concurrent { timeout, body } => {
                    if let Some(t) = timeout {
                        v.expr(t);
                    }
                    v.block(body);
                }
                ExprKind::Select(arms) => {
                    for arm in arms {
                        match &$($m)? arm.case {
                            SelectCase::Let(p, e) => {
                                v.pat(p);
                                v.expr(e);
                            }
                            SelectCase::Expr(e) | SelectCase::Timeout(e) => v.expr(e),
                            SelectCase::Default => {}
                        }
                        v.expr(&$($m)? arm.body);
                    }
                }
            }
        }

        pub fn walk_pat<V: Visit + ?Sized>(v: &mut V, p: &$($m)? Pattern) {
            match &$($m)? p.kind {
                PatternKind::Wild | PatternKind::Bind(_) | PatternKind::Error => {}
                PatternKind::Lit(e) => v.expr(e),
                PatternKind::Range { start, end, .. } => {
                    v.expr(start);
                    v.expr(end);
                }
                PatternKind::Tuple(ps) | PatternKind::Or(ps) => for p in ps { v.pat(p) },
                PatternKind::Variant { args, .. } => {
                    for p in args.into_iter().flatten() {
                        v.pat(p);
                    }
                }
                PatternKind::Struct { fields, .. } => {
                    for (_, p) in fields {
                        if let Some(p) = p {
                            v.pat(p);
                        }
                    }
                }
            }
        }
    };
}

visitor!();

/// The walk over `&mut` nodes.
pub mod mutable {
    use super::*;

    visitor!(mut);
}
