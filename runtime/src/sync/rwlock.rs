//! Reader-writer locks: many readers or one writer, writer-preferring, for green tasks and
//! OS threads alike.
//!
//! The state word follows Rust std's futex `RwLock` (`sys/sync/rwlock/futex.rs`): the low
//! 30 bits count readers (all ones = write-locked), bit 30 says readers wait, bit 31 says
//! writers wait. Uncontended read and write locking are one compare-and-swap each. Waiters
//! park on two [`WaitQueue`]s (readers, writers) guarded by one internal lock.
//!
//! Invariants:
//! - readers are admitted only while no writer holds the lock *or waits for it* (writer
//!   preference: a steady stream of readers cannot starve a writer);
//! - a waiter sets its waiting bit with a compare-and-swap that also re-checks that it is
//!   still blocked, under the queue lock, then enqueues before releasing that lock; an
//!   unlock that sees a waiting bit takes the queue lock, so it finds every waiter that
//!   set the bit before the unlock;
//! - under the queue lock the waiting bits mirror the queues (set iff the queue is
//!   non-empty) after every wake-up decision; woken waiters retry from the start;
//! - when the lock becomes free, one waiting writer is woken if there is one (once the
//!   last reader has left), else every waiting reader;
//! - `writer` holds the write holder's identity while write-locked, else 0;
//! - every read or write hold is on its holder's list of held locks ([`super::held`]),
//!   so a holder that panics releases it, and a held lock is never freed.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicUsize, Ordering};

use super::handle::{self, Handle, Payload};
use super::held::{self, HeldKind};
use super::waitq::{self, WaitEntry, WaitQueue};
use crate::lock::rawlock::Locked;
use crate::obj::rc::WeftGlue;
use crate::panic::{panic_at, WeftLoc};
use crate::sched::{Claim, Waiter, WakeReason};

const READ_MASK: u32 = (1 << 30) - 1;
const WRITE_LOCKED: u32 = READ_MASK;
const MAX_READERS: u32 = READ_MASK - 1;
const READERS_WAITING: u32 = 1 << 30;
const WRITERS_WAITING: u32 = 1 << 31;

/// The two wait queues.
#[derive(Debug, Default)]
struct Queues {
    readers: WaitQueue,
    writers: WaitQueue,
}

impl Queues {
    fn of(&mut self, side: Side) -> &mut WaitQueue {
        match side {
            Side::Read => &mut self.readers,
            Side::Write => &mut self.writers,
        }
    }
}

/// Which lock a locker wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Read,
    Write,
}

impl Side {
    /// Whether a locker of this side may enter in state `s`: a reader while
    /// [`read_lockable`], a writer while no reader or writer holds the lock.
    #[inline]
    fn may_enter(self, s: u32) -> bool {
        match self {
            Side::Read => read_lockable(s),
            Side::Write => readers(s) == 0,
        }
    }

    /// The state after this side entered state `s`.
    #[inline]
    fn entered(self, s: u32) -> u32 {
        match self {
            Side::Read => s + 1,
            Side::Write => s | WRITE_LOCKED,
        }
    }

    fn waiting_bit(self) -> u32 {
        match self {
            Side::Read => READERS_WAITING,
            Side::Write => WRITERS_WAITING,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Side::Read => "read-locking an RwLock",
            Side::Write => "write-locking an RwLock",
        }
    }
}

/// A reader-writer lock object (see the module docs for the invariants).
#[repr(C)]
#[derive(Debug)]
pub struct RwLock {
    rc: AtomicI64,
    state: AtomicU32,
    destroyed: AtomicBool,
    writer: AtomicUsize,
    queues: Locked<Queues>,
    value: std::cell::UnsafeCell<Payload>,
}

// SAFETY: the value is reached only by holders; the rest is atomic or locked.
unsafe impl Sync for RwLock {}
// SAFETY: as above.
unsafe impl Send for RwLock {}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for RwLock {
    const DESTROYED: &'static str = "use of destroyed RwLock";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
    unsafe fn free(this: *mut Self) {
        if readers((*this).state.load(Ordering::Acquire)) != 0 {
            // Still held by a live task or thread, whose list of held locks points here
            // (`sync::held`): leaked, not freed.
            return;
        }
        (*(*this).value.get()).drop_value();
        handle::free_box(this);
    }
}

#[inline]
fn is_write_locked(s: u32) -> bool {
    s & READ_MASK == WRITE_LOCKED
}

#[inline]
fn readers(s: u32) -> u32 {
    s & READ_MASK
}

/// A reader may enter: not write-locked, no writer waiting, room for one more reader.
#[inline]
fn read_lockable(s: u32) -> bool {
    readers(s) < MAX_READERS && s & WRITERS_WAITING == 0
}

impl RwLock {
    /// A new unlocked lock guarding the value at `value` (moved in; `glue` null or of size
    /// 0 for a bare lock), with count 1.
    ///
    /// # Safety
    /// `glue` is null or static; `value` holds a value of its type (or is null).
    pub unsafe fn new(glue: *const WeftGlue, value: *const u8) -> *mut RwLock {
        handle::into_raw(RwLock {
            rc: AtomicI64::new(1),
            state: AtomicU32::new(0),
            destroyed: AtomicBool::new(false),
            writer: AtomicUsize::new(0),
            queues: Locked::new(Queues::default()),
            value: std::cell::UnsafeCell::new(Payload::new(glue, value)),
        })
    }

    /// The guarded value's address (valid while locked; null for a bare lock).
    pub fn value_ptr(&self) -> *mut u8 {
        // SAFETY: the payload pointer is fixed from creation until destroy.
        unsafe { (*self.value.get()).ptr() }
    }

    /// Acquires a read lock, parking while a writer holds or awaits the lock. Panics
    /// `rwlock already write-locked by this task` if the caller holds the write lock, and
    /// `cancelled` when the calling task is cancelled while it waits.
    #[inline]
    pub fn read_lock(&self, loc: Option<&WeftLoc>) {
        if !self.read_lock_or_cancel(loc) {
            panic_at(crate::sched::CANCELLED_MESSAGE, loc);
        }
    }

    /// [`RwLock::read_lock`], returning false instead when the calling task is cancelled
    /// while it waits (the lock is then not held).
    #[inline]
    pub fn read_lock_or_cancel(&self, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        let (me, list) = held::current();
        let s = self.state.load(Ordering::Relaxed);
        let fast = read_lockable(s)
            && self
                .state
                .compare_exchange_weak(s, s + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok();
        if !fast && !self.lock_contended(Side::Read, me, loc) {
            return false;
        }
        // SAFETY: the caller's own list.
        unsafe { held::note(list, self.addr(), HeldKind::Read) };
        true
    }

    fn addr(&self) -> *const u8 {
        (self as *const RwLock).cast()
    }

    /// The slow path of [`read_lock`](Self::read_lock) and
    /// [`write_lock`](Self::write_lock): retries the compare-and-swap while the lock is
    /// free for `side`, else sets `side`'s waiting bit and parks in its queue (see the
    /// module docs). Returns false when the calling task is cancelled while it waits
    /// (outside unwinding), without the lock.
    #[cold]
    fn lock_contended(&self, side: Side, me: usize, loc: Option<&WeftLoc>) -> bool {
        let cancellable = crate::sched::cancellable_now();
        loop {
            let mut s = self.state.load(Ordering::Relaxed);
            while side.may_enter(s) {
                match self.state.compare_exchange_weak(
                    s,
                    side.entered(s),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return true,
                    Err(actual) => s = actual,
                }
            }
            if is_write_locked(s) && self.writer.load(Ordering::Relaxed) == me {
                panic_at("rwlock already write-locked by this task", loc);
            }
            if side == Side::Read && readers(s) == MAX_READERS {
                std::thread::yield_now();
                continue;
            }
            let waiter = Waiter::prepare(cancellable);
            let mut entry = WaitEntry::new(waiter, std::ptr::null_mut(), 0);
            let e: *mut WaitEntry = &mut entry;
            {
                let mut q = self.queues.lock();
                let s = self.state.load(Ordering::Relaxed);
                if side.may_enter(s)
                    || self
                        .state
                        .compare_exchange(
                            s,
                            s | side.waiting_bit(),
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        )
                        .is_err()
                {
                    drop(q);
                    // SAFETY: our own, never queued entry.
                    unsafe { (*e).waiter.abort() };
                    continue;
                }
                // SAFETY: the entry lives until unlinked (we wait below).
                unsafe { q.of(side).push_back(e) };
            }
            // SAFETY: our own entry.
            let wake = unsafe { (*e).waiter.park_at(side.reason(), loc, None) };
            if wake.reason == WakeReason::Cancelled {
                // Leave the queue, then let the bits mirror the queues again (a writer
                // that leaves may unblock readers).
                // SAFETY: our own entry, queued in this queue if still queued.
                unsafe { self.queues.lock().of(side).remove(e) };
                self.wake_waiters();
                return false;
            }
            // `destroy` wakes every waiter: each panics `use of destroyed RwLock`.
            self.check_live(loc);
        }
    }

    /// Releases a read lock; panics `rwlock not read-locked` when no reader holds it.
    #[inline]
    pub fn read_unlock(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        let s = self.state.load(Ordering::Relaxed);
        if readers(s) == 0 || is_write_locked(s) {
            panic_at("rwlock not read-locked", loc);
        }
        let (_, list) = held::current();
        // SAFETY: the caller's own list.
        unsafe { held::forget(list, self.addr(), HeldKind::Read) };
        self.read_unlock_held();
    }

    /// Releases a read lock the caller is known to hold (or releases it for a holder that
    /// panicked), leaving the holder's list of held locks alone.
    pub(crate) fn read_unlock_held(&self) {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if readers(s) == 0 || is_write_locked(s) {
                return;
            }
            match self
                .state
                .compare_exchange_weak(s, s - 1, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        let s = s - 1;
        if readers(s) == 0 && s & (READERS_WAITING | WRITERS_WAITING) != 0 {
            self.wake_waiters();
        }
    }

    /// Acquires the write lock, parking while readers or another writer hold it. Panics
    /// `rwlock already write-locked by this task` if the caller holds it, and `cancelled`
    /// when the calling task is cancelled while it waits.
    #[inline]
    pub fn write_lock(&self, loc: Option<&WeftLoc>) {
        if !self.write_lock_or_cancel(loc) {
            panic_at(crate::sched::CANCELLED_MESSAGE, loc);
        }
    }

    /// [`RwLock::write_lock`], returning false instead when the calling task is cancelled
    /// while it waits (the lock is then not held).
    #[inline]
    pub fn write_lock_or_cancel(&self, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        let (me, list) = held::current();
        if self
            .state
            .compare_exchange_weak(0, WRITE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
            && !self.lock_contended(Side::Write, me, loc)
        {
            return false;
        }
        self.writer.store(me, Ordering::Relaxed);
        // SAFETY: the caller's own list.
        unsafe { held::note(list, self.addr(), HeldKind::Write) };
        true
    }

    /// Releases the write lock; panics `rwlock not write-locked by this task` unless the
    /// caller holds it.
    #[inline]
    pub fn write_unlock(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        let (me, list) = held::current();
        if self.writer.load(Ordering::Relaxed) != me
            || !is_write_locked(self.state.load(Ordering::Relaxed))
        {
            panic_at("rwlock not write-locked by this task", loc);
        }
        // SAFETY: the caller's own list.
        unsafe { held::forget(list, self.addr(), HeldKind::Write) };
        self.write_unlock_held();
    }

    /// Releases the write lock the caller is known to hold (or releases it for a holder
    /// that panicked), leaving the holder's list of held locks alone.
    pub(crate) fn write_unlock_held(&self) {
        if !is_write_locked(self.state.load(Ordering::Relaxed)) {
            return;
        }
        self.writer.store(0, Ordering::Relaxed);
        let s = self.state.fetch_sub(WRITE_LOCKED, Ordering::Release) - WRITE_LOCKED;
        if s & (READERS_WAITING | WRITERS_WAITING) != 0 {
            self.wake_waiters();
        }
    }

    /// The lock may have become free for waiters: wakes one writer (when no reader holds
    /// the lock) or else all readers, and makes the waiting bits mirror the queues.
    #[cold]
    fn wake_waiters(&self) {
        let mut claims: Vec<Claim> = Vec::new();
        {
            let mut q = self.queues.lock();
            let s = self.state.load(Ordering::Relaxed);
            if !is_write_locked(s) {
                if !q.writers.is_empty() {
                    if readers(s) == 0 {
                        if let Some((_, claim)) = q.writers.claim_first() {
                            claims.push(claim);
                        }
                    }
                } else {
                    claims.extend(q.readers.claim_all().into_iter().map(|(c, _)| c));
                }
            }
            let mut bits = 0;
            if !q.readers.is_empty() {
                bits |= READERS_WAITING;
            }
            if !q.writers.is_empty() {
                bits |= WRITERS_WAITING;
            }
            let mut s = self.state.load(Ordering::Relaxed);
            loop {
                let next = (s & READ_MASK) | bits;
                match self.state.compare_exchange_weak(
                    s,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            }
        }
        for claim in claims {
            claim.finish(WakeReason::Notified, 0);
        }
    }

    /// Marks the lock destroyed and releases the guarded value; panics `use of destroyed
    /// RwLock` if it already was.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
        waitq::wake_all(&self.queues, |q| {
            let mut claims = q.readers.claim_all();
            claims.extend(q.writers.claim_all());
            claims
        });
        // SAFETY: after destroy, no operation reaches the value.
        unsafe { (*self.value.get()).drop_value() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_share_writers_exclude() {
        static PAIR: WeftGlue = WeftGlue::plain(16, 8);
        let l = unsafe { &*RwLock::new(&PAIR, [0i64; 2].as_ptr().cast()) };
        l.read_lock(None);
        l.read_lock(None);
        l.read_unlock(None);
        l.read_unlock(None);
        let addr = l as *const RwLock as usize;
        let threads: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let l = unsafe { &*(addr as *const RwLock) };
                    let p = l.value_ptr().cast::<[i64; 2]>();
                    for _ in 0..5_000 {
                        if i % 2 == 0 {
                            l.write_lock(None);
                            unsafe { *p = [(*p)[0] + 1, (*p)[1] + 1] };
                            l.write_unlock(None);
                        } else {
                            l.read_lock(None);
                            let v = unsafe { *p };
                            assert_eq!(v[0], v[1]);
                            l.read_unlock(None);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            unsafe { *l.value_ptr().cast::<[i64; 2]>() },
            [10_000, 10_000]
        );
        unsafe { handle::release(addr as *mut RwLock) };
    }
}
