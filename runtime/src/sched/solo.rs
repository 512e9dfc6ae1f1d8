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
//!   through [`SoloRmw`], which is a plain load and store while solo: the values it leaves
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
//!   another core should run: see `Runtime::deep_sleep`) asks the owner to end solo mode
//!   ([`request_revoke`]): it sets a flag the owner checks in its scheduler loop and every
//!   61st switch, and *pokes* the owner's stack limit ([`crate::stack::poke`]) so that a
//!   task that does not switch (a long computation) enters the runtime at its next
//!   function call, as Go's `stackPreempt` does; the owner then ends solo mode and wakes
//!   an idle worker ([`honour_revoke`]).

use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

use super::runtime::{adopted, Runtime};
use super::worker::Worker;

/// The fast flag every [`SoloRmw`] operation reads (see the module docs).
static SOLO: AtomicBool = AtomicBool::new(false);
/// Set for good when solo mode may never start again (an OS thread was started).
static DISABLED: AtomicBool = AtomicBool::new(false);
/// `SOLO_BIT | deep sleepers`: the word the owner and the sleepers agree through.
static IDLE: AtomicU64 = AtomicU64::new(0);
const SOLO_BIT: u64 = 1 << 32;
/// The owner's worker id (meaningful while `SOLO_BIT` is set).
static OWNER: AtomicUsize = AtomicUsize::new(0);
/// A sleeper asks the owner to end solo mode.
static REVOKE: AtomicBool = AtomicBool::new(false);

/// Whether solo mode is on (only the owner can observe `true`).
#[inline(always)]
pub fn active() -> bool {
    SOLO.load(Ordering::Relaxed)
}

/// Whether `me` could start solo mode now: the runtime owns the process's threads (worker
/// 0 is the process's own thread), no OS thread was ever started, every other worker is in
/// deep sleep, and none has been woken to look for work (a woken worker counts as spinning
/// until it finds work or sleeps again; it must be able to leave its deep sleep). Cheap:
/// for the owner's periodic check on its hand-off path.
#[inline]
pub(crate) fn could_enter(rt: &Runtime) -> bool {
    !active()
        && !DISABLED.load(Ordering::Relaxed)
        && IDLE.load(Ordering::Relaxed) == rt.workers.len() as u64 - 1
        && adopted()
        && !rt.any_spinning()
}

/// Starts solo mode if [`could_enter`], with `me` as the owner. Called from `me`'s
/// scheduler loop or from a poked prologue check of the task it runs (no operation is
/// half done at either).
pub(crate) fn try_enter(rt: &Runtime, me: &Worker) {
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
    SOLO.store(true, Ordering::Relaxed);
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
    SOLO.store(false, Ordering::Relaxed);
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
pub(crate) fn invite(rt: &Runtime) {
    if could_enter(rt) {
        for w in rt.workers.iter() {
            w.poke();
        }
    }
}

/// A deep sleeper asks the owner to end solo mode (see the module docs): it sets the
/// request flag and pokes the owner's stack limit. Repeated while the request stands, since
/// the owner's next switch overwrites a poke.
pub(crate) fn request_revoke(rt: &Runtime) {
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
pub(crate) fn honour_revoke(rt: &Runtime) -> bool {
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

/// Read-modify-write operations on atomics that are plain loads and stores while solo mode
/// is on (see the module docs), and the usual atomic operations otherwise.
pub(crate) trait SoloRmw {
    /// The atomic's value type.
    type Value: Copy;
    /// `compare_exchange` (strong).
    fn solo_cas(
        &self,
        current: Self::Value,
        new: Self::Value,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::Value, Self::Value>;
    /// `swap`.
    fn solo_swap(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `store`, for orderings (`SeqCst`) that would cost a locked instruction.
    fn solo_store(&self, value: Self::Value, order: Ordering);
}

/// Arithmetic read-modify-writes of integer atomics, plain while solo (see [`SoloRmw`]).
pub(crate) trait SoloArith: SoloRmw {
    /// `fetch_add` (wrapping).
    fn solo_fetch_add(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_sub` (wrapping).
    fn solo_fetch_sub(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_or`.
    fn solo_fetch_or(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_and`.
    fn solo_fetch_and(&self, value: Self::Value, order: Ordering) -> Self::Value;
}

macro_rules! solo_rmw {
    ($atomic:ty, $value:ty $(, $generic:ident)?) => {
        impl$(<$generic>)? SoloRmw for $atomic {
            type Value = $value;

            #[inline(always)]
            fn solo_cas(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    if v != current {
                        return Err(v);
                    }
                    self.store(new, Ordering::Relaxed);
                    Ok(v)
                } else {
                    self.compare_exchange(current, new, success, failure)
                }
            }

            #[inline(always)]
            fn solo_swap(&self, value: $value, order: Ordering) -> $value {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    self.store(value, Ordering::Relaxed);
                    v
                } else {
                    self.swap(value, order)
                }
            }

            #[inline(always)]
            fn solo_store(&self, value: $value, order: Ordering) {
                if active() {
                    self.store(value, Ordering::Relaxed)
                } else {
                    self.store(value, order)
                }
            }
        }
    };
}

macro_rules! solo_arith {
    ($atomic:ty, $value:ty) => {
        solo_rmw!($atomic, $value);

        impl SoloArith for $atomic {
            #[inline(always)]
            fn solo_fetch_add(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(
                    order,
                    |v| v.wrapping_add(value),
                    |a, o| a.fetch_add(value, o),
                )
            }

            #[inline(always)]
            fn solo_fetch_sub(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(
                    order,
                    |v| v.wrapping_sub(value),
                    |a, o| a.fetch_sub(value, o),
                )
            }

            #[inline(always)]
            fn solo_fetch_or(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(order, |v| v | value, |a, o| a.fetch_or(value, o))
            }

            #[inline(always)]
            fn solo_fetch_and(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(order, |v| v & value, |a, o| a.fetch_and(value, o))
            }
        }

        impl SoloUpdate for $atomic {
            type V = $value;

            #[inline(always)]
            fn solo_update(
                &self,
                order: Ordering,
                plain: impl FnOnce($value) -> $value,
                atomic: impl FnOnce(&Self, Ordering) -> $value,
            ) -> $value {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    self.store(plain(v), Ordering::Relaxed);
                    v
                } else {
                    atomic(self, order)
                }
            }
        }
    };
}

/// The one place the plain and atomic forms of an arithmetic update split.
trait SoloUpdate: Sized {
    type V;
    fn solo_update(
        &self,
        order: Ordering,
        plain: impl FnOnce(Self::V) -> Self::V,
        atomic: impl FnOnce(&Self, Ordering) -> Self::V,
    ) -> Self::V;
}

solo_rmw!(AtomicBool, bool);
solo_rmw!(AtomicPtr<T>, *mut T, T);
solo_arith!(AtomicU8, u8);
solo_arith!(AtomicU32, u32);
solo_arith!(AtomicU64, u64);
solo_arith!(AtomicI64, i64);
solo_arith!(AtomicUsize, usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_the_atomic_ones_outside_solo_mode() {
        assert!(!active(), "tests run the runtime on threads of its own");
        let a = AtomicU64::new(5);
        assert_eq!(a.solo_cas(5, 7, Ordering::AcqRel, Ordering::Relaxed), Ok(5));
        assert_eq!(
            a.solo_cas(5, 9, Ordering::AcqRel, Ordering::Relaxed),
            Err(7)
        );
        assert_eq!(a.solo_swap(1, Ordering::AcqRel), 7);
        assert_eq!(a.solo_fetch_add(3, Ordering::AcqRel), 1);
        assert_eq!(a.solo_fetch_sub(1, Ordering::AcqRel), 4);
        assert_eq!(a.solo_fetch_or(8, Ordering::AcqRel), 3);
        assert_eq!(a.solo_fetch_and(9, Ordering::AcqRel), 11);
        assert_eq!(a.load(Ordering::Relaxed), 9);
        let b = AtomicBool::new(false);
        assert!(!b.solo_swap(true, Ordering::AcqRel));
        b.solo_store(false, Ordering::SeqCst);
        assert!(!b.load(Ordering::Relaxed));
    }
}
