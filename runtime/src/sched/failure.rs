//! The failure path: what happens to the running task or OS thread after a panic.
//!
//! A panic first unwinds the frames of the code that panicked, up to the runtime frame
//! that called into it (the task's start, or an OS thread's body: its unwind boundary),
//! so that every `defer` and `errdefer` runs and everything those frames own is released
//! (`crate::panic::unwind`). Then the task or thread ends as its kind says:
//!
//! - in a cancelled task, a panic whose message is [`CANCELLED_MESSAGE`] (unwrapping the
//!   error of a wait the cancellation ended), or a re-raised cancellation
//!   ([`fail_current`] with status 2), finishes the task as `Cancelled`, silently;
//! - in a task that can be joined (a Promise, or a `Task.spawn` task that has been joined):
//!   records the message, marks the task `Panicked`, wakes its joiners and finishes it
//!   (its stack is freed; nothing is printed);
//! - in a detached task (`DETACHED` and never joined): prints
//!   `panic: <message>\n  at <location> (task <name>)` to stderr and exits with 101, unless
//!   `WEFT_TASK_PANIC=log` (then it prints and finishes the task as above);
//! - on a Weft OS thread that can still be joined, or in a blocking-pool job: recorded and
//!   delivered to the joiner by the thread's panic hook (see [`registry::set_panic_hook`]);
//! - in the main task or on any other OS thread: prints the same with `(task main)` or
//!   `(thread <name>)` and exits with 101.
//!
//! A panic raised while the same task or thread is already unwinding (in a `defer` that
//! runs on the way out) is not unwound: it prints `panic while unwinding: <message>` and
//! exits with 101, as Rust aborts on a panic during a panic.
//!
//! The locks a failing task still holds (locked with a bare `lock()` that no unwinding
//! unlocks) are released at the end; `withLock` unlocks during the unwinding, once.

use super::task::{Outcome, Task, DETACHED, MAIN, UNWINDING};
use super::{current_task, registry, worker, CANCELLED_MESSAGE};
use crate::lock::held::{self, Ending};
use crate::panic::unwind::{self, Boundary, Failure};

/// Ends the current task, thread or process after a panic with `message` at `location`
/// (`file:line:col`); called by the panic module. Never returns.
pub fn panic_current(message: &str, location: &str) -> ! {
    fail(Failure {
        message: message.to_owned(),
        location: location.to_owned(),
        cancelled: false,
    })
}

/// Ends the current task with a failure it re-raises (how `Promise.all` and `Promise.race`
/// pass on a child's failure): `status` 1 is a panic with `message`, 2 a cancellation (a
/// panic in the main task or on an OS thread, which cannot end cancelled).
pub fn fail_current(status: i32, message: &str, location: &str) -> ! {
    fail(Failure {
        message: message.to_owned(),
        location: location.to_owned(),
        cancelled: status == 2,
    })
}

/// Unwinds to the running code's boundary, then ends it (see the module docs).
fn fail(failure: Failure) -> ! {
    match current_task() {
        Some(task) => {
            if task.has_flag(UNWINDING) {
                while_unwinding(&failure, &format!("task {}", task.name()))
            }
            let inline = super::inline::boundary(task);
            let boundary = task.running().unwind_boundary();
            task.flags
                .fetch_or(UNWINDING, std::sync::atomic::Ordering::Relaxed);
            if let Some(b) = inline {
                // A scope's child the task runs inline: its failure goes back to the scope
                // (`sched::inline`).
                // SAFETY: the boundary is the live first frame of the child's context, and
                // everything in between can be unwound.
                unsafe { unwind::raise(b, failure, super::inline::finish_failed) }
            }
            match boundary {
                // SAFETY: the boundary is the live `task_start` frame (or a frame above it)
                // on this task's stack, and everything in between can be unwound.
                Some(b) => unsafe { unwind::raise(b, failure, finish_task) },
                None => finish_task(failure),
            }
        }
        None => {
            if unwind::thread_unwinding() {
                while_unwinding(&failure, &format!("thread {}", thread_name()))
            }
            match unwind::thread_boundary() {
                Some(b) => {
                    unwind::set_thread_unwinding(true);
                    // SAFETY: the thread's boundary frame is live below us (it is cleared
                    // when that frame ends).
                    unsafe { unwind::raise(b, failure, finish_thread) }
                }
                None => finish_thread(failure),
            }
        }
    }
}

/// Whether `failure` ends its task (or a scope's child run inline, `sched::inline`) as
/// cancelled rather than failed: a re-raised cancellation, or the `cancelled` panic of a
/// wait that a cancellation cut short (`ch.recv()!` or `p.await()!` after
/// `Err(cancelled)`), when the cancel flag the code saw (`cancel_seen`) is set.
pub(crate) fn is_cancellation(failure: &Failure, cancel_seen: bool) -> bool {
    failure.cancelled || (cancel_seen && failure.message == CANCELLED_MESSAGE)
}

/// A panic in a `defer` that runs during unwinding.
fn while_unwinding(failure: &Failure, who: &str) -> ! {
    crate::panic::print_while_unwinding_and_exit(&failure.message, &failure.location, who)
}

/// Ends the running task after its frames were unwound.
fn finish_task(failure: Failure) -> ! {
    let task = current_task().expect("a failing task runs on a worker");
    let cancelled = is_cancellation(&failure, task.is_cancelled());
    let Failure {
        message, location, ..
    } = failure;
    if task.has_flag(MAIN) {
        crate::panic::print_and_exit(&message, &location, "task main")
    }
    release_task_locks(task);
    task.release_env_after_failure();
    // Nothing owned may stay in this frame: the switches below never return to it.
    let outcome = if cancelled {
        // The task re-raises its own cancellation: it ends cancelled, as a cancelled task
        // that returns does, printing nothing even when detached.
        Outcome::Cancelled
    } else {
        if task.has_flag(DETACHED) {
            let who = format!("task {}", task.name());
            if std::env::var("WEFT_TASK_PANIC").as_deref() != Ok("log") {
                crate::panic::print_and_exit(&message, &location, &who)
            }
            crate::panic::print(&message, &location, &who);
        }
        task.set_panic_message(&message);
        Outcome::Panicked
    };
    drop((message, location));
    worker::switch_out(worker::Post::Finish(outcome));
    unreachable!("a failed task was resumed")
}

/// Ends the running OS thread (or pool job) after its frames were unwound.
fn finish_thread(failure: Failure) -> ! {
    // A joinable Weft thread or a blocking-pool job delivers its panic instead.
    let failure = registry::on_thread_panic(failure);
    let who = format!("thread {}", thread_name());
    crate::panic::print_and_exit(&failure.message, &failure.location, &who)
}

fn thread_name() -> String {
    registry::current_name()
        .or_else(|| std::thread::current().name().map(str::to_owned))
        .unwrap_or_else(|| "unnamed".to_owned())
}

/// Releases every lock `task` (the running task, ending by a panic) holds.
fn release_task_locks(task: &Task) {
    if let Some(list) = task.held_locks_if_any() {
        // SAFETY: the running task's own list, of live locks it holds (`sync::held`).
        unsafe { held::end(list, Ending::Panicked) };
    }
}

/// Runs `f` as cleanup code, as a `defer` runs during unwinding: a panic inside it prints
/// `panic while unwinding` and ends the process (nothing can unwind through the runtime
/// frame that called it), and its waits are not cut short by a cancellation of the task.
/// What a dropped generator's pending `defer`s run under (`sched/generator.rs`).
pub(crate) fn as_cleanup<R>(f: impl FnOnce() -> R) -> R {
    use std::sync::atomic::Ordering::Relaxed;
    match current_task() {
        Some(task) => {
            let was = task.flags.fetch_or(UNWINDING, Relaxed) & UNWINDING != 0;
            let r = f();
            if !was {
                task.flags.fetch_and(!UNWINDING, Relaxed);
            }
            r
        }
        None => {
            let was = unwind::thread_unwinding();
            unwind::set_thread_unwinding(true);
            let r = f();
            unwind::set_thread_unwinding(was);
            r
        }
    }
}

/// Marks the calling frame as the unwind boundary of the running task: a panic in code it
/// calls unwinds up to it (see [`crate::panic::unwind`]). For the runtime's frames that
/// call compiled code.
#[inline(always)]
pub(crate) fn set_task_boundary(task: &Task) {
    task.running().set_unwind_boundary(Boundary::here());
}
