//! Joining, waiting for any of several tasks, finishing, and cancellation.
//!
//! Invariants:
//! - a joiner registers a [`JoinEntry`] (which lives on the joiner's own stack) in the
//!   task's `joiners` list under the task lock, only after seeing the task not `DONE`
//!   under that lock; the finishing worker stores `DONE` and wakes every entry under the
//!   same lock, so no joiner is missed and none waits for a finished task;
//! - the finisher takes the list, and for each entry reads everything it needs (`next`,
//!   the waiter, the token) *before* waking it: a joiner woken with `Notified` may return
//!   (freeing its entry) at once;
//! - a joiner whose wait ended otherwise (timeout, cancellation, another task of a
//!   `wait_any` finishing) takes the task lock and unlinks its entry if still listed before
//!   its entry goes away;
//! - fork-join stays depth-first: a task that joins a task which has not started claims it
//!   (`NEW → RUNNING`, the same CAS a worker's pop does) and puts it in its worker's
//!   run-next slot, so the child runs right after the joiner parks; the child's queued start
//!   entry becomes stale and is skipped;
//! - scoped children (spawn flag `SCOPED`) are linked into their parent's children list
//!   under the parent's lock from spawn until they finish; cancelling a task cancels that
//!   list recursively.

use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::activation::Activation;
use super::task::{Outcome, Task, DETACHED, NEW, SCOPE_NODE};
use super::waiter::{Waiter, WakeReason};
use super::worker;
use crate::panic::WeftLoc;

/// A joiner's registration in a task's `joiners` list.
#[derive(Debug)]
pub(crate) struct JoinEntry {
    waiter: Waiter,
    token: usize,
    next: *mut JoinEntry,
    /// For [`wait_all`]: what its entries share (lives in the waiter's frame); the finisher
    /// wakes the waiter only when it takes the count to zero or fails. Null for a plain
    /// joiner.
    all: *const AllWait,
}

/// What the entries of one [`wait_all`] share: the count of tasks still running, and the
/// tasks with a cursor, so that each task that returns starts the next one nobody has
/// started on its worker at once, depth first, as awaiting them in turn would (left in the
/// run queue's FIFO order, a tree of `Promise.all`s would start every level before the one
/// below finishes).
struct AllWait {
    pending: AtomicUsize,
    tasks: *const [&'static Task],
    next: AtomicUsize,
}

impl AllWait {
    /// Starts the next task of the list that has not started, if any: it runs next on the
    /// calling worker (the same claim as [`wait_done`]'s).
    fn start_next(&self) {
        // SAFETY: the list lives in the waiter's frame, which stays until every entry was
        // unlinked under its task's lock, which the finisher calling this holds.
        let tasks = unsafe { &*self.tasks };
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&t) = tasks.get(i) else {
                return;
            };
            if t.lifecycle() == NEW && t.try_start_gen(None) {
                worker::run_next(t);
                return;
            }
        }
    }
}

/// How a join ended (the C ABI's return codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum JoinStatus {
    /// The task returned; its result was copied out.
    Ok = 0,
    /// The task panicked (see [`Task::panic_message`]).
    Panicked = 1,
    /// The task was cancelled, or the joining task was cancelled while waiting.
    Cancelled = 2,
    /// The deadline passed first; the task keeps running.
    TimedOut = 3,
}

/// Waits until `task` has finished (parking a green task, blocking an OS thread) or until
/// `deadline_ns` passes, then copies its result (`result_size` bytes) into `out` (if not
/// null and the task returned normally). Clears the task's `DETACHED` flag: a joined task's
/// panic is delivered here instead of ending the process.
///
/// # Safety
/// `out` is null or valid for writing `result_size` bytes.
pub unsafe fn join(task: &'static Task, out: *mut u8, deadline_ns: Option<u64>) -> JoinStatus {
    join_at(task, out, deadline_ns, None)
}

/// [`join`] called from the program at `loc` (named by the deadlock report).
///
/// # Safety
/// As [`join`].
pub unsafe fn join_at(
    task: &'static Task,
    out: *mut u8,
    deadline_ns: Option<u64>,
    loc: Option<&WeftLoc>,
) -> JoinStatus {
    if task.has_flag(DETACHED) {
        task.flags
            .fetch_and(!DETACHED, std::sync::atomic::Ordering::Relaxed);
    }
    if !task.is_done() {
        if let Some(status) = wait_done(task, deadline_ns, loc) {
            return status;
        }
    }
    match task.outcome() {
        Outcome::Ok => {
            if !out.is_null() {
                // SAFETY: `out` holds `result_size` bytes (caller contract); the slot was
                // written before DONE was published.
                ptr::copy_nonoverlapping(task.result_slot(), out, task.result_size());
            }
            JoinStatus::Ok
        }
        Outcome::Panicked => JoinStatus::Panicked,
        Outcome::Cancelled => JoinStatus::Cancelled,
    }
}

/// Parks until `task` is done; returns `Some(status)` if the wait ended otherwise.
fn wait_done(
    task: &'static Task,
    deadline_ns: Option<u64>,
    loc: Option<&WeftLoc>,
) -> Option<JoinStatus> {
    if worker::current_task().is_some() && task.lifecycle() == NEW && task.try_start_gen(None) {
        worker::run_next(task);
    }
    let mut entry = JoinEntry {
        waiter: Waiter::prepare(true),
        token: 0,
        next: ptr::null_mut(),
        all: ptr::null(),
    };
    if !register(task, &mut entry) {
        entry.waiter.abort();
        return None;
    }
    let wake = entry.waiter.park_at("awaiting a task", loc, deadline_ns);
    match wake.reason {
        WakeReason::Notified => None,
        reason => {
            unregister(task, &mut entry);
            if task.is_done() {
                return None;
            }
            Some(if reason == WakeReason::TimedOut {
                JoinStatus::TimedOut
            } else {
                JoinStatus::Cancelled
            })
        }
    }
}

/// Links `entry` into `task`'s joiners unless the task is already done.
fn register(task: &Task, entry: &mut JoinEntry) -> bool {
    let mut links = task.lock.lock();
    if task.is_done() {
        return false;
    }
    entry.next = links.joiners;
    links.joiners = entry;
    true
}

/// Unlinks `entry` from `task`'s joiners if it is still listed.
fn unregister(task: &Task, entry: &mut JoinEntry) {
    let target: *mut JoinEntry = entry;
    let mut links = task.lock.lock();
    let mut cursor: *mut *mut JoinEntry = &mut links.joiners;
    // SAFETY: the list is made of live entries, guarded by the lock we hold.
    unsafe {
        while !(*cursor).is_null() {
            if *cursor == target {
                *cursor = (*target).next;
                return;
            }
            cursor = &mut (**cursor).next;
        }
    }
}

/// Parks until one of `tasks` has finished and returns its index (the lowest index among
/// those already finished when called). Returns `tasks.len()` when `tasks` is empty, or
/// when the calling task is cancelled while waiting.
pub fn wait_any(tasks: &[&'static Task]) -> usize {
    if let Some(i) = tasks.iter().position(|t| t.is_done()) {
        return i;
    }
    if tasks.is_empty() {
        return 0;
    }
    let waiter = Waiter::prepare(true);
    let mut entries = entries_for(tasks.len(), waiter, ptr::null());
    let mut registered = 0;
    let mut found = None;
    for (i, task) in tasks.iter().enumerate() {
        if !register(task, &mut entries[i]) {
            found = Some(i);
            break;
        }
        registered += 1;
    }
    let result = match found {
        Some(i) => waiter
            .abort()
            .map_or(i, |wake| wake.token.wrapping_sub(1).min(i)),
        None => {
            let wake = waiter.park("awaiting any of several tasks", None);
            match wake.reason {
                WakeReason::Notified => wake.token - 1,
                _ => tasks
                    .iter()
                    .position(|t| t.is_done())
                    .unwrap_or(tasks.len()),
            }
        }
    };
    for (task, entry) in tasks.iter().zip(entries.iter_mut()).take(registered) {
        unregister(task, entry);
    }
    result
}

/// One joiner entry per task of a multi-task wait, all for `waiter`; entry `i` wakes it
/// with the token `i + 1`.
fn entries_for(n: usize, waiter: Waiter, all: *const AllWait) -> Vec<JoinEntry> {
    (0..n)
        .map(|i| JoinEntry {
            waiter,
            token: i + 1,
            next: ptr::null_mut(),
            all,
        })
        .collect()
}

/// How [`wait_all`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllOutcome {
    /// Every task returned normally.
    Ok,
    /// The task at this index panicked or was cancelled (the first seen to fail; the
    /// others may still run).
    Failed(usize),
    /// The waiting task was cancelled.
    Cancelled,
}

/// Parks until every one of `tasks` has returned, or until one fails, with a single wait:
/// one entry per running task shares a counter that the finishers count down, and only the
/// last one (or a failing one) wakes the waiter, so waiting for n tasks costs n
/// registrations and one park, not one per task (`Promise.all`).
pub fn wait_all(tasks: &[&'static Task]) -> AllOutcome {
    let failed = |i: usize| tasks[i].outcome() != Outcome::Ok;
    let all = AllWait {
        pending: AtomicUsize::new(tasks.len() + 1),
        tasks,
        next: AtomicUsize::new(0),
    };
    // Depth-first, as `join`: the first task not started yet runs right after we park (and
    // each one that returns starts the next, `AllWait`).
    if worker::current_task().is_some() {
        all.start_next();
    }
    let pending = &all.pending;
    let waiter = Waiter::prepare(true);
    let mut entries = entries_for(tasks.len(), waiter, &all);
    // An entry not linked (its task was done) is marked by a null counter.
    let mut done_failed = None;
    let mut seen = 0;
    for (i, task) in tasks.iter().enumerate() {
        seen = i + 1;
        if register(task, &mut entries[i]) {
            continue;
        }
        entries[i].all = ptr::null();
        if failed(i) {
            done_failed = Some(i);
            break;
        }
        pending.fetch_sub(1, Ordering::AcqRel);
    }
    // The extra count held while registering (a failing finisher does not count down, so
    // reaching zero means every task returned): dropping it may find every task done.
    let all_done = done_failed.is_none() && pending.fetch_sub(1, Ordering::AcqRel) == 1;
    let wake = if done_failed.is_some() || all_done {
        waiter.abort()
    } else {
        Some(waiter.park("awaiting all of several tasks", None))
    };
    for (task, entry) in tasks.iter().zip(entries.iter_mut()).take(seen) {
        if !entry.all.is_null() {
            unregister(task, entry);
        }
    }
    if let Some(i) = done_failed {
        return AllOutcome::Failed(i);
    }
    match wake {
        Some(w) if w.reason == WakeReason::Notified && failed(w.token - 1) => {
            AllOutcome::Failed(w.token - 1)
        }
        Some(w) if w.reason == WakeReason::Notified => AllOutcome::Ok,
        _ if all_done => AllOutcome::Ok,
        _ => match (0..tasks.len()).find(|&i| tasks[i].is_done() && failed(i)) {
            Some(i) => AllOutcome::Failed(i),
            None => AllOutcome::Cancelled,
        },
    }
}

/// Marks `task` done with `outcome` and wakes its joiners (its worker, after the task's
/// last switch); unlinks a scoped task from its parent. Returns the task's activation,
/// detached under the task lock, for the worker to give back.
pub(crate) fn finish(task: &Task, outcome: Outcome) -> Option<&'static Activation> {
    let (parent, act) = {
        let mut links = task.lock.lock();
        let act = task.set_done(outcome);
        let mut entry = std::mem::replace(&mut links.joiners, ptr::null_mut());
        while !entry.is_null() {
            // SAFETY: listed entries are live until woken, and a `wait_all` counter until
            // its waiter has unlinked every entry under the task locks (see the module docs).
            let (next, waiter, token, all) =
                unsafe { ((*entry).next, (*entry).waiter, (*entry).token, (*entry).all) };
            // SAFETY: as above.
            match unsafe { all.as_ref() } {
                Some(all) if outcome == Outcome::Ok => {
                    if all.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
                        waiter.wake(WakeReason::Notified, token);
                    } else {
                        all.start_next();
                    }
                }
                _ => {
                    waiter.wake(WakeReason::Notified, token);
                }
            }
            entry = next;
        }
        (links.extra_ref().map_or(ptr::null(), |e| e.parent), act)
    };
    if !parent.is_null() {
        // SAFETY: the parent is retained by its scoped child until here.
        let parent = unsafe { &*parent };
        unlink_child(parent, task);
        if parent.has_flag(SCOPE_NODE) {
            super::scope::child_finished(parent, outcome, task.panic_message());
        }
        parent.release();
    }
    act
}

/// Links `child` (being spawned, not yet visible to anyone) under `parent` and retains the
/// parent; a cancelled parent's child starts cancelled.
pub(crate) fn link_child(parent: &'static Task, child: &Task) {
    parent.retain();
    {
        let mut plinks = parent.lock.lock();
        let pextra = plinks.extra();
        let first = pextra.first_child;
        {
            let mut clinks = child.lock.lock();
            let cextra = clinks.extra();
            cextra.parent = parent;
            cextra.prev_sibling = ptr::null();
            cextra.next_sibling = first;
        }
        if !first.is_null() {
            // SAFETY: listed children are live (they unlink before they are recycled).
            unsafe { (*first).lock.lock().extra().prev_sibling = child };
        }
        pextra.first_child = child;
    }
    if parent.is_cancelled() {
        child.set_cancelled();
    }
}

/// Unlinks `child` from `parent`'s children (the parent's count stays: the caller drops it).
pub(crate) fn unlink_child(parent: &Task, child: &Task) {
    let mut plinks = parent.lock.lock();
    let (prev, next) = {
        let mut clinks = child.lock.lock();
        let cextra = clinks.extra();
        let pair = (cextra.prev_sibling, cextra.next_sibling);
        cextra.prev_sibling = ptr::null();
        cextra.next_sibling = ptr::null();
        cextra.parent = ptr::null();
        pair
    };
    // SAFETY: siblings are live while listed; we hold the parent lock that guards the list.
    unsafe {
        if prev.is_null() {
            plinks.extra().first_child = next;
        } else {
            (*prev).lock.lock().extra().next_sibling = next;
        }
        if !next.is_null() {
            (*next).lock.lock().extra().prev_sibling = prev;
        }
    }
}

/// Sets `task`'s cancel flag and ends its current cancellable wait with `Cancelled`; does
/// the same for its scoped children, recursively. Cooperative: the task keeps running until
/// it returns (its suspension points return promptly).
pub fn cancel(task: &'static Task) {
    task.retain();
    let mut work = vec![task];
    while let Some(t) = work.pop() {
        let newly = t.set_cancelled();
        {
            let links = t.lock.lock();
            if newly {
                if let Some(act) = t.activation_locked(&links) {
                    act.node.cancel();
                }
                if t.has_flag(SCOPE_NODE) {
                    // The node's scope stays open while its lock is held (`Scope::close_in_place`).
                    super::scope::cancel_inline_host(t);
                }
            }
            let mut child = links.extra_ref().map_or(ptr::null(), |e| e.first_child);
            while !child.is_null() {
                // SAFETY: listed children are live; retained before the lock is released.
                let c = unsafe { &*child };
                c.retain();
                work.push(c);
                child = c
                    .lock
                    .lock()
                    .extra_ref()
                    .map_or(ptr::null(), |e| e.next_sibling);
            }
        }
        t.release();
    }
}
