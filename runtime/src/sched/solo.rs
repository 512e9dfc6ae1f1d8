//! Solo mode: while one worker is the only thread that can run Weft code, the runtime's
//! atomic read-modify-writes become plain loads and stores.
//!
//! A locked read-modify-write costs 6-11 ns on the machines measured (it also waits for the
//! store buffer to drain, which after a context switch holds the saved registers), and a
//! channel hand-off between two green tasks needs about five of them: channel lock, the
//! waiter's prepare, wake and park transitions. Single-threaded runtimes (Crystal without
//! `-Dpreview_mt`) need none. Solo mode gets the same cost whenever no other thread can
//! touch runtime state: always with `WEFT_THREADS=1`, and with more workers while all but
//! one sleep (a ping-pong or a ring of tasks handing over through run-next slots). It is
//! the idea of biased locking (a lock biased to one thread needs no atomic instruction
//! until another thread shows up), applied to the whole runtime at once; the hand-over
//! between modes happens only where the solo worker is between operations.
//!
//! Invariants:
//! - [`active`] is true only while exactly one thread, the *owner* (a worker), may run
//!   Weft code or touch runtime state; every other worker is in *deep sleep* (counted in
//!   the `IDLE` word, doing nothing but waiting on its futex word) and no OS thread other
//!   than the workers was ever started (the first `Thread.spawn` or blocking-pool job ends
//!   solo mode for good: [`disable`]);
//! - every read-modify-write of runtime state that another thread could race with goes
//!   through [`SoloRmw`](crate::lock::solo_rmw::SoloRmw), which is a plain load and store while solo: the values it leaves
//!   are the same, so a later atomic operation (after solo mode ends) sees a consistent
//!   state;
//! - solo mode starts only where the owner is in the middle of no operation ([`try_enter`]):
//!   in its scheduler loop, or at a safe point of the task it runs (a poked prologue check
//!   or switching entry point, see [`invite`]), by one compare-and-swap on `IDLE` that
//!   succeeds only if every other worker is in deep sleep and none was woken meanwhile;
//!   that acquire pairs with the release of each sleeper's registration, so the owner sees
//!   all they did before sleeping;
//! - solo mode ends only on the owner's own thread ([`leave`]), before it wakes a worker or
//!   starts an OS thread, and before the owner itself sleeps: the release on `IDLE` then
//!   publishes its plain writes to whoever it wakes. A read-modify-write is never split by
//!   the change, since none calls out in its middle;
//! - a deep sleeper that wakes while solo mode is on (its timer deadline passed, or a
//!   spurious futex wake-up) goes back to sleep without a deadline: on entering solo mode
//!   the owner moved every worker's timers into its own heap;
//! - a deep sleeper that finds work waiting too long in the owner's queue (a task that
//!   another core should run: see `Scheduler::deep_sleep`) asks the owner to end solo mode
//!   ([`request_revoke`]): it sets a flag the owner checks in its scheduler loop and every
//!   61st switch, and *pokes* the owner's stack limit ([`crate::stack::poke`]) so that a
//!   task that does not switch (a long computation) enters the runtime at its next
//!   function call, as Go's `stackPreempt` does; the owner then ends solo mode and wakes
//!   an idle worker ([`honour_revoke`]).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::scheduler::{adopted, Scheduler};
use super::worker::Worker;
use crate::lock::solo_rmw;
pub use crate::lock::solo_rmw::active;

/// Set for good when solo mode may never start again (an OS thread was started).
static DISABLED: AtomicBool = AtomicBool::new(false);
/// `SOLO_BIT | deep sleepers`: the word the owner and the sleepers agree through.
static IDLE: AtomicU64 = AtomicU64::new(0);
const SOLO_BIT: u64 = 1 << 32;
/// The owner's worker id (meaningful while `SOLO_BIT` is set).
static OWNER: AtomicUsize = AtomicUsize::new(0);
/// A sleeper asks the owner to end solo mode.
static REVOKE: AtomicBool = AtomicBool::new(false);

/// Whether `me` could start solo mode now: the runtime owns the process's threads (worker
/// 0 is the process's own thread), no OS thread was ever started, every other worker is in
/// deep sleep, and none has been woken to look for work (a woken worker counts as spinning
/// until it finds work or sleeps again; it must be able to leave its deep sleep). Cheap:
/// for the owner's periodic check on its hand-off path.
#[inline]
pub(crate) fn could_enter(rt: &Scheduler) -> bool {
    !active()
        && !DISABLED.load(Ordering::Relaxed)
        && IDLE.load(Ordering::Relaxed) == rt.workers.len() as u64 - 1
        && adopted()
        && !rt.any_spinning()
}

/// Starts solo mode if [`could_enter`], with `me` as the owner. Called from `me`'s
/// scheduler loop or from a poked prologue check of the task it runs (no operation is
/// half done at either).
pub(crate) fn try_enter(rt: &Scheduler, me: &Worker) {
    if !could_enter(rt) {
        return;
    }
    let others = rt.workers.len() as u64 - 1;
    if IDLE
        .compare_exchange(
            others,
            others | SOLO_BIT,
            Ordering::AcqRel,
            Ordering::Relaxed,
        )
        .is_err()
    {
        return;
    }
    OWNER.store(me.id, Ordering::Relaxed);
    solo_rmw::set_active(true);
    // The sleepers will not fire their timers: the owner does.
    for w in rt.workers.iter().filter(|w| w.id != me.id) {
        let mut theirs = std::mem::take(&mut *w.timers.lock());
        w.next_timer.store(u64::MAX, Ordering::Relaxed);
        if !theirs.is_empty() {
            let mut mine = me.timers.lock();
            mine.append(&mut theirs);
            me.next_timer.store(mine.next_deadline(), Ordering::Relaxed);
        }
    }
}

/// Ends solo mode if it is on (the owner only: before it wakes another worker, starts an
/// OS thread or sleeps). Publishes the owner's plain writes to whoever acquires `IDLE` or
/// a word written after this.
#[inline]
pub(crate) fn leave() {
    if active() {
        leave_slow();
    }
}

#[cold]
fn leave_slow() {
    solo_rmw::set_active(false);
    IDLE.fetch_and(!SOLO_BIT, Ordering::SeqCst);
}

/// Ends solo mode for good: called before starting an OS thread that may run Weft code.
pub(crate) fn disable() {
    DISABLED.store(true, Ordering::SeqCst);
    leave();
}

/// The owner of solo mode, as a sleeper sees it (`None` when solo mode is off).
pub(crate) fn owner() -> Option<usize> {
    (IDLE.load(Ordering::Acquire) & SOLO_BIT != 0).then(|| OWNER.load(Ordering::Relaxed))
}

/// A deep sleeper that sees solo mode possible (every worker but one in deep sleep, no OS
/// thread) pokes the others' stack limits, so that the running one, which may never visit
/// its scheduler loop (a task that does not switch), starts solo mode at its next function
/// call ([`crate::sched::worker::poked`]).
pub(crate) fn invite(rt: &Scheduler) {
    if could_enter(rt) {
        for w in rt.workers.iter() {
            w.poke();
        }
    }
}

/// A deep sleeper asks the owner to end solo mode (see the module docs): it sets the
/// request flag and pokes the owner's stack limit. Repeated while the request stands, since
/// the owner's next switch overwrites a poke.
pub(crate) fn request_revoke(rt: &Scheduler) {
    let Some(owner) = owner() else { return };
    REVOKE.store(true, Ordering::SeqCst);
    rt.workers[owner].poke();
}

/// Whether a sleeper asked the owner to end solo mode.
#[inline]
pub(crate) fn revoke_requested() -> bool {
    REVOKE.load(Ordering::Relaxed)
}

/// The owner, between operations (its scheduler loop, or a poked prologue): ends solo mode
/// if a sleeper asked for it, and wakes an idle worker to take the waiting work. Returns
/// whether it did.
pub(crate) fn honour_revoke(rt: &Scheduler) -> bool {
    if !revoke_requested() {
        return false;
    }
    REVOKE.store(false, Ordering::Relaxed);
    leave();
    rt.wake_idle_worker();
    true
}

/// Registers the calling worker as in deep sleep: from now until [`wake_from_deep_sleep`]
/// succeeds it touches nothing but its futex word.
pub(crate) fn enter_deep_sleep() {
    leave();
    IDLE.fetch_add(1, Ordering::SeqCst);
}

/// Tries to end the calling worker's deep sleep; false while solo mode is on (the caller
/// then sleeps again, without a deadline).
pub(crate) fn wake_from_deep_sleep() -> bool {
    let mut s = IDLE.load(Ordering::Acquire);
    loop {
        if s & SOLO_BIT != 0 {
            return false;
        }
        match IDLE.compare_exchange_weak(s, s - 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(actual) => s = actual,
        }
    }
}
