//! [`RawLock`]: the internal lock of channels, lock wait queues and condition variables
//! (the role of Go's `runtime.mutex` in `hchan.lock`).
//!
//! The 0/1/2 futex word of Rust std's `sys/sync/mutex/futex.rs`: 0 unlocked, 1 locked,
//! 2 locked with possible sleepers. Uncontended lock and unlock are one atomic instruction
//! each; a contended locker spins briefly, then sleeps on the futex.
//!
//! Invariants:
//! - a holder never parks, yields or switches tasks while holding the lock, so the holder
//!   is always a running OS thread (or a task running on one) and sleeping in the kernel
//!   is only ever a short wait for it; a green task that blocks here blocks its worker for
//!   that short time, as Go's runtime locks do;
//! - unlock wakes one sleeper whenever the word was 2.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::sched::futex;

/// A futex-based lock with no owner tracking (see the module docs).
#[derive(Debug, Default)]
pub struct RawLock {
    state: AtomicU32,
}

impl RawLock {
    /// An unlocked lock.
    pub const fn new() -> RawLock {
        RawLock {
            state: AtomicU32::new(0),
        }
    }

    /// Acquires the lock.
    #[inline(always)]
    pub fn lock(&self) {
        if self
            .state
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        let mut state = self.spin();
        if state == 0 {
            match self
                .state
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(s) => state = s,
            }
        }
        loop {
            if state != 2 && self.state.swap(2, Ordering::Acquire) == 0 {
                return;
            }
            futex::wait(&self.state, 2, None);
            state = self.spin();
        }
    }

    fn spin(&self) -> u32 {
        let mut spins = 100;
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if state != 1 || spins == 0 {
                return state;
            }
            std::hint::spin_loop();
            spins -= 1;
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline(always)]
    pub unsafe fn unlock(&self) {
        if self.state.swap(0, Ordering::Release) == 2 {
            futex::wake_one(&self.state);
        }
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
