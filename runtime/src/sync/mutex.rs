//! Mutexes: bare (`Mutex<void>`) or guarding a value, error-checking, usable from green
//! tasks and OS threads.
//!
//! The lock word follows Go's `sync.Mutex` (`sync/mutex.go`): a `LOCKED` bit, a `WAITERS`
//! bit (the wait queue may be non-empty) and a `WOKEN` bit (a woken waiter is on its way
//! to retry, so an unlock need not wake another: with barging, waking every waiter in turn
//! would only move tasks between workers to lose the race again). Uncontended lock and
//! unlock are one atomic instruction each (plus the owner bookkeeping: the holder's
//! identity, and the entry on its list of held locks that lets a panic release the mutex,
//! [`super::held`]); a contended locker spins briefly, then parks on the mutex's wait
//! queue through the scheduler's [`Waiter`] (a task parks alone, a thread sleeps on its
//! futex) instead of sleeping on the word itself.
//!
//! Invariants:
//! - `owner` is the holder's identity ([`super::current_owner`]: the task, which keeps it
//!   when it migrates, or the OS thread) while locked, [`held::ORPHANED`] when its holder
//!   ended without unlocking it, and 0 while unlocked; the holder writes it after
//!   acquiring and clears it before releasing, so only the holder ever reads its own
//!   identity there — relocking and unlocking checks need no more;
//! - a locked mutex is on its holder's list of held locks (from after `lock` until
//!   `unlock`, condition-variable waits included), so it is never freed while listed;
//! - `WAITERS` changes only under the queue lock: a locker sets it (with a
//!   compare-and-swap that requires `LOCKED`) just before it enqueues itself, and a waker
//!   clears it when it empties the queue; so an unlock that clears `LOCKED` while
//!   `WAITERS` is set, and no `WOKEN` waiter is in transit, wakes the first claimable
//!   waiter, and no wake-up is lost;
//! - `WOKEN` is set by the unlock that wakes a waiter and cleared by that waiter when it
//!   acquires the mutex or parks again (woken lockers retry and may be overtaken: barging,
//!   as in std and Go's normal mode);
//! - the queue lock is never held while parking.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicUsize, Ordering};

use super::handle::{self, Handle, Payload};
use super::held::{self, HeldKind};
use super::waitq::{self, WaitEntry, WaitQueue};
use crate::lock::rawlock::Locked;
use crate::lock::solo_rmw::{SoloArith, SoloRmw};
use crate::obj::rc::WeftGlue;
use crate::panic::{panic_at, WeftLoc};
use crate::sched::{Waiter, WakeReason};

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
const WAITERS: u32 = 2;
const WOKEN: u32 = 4;

/// A mutex object (see the module docs for the invariants).
#[repr(C)]
#[derive(Debug)]
pub struct Mutex {
    rc: AtomicI64,
    state: AtomicU32,
    destroyed: AtomicBool,
    owner: AtomicUsize,
    waiters: Locked<WaitQueue>,
    value: std::cell::UnsafeCell<Payload>,
}

// SAFETY: the value is only reached by the lock's holder; the rest is atomic or locked.
unsafe impl Sync for Mutex {}
// SAFETY: as above.
unsafe impl Send for Mutex {}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for Mutex {
    const DESTROYED: &'static str = "use of destroyed Mutex";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
    unsafe fn free(this: *mut Self) {
        let m = &*this;
        if m.state.load(Ordering::Acquire) & LOCKED != 0
            && m.owner.load(Ordering::Relaxed) != held::ORPHANED
        {
            // Still held by a live task or thread, whose list of held locks points here
            // (`sync::held`): leaked, not freed.
            return;
        }
        (*m.value.get()).drop_value();
        handle::free_box(this);
    }
}

/// Spins of a contended locker before it parks (when spinning can help at all).
const SPINS: u32 = 100;

impl Mutex {
    /// A new unlocked mutex guarding the value at `value` (moved in; `glue` null or of size
    /// 0 for a bare lock), with count 1.
    ///
    /// # Safety
    /// `glue` is null or static; `value` holds a value of its type (or is null).
    pub unsafe fn new(glue: *const WeftGlue, value: *const u8) -> *mut Mutex {
        handle::into_raw(Mutex {
            rc: AtomicI64::new(1),
            state: AtomicU32::new(UNLOCKED),
            destroyed: AtomicBool::new(false),
            owner: AtomicUsize::new(0),
            waiters: Locked::new(WaitQueue::new()),
            value: std::cell::UnsafeCell::new(Payload::new(glue, value)),
        })
    }

    /// The guarded value's address (valid while locked; null for a bare lock).
    pub fn value_ptr(&self) -> *mut u8 {
        // SAFETY: the payload pointer is fixed from creation until destroy.
        unsafe { (*self.value.get()).ptr() }
    }

    /// Acquires the mutex, parking while another task or thread holds it. Panics `mutex
    /// already locked by this task` when the caller holds it, `use of destroyed Mutex`
    /// after `destroy`, and `cancelled` when the calling task is cancelled while it waits
    /// (which ends the task as cancelled, `sched::failure`).
    #[inline]
    pub fn lock(&self, loc: Option<&WeftLoc>) {
        if !self.lock_or_cancel(loc) {
            panic_at(crate::sched::CANCELLED_MESSAGE, loc);
        }
    }

    /// [`Mutex::lock`], returning false instead when the calling task is cancelled while it
    /// waits (the mutex is then not held).
    #[inline]
    pub fn lock_or_cancel(&self, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        let (me, list) = held::current();
        if !self.try_acquire() && !self.lock_contended(me, loc, crate::sched::cancellable_now()) {
            return false;
        }
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: the caller's own list.
        unsafe { held::note(list, self.addr(), HeldKind::Mutex) };
        true
    }

    /// One attempt to take the lock: sets `LOCKED` if it is clear, whatever the `WAITERS`
    /// and `WOKEN` bits say (barging, as Go's fast path does for a free lock word), so a
    /// holder that keeps relocking while woken waiters wait in a run queue stays on the
    /// fast path.
    #[inline(always)]
    fn try_acquire(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        state & LOCKED == 0
            && self
                .state
                .solo_cas(state, state | LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    fn addr(&self) -> *const u8 {
        (self as *const Mutex).cast()
    }

    /// Acquires without the destroyed and relock checks (condition variables, which did
    /// them, and which keep the mutex on the caller's list of held locks while they wait).
    pub(crate) fn lock_as(&self, me: usize) {
        if !self.try_acquire() {
            self.lock_contended(me, None, false);
        }
        self.owner.store(me, Ordering::Relaxed);
    }

    /// Tries to acquire without waiting.
    pub fn try_lock(&self, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        let (me, list) = held::current();
        if self.try_acquire() {
            self.owner.store(me, Ordering::Relaxed);
            // SAFETY: the caller's own list.
            unsafe { held::note(list, self.addr(), HeldKind::Mutex) };
            return true;
        }
        false
    }

    /// The contended path of a lock: spins, then parks until it holds the mutex (true), or
    /// until the calling task is cancelled when `cancellable` (false, not holding it).
    #[cold]
    #[inline(never)]
    fn lock_contended(&self, me: usize, loc: Option<&WeftLoc>, cancellable: bool) -> bool {
        if self.owner.load(Ordering::Relaxed) == me {
            panic_at("mutex already locked by this task", loc);
        }
        let spins = spin_budget();
        let mut woken = false;
        loop {
            let state = self.spin(spins);
            if state & LOCKED == 0 {
                let new = (state | LOCKED) & !(if woken { WOKEN } else { 0 });
                if self
                    .state
                    .solo_cas(state, new, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return true;
                }
                continue;
            }
            let waiter = Waiter::prepare(cancellable);
            let mut entry = WaitEntry::new(waiter, std::ptr::null_mut(), 0);
            let e: *mut WaitEntry = &mut entry;
            {
                let mut q = self.waiters.lock();
                let state = self.state.load(Ordering::Relaxed);
                let new = (state | WAITERS) & !(if woken { WOKEN } else { 0 });
                if state & LOCKED == 0
                    || self
                        .state
                        .solo_cas(state, new, Ordering::Relaxed, Ordering::Relaxed)
                        .is_err()
                {
                    drop(q);
                    // SAFETY: `e` is our live entry; nobody saw it.
                    unsafe { (*e).waiter.abort() };
                    continue;
                }
                // SAFETY: the entry outlives its time in the queue (we wait below).
                unsafe { q.push_back(e) };
            }
            // SAFETY: as above.
            let wake = unsafe { (*e).waiter.park_at("locking a mutex", loc, None) };
            if wake.reason == WakeReason::Cancelled {
                self.leave_queue(e);
                return false;
            }
            // `destroy` wakes every waiter: each panics `use of destroyed Mutex`.
            self.check_live(loc);
            woken = true;
        }
    }

    /// Unlinks a waiter whose wait a cancellation ended (if no waker popped it), clearing
    /// `WAITERS` when the queue is left empty.
    fn leave_queue(&self, e: *mut WaitEntry) {
        let mut q = self.waiters.lock();
        // SAFETY: our own entry, queued in this queue if still queued.
        unsafe { q.remove(e) };
        if q.is_empty() {
            self.state.solo_fetch_and(!WAITERS, Ordering::Relaxed);
        }
    }

    /// Spins (at most `spins` times) while the mutex is held; returns the last state seen.
    fn spin(&self, mut spins: u32) -> u32 {
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if state & LOCKED == 0 || spins == 0 {
                return state;
            }
            std::hint::spin_loop();
            spins -= 1;
        }
    }

    /// Releases the mutex; panics `mutex not locked by this task` unless the caller holds
    /// it, `use of destroyed Mutex` after `destroy`.
    #[inline]
    pub fn unlock(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        let (me, list) = held::current();
        if self.owner.load(Ordering::Relaxed) != me {
            panic_at("mutex not locked by this task", loc);
        }
        // SAFETY: the caller's own list.
        unsafe { held::forget(list, self.addr(), HeldKind::Mutex) };
        self.unlock_held();
    }

    /// Whether the calling task or thread holds the mutex.
    pub fn held_by(&self, me: usize) -> bool {
        self.owner.load(Ordering::Relaxed) == me
    }

    /// Leaves the mutex locked by nobody that can ever unlock it: its holder ended without
    /// unlocking it (see `sync::held`).
    pub(crate) fn orphan(&self) {
        self.owner.store(held::ORPHANED, Ordering::Relaxed);
    }

    /// Releases a mutex the caller is known to hold (or releases it for a holder that
    /// panicked), leaving the holder's list of held locks alone.
    #[inline]
    pub(crate) fn unlock_held(&self) {
        self.owner.store(0, Ordering::Relaxed);
        let prev = self.state.solo_fetch_and(!LOCKED, Ordering::Release);
        if prev & (WAITERS | WOKEN) == WAITERS {
            self.unlock_slow();
        }
    }

    /// After an unlock that saw waiters and no woken waiter on its way: wakes the first
    /// waiter, unless meanwhile one was woken or the mutex relocked (that holder's unlock
    /// will wake), as Go's `unlockSlow`.
    #[cold]
    #[inline(never)]
    fn unlock_slow(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & WAITERS == 0 || state & (WOKEN | LOCKED) != 0 {
                return;
            }
            match self
                .state
                .solo_cas(state, state | WOKEN, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return self.wake_one(),
                Err(s) => state = s,
            }
        }
    }

    /// Wakes the first claimable waiter (this unlock set `WOKEN` for it); clears `WAITERS`
    /// when the queue is left empty, and `WOKEN` when nobody could be woken.
    fn wake_one(&self) {
        let claimed = {
            let mut q = self.waiters.lock();
            let claimed = q.claim_first();
            let mut clear = if q.is_empty() { WAITERS } else { 0 };
            if claimed.is_none() {
                clear |= WOKEN;
            }
            if clear != 0 {
                self.state.solo_fetch_and(!clear, Ordering::Relaxed);
            }
            claimed
        };
        if let Some((_, claim)) = claimed {
            claim.finish(WakeReason::Notified, 0);
        }
    }

    /// Marks the mutex destroyed and releases the guarded value; panics `use of destroyed
    /// Mutex` if it already was.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
        waitq::wake_all(&self.waiters, WaitQueue::claim_all);
        // SAFETY: after destroy, no operation reaches the value.
        unsafe { (*self.value.get()).drop_value() };
    }
}

/// Spins worth doing before parking: none for a green task, [`SPINS`] for an OS thread.
/// A task parks at once: its worker runs other tasks meanwhile, and a spinning reader of
/// the lock word only slows down a holder on another worker that relocks in a loop (the
/// mutex benchmark at `WEFT_THREADS=2` ran 3x faster without the spin).
#[inline]
pub(crate) fn spin_budget() -> u32 {
    if crate::sched::current_task().is_some() {
        0
    } else {
        SPINS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn counts_across_threads() {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let m = unsafe { &*Mutex::new(std::ptr::null(), std::ptr::null()) };
        let addr = m as *const Mutex as usize;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    let m = unsafe { &*(addr as *const Mutex) };
                    for _ in 0..20_000 {
                        m.lock(None);
                        let v = COUNT.load(Ordering::Relaxed);
                        COUNT.store(v + 1, Ordering::Relaxed);
                        m.unlock(None);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(COUNT.load(Ordering::Relaxed), 80_000);
        unsafe { handle::release(addr as *mut Mutex) };
    }

    #[test]
    fn guards_a_value() {
        static I64: WeftGlue = WeftGlue::plain(8, 8);
        let v = 41i64;
        let m = unsafe { &*Mutex::new(&I64, (&v as *const i64).cast()) };
        m.lock(None);
        unsafe { *m.value_ptr().cast::<i64>() += 1 };
        assert!(!m.try_lock(None));
        m.unlock(None);
        assert_eq!(unsafe { *m.value_ptr().cast::<i64>() }, 42);
        unsafe { handle::release(m as *const Mutex as *mut Mutex) };
    }
}
