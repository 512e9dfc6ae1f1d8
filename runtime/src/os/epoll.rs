//! epoll and eventfd: the system calls of the scheduler's reactor (`sched/reactor.rs`).
//!
//! Thin wrappers only: an [`Epoll`] instance, registration of a descriptor (edge-triggered
//! for reading and writing at once, with a 64-bit token the kernel hands back with each
//! event), a wait with a nanosecond deadline, and an eventfd to interrupt a waiter.
//!
//! The wait uses `epoll_pwait2` (Linux 5.11), whose timeout is a `timespec`, so timers
//! that share the wait with I/O keep their precision; where the kernel (or qemu's user
//! mode) does not have it, `epoll_wait` with the timeout rounded up to a millisecond.

use std::sync::atomic::{AtomicBool, Ordering};

/// One event as the kernel reports it (`struct epoll_event`, packed on x86_64).
pub type Event = libc::epoll_event;

/// The readiness bits of an event.
pub const IN: u32 = libc::EPOLLIN as u32;
/// Writable.
pub const OUT: u32 = libc::EPOLLOUT as u32;
/// The peer closed its writing side.
pub const RDHUP: u32 = libc::EPOLLRDHUP as u32;
/// Hang-up (both sides closed, or a reset).
pub const HUP: u32 = libc::EPOLLHUP as u32;
/// An error is pending on the socket.
pub const ERR: u32 = libc::EPOLLERR as u32;

/// `epoll_pwait2`'s number (the generic table, shared by x86_64 and aarch64).
const SYS_EPOLL_PWAIT2: libc::c_long = 441;

/// Whether `epoll_pwait2` answered ENOSYS once (then `epoll_wait` is used for good).
static NO_PWAIT2: AtomicBool = AtomicBool::new(false);

/// An epoll instance (never closed: the reactor lives as long as the process).
#[derive(Debug, Clone, Copy)]
pub struct Epoll {
    fd: i32,
}

impl Epoll {
    /// A new instance (close-on-exec).
    pub fn new() -> Result<Epoll, i32> {
        // SAFETY: no pointers.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(super::errno());
        }
        Ok(Epoll { fd })
    }

    /// Registers `fd` edge-triggered for reading, writing and the peer's hang-up, with
    /// `token` in its events. Returns the errno on failure.
    pub fn add_edge(&self, fd: i32, token: u64) -> Result<(), i32> {
        self.ctl_add(fd, IN | OUT | RDHUP | libc::EPOLLET as u32, token)
    }

    /// Registers `fd` level-triggered for reading (the reactor's eventfd).
    pub fn add_level_in(&self, fd: i32, token: u64) -> Result<(), i32> {
        self.ctl_add(fd, IN, token)
    }

    fn ctl_add(&self, fd: i32, events: u32, token: u64) -> Result<(), i32> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid event for the duration of the call.
        let r = unsafe { libc::epoll_ctl(self.fd, libc::EPOLL_CTL_ADD, fd, &mut ev) };
        if r < 0 {
            return Err(super::errno());
        }
        Ok(())
    }

    /// Waits for events until `deadline_ns` (an absolute [`super::clock::now_ns`] time;
    /// `None`: no deadline; a past deadline: only what is ready now) and fills `events`.
    /// Returns the number of events (0 on a timeout or an interrupted wait).
    pub fn wait(&self, events: &mut [Event], deadline_ns: Option<u64>) -> usize {
        let max = events.len().min(i32::MAX as usize) as i32;
        let remaining = deadline_ns.map(|d| d.saturating_sub(super::clock::now_ns()));
        let r = if NO_PWAIT2.load(Ordering::Relaxed) {
            -1
        } else {
            let ts = remaining.map(super::clock::timespec);
            let ts_ptr = ts
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timespec);
            // SAFETY: `events` has room for `max` entries; `ts_ptr` is null or valid.
            let r = unsafe {
                libc::syscall(
                    SYS_EPOLL_PWAIT2,
                    self.fd,
                    events.as_mut_ptr(),
                    max,
                    ts_ptr,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
            if r < 0 && super::errno() == libc::ENOSYS {
                NO_PWAIT2.store(true, Ordering::Relaxed);
                -1
            } else {
                return r.max(0) as usize;
            }
        };
        debug_assert_eq!(r, -1);
        let ms = match remaining {
            None => -1,
            Some(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64) as i32,
        };
        // SAFETY: as above.
        let r = unsafe { libc::epoll_wait(self.fd, events.as_mut_ptr(), max, ms) };
        r.max(0) as usize
    }
}

/// An eventfd (non-blocking, close-on-exec): [`EventFd::signal`] makes it readable until
/// [`EventFd::drain`].
#[derive(Debug, Clone, Copy)]
pub struct EventFd {
    /// The descriptor.
    pub fd: i32,
}

impl EventFd {
    /// A new eventfd with count 0.
    pub fn new() -> Result<EventFd, i32> {
        // SAFETY: no pointers.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(super::errno());
        }
        Ok(EventFd { fd })
    }

    /// Adds one to the count (readable from now on).
    pub fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64.
        unsafe { libc::write(self.fd, (&one as *const u64).cast(), 8) };
    }

    /// Resets the count to 0.
    pub fn drain(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64.
        unsafe { libc::read(self.fd, (&mut v as *mut u64).cast(), 8) };
    }
}
