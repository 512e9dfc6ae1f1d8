//! The steal policy: what an idle worker takes from the run queues of the others.
//!
//! Go's idle workers steal whatever is queued elsewhere, which is right for independent
//! work and wrong for tasks that hand work to each other through a channel or a lock: moved
//! to another core, they only move their shared state back and forth (a cross-core wake-up
//! costs 10-25 µs on the 2-vCPU machine this was measured on) and end solo mode
//! ([`super::solo`]). Here a thief takes only work that *waits*:
//! - a queue of [`EAGER_WAKE_LEN`] entries or more (a burst of spawns), which also wakes a
//!   sleeping worker at once;
//! - entries it saw queued [`STEAL_AGE_NS`] ago and still there
//!   ([`super::queue::LocalQueue::waiting_since`]: the owner's path carries no
//!   timestamps). Hand-offs pass through a queue much faster.
//!
//! A steal whose work kept the thief busy for less than [`UNPRODUCTIVE_STEAL_NS`] (the
//! stolen tasks soon blocked on something the victim's tasks hold, and went back there when
//! woken) doubles the age the thief waits for next time, up to 2^[`MAX_STEAL_BACKOFF`]
//! times; a productive steal resets it.
//!
//! Invariants: a [`Thief`] is touched only by its own worker's thread, outside any task
//! switch; what it saw of the queues is forgotten whenever its worker ran tasks since its
//! last look (while both were busy they may have slowed each other down).

use std::cell::{Cell, UnsafeCell};

use super::queue::Sighting;
use super::worker::Worker;

/// Entries in a worker's queue from which a push wakes an idle worker at once, and from
/// which a thief takes work without waiting.
pub(crate) const EAGER_WAKE_LEN: usize = 32;
/// How long an entry must have waited in another worker's run queue before an idle worker
/// steals it (ns). At 50 µs, the tasks queued behind a run-next hand-off in the mpmc
/// benchmark were stolen.
const STEAL_AGE_NS: u64 = 200_000;
/// A steal whose work kept the thief busy for less than this did not pay (ns).
const UNPRODUCTIVE_STEAL_NS: u64 = 50_000;
/// At most this many doublings of [`STEAL_AGE_NS`] (200 µs · 2^6 = 12.8 ms).
const MAX_STEAL_BACKOFF: u32 = 6;

/// A worker's state as a thief (see the module docs).
#[derive(Debug)]
pub(crate) struct Thief {
    /// What this worker last saw of each worker's run queue while idle (indexed by id).
    sightings: UnsafeCell<Vec<Sighting>>,
    /// The worker ran a task since it last ran out of work.
    ran_tasks: Cell<bool>,
    /// When the worker last stole (0: not since it last ran out of work).
    last_steal: Cell<u64>,
    /// How many times over [`STEAL_AGE_NS`] is doubled.
    backoff: Cell<u32>,
}

impl Thief {
    /// A thief among `workers` workers.
    pub(crate) fn new(workers: usize) -> Thief {
        Thief {
            sightings: UnsafeCell::new(vec![Sighting::default(); workers]),
            ran_tasks: Cell::new(false),
            last_steal: Cell::new(0),
            backoff: Cell::new(0),
        }
    }

    /// The worker is about to run a task.
    #[inline]
    pub(crate) fn ran_task(&self) {
        self.ran_tasks.set(true);
    }

    /// The worker ran out of work at `now`: forgets its sightings if it ran tasks since,
    /// and judges its last steal (see the module docs).
    pub(crate) fn start_idle_look(&self, now: u64) {
        if self.ran_tasks.replace(false) {
            // SAFETY: owner-only field, and no switch happens here.
            unsafe { (*self.sightings.get()).fill(Sighting::default()) };
        }
        let stole_at = self.last_steal.replace(0);
        if stole_at != 0 {
            let backoff = if now - stole_at < UNPRODUCTIVE_STEAL_NS {
                (self.backoff.get() + 1).min(MAX_STEAL_BACKOFF)
            } else {
                0
            };
            self.backoff.set(backoff);
        }
    }

    /// Records a successful steal at `now`.
    pub(crate) fn note_steal(&self, now: u64) {
        self.last_steal.set(now);
    }

    /// Whether `victim`'s run queue has work worth taking to this worker's core (see the
    /// module docs).
    pub(crate) fn sees_work_to_take(&self, victim: &Worker, now: u64) -> bool {
        // SAFETY: owner-only field, and no switch happens here.
        let seen = unsafe { &mut (&mut *self.sightings.get())[victim.id] };
        victim.queue.len() >= EAGER_WAKE_LEN
            || victim
                .queue
                .waiting_since(seen, now)
                .is_some_and(|since| now - since >= STEAL_AGE_NS << self.backoff.get())
    }
}
