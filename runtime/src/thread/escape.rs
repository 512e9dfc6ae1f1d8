//! Ending a panicking OS thread's body: [`run_catching`] runs a thread's body or a pool
//! job on a context just below its own frame. The context's first frame is the body's
//! unwind boundary: a panic unwinds the body's frames up to it (running their cleanups,
//! `crate::panic::unwind`), then switches straight back to `run_catching`, as a finished
//! green task switches away for good.

use std::cell::Cell;
use std::ptr;

use crate::context;
use crate::lock::held::Ending;
use crate::panic::unwind::{self, Boundary, Failure};

thread_local! {
    /// The innermost [`run_catching`] frame on this thread (null outside one).
    static ESCAPE: Cell<*mut Escape> = const { Cell::new(ptr::null_mut()) };
}

/// A [`run_catching`] frame: where to switch back to, what to run, and the panic caught.
struct Escape {
    control: *mut u8,
    run: *mut dyn FnMut(),
    panic: Option<(String, String)>,
}

/// Bytes left between the caller's frame and the context `f` runs on.
const ESCAPE_GAP: usize = 16 * 1024;

/// The gap under Valgrind. Valgrind takes a move of the stack pointer within one stack by
/// less than 2 MB (its `--max-stackframe`) for a frame being pushed and marks the frame's
/// bytes undefined, so switching to the context would read its prepared registers as
/// uninitialised; a larger move is taken for a stack switch. (A thread's whole stack is
/// one stack to Valgrind, so registering the region below would not help.)
const VALGRIND_ESCAPE_GAP: usize = 2560 * 1024;

/// Runs `f` on the calling thread's own stack, just below this frame, so that a Weft panic
/// inside it ([`os_thread_panicked`]) can abandon `f`'s frames by switching back here (a
/// `longjmp` built from the scheduler's context switch). Returns the panic's message and
/// location, if there was one.
pub(super) fn run_catching(f: &mut dyn FnMut()) -> Option<(String, String)> {
    let mut escape = Escape {
        control: ptr::null_mut(),
        // SAFETY: erasing the lifetime: `f` outlives the context that calls it, which ends
        // before this function returns.
        run: unsafe { std::mem::transmute::<&mut dyn FnMut(), &'static mut dyn FnMut()>(f) },
        panic: None,
    };
    let e: *mut Escape = &mut escape;
    let marker = 0u8;
    let gap = if crate::os::valgrind::running() {
        VALGRIND_ESCAPE_GAP
    } else {
        ESCAPE_GAP
    };
    let top = (std::hint::black_box(&marker) as *const u8 as usize - gap) & !15;
    let previous = ESCAPE.with(|c| c.replace(e));
    let previous_boundary = unwind::thread_boundary();
    // SAFETY: the region below `top` is unused stack of this thread (at least 8 MiB minus
    // what the caller used); the context runs `escape_start(e)` and switches back to the
    // `control` pointer saved here, once.
    unsafe {
        let ctx = context::prepare(top as *mut u8, escape_start, e.cast());
        context::switch(&raw mut (*e).control, ctx, 0);
    }
    ESCAPE.with(|c| c.set(previous));
    unwind::set_thread_boundary(previous_boundary);
    // SAFETY: the context has finished with `escape`.
    unsafe { (*e).panic.take() }
}

unsafe extern "C" fn escape_start(arg: *mut u8, _: usize) -> ! {
    let e = arg.cast::<Escape>();
    // A panic in the body unwinds up to this frame (`sched::failure`).
    unwind::set_thread_boundary(Some(Boundary::here()));
    (*(*e).run)();
    let mut abandoned: *mut u8 = ptr::null_mut();
    context::switch(&mut abandoned, (*e).control, 0);
    unreachable!("an escaped context was resumed")
}

/// After a thread's body or a pool job: releases the locks it still holds if it panicked
/// (its frames were abandoned, not unwound), else leaves a mutex it never unlocked locked
/// by nobody (see `sync::held`) — a pool thread runs other jobs later.
pub(super) fn end_locks(panicked: bool) {
    crate::sync::held::end_thread_locks(if panicked {
        Ending::Panicked
    } else {
        Ending::Returned
    });
}

/// The [`ThreadPanicHook`](crate::sched::registry::ThreadPanicHook) of Weft threads and
/// pool threads: called by `sched::panic_current` for a panic on an OS thread. On a Weft thread that can
/// still be joined, or in a blocking-pool job, it records the panic and abandons the
/// panicking code (never returning); otherwise it returns, and the caller prints the panic
/// and exits with 101.
pub(crate) fn os_thread_panicked(failure: Failure) -> Failure {
    let e = ESCAPE.with(|c| c.get());
    if e.is_null() || !super::os_thread::current_can_be_joined() {
        return failure;
    }
    ESCAPE.with(|c| c.set(ptr::null_mut()));
    // SAFETY: `e` is the live frame of `run_catching` below us on this stack; switching to
    // its saved context abandons the frames in between, which are never resumed (they
    // were unwound, and own nothing now: the failure moves into `run_catching`'s frame).
    unsafe {
        (*e).panic = Some((failure.message, failure.location));
        let mut abandoned: *mut u8 = ptr::null_mut();
        context::switch(&mut abandoned, (*e).control, 0);
    }
    unreachable!("an escaped context was resumed")
}
