//! Parser tests. Trees are compared through a compact S-expression rendering
//! (`(+ a (* b c))`), so each test states the shape it expects in one line.

mod control;
mod errors;
mod exprs;
mod items;
mod robustness;
mod seeds;

use super::{parse_expr_str, parse_file};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::*;

/// Parses a file; returns the module and its diagnostics.
pub(super) fn parse(src: &str) -> (Module, Vec<Diagnostic>) {
    let mut diags = Diagnostics::new();
    let module = parse_file(FileId(0), src, &mut diags);
    (module, diags.into_vec())
}

/// Parses a file that must have no diagnostics.
pub(super) fn parse_ok(src: &str) -> Module {
    let (module, diags) = parse(src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}:\n{}",
        show(src, &diags)
    );
    module
}

/// Parses one expression that must have no diagnostics, rendered as an S-expression.
pub(super) fn expr(src: &str) -> String {
    let (e, diags) = parse_expr_str(src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}:\n{}",
        show(src, &diags)
    );
    sexp(&e.expect("an expression"))
}

/// The statements of a file (top-level statements and function bodies), rendered.
pub(super) fn stmts(src: &str) -> Vec<String> {
    parse_ok(src).items.iter().map(item_sexp).collect()
}

/// `line:col: CODE message` for each diagnostic.
pub(super) fn show(src: &str, diags: &[Diagnostic]) -> String {
    let mut map = SourceMap::new();
    let file = map.add("t.weft", None, src.to_string());
    diags
        .iter()
        .map(|d| {
            let (line, col) = map.get(file).line_col(d.primary.start);
            format!("{line}:{col}: {} {}\n", d.code, d.message)
        })
        .collect()
}

/// The (line, code, message) of each diagnostic of a file.
pub(super) fn errors(src: &str) -> Vec<(usize, &'static str, String)> {
    let (_, diags) = parse(src);
    let mut map = SourceMap::new();
    let file = map.add("t.weft", None, src.to_string());
    diags
        .iter()
        .map(|d| {
            let (line, _) = map.get(file).line_col(d.primary.start);
            (line, d.code.0, d.message.clone())
        })
        .collect()
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(" ")
}

pub(super) fn item_sexp(item: &Item) -> String {
    let mut out = String::new();
    for a in &item.annotations {
        out += &format!("@{}({}) ", a.name.name, list(&a.args, sexp));
    }
    if item.public {
        out += "pub ";
    }
    out += &match &item.kind {
        ItemKind::Import(i) => format!(
            "(import {:?} {})",
            i.path,
            list(&i.names, |n| match &n.alias {
                Some(a) => format!("{}:{}", n.name.name, a.name),
                None => n.name.name.clone(),
            })
        ),
        ItemKind::Fn(f) => fn_sexp(f),
        ItemKind::Struct(s) => format!(
            "({}struct {}{} {})",
            if s.is_par { "par " } else { "" },
            s.name.name,
            generics_sexp(&s.generics),
            list(&s.fields, |f| format!("{}:{}", f.name.name, ty(&f.ty)))
        ),
        ItemKind::Enum(e) => format!(
            "(enum {}{} {})",
            e.name.name,
            generics_sexp(&e.generics),
            list(&e.variants, |v| if v.fields.is_empty() {
                v.name.name.clone()
            } else {
                format!("{}({})", v.name.name, list(&v.fields, ty))
            })
        ),
        ItemKind::Impl(i) => format!(
            "(impl{} {} {})",
            generics_sexp(&i.generics),
            ty(&i.target),
            list(&i.items, item_sexp)
        ),
        ItemKind::Resource(r) => format!("(resource {})", r.name),
        ItemKind::Stmt(s) => stmt(s),
    };
    out
}

fn generics_sexp(g: &[GenericParam]) -> String {
    if g.is_empty() {
        return String::new();
    }
    let params = g
        .iter()
        .map(|p| match &p.default {
            Some(d) => format!("{}={}", p.name.name, ty(d)),
            None => p.name.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(",");
    format!("<{params}>")
}

fn fn_sexp(f: &FnDecl) -> String {
    let mut flags = String::new();
    for (on, name) in [
        (f.flags.is_async, "async "),
        (f.flags.is_gen, "gen "),
        (f.flags.is_extern, "extern "),
        (f.flags.is_test, "test "),
    ] {
        if on {
            flags += name;
        }
    }
    let mut params: Vec<String> = Vec::new();
    if let Some(r) = &f.receiver {
        params.push(if r.mutable { "mut self" } else { "self" }.to_string());
    }
    params.extend(f.params.iter().map(param));
    let ret = f
        .ret
        .as_ref()
        .map(|t| format!(": {}", ty(t)))
        .unwrap_or_default();
    let effects = f
        .effects
        .as_ref()
        .map(|c| {
            format!(
                " with {}",
                list(&c.effects, |e| match &e.resource {
                    Some(r) => format!("{}({})", e.name.name, r.name),
                    None => e.name.name.clone(),
                })
            )
        })
        .unwrap_or_default();
    let body = f
        .body
        .as_ref()
        .map(|b| format!(" {}", block(b)))
        .unwrap_or_default();
    format!(
        "({flags}fn {}{}({}){ret}{effects}{body})",
        f.name.name,
        generics_sexp(&f.generics),
        params.join(", ")
    )
}

fn param(p: &Param) -> String {
    let mut s = String::new();
    if p.is_move {
        s += "move ";
    }
    s += &p.name.name;
    if let Some(t) = &p.ty {
        s += &format!(": {}", ty(t));
    }
    if let Some(d) = &p.default {
        s += &format!(" = {}", sexp(d));
    }
    s
}

pub(super) fn block(b: &Block) -> String {
    format!("{{{}}}", list(&b.stmts, stmt))
}

pub(super) fn stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Let {
            pat: p,
            ty: t,
            init,
            else_block,
        } => format!(
            "(let {}{} {}{})",
            pat(p),
            t.as_ref()
                .map(|t| format!(": {}", ty(t)))
                .unwrap_or_default(),
            sexp(init),
            else_block
                .as_ref()
                .map(|b| format!(" else {}", block(b)))
                .unwrap_or_default()
        ),
        StmtKind::Var { name, ty: t, init } => format!(
            "(var {}{} {})",
            name.name,
            t.as_ref()
                .map(|t| format!(": {}", ty(t)))
                .unwrap_or_default(),
            sexp(init)
        ),
        StmtKind::Assign { target, op, value } => format!(
            "({}= {} {})",
            op.map(BinOp::as_str).unwrap_or(""),
            sexp(target),
            sexp(value)
        ),
        StmtKind::Expr { expr, semi } => {
            format!("{}{}", sexp(expr), if *semi { ";" } else { "" })
        }
        StmtKind::Defer(s) => format!("(defer {})", stmt(s)),
        StmtKind::Errdefer(s) => format!("(errdefer {})", stmt(s)),
    }
}

pub(super) fn ty(t: &Type) -> String {
    match &t.kind {
        TypeKind::Path { name, args } if args.is_empty() => name.name.clone(),
        TypeKind::Path { name, args } => format!("{}<{}>", name.name, list(args, ty)),
        TypeKind::Option(inner) => format!("{}?", ty(inner)),
        TypeKind::Array(elem, len) => format!("[{}; {}]", ty(elem), sexp(len)),
        TypeKind::Tuple(elems) => format!("(tuple {})", list(elems, ty)),
        TypeKind::Fn { params, ret } => format!("(fn ({}) {})", list(params, ty), ty(ret)),
        TypeKind::Ptr(inner) => format!("*{}", ty(inner)),
        TypeKind::Ref { mutable, inner } => {
            format!("&{}{}", if *mutable { "mut " } else { "" }, ty(inner))
        }
        TypeKind::Error => "<error>".to_string(),
    }
}

pub(super) fn pat(p: &Pattern) -> String {
    match &p.kind {
        PatternKind::Wild => "_".to_string(),
        PatternKind::Bind(name) => name.name.clone(),
        PatternKind::Lit(e) => sexp(e),
        PatternKind::Range {
            start,
            end,
            inclusive,
        } => format!(
            "({} {} {})",
            if *inclusive { "..=" } else { ".." },
            sexp(start),
            sexp(end)
        ),
        PatternKind::Tuple(elems) => format!("(tuple {})", list(elems, pat)),
        PatternKind::Variant { path, args } => {
            let path = path
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
                .join(".");
            match args {
                Some(args) => format!("{path}({})", list(args, pat)),
                None => path,
            }
        }
        PatternKind::Struct { name, fields, rest } => format!(
            "(struct {} {}{})",
            name.name,
            list(fields, |(f, p)| match p {
                Some(p) => format!("{}:{}", f.name, pat(p)),
                None => f.name.clone(),
            }),
            if *rest { " .." } else { "" }
        ),
        PatternKind::Or(alts) => format!("(| {})", list(alts, pat)),
        PatternKind::Error => "<error>".to_string(),
    }
}

fn cond(c: &Cond) -> String {
    match c {
        Cond::Expr(e) => sexp(e),
        Cond::Let(p, e) => format!("(let {} {})", pat(p), sexp(e)),
    }
}

/// Renders an expression as an S-expression.
pub(super) fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v, None) => v.to_string(),
        ExprKind::Int(v, Some(s)) => format!("{v}{}", s.as_str()),
        ExprKind::Float(v, _) => format!("{v:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Byte(b) => format!("'{}'", *b as char),
        ExprKind::Interp(parts) => format!(
            "(interp {})",
            list(parts, |p| match p {
                InterpPart::Lit(s) => format!("{s:?}"),
                InterpPart::Expr(e) => sexp(e),
            })
        ),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Generic { name, args } => format!("{}<{}>", name.name, list(args, ty)),
        ExprKind::Unit => "()".to_string(),
        ExprKind::Tuple(elems) => format!("(tuple {})", list(elems, sexp)),
        ExprKind::Array(elems) => format!("[{}]", list(elems, sexp)),
        ExprKind::ArrayRepeat { value, count } => format!("[{}; {}]", sexp(value), sexp(count)),
        ExprKind::StructLit { name, args, fields } => format!(
            "(struct {}{} {})",
            name.name,
            if args.is_empty() {
                String::new()
            } else {
                format!("<{}>", list(args, ty))
            },
            list(fields, |f| match &f.value {
                Some(v) => format!("{}:{}", f.name.name, sexp(v)),
                None => f.name.name.clone(),
            })
        ),
        ExprKind::Field { base, name } => format!("(. {} {})", sexp(base), name.name),
        ExprKind::MethodCall {
            receiver,
            method,
            type_args,
            args,
        } => format!(
            "(.{}{} {}{}{})",
            method.name,
            if type_args.is_empty() {
                String::new()
            } else {
                format!("<{}>", list(type_args, ty))
            },
            sexp(receiver),
            if args.is_empty() { "" } else { " " },
            list(args, sexp)
        ),
        ExprKind::Call { callee, args } => format!(
            "(call {}{}{})",
            sexp(callee),
            if args.is_empty() { "" } else { " " },
            list(args, sexp)
        ),
        ExprKind::Index { base, index } => format!("(index {} {})", sexp(base), sexp(index)),
        ExprKind::Unary { op, expr } => {
            let op = match op {
                UnOp::Neg => "-",
                UnOp::Not => "!",
                UnOp::BitNot => "~",
                UnOp::Ref => "&",
                UnOp::RefMut => "&mut",
                UnOp::Deref => "*",
            };
            format!("({op} {})", sexp(expr))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), sexp(lhs), sexp(rhs))
        }
        ExprKind::Cast { expr, ty: t } => format!("(as {} {})", sexp(expr), ty(t)),
        ExprKind::Unwrap(e) => format!("(unwrap {})", sexp(e)),
        ExprKind::Try(e) => format!("(try {})", sexp(e)),
        ExprKind::Range {
            start,
            end,
            inclusive,
        } => format!(
            "({} {} {})",
            if *inclusive { "..=" } else { ".." },
            sexp(start),
            sexp(end)
        ),
        ExprKind::Closure(c) => format!(
            "({}closure ({}){} {})",
            if c.is_move { "move " } else { "" },
            list(&c.params, param),
            c.ret
                .as_ref()
                .map(|t| format!(": {}", ty(t)))
                .unwrap_or_default(),
            sexp(&c.body)
        ),
        ExprKind::If {
            cond: c,
            then_block,
            else_branch,
        } => format!(
            "(if {} {}{})",
            cond(c),
            block(then_block),
            else_branch
                .as_ref()
                .map(|e| format!(" {}", sexp(e)))
                .unwrap_or_default()
        ),
        ExprKind::Match { scrutinee, arms } => format!(
            "(match {} {})",
            sexp(scrutinee),
            list(arms, |a| format!(
                "[{}{} => {}]",
                pat(&a.pat),
                a.guard
                    .as_ref()
                    .map(|g| format!(" if {}", sexp(g)))
                    .unwrap_or_default(),
                sexp(&a.body)
            ))
        ),
        ExprKind::Block(b) => block(b),
        ExprKind::Unsafe(b) => format!("(unsafe {})", block(b)),
        ExprKind::Blocking(b) => format!("(blocking {})", block(b)),
        ExprKind::While { cond: c, body } => format!("(while {} {})", cond(c), block(body)),
        ExprKind::Loop(b) => format!("(loop {})", block(b)),
        ExprKind::For {
            first,
            second,
            iter,
            body,
        } => format!(
            "(for {}{} {} {})",
            pat(first),
            second
                .as_ref()
                .map(|p| format!(", {}", pat(p)))
                .unwrap_or_default(),
            sexp(iter),
            block(body)
        ),
        ExprKind::Return(None) => "(return)".to_string(),
        ExprKind::Return(Some(e)) => format!("(return {})", sexp(e)),
        ExprKind::Break => "break".to_string(),
        ExprKind::Continue => "continue".to_string(),
        ExprKind::Par(b) => format!("(par {})", block(b)),
        ExprKind::ParFor { pat: p, iter, body } => {
            format!("(par-for {} {} {})", pat(p), sexp(iter), block(body))
        }
        ExprKind::Concurrent { timeout, body } => format!(
            "(concurrent{} {})",
            timeout
                .as_ref()
                .map(|t| format!(" timeout {}", sexp(t)))
                .unwrap_or_default(),
            block(body)
        ),
        ExprKind::Spawn(e) => format!("(spawn {})", sexp(e)),
        ExprKind::Select(arms) => format!(
            "(select {})",
            list(arms, |a| {
                let case = match &a.case {
                    SelectCase::Let(p, e) => format!("let {} {}", pat(p), sexp(e)),
                    SelectCase::Expr(e) => sexp(e),
                    SelectCase::Timeout(e) => format!("timeout {}", sexp(e)),
                    SelectCase::Default => "default".to_string(),
                };
                format!("[{case} => {}]", sexp(&a.body))
            })
        ),
        ExprKind::TryScope(e) => format!("(try {})", sexp(e)),
        ExprKind::Await(e) => format!("(await {})", sexp(e)),
        ExprKind::Yield(e) => format!("(yield {})", sexp(e)),
        ExprKind::Error => "<error>".to_string(),
    }
}
