//! C ABI: raw memory and reference counts (`weft_rt_alloc`, `weft_rt_retain`, ...).
//!
//! Generated code inlines retain and release for speed (see [`crate::obj::rc`]); these entry
//! points serve the places it does not.

use crate::obj::rc::{self, RcHeader};

/// `void *weft_rt_alloc(size_t size, size_t align)`: `size` bytes aligned to `align` (a
/// power of two), uninitialized. Never NULL: on failure prints `fatal: out of memory` and
/// exits with code 2. Boxes, closures and enums are allocated here.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_alloc(size: usize, align: usize) -> *mut u8 {
    rc::alloc(size, align).as_ptr()
}

/// `void weft_rt_free(void *p, size_t size, size_t align)`: frees a block from
/// `weft_rt_alloc` (with the size and alignment it was allocated with).
///
/// # Safety
/// `p` came from `weft_rt_alloc` and is not used again.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_free(p: *mut u8, size: usize, align: usize) {
    rc::free(p, size, align);
}

/// `void weft_rt_retain(void *obj)`: adds one owner to a heap object (none for an
/// immortal one).
///
/// # Safety
/// `obj` is a live heap object (it starts with its `int64_t rc`).
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_retain(obj: *mut u8) {
    rc::retain(obj.cast::<RcHeader>());
}

/// `bool weft_rt_release_count(void *obj)`: drops one owner; true when that was the last
/// one, and the caller must now call the type's free function (false for immortal objects).
///
/// # Safety
/// `obj` is a live heap object of which the caller owns one count.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_release_count(obj: *mut u8) -> bool {
    rc::release(obj.cast::<RcHeader>())
}

/// Writes `value` through the out-pointer `out` when there is one; returns whether there
/// was (the `bool f(..., T *out)` convention of the ABI).
///
/// # Safety
/// `out` is writable when `value` is `Some`.
#[inline]
pub(crate) unsafe fn write_out<T>(out: *mut T, value: Option<T>) -> bool {
    match value {
        Some(v) => {
            out.write(v);
            true
        }
        None => false,
    }
}
