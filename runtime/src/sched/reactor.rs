//! The reactor (netpoller): green tasks wait for sockets here, and idle workers wait for
//! both I/O and timers in one `epoll_wait`.
//!
//! After Go's netpoller (`runtime/netpoll.go`, `runtime/netpoll_epoll.go`) and Crystal's
//! "lifetime" event loop (`Crystal::EventLoop::Epoll`): a socket is registered with epoll
//! once, edge-triggered for reading and writing, and stays registered until it is closed;
//! an operation that gets `EAGAIN` parks its task on the socket's read or write side; each
//! event wakes the tasks parked on the sides it names.
//!
//! # Readiness
//! Each side of a [`PollDesc`] has an event counter `seq` that the poller bumps for every
//! event naming the side (Go keeps one ready flag, `pdReady`; a counter also tells a
//! waiter whether an event came since it last looked). An operation reads `seq` *before*
//! its system call; when the call fails with `EAGAIN` it queues its waiter under the
//! side's lock and parks only if `seq` has not moved meanwhile. The poller bumps `seq`
//! *before* it takes the same lock to wake the queued waiters, so either the waiter sees
//! the new count (and retries at once) or the poller sees the waiter: no event is lost.
//!
//! A read that returns fewer bytes than asked for emptied the socket's receive queue, and
//! any byte that arrives later raises a new edge-triggered event. Such a read records the
//! `seq` it started with as `drained`: while `seq` still equals it, the next read skips the
//! system call (which could only fail with `EAGAIN`) and parks at once. A request-response
//! connection so makes one `recv` per request instead of two. The end of the stream is the
//! exception: a FIN that arrived with the data leaves a read of 0 bytes pending after the
//! short read, and raises no further event; so once any event has reported a hang-up or
//! an error (`hup`, sticky for the socket's life), reads are never skipped. (The hang-up
//! event is counted in `seq` too, so a read that started before it was harvested is not
//! skipped either.)
//!
//! # Registration and descriptors
//! A socket is registered lazily, when it first has to wait (most short connections never
//! do); registration reports readiness that is already there, so nothing that happened
//! before it is missed. A [`PollDesc`] is never freed: closed sockets give theirs back to
//! a free list, so an event that names a recycled descriptor (harvested just before its
//! socket closed) is at worst a spurious wake-up, which every waiter tolerates (it retries
//! its system call).
//!
//! # Who polls
//! - a worker whose queues ran dry polls without blocking before it spins, and while it
//!   spins, when no other worker runs ([`super::scheduler`]): a request that arrives during
//!   the spin is taken without the wake-up of a blocked thread; while another worker runs,
//!   that one polls, and idle workers take what waits in its queue (`super::steal`);
//! - the tasks one poll wakes go to the back of the polling worker's queue, which a poll
//!   fills to half at most (the rest wait in the kernel's ready list, first in, first
//!   out), or by [`OVERDUE_EVENTS`] once nobody polled for [`STARVE_NS`]
//!   (`Worker::poll_io`); a long queue of them does not wake an idle worker at once: a
//!   batch of ready connections stays on one core unless it waits long enough for an
//!   idle worker to take it (`super::steal`);
//! - a busy worker polls without blocking when [`BUSY_POLL_NS`] have passed since the last
//!   poll, at its scheduler loop and every 61st task switch, so ready I/O is not starved
//!   by a stream of runnable tasks;
//! - with every worker idle, one blocks in `epoll_wait` ([`wait`]) until the earliest timer
//!   (timers and I/O share one wait): the first to find nobody polling, normally the last
//!   to go idle; the others sleep on their futex words, and one whose periodic look finds
//!   that nobody polled for [`STARVE_NS`] while tasks wait on I/O (every other worker
//!   runs a task that does not switch) wakes up to poll itself;
//! - a worker blocked here is woken for other work through the reactor's eventfd
//!   ([`break_poller`], Go's `netpollBreak`); while it is blocked it is out of deep
//!   sleep, so solo mode cannot start.
//!
//! Tasks parked here count as able to be woken for the deadlock detector ([`io_waiters`]).
//! OS threads never park here: their socket operations block in `poll(2)`.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::waiter::{Waiter, WakeReason};
use crate::lock::rawlock::Locked;
use crate::lock::solo_rmw::SoloArith;
use crate::os::clock::now_ns;
use crate::os::epoll::{self, Epoll, Event, EventFd};
use crate::panic::WeftLoc;

/// A busy worker polls without blocking when this long has passed since the last poll
/// (ns).
pub const BUSY_POLL_NS: u64 = 50_000;
/// A sleeping worker polls itself when nobody has polled for this long while tasks wait
/// on I/O (ns).
pub const STARVE_NS: u64 = 1_000_000;
/// Events taken from the kernel per poll.
pub const EVENTS_PER_POLL: usize = 128;
/// Events a busy worker's poll takes when its ring is half full or more but nobody has
/// polled for [`STARVE_NS`] (see `Worker::poll_io`).
pub const OVERDUE_EVENTS: usize = 16;

/// No worker is blocked in `epoll_wait`.
const NO_POLLER: usize = usize::MAX;
/// The eventfd's token (no descriptor lives at address 0).
const BREAK_TOKEN: u64 = 0;

/// Which side of a socket an operation waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Readable (data, end of stream, a connection to accept, an error).
    Read,
    /// Writable (room in the send buffer, a finished connect, an error).
    Write,
}

/// How a wait on a socket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoWait {
    /// An event came (or the socket was closed): retry the system call.
    Ready,
    /// The deadline passed.
    TimedOut,
    /// The task was cancelled.
    Cancelled,
    /// The socket could not be registered (the errno).
    Failed(i32),
}

/// One side of a socket: its event counter and the tasks parked on it.
#[derive(Debug)]
struct Side {
    seq: AtomicU64,
    drained: AtomicU64,
    waiters: Locked<Vec<Waiter>>,
}

impl Side {
    const fn new() -> Side {
        Side {
            seq: AtomicU64::new(0),
            drained: AtomicU64::new(u64::MAX),
            waiters: Locked::new(Vec::new()),
        }
    }

    /// An event for this side: bump the counter, then wake every parked waiter.
    fn ready(&self) {
        self.seq.solo_fetch_add(1, Ordering::Release);
        let mut list = self.waiters.lock();
        while let Some(w) = list.pop() {
            w.wake(WakeReason::Notified, 0);
        }
    }

    fn remove(&self, w: Waiter) {
        let mut list = self.waiters.lock();
        if let Some(i) = list.iter().position(|x| *x == w) {
            list.swap_remove(i);
        }
    }
}

/// The reactor's record of one socket (see the module docs): its descriptor, whether it
/// is registered, and its two sides. Lives forever; recycled through a free list.
#[derive(Debug)]
pub struct PollDesc {
    fd: AtomicI32,
    registered: AtomicBool,
    /// An event said the peer hung up or an error is pending: a read may return the end
    /// of the stream (or the error) even after a short read, so reads are never skipped.
    hup: AtomicBool,
    read: Side,
    write: Side,
}

/// Descriptors given back by closed sockets.
static FREE: Locked<Vec<&'static PollDesc>> = Locked::new(Vec::new());

impl PollDesc {
    /// A descriptor for socket `fd` (not registered yet).
    pub fn alloc(fd: i32) -> &'static PollDesc {
        let pd = FREE.lock().pop().unwrap_or_else(|| {
            Box::leak(Box::new(PollDesc {
                fd: AtomicI32::new(-1),
                registered: AtomicBool::new(false),
                hup: AtomicBool::new(false),
                read: Side::new(),
                write: Side::new(),
            }))
        });
        pd.fd.store(fd, Ordering::Relaxed);
        pd
    }

    /// Gives the descriptor back once its socket is closed (closing the descriptor removed
    /// it from the epoll set). Nobody may wait on it any more.
    pub fn free(&'static self) {
        self.fd.store(-1, Ordering::Relaxed);
        self.registered.store(false, Ordering::Relaxed);
        self.hup.store(false, Ordering::Relaxed);
        for side in [&self.read, &self.write] {
            side.seq.fetch_add(1, Ordering::Relaxed);
            side.drained.store(u64::MAX, Ordering::Relaxed);
            debug_assert!(side.waiters.lock().is_empty());
        }
        FREE.lock().push(self);
    }

    fn side(&self, dir: Dir) -> &Side {
        match dir {
            Dir::Read => &self.read,
            Dir::Write => &self.write,
        }
    }

    /// The event count of side `dir`: read it before the system call that may fail with
    /// `EAGAIN`, and pass it to [`PollDesc::wait`].
    #[inline]
    pub fn seq(&self, dir: Dir) -> u64 {
        self.side(dir).seq.load(Ordering::Acquire)
    }

    /// Records that a read started at event count `seq` emptied the receive queue.
    #[inline]
    pub fn mark_drained(&self, seq: u64) {
        self.read.drained.store(seq, Ordering::Relaxed);
    }

    /// Whether no event came since a read emptied the receive queue at count `seq` (a read
    /// now could only fail with `EAGAIN`).
    #[inline]
    pub fn is_drained(&self, seq: u64) -> bool {
        self.registered.load(Ordering::Relaxed)
            && !self.hup.load(Ordering::Relaxed)
            && self.read.drained.load(Ordering::Relaxed) == seq
    }

    /// Registers the socket with epoll if it is not yet (once for its life).
    fn ensure_registered(&'static self) -> Result<(), i32> {
        if self.registered.load(Ordering::Acquire) {
            return Ok(());
        }
        let r = reactor()?;
        let token = self as *const PollDesc as u64;
        match r.epoll.add_edge(self.fd.load(Ordering::Relaxed), token) {
            Ok(()) | Err(libc::EEXIST) => {
                self.registered.store(true, Ordering::Release);
                ACTIVE.store(true, Ordering::Release);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Parks the calling green task until an event for side `dir` comes after count `seq`
    /// (read before the system call that failed with `EAGAIN`), until `deadline_ns`, or
    /// until the task is cancelled. `reason` and `loc` name the wait in a deadlock report.
    pub fn wait(
        &'static self,
        dir: Dir,
        seq: u64,
        reason: &'static str,
        loc: Option<&WeftLoc>,
        deadline_ns: Option<u64>,
    ) -> IoWait {
        if let Err(e) = self.ensure_registered() {
            return IoWait::Failed(e);
        }
        let side = self.side(dir);
        let w = Waiter::prepare(true);
        {
            let mut list = side.waiters.lock();
            // Under the lock: a poller that bumped `seq` before taking it is seen here,
            // one that takes it after us sees our waiter.
            if side.seq.load(Ordering::Relaxed) != seq {
                drop(list);
                return match w.abort() {
                    None => IoWait::Ready,
                    Some(wake) => outcome(wake.reason),
                };
            }
            list.push(w);
        }
        IO_WAITERS.solo_fetch_add(1, Ordering::Relaxed);
        let wake = w.park_at(reason, loc, deadline_ns);
        IO_WAITERS.solo_fetch_sub(1, Ordering::Relaxed);
        if wake.reason != WakeReason::Notified {
            side.remove(w);
        }
        outcome(wake.reason)
    }

    /// Wakes every task parked on the socket (it is being closed: they retry, and find it
    /// closed).
    pub fn evict(&self) {
        self.read.ready();
        self.write.ready();
    }
}

fn outcome(reason: WakeReason) -> IoWait {
    match reason {
        WakeReason::Notified => IoWait::Ready,
        WakeReason::TimedOut => IoWait::TimedOut,
        WakeReason::Cancelled => IoWait::Cancelled,
    }
}

/// The epoll instance, its eventfd, and who polls.
struct Reactor {
    epoll: Epoll,
    breaker: EventFd,
    /// The worker blocked in `epoll_wait`, or [`NO_POLLER`].
    poller: AtomicUsize,
    /// The eventfd was signalled and not yet drained (signals are coalesced).
    break_pending: AtomicBool,
}

static REACTOR: OnceLock<Result<Reactor, i32>> = OnceLock::new();
/// Set once the first socket is registered: until then nobody polls.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Tasks parked on sockets.
static IO_WAITERS: AtomicUsize = AtomicUsize::new(0);
/// When a worker last took events from the kernel ([`now_ns`]).
static LAST_POLL: AtomicU64 = AtomicU64::new(0);

fn reactor() -> Result<&'static Reactor, i32> {
    REACTOR
        .get_or_init(|| {
            let epoll = Epoll::new()?;
            let breaker = EventFd::new()?;
            epoll.add_level_in(breaker.fd, BREAK_TOKEN)?;
            Ok(Reactor {
                epoll,
                breaker,
                poller: AtomicUsize::new(NO_POLLER),
                break_pending: AtomicBool::new(false),
            })
        })
        .as_ref()
        .map_err(|e| *e)
}

fn started() -> Option<&'static Reactor> {
    REACTOR.get().and_then(|r| r.as_ref().ok())
}

/// Whether any socket has been registered (until then the scheduler never polls).
#[inline(always)]
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Number of tasks parked on sockets (the deadlock detector: they can be woken).
pub fn io_waiters() -> usize {
    IO_WAITERS.load(Ordering::SeqCst)
}

/// Whether a busy worker should poll now ([`BUSY_POLL_NS`] passed since the last poll).
#[inline]
pub(crate) fn poll_due() -> bool {
    active() && now_ns().saturating_sub(LAST_POLL.load(Ordering::Relaxed)) >= BUSY_POLL_NS
}

/// Whether nobody has polled for [`STARVE_NS`] (by `now`, in ns).
#[inline]
pub(crate) fn poll_overdue(now: u64) -> bool {
    now.saturating_sub(LAST_POLL.load(Ordering::Relaxed)) >= STARVE_NS
}

/// Whether tasks wait on I/O that nobody has polled for [`STARVE_NS`] (a sleeping worker
/// then polls itself).
pub(crate) fn starving(now: u64) -> bool {
    active()
        && IO_WAITERS.load(Ordering::Relaxed) != 0
        && started().is_some_and(|r| r.poller.load(Ordering::Relaxed) == NO_POLLER)
        && poll_overdue(now)
}

/// Takes events from the kernel into `events`, waiting until `deadline_ns` at most
/// (`Some(0)`: only what is ready). Returns how many; hand them to [`dispatch`].
pub(crate) fn wait(events: &mut [Event], deadline_ns: Option<u64>) -> usize {
    let Some(r) = started() else { return 0 };
    let n = r.epoll.wait(events, deadline_ns);
    LAST_POLL.store(now_ns(), Ordering::Relaxed);
    n
}

/// Wakes the tasks waiting for `events` (the caller arranges where woken tasks go).
/// Returns how many sides became ready.
pub(crate) fn dispatch(events: &[Event]) -> usize {
    let mut ready = 0;
    for ev in events {
        let (bits, token) = (ev.events, ev.u64);
        if token == BREAK_TOKEN {
            if let Some(r) = started() {
                r.breaker.drain();
                r.break_pending.store(false, Ordering::SeqCst);
            }
            continue;
        }
        // SAFETY: tokens are addresses of descriptors, which are never freed.
        let pd = unsafe { &*(token as *const PollDesc) };
        if bits & (epoll::RDHUP | epoll::HUP | epoll::ERR) != 0 {
            pd.hup.store(true, Ordering::Relaxed);
        }
        if bits & (epoll::IN | epoll::RDHUP | epoll::HUP | epoll::ERR) != 0 {
            pd.read.ready();
            ready += 1;
        }
        if bits & (epoll::OUT | epoll::HUP | epoll::ERR) != 0 {
            pd.write.ready();
            ready += 1;
        }
    }
    ready
}

/// Makes worker `id` the one blocked in `epoll_wait`, unless another is.
pub(crate) fn try_become_poller(id: usize) -> bool {
    started().is_some_and(|r| {
        r.poller
            .compare_exchange(NO_POLLER, id, Ordering::SeqCst, Ordering::Relaxed)
            .is_ok()
    })
}

/// The poller stops polling.
pub(crate) fn stop_polling() {
    if let Some(r) = started() {
        r.poller.store(NO_POLLER, Ordering::SeqCst);
    }
}

/// Interrupts worker `id`'s `epoll_wait` if it is the blocked poller (after the caller
/// stored its wake-up word with `SeqCst`: the poller stores its id, then reads that word).
pub(crate) fn break_poller(id: usize) {
    let Some(r) = started() else { return };
    if r.poller.load(Ordering::SeqCst) == id && !r.break_pending.swap(true, Ordering::SeqCst) {
        r.breaker.signal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_event_is_a_harmless_bump() {
        let pd = PollDesc::alloc(-1);
        let before = pd.seq(Dir::Read);
        pd.evict();
        assert_eq!(pd.seq(Dir::Read), before + 1);
        assert!(!pd.is_drained(before));
        pd.free();
    }
}
