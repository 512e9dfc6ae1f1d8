//! `Vec<T>`: growable arrays with atomic counts and copy on write.
//!
//! Layout (C): `{ int64_t rc; int64_t len; int64_t cap; T data[cap]; }`: the elements start
//! at offset 24, 8-aligned (so element alignment is at most 8). Elements are described by a
//! [`WeftGlue`] that every operation receives; the vector does not record its element type.
//!
//! Invariants:
//! - `0 <= len <= cap`; elements `0..len` are initialized and owned by the vector;
//! - a vector with `rc == 1` (acquire load) is unique and may be mutated in place; any other
//!   count means shared: mutation first copies the elements into a new vector (retaining
//!   each through the glue) and releases the old reference ([`WeftVec::make_unique`]);
//! - the empty vector is the immortal static [`EMPTY_VEC`] (`cap == 0`): every mutation of
//!   it allocates, and it is never freed;
//! - growth doubles the capacity, with a minimum of 4 elements.
//!
//! Generated code inlines `len`, indexing and the push fast path (`rc == 1 && len < cap`:
//! write element `len`, then `len += 1`); everything else calls in here.

use core::ptr::NonNull;
use core::sync::atomic::AtomicI64;

use crate::obj::rc::{self, RcHeader, WeftGlue, IMMORTAL};
use crate::obj::string::{self, WeftStr};
use crate::os::fatal;
use crate::panic::{check_index, check_range, panic_bounds, WeftLoc};

/// The header of a vector object; `cap` element slots follow it.
#[repr(C)]
#[derive(Debug)]
pub struct VecHeader {
    /// Reference count (see [`crate::obj::rc`]).
    pub rc: AtomicI64,
    /// Number of elements.
    pub len: i64,
    /// Number of element slots.
    pub cap: i64,
}

/// Offset of element 0 from the start of the object.
pub const VEC_DATA_OFFSET: usize = core::mem::size_of::<VecHeader>();

/// Alignment of vector objects and of their elements' slots.
const VEC_ALIGN: usize = 8;

/// The shared immortal empty vector (exported to generated code as `weft_rt_empty_vec`).
pub static EMPTY_VEC: VecHeader = VecHeader {
    rc: AtomicI64::new(IMMORTAL),
    len: 0,
    cap: 0,
};

/// A vector pointer (`VecP` in the C ABI): non-null, pointing at a live vector object.
///
/// Copying a `WeftVec` does not touch the count. The glue passed to each operation must
/// describe the vector's element type.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WeftVec(NonNull<VecHeader>);

// SAFETY: shared vectors are never mutated and their counts are atomic.
unsafe impl Send for WeftVec {}
// SAFETY: as above.
unsafe impl Sync for WeftVec {}

/// The capacity to grow to when `needed` slots do not fit in `cap`.
#[inline]
fn grown_capacity(cap: usize, needed: usize) -> usize {
    needed.max(cap.saturating_mul(2)).max(4)
}

fn vec_bytes(cap: usize, g: &WeftGlue) -> usize {
    rc::object_size(VEC_DATA_OFFSET, cap, g.elem_size())
}

impl WeftVec {
    /// Wraps a raw vector pointer.
    ///
    /// # Safety
    /// `p` points to a live vector object for as long as the result is used.
    #[inline(always)]
    pub const unsafe fn from_raw(p: *mut VecHeader) -> Self {
        WeftVec(NonNull::new_unchecked(p))
    }

    /// The raw object pointer.
    #[inline(always)]
    pub fn as_ptr(self) -> *mut VecHeader {
        self.0.as_ptr()
    }

    /// The immortal empty vector.
    #[inline]
    pub fn empty() -> Self {
        WeftVec(NonNull::from(&EMPTY_VEC))
    }

    /// A new vector with room for `cap` elements (the immortal empty vector for 0).
    pub fn with_capacity(cap: usize, g: &WeftGlue) -> Self {
        if cap == 0 {
            return Self::empty();
        }
        Self::alloc(cap, g)
    }

    /// A fresh unique vector with `cap` slots and no elements.
    fn alloc(cap: usize, g: &WeftGlue) -> Self {
        debug_assert!(
            g.align <= VEC_ALIGN as i64,
            "vector elements are at most 8-aligned"
        );
        let p = rc::alloc(vec_bytes(cap, g), VEC_ALIGN).cast::<VecHeader>();
        // SAFETY: a fresh allocation large enough for the header.
        unsafe {
            p.as_ptr().write(VecHeader {
                rc: AtomicI64::new(1),
                len: 0,
                cap: cap as i64,
            })
        };
        WeftVec(p)
    }

    /// Number of elements.
    #[inline(always)]
    pub fn len(self) -> usize {
        // SAFETY: a WeftVec points to a live vector.
        unsafe { (*self.as_ptr()).len as usize }
    }

    /// True when there are no elements.
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Number of element slots.
    #[inline(always)]
    pub fn capacity(self) -> usize {
        // SAFETY: a WeftVec points to a live vector.
        unsafe { (*self.as_ptr()).cap as usize }
    }

    /// Address of element 0.
    #[inline(always)]
    pub fn data(self) -> *mut u8 {
        // SAFETY: the elements follow the 24-byte header.
        unsafe { self.as_ptr().cast::<u8>().add(VEC_DATA_OFFSET) }
    }

    /// Address of slot `i` for elements of `size` bytes.
    #[inline(always)]
    fn slot(self, i: usize, size: usize) -> *mut u8 {
        // SAFETY: callers stay within the `cap` slots.
        unsafe { self.data().add(i * size) }
    }

    /// Sets the length of a unique vector.
    #[inline(always)]
    unsafe fn set_len(self, len: usize) {
        (*self.as_ptr()).len = len as i64;
    }

    fn header(self) -> *const RcHeader {
        self.as_ptr().cast()
    }

    /// True when this reference is the only one.
    #[inline(always)]
    pub fn is_unique(self) -> bool {
        // SAFETY: a WeftVec points to a live object starting with an RcHeader.
        unsafe { rc::is_unique(self.header()) }
    }

    /// The current reference count (negative for the immortal empty vector).
    pub fn ref_count(self) -> i64 {
        // SAFETY: as above.
        unsafe { rc::count(self.header()) }
    }

    /// Adds an owner and returns the vector.
    #[inline(always)]
    pub fn retain(self) -> Self {
        // SAFETY: as above.
        unsafe { rc::retain(self.header()) };
        self
    }

    /// Drops one owner, freeing the vector (and releasing its elements) when it was the last.
    ///
    /// # Safety
    /// The caller owns one count of `self` and does not use it afterwards; `g` describes
    /// the elements.
    #[inline]
    pub unsafe fn release(self, g: &WeftGlue) {
        if rc::release(self.header()) {
            self.free(g);
        }
    }

    /// Releases every element and frees the memory (the count reached zero).
    ///
    /// # Safety
    /// The vector is mortal, its count reached zero, nobody uses it again, and `g`
    /// describes its elements.
    pub unsafe fn free(self, g: &WeftGlue) {
        g.release_each(self.data(), self.len());
        self.free_memory(g);
    }

    /// Frees the memory without touching the elements (they were moved elsewhere).
    unsafe fn free_memory(self, g: &WeftGlue) {
        rc::free(
            self.as_ptr().cast(),
            vec_bytes(self.capacity(), g),
            VEC_ALIGN,
        );
    }

    /// Makes `*self` unique with room for `additional` more elements: a no-op when it
    /// already is and has the room; a `realloc` when it is unique; else a copy (elements
    /// retained through `g`) that replaces the caller's reference, which is released.
    ///
    /// # Safety
    /// The caller owns the reference in `*self`; `g` describes the elements.
    #[inline]
    pub unsafe fn reserve(&mut self, additional: usize, g: &WeftGlue) {
        let needed = self
            .len()
            .checked_add(additional)
            .unwrap_or_else(|| fatal("out of memory"));
        let unique = self.is_unique();
        if unique && needed <= self.capacity() {
            return;
        }
        self.reserve_slow(needed, unique, g);
    }

    #[cold]
    unsafe fn reserve_slow(&mut self, needed: usize, unique: bool, g: &WeftGlue) {
        let cap = self.capacity();
        let new_cap = if needed > cap {
            grown_capacity(cap, needed)
        } else {
            cap
        };
        if unique {
            let p = rc::realloc(
                self.0.cast(),
                vec_bytes(cap, g),
                vec_bytes(new_cap, g),
                VEC_ALIGN,
            );
            (*p.cast::<VecHeader>().as_ptr()).cap = new_cap as i64;
            self.0 = p.cast();
        } else {
            let copy = self.copy_with_capacity(new_cap, g);
            self.release(g);
            *self = copy;
        }
    }

    /// A new unique vector with `cap >= len` slots holding retained copies of the elements.
    unsafe fn copy_with_capacity(self, cap: usize, g: &WeftGlue) -> Self {
        let copy = Self::alloc(cap, g);
        g.copy_retained(self.data(), copy.data(), self.len());
        copy.set_len(self.len());
        copy
    }

    /// Makes `*self` unique (see [`reserve`](Self::reserve)), keeping its capacity.
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve).
    #[inline]
    pub unsafe fn make_unique(&mut self, g: &WeftGlue) {
        self.reserve(0, g);
    }

    /// Appends the element at `elem` (its bytes are moved in).
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve); `elem` points to one element, which the vector
    /// now owns.
    #[inline]
    pub unsafe fn push(&mut self, elem: *const u8, g: &WeftGlue) {
        self.reserve(1, g);
        let len = self.len();
        core::ptr::copy_nonoverlapping(elem, self.slot(len, g.elem_size()), g.elem_size());
        self.set_len(len + 1);
    }

    /// Appends retained copies of the `n` elements at `src`.
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve); `src` holds `n` initialized elements outside
    /// this vector.
    pub unsafe fn extend_retained(&mut self, src: *const u8, n: usize, g: &WeftGlue) {
        if n == 0 {
            return;
        }
        self.reserve(n, g);
        let len = self.len();
        g.copy_retained(src, self.slot(len, g.elem_size()), n);
        self.set_len(len + n);
    }

    /// A new vector holding retained copies of elements `start..end`; panics at `loc` on a
    /// bad range (as string slices do).
    ///
    /// # Safety
    /// `g` describes the elements.
    pub unsafe fn slice(self, start: i64, end: i64, g: &WeftGlue, loc: Option<&WeftLoc>) -> Self {
        let (a, b) = check_range(start, end, self.len(), loc);
        if a == 0 && b == self.len() {
            return self.retain();
        }
        let mut out = Self::with_capacity(b - a, g);
        out.extend_retained(self.slot(a, g.elem_size()), b - a, g);
        out
    }

    /// Inserts the element at `elem` (moved in) before index `i`; `0 <= i <= len`, else a
    /// bounds panic at `loc`.
    ///
    /// # Safety
    /// As for [`push`](Self::push).
    pub unsafe fn insert(&mut self, i: i64, elem: *const u8, g: &WeftGlue, loc: Option<&WeftLoc>) {
        let len = self.len();
        if !(0..=len as i64).contains(&i) {
            panic_bounds(i, len as i64, loc);
        }
        self.reserve(1, g);
        let (i, size) = (i as usize, g.elem_size());
        core::ptr::copy(self.slot(i, size), self.slot(i + 1, size), (len - i) * size);
        core::ptr::copy_nonoverlapping(elem, self.slot(i, size), size);
        self.set_len(len + 1);
    }

    /// Moves element `i` out into `out` and closes the gap; a bounds panic at `loc` unless
    /// `0 <= i < len`.
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve); `out` has room for one element, which the caller
    /// then owns.
    pub unsafe fn remove(&mut self, i: i64, out: *mut u8, g: &WeftGlue, loc: Option<&WeftLoc>) {
        let len = self.len();
        let i = check_index(i, len, loc);
        self.make_unique(g);
        let size = g.elem_size();
        core::ptr::copy_nonoverlapping(self.slot(i, size), out, size);
        core::ptr::copy(
            self.slot(i + 1, size),
            self.slot(i, size),
            (len - i - 1) * size,
        );
        self.set_len(len - 1);
    }

    /// Moves the last element out into `out`; false (and `out` untouched) when empty.
    ///
    /// # Safety
    /// As for [`remove`](Self::remove).
    pub unsafe fn pop(&mut self, out: *mut u8, g: &WeftGlue) -> bool {
        let len = self.len();
        if len == 0 {
            return false;
        }
        self.make_unique(g);
        core::ptr::copy_nonoverlapping(self.slot(len - 1, g.elem_size()), out, g.elem_size());
        self.set_len(len - 1);
        true
    }

    /// Reverses the elements in place.
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve).
    pub unsafe fn reverse(&mut self, g: &WeftGlue) {
        let len = self.len();
        if len < 2 {
            return;
        }
        self.make_unique(g);
        let size = g.elem_size();
        for i in 0..len / 2 {
            core::ptr::swap_nonoverlapping(self.slot(i, size), self.slot(len - 1 - i, size), size);
        }
    }

    /// Sorts the elements with `g.compare`, stably ([`merge_sort`] on the element bytes;
    /// elements whose size is not 1, 2, 4, 8, 16, 24 or 32 bytes sort through an index
    /// permutation). A glue without `compare` is a fatal error; a `compare` that is not a
    /// total order (NaN) leaves the elements in some order, all of them kept.
    ///
    /// # Safety
    /// As for [`reserve`](Self::reserve).
    pub unsafe fn sort(&mut self, g: &WeftGlue) {
        let Some(compare) = g.compare else {
            fatal("sort of a vector whose element type has no order");
        };
        let len = self.len();
        if len < 2 {
            return;
        }
        self.make_unique(g);
        let data = self.data();
        match g.elem_size() {
            1 => sort_as::<u8>(data, len, compare),
            2 => sort_as::<u16>(data, len, compare),
            4 => sort_as::<u32>(data, len, compare),
            8 => sort_as::<u64>(data, len, compare),
            16 => sort_as::<[u64; 2]>(data, len, compare),
            24 => sort_as::<[u64; 3]>(data, len, compare),
            32 => sort_as::<[u64; 4]>(data, len, compare),
            _ => self.sort_by_permutation(compare, g),
        }
    }

    /// Sorts elements of any size: sorts their indices, then rebuilds the vector in order.
    unsafe fn sort_by_permutation(&mut self, compare: rc::GlueCompare, g: &WeftGlue) {
        let (len, size) = (self.len(), g.elem_size());
        let mut order: Vec<usize> = (0..len).collect();
        merge_sort(&mut order, &mut |&a, &b| {
            compare(self.slot(a, size), self.slot(b, size)) < 0
        });
        let sorted = Self::alloc(self.capacity(), g);
        for (dst, &src) in order.iter().enumerate() {
            core::ptr::copy_nonoverlapping(self.slot(src, size), sorted.slot(dst, size), size);
        }
        sorted.set_len(len);
        self.free_memory(g);
        *self = sorted;
    }

    /// The elements of a `Vec<string>` joined with `sep` (one allocation).
    ///
    /// # Safety
    /// The vector's elements are strings.
    pub unsafe fn join(self, sep: WeftStr) -> WeftStr {
        let parts = core::slice::from_raw_parts(self.data().cast::<WeftStr>(), self.len());
        string::join(parts, sep)
    }
}

/// Sorts `len` elements of `T`'s size at `data` with the glue's `compare`.
unsafe fn sort_as<T: Copy>(data: *mut u8, len: usize, compare: rc::GlueCompare) {
    let elems = core::slice::from_raw_parts_mut(data.cast::<T>(), len);
    merge_sort(elems, &mut |a, b| {
        compare((a as *const T).cast::<u8>(), (b as *const T).cast::<u8>()) < 0
    });
}

/// Runs of this many elements are sorted by insertion before merging.
const INSERTION_RUN: usize = 16;

/// Stable sort by `less`: insertion-sorted runs, then bottom-up merges that alternate
/// between `v` and one scratch copy. Unlike `slice::sort_by`, it never panics, whatever
/// `less` answers (a comparator that is not a strict weak order yields some permutation).
pub fn merge_sort<T: Copy>(v: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    for run in v.chunks_mut(INSERTION_RUN) {
        insertion_sort(run, less);
    }
    if v.len() <= INSERTION_RUN {
        return;
    }
    let mut scratch = v.to_vec();
    let mut width = INSERTION_RUN;
    let mut in_scratch = false;
    while width < v.len() {
        let (src, dst) = if in_scratch {
            (&scratch[..], &mut v[..])
        } else {
            (&v[..], &mut scratch[..])
        };
        for start in (0..src.len()).step_by(2 * width) {
            let mid = (start + width).min(src.len());
            let end = (start + 2 * width).min(src.len());
            merge(&src[start..mid], &src[mid..end], &mut dst[start..end], less);
        }
        in_scratch = !in_scratch;
        width *= 2;
    }
    if in_scratch {
        v.copy_from_slice(&scratch);
    }
}

fn insertion_sort<T: Copy>(v: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && less(&x, &v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// Merges the sorted `left` and `right` into `out`, taking from `left` on ties.
fn merge<T: Copy>(left: &[T], right: &[T], out: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    if right.is_empty() || left.is_empty() || !less(&right[0], &left[left.len() - 1]) {
        out[..left.len()].copy_from_slice(left);
        out[left.len()..].copy_from_slice(right);
        return;
    }
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        let take_right = i == left.len() || (j < right.len() && less(&right[j], &left[i]));
        if take_right {
            *slot = right[j];
            j += 1;
        } else {
            *slot = left[i];
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_is_stable() {
        let mut v: Vec<(u32, u32)> = (0..1000).map(|i| ((i * 7919) % 37, i)).collect();
        let mut want = v.clone();
        want.sort_by_key(|&(k, _)| k);
        merge_sort(&mut v, &mut |a, b| a.0 < b.0);
        assert_eq!(v, want);
        for n in 0..70u32 {
            let mut v: Vec<u32> = (0..n).rev().collect();
            merge_sort(&mut v, &mut |a, b| a < b);
            assert_eq!(v, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn merge_sort_survives_an_inconsistent_order() {
        let mut v: Vec<f64> = (0..500)
            .map(|i| {
                if i % 3 == 0 {
                    f64::NAN
                } else {
                    (i * 31 % 17) as f64
                }
            })
            .collect();
        let mut flip = false;
        merge_sort(&mut v, &mut |a, b| {
            flip = !flip;
            flip && a < b
        });
        assert_eq!(v.len(), 500);
        assert_eq!(
            v.iter().filter(|x| x.is_nan()).count(),
            167,
            "a permutation"
        );
    }
}
