//! Match coverage: exhaustiveness (with a witness of a missing value) and unreachable
//! arms, by the usefulness algorithm of Maranget, "Warnings for pattern matching"
//! (JFP 2007), as rustc's `usefulness.rs` uses it.
//!
//! Constructors: enum variants, `true`/`false`, and one constructor for tuples and
//! structs. Integer, float and string literals (and ranges) are constructors of an
//! infinite type: only a wildcard or binding covers such a column. Arms with guards never
//! count as covering.

use crate::common::ty::Ty;
use crate::sema::defs::{AdtKind, Defs};
use crate::sema::tast::{MatchArm, TExprKind, TPattern, TPatternKind};

/// The outcome of analysing one `match`.
pub struct Coverage {
    /// A value no arm matches, as source text (`None`, `Shape.Rect(_, _)`).
    pub missing: Option<String>,
    /// Indexes of arms that can never match.
    pub unreachable: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
enum Ctor {
    Variant(u32),
    Bool(bool),
    /// A tuple or struct.
    Single,
    /// A literal or range of an infinite type (compared by its text).
    Opaque(String),
}

#[derive(Clone, Debug)]
enum Pat {
    Wild,
    Ctor(Ctor, Vec<Pat>),
    Or(Vec<Pat>),
}

struct Cx<'a> {
    defs: &'a Defs,
}

/// Analyses a match on a value of type `ty` (fully resolved).
pub fn analyze(defs: &Defs, ty: &Ty, arms: &[MatchArm]) -> Coverage {
    let cx = Cx { defs };
    let mut rows: Vec<Vec<Pat>> = Vec::new();
    let mut unreachable = Vec::new();
    for (i, arm) in arms.iter().enumerate() {
        let p = lower(defs, &arm.pat);
        if cx
            .useful(&rows, std::slice::from_ref(&p), std::slice::from_ref(ty))
            .is_none()
        {
            unreachable.push(i);
        }
        if arm.guard.is_none() {
            rows.push(vec![p]);
        }
    }
    let missing = cx
        .useful(&rows, &[Pat::Wild], std::slice::from_ref(ty))
        .map(|w| cx.show(&w[0], ty));
    Coverage {
        missing,
        unreachable,
    }
}

fn lower(defs: &Defs, p: &TPattern) -> Pat {
    let lower = |p: &TPattern| lower(defs, p);
    match &p.kind {
        TPatternKind::Wild | TPatternKind::Bind(_) | TPatternKind::Error => Pat::Wild,
        TPatternKind::Lit(e) => match &e.kind {
            TExprKind::Bool(b) => Pat::Ctor(Ctor::Bool(*b), vec![]),
            other => Pat::Ctor(Ctor::Opaque(format!("{other:?}")), vec![]),
        },
        TPatternKind::Range { lo, hi, inclusive } => Pat::Ctor(
            Ctor::Opaque(format!(
                "{:?}..{}{:?}",
                lo.kind,
                if *inclusive { "=" } else { "" },
                hi.kind
            )),
            vec![],
        ),
        TPatternKind::Tuple(ps) => Pat::Ctor(Ctor::Single, ps.iter().map(lower).collect()),
        TPatternKind::Struct { adt, fields } => {
            let mut sub = vec![Pat::Wild; defs.adt(*adt).fields().len()];
            for (i, fp) in fields {
                sub[*i as usize] = lower(fp);
            }
            Pat::Ctor(Ctor::Single, sub)
        }
        TPatternKind::Variant {
            variant, fields, ..
        } => Pat::Ctor(Ctor::Variant(*variant), fields.iter().map(lower).collect()),
        TPatternKind::Or(ps) => Pat::Or(ps.iter().map(lower).collect()),
    }
}

impl Cx<'_> {
    /// Every constructor of `ty`, if the set is finite.
    fn all_ctors(&self, ty: &Ty) -> Option<Vec<Ctor>> {
        match ty {
            Ty::Bool => Some(vec![Ctor::Bool(true), Ctor::Bool(false)]),
            Ty::Tuple(_) => Some(vec![Ctor::Single]),
            Ty::Adt(id, _) => match &self.defs.adt(*id).kind {
                AdtKind::Enum(vs) => Some((0..vs.len() as u32).map(Ctor::Variant).collect()),
                AdtKind::Struct(_) => Some(vec![Ctor::Single]),
                AdtKind::Handle(_) => None,
            },
            _ => None,
        }
    }

    /// Types of the fields of constructor `c` of `ty`.
    fn fields(&self, c: &Ctor, ty: &Ty) -> Vec<Ty> {
        match (c, ty) {
            (Ctor::Single, Ty::Tuple(ts)) => ts.clone(),
            (Ctor::Single, Ty::Adt(id, args)) => self
                .defs
                .adt(*id)
                .fields()
                .iter()
                .map(|f| f.ty.subst(args))
                .collect(),
            (Ctor::Variant(v), Ty::Adt(id, args)) => self
                .defs
                .adt(*id)
                .variants()
                .get(*v as usize)
                .map(|var| var.fields.iter().map(|t| t.subst(args)).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// If `v` matches a value no row matches, a witness vector of such values.
    fn useful(&self, rows: &[Vec<Pat>], v: &[Pat], tys: &[Ty]) -> Option<Vec<Pat>> {
        let Some(head) = v.first() else {
            return rows.is_empty().then(Vec::new);
        };
        let rows = expand_or_heads(rows);
        match head {
            Pat::Or(alts) => alts.iter().find_map(|alt| {
                let mut nv = vec![alt.clone()];
                nv.extend_from_slice(&v[1..]);
                self.useful(&rows, &nv, tys)
            }),
            Pat::Ctor(c, args) => {
                let field_tys = self.fields(c, &tys[0]);
                let spec = specialize(&rows, c, args.len());
                let mut nv = args.clone();
                nv.extend_from_slice(&v[1..]);
                let mut ntys = pad(field_tys, args.len());
                ntys.extend_from_slice(&tys[1..]);
                self.useful(&spec, &nv, &ntys)
                    .map(|w| rebuild(c.clone(), args.len(), w))
            }
            Pat::Wild => self.useful_wild(&rows, v, tys),
        }
    }

    fn useful_wild(&self, rows: &[Vec<Pat>], v: &[Pat], tys: &[Ty]) -> Option<Vec<Pat>> {
        let used: Vec<&Ctor> = rows
            .iter()
            .filter_map(|r| match &r[0] {
                Pat::Ctor(c, _) => Some(c),
                _ => None,
            })
            .collect();
        let all = self.all_ctors(&tys[0]);
        if let Some(all) = &all {
            if !all.is_empty() && all.iter().all(|c| used.contains(&c)) {
                return all.iter().find_map(|c| {
                    let arity = self.fields(c, &tys[0]).len();
                    let spec = specialize(rows, c, arity);
                    let mut nv = vec![Pat::Wild; arity];
                    nv.extend_from_slice(&v[1..]);
                    let mut ntys = self.fields(c, &tys[0]);
                    ntys.extend_from_slice(&tys[1..]);
                    self.useful(&spec, &nv, &ntys)
                        .map(|w| rebuild(c.clone(), arity, w))
                });
            }
        }
        let default: Vec<Vec<Pat>> = rows
            .iter()
            .filter(|r| matches!(r[0], Pat::Wild))
            .map(|r| r[1..].to_vec())
            .collect();
        let w = self.useful(&default, &v[1..], &tys[1..])?;
        let head = match &all {
            Some(all) if !used.is_empty() => all
                .iter()
                .find(|c| !used.contains(c))
                .map(|c| {
                    let arity = self.fields(c, &tys[0]).len();
                    Pat::Ctor(c.clone(), vec![Pat::Wild; arity])
                })
                .unwrap_or(Pat::Wild),
            _ => Pat::Wild,
        };
        let mut out = vec![head];
        out.extend(w);
        Some(out)
    }

    /// Source text of a witness pattern of type `ty`.
    fn show(&self, p: &Pat, ty: &Ty) -> String {
        match p {
            Pat::Wild | Pat::Or(_) => "_".into(),
            Pat::Ctor(Ctor::Bool(b), _) => b.to_string(),
            Pat::Ctor(Ctor::Opaque(_), _) => "_".into(),
            Pat::Ctor(c, args) => {
                let tys = self.fields(c, ty);
                let parts: Vec<String> = args
                    .iter()
                    .zip(tys.iter().chain(std::iter::repeat(&Ty::Error)))
                    .map(|(a, t)| self.show(a, t))
                    .collect();
                match (c, ty) {
                    (Ctor::Variant(v), Ty::Adt(id, _)) => {
                        let adt = self.defs.adt(*id);
                        let name = &adt.variants()[*v as usize].name;
                        let prelude = self.defs.module(adt.module).is_std;
                        let qual = if prelude {
                            name.clone()
                        } else {
                            format!("{}.{name}", adt.name)
                        };
                        if parts.is_empty() {
                            qual
                        } else {
                            format!("{qual}({})", parts.join(", "))
                        }
                    }
                    (_, Ty::Adt(id, _)) => format!("{} {{ .. }}", self.defs.adt(*id).name),
                    _ => format!("({})", parts.join(", ")),
                }
            }
        }
    }
}

fn pad(mut v: Vec<Ty>, n: usize) -> Vec<Ty> {
    v.resize(n, Ty::Error);
    v
}

/// Rows with an or-pattern at their head become one row per alternative.
fn expand_or_heads(rows: &[Vec<Pat>]) -> Vec<Vec<Pat>> {
    let mut out = Vec::new();
    for r in rows {
        match r.first() {
            Some(Pat::Or(alts)) => {
                for a in alts {
                    let mut nr = vec![a.clone()];
                    nr.extend_from_slice(&r[1..]);
                    out.extend(expand_or_heads(&[nr]));
                }
            }
            _ => out.push(r.clone()),
        }
    }
    out
}

/// The rows that match constructor `c`, with its fields spread into columns.
fn specialize(rows: &[Vec<Pat>], c: &Ctor, arity: usize) -> Vec<Vec<Pat>> {
    rows.iter()
        .filter_map(|r| {
            let mut out = match &r[0] {
                Pat::Ctor(c2, args) if c2 == c => {
                    let mut a = args.clone();
                    a.resize(arity, Pat::Wild);
                    a
                }
                Pat::Ctor(..) => return None,
                _ => vec![Pat::Wild; arity],
            };
            out.extend_from_slice(&r[1..]);
            Some(out)
        })
        .collect()
}

/// Folds the first `arity` witness columns back under constructor `c`.
fn rebuild(c: Ctor, arity: usize, w: Vec<Pat>) -> Vec<Pat> {
    let mut it = w.into_iter();
    let args: Vec<Pat> = it.by_ref().take(arity).collect();
    let mut out = vec![Pat::Ctor(c, args)];
    out.extend(it);
    out
}
