//! C ABI of generators (`Generator<T>`, docs/runtime.md section 13): making the object a
//! `gen fn`'s ramp returns, counting it, and the panic of an overlapping resume. Resuming
//! is compiled code's (an indirect call through the coroutine frame).

use crate::panic::WeftLoc;
use crate::sched::generator::{self, DestroyFn, Generator};

/// `void *weft_rt_generator_new(int64_t frame_size, int64_t frame_align, int64_t value_size,
/// void (*destroy)(void *frame))`: a suspended generator (+1) whose block holds the
/// 48-byte header, the value slot (`value_size` bytes at offset 48) and a coroutine frame
/// of `frame_size` bytes aligned to `frame_align` (at least 16), whose address is at
/// offset 16. `destroy` leaves a suspended body (called by the last release). Fatal
/// (exit 2) when the sizes are negative or too large.
///
/// # Safety
/// `destroy` destroys frames of the coroutine this generator runs.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_generator_new(
    frame_size: i64,
    frame_align: i64,
    value_size: i64,
    destroy: DestroyFn,
) -> *mut Generator {
    let [size, align, value] = [frame_size, frame_align, value_size].map(|n| {
        usize::try_from(n).unwrap_or_else(|_| crate::os::fatal("invalid generator layout"))
    });
    generator::new(size, align, value, destroy)
}

/// `void weft_rt_generator_retain(void *g)`: adds a count (null: no-op).
///
/// # Safety
/// `g` is null or a live generator.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_generator_retain(g: *mut Generator) {
    generator::retain(g)
}

/// `void weft_rt_generator_release(void *g)`: drops a count (null: no-op); the last one
/// leaves a suspended body at its `yield` (releasing its locals, running its pending
/// `defer`s) and frees the object.
///
/// # Safety
/// `g` is null or a live generator the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_generator_release(g: *mut Generator) {
    generator::release(g)
}

/// `void weft_rt_generator_busy(const WeftLoc *loc)`: panics `generator already running`
/// (a `next()` or `for` loop found the generator being resumed).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_generator_busy(loc: Option<&WeftLoc>) -> ! {
    generator::already_running(loc)
}
