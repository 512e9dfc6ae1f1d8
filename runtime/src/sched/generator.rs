//! Generator objects: the reference-counted handle behind `Generator<T>` (docs/runtime.md
//! section 13).
//!
//! A `gen fn` is compiled into a stackless coroutine: LLVM's switched-resume lowering
//! (the coroutine passes, as Clang uses them for C++20 coroutines) splits its body into a
//! *ramp* (what a call runs: it makes the generator and stops before the body) and
//! *resume* and *destroy* functions over a heap *frame* that holds whatever lives across a
//! `yield`. The frame is carved from this object's block, behind its header, so a
//! generator is one allocation. Compiled code drives everything on the paths that run per
//! item (`next()`, a `for` loop: the state word, the value slot, the indirect call of the
//! resume function through the frame); the runtime makes the object and frees it.
//!
//! State word (`state`, owned by whoever moved it to `RUNNING`):
//!
//! ```text
//! SUSPENDED ──next() / a for loop (CAS, acquire)──▶ RUNNING ──yield (store, release)──▶ SUSPENDED
//!                                                      └──body finished or panicked──▶ FINISHED
//! ```
//!
//! Invariants:
//! - only the caller that moved the state from `SUSPENDED` to `RUNNING` resumes the frame,
//!   and it gives the state back (`SUSPENDED`, or `FINISHED` when the body ended) with a
//!   release store, so a generator handed to another thread between two `next()` calls
//!   is seen whole there; a second caller finds `RUNNING` and panics `generator already
//!   running` without touching the frame;
//! - `has_value` and the value slot are written by the body at a `yield` and read by the
//!   caller that resumed it, under the `RUNNING` state;
//! - the frame is *live* (holds values the body owns) exactly while the state is
//!   `SUSPENDED`: before the first `next()` it holds the parameters, at a `yield` the
//!   locals. A finished body released everything itself; a panicking one released its
//!   frame's values on the way out (its landing pads) and marked the state `FINISHED`;
//! - the last release of a `SUSPENDED` generator runs the frame's destroy function, which
//!   leaves the body at its suspension point as a `return` would: locals are released and
//!   pending `defer`s run (as cleanup code: a panic in one ends the process, as a panic in
//!   a `defer` during unwinding does), then the block is freed.

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

use crate::panic::WeftLoc;

/// The body is suspended (not started, or at a `yield`); it may be resumed or destroyed.
pub const SUSPENDED: u32 = 0;
/// A `next()` or a `for` loop is resuming the body.
pub const RUNNING: u32 = 1;
/// The body returned or panicked: nothing more will run, the frame holds nothing.
pub const FINISHED: u32 = 2;

/// Offset of the value slot in the object: a yielded value waits there for the caller.
pub const VALUE_OFFSET: usize = 48;

/// The frame's destroy entry as the runtime calls it (a C-ABI wrapper generated code
/// provides around `llvm.coro.destroy`).
pub type DestroyFn = unsafe extern "C" fn(frame: *mut u8);

/// The header of a generator object (C layout, 48 bytes; the value slot follows at
/// [`VALUE_OFFSET`], then the frame).
#[repr(C)]
#[derive(Debug)]
pub struct Generator {
    /// Reference count (offset 0).
    rc: AtomicI64,
    /// [`SUSPENDED`], [`RUNNING`] or [`FINISHED`] (offset 8).
    state: AtomicU32,
    /// Set by the body at a `yield`, cleared by the caller before each resume (offset 12).
    has_value: u8,
    _pad: [u8; 3],
    /// The coroutine frame, inside this block (offset 16).
    frame: *mut u8,
    /// Leaves a suspended body and releases what its frame holds (offset 24).
    destroy: DestroyFn,
    /// Bytes of the whole block, and its alignment (offsets 32 and 40).
    size: usize,
    align: usize,
}

const _: () = assert!(std::mem::size_of::<Generator>() == VALUE_OFFSET);

/// A new suspended generator (count 1) for a frame of `frame_size` bytes aligned to
/// `frame_align` and yielded values of `value_size` bytes (8-aligned). Fatal when the
/// sizes make no block.
///
/// # Safety
/// `destroy` destroys frames of this generator's coroutine.
pub unsafe fn new(
    frame_size: usize,
    frame_align: usize,
    value_size: usize,
    destroy: DestroyFn,
) -> *mut Generator {
    let align = frame_align.max(16);
    if !align.is_power_of_two() {
        crate::os::fatal(&format!("invalid generator frame alignment {frame_align}"));
    }
    let layout = VALUE_OFFSET
        .checked_add(value_size)
        .and_then(|v| v.checked_add(align - 1))
        .map(|v| v & !(align - 1))
        .and_then(|off| Some((off, off.checked_add(frame_size)?)))
        .filter(|&(_, size)| size <= isize::MAX as usize);
    let Some((frame_offset, size)) = layout else {
        crate::os::fatal("generator frame too large")
    };
    let p = crate::obj::rc::alloc(size, align).as_ptr();
    let g = p.cast::<Generator>();
    g.write(Generator {
        rc: AtomicI64::new(1),
        state: AtomicU32::new(SUSPENDED),
        has_value: 0,
        _pad: [0; 3],
        frame: p.add(frame_offset),
        destroy,
        size,
        align,
    });
    g
}

/// Adds a count (null: nothing).
///
/// # Safety
/// `g` is null or a live generator.
pub unsafe fn retain(g: *mut Generator) {
    if let Some(g) = g.as_ref() {
        g.rc.fetch_add(1, Ordering::Relaxed);
    }
}

/// Drops a count (null: nothing); the last one destroys a suspended body (its locals are
/// released and its pending `defer`s run, as cleanup code) and frees the object.
///
/// # Safety
/// `g` is null or a live generator the caller gives a count of.
pub unsafe fn release(g: *mut Generator) {
    let Some(r) = g.as_ref() else { return };
    if r.rc.fetch_sub(1, Ordering::Release) != 1 {
        return;
    }
    std::sync::atomic::fence(Ordering::Acquire);
    match r.state.load(Ordering::Acquire) {
        SUSPENDED => {
            let (destroy, frame) = (r.destroy, r.frame);
            super::failure::as_cleanup(|| destroy(frame));
        }
        RUNNING => crate::os::fatal("a generator was released while it was running"),
        _ => {}
    }
    let (size, align) = (r.size, r.align);
    crate::obj::rc::free(g.cast(), size, align);
}

/// Panics `generator already running` at `loc`: a `next()` or `for` loop found the
/// generator `RUNNING` (resumed by another task, by its own body, or iterated by an
/// enclosing `for` loop).
pub fn already_running(loc: Option<&WeftLoc>) -> ! {
    crate::panic::panic_at("generator already running", loc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static DESTROYED: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count_destroy(frame: *mut u8) {
        assert_eq!(frame as usize % 16, 0, "the frame is aligned");
        DESTROYED.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn layout_and_release_of_a_suspended_or_finished_generator() {
        unsafe {
            let g = new(100, 8, 24, count_destroy);
            let r = &*g;
            assert!(r.frame as usize >= g as usize + VALUE_OFFSET + 24);
            assert!(r.frame as usize + 100 <= g as usize + r.size);
            retain(g);
            release(g);
            assert_eq!(DESTROYED.load(Ordering::SeqCst), 0, "one count left");
            release(g);
            assert_eq!(
                DESTROYED.load(Ordering::SeqCst),
                1,
                "a suspended body is destroyed"
            );
            let g = new(0, 32, 0, count_destroy);
            assert_eq!((*g).frame as usize % 32, 0);
            (*g).state.store(FINISHED, Ordering::Relaxed);
            release(g);
            assert_eq!(
                DESTROYED.load(Ordering::SeqCst),
                1,
                "a finished one is only freed"
            );
        }
    }
}
