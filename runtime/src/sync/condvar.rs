//! Condition variables over [`Mutex`]es, for green tasks and OS threads alike.
//!
//! Invariants:
//! - a waiter enqueues itself (under the queue lock) *before* it releases the mutex, so a
//!   signal sent by whoever takes the mutex next cannot miss it;
//! - `signal` wakes the first claimable waiter, `broadcast` every waiter queued at that
//!   moment; a waiter whose wait ended otherwise (timeout) unlinks itself before it
//!   reacquires the mutex;
//! - waits are not ended by cancellation (a predicate loop would spin); spurious wake-ups
//!   are allowed by the contract but do not happen here.

use std::sync::atomic::{AtomicBool, AtomicI64};

use super::current_owner;
use super::handle::{self, Handle};
use super::mutex::Mutex;
use super::waitq::{self, WaitEntry, WaitQueue};
use crate::lock::rawlock::Locked;
use crate::panic::{panic_at, WeftLoc};
use crate::sched::{Waiter, WakeReason};

/// A condition variable object (see the module docs).
#[repr(C)]
#[derive(Debug)]
pub struct Condvar {
    rc: AtomicI64,
    destroyed: AtomicBool,
    waiters: Locked<WaitQueue>,
}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for Condvar {
    const DESTROYED: &'static str = "use of destroyed Condvar";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
}

impl Condvar {
    /// A new condition variable with count 1.
    pub fn new() -> *mut Condvar {
        handle::into_raw(Condvar {
            rc: AtomicI64::new(1),
            destroyed: AtomicBool::new(false),
            waiters: Locked::new(WaitQueue::new()),
        })
    }

    /// Releases `m` (which the caller must hold: else panics `mutex not locked by this
    /// task`), waits for a signal or until `deadline_ns`, and reacquires `m`. Returns false
    /// when the deadline passed.
    pub fn wait(&self, m: &Mutex, deadline_ns: Option<u64>, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        m.check_live(loc);
        let me = current_owner();
        if !m.held_by(me) {
            panic_at("mutex not locked by this task", loc);
        }
        let waiter = Waiter::prepare(crate::sched::cancellable_now());
        let mut entry = WaitEntry::new(waiter, std::ptr::null_mut(), 0);
        let e: *mut WaitEntry = &mut entry;
        // SAFETY: the entry stays live until it is unlinked (below, or by a notifier).
        unsafe { self.waiters.lock().push_back(e) };
        m.unlock_held();
        // SAFETY: our own entry.
        let wake = unsafe {
            (*e).waiter
                .park_at("waiting on a condition variable", loc, deadline_ns)
        };
        if wake.reason != WakeReason::Notified {
            // SAFETY: unlinking our own entry under the queue lock.
            unsafe { self.waiters.lock().remove(e) };
        }
        m.lock_as(me);
        // `destroy` wakes every waiter: each panics `use of destroyed Condvar`, and a
        // cancellation ends the wait with `cancelled`, holding the mutex again (the
        // unwinding releases it).
        self.check_live(loc);
        if wake.reason == WakeReason::Cancelled {
            panic_at(crate::sched::CANCELLED_MESSAGE, loc);
        }
        wake.reason == WakeReason::Notified
    }

    /// Wakes one waiter, if any.
    pub fn signal(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        let claimed = self.waiters.lock().claim_first();
        if let Some((_, claim)) = claimed {
            claim.finish(WakeReason::Notified, 0);
        }
    }

    /// Wakes every waiter.
    pub fn broadcast(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        waitq::wake_all(&self.waiters, WaitQueue::claim_all);
    }

    /// Marks the condition variable destroyed (waking every waiter); panics `use of
    /// destroyed Condvar` if it already was.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
        waitq::wake_all(&self.waiters, WaitQueue::claim_all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn signal_wakes_a_thread_waiting_with_the_mutex_released() {
        let m = unsafe { &*Mutex::new(std::ptr::null(), std::ptr::null()) };
        let cv = unsafe { &*Condvar::new() };
        static READY: AtomicBool = AtomicBool::new(false);
        let (ma, ca) = (m as *const Mutex as usize, cv as *const Condvar as usize);
        let t = std::thread::spawn(move || {
            let (m, cv) = unsafe { (&*(ma as *const Mutex), &*(ca as *const Condvar)) };
            m.lock(None);
            READY.store(true, Ordering::SeqCst);
            cv.signal(None);
            m.unlock(None);
        });
        m.lock(None);
        while !READY.load(Ordering::SeqCst) {
            cv.wait(m, None, None);
        }
        m.unlock(None);
        t.join().unwrap();
        m.lock(None);
        let deadline = crate::os::clock::now_ns() + 5_000_000;
        assert!(!cv.wait(m, Some(deadline), None), "times out");
        m.unlock(None);
        unsafe {
            handle::release(ma as *mut Mutex);
            handle::release(ca as *mut Condvar);
        }
    }
}
