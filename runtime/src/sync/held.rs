//! The locks each green task and OS thread holds, so that a panic releases them.
//!
//! A panic does not unwind: the panicking frames are abandoned (see [`crate::panic`]), so
//! the `unlock` at the end of a `withLock` never runs. When the panic is delivered to an
//! awaiter or joiner the program goes on, and a lock left held would deadlock the next
//! task that takes it. So every holder keeps a list of what it holds — the task in its
//! task object, an OS thread in a thread-local — and:
//!
//! - a task or thread that ends by a panic (or a cancellation it re-raises) releases
//!   everything on its list, innermost first, as Rust's unwinding drops its guards (no
//!   poisoning: what the holder wrote before the panic stays written);
//! - one that ends normally while still holding a mutex (a bare `lock()` never unlocked)
//!   leaves it locked but *orphaned*: held by an identity no task or thread has, so that
//!   a task object recycled at the same address cannot unlock it or take it for its own.
//!   Read and write locks of an `RwLock` are only held inside `withReadLock` /
//!   `withWriteLock`, so a normal end never holds one; through the Rust API it is released.
//!
//! The list itself is [`crate::lock::held`] (the scheduler keeps a task's list and ends it
//! through [`end_all`], registered when this module makes its first list).
//!
//! Invariants:
//! - only the holder touches its list (a task's list moves with the task between workers);
//! - an entry is pushed right after the lock is acquired and removed right before it is
//!   released, by the holder; condition-variable waits leave their mutex listed (the
//!   holder cannot end while it waits, and it holds the mutex again when the wait returns);
//! - a lock object on a list stays allocated: a lock whose last handle is released while
//!   a live task or thread still holds it is leaked rather than freed (see the `free` of
//!   [`super::mutex::Mutex`] and [`super::rwlock::RwLock`]).

use std::cell::UnsafeCell;

use super::mutex::Mutex;
use super::rwlock::RwLock;
use crate::lock::held::HeldKind as Kind;
use crate::lock::held::{self as list, Ending, HeldList};

pub use crate::lock::held::{forget, note, HeldKind};

/// The identity of a lock held by a task or thread that has ended without releasing it:
/// even (not an OS thread's identity, which is odd) and not the address of any task.
pub const ORPHANED: usize = 2;

thread_local! {
    /// The list of the OS thread running (outside green tasks).
    static THREAD_HELD: UnsafeCell<HeldList> = const { UnsafeCell::new(Vec::new()) };
}

/// The caller's lock identity (see [`super::current_owner`]) and its list of held locks.
/// Never inlined: a caller may be a task that migrates between threads.
#[inline(never)]
pub fn current() -> (usize, *mut HeldList) {
    match crate::sched::current_task() {
        Some(task) => (
            task as *const crate::sched::Task as usize,
            task.held_locks(new_list),
        ),
        None => (super::thread_owner_id(), THREAD_HELD.with(|h| h.get())),
    }
}

/// A task's first list: registers [`end_all`] as what ends lists, then makes one.
#[cold]
fn new_list() -> *mut HeldList {
    list::set_end(end_all);
    Box::into_raw(Box::new(HeldList::new()))
}

/// Empties `list` for a holder ending as `ending` (see the module docs): after a panic
/// every lock is released, innermost first; after a normal end mutexes stay locked but
/// orphaned, and reader and writer locks are released.
///
/// # Safety
/// `list` belongs to the calling task or thread, which is ending; every listed lock is
/// allocated and held as listed.
pub unsafe fn end_all(list: *mut HeldList, ending: Ending) {
    while let Some(h) = (*list).pop() {
        match h.kind() {
            Kind::Mutex if ending == Ending::Returned => (*h.lock().cast::<Mutex>()).orphan(),
            Kind::Mutex => (*h.lock().cast::<Mutex>()).unlock_held(),
            Kind::Read => (*h.lock().cast::<RwLock>()).read_unlock_held(),
            Kind::Write => (*h.lock().cast::<RwLock>()).write_unlock_held(),
        }
    }
}

/// [`end_all`] for the calling OS thread's own list (a thread or blocking-pool job that
/// panicked or returned).
pub fn end_thread_locks(ending: Ending) {
    // SAFETY: the calling thread's own list; its entries are live (module invariants).
    THREAD_HELD.with(|h| unsafe { end_all(h.get(), ending) });
}

/// Whether the calling OS thread's list is empty (tests).
pub fn thread_holds_nothing() -> bool {
    // SAFETY: reading the calling thread's own list.
    THREAD_HELD.with(|h| unsafe { (*h.get()).is_empty() })
}
