//! C ABI: strings (`weft_rt_str_*`).
//!
//! `Str` arguments are borrowed (+0: the callee does not release them); every returned
//! `Str` and `VecP` is owned by the caller (+1). Lengths and indices are byte counts.
//! See [`crate::obj::string`] for the layout and the semantics.

use super::mem::write_out;
use crate::obj::string::{concat_all, raw_parts, WeftStr};
use crate::obj::vec::WeftVec;
use crate::panic::WeftLoc;

/// `Str weft_rt_str_from_bytes(const uint8_t *p, int64_t len)`: a new string holding a
/// copy of `len` bytes (the empty string for `len <= 0`).
///
/// # Safety
/// `p` holds `len` readable bytes when `len > 0`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_from_bytes(p: *const u8, len: i64) -> WeftStr {
    if len <= 0 {
        return WeftStr::empty();
    }
    WeftStr::from_bytes(core::slice::from_raw_parts(p, len as usize))
}

/// `void weft_rt_str_free(Str s)`: frees a string whose count reached zero.
///
/// # Safety
/// `s` is a mortal string whose count reached zero; it is not used again.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_free(s: WeftStr) {
    s.free();
}

/// `Str weft_rt_str_concat(Str a, Str b)`: `a + b`.
///
/// # Safety
/// `a` and `b` are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_concat(a: WeftStr, b: WeftStr) -> WeftStr {
    a.concat(b)
}

/// `Str weft_rt_str_concat_n(const Str *parts, int64_t n)`: the `n` parts concatenated,
/// with one allocation (string interpolation).
///
/// # Safety
/// `parts` holds `n` live strings when `n > 0`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_concat_n(parts: *const WeftStr, n: i64) -> WeftStr {
    concat_all(raw_parts(parts, n))
}

/// `bool weft_rt_str_eq(Str a, Str b)`: bytewise equality.
///
/// # Safety
/// `a` and `b` are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_eq(a: WeftStr, b: WeftStr) -> bool {
    a.eq_bytes(b)
}

/// `int32_t weft_rt_str_cmp(Str a, Str b)`: bytewise order, -1, 0 or 1.
///
/// # Safety
/// `a` and `b` are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_cmp(a: WeftStr, b: WeftStr) -> i32 {
    a.cmp_bytes(b)
}

/// `Str weft_rt_str_slice(Str s, int64_t a, int64_t b, const WeftLoc *loc)`: the bytes
/// `a..b`. Panics `slice start 3 is greater than end 1` or
/// `slice 2..9 out of bounds (length 5)` at `loc`.
///
/// # Safety
/// `s` is a live string; `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_slice(
    s: WeftStr,
    a: i64,
    b: i64,
    loc: Option<&WeftLoc>,
) -> WeftStr {
    s.slice(a, b, loc)
}

/// `bool weft_rt_str_contains(Str s, Str needle)`.
///
/// # Safety
/// Both are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_contains(s: WeftStr, needle: WeftStr) -> bool {
    s.contains(needle)
}

/// `bool weft_rt_str_starts_with(Str s, Str prefix)`.
///
/// # Safety
/// Both are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_starts_with(s: WeftStr, prefix: WeftStr) -> bool {
    s.starts_with(prefix)
}

/// `bool weft_rt_str_ends_with(Str s, Str suffix)`.
///
/// # Safety
/// Both are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_ends_with(s: WeftStr, suffix: WeftStr) -> bool {
    s.ends_with(suffix)
}

/// `int64_t weft_rt_str_find(Str s, Str needle)`: byte index of the first occurrence, or
/// -1 (0 for an empty needle).
///
/// # Safety
/// Both are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_find(s: WeftStr, needle: WeftStr) -> i64 {
    s.find(needle).map_or(-1, |i| i as i64)
}

/// `VecP weft_rt_str_split(Str s, Str sep)`: a `Vec<string>` of the pieces between the
/// occurrences of `sep`; an empty `sep` splits into UTF-8 characters (Go's `strings.Split`).
///
/// # Safety
/// Both are live strings.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_split(s: WeftStr, sep: WeftStr) -> WeftVec {
    s.split(sep)
}

/// `Str weft_rt_str_trim(Str s)`: without leading and trailing Unicode whitespace.
///
/// # Safety
/// `s` is a live string.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_trim(s: WeftStr) -> WeftStr {
    s.trim()
}

/// `Str weft_rt_str_to_upper(Str s)`: Unicode upper case.
///
/// # Safety
/// `s` is a live string.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_to_upper(s: WeftStr) -> WeftStr {
    s.to_upper()
}

/// `Str weft_rt_str_to_lower(Str s)`: Unicode lower case.
///
/// # Safety
/// `s` is a live string.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_to_lower(s: WeftStr) -> WeftStr {
    s.to_lower()
}

/// `bool weft_rt_str_parse_int(Str s, int64_t *out)`: `[+-]digits` with single `_`s
/// allowed between digits; no whitespace; false (and `*out` untouched) on a malformed or
/// out-of-range number.
///
/// # Safety
/// `s` is a live string; `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_parse_int(s: WeftStr, out: *mut i64) -> bool {
    write_out(out, s.parse_int())
}

/// `bool weft_rt_str_parse_float(Str s, double *out)`: decimal or scientific notation,
/// `inf`, `nan`, single `_`s between digits; no whitespace; false (and `*out` untouched)
/// when malformed.
///
/// # Safety
/// `s` is a live string; `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_parse_float(s: WeftStr, out: *mut f64) -> bool {
    write_out(out, s.parse_float())
}

/// `VecP weft_rt_str_bytes(Str s)`: the bytes as a new `Vec<u8>`.
///
/// # Safety
/// `s` is a live string.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_str_bytes(s: WeftStr) -> WeftVec {
    s.to_byte_vec()
}

/// `Str weft_rt_str_from_i64(int64_t v)`: decimal text.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_i64(v: i64) -> WeftStr {
    WeftStr::from_i64(v)
}

/// `Str weft_rt_str_from_u64(uint64_t v)`: decimal text.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_u64(v: u64) -> WeftStr {
    WeftStr::from_u64(v)
}

/// `Str weft_rt_str_from_f64(double v)`: Python `repr` text (`1.5`, `2.0`, `1e+20`).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_f64(v: f64) -> WeftStr {
    WeftStr::from_f64(v)
}

/// `Str weft_rt_str_from_f64_fixed(double v, int64_t digits)`: fixed-point text with
/// `digits` decimals (0 to 100), rounded half to even as C's `printf("%.*f")` does:
/// `(-0.1690751638, 9)` → `-0.169075164`.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_f64_fixed(v: f64, digits: i64) -> WeftStr {
    let digits = digits.clamp(0, 100) as usize;
    WeftStr::from_bytes(format!("{v:.digits$}").as_bytes())
}

/// `Str weft_rt_str_from_f32(float v)`: shortest `f32` digits in the `repr` layout.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_f32(v: f32) -> WeftStr {
    WeftStr::from_f32(v)
}

/// `Str weft_rt_str_from_bool(bool v)`: `true` or `false` (immortal constants).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_str_from_bool(v: bool) -> WeftStr {
    WeftStr::from_bool(v)
}
