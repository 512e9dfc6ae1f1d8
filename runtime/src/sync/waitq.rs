//! [`WaitQueue`]: an intrusive FIFO of [`WaitEntry`]s, the queues of parked senders,
//! receivers, lockers and waiters (Go's `waitq` of `sudog`s, runtime/chan.go).
//!
//! Invariants:
//! - an entry lives on the stack (or in the heap block) of the code that waits, which does
//!   not return before its entry is out of every queue: a notifier unlinks an entry before
//!   it claims the entry's waiter, and a waiter whose wait ended otherwise (timeout,
//!   cancellation, another `select` case) unlinks it itself under the queue's lock;
//! - every access to an entry's links, `queued` flag and data pointer happens under the
//!   lock that guards its queue; after a successful claim the notifier may still write
//!   through `elem` (the owner cannot return while the claim is unfinished) but must not
//!   touch the entry once the claim is finished;
//! - an entry whose waiter can no longer be claimed (the wait ended otherwise, or a
//!   `select` was won elsewhere) is *stale*: notifiers pop and skip it.

use std::ptr;

use crate::lock::rawlock::Locked;
use crate::sched::{Claim, Waiter, WakeReason};

/// One waiting operation in one queue.
#[derive(Debug)]
pub struct WaitEntry {
    /// The wait this entry belongs to (shared by every entry of one `select`).
    pub waiter: Waiter,
    /// The value to send (a sender) or the slot to fill (a receiver); unused by locks.
    pub elem: *mut u8,
    /// The `select` case index (0 for a plain operation).
    pub case: usize,
    /// Whether this entry belongs to a `select` (its waiter is shared with other entries).
    pub select: bool,
    next: *mut WaitEntry,
    prev: *mut WaitEntry,
    queued: bool,
}

impl WaitEntry {
    /// An unqueued entry.
    pub fn new(waiter: Waiter, elem: *mut u8, case: usize) -> WaitEntry {
        WaitEntry {
            waiter,
            elem,
            case,
            select: false,
            next: ptr::null_mut(),
            prev: ptr::null_mut(),
            queued: false,
        }
    }

    /// An unqueued entry for case `case` of a `select` waiting with `waiter`.
    pub fn for_select(waiter: Waiter, elem: *mut u8, case: usize) -> WaitEntry {
        WaitEntry {
            select: true,
            ..WaitEntry::new(waiter, elem, case)
        }
    }
}

/// A FIFO of entries (see the module docs).
#[derive(Debug)]
pub struct WaitQueue {
    head: *mut WaitEntry,
    tail: *mut WaitEntry,
}

// SAFETY: only touched under the owning object's lock.
unsafe impl Send for WaitQueue {}

impl Default for WaitQueue {
    fn default() -> Self {
        WaitQueue::new()
    }
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> WaitQueue {
        WaitQueue {
            head: ptr::null_mut(),
            tail: ptr::null_mut(),
        }
    }

    /// Whether no entry (stale or not) is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// Appends `e`.
    ///
    /// # Safety
    /// `e` is live and unqueued, and stays live until it is unlinked.
    pub unsafe fn push_back(&mut self, e: *mut WaitEntry) {
        (*e).next = ptr::null_mut();
        (*e).prev = self.tail;
        (*e).queued = true;
        if self.tail.is_null() {
            self.head = e;
        } else {
            (*self.tail).next = e;
        }
        self.tail = e;
    }

    /// Unlinks and returns the first entry.
    pub fn pop_front(&mut self) -> Option<*mut WaitEntry> {
        let e = self.head;
        if e.is_null() {
            return None;
        }
        // SAFETY: queued entries are live (module invariant).
        unsafe {
            self.head = (*e).next;
            if self.head.is_null() {
                self.tail = ptr::null_mut();
            } else {
                (*self.head).prev = ptr::null_mut();
            }
            (*e).next = ptr::null_mut();
            (*e).queued = false;
        }
        Some(e)
    }

    /// Unlinks `e` if it is still queued here.
    ///
    /// # Safety
    /// `e` is live and, if queued, queued in this queue.
    pub unsafe fn remove(&mut self, e: *mut WaitEntry) {
        if !(*e).queued {
            return;
        }
        let (prev, next) = ((*e).prev, (*e).next);
        if prev.is_null() {
            self.head = next;
        } else {
            (*prev).next = next;
        }
        if next.is_null() {
            self.tail = prev;
        } else {
            (*next).prev = prev;
        }
        (*e).next = ptr::null_mut();
        (*e).prev = ptr::null_mut();
        (*e).queued = false;
    }

    /// Pops entries until one's waiter can be claimed, skipping stale ones; returns that
    /// entry (unlinked, still readable until the claim is finished) and the claim.
    #[inline]
    pub fn claim_first(&mut self) -> Option<(*mut WaitEntry, Claim)> {
        while let Some(e) = self.pop_front() {
            // SAFETY: popped under the lock; the owner cannot return before we claim or
            // skip it (module invariant).
            if let Some(claim) = unsafe { (*e).waiter.claim() } {
                return Some((e, claim));
            }
        }
        None
    }

    /// Pops every claimable entry and returns the claims with each entry's case index
    /// (for waking them all once the lock is released).
    pub fn claim_all(&mut self) -> Vec<(Claim, usize)> {
        let mut claims = Vec::new();
        while let Some((e, claim)) = self.claim_first() {
            // SAFETY: as in `claim_first`.
            claims.push((claim, unsafe { (*e).case }));
        }
        claims
    }
}

/// Wakes every waiter of the queues `queues` holds (claimed under its lock, woken after):
/// a broadcast, or the destruction of the object they wait on (each finds it destroyed
/// when it returns from its park).
pub fn wake_all<Q>(queues: &Locked<Q>, each: impl Fn(&mut Q) -> Vec<(Claim, usize)>) {
    let claims = each(&mut queues.lock());
    for (claim, _) in claims {
        claim.finish(WakeReason::Notified, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::WakeReason;

    #[test]
    fn fifo_with_removal_and_stale_entries() {
        let w = Waiter::prepare(false);
        let mut a = WaitEntry::new(w, ptr::null_mut(), 1);
        let mut b = WaitEntry::new(w, ptr::null_mut(), 2);
        let mut c = WaitEntry::new(w, ptr::null_mut(), 3);
        let mut q = WaitQueue::new();
        unsafe {
            q.push_back(&mut a);
            q.push_back(&mut b);
            q.push_back(&mut c);
            q.remove(&mut b);
            q.remove(&mut b);
        }
        let (e, claim) = q.claim_first().expect("a is claimable");
        assert_eq!(unsafe { (*e).case }, 1);
        claim.finish(WakeReason::Notified, 0);
        assert!(
            q.claim_first().is_none(),
            "c shares the claimed wait: stale"
        );
        assert!(q.is_empty());
        assert_eq!(w.park("test", None).reason, WakeReason::Notified);
    }
}
