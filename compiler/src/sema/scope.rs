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
    }
}
