//! C ABI: vectors (`weft_rt_vec_*` and the `weft_rt_empty_vec` static).
//!
//! `VecP *v` parameters are in-out: the function may replace `*v` (making it unique
//! releases the caller's old reference). Element pointers (`elem`, `out`) point to one
//! element of `g->size` bytes; `elem` is moved in, `out` receives an element the caller
//! then owns. Returned vectors and strings are owned (+1). See [`crate::obj::vec`] for the
//! layout and the copy-on-write rules.

use crate::obj::rc::WeftGlue;
use crate::obj::string::WeftStr;
use crate::obj::vec::{WeftVec, EMPTY_VEC};
use crate::panic::WeftLoc;

/// `extern VecP weft_rt_empty_vec`: a pointer variable holding the immortal empty vector
/// (`rc < 0`, `len == 0`, `cap == 0`). It never changes, so generated code may load it once.
#[no_mangle]
pub static weft_rt_empty_vec: WeftVec =
    // SAFETY: EMPTY_VEC is a static vector object.
    unsafe { WeftVec::from_raw(&EMPTY_VEC as *const _ as *mut _) };

fn count(n: i64) -> usize {
    n.max(0) as usize
}

/// `VecP weft_rt_vec_with_capacity(int64_t cap, const WeftGlue *g)`: an empty vector with
/// room for `cap` elements (the shared empty vector for `cap <= 0`).
///
/// # Safety
/// `g` is a valid glue.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_with_capacity(cap: i64, g: *const WeftGlue) -> WeftVec {
    WeftVec::with_capacity(count(cap), &*g)
}

/// `void weft_rt_vec_reserve(VecP *v, int64_t additional, const WeftGlue *g)`: afterwards
/// `*v` is unique and `cap >= len + additional` (growth doubles, minimum 4).
///
/// # Safety
/// `v` points to an owned vector of `g`'s element type.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_reserve(
    v: *mut WeftVec,
    additional: i64,
    g: *const WeftGlue,
) {
    (*v).reserve(count(additional), &*g);
}

/// `void weft_rt_vec_make_unique(VecP *v, const WeftGlue *g)`: afterwards `*v` is unique
/// (a shared vector is copied with its capacity, elements retained).
///
/// # Safety
/// As for `weft_rt_vec_reserve`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_make_unique(v: *mut WeftVec, g: *const WeftGlue) {
    (*v).make_unique(&*g);
}

/// `void weft_rt_vec_free(VecP v, const WeftGlue *g)`: releases the elements and frees a
/// vector whose count reached zero.
///
/// # Safety
/// `v` is a mortal vector whose count reached zero, not used again.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_free(v: WeftVec, g: *const WeftGlue) {
    v.free(&*g);
}

/// `VecP weft_rt_vec_slice(VecP v, int64_t a, int64_t b, const WeftGlue *g,
/// const WeftLoc *loc)`: a new vector of elements `a..b` (retained). Panics as string
/// slices do.
///
/// # Safety
/// `v` is a live vector of `g`'s element type; `loc` is null or valid.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_slice(
    v: WeftVec,
    a: i64,
    b: i64,
    g: *const WeftGlue,
    loc: Option<&WeftLoc>,
) -> WeftVec {
    v.slice(a, b, &*g, loc)
}

/// `void weft_rt_vec_insert(VecP *v, int64_t i, const void *elem, const WeftGlue *g,
/// const WeftLoc *loc)`: inserts `*elem` (moved in) before index `i`, `0 <= i <= len`;
/// else panics `index 5 out of bounds (length 3)`.
///
/// # Safety
/// `v` points to an owned vector of `g`'s element type; `elem` points to an owned element.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_insert(
    v: *mut WeftVec,
    i: i64,
    elem: *const u8,
    g: *const WeftGlue,
    loc: Option<&WeftLoc>,
) {
    (*v).insert(i, elem, &*g, loc);
}

/// `void weft_rt_vec_remove(VecP *v, int64_t i, void *out, const WeftGlue *g,
/// const WeftLoc *loc)`: moves element `i` into `*out` and shifts the rest down; panics
/// `index 5 out of bounds (length 3)` unless `0 <= i < len`.
///
/// # Safety
/// `v` points to an owned vector of `g`'s element type; `out` has room for an element.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_remove(
    v: *mut WeftVec,
    i: i64,
    out: *mut u8,
    g: *const WeftGlue,
    loc: Option<&WeftLoc>,
) {
    (*v).remove(i, out, &*g, loc);
}

/// `bool weft_rt_vec_pop(VecP *v, void *out, const WeftGlue *g)`: moves the last element
/// into `*out`; false (nothing written) when empty.
///
/// # Safety
/// As for `weft_rt_vec_remove`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_pop(
    v: *mut WeftVec,
    out: *mut u8,
    g: *const WeftGlue,
) -> bool {
    (*v).pop(out, &*g)
}

/// `void weft_rt_vec_reverse(VecP *v, const WeftGlue *g)`: reverses in place (after
/// making `*v` unique).
///
/// # Safety
/// As for `weft_rt_vec_reserve`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_reverse(v: *mut WeftVec, g: *const WeftGlue) {
    (*v).reverse(&*g);
}

/// `void weft_rt_vec_sort(VecP *v, const WeftGlue *g)`: stable sort with `g->compare`
/// (a null `compare` is a fatal error).
///
/// # Safety
/// As for `weft_rt_vec_reserve`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_sort(v: *mut WeftVec, g: *const WeftGlue) {
    (*v).sort(&*g);
}

/// `Str weft_rt_vec_str_join(VecP v, Str sep)`: the strings of a `Vec<string>` joined
/// with `sep`.
///
/// # Safety
/// `v` is a live `Vec<string>`; `sep` is a live string.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_vec_str_join(v: WeftVec, sep: WeftStr) -> WeftStr {
    v.join(sep)
}
