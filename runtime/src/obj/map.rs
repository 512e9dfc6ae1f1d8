//! `HashMap<K, V>`: hash maps with atomic counts and copy on write.
//!
//! The object starts with its [`RcHeader`]; the rest is private to the runtime. The layout
//! is the index-map design of the `indexmap` crate: entries live in dense arrays (`entries`
//! holds each key and its hash, `values` holds the values inline, `g.size` bytes each, in
//! the same order) and a hashbrown `HashTable<u32>` maps a hash to an entry's index. So
//! iteration walks the arrays, cloning copies three flat buffers, and removal is a
//! `swap_remove` that moves the last entry into the hole and fixes its index in the table.
//!
//! Invariants:
//! - `entries.len() == table.len() <= values.cap`, and the table holds each index
//!   `0..entries.len()` exactly once, under `entries[i].hash`;
//! - entry `i`'s value is initialized at `values.slot(i)`, and the map owns it and the key
//!   (a string key holds one count of its string);
//! - a map with `rc == 1` (acquire load) is unique and may be mutated in place; mutation of
//!   a shared map first clones it (retaining keys and values) and releases the old reference.
//!
//! Keys (`key_kind`): 0 is a string, passed as its pointer in a `u64`; 1, 2, 4 or 8 is an
//! integer or bool of that many bytes, passed as `u64` bits. Integer keys are masked to
//! their width, so sign- and zero-extension name the same key, and keys handed back
//! ([`WeftMap::next`]) are zero-extended. Hashes: a folded 64×64→128-bit multiply for
//! integers and a wyhash-style multiply-fold over 16-byte blocks for string bytes.
//! Iteration order is insertion order until the first removal, and unspecified in general.

use core::ptr::NonNull;

use hashbrown::hash_table::{Entry as TableEntry, HashTable};

use crate::obj::rc::{self, RcHeader, WeftGlue};
use crate::obj::string::WeftStr;
use crate::obj::vec::WeftVec;
use crate::os::fatal;

/// What a map's keys are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `string` keys, held as counted string pointers.
    Str,
    /// Integer or bool keys of this many bytes (1, 2, 4 or 8).
    Int(u8),
}

impl KeyKind {
    /// The kind for an ABI `key_kind` (0, 1, 2, 4 or 8); anything else is a fatal error.
    pub fn from_abi(kind: u32) -> Self {
        match kind {
            0 => KeyKind::Str,
            1 | 2 | 4 | 8 => KeyKind::Int(kind as u8),
            _ => fatal(&format!("invalid map key kind {kind}")),
        }
    }

    /// The key's canonical bits (integers masked to their width).
    #[inline(always)]
    fn normalize(self, key: u64) -> u64 {
        match self {
            KeyKind::Int(w) if w < 8 => key & ((1u64 << (8 * w)) - 1),
            _ => key,
        }
    }

    #[inline(always)]
    fn hash(self, key: u64) -> u64 {
        match self {
            KeyKind::Str => hash_bytes(key_str(key).as_bytes()),
            KeyKind::Int(_) => folded_multiply(key ^ SEED0, MUL),
        }
    }

    #[inline(always)]
    fn eq(self, a: u64, b: u64) -> bool {
        a == b || (self == KeyKind::Str && key_str(a).as_bytes() == key_str(b).as_bytes())
    }

    #[inline]
    unsafe fn retain(self, key: u64) {
        if self == KeyKind::Str {
            key_str(key).retain();
        }
    }

    #[inline]
    unsafe fn release(self, key: u64) {
        if self == KeyKind::Str {
            key_str(key).release();
        }
    }
}

#[inline(always)]
fn key_str(key: u64) -> WeftStr {
    // SAFETY: string keys are live string pointers (the map or the caller owns them).
    unsafe { WeftStr::from_raw(key as usize as *mut _) }
}

const MUL: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED0: u64 = 0x243f_6a88_85a3_08d3;
const SEED1: u64 = 0x1319_8a2e_0370_7344;
const SEED2: u64 = 0xa409_3822_299f_31d0;

/// The 128-bit product of `a` and `b`, folded to 64 bits by xoring its halves.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

#[inline(always)]
fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[inline(always)]
fn read_u32(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")).into()
}

/// A fast non-cryptographic hash of `b` (wyhash-style: two words per multiply-fold).
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let len = b.len();
    let seed = SEED1 ^ (len as u64).wrapping_mul(MUL);
    let (lo, hi) = match len {
        0 => (0, 0),
        1..=3 => {
            let packed =
                (u64::from(b[0]) << 16) | (u64::from(b[len / 2]) << 8) | u64::from(b[len - 1]);
            (packed, 0)
        }
        4..=7 => (read_u32(b, 0), read_u32(b, len - 4)),
        8..=16 => (read_u64(b, 0), read_u64(b, len - 8)),
        _ => return hash_long(b, seed),
    };
    folded_multiply(folded_multiply(lo ^ seed, hi ^ SEED2), MUL)
}

#[inline(never)]
fn hash_long(b: &[u8], mut seed: u64) -> u64 {
    let len = b.len();
    let mut at = 0;
    while at + 16 < len {
        seed = folded_multiply(read_u64(b, at) ^ seed, read_u64(b, at + 8) ^ SEED2);
        at += 16;
    }
    let last = folded_multiply(read_u64(b, len - 16) ^ seed, read_u64(b, len - 8) ^ SEED0);
    folded_multiply(last, MUL)
}

/// One entry's key (canonical bits) and its hash.
#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    key: u64,
}

/// Inline value storage: `cap` slots of the value glue's size, 8-aligned.
struct Values {
    ptr: NonNull<u8>,
    cap: usize,
}

impl Values {
    const ALIGN: usize = 8;

    fn new() -> Self {
        Values {
            ptr: NonNull::<u64>::dangling().cast(),
            cap: 0,
        }
    }

    #[inline(always)]
    fn slot(&self, i: usize, size: usize) -> *mut u8 {
        // SAFETY: callers stay within the `cap` slots.
        unsafe { self.ptr.as_ptr().add(i * size) }
    }

    /// Room for at least `needed` values (growth doubles, minimum 4).
    fn reserve(&mut self, needed: usize, size: usize) {
        if needed <= self.cap {
            return;
        }
        let cap = needed.max(self.cap * 2).max(4);
        self.resize(cap, size);
    }

    fn resize(&mut self, cap: usize, size: usize) {
        if size != 0 {
            let new_bytes = rc::object_size(0, cap, size);
            self.ptr = if self.cap == 0 {
                rc::alloc(new_bytes, Self::ALIGN)
            } else {
                // SAFETY: `ptr` holds `self.cap` slots from `alloc`/`realloc`.
                unsafe { rc::realloc(self.ptr, self.cap * size, new_bytes, Self::ALIGN) }
            };
        }
        self.cap = cap;
    }

    /// Frees the storage (the values were released or moved out).
    unsafe fn free(&mut self, size: usize) {
        if size != 0 && self.cap != 0 {
            rc::free(self.ptr.as_ptr(), self.cap * size, Self::ALIGN);
        }
        *self = Values::new();
    }
}

/// The map object (see the module docs for its invariants).
#[repr(C)]
pub struct MapObj {
    header: RcHeader,
    kind: KeyKind,
    glue: *const WeftGlue,
    table: HashTable<u32>,
    entries: Vec<Entry>,
    values: Values,
}

impl MapObj {
    #[inline(always)]
    fn glue(&self) -> &WeftGlue {
        // SAFETY: the value glue is a constant that outlives every map.
        unsafe { &*self.glue }
    }

    #[inline(always)]
    fn value_size(&self) -> usize {
        self.glue().elem_size()
    }

    /// The index of `key`'s entry (`key` canonical, `hash` its hash).
    #[inline]
    fn find(&self, hash: u64, key: u64) -> Option<usize> {
        let (kind, entries) = (self.kind, &self.entries);
        let hit = self.table.find(hash, |&i| {
            let e = entries[i as usize];
            e.hash == hash && kind.eq(e.key, key)
        });
        hit.map(|&i| i as usize)
    }

    /// Inserts or replaces (see [`WeftMap::insert`]).
    unsafe fn insert(&mut self, key: u64, hash: u64, val: *const u8) {
        let size = self.value_size();
        let glue = self.glue;
        let MapObj {
            kind,
            table,
            entries,
            values,
            ..
        } = self;
        let kind = *kind;
        let found = table.entry(
            hash,
            |&i| {
                let e = entries[i as usize];
                e.hash == hash && kind.eq(e.key, key)
            },
            |&i| entries[i as usize].hash,
        );
        match found {
            TableEntry::Occupied(e) => {
                let slot = values.slot(*e.get() as usize, size);
                (*glue).release_each(slot, 1);
                core::ptr::copy_nonoverlapping(val, slot, size);
                kind.release(key);
            }
            TableEntry::Vacant(e) => {
                let i = entries.len();
                let index = u32::try_from(i).unwrap_or_else(|_| fatal("map too large"));
                e.insert(index);
                entries.push(Entry { hash, key });
                values.reserve(i + 1, size);
                core::ptr::copy_nonoverlapping(val, values.slot(i, size), size);
            }
        }
    }

    /// Removes the entry of `key`, moving its value to `out` (or releasing it when null).
    unsafe fn remove(&mut self, key: u64, hash: u64, out: *mut u8) -> bool {
        let (kind, size) = (self.kind, self.value_size());
        let entries = &self.entries;
        let found = self.table.find_entry(hash, |&i| {
            let e = entries[i as usize];
            e.hash == hash && kind.eq(e.key, key)
        });
        let Ok(entry) = found else {
            return false;
        };
        let i = entry.remove().0 as usize;
        let slot = self.values.slot(i, size);
        if out.is_null() {
            self.glue().release_each(slot, 1);
        } else {
            core::ptr::copy_nonoverlapping(slot, out, size);
        }
        kind.release(self.entries[i].key);
        self.swap_remove(i);
        true
    }

    /// Fills hole `i` (already out of the table) with the last entry.
    unsafe fn swap_remove(&mut self, i: usize) {
        let last = self.entries.len() - 1;
        if i != last {
            let moved = self.entries[last];
            let index = self.table.find_mut(moved.hash, |&j| j as usize == last);
            *index.expect("every entry is in the table") = i as u32;
            let size = self.value_size();
            core::ptr::copy_nonoverlapping(
                self.values.slot(last, size),
                self.values.slot(i, size),
                size,
            );
        }
        self.entries.swap_remove(i);
    }

    /// A unique copy holding its own counts of every key and value.
    unsafe fn clone_retained(&self) -> MapObj {
        let (n, size) = (self.entries.len(), self.value_size());
        let mut values = Values::new();
        values.reserve(n, size);
        self.glue()
            .copy_retained(self.values.ptr.as_ptr(), values.ptr.as_ptr(), n);
        for e in &self.entries {
            self.kind.retain(e.key);
        }
        MapObj {
            header: RcHeader::new(),
            kind: self.kind,
            glue: self.glue,
            table: self.table.clone(),
            entries: self.entries.clone(),
            values,
        }
    }
}

impl Drop for MapObj {
    /// Releases every key and value (the count reached zero).
    fn drop(&mut self) {
        let size = self.value_size();
        // SAFETY: the map owns its keys and its `entries.len()` values.
        unsafe {
            for e in &self.entries {
                self.kind.release(e.key);
            }
            self.glue()
                .release_each(self.values.ptr.as_ptr(), self.entries.len());
            self.values.free(size);
        }
    }
}

/// A map pointer (`MapP` in the C ABI): non-null, pointing at a live map object.
///
/// Copying a `WeftMap` does not touch the count.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WeftMap(NonNull<MapObj>);

// SAFETY: shared maps are never mutated and their counts are atomic.
unsafe impl Send for WeftMap {}
// SAFETY: as above.
unsafe impl Sync for WeftMap {}

impl WeftMap {
    /// A new empty map (count 1) of `kind` keys and values described by `glue`.
    ///
    /// # Safety
    /// `glue` outlives the map (the compiler's glue constants do).
    pub unsafe fn new(kind: KeyKind, glue: *const WeftGlue) -> Self {
        let obj = Box::new(MapObj {
            header: RcHeader::new(),
            kind,
            glue,
            table: HashTable::new(),
            entries: Vec::new(),
            values: Values::new(),
        });
        WeftMap(NonNull::from(Box::leak(obj)))
    }

    /// Wraps a raw map pointer.
    ///
    /// # Safety
    /// `p` points to a live map object for as long as the result is used.
    #[inline(always)]
    pub unsafe fn from_raw(p: *mut MapObj) -> Self {
        WeftMap(NonNull::new_unchecked(p))
    }

    /// The raw object pointer.
    #[inline(always)]
    pub fn as_ptr(self) -> *mut MapObj {
        self.0.as_ptr()
    }

    #[inline(always)]
    fn obj<'a>(self) -> &'a MapObj {
        // SAFETY: a WeftMap points to a live map.
        unsafe { self.0.as_ref() }
    }

    fn header(self) -> *const RcHeader {
        self.as_ptr().cast()
    }

    /// The current reference count.
    pub fn ref_count(self) -> i64 {
        // SAFETY: a WeftMap points to a live object starting with an RcHeader.
        unsafe { rc::count(self.header()) }
    }

    /// Adds an owner and returns the map.
    pub fn retain(self) -> Self {
        // SAFETY: as above.
        unsafe { rc::retain(self.header()) };
        self
    }

    /// Drops one owner, freeing the map when it was the last.
    ///
    /// # Safety
    /// The caller owns one count of `self` and does not use it afterwards.
    pub unsafe fn release(self) {
        if rc::release(self.header()) {
            self.free();
        }
    }

    /// Releases every key and value and frees the map (the count reached zero).
    ///
    /// # Safety
    /// The count reached zero and nobody uses the map again.
    pub unsafe fn free(self) {
        drop(Box::from_raw(self.as_ptr()));
    }

    /// Number of entries.
    #[inline]
    pub fn len(self) -> usize {
        self.obj().entries.len()
    }

    /// True when the map has no entries.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Makes `*self` unique: a no-op when it is; else replaces the caller's reference with
    /// a clone (keys and values retained) and releases the old one.
    ///
    /// # Safety
    /// The caller owns the reference in `*self`.
    #[inline]
    pub unsafe fn make_unique(&mut self) {
        if !rc::is_unique(self.header()) {
            self.make_unique_slow();
        }
    }

    #[cold]
    unsafe fn make_unique_slow(&mut self) {
        let copy = Box::new(self.obj().clone_retained());
        self.release();
        *self = WeftMap(NonNull::from(Box::leak(copy)));
    }

    /// Sets `key` to the value at `val`, moving both in. If the key was present, its old
    /// value and the passed key are released (the map keeps its first key object).
    ///
    /// # Safety
    /// As for [`make_unique`](Self::make_unique); `key` is a valid key of the map's kind
    /// owned by the caller; `val` points to one value owned by the caller.
    pub unsafe fn insert(&mut self, key: u64, val: *const u8) {
        self.make_unique();
        let obj = &mut *self.as_ptr();
        let key = obj.kind.normalize(key);
        obj.insert(key, obj.kind.hash(key), val);
    }

    /// A borrowed pointer to `key`'s value, or null; valid until the map is next mutated
    /// or released.
    ///
    /// # Safety
    /// `key` is a valid key of the map's kind.
    #[inline]
    pub unsafe fn get(self, key: u64) -> *const u8 {
        let obj = self.obj();
        let key = obj.kind.normalize(key);
        match obj.find(obj.kind.hash(key), key) {
            Some(i) => obj.values.slot(i, obj.value_size()),
            None => core::ptr::null(),
        }
    }

    /// True when `key` is present.
    ///
    /// # Safety
    /// As for [`get`](Self::get).
    #[inline]
    pub unsafe fn contains(self, key: u64) -> bool {
        !self.get(key).is_null()
    }

    /// Removes `key`: its value moves to `out`, or is released when `out` is null; the key
    /// is released. False (and no copy of a shared map) when `key` is absent.
    ///
    /// # Safety
    /// As for [`make_unique`](Self::make_unique) and [`get`](Self::get); a non-null `out`
    /// has room for one value, which the caller then owns.
    pub unsafe fn remove(&mut self, key: u64, out: *mut u8) -> bool {
        let kind = self.obj().kind;
        let key = kind.normalize(key);
        let hash = kind.hash(key);
        if !rc::is_unique(self.header()) {
            if self.obj().find(hash, key).is_none() {
                return false;
            }
            self.make_unique_slow();
        }
        (*self.as_ptr()).remove(key, hash, out)
    }

    /// The keys as a new vector, each retained; `key_glue` describes the key type
    /// (its size picks the width written: 1, 2, 4 or 8 bytes).
    ///
    /// # Safety
    /// `key_glue` describes the map's key type.
    pub unsafe fn keys(self, key_glue: &WeftGlue) -> WeftVec {
        let obj = self.obj();
        let mut out = WeftVec::with_capacity(obj.entries.len(), key_glue);
        for e in &obj.entries {
            let bits = KeyBits::new(e.key, key_glue.elem_size());
            out.extend_retained(bits.as_ptr(), 1, key_glue);
        }
        out
    }

    /// The values as a new vector, each retained (one block copy).
    pub fn values(self) -> WeftVec {
        let obj = self.obj();
        let n = obj.entries.len();
        let mut out = WeftVec::with_capacity(n, obj.glue());
        // SAFETY: the map holds `n` initialized values described by its glue.
        unsafe { out.extend_retained(obj.values.ptr.as_ptr(), n, obj.glue()) };
        out
    }

    /// Iteration: the entry at `*cursor` (which starts at 0) as a key and a borrowed value
    /// pointer, advancing the cursor; `None` past the end.
    pub fn next(self, cursor: &mut i64) -> Option<(u64, *const u8)> {
        let obj = self.obj();
        let i = usize::try_from(*cursor).ok()?;
        let e = obj.entries.get(i)?;
        *cursor += 1;
        Some((e.key, obj.values.slot(i, obj.value_size())))
    }
}

/// A key's bits stored as a native integer of 1, 2, 4 or 8 bytes.
#[repr(C, align(8))]
struct KeyBits([u8; 8]);

impl KeyBits {
    fn new(key: u64, width: usize) -> Self {
        let mut bits = KeyBits([0; 8]);
        match width {
            1 => bits.0[..1].copy_from_slice(&(key as u8).to_ne_bytes()),
            2 => bits.0[..2].copy_from_slice(&(key as u16).to_ne_bytes()),
            4 => bits.0[..4].copy_from_slice(&(key as u32).to_ne_bytes()),
            8 => bits.0.copy_from_slice(&key.to_ne_bytes()),
            _ => fatal(&format!("invalid map key size {width}")),
        }
        bits
    }

    fn as_ptr(&self) -> *const u8 {
        self.0.as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_spreads_short_and_long_strings() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            let s = format!("key{i}");
            assert!(seen.insert(hash_bytes(s.as_bytes())), "collision at {s}");
            let long = format!("{i}-a-fairly-long-key-that-needs-several-blocks-{i}");
            assert!(
                seen.insert(hash_bytes(long.as_bytes())),
                "collision at {long}"
            );
        }
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"\0"), hash_bytes(b"\0\0"));
        assert_ne!(hash_bytes(b"ab"), hash_bytes(b"ba"));
    }

    #[test]
    fn integer_keys_are_masked_to_their_width() {
        assert_eq!(KeyKind::Int(1).normalize(u64::MAX), 0xff);
        assert_eq!(KeyKind::Int(4).normalize(-1i64 as u64), 0xffff_ffff);
        assert_eq!(KeyKind::Int(8).normalize(u64::MAX), u64::MAX);
    }

    #[test]
    fn hash_low_bits_vary_for_aligned_integers() {
        let buckets: std::collections::HashSet<u64> = (0..1024u64)
            .map(|k| KeyKind::Int(8).hash(k << 12) & 1023)
            .collect();
        assert!(
            buckets.len() > 500,
            "only {} of 1024 buckets",
            buckets.len()
        );
    }
}
