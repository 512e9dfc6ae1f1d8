//! Module-level name lookup: a module's own items and imports, then the prelude, then the
//! builtin types.

use super::defs::{BuiltinTy, Defs, ModuleId, TypeDef, ValueDef};
use crate::common::ty::AdtId;

impl Defs {
    /// The type named `name` as seen from `module`.
    pub fn lookup_type(&self, module: ModuleId, name: &str) -> Option<TypeDef> {
        if let Some(t) = self.module(module).types.get(name) {
            return Some(*t);
        }
        for m in 0..self.prelude_count {
            let pm = &self.modules[m];
            if pm.exports.get(name) == Some(&true) {
                if let Some(t) = pm.types.get(name) {
                    return Some(*t);
                }
            }
        }
        BuiltinTy::from_name(name).map(TypeDef::Builtin)
    }

    /// The module-level value named `name` as seen from `module` (not locals).
    pub fn lookup_value(&self, module: ModuleId, name: &str) -> Option<ValueDef> {
        if let Some(v) = self.module(module).values.get(name) {
            return Some(*v);
        }
        for m in 0..self.prelude_count {
            let pm = &self.modules[m];
            if pm.exports.get(name) == Some(&true) {
                if let Some(v) = pm.values.get(name) {
                    return Some(*v);
                }
            }
        }
        match name {
            "print" => Some(ValueDef::Print { stderr: false }),
            "eprint" => Some(ValueDef::Print { stderr: true }),
            _ => None,
        }
    }

    /// Does `module` import `name` through an import that failed (its module or the name
    /// was not found, or the item is private)? Those failures are reported at the import,
    /// so uses of the name are not reported again.
    pub fn failed_import(&self, module: ModuleId, name: &str) -> bool {
        let m = self.module(module);
        if m.values.contains_key(name) || m.types.contains_key(name) {
            return false;
        }
        m.ast.items.iter().any(|item| match &item.kind {
            crate::syntax::ast::ItemKind::Import(imp) => imp
                .names
                .iter()
                .any(|n| n.alias.as_ref().unwrap_or(&n.name).name == name),
            _ => false,
        })
    }

    /// Enum variants named `name` usable by bare name in `module`.
    pub fn bare_variants(&self, module: ModuleId, name: &str) -> &[(AdtId, u32)] {
        self.module(module)
            .bare_variants
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every module-level value and type name visible in `module` (for suggestions).
    pub fn visible_names(&self, module: ModuleId) -> Vec<String> {
        let mut names: Vec<String> = self.module(module).values.keys().cloned().collect();
        names.extend(self.module(module).types.keys().cloned());
        for m in 0..self.prelude_count {
            for (n, public) in &self.modules[m].exports {
                if *public {
                    names.push(n.clone());
                }
            }
        }
        names
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to suggest.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let max = (name.len() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= max)
        .min()
        .map(|(_, c)| c)
}

/// Names other languages give to members Weft calls differently, for "did you mean".
const MEMBER_SYNONYMS: &[(&str, &str)] = &[
    ("length", "len"),
    ("size", "len"),
    ("count", "len"),
    ("append", "push"),
    ("add", "push"),
    ("push_back", "push"),
    ("includes", "contains"),
    ("has", "contains"),
    ("substring", "slice"),
    ("substr", "slice"),
    ("toUpperCase", "toUpper"),
    ("toLowerCase", "toLower"),
    ("upper", "toUpper"),
    ("lower", "toLower"),
    ("strip", "trim"),
    ("str", "toString"),
    ("indexOf", "find"),
];

/// The member (method or field) among `candidates` that `name` most likely meant: the
/// same name in another spelling (`to_string` for `toString`), the name other languages
/// use (`length` for `len`), one that `name` starts with or that starts with `name`
/// (`lenght` for `len`), or the closest by edit distance.
pub fn suggest_member<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    let norm = |s: &str| s.replace('_', "").to_lowercase();
    let n = norm(name);
    let exists = |c: &str| candidates.clone().into_iter().find(|x| *x == c);
    if let Some(c) = candidates
        .clone()
        .into_iter()
        .find(|c| *c != name && norm(c) == n)
    {
        return Some(c);
    }
    if let Some(c) = MEMBER_SYNONYMS
        .iter()
        .find(|(wrong, _)| norm(wrong) == n)
        .and_then(|(_, right)| exists(right))
    {
        return Some(c);
    }
    let prefix = candidates
        .clone()
        .into_iter()
        .filter(|c| *c != name && c.len() >= 3 && name.len() >= 3)
        .filter(|c| n.starts_with(&norm(c)) || norm(c).starts_with(&n))
        .max_by_key(|c| c.len());
    prefix.or_else(|| suggest(name, candidates))
}

/// Levenshtein distance between two strings (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(suggest("lenght", ["length", "width"]), Some("length"));
        assert_eq!(suggest("x", ["completely"]), None);
        let vec = ["len", "push", "pop", "contains", "toString", "isEmpty"];
        assert_eq!(suggest_member("length", vec), Some("len"));
        assert_eq!(suggest_member("size", vec), Some("len"));
        assert_eq!(suggest_member("lenght", vec), Some("len"));
        assert_eq!(suggest_member("append", vec), Some("push"));
        assert_eq!(suggest_member("to_string", vec), Some("toString"));
        assert_eq!(suggest_member("is_empty", vec), Some("isEmpty"));
        assert_eq!(suggest_member("pusj", vec), Some("push"));
        assert_eq!(suggest_member("sort", vec), None);
    }
}
