//! The one parking abstraction every blocking primitive uses: [`Waiter`].
//!
//! A *wait node* ([`WaitNode`]) belongs to one green task (it is embedded in the task) or
//! one OS thread. Each blocking operation starts a new *wait* on the caller's node with
//! [`Waiter::prepare`], which returns a [`Waiter`]: a copyable `(node, sequence number)`
//! pair naming that one wait. The primitive puts copies of the waiter in its wait queues
//! (as many queues as it likes: a `select` puts the same waiter in each of its channels,
//! as Go's `sudog`s share `g.selectDone`), releases its lock, and calls [`Waiter::park`].
//! Whoever wants to end the wait — a notifier, a timer, a canceller — *claims* the waiter;
//! exactly one claim succeeds, and the winner resumes the owner. A wait is one-shot: a
//! second claim, or a claim through a waiter left behind by an earlier wait of the same
//! node (its sequence number no longer matches), fails and returns false, so stale queue
//! entries are harmless and can be skipped lazily.
//!
//! Node state word: `seq << 32 | flags << 8 | status`, where status is
//!
//! ```text
//!   WAITING ──owner parks──▶ PARKED
//!      │  ╲                    │  ╲
//!      │   claim(2-phase)      │   claim(2-phase)
//!      │     ▼                 │     ▼
//!      │   CLAIMING ─owner parks─▶ CLAIMING_PARKED
//!      │     │ finish            │ finish (+ resume owner)
//!      ▼     ▼                   ▼
//!   CLAIMED(reason) ◀────────────┘   (claim(1-phase) from WAITING or PARKED goes straight
//!                                     here; from PARKED it resumes the owner)
//! ```
//!
//! Invariants:
//! - only the owner moves a node out of `CLAIMED`/`IDLE` (by preparing a new wait, which
//!   bumps `seq`), and only the owner moves `WAITING → PARKED` and
//!   `CLAIMING → CLAIMING_PARKED`; every claimer transition is a CAS that includes `seq`;
//! - exactly one claimer wins a wait; the winner resumes the owner iff it observed the owner
//!   parked (`PARKED` or `CLAIMING_PARKED`), so a wake that comes before the park is never
//!   lost (the owner finds `CLAIMED` and does not suspend) and an owner is never resumed
//!   twice;
//! - a task parks by switching to its worker, and the worker performs the
//!   `WAITING → PARKED` CAS on its own stack after the switch (Inko's rule): a claimer can
//!   therefore never resume a task whose registers are not saved yet;
//! - a two-phase claim ([`Waiter::claim`] then [`Claim::finish`]) lets the winner hand data
//!   over (write through a pointer the owner left in the queue entry, set a token) before
//!   the owner can observe the end of its wait; the owner never returns while `CLAIMING`;
//! - a cancellable wait of a task whose cancel flag is set is claimed with
//!   [`WakeReason::Cancelled`]: `prepare` stores `WAITING` then reads the flag, the
//!   canceller stores the flag then reads the state (both sequentially consistent), so at
//!   least one of them sees the other;
//! - a thread parked without a deadline is not counted as running for deadlock detection;
//!   whoever resumes it counts it again *before* waking it.
//!
//! Protocol for a primitive (e.g. a channel receive):
//! ```text
//! lock(chan)
//! if ready { take; unlock; return }
//! let w = Waiter::prepare(true);
//! chan.recvq.push(Entry { w, slot: &mut out });
//! unlock(chan)
//! match w.park("receiving from a channel", None).reason {
//!     Notified  => out was filled by the sender,
//!     Cancelled => { lock(chan); remove w's entry if still queued; unlock; ... }
//!     TimedOut  => likewise
//! }
//! // sender: lock(chan); while let Some(e) = recvq.pop() { if let Some(c) = e.w.claim()
//! //   { write *e.slot; c.finish(WakeReason::Notified, 0); break } } unlock(chan)
//! ```

use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use super::{registry, task::Task, worker};
use crate::lock::solo_rmw::SoloRmw;
use crate::os::futex;
use crate::panic::WeftLoc;

const IDLE: u64 = 0;
const WAITING: u64 = 1;
const PARKED: u64 = 2;
const CLAIMING: u64 = 3;
const CLAIMING_PARKED: u64 = 4;
const CLAIMED: u64 = 5; // + WakeReason as u64

const STATUS_MASK: u64 = 0xff;
const CANCELLABLE: u64 = 1 << 8;
/// The node belongs to an OS thread (part of a [`ThreadNode`]); fixed for the node's life,
/// and kept by every state change.
const THREAD: u64 = 1 << 9;

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum WakeReason {
    /// A notifier claimed the waiter (data handed over, lock granted, task finished, ...).
    Notified = 0,
    /// The deadline given to [`Waiter::park`] passed first.
    TimedOut = 1,
    /// The task was cancelled (or the owner aborted the wait, see [`Waiter::abort`]).
    Cancelled = 2,
}

impl WakeReason {
    fn from_status(status: u64) -> WakeReason {
        match status - CLAIMED {
            0 => WakeReason::Notified,
            1 => WakeReason::TimedOut,
            _ => WakeReason::Cancelled,
        }
    }
}

/// The outcome of a wait: its reason, and the token the winning claimer set (0 unless it
/// set one: a `select` uses it for the index of the case that fired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wake {
    /// Why the wait ended.
    pub reason: WakeReason,
    /// The claimer's token.
    pub token: usize,
}

/// Who owns a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Owner {
    Task = 0,
    Thread = 1,
}

/// A task's or OS thread's parking state (see the module docs for its state machine).
/// Nodes are never freed (task and thread nodes are recycled), so a stale [`Waiter`] can
/// always be compared safely.
#[derive(Debug)]
pub struct WaitNode {
    state: AtomicU64,
    token: AtomicUsize,
    /// What the owner waits on, for the deadlock report: `len << 48 | ptr` of a `&'static str`.
    reason: AtomicU64,
    /// Where in the program the wait was made (a compiler constant), or null.
    place: AtomicPtr<WeftLoc>,
}

/// An OS thread's wait node with the futex word the thread sleeps on (`repr(C)`: the node
/// comes first, so a node marked [`THREAD`] is the start of one of these).
#[derive(Debug)]
#[repr(C)]
pub struct ThreadNode {
    pub node: WaitNode,
    /// 0 while asleep, set to 1 by the resumer.
    futex: AtomicU32,
    /// The current park took the thread out of the running count.
    counted_out: AtomicBool,
}

impl ThreadNode {
    pub(crate) const fn new() -> ThreadNode {
        ThreadNode {
            node: WaitNode::with_state(IDLE | THREAD),
            futex: AtomicU32::new(0),
            counted_out: AtomicBool::new(false),
        }
    }
}

impl WaitNode {
    /// A task's node (embedded in its `Task`), with no wait in progress.
    pub(crate) const fn new() -> WaitNode {
        WaitNode::with_state(IDLE)
    }

    const fn with_state(state: u64) -> WaitNode {
        WaitNode {
            state: AtomicU64::new(state),
            token: AtomicUsize::new(0),
            reason: AtomicU64::new(0),
            place: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Who waits on this node (the [`THREAD`] bit never changes, so any load will do).
    fn owner(&self) -> Owner {
        if self.state.load(Ordering::Relaxed) & THREAD != 0 {
            Owner::Thread
        } else {
            Owner::Task
        }
    }

    /// The thread part of a thread's node.
    fn thread(&self) -> &ThreadNode {
        debug_assert_eq!(self.owner(), Owner::Thread);
        // SAFETY: nodes marked THREAD are the first field of a `repr(C)` ThreadNode.
        unsafe { &*(self as *const WaitNode).cast::<ThreadNode>() }
    }

    /// Starts a new wait (owner only).
    fn prepare(&self, cancellable: bool) -> Waiter {
        let s = self.state.load(Ordering::Relaxed);
        let seq = ((s >> 32) as u32).wrapping_add(1);
        let flags = (s & THREAD) | if cancellable { CANCELLABLE } else { 0 };
        self.token.store(0, Ordering::Relaxed);
        if s & THREAD != 0 {
            self.thread().futex.store(0, Ordering::Relaxed);
        }
        self.state
            .solo_store((seq as u64) << 32 | flags | WAITING, Ordering::SeqCst);
        Waiter {
            node: NonNull::from(self),
            seq,
        }
    }

    /// Whether the owner is suspended in a wait nobody has claimed yet (deadlock report).
    pub(crate) fn is_parked(&self) -> bool {
        self.state.load(Ordering::Acquire) & STATUS_MASK == PARKED
    }

    /// The reason text of the current or last wait.
    pub(crate) fn reason(&self) -> &'static str {
        let packed = self.reason.load(Ordering::Relaxed);
        if packed == 0 {
            return "";
        }
        let ptr = (packed & ((1 << 48) - 1)) as *const u8;
        let len = (packed >> 48) as usize;
        // SAFETY: packed from a `&'static str` by `set_reason`.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) }
    }

    /// Where the current or last wait was made, if the waiting operation knew.
    pub(crate) fn place(&self) -> Option<&'static WeftLoc> {
        // SAFETY: set from a location of the program's constants (or null).
        unsafe { self.place.load(Ordering::Relaxed).as_ref() }
    }

    fn set_reason(&self, reason: &'static str) {
        let len = reason.len().min(0xffff) as u64;
        self.reason
            .store(len << 48 | reason.as_ptr() as u64, Ordering::Relaxed);
    }

    /// Worker side of a task's park, run after the switch away from the task: returns true
    /// when the task is now parked, false when its wait was already claimed (the worker then
    /// resumes it at once).
    pub(crate) fn try_park(&self) -> bool {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            let next = match s & STATUS_MASK {
                WAITING => (s & !STATUS_MASK) | PARKED,
                CLAIMING => (s & !STATUS_MASK) | CLAIMING_PARKED,
                _ => return false,
            };
            match self
                .state
                .solo_cas(s, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => s = actual,
            }
        }
    }

    /// The outcome of the finished wait (owner only, after it observed `CLAIMED`).
    fn outcome(&self) -> Option<Wake> {
        let s = self.state.load(Ordering::Acquire);
        let status = s & STATUS_MASK;
        (status >= CLAIMED).then(|| Wake {
            reason: WakeReason::from_status(status),
            token: self.token.load(Ordering::Relaxed),
        })
    }

    /// Claims the current wait with `Cancelled` if it is cancellable and unclaimed.
    pub(crate) fn cancel(&self) {
        let s = self.state.load(Ordering::SeqCst);
        if s & CANCELLABLE == 0 || s & STATUS_MASK > PARKED || s & STATUS_MASK == IDLE {
            return;
        }
        let waiter = Waiter {
            node: NonNull::from(self),
            seq: (s >> 32) as u32,
        };
        waiter.wake(WakeReason::Cancelled, 0);
    }

    /// Resumes the owner of this node, which is parked and whose wait was just claimed.
    fn resume_owner(&self) {
        match self.owner() {
            Owner::Task => {
                let task = Task::from_node(self);
                worker::make_runnable(task);
            }
            Owner::Thread => {
                let t = self.thread();
                if t.counted_out.load(Ordering::Acquire) {
                    registry::count_running(1);
                }
                t.futex.store(1, Ordering::Release);
                futex::wake_one(&t.futex);
            }
        }
    }
}

/// One wait of one task or thread: what primitives put in their wait queues. Cheap to copy;
/// every copy names the same wait, and at most one [`wake`](Waiter::wake) or
/// [`claim`](Waiter::claim) through any copy succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiter {
    node: NonNull<WaitNode>,
    seq: u32,
}

// SAFETY: nodes are never freed and all their fields are atomics.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

impl Waiter {
    /// Starts a new wait of the calling green task, or of the calling OS thread when no
    /// task runs on it. With `cancellable`, cancelling the task ends the wait with
    /// [`WakeReason::Cancelled`] (at once if the task is already cancelled). Any waiter of
    /// an earlier wait of the same caller becomes stale.
    pub fn prepare(cancellable: bool) -> Waiter {
        match worker::current_task() {
            Some(task) => {
                let waiter = task.running().node.prepare(cancellable);
                if cancellable && task.running().cancel_seen() {
                    waiter.wake(WakeReason::Cancelled, 0);
                }
                waiter
            }
            None => registry::current_node().prepare(false),
        }
    }

    fn node(&self) -> &'static WaitNode {
        // SAFETY: nodes are never freed.
        unsafe { &*self.node.as_ptr() }
    }

    /// Whether this waiter belongs to a green task (false: an OS thread).
    pub fn is_task(&self) -> bool {
        self.node().owner() == Owner::Task
    }

    /// Whether this wait has ended (claimed by anyone, or superseded by a newer wait).
    pub fn is_claimed(&self) -> bool {
        let s = self.node().state.load(Ordering::Acquire);
        (s >> 32) as u32 != self.seq || s & STATUS_MASK >= CLAIMING
    }

    /// Ends the wait with `reason` and `token` if nobody has yet, resuming the owner if it
    /// is parked (a task goes to the run-next slot of the calling worker, or to the global
    /// queue when called from an OS thread). Returns false when the wait had already ended.
    pub fn wake(&self, reason: WakeReason, token: usize) -> bool {
        if token != 0 {
            return match self.claim() {
                Some(claim) => {
                    claim.finish(reason, token);
                    true
                }
                None => false,
            };
        }
        let node = self.node();
        let mut s = node.state.load(Ordering::Acquire);
        loop {
            if (s >> 32) as u32 != self.seq {
                return false;
            }
            let status = s & STATUS_MASK;
            if status != WAITING && status != PARKED {
                return false;
            }
            let next = (s & !STATUS_MASK) | (CLAIMED + reason as u64);
            match node
                .state
                .solo_cas(s, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if status == PARKED {
                        node.resume_owner();
                    }
                    return true;
                }
                Err(actual) => s = actual,
            }
        }
    }

    /// First phase of a two-phase wake: wins the wait exclusively (or returns `None` when it
    /// has already ended). The owner cannot observe the end of its wait until
    /// [`Claim::finish`], so the winner may first hand data over.
    pub fn claim(&self) -> Option<Claim> {
        let node = self.node();
        let mut s = node.state.load(Ordering::Acquire);
        loop {
            if (s >> 32) as u32 != self.seq {
                return None;
            }
            let next = match s & STATUS_MASK {
                WAITING => (s & !STATUS_MASK) | CLAIMING,
                PARKED => (s & !STATUS_MASK) | CLAIMING_PARKED,
                _ => return None,
            };
            match node
                .state
                .solo_cas(s, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(Claim { waiter: *self }),
                Err(actual) => s = actual,
            }
        }
    }

    /// Owner only: gives up a prepared wait without parking (e.g. the condition became true
    /// while enqueueing). Returns `None` if nobody had claimed the wait (it is now ended, so
    /// queue entries of it are stale), or the claimer's [`Wake`] if someone won first — the
    /// owner must then honour that wake (data may have been handed over).
    pub fn abort(self) -> Option<Wake> {
        let node = self.node();
        loop {
            let s = node.state.load(Ordering::Acquire);
            match s & STATUS_MASK {
                WAITING => {
                    let next = (s & !STATUS_MASK) | (CLAIMED + WakeReason::Cancelled as u64);
                    if node
                        .state
                        .solo_cas(s, next, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        return None;
                    }
                }
                CLAIMING => std::hint::spin_loop(),
                _ => return node.outcome(),
            }
        }
    }

    /// Owner only: suspends the calling task or thread until the wait is claimed, or until
    /// `deadline_ns` (absolute [`crate::os::clock::now_ns`] time) passes. `reason` is a short text
    /// for the deadlock report ("receiving from a channel"). Returns at once if the wait was
    /// already claimed. A green task parks alone (its worker runs other tasks); an OS thread
    /// sleeps on a futex.
    pub fn park(self, reason: &'static str, deadline_ns: Option<u64>) -> Wake {
        self.park_at(reason, None, deadline_ns)
    }

    /// [`Waiter::park`] for an operation of the program at `loc` (a location constant of the
    /// compiled program, which lives as long as the process), which the deadlock report
    /// names with the reason. Inlined into every primitive, as the switch it makes: after
    /// the switch back, every frame between the switch and the task's own code costs a
    /// mispredicted return (see `sched::worker::switch_out`).
    #[inline(always)]
    pub fn park_at(
        self,
        reason: &'static str,
        loc: Option<&WeftLoc>,
        deadline_ns: Option<u64>,
    ) -> Wake {
        let node = self.node();
        node.set_reason(reason);
        node.place.store(
            loc.map_or(std::ptr::null_mut(), |l| {
                l as *const WeftLoc as *mut WeftLoc
            }),
            Ordering::Relaxed,
        );
        if let Some(wake) = node.outcome() {
            return wake;
        }
        match node.owner() {
            Owner::Task => self.park_task(deadline_ns),
            Owner::Thread => self.park_thread(deadline_ns),
        }
    }

    #[inline(always)]
    fn park_task(self, deadline_ns: Option<u64>) -> Wake {
        if let Some(deadline) = deadline_ns {
            if deadline <= crate::os::clock::now_ns() {
                self.wake(WakeReason::TimedOut, 0);
                return self.wait_claimed();
            }
            worker::add_timer(deadline, self);
        }
        worker::switch_out(worker::Post::Park);
        self.wait_claimed()
    }

    /// Returns the outcome once the wait is `CLAIMED` (spinning through a short `CLAIMING`).
    fn wait_claimed(self) -> Wake {
        let node = self.node();
        loop {
            if let Some(wake) = node.outcome() {
                return wake;
            }
            std::hint::spin_loop();
        }
    }

    #[inline(never)]
    fn park_thread(self, mut deadline_ns: Option<u64>) -> Wake {
        let node = self.node();
        let t = node.thread();
        let uncounted = deadline_ns.is_none();
        t.counted_out.store(uncounted, Ordering::Relaxed);
        if !node.try_park() {
            return self.wait_claimed();
        }
        if uncounted {
            registry::count_running(-1);
        }
        loop {
            if let Some(wake) = node.outcome() {
                return wake;
            }
            if t.futex.load(Ordering::Acquire) == 0 && !futex::wait(&t.futex, 0, deadline_ns) {
                // The deadline passed: end the wait ourselves unless a claimer is busy.
                let s = node.state.load(Ordering::Acquire);
                let timed_out = (s & !STATUS_MASK) | (CLAIMED + WakeReason::TimedOut as u64);
                if s & STATUS_MASK == PARKED
                    && node
                        .state
                        .compare_exchange(s, timed_out, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                {
                    return self.wait_claimed();
                }
                deadline_ns = None;
            }
        }
    }
}

/// A won wait, not yet finished (see [`Waiter::claim`]). Dropping it without calling
/// [`finish`](Claim::finish) would leave the owner suspended forever, so it finishes with
/// `Notified` on drop.
#[derive(Debug)]
pub struct Claim {
    waiter: Waiter,
}

impl Claim {
    /// The waiter that was claimed.
    pub fn waiter(&self) -> Waiter {
        self.waiter
    }

    /// Ends the wait with `reason` and `token` and resumes the owner if it is parked.
    pub fn finish(self, reason: WakeReason, token: usize) {
        self.complete(reason, token);
        std::mem::forget(self);
    }

    fn complete(&self, reason: WakeReason, token: usize) {
        let node = self.waiter.node();
        node.token.store(token, Ordering::Relaxed);
        let owner = node.state.load(Ordering::Relaxed) & THREAD;
        let done = (self.waiter.seq as u64) << 32 | owner | (CLAIMED + reason as u64);
        let prev = node.state.solo_swap(done, Ordering::AcqRel);
        if prev & STATUS_MASK == CLAIMING_PARKED {
            node.resume_owner();
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.complete(WakeReason::Notified, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_before_park_from_thread() {
        let w = Waiter::prepare(false);
        assert!(!w.is_task());
        assert!(w.wake(WakeReason::Notified, 0));
        assert!(!w.wake(WakeReason::TimedOut, 0), "a wait is claimed once");
        assert_eq!(
            w.park("test", None),
            Wake {
                reason: WakeReason::Notified,
                token: 0
            }
        );
    }

    #[test]
    fn stale_waiter_cannot_wake() {
        let old = Waiter::prepare(false);
        assert_eq!(old.abort(), None);
        let new = Waiter::prepare(false);
        assert!(!old.wake(WakeReason::Notified, 0));
        assert!(old.is_claimed());
        assert!(!new.is_claimed());
        let claim = new.claim().expect("fresh wait");
        assert!(new.claim().is_none());
        claim.finish(WakeReason::Notified, 7);
        assert_eq!(new.park("test", None).token, 7);
    }

    #[test]
    fn thread_park_times_out() {
        let w = Waiter::prepare(false);
        let start = crate::os::clock::now_ns();
        let wake = w.park("test", Some(start + 20_000_000));
        assert_eq!(wake.reason, WakeReason::TimedOut);
        assert!(crate::os::clock::now_ns() - start >= 20_000_000);
    }

    #[test]
    fn thread_is_woken_by_another_thread() {
        let w = Waiter::prepare(false);
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            assert!(w.wake(WakeReason::Notified, 3));
        });
        assert_eq!(
            w.park("test", None),
            Wake {
                reason: WakeReason::Notified,
                token: 3
            }
        );
        t.join().unwrap();
    }

    #[test]
    fn abort_reports_a_racing_claim() {
        let w = Waiter::prepare(false);
        w.wake(WakeReason::Notified, 9);
        assert_eq!(
            w.abort(),
            Some(Wake {
                reason: WakeReason::Notified,
                token: 9
            })
        );
    }
}
