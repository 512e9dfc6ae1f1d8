//! Wait groups (Go's `sync.WaitGroup`): a counter, and waiters parked until it is zero.
//!
//! Invariants:
//! - the counter never goes below zero (`add` that would make it negative panics
//!   `negative WaitGroup counter`, as Go's does);
//! - a waiter enqueues only after re-reading a non-zero counter under the queue lock, and
//!   whoever brings the counter to zero takes the queue lock and wakes every waiter, so no
//!   waiter sleeps through the zero.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use super::handle::{self, Handle};
use super::waitq::{self, WaitEntry, WaitQueue};
use crate::lock::rawlock::Locked;
use crate::panic::{panic_at, WeftLoc};
use crate::sched::Waiter;

/// A wait group object (see the module docs).
#[repr(C)]
#[derive(Debug)]
pub struct WaitGroup {
    rc: AtomicI64,
    destroyed: AtomicBool,
    counter: AtomicI64,
    waiters: Locked<WaitQueue>,
}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for WaitGroup {
    const DESTROYED: &'static str = "use of destroyed WaitGroup";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
}

impl WaitGroup {
    /// A new wait group (counter 0) with count 1.
    pub fn new() -> *mut WaitGroup {
        handle::into_raw(WaitGroup {
            rc: AtomicI64::new(1),
            destroyed: AtomicBool::new(false),
            counter: AtomicI64::new(0),
            waiters: Locked::new(WaitQueue::new()),
        })
    }

    /// Adds `n` (may be negative) to the counter; at zero, wakes every waiter. Panics
    /// `negative WaitGroup counter` if the counter would drop below zero (it is left as
    /// it was then).
    pub fn add(&self, n: i64, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        let mut cur = self.counter.load(Ordering::Relaxed);
        loop {
            let next = cur.saturating_add(n);
            if next < 0 {
                panic_at("negative WaitGroup counter", loc);
            }
            match self
                .counter
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    if next == 0 && n != 0 {
                        self.wake_all();
                    }
                    return;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    fn wake_all(&self) {
        waitq::wake_all(&self.waiters, WaitQueue::claim_all);
    }

    /// The counter's current value.
    pub fn count(&self) -> i64 {
        self.counter.load(Ordering::Acquire)
    }

    /// Parks until the counter is zero.
    pub fn wait(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        loop {
            if self.counter.load(Ordering::Acquire) == 0 {
                return;
            }
            let waiter = Waiter::prepare(crate::sched::cancellable_now());
            let mut entry = WaitEntry::new(waiter, std::ptr::null_mut(), 0);
            let e: *mut WaitEntry = &mut entry;
            {
                let mut q = self.waiters.lock();
                if self.counter.load(Ordering::Acquire) == 0 {
                    drop(q);
                    // SAFETY: our own, never queued entry.
                    unsafe { (*e).waiter.abort() };
                    return;
                }
                // SAFETY: the entry lives until a notifier unlinks it (we wait below).
                unsafe { q.push_back(e) };
            }
            // SAFETY: our own entry.
            let wake = unsafe { (*e).waiter.park_at("waiting for a WaitGroup", loc, None) };
            if wake.reason == crate::sched::WakeReason::Cancelled {
                // SAFETY: our own entry, queued here if still queued.
                unsafe { self.waiters.lock().remove(e) };
                panic_at(crate::sched::CANCELLED_MESSAGE, loc);
            }
            // `destroy` wakes every waiter: each panics `use of destroyed WaitGroup`.
            self.check_live(loc);
        }
    }

    /// Marks the wait group destroyed (waking every waiter); panics `use of destroyed
    /// WaitGroup` if it already was.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
        self.wake_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_returns_when_the_counter_reaches_zero() {
        let wg = unsafe { &*WaitGroup::new() };
        wg.add(3, None);
        let addr = wg as *const WaitGroup as usize;
        let threads: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    unsafe { &*(addr as *const WaitGroup) }.add(-1, None);
                })
            })
            .collect();
        wg.wait(None);
        assert_eq!(wg.count(), 0);
        for t in threads {
            t.join().unwrap();
        }
        unsafe { handle::release(addr as *mut WaitGroup) };
    }
}
