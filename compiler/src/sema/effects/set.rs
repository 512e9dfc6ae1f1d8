//! Effects and sets of effects (docs/reference.md section 7).

use std::collections::BTreeSet;
use std::fmt;

/// A declared resource: an index into [`super::EffectTable::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u32);

/// One effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// Talks to the outside world: printing, files, sockets.
    Io,
    /// May park the current task.
    Suspends,
    /// May block the OS thread.
    Blocks,
    Reads(ResourceId),
    Writes(ResourceId),
}

/// A set of effects; the empty set is `pure`. `writes(R)` implies `reads(R)` when a set
/// is used as a bound ([`EffectSet::covers`]) or checked for conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EffectSet {
    pub io: bool,
    pub suspends: bool,
    pub blocks: bool,
    pub reads: BTreeSet<ResourceId>,
    pub writes: BTreeSet<ResourceId>,
}

impl EffectSet {
    /// The set of one effect.
    pub fn of(atom: Atom) -> EffectSet {
        let mut s = EffectSet::default();
        s.insert(atom);
        s
    }

    pub fn is_pure(&self) -> bool {
        *self == EffectSet::default()
    }

    /// Adds `atom`; returns whether it was new.
    pub fn insert(&mut self, atom: Atom) -> bool {
        match atom {
            Atom::Io => !std::mem::replace(&mut self.io, true),
            Atom::Suspends => !std::mem::replace(&mut self.suspends, true),
            Atom::Blocks => !std::mem::replace(&mut self.blocks, true),
            Atom::Reads(r) => self.reads.insert(r),
            Atom::Writes(r) => self.writes.insert(r),
        }
    }

    pub fn contains(&self, atom: Atom) -> bool {
        match atom {
            Atom::Io => self.io,
            Atom::Suspends => self.suspends,
            Atom::Blocks => self.blocks,
            Atom::Reads(r) => self.reads.contains(&r),
            Atom::Writes(r) => self.writes.contains(&r),
        }
    }

    /// Whether a function declared with this set may have `atom` (`writes(R)` allows
    /// `reads(R)`).
    pub fn covers(&self, atom: Atom) -> bool {
        match atom {
            Atom::Reads(r) => self.reads.contains(&r) || self.writes.contains(&r),
            a => self.contains(a),
        }
    }

    /// The effects, in a fixed order.
    pub fn atoms(&self) -> Vec<Atom> {
        let mut v = Vec::new();
        if self.io {
            v.push(Atom::Io);
        }
        if self.suspends {
            v.push(Atom::Suspends);
        }
        if self.blocks {
            v.push(Atom::Blocks);
        }
        v.extend(self.reads.iter().map(|&r| Atom::Reads(r)));
        v.extend(self.writes.iter().map(|&r| Atom::Writes(r)));
        v
    }

    /// Adds every effect of `other`.
    pub fn union_with(&mut self, other: &EffectSet) {
        for a in other.atoms() {
            self.insert(a);
        }
    }

    /// Whether the set does io or may suspend (what makes a call worth running in
    /// parallel).
    pub fn waits(&self) -> bool {
        self.io || self.suspends
    }

    /// Whether the set names a resource.
    pub fn has_resources(&self) -> bool {
        !self.reads.is_empty() || !self.writes.is_empty()
    }

    /// A resource one of the sets writes and the other reads or writes, if any.
    pub fn conflict(&self, other: &EffectSet) -> Option<(Atom, Atom)> {
        let touches = |s: &EffectSet, r: &ResourceId| s.reads.contains(r) || s.writes.contains(r);
        if let Some(&r) = self.writes.iter().find(|r| touches(other, r)) {
            let theirs = if other.writes.contains(&r) {
                Atom::Writes(r)
            } else {
                Atom::Reads(r)
            };
            return Some((Atom::Writes(r), theirs));
        }
        other
            .writes
            .iter()
            .find(|r| touches(self, r))
            .map(|&r| (Atom::Reads(r), Atom::Writes(r)))
    }
}

/// An effect as written in a `with` clause, given the resources' names.
pub struct ShowAtom<'a>(pub Atom, pub &'a [String]);

impl fmt::Display for ShowAtom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |r: ResourceId| &self.1[r.0 as usize];
        match self.0 {
            Atom::Io => write!(f, "io"),
            Atom::Suspends => write!(f, "suspends"),
            Atom::Blocks => write!(f, "blocks"),
            Atom::Reads(r) => write!(f, "reads({})", name(r)),
            Atom::Writes(r) => write!(f, "writes({})", name(r)),
        }
    }
}

/// A set as a `with` clause (`pure` when empty).
pub struct ShowSet<'a>(pub &'a EffectSet, pub &'a [String]);

impl fmt::Display for ShowSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_pure() {
            return write!(f, "pure");
        }
        let parts: Vec<String> = self
            .0
            .atoms()
            .into_iter()
            .map(|a| ShowAtom(a, self.1).to_string())
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cover_reads_and_conflict_with_them() {
        let r = ResourceId(0);
        let w = EffectSet::of(Atom::Writes(r));
        assert!(w.covers(Atom::Reads(r)));
        assert!(!EffectSet::of(Atom::Reads(r)).covers(Atom::Writes(r)));
        let reads = EffectSet::of(Atom::Reads(r));
        assert_eq!(reads.conflict(&reads), None, "readers share");
        assert_eq!(reads.conflict(&w), Some((Atom::Reads(r), Atom::Writes(r))));
        assert_eq!(w.conflict(&w), Some((Atom::Writes(r), Atom::Writes(r))));
        let names = vec!["OrderDB".to_string()];
        let mut s = EffectSet::of(Atom::Io);
        s.insert(Atom::Writes(r));
        assert_eq!(ShowSet(&s, &names).to_string(), "io, writes(OrderDB)");
        assert_eq!(ShowSet(&EffectSet::default(), &names).to_string(), "pure");
    }
}
