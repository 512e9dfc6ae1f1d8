//! [`RawLock`]: the internal lock of channels, lock wait queues and condition variables
//! (the role of Go's `runtime.mutex` in `hchan.lock`).
//!
//! A test-and-test-and-set lock: lock is one compare-and-swap, unlock one release store
//! (no read-modify-write: a channel hand-off takes and drops this lock twice, and on the
//! machines measured an atomic read-modify-write costs 4-8 ns where a store costs nothing).
//! A contended locker backs off exponentially between attempts (then yields its OS thread
//! between them), so that a steadily contended lock stays with one core for a few
//! operations at a time: the mpmc benchmark at `WEFT_THREADS=2` ran 3x faster than with a
//! plain spin.
//!
//! Invariants:
//! - a holder never parks, yields or switches tasks while holding the lock, so the holder
//!   is always a running OS thread (or a task running on one) and a waiter only ever waits
//!   for a short critical section; a green task that spins here holds its worker for that
//!   short time, as Go's runtime locks do;
//! - nobody sleeps on the lock, so unlocking never has anyone to wake.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

use super::solo_rmw::SoloRmw;

/// The longest pause between two attempts of a contended locker, in spin-loop hints;
/// past it the locker yields its OS thread between attempts.
const MAX_BACKOFF: u32 = 128;

/// A spin lock with exponential backoff and no owner tracking (see the module docs).
#[derive(Debug, Default)]
pub struct RawLock {
    locked: AtomicBool,
}

impl RawLock {
    /// An unlocked lock.
    pub const fn new() -> RawLock {
        RawLock {
            locked: AtomicBool::new(false),
        }
    }

    /// Acquires the lock.
    #[inline(always)]
    pub fn lock(&self) {
        if self
            .locked
            .solo_cas(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        let mut backoff = 1u32;
        loop {
            // Exponential backoff between attempts: under steady contention the holder's
            // worker keeps the lock's cache line for several operations in a row instead
            // of losing it to every attempt (a waiter re-reading it takes it away).
            for _ in 0..backoff {
                std::hint::spin_loop();
            }
            if backoff < MAX_BACKOFF {
                backoff *= 2;
            } else {
                std::thread::yield_now();
            }
            if !self.locked.load(Ordering::Relaxed)
                && self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline(always)]
    pub unsafe fn unlock(&self) {
        self.locked.store(false, Ordering::Release);
    }
}

/// A value guarded by a [`RawLock`].
#[derive(Debug, Default)]
pub struct Locked<T> {
    lock: RawLock,
    value: UnsafeCell<T>,
}

// SAFETY: the lock serializes all access to the value.
unsafe impl<T: Send> Sync for Locked<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Locked<T> {}

impl<T> Locked<T> {
    /// An unlocked value.
    pub const fn new(value: T) -> Locked<T> {
        Locked {
            lock: RawLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// Acquires the lock; it is released when the guard drops.
    #[inline(always)]
    pub fn lock(&self) -> LockedGuard<'_, T> {
        self.lock.lock();
        LockedGuard { owner: self }
    }
}

/// Holds a [`Locked`] value until dropped.
#[derive(Debug)]
pub struct LockedGuard<'a, T> {
    owner: &'a Locked<T>,
}

impl<T> std::ops::Deref for LockedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.owner.value.get() }
    }
}

impl<T> std::ops::DerefMut for LockedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock.
        unsafe { &mut *self.owner.value.get() }
    }
}

impl<T> Drop for LockedGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the guard holds the lock.
        unsafe { self.owner.lock.unlock() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn counts_under_contention() {
        let counter = Arc::new(Locked::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = counter.clone();
                std::thread::spawn(move || {
                    for _ in 0..100_000 {
                        *c.lock() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*counter.lock(), 400_000);
    }
}
