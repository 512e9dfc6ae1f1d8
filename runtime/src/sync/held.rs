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

/// How a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum HeldKind {
    /// A [`Mutex`].
    Mutex = 0,
    /// A read lock of an [`RwLock`].
    Read = 1,
    /// The write lock of an [`RwLock`].
    Write = 2,
}

/// One held lock: the lock object's address (8-aligned) with its [`HeldKind`] in the low
/// bits, so that recording and forgetting a lock move one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held(usize);

impl Held {
    #[inline]
    fn new(lock: *const u8, kind: HeldKind) -> Held {
        Held(lock as usize | kind as usize)
    }

    fn lock(self) -> *const u8 {
        (self.0 & !7) as *const u8
    }

    fn kind(self) -> HeldKind {
        match self.0 & 7 {
            0 => HeldKind::Mutex,
            1 => HeldKind::Read,
            _ => HeldKind::Write,
        }
    }
}

/// The locks one task or thread holds, oldest first.
pub type HeldList = Vec<Held>;

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
            task.held_locks(),
        ),
        None => (super::thread_owner_id(), THREAD_HELD.with(|h| h.get())),
    }
}

/// Records that the holder of `list` has acquired `lock`.
///
/// # Safety
/// `list` is the caller's own list (from [`current`]).
#[inline]
pub unsafe fn note(list: *mut HeldList, lock: *const u8, kind: HeldKind) {
    (*list).push(Held::new(lock, kind));
}

/// Forgets the most recent entry for `lock` held as `kind`, before it is released.
///
/// # Safety
/// `list` is the caller's own list (from [`current`]).
#[inline]
pub unsafe fn forget(list: *mut HeldList, lock: *const u8, kind: HeldKind) {
    let list = &mut *list;
    let entry = Held::new(lock, kind);
    if list.last() == Some(&entry) {
        list.pop();
    } else if let Some(i) = list.iter().rposition(|h| *h == entry) {
        list.remove(i);
    }
}

/// Releases every lock on `list`, innermost first, and empties it: the holder is ending
/// by a panic.
///
/// # Safety
/// `list` belongs to the calling task or thread, which is ending; every listed lock is
/// allocated and held as listed.
pub unsafe fn release_all(list: *mut HeldList) {
    while let Some(h) = (*list).pop() {
        match h.kind() {
            HeldKind::Mutex => (*h.lock().cast::<Mutex>()).unlock_held(),
            HeldKind::Read => (*h.lock().cast::<RwLock>()).read_unlock_held(),
            HeldKind::Write => (*h.lock().cast::<RwLock>()).write_unlock_held(),
        }
    }
}

/// Empties `list` for a holder that ends normally: mutexes stay locked but orphaned, reader
/// and writer locks are released (see the module docs).
///
/// # Safety
/// As for [`release_all`].
pub unsafe fn orphan_all(list: *mut HeldList) {
    while let Some(h) = (*list).pop() {
        match h.kind() {
            HeldKind::Mutex => (*h.lock().cast::<Mutex>()).orphan(),
            HeldKind::Read => (*h.lock().cast::<RwLock>()).read_unlock_held(),
            HeldKind::Write => (*h.lock().cast::<RwLock>()).write_unlock_held(),
        }
    }
}

/// [`release_all`] for the calling OS thread's own list (a thread or blocking-pool job
/// that panicked).
pub fn release_thread_locks() {
    // SAFETY: the calling thread's own list; its entries are live (module invariants).
    THREAD_HELD.with(|h| unsafe { release_all(h.get()) });
}

/// [`orphan_all`] for the calling OS thread's own list (a thread or job that returned).
pub fn orphan_thread_locks() {
    // SAFETY: as above.
    THREAD_HELD.with(|h| unsafe { orphan_all(h.get()) });
}

/// Whether the calling OS thread's list is empty (tests).
pub fn thread_holds_nothing() -> bool {
    // SAFETY: reading the calling thread's own list.
    THREAD_HELD.with(|h| unsafe { (*h.get()).is_empty() })
}
