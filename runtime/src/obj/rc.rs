//! Reference counting, raw memory and element glue: the parts every heap object shares.
//!
//! Invariants of every heap object (strings, vectors, maps, boxes, closures, enums):
//! - it starts with an [`RcHeader`]: `rc: AtomicI64` at offset 0;
//! - a fresh object has `rc == 1`; each owner holds one count;
//! - `rc < 0` marks an *immortal* object (string literals, the shared empty vector, the
//!   runtime's own constants): retain and release leave it untouched and it is never freed,
//!   so it may live in read-only memory;
//! - the owner that drops the count from 1 to 0 frees the object, after an acquire fence
//!   that orders every other owner's earlier accesses before the free (the protocol of
//!   Rust's `Arc`);
//! - an object with `rc == 1` (loaded with acquire ordering) is unique: its owner may
//!   mutate it in place (copy on write); any other count means shared.
//!
//! Memory comes from the system allocator (`malloc`), so a size passed to [`free`] is only
//! informative.

use core::ptr::NonNull;
use core::sync::atomic::{fence, AtomicI64, Ordering};

use crate::os::fatal;

/// The count that marks an immortal object (any negative count does; the runtime's own
/// immortal objects use this one).
pub const IMMORTAL: i64 = -1;

/// The first field of every heap object: its atomic reference count.
#[repr(C)]
#[derive(Debug)]
pub struct RcHeader {
    /// Number of owners; negative for immortal objects.
    pub rc: AtomicI64,
}

impl RcHeader {
    /// A header for a freshly allocated object (count 1).
    pub const fn new() -> Self {
        RcHeader {
            rc: AtomicI64::new(1),
        }
    }

    /// A header for an immortal object.
    pub const fn immortal() -> Self {
        RcHeader {
            rc: AtomicI64::new(IMMORTAL),
        }
    }
}

impl Default for RcHeader {
    fn default() -> Self {
        RcHeader::new()
    }
}

/// Adds one owner to `obj` (nothing for an immortal object).
///
/// # Safety
/// `obj` points to a live object that starts with an [`RcHeader`].
#[inline(always)]
pub unsafe fn retain(obj: *const RcHeader) {
    let rc = &(*obj).rc;
    if rc.load(Ordering::Relaxed) >= 0 {
        rc.fetch_add(1, Ordering::Relaxed);
    }
}

/// Drops one owner of `obj`; returns true when that was the last one, and the caller must
/// now free the object (false for an immortal object).
///
/// # Safety
/// `obj` points to a live object that starts with an [`RcHeader`], and the caller owns one
/// of its counts.
#[inline(always)]
pub unsafe fn release(obj: *const RcHeader) -> bool {
    let rc = &(*obj).rc;
    if rc.load(Ordering::Relaxed) < 0 {
        return false;
    }
    if rc.fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        return true;
    }
    false
}

/// True when the caller's reference is the only one, so the object may be mutated in place.
/// The acquire load orders the former owners' releases before the caller's writes.
///
/// # Safety
/// `obj` points to a live object that starts with an [`RcHeader`].
#[inline(always)]
pub unsafe fn is_unique(obj: *const RcHeader) -> bool {
    (*obj).rc.load(Ordering::Acquire) == 1
}

/// The current count of `obj` (for tests and diagnostics; racy by nature).
///
/// # Safety
/// `obj` points to a live object that starts with an [`RcHeader`].
#[inline]
pub unsafe fn count(obj: *const RcHeader) -> i64 {
    (*obj).rc.load(Ordering::Relaxed)
}

/// The largest alignment `malloc` guarantees on the supported 64-bit targets.
const MALLOC_ALIGN: usize = 16;

/// Whether allocations bypass the magazines ([`crate::obj::magazine`]) for the C library's
/// `malloc` and `free` alone: under Valgrind, whose leak checker then sees every block
/// the program frees (fixed for the process).
#[inline]
fn plain_malloc() -> bool {
    crate::os::valgrind::running()
}

/// Allocates `size` bytes aligned to `align` (a power of two). Never returns null: on
/// failure the process ends with `fatal: out of memory` (exit code 2). Small blocks come
/// from the calling thread's magazines ([`crate::obj::magazine`]), others from `malloc`.
#[inline]
pub fn alloc(size: usize, align: usize) -> NonNull<u8> {
    NonNull::new(try_alloc(size, align)).unwrap_or_else(|| out_of_memory())
}

/// [`alloc`], returning null when the memory is not available (for allocations whose
/// failure is the caller's error, such as the buffer of a huge channel).
#[inline]
pub fn try_alloc(size: usize, align: usize) -> *mut u8 {
    let size = size.max(1);
    let p = if align > MALLOC_ALIGN {
        aligned_alloc(size, align)
    } else if size <= crate::obj::magazine::MAX_SIZE && !plain_malloc() {
        return crate::obj::magazine::alloc(size);
    } else {
        // SAFETY: malloc has no preconditions.
        unsafe { libc::malloc(size) }
    };
    p.cast()
}

/// Over-aligned allocation through `posix_memalign` (null on failure; an alignment that
/// is not a power of two is a fatal error).
fn aligned_alloc(size: usize, align: usize) -> *mut libc::c_void {
    if !align.is_power_of_two() {
        fatal(&format!("invalid alignment {align}"));
    }
    let align = align.max(core::mem::size_of::<usize>());
    let mut p: *mut libc::c_void = core::ptr::null_mut();
    // SAFETY: `align` is a power of two and a multiple of the pointer size.
    if unsafe { libc::posix_memalign(&mut p, align, size) } != 0 {
        return core::ptr::null_mut();
    }
    p
}

/// Resizes a block from [`alloc`] to `new_size` bytes, keeping its first
/// `min(old_size, new_size)` bytes. Never returns null.
///
/// # Safety
/// `p` came from [`alloc`] or [`realloc`] with this `align` and `old_size`, and is not
/// used again after the call.
#[inline]
pub unsafe fn realloc(
    p: NonNull<u8>,
    old_size: usize,
    new_size: usize,
    align: usize,
) -> NonNull<u8> {
    if align > MALLOC_ALIGN {
        let q = alloc(new_size, align);
        core::ptr::copy_nonoverlapping(p.as_ptr(), q.as_ptr(), old_size.min(new_size));
        free(p.as_ptr(), old_size, align);
        return q;
    }
    let q = libc::realloc(p.as_ptr().cast(), new_size.max(1));
    NonNull::new(q.cast::<u8>()).unwrap_or_else(|| out_of_memory())
}

/// Frees a block from [`alloc`] (`size` and `align` are those it was allocated with).
///
/// # Safety
/// `p` came from [`alloc`] or [`realloc`] and is not used again.
#[inline]
pub unsafe fn free(p: *mut u8, _size: usize, _align: usize) {
    if plain_malloc() {
        libc::free(p.cast());
    } else {
        crate::obj::magazine::free(p);
    }
}

/// `header + n * elem` bytes, or `fatal: out of memory` when that overflows `isize`.
#[inline]
pub fn object_size(header: usize, n: usize, elem: usize) -> usize {
    n.checked_mul(elem)
        .and_then(|b| b.checked_add(header))
        .filter(|&total| total <= isize::MAX as usize)
        .unwrap_or_else(|| out_of_memory())
}

#[cold]
fn out_of_memory() -> ! {
    fatal("out of memory")
}

/// Copies one element's references: called on an element after its bytes were copied.
pub type GlueRetain = unsafe extern "C" fn(elem: *mut u8);
/// Releases what one element holds.
pub type GlueRelease = unsafe extern "C" fn(elem: *mut u8);
/// Orders two elements: negative, zero or positive.
pub type GlueCompare = unsafe extern "C" fn(a: *const u8, b: *const u8) -> i32;

/// How the runtime handles values of one element type: the compiler emits one constant per
/// element type and passes its address to every vector and map operation.
///
/// C layout: `{ int64_t size; int64_t align; void (*retain)(void*); void (*release)(void*);
/// int32_t (*compare)(const void*, const void*); }` (40 bytes).
#[repr(C)]
#[derive(Debug)]
pub struct WeftGlue {
    /// Stride of one element in bytes (0 is allowed).
    pub size: i64,
    /// Alignment of one element in bytes (at most 8 for vector elements).
    pub align: i64,
    /// Null for plain bytes.
    pub retain: Option<GlueRetain>,
    /// Null for plain bytes.
    pub release: Option<GlueRelease>,
    /// Null when the type is not ordered (sorting it is then a fatal error).
    pub compare: Option<GlueCompare>,
}

impl WeftGlue {
    /// Glue for plain-byte elements of `size` bytes and alignment `align`.
    pub const fn plain(size: i64, align: i64) -> Self {
        WeftGlue {
            size,
            align,
            retain: None,
            release: None,
            compare: None,
        }
    }

    /// The element stride in bytes.
    #[inline(always)]
    pub fn elem_size(&self) -> usize {
        self.size as usize
    }

    /// Calls `retain` on each of the `n` elements starting at `data`.
    ///
    /// # Safety
    /// `data` holds `n` initialized elements of this glue's type.
    #[inline]
    pub unsafe fn retain_each(&self, data: *mut u8, n: usize) {
        if let Some(retain) = self.retain {
            for i in 0..n {
                retain(data.add(i * self.elem_size()));
            }
        }
    }

    /// Calls `release` on each of the `n` elements starting at `data`.
    ///
    /// # Safety
    /// `data` holds `n` initialized elements of this glue's type, each giving up its references.
    #[inline]
    pub unsafe fn release_each(&self, data: *mut u8, n: usize) {
        if let Some(release) = self.release {
            for i in 0..n {
                release(data.add(i * self.elem_size()));
            }
        }
    }

    /// Copies `n` elements from `src` to `dst` (not overlapping) and retains the copies.
    ///
    /// # Safety
    /// `src` holds `n` initialized elements; `dst` has room for them.
    #[inline]
    pub unsafe fn copy_retained(&self, src: *const u8, dst: *mut u8, n: usize) {
        core::ptr::copy_nonoverlapping(src, dst, n * self.elem_size());
        self.retain_each(dst, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_arc_protocol() {
        let h = RcHeader::new();
        unsafe {
            assert!(is_unique(&h));
            retain(&h);
            assert_eq!(count(&h), 2);
            assert!(!is_unique(&h));
            assert!(!release(&h));
            assert!(release(&h), "the last owner frees");
        }
        let immortal = RcHeader::immortal();
        unsafe {
            retain(&immortal);
            assert!(!release(&immortal));
            assert!(!is_unique(&immortal));
            assert_eq!(count(&immortal), IMMORTAL);
        }
    }

    #[test]
    fn realloc_keeps_contents_at_every_alignment() {
        for align in [8, 16, 64, 256] {
            let p = alloc(32, align);
            unsafe {
                for i in 0..32 {
                    p.as_ptr().add(i).write(i as u8);
                }
                let q = realloc(p, 32, 4096, align);
                assert_eq!(q.as_ptr() as usize % align, 0);
                let kept = core::slice::from_raw_parts(q.as_ptr(), 32);
                assert!(kept.iter().enumerate().all(|(i, &b)| b == i as u8));
                free(q.as_ptr(), 4096, align);
            }
        }
    }

    #[test]
    fn object_sizes() {
        assert_eq!(object_size(24, 10, 8), 104);
        assert_eq!(object_size(16, 0, 1), 16);
        assert_eq!(object_size(24, usize::MAX, 0), 24);
    }

    #[test]
    fn glue_visits_each_element() {
        unsafe extern "C" fn bump(elem: *mut u8) {
            *elem.cast::<u32>() += 1;
        }
        let g = WeftGlue {
            retain: Some(bump),
            release: Some(bump),
            ..WeftGlue::plain(4, 4)
        };
        let src = [1u32, 2, 3];
        let mut dst = [0u32; 3];
        unsafe {
            g.copy_retained(src.as_ptr().cast(), dst.as_mut_ptr().cast(), 3);
            assert_eq!(dst, [2, 3, 4]);
            g.release_each(dst.as_mut_ptr().cast(), 2);
            assert_eq!(dst, [3, 4, 4]);
            WeftGlue::plain(4, 4).retain_each(dst.as_mut_ptr().cast(), 3);
        }
        assert_eq!(dst, [3, 4, 4]);
    }
}
