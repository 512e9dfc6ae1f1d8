//! Running a child of a scope *inline*: the task that owns a scope runs one of its children
//! itself, on its own stack, instead of a task of its own — the last branch of a `par`
//! block, and at the wait every child that no worker has started yet (rayon's `join` runs
//! one closure inline and takes the other back when no thief stole it; Cilk's work-first
//! principle). Forking and joining two trivial branches then costs a few hundred
//! instructions instead of two task starts, four switches and a park.
//!
//! The child keeps the meaning it has as a task of its own (docs/runtime.md section 10):
//!
//! - *cancellation*: while the owner runs the child, the cancel flag its code sees
//!   (`Task.isCancelled()`, and every cancellable wait) is the scope node's, which a
//!   failing sibling, the scope's cancellation and a cancellation of the owner all set;
//!   cancelling the node also ends the owner's current wait (`Scope`'s inline host);
//! - *subtree*: scopes and scoped children it starts hang on the scope's node (see
//!   [`super::link_parent`]), so cancelling the scope reaches them;
//! - *failure*: a panic in the child unwinds the child's frames only and becomes the
//!   child's failure. The child is called through a frame that records a way back
//!   (`src/catch.c`, a `__builtin_setjmp`): that frame is the unwind boundary, and after the
//!   unwinding the failure jumps back into it (as `thread::escape` does for an OS thread's
//!   body, which runs on a context of its own instead);
//! - *locks*: the locks the child took and still holds when it ends are ended as a task's
//!   are (released after a panic, orphaned after a return);
//! - *stack*: a child runs inline only when the owner's stack has room for a whole task
//!   stack below the caller (the main task's 8 MiB stack, a thread-sized task stack), so
//!   it never has less stack than it would as a task; elsewhere it stays a task.
//!
//! Only children of scopes without a deadline run inline (the owner enforces a deadline
//! while it waits, and it does not wait while it runs a child).

use std::ffi::c_void;

use super::task::{Task, UNWINDING};
use crate::lock::held::{self, Ending};
use crate::panic::unwind::{Boundary, Failure};

/// `struct weft_catch` of `src/catch.c`: the `__builtin_setjmp` buffer and the boundary.
#[repr(C)]
struct Catch {
    jmp: [*mut c_void; 5],
    boundary: usize,
}

extern "C-unwind" {
    /// Calls `f(arg)` and returns 0, or 1 after [`weft_rt__escape`] (see `src/catch.c`).
    fn weft_rt__run_catching(
        f: unsafe extern "C-unwind" fn(*mut c_void),
        arg: *mut c_void,
        c: *mut Catch,
    ) -> i32;
}

extern "C" {
    /// Resumes the `weft_rt__run_catching` frame of `c`, which returns 1.
    fn weft_rt__escape(c: *mut Catch) -> !;
}

/// One inline run, in the frame of [`run`]: what the failure path needs.
pub(crate) struct InlineRun {
    /// The node of the scope the child belongs to.
    node: &'static Task,
    /// The run this one is nested in (restored at the end), or null.
    outer: *mut InlineRun,
    /// The way back and the unwind boundary.
    catch: Catch,
    run: *mut dyn FnMut(),
    /// The child's failure (boxed: the path without one moves a word).
    failure: Option<Box<Failure>>,
}

impl InlineRun {
    /// The node of the scope whose child runs.
    pub(crate) fn node(&self) -> &'static Task {
        self.node
    }
}

/// Whether the running `task` may run a scope's child inline now: it is not unwinding a
/// panic, and its stack has room for a whole default task stack below the caller.
#[inline]
pub(crate) fn can_run(task: &Task) -> bool {
    if task.has_flag(UNWINDING) {
        return false;
    }
    let Some(low) = task.running().stack_low() else {
        return false;
    };
    let marker = 0u8;
    let sp = std::hint::black_box(&marker) as *const u8 as usize;
    // Room for a whole default task stack below the caller.
    sp > low && sp - low >= crate::stack::default_size()
}

/// Runs `f` as a child of the scope whose node is `node`, inline on the running `task`
/// (which [`can_run`]); returns its failure if it panicked. The task may be on another
/// worker when this returns (the child may have parked).
pub(crate) fn run(
    task: &'static Task,
    node: &'static Task,
    f: &mut dyn FnMut(),
) -> Option<Box<Failure>> {
    let act = task.running();
    // SAFETY: the running task's own list.
    let held_before = act
        .held_locks_if_any()
        .map_or(0, |list| unsafe { (*list).len() });
    let mut frame = InlineRun {
        node,
        outer: act.inline_run(),
        catch: Catch {
            jmp: [std::ptr::null_mut(); 5],
            boundary: 0,
        },
        // SAFETY: erasing the lifetime: `f` outlives the call, which ends before this
        // function returns.
        run: unsafe { std::mem::transmute::<&mut dyn FnMut(), &'static mut dyn FnMut()>(f) },
        failure: None,
    };
    let r: *mut InlineRun = &mut frame;
    act.set_inline_run(r);
    crate::stack::set_cancel_flag(node.cancel_flag());
    // SAFETY: `r` lives until the call returns, normally or through `weft_rt__escape`.
    let failure = unsafe {
        weft_rt__run_catching(call_child, r.cast(), &raw mut (*r).catch);
        act.set_inline_run((*r).outer);
        (*r).failure.take()
    };
    crate::stack::set_cancel_flag(act.cancel_view());
    end_locks(task, held_before, failure.is_some());
    failure
}

unsafe extern "C-unwind" fn call_child(arg: *mut c_void) {
    let r = arg.cast::<InlineRun>();
    (*(*r).run)();
}

/// Ends the locks the child took and still holds, as a task's end does.
fn end_locks(task: &Task, held_before: usize, panicked: bool) {
    let Some(list) = task.running().held_locks_if_any() else {
        return;
    };
    // SAFETY: the running task's own list; the entries past `held_before` are the child's.
    unsafe {
        if (*list).len() <= held_before {
            return;
        }
        let mut child = (*list).split_off(held_before);
        let ending = if panicked {
            Ending::Panicked
        } else {
            Ending::Returned
        };
        held::end(&mut child, ending);
    }
}

/// Where a panic of the running task stops unwinding while it runs a child inline: the
/// catching frame (None: no inline run).
pub(crate) fn boundary(task: &Task) -> Option<Boundary> {
    let r = task.running().inline_run();
    // SAFETY: an inline run lives in its frame until it is unset.
    (!r.is_null()).then(|| Boundary::from_address(unsafe { (*r).catch.boundary }))
}

/// The finisher of a panic in a child run inline, after its frames were unwound: hands the
/// failure to the owner's frame in [`run`]. Never returns.
pub(crate) fn finish_failed(failure: Failure) -> ! {
    let task = super::current_task().expect("an inline run is in a task");
    let r = task.running().inline_run();
    task.flags
        .fetch_and(!UNWINDING, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: the run is live in the frame below the unwound ones; the failure moves there,
    // and the catching frame is resumed (the frames in between were unwound).
    unsafe {
        (*r).failure = Some(Box::new(failure));
        weft_rt__escape(&raw mut (*r).catch)
    }
}
