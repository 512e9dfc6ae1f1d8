//! Sleeping, and the timer heaps the scheduler checks (deadlines are absolute
//! [`crate::os::clock::now_ns`] values).
//!
//! Invariants of [`TimerHeap`]:
//! - one heap per worker, guarded by the worker's lock; entries are `(deadline, waiter)`
//!   ordered by deadline, then by insertion (equal deadlines fire in FIFO order);
//! - an entry whose wait ended otherwise (notified, cancelled) is stale: it stays until it
//!   expires or until a compaction (run whenever the heap reaches a power of two ≥ 1024
//!   entries) drops it; firing a stale entry does nothing;
//! - the worker mirrors the earliest deadline in an atomic, so its loop reads the clock only
//!   while some timer is pending; an idle worker sleeps on its futex no longer than until
//!   the earliest deadline of all heaps, and idle workers fire expired timers of busy ones.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::waiter::{Waiter, WakeReason};
use crate::os::clock::deadline_after_ms;

/// Sleeps `ms` milliseconds. A green task parks (its worker runs other tasks) and returns
/// early, with `false`, when it is cancelled; `ms <= 0` just yields. An OS thread sleeps.
/// Returns true when the full time elapsed.
pub fn sleep_ms(ms: i64) -> bool {
    if super::current_task().is_none() {
        if ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(ms as u64));
        }
        return true;
    }
    if ms <= 0 {
        super::yield_now();
        return !super::is_cancelled();
    }
    let waiter = Waiter::prepare(true);
    waiter.park("sleeping", Some(deadline_after_ms(ms))).reason == WakeReason::TimedOut
}

struct Timer {
    deadline: u64,
    order: u64,
    waiter: Waiter,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.order) == (other.deadline, other.order)
    }
}

impl Eq for Timer {}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timer {
    /// Reversed, so that `BinaryHeap` (a max-heap) yields the earliest deadline first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deadline, other.order).cmp(&(self.deadline, self.order))
    }
}

/// A min-heap of `(deadline, waiter)` (see the module docs).
#[derive(Default)]
pub struct TimerHeap {
    heap: BinaryHeap<Timer>,
    pushed: u64,
}

impl std::fmt::Debug for TimerHeap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerHeap")
            .field("len", &self.heap.len())
            .finish()
    }
}

impl TimerHeap {
    /// An empty heap.
    pub const fn new() -> TimerHeap {
        TimerHeap {
            heap: BinaryHeap::new(),
            pushed: 0,
        }
    }

    /// Adds a timer ending `waiter`'s wait with `TimedOut` at `deadline` (ns).
    pub fn push(&mut self, deadline: u64, waiter: Waiter) {
        let len = self.heap.len();
        if len >= 1024 && len.is_power_of_two() {
            self.heap.retain(|t| !t.waiter.is_claimed());
        }
        self.pushed += 1;
        self.heap.push(Timer {
            deadline,
            order: self.pushed,
            waiter,
        });
    }

    /// Moves every timer of `other` into this heap (equal deadlines then fire in no
    /// particular order between the two heaps' timers).
    pub fn append(&mut self, other: &mut TimerHeap) {
        for mut t in std::mem::take(&mut other.heap) {
            self.pushed += 1;
            t.order = self.pushed;
            self.heap.push(t);
        }
    }

    /// Removes and returns the waiters of all timers due at `now` (earliest first).
    pub fn pop_expired(&mut self, now: u64) -> Vec<Waiter> {
        let mut out = Vec::new();
        while self.heap.peek().is_some_and(|t| t.deadline <= now) {
            out.push(self.heap.pop().expect("peeked").waiter);
        }
        out
    }

    /// The earliest deadline, or `u64::MAX` when empty.
    pub fn next_deadline(&self) -> u64 {
        self.heap.peek().map_or(u64::MAX, |t| t.deadline)
    }

    /// Whether some timer's wait has not ended yet.
    pub fn has_live(&self) -> bool {
        self.heap.iter().any(|t| !t.waiter.is_claimed())
    }

    /// Number of entries, stale ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_orders_by_deadline_then_fifo() {
        let mut heap = TimerHeap::new();
        let w = Waiter::prepare(false);
        heap.push(30, w);
        heap.push(10, w);
        heap.push(10, w);
        assert_eq!(heap.next_deadline(), 10);
        assert_eq!(heap.pop_expired(10).len(), 2);
        assert_eq!(heap.next_deadline(), 30);
        assert!(heap.has_live());
        w.abort();
        assert!(!heap.has_live(), "an ended wait leaves only stale timers");
    }

    #[test]
    fn thread_sleep_sleeps() {
        let start = crate::os::clock::now_ns();
        assert!(sleep_ms(5));
        assert!(crate::os::clock::now_ns() - start >= 5_000_000);
    }
}
