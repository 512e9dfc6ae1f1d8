//! [`Socket`]: a non-blocking socket descriptor shared by tasks and threads, its
//! operation count, and the loop that waits for readiness ([`Socket::io`]).
//!
//! Invariants:
//! - the descriptor is non-blocking from its creation, whoever uses it: a green task that
//!   gets `EAGAIN` parks on the reactor (`sched::reactor::PollDesc::wait`), an OS thread
//!   blocks in `poll(2)` on the one descriptor (so a socket may be handed between tasks and
//!   threads at any time);
//! - `state` is `CLOSED | operations in progress` (Go's `fdMutex`, reduced to one count):
//!   an operation enters only while `CLOSED` is clear, and the descriptor is closed exactly
//!   once, by whoever leaves the count at `CLOSED | 0` (`close` itself when nothing is in
//!   progress, else the last operation to end), so a descriptor number is never reused
//!   under a running operation;
//! - `close` with operations in progress shuts the socket down (waking OS threads in
//!   `poll`) and evicts the tasks parked on it, which then find it closed;
//! - the reactor's descriptor is given back only after the socket's descriptor is closed.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::lock::solo_rmw::{SoloArith, SoloRmw};
use crate::panic::WeftLoc;
use crate::sched::reactor::{Dir, IoWait, PollDesc};

/// The closed bit of `state`.
const CLOSED: u64 = 1 << 63;

/// Why a socket operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetError {
    /// A system call failed with this errno.
    Os(i32),
    /// The socket's timeout passed first.
    TimedOut,
    /// The calling task was cancelled.
    Cancelled,
    /// The socket was closed.
    Closed,
    /// Anything else (name resolution, a bad argument), as text.
    Other(String),
}

impl NetError {
    /// The error's message, prefixed with what failed (`recv: Connection reset by peer (os
    /// error 104)`); a cancellation is exactly [`crate::sched::CANCELLED_MESSAGE`], which
    /// re-raises the cancellation when a cancelled task unwraps it.
    pub fn message(&self, what: &str) -> String {
        match self {
            NetError::Os(e) => format!("{what}: {}", std::io::Error::from_raw_os_error(*e)),
            NetError::TimedOut => format!("{what}: timed out"),
            NetError::Cancelled => crate::sched::CANCELLED_MESSAGE.to_owned(),
            NetError::Closed => format!("{what}: use of a closed socket"),
            NetError::Other(text) => format!("{what}: {text}"),
        }
    }
}

/// A socket descriptor with its reactor record (see the module docs).
#[derive(Debug)]
pub struct Socket {
    fd: i32,
    state: AtomicU64,
    pd: &'static PollDesc,
    /// Timeout of each later operation in ms (0: none).
    timeout_ms: AtomicI64,
}

/// The calling thread's errno.
fn errno() -> i32 {
    crate::os::errno()
}

impl Socket {
    /// Wraps `fd`, which must be non-blocking and close-on-exec.
    pub fn new(fd: i32) -> Socket {
        Socket {
            fd,
            state: AtomicU64::new(0),
            pd: PollDesc::alloc(fd),
            timeout_ms: AtomicI64::new(0),
        }
    }

    /// A new non-blocking, close-on-exec TCP socket of `family` (`AF_INET`, `AF_INET6`).
    pub fn tcp(family: i32) -> Result<Socket, NetError> {
        // SAFETY: no pointers.
        let fd = unsafe {
            libc::socket(
                family,
                libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if fd < 0 {
            return Err(NetError::Os(errno()));
        }
        Ok(Socket::new(fd))
    }

    /// The descriptor (valid while an operation is in progress, see [`Socket::enter`]).
    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// Sets the timeout of later operations (`ms <= 0`: none).
    pub fn set_timeout(&self, ms: i64) {
        self.timeout_ms.store(ms.max(0), Ordering::Relaxed);
    }

    /// The deadline of an operation starting now.
    pub fn deadline(&self) -> Option<u64> {
        match self.timeout_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(crate::os::clock::deadline_after_ms(ms)),
        }
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Starts an operation: the descriptor stays open until the guard drops.
    pub fn enter(&self) -> Result<OpGuard<'_>, NetError> {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & CLOSED != 0 {
                return Err(NetError::Closed);
            }
            match self
                .state
                .solo_cas(s, s + 1, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return Ok(OpGuard { sock: self }),
                Err(actual) => s = actual,
            }
        }
    }

    /// Closes the socket (idempotent): at once when no operation is in progress, else by
    /// the last one, after shutting it down and waking every task parked on it.
    pub fn close(&self) {
        let prev = self.state.solo_fetch_or(CLOSED, Ordering::AcqRel);
        if prev & CLOSED != 0 {
            return;
        }
        if prev == 0 {
            self.destroy();
            return;
        }
        // SAFETY: the descriptor stays open while operations are in progress.
        unsafe { libc::shutdown(self.fd, libc::SHUT_RDWR) };
        self.pd.evict();
    }

    /// Closes the descriptor and gives the reactor's record back (once).
    fn destroy(&self) {
        // SAFETY: nobody uses the descriptor any more (see the module docs).
        unsafe { libc::close(self.fd) };
        self.pd.free();
    }

    /// Runs `attempt` (a non-blocking system call on the descriptor, returning a value or
    /// an errno) until it does not fail with `EAGAIN`, waiting for side `dir` in between:
    /// a green task parks on the reactor, an OS thread blocks in `poll(2)`. `reason` names
    /// the wait in a deadlock report. With `skip_if_drained`, a task whose last read
    /// emptied the socket (and no event came since) parks before the first attempt. The
    /// caller holds an [`OpGuard`].
    pub fn io<T>(
        &self,
        dir: Dir,
        reason: &'static str,
        loc: Option<&WeftLoc>,
        deadline: Option<u64>,
        skip_if_drained: bool,
        mut attempt: impl FnMut(i32, u64) -> Result<T, i32>,
    ) -> Result<T, NetError> {
        let task = crate::sched::current_task().is_some();
        let mut skip = skip_if_drained && task;
        loop {
            let seq = self.pd.seq(dir);
            if self.is_closed() {
                return Err(NetError::Closed);
            }
            if !(skip && self.pd.is_drained(seq)) {
                match attempt(self.fd, seq) {
                    Ok(v) => return Ok(v),
                    Err(libc::EINTR) => continue,
                    Err(e) if e == libc::EAGAIN || e == libc::EWOULDBLOCK => {}
                    Err(e) => return Err(NetError::Os(e)),
                }
            }
            skip = false;
            if task {
                match self.pd.wait(dir, seq, reason, loc, deadline) {
                    IoWait::Ready => {}
                    IoWait::TimedOut => return Err(NetError::TimedOut),
                    IoWait::Cancelled => return Err(NetError::Cancelled),
                    IoWait::Failed(e) => return Err(NetError::Os(e)),
                }
            } else {
                poll_fd(self.fd, dir, deadline)?;
            }
        }
    }

    /// Records that a read that started at event count `seq` emptied the receive queue.
    pub fn mark_drained(&self, seq: u64) {
        self.pd.mark_drained(seq);
    }

    /// Waits (as [`Socket::io`] does between attempts) until side `dir` has an event after
    /// count `seq`.
    pub fn wait_once(
        &self,
        dir: Dir,
        seq: u64,
        reason: &'static str,
        loc: Option<&WeftLoc>,
        deadline: Option<u64>,
    ) -> Result<(), NetError> {
        if crate::sched::current_task().is_some() {
            match self.pd.wait(dir, seq, reason, loc, deadline) {
                IoWait::Ready => Ok(()),
                IoWait::TimedOut => Err(NetError::TimedOut),
                IoWait::Cancelled => Err(NetError::Cancelled),
                IoWait::Failed(e) => Err(NetError::Os(e)),
            }
        } else {
            poll_fd(self.fd, dir, deadline)
        }
    }

    /// The event count of side `dir` (read before a system call, see [`Socket::wait_once`]).
    pub fn seq(&self, dir: Dir) -> u64 {
        self.pd.seq(dir)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}

/// An operation in progress on a [`Socket`] (see [`Socket::enter`]).
#[derive(Debug)]
pub struct OpGuard<'a> {
    sock: &'a Socket,
}

impl Drop for OpGuard<'_> {
    fn drop(&mut self) {
        let prev = self.sock.state.solo_fetch_sub(1, Ordering::AcqRel);
        if prev == CLOSED | 1 {
            self.sock.destroy();
        }
    }
}

/// Blocks the calling OS thread until `fd` is ready for `dir` or `deadline` passes.
fn poll_fd(fd: i32, dir: Dir, deadline: Option<u64>) -> Result<(), NetError> {
    let events = match dir {
        Dir::Read => libc::POLLIN,
        Dir::Write => libc::POLLOUT,
    };
    loop {
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_sub(crate::os::clock::now_ns());
                if left == 0 {
                    return Err(NetError::TimedOut);
                }
                left.div_ceil(1_000_000).min(i32::MAX as u64) as i32
            }
        };
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, ms) };
        if r > 0 {
            return Ok(());
        }
        if r < 0 && errno() != libc::EINTR {
            return Err(NetError::Os(errno()));
        }
    }
}
