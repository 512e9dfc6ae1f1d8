//! C ABI: panics. Each builds its message and the `file:line:col` of its location, then
//! ends the task through the scheduler (see [`crate::panic`]); none returns.

use crate::obj::string::WeftStr;
use crate::panic::{panic_at, panic_bounds, panic_div_zero, panic_overflow, WeftLoc};

/// `void weft_rt_panic(Str msg, const WeftLoc *loc)` (noreturn): `panic(msg)`; `msg` is
/// borrowed.
///
/// # Safety
/// `msg` is a live string; `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_panic(msg: WeftStr, loc: Option<&WeftLoc>) -> ! {
    panic_at(&String::from_utf8_lossy(msg.as_bytes()), loc)
}

/// `void weft_rt_panic_str(const uint8_t *msg, int64_t len, const WeftLoc *loc)`
/// (noreturn): a panic with a message of `len` UTF-8 bytes (a compiler constant).
///
/// # Safety
/// `msg` holds `len` bytes (or `len <= 0`); `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_panic_str(
    msg: *const u8,
    len: i64,
    loc: Option<&WeftLoc>,
) -> ! {
    let bytes = if len <= 0 {
        &[][..]
    } else {
        core::slice::from_raw_parts(msg, len as usize)
    };
    panic_at(&String::from_utf8_lossy(bytes), loc)
}

/// `void weft_rt_panic_overflow(const WeftLoc *loc)` (noreturn): `integer overflow`.
///
/// # Safety
/// `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_panic_overflow(loc: Option<&WeftLoc>) -> ! {
    panic_overflow(loc)
}

/// `void weft_rt_panic_div_zero(const WeftLoc *loc)` (noreturn): `division by zero`.
///
/// # Safety
/// `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_panic_div_zero(loc: Option<&WeftLoc>) -> ! {
    panic_div_zero(loc)
}

/// `void weft_rt_panic_bounds(int64_t index, int64_t len, const WeftLoc *loc)` (noreturn):
/// `index 5 out of bounds (length 3)`.
///
/// # Safety
/// `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_panic_bounds(
    index: i64,
    len: i64,
    loc: Option<&WeftLoc>,
) -> ! {
    panic_bounds(index, len, loc)
}

/// `int weft_rt_personality(int version, int actions, uint64_t class, void *exception,
/// void *context)`: the personality routine of Weft functions with landing pads, called
/// by the unwinder only (see [`crate::panic::unwind`]).
///
/// # Safety
/// Called by the platform's unwinder with its own arguments.
#[no_mangle]
pub unsafe extern "C" fn weft_rt_personality(
    version: core::ffi::c_int,
    actions: core::ffi::c_int,
    class: u64,
    exception: *mut core::ffi::c_void,
    context: *mut core::ffi::c_void,
) -> core::ffi::c_int {
    crate::panic::unwind::personality(version, actions, class, exception, context)
}
