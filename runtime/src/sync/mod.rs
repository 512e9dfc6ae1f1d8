//! Synchronization primitives shared by green tasks and OS threads: channels (with
//! `select`), mutexes, reader-writer locks, condition variables, wait groups and atomics.
//!
//! Every blocking operation parks through the scheduler's one parking abstraction,
//! [`crate::sched::Waiter`]: a green task parks alone (its worker runs other tasks) and an
//! OS thread sleeps on a futex, so both kinds of waiter mix freely in every queue. Waiters
//! sit in intrusive [`waitq::WaitQueue`]s whose entries live on the waiting code's own
//! stack; internal bookkeeping is guarded by [`RawLock`](crate::lock::rawlock::RawLock), a
//! short spin lock with backoff that is never held across a park.
//!
//! Every object is a reference-counted handle ([`handle`]): its first field is the atomic
//! count `rc` (negative = immortal), `destroy` marks it destroyed and frees what it holds,
//! and any later operation panics `use of destroyed <Kind>`. The C ABI is `abi/sync.rs`.

pub mod atomic;
pub mod channel;
pub mod condvar;
pub mod handle;
pub mod held;
pub mod mutex;
pub mod rwlock;
pub mod select;
pub mod waitgroup;
pub mod waitq;

/// Status codes of blocking operations (the C ABI's `int32_t` results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Status {
    /// The operation completed.
    Ok = 0,
    /// The channel is closed (and, for a receive, drained).
    Closed = 1,
    /// The calling task was cancelled while it waited.
    Cancelled = 2,
    /// The deadline passed first.
    TimedOut = 3,
}

/// Who holds a lock: the running green task (its address, even) or, off the workers, the
/// calling OS thread (a unique odd number). A task keeps its identity when it migrates
/// between workers. Never 0.
#[inline(never)]
pub fn current_owner() -> usize {
    match crate::sched::current_task() {
        Some(task) => task as *const crate::sched::Task as usize,
        None => thread_owner_id(),
    }
}

#[inline(never)]
pub(crate) fn thread_owner_id() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    thread_local! {
        static ID: Cell<usize> = const { Cell::new(0) };
    }
    ID.with(|id| {
        if id.get() == 0 {
            id.set(NEXT.fetch_add(1, Ordering::Relaxed) << 1 | 1);
        }
        id.get()
    })
}

/// A small per-thread xorshift generator (select's random poll order). Never inlined: a
/// caller may be a task that migrates between threads.
#[inline(never)]
pub(crate) fn fast_random() -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = (crate::os::clock::now_ns() ^ (s as *const Cell<u64> as u64)) | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    })
}
