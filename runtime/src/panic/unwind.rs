//! Unwinding a panic through Weft frames on the platform's Itanium-ABI unwinder.
//!
//! A panic in code that runs inside an *unwind boundary* (the runtime's frame that called
//! into compiled code: a task's start, an OS thread's or blocking job's body) is raised
//! with `_Unwind_ForcedUnwind` from libgcc (libgcc_s, or libgcc_eh in a static program):
//! a forced unwind runs every frame's cleanups (its cleanup phase) without looking for a
//! handler first, which a language without `catch` has no use for. Weft frames clean up
//! in landing pads that code generation emits for the calls made while something is live
//! (releases, `defer`s, `errdefer`s, `withLock`'s unlock; see the compiler's
//! `codegen/unwind.rs`); Rust frames of the runtime in between run their drops. Every
//! Weft function with a landing pad names [`personality`] (exported as
//! `weft_rt_personality`), which finds the landing pad of a frame through libgcc's
//! `__gcc_personality_v0`, the routine C code built with `-fexceptions` uses for its
//! cleanups: Weft landing pads are cleanups only, so the call-site table is all a frame
//! needs.
//!
//! The *stop function* libgcc calls before each frame's personality routine finds where
//! the unwinding ends. The boundary is the stack pointer of the runtime frame that called
//! into compiled code, read in that frame. When the stop function is called for a frame,
//! `_Unwind_GetCFA` gives the canonical frame address of the frame unwound last, which is
//! the stack pointer of the frame about to be unwound at its call (glibc's
//! `pthread_exit` stops its forced unwinding with the same comparison): below the boundary
//! for every frame the boundary frame called, equal to it for the boundary frame itself,
//! whose own cleanups (and any `catch_unwind` in it) never run. There the stop function
//! frees the exception and hands the failure to the finisher the raiser chose, which never
//! returns (it switches away from a task, delivers an OS thread's panic, or exits the
//! process). The frames left on the stack below are never resumed.
//!
//! A panic raised while this context is unwinding (in a `defer` that runs on the way out)
//! cannot be unwound as well: the raiser checks [`Failure`] state first and reports a
//! panic while unwinding instead (`sched`).
//!
//! The layout of `_Unwind_Exception` and the action and reason codes are those of the
//! Itanium C++ ABI, "Base ABI" section 1 (as in LLVM's libunwind `unwind.h` and libgcc's
//! `unwind-generic.h`).

use std::ffi::{c_int, c_void};

/// `_Unwind_Action` bits passed to personality routines and stop functions.
const UA_END_OF_STACK: c_int = 16;
/// `_Unwind_Reason_Code`: continue with the next frame.
const URC_NO_REASON: c_int = 0;

/// The exception class of Weft panics: "WEFTPANC".
const WEFT_CLASS: u64 = u64::from_be_bytes(*b"WEFTPANC");

/// `struct _Unwind_Exception`: the class, a cleanup function for foreign catchers, and
/// two words private to the unwinder (x86_64 and aarch64 libgcc), 16-byte aligned.
#[repr(C, align(16))]
struct UnwindException {
    class: u64,
    cleanup: Option<unsafe extern "C" fn(c_int, *mut UnwindException)>,
    private: [usize; 2],
}

type StopFn = unsafe extern "C" fn(
    version: c_int,
    actions: c_int,
    class: u64,
    exception: *mut UnwindException,
    context: *mut c_void,
    param: *mut c_void,
) -> c_int;

extern "C-unwind" {
    /// Unwinds the stack, calling `stop(…, param)` before each frame's personality
    /// routine; returns only if unwinding could not start.
    fn _Unwind_ForcedUnwind(
        exception: *mut UnwindException,
        stop: StopFn,
        param: *mut c_void,
    ) -> c_int;
}

extern "C" {
    /// The canonical frame address of the frame `context` describes.
    fn _Unwind_GetCFA(context: *mut c_void) -> usize;
    /// libgcc's personality routine for C cleanups (`-fexceptions`).
    fn __gcc_personality_v0(
        version: c_int,
        actions: c_int,
        class: u64,
        exception: *mut UnwindException,
        context: *mut c_void,
    ) -> c_int;
}

/// What ends a context after a panic, once its frames have been unwound: the scheduler's
/// (or an OS thread's) failure handling. Never returns.
pub type Finisher = fn(Failure) -> !;

/// A panic in flight: what the finisher needs once the frames are unwound.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub location: String,
    /// Ends the task as cancelled rather than panicked (a re-raised cancellation).
    pub cancelled: bool,
}

/// The exception object: the unwinder's header first, then the panic and where it ends.
#[repr(C)]
struct Exception {
    header: UnwindException,
    /// The boundary frame's stack pointer.
    boundary: usize,
    finish: Finisher,
    failure: Option<Failure>,
}

/// The stack pointer of the runtime frame that calls into compiled code: a panic raised in
/// code it calls unwinds up to, and not through, that frame (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Boundary(usize);

impl Boundary {
    /// The boundary of the calling frame: its stack pointer, read where it is inlined. The
    /// frame must not move its stack pointer between here and its call into compiled code
    /// (true of any frame without a variable-size allocation).
    #[inline(always)]
    pub fn here() -> Boundary {
        let sp: usize;
        // SAFETY: reads the stack pointer register, nothing else.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
            #[cfg(target_arch = "aarch64")]
            core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
        }
        Boundary(sp)
    }

    /// The boundary at `address` (from [`Boundary::address`]; not 0).
    pub fn from_address(address: usize) -> Boundary {
        Boundary(address)
    }

    /// The marker's address.
    pub fn address(self) -> usize {
        self.0
    }
}

/// Unwinds the calling context's frames up to `boundary`, running their cleanups, then
/// calls `finish(failure)`. Never returns.
///
/// # Safety
/// `boundary` was made by a frame that is still live below the caller on this stack, and
/// every frame in between can be unwound (Weft code, the runtime's `C-unwind` entry points
/// and Rust code without `catch_unwind`).
pub unsafe fn raise(boundary: Boundary, failure: Failure, finish: Finisher) -> ! {
    let exception = Box::into_raw(Box::new(Exception {
        header: UnwindException {
            class: WEFT_CLASS,
            cleanup: Some(delete),
            private: [0; 2],
        },
        boundary: boundary.0,
        finish,
        failure: Some(failure),
    }));
    let code = _Unwind_ForcedUnwind(exception.cast(), stop, exception.cast());
    // Unwinding could not even start (no unwind tables): end the context here, its frames
    // abandoned.
    let mut exception = Box::from_raw(exception);
    let failure = exception.failure.take().expect("the failure is taken once");
    let _ = code;
    finish(failure)
}

/// The stop function: lets the unwinder clean up frames below the boundary, and ends the
/// unwinding at the boundary's frame (or at the end of the stack).
unsafe extern "C" fn stop(
    _version: c_int,
    actions: c_int,
    _class: u64,
    _exception: *mut UnwindException,
    context: *mut c_void,
    param: *mut c_void,
) -> c_int {
    let exception = param.cast::<Exception>();
    let at_end = actions & UA_END_OF_STACK != 0;
    if !at_end && _Unwind_GetCFA(context) < (*exception).boundary {
        return URC_NO_REASON;
    }
    let mut exception = Box::from_raw(exception);
    let failure = exception.failure.take().expect("the failure is taken once");
    let finish = exception.finish;
    drop(exception);
    finish(failure)
}

/// Frees a Weft exception a foreign runtime has caught (`_Unwind_DeleteException`).
unsafe extern "C" fn delete(_reason: c_int, exception: *mut UnwindException) {
    drop(Box::from_raw(exception.cast::<Exception>()));
}

/// The personality routine of Weft frames (exported as `weft_rt_personality`): finds the
/// frame's landing pad, a cleanup, through libgcc's C personality (see the module docs).
///
/// # Safety
/// Called by the unwinder only, with its own arguments.
pub unsafe fn personality(
    version: c_int,
    actions: c_int,
    class: u64,
    exception: *mut c_void,
    context: *mut c_void,
) -> c_int {
    __gcc_personality_v0(version, actions, class, exception.cast(), context)
}

std::thread_local! {
    /// The unwind boundary of the code running on this OS thread outside green tasks (a
    /// Weft thread's body or a blocking-pool job), if any.
    static THREAD_BOUNDARY: std::cell::Cell<Option<Boundary>> = const { std::cell::Cell::new(None) };
    /// Whether this OS thread is unwinding a panic (outside green tasks).
    static THREAD_UNWINDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The calling OS thread's boundary (outside green tasks).
pub fn thread_boundary() -> Option<Boundary> {
    THREAD_BOUNDARY.with(|b| b.get())
}

/// Sets the calling OS thread's boundary (None: none), returning the previous one; the
/// unwinding flag is cleared with it.
pub fn set_thread_boundary(boundary: Option<Boundary>) -> Option<Boundary> {
    THREAD_UNWINDING.with(|u| u.set(false));
    THREAD_BOUNDARY.with(|b| b.replace(boundary))
}

/// Whether the calling OS thread is unwinding a panic.
pub fn thread_unwinding() -> bool {
    THREAD_UNWINDING.with(|u| u.get())
}

/// Records that the calling OS thread starts unwinding a panic.
pub fn set_thread_unwinding(unwinding: bool) {
    THREAD_UNWINDING.with(|u| u.set(unwinding));
}
