//! Channels: MPMC FIFO queues between green tasks and OS threads, buffered (`cap ≥ 1`) or
//! rendezvous (`cap = 0`). The layout follows Go's `hchan` (runtime/chan.go): one lock, a
//! ring buffer, and queues of parked senders and receivers, with direct hand-off between a
//! sender and a parked receiver (and back).
//!
//! Invariants (all under `lock`):
//! - at least one of `sendq` and `recvq` holds no live entry, except transiently for a
//!   `select` that waits to send and to receive on the same channel;
//! - buffered: `recvq` has live entries only while `count == 0`, and `sendq` only while
//!   `count == cap`; rendezvous: `count == 0` always, and a sender parks until a receiver
//!   takes its value straight out of the sender's own storage (and the reverse);
//! - `buf[recvx .. recvx + count]` (modulo `cap`) hold the queued values, oldest first;
//!   `sendx == (recvx + count) % cap`;
//! - once `closed`, nothing is ever added: senders fail (status 1, their value released),
//!   receivers drain the buffer and then fail; closing claims every parked waiter with
//!   the "closed" bit in its wake token;
//! - a parked waiter's entry (see [`super::waitq`]) names the caller's value or slot; the
//!   notifier copies the value under the lock and wakes the waiter — a green task woken
//!   from a worker at once (one compare-and-swap that queues it in the waker's run-next
//!   slot), any other waiter through a two-phase claim finished after unlocking, so no
//!   system call ever runs under the lock;
//! - values are moved: the channel owns the values in its buffer and releases them (with
//!   the element glue) when it is destroyed or freed.

use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64};

use super::handle::{self, Handle};
use super::waitq::{WaitEntry, WaitQueue};
use super::Status;
use crate::lock::rawlock::RawLock;
use crate::obj::rc::WeftGlue;
use crate::panic::WeftLoc;
use crate::sched::{Waiter, WakeReason};

/// Wake-token bit telling a parked waiter that the channel was closed (nothing moved).
pub(crate) const TOKEN_CLOSED: usize = 1;

/// The outcome of a hand-off attempt under the channel lock.
#[derive(Debug)]
pub(crate) enum Handoff {
    /// No partner was waiting.
    None,
    /// A plain partner got the value and was woken.
    Done,
    /// A `select` partner was claimed and got the value; finish the claim with this token
    /// (after unlocking).
    Claimed(crate::sched::Claim, usize),
}

impl Handoff {
    /// Whether no partner was found.
    #[inline(always)]
    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Handoff::None)
    }

    /// Finishes a claimed hand-off; returns whether a partner was found.
    #[inline(always)]
    pub(crate) fn finish(self) -> bool {
        match self {
            Handoff::None => false,
            Handoff::Done => true,
            Handoff::Claimed(claim, token) => {
                claim.finish(WakeReason::Notified, token);
                true
            }
        }
    }
}

/// Whether the waiter of plain entry `e` may be woken while the channel lock is held:
/// a green task woken from a worker (the wake is a push to this worker's run-next slot).
#[inline(always)]
fn wake_in_lock(e: &WaitEntry) -> bool {
    !e.select && e.waiter.is_task() && crate::sched::worker::current_worker().is_some()
}

/// A channel object (see the module docs for the invariants).
#[repr(C)]
pub struct Channel {
    rc: AtomicI64,
    destroyed: AtomicBool,
    pub(crate) lock: RawLock,
    glue: *const WeftGlue,
    elem_size: usize,
    cap: usize,
    st: UnsafeCell<ChanState>,
}

/// The part of a channel guarded by its lock.
#[derive(Debug)]
pub(crate) struct ChanState {
    pub count: usize,
    pub recvx: usize,
    pub sendx: usize,
    pub closed: bool,
    pub buf: *mut u8,
    pub recvq: WaitQueue,
    pub sendq: WaitQueue,
}

// SAFETY: all mutable state is guarded by `lock`.
unsafe impl Sync for Channel {}
// SAFETY: as above.
unsafe impl Send for Channel {}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("cap", &self.cap)
            .field("elem_size", &self.elem_size)
            .finish_non_exhaustive()
    }
}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for Channel {
    const DESTROYED: &'static str = "use of destroyed Channel";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
    unsafe fn free(this: *mut Self) {
        (*this).drop_buffer();
        handle::free_box(this);
    }
}

impl Channel {
    /// A new channel of capacity `cap` for elements described by `glue`, with count 1;
    /// `Err` with the message for a negative capacity or one whose buffer cannot be
    /// allocated.
    ///
    /// # Safety
    /// `glue` is a static glue.
    pub unsafe fn new(cap: i64, glue: *const WeftGlue) -> Result<*mut Channel, String> {
        if cap < 0 {
            return Err(format!("channel capacity must not be negative (got {cap})"));
        }
        let g = &*glue;
        let elem_size = g.elem_size();
        let too_large = || format!("cannot allocate a channel of capacity {cap}");
        let cap = cap as usize;
        let bytes = cap
            .checked_mul(elem_size)
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(too_large)?;
        let buf = if bytes == 0 {
            ptr::null_mut()
        } else {
            // A refused buffer is the caller's error, not a fatal one.
            let p = crate::obj::rc::try_alloc(bytes, g.align.max(1) as usize);
            if p.is_null() {
                return Err(too_large());
            }
            p
        };
        Ok(handle::into_raw(Channel {
            rc: AtomicI64::new(1),
            destroyed: AtomicBool::new(false),
            lock: RawLock::new(),
            glue,
            elem_size,
            cap,
            st: UnsafeCell::new(ChanState {
                count: 0,
                recvx: 0,
                sendx: 0,
                closed: false,
                buf,
                recvq: WaitQueue::new(),
                sendq: WaitQueue::new(),
            }),
        }))
    }

    /// The locked state.
    ///
    /// # Safety
    /// The caller holds `lock`, and does not keep the reference past unlocking.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn st(&self) -> &mut ChanState {
        &mut *self.st.get()
    }

    /// Capacity (0 for a rendezvous channel).
    pub fn capacity(&self) -> usize {
        self.cap
    }

    #[inline(always)]
    unsafe fn slot(&self, st: &ChanState, i: usize) -> *mut u8 {
        st.buf.add(i * self.elem_size)
    }

    /// Copies one element's bytes (the common 8-byte case without a `memcpy` call).
    #[inline(always)]
    pub(crate) unsafe fn copy_elem(&self, src: *const u8, dst: *mut u8) {
        match self.elem_size {
            8 => dst
                .cast::<u64>()
                .write_unaligned(src.cast::<u64>().read_unaligned()),
            0 => {}
            n => ptr::copy_nonoverlapping(src, dst, n),
        }
    }

    /// Releases one element's references (a value the channel drops).
    pub(crate) unsafe fn drop_elem(&self, elem: *mut u8) {
        if let Some(release) = (*self.glue).release {
            if !elem.is_null() {
                release(elem);
            }
        }
    }

    /// Under the lock: appends `elem` to the buffer (there is room).
    #[inline(always)]
    pub(crate) unsafe fn buffer_push(&self, st: &mut ChanState, elem: *const u8) {
        self.copy_elem(elem, self.slot(st, st.sendx));
        st.sendx += 1;
        if st.sendx == self.cap {
            st.sendx = 0;
        }
        st.count += 1;
    }

    /// Under the lock: moves the oldest buffered value to `out` (there is one).
    #[inline(always)]
    pub(crate) unsafe fn buffer_pop(&self, st: &mut ChanState, out: *mut u8) {
        self.copy_elem(self.slot(st, st.recvx), out);
        st.recvx += 1;
        if st.recvx == self.cap {
            st.recvx = 0;
        }
        st.count -= 1;
    }

    /// Under the lock: receives from the claimed parked sender `e` into `out`. Rendezvous:
    /// straight from the sender; buffered (then full): the oldest value goes to `out` and
    /// the sender's value takes its slot at the back (Go's `recv`).
    #[inline(always)]
    pub(crate) unsafe fn recv_from_sender(
        &self,
        st: &mut ChanState,
        e: *mut WaitEntry,
        out: *mut u8,
    ) {
        if self.cap == 0 {
            self.copy_elem((*e).elem, out);
        } else {
            let slot = self.slot(st, st.recvx);
            self.copy_elem(slot, out);
            self.copy_elem((*e).elem, slot);
            st.recvx += 1;
            if st.recvx == self.cap {
                st.recvx = 0;
            }
            st.sendx = st.recvx;
        }
    }

    /// Under the lock: hands the value at `elem` to the first parked receiver that can
    /// still be woken. A plain green receiver woken from a worker gets the bytes first and
    /// is then woken with one compare-and-swap, which only queues it in this worker's
    /// run-next slot (if its wait already ended, the bytes it got are ignored: its receive
    /// reports no value, and it cannot return before it takes this lock to unlink its
    /// entry). Any other receiver (a `select`, an OS thread, or any receiver woken from an
    /// OS thread, whose wake-up may need a system call) is claimed first and finished by
    /// the caller after unlocking.
    #[inline(always)]
    pub(crate) unsafe fn give_to_receiver(&self, st: &mut ChanState, elem: *const u8) -> Handoff {
        while let Some(e) = st.recvq.pop_front() {
            if wake_in_lock(&*e) {
                self.copy_elem(elem, (*e).elem);
                if (*e).waiter.wake(WakeReason::Notified, 0) {
                    return Handoff::Done;
                }
            } else if let Some(claim) = (*e).waiter.claim() {
                self.copy_elem(elem, (*e).elem);
                return Handoff::Claimed(claim, (*e).case << 1);
            }
        }
        Handoff::None
    }

    /// Under the lock: receives into `out` from the first parked sender that can still be
    /// woken (see [`Channel::give_to_receiver`]; a buffered channel's senders are claimed
    /// first, since taking their value also moves the buffer).
    #[inline(always)]
    pub(crate) unsafe fn take_from_sender(&self, st: &mut ChanState, out: *mut u8) -> Handoff {
        while let Some(e) = st.sendq.pop_front() {
            if self.cap == 0 && wake_in_lock(&*e) {
                self.copy_elem((*e).elem, out);
                if (*e).waiter.wake(WakeReason::Notified, 0) {
                    return Handoff::Done;
                }
            } else if let Some(claim) = (*e).waiter.claim() {
                self.recv_from_sender(st, e, out);
                return Handoff::Claimed(claim, (*e).case << 1);
            }
        }
        Handoff::None
    }

    /// Sends the value at `elem` (moved in), parking while the channel is full (or, for a
    /// rendezvous channel, until a receiver takes it). `Closed` and `Cancelled` release the
    /// value. `deadline_ns` bounds the wait (`TimedOut`, value released).
    ///
    /// # Safety
    /// `elem` holds one element, and stays readable until this returns.
    #[inline]
    pub unsafe fn send(
        &self,
        elem: *mut u8,
        deadline_ns: Option<u64>,
        loc: Option<&WeftLoc>,
    ) -> Status {
        self.check_live(loc);
        self.lock.lock();
        let st = self.st();
        if st.closed {
            self.lock.unlock();
            self.drop_elem(elem);
            return Status::Closed;
        }
        let handoff = self.give_to_receiver(st, elem);
        if !handoff.is_none() {
            self.lock.unlock();
            handoff.finish();
            return Status::Ok;
        }
        if st.count < self.cap {
            self.buffer_push(st, elem);
            self.lock.unlock();
            return Status::Ok;
        }
        self.send_slow(elem, deadline_ns, loc)
    }

    /// Out of line, so that the fast path saves no registers it does not use; the park is
    /// inlined here.
    #[inline(never)]
    unsafe fn send_slow(
        &self,
        elem: *mut u8,
        deadline_ns: Option<u64>,
        loc: Option<&WeftLoc>,
    ) -> Status {
        let status = self.wait_in(
            |st| &mut st.sendq,
            elem,
            ("sending to a channel", loc),
            deadline_ns,
        );
        if status != Status::Ok {
            self.drop_elem(elem);
        }
        status
    }

    /// Queues an entry for `elem` (the element to send, or where to receive) in `queue`,
    /// releases the channel lock (held by the caller) and parks until a partner, a close,
    /// the deadline or a cancellation ends the wait; an entry still queued then is removed.
    #[inline(always)]
    unsafe fn wait_in(
        &self,
        queue: fn(&mut ChanState) -> &mut WaitQueue,
        elem: *mut u8,
        (reason, loc): (&'static str, Option<&WeftLoc>),
        deadline_ns: Option<u64>,
    ) -> Status {
        let mut entry = WaitEntry::new(Waiter::prepare(true), elem, 0);
        let e: *mut WaitEntry = &mut entry;
        queue(self.st()).push_back(e);
        self.lock.unlock();
        let wake = (*e).waiter.park_at(reason, loc, deadline_ns);
        match wake.reason {
            WakeReason::Notified if wake.token & TOKEN_CLOSED == 0 => Status::Ok,
            WakeReason::Notified => Status::Closed,
            reason => {
                self.lock.lock();
                queue(self.st()).remove(e);
                self.lock.unlock();
                if reason == WakeReason::TimedOut {
                    Status::TimedOut
                } else {
                    Status::Cancelled
                }
            }
        }
    }

    /// Receives into `out` (moved out), parking while the channel is empty. `Closed` once
    /// the channel is closed and drained (`out` untouched); `Cancelled` / `TimedOut` when
    /// the wait ends so (`deadline_ns`).
    ///
    /// # Safety
    /// `out` has room for one element.
    #[inline]
    pub unsafe fn recv(
        &self,
        out: *mut u8,
        deadline_ns: Option<u64>,
        loc: Option<&WeftLoc>,
    ) -> Status {
        self.check_live(loc);
        self.lock.lock();
        let st = self.st();
        let handoff = self.take_from_sender(st, out);
        if !handoff.is_none() {
            self.lock.unlock();
            handoff.finish();
            return Status::Ok;
        }
        if st.count > 0 {
            self.buffer_pop(st, out);
            self.lock.unlock();
            return Status::Ok;
        }
        if st.closed {
            self.lock.unlock();
            return Status::Closed;
        }
        self.recv_slow(out, deadline_ns, loc)
    }

    /// Out of line, as [`Channel::send_slow`].
    #[inline(never)]
    unsafe fn recv_slow(
        &self,
        out: *mut u8,
        deadline_ns: Option<u64>,
        loc: Option<&WeftLoc>,
    ) -> Status {
        if deadline_ns.is_some_and(|d| d <= crate::os::clock::now_ns()) {
            self.lock.unlock();
            return Status::TimedOut;
        }
        self.wait_in(
            |st| &mut st.recvq,
            out,
            ("receiving from a channel", loc),
            deadline_ns,
        )
    }

    /// Sends without waiting: true if a parked receiver took the value or it was buffered;
    /// false (nothing taken: the caller keeps the value) when full, when no receiver waits
    /// on a rendezvous channel, or when closed.
    ///
    /// # Safety
    /// `elem` holds one element.
    pub unsafe fn try_send(&self, elem: *mut u8, loc: Option<&WeftLoc>) -> bool {
        self.check_live(loc);
        self.lock.lock();
        let st = self.st();
        if st.closed {
            self.lock.unlock();
            return false;
        }
        let handoff = self.give_to_receiver(st, elem);
        if !handoff.is_none() {
            self.lock.unlock();
            handoff.finish();
            return true;
        }
        if st.count < self.cap {
            self.buffer_push(st, elem);
            self.lock.unlock();
            return true;
        }
        self.lock.unlock();
        false
    }

    /// Receives without waiting: true with a value in `out` from the buffer or a parked
    /// sender; false (`out` untouched) when nothing is ready. `closed` (if given) is set to
    /// whether the channel is closed and drained.
    ///
    /// # Safety
    /// `out` has room for one element.
    pub unsafe fn try_recv(
        &self,
        out: *mut u8,
        closed: Option<&mut bool>,
        loc: Option<&WeftLoc>,
    ) -> bool {
        self.check_live(loc);
        self.lock.lock();
        let st = self.st();
        let handoff = self.take_from_sender(st, out);
        if !handoff.is_none() {
            self.lock.unlock();
            handoff.finish();
            return true;
        }
        if st.count > 0 {
            self.buffer_pop(st, out);
            self.lock.unlock();
            return true;
        }
        if let Some(c) = closed {
            *c = st.closed;
        }
        self.lock.unlock();
        false
    }

    /// Receives, waiting at most `ms` milliseconds (`ms <= 0`: only what is ready now).
    ///
    /// # Safety
    /// `out` has room for one element.
    pub unsafe fn recv_timeout(&self, out: *mut u8, ms: i64, loc: Option<&WeftLoc>) -> Status {
        if ms <= 0 {
            let mut closed = false;
            if self.try_recv(out, Some(&mut closed), loc) {
                return Status::Ok;
            }
            return if closed {
                Status::Closed
            } else {
                Status::TimedOut
            };
        }
        self.recv(out, Some(crate::os::clock::deadline_after_ms(ms)), loc)
    }

    /// Closes the channel (idempotent): parked receivers and senders wake with `Closed`;
    /// buffered values stay receivable.
    pub fn close(&self, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        self.close_inner();
    }

    fn close_inner(&self) {
        self.lock.lock();
        // SAFETY: we hold the lock.
        let st = unsafe { self.st() };
        if st.closed {
            // SAFETY: we hold the lock.
            unsafe { self.lock.unlock() };
            return;
        }
        st.closed = true;
        let mut claims = st.recvq.claim_all();
        claims.extend(st.sendq.claim_all());
        // SAFETY: we hold the lock.
        unsafe { self.lock.unlock() };
        for (claim, case) in claims {
            claim.finish(WakeReason::Notified, case << 1 | TOKEN_CLOSED);
        }
    }

    /// Number of buffered values.
    pub fn len(&self, loc: Option<&WeftLoc>) -> usize {
        self.check_live(loc);
        self.lock.lock();
        // SAFETY: we hold the lock.
        let n = unsafe { self.st().count };
        // SAFETY: as above.
        unsafe { self.lock.unlock() };
        n
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self, loc: Option<&WeftLoc>) -> bool {
        self.len(loc) == 0
    }

    /// Marks the channel destroyed, closes it (waking every waiter) and releases the
    /// buffered values; the memory lives on until the last release. Panics `use of
    /// destroyed Channel` if it already was destroyed.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
        self.close_inner();
        // SAFETY: the channel is closed: nothing is added any more.
        unsafe { self.drop_buffer() };
    }

    /// Releases the buffered values and frees the buffer (idempotent).
    unsafe fn drop_buffer(&self) {
        self.lock.lock();
        let st = self.st();
        let buf = std::mem::replace(&mut st.buf, ptr::null_mut());
        let (mut i, mut n) = (st.recvx, st.count);
        st.count = 0;
        self.lock.unlock();
        if buf.is_null() {
            return;
        }
        while n > 0 {
            self.drop_elem(buf.add(i * self.elem_size));
            i = (i + 1) % self.cap;
            n -= 1;
        }
        let g = &*self.glue;
        crate::obj::rc::free(buf, self.cap * self.elem_size, g.align.max(1) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static I64: WeftGlue = WeftGlue::plain(8, 8);

    fn chan(cap: i64) -> &'static Channel {
        // SAFETY: static glue.
        unsafe { &*Channel::new(cap, &I64).unwrap() }
    }

    #[test]
    fn buffered_fifo_and_close() {
        let ch = chan(3);
        unsafe {
            for mut v in [1i64, 2, 3] {
                assert_eq!(ch.send((&mut v as *mut i64).cast(), None, None), Status::Ok);
            }
            let mut v = 4i64;
            assert!(!ch.try_send((&mut v as *mut i64).cast(), None), "full");
            assert_eq!(ch.len(None), 3);
            ch.close(None);
            ch.close(None);
            assert_eq!(
                ch.send((&mut v as *mut i64).cast(), None, None),
                Status::Closed
            );
            let mut out = 0i64;
            for want in [1, 2, 3] {
                assert_eq!(
                    ch.recv((&mut out as *mut i64).cast(), None, None),
                    Status::Ok
                );
                assert_eq!(out, want);
            }
            assert_eq!(
                ch.recv((&mut out as *mut i64).cast(), None, None),
                Status::Closed
            );
            handle::release(ch as *const Channel as *mut Channel);
        }
    }

    #[test]
    fn negative_capacity_is_an_error() {
        assert!(unsafe { Channel::new(-1, &I64) }.is_err());
    }

    #[test]
    fn rendezvous_try_ops_need_a_partner() {
        let ch = chan(0);
        unsafe {
            let mut v = 1i64;
            assert!(!ch.try_send((&mut v as *mut i64).cast(), None));
            assert!(!ch.try_recv((&mut v as *mut i64).cast(), None, None));
            let start = crate::os::clock::now_ns();
            assert_eq!(
                ch.recv_timeout((&mut v as *mut i64).cast(), 20, None),
                Status::TimedOut
            );
            assert!(crate::os::clock::now_ns() - start >= 20_000_000);
            handle::release(ch as *const Channel as *mut Channel);
        }
    }

    #[test]
    fn threads_hand_off_through_a_rendezvous_channel() {
        let ch = chan(0);
        let addr = ch as *const Channel as usize;
        let t = std::thread::spawn(move || {
            let ch = unsafe { &*(addr as *const Channel) };
            for mut i in 0..1000i64 {
                unsafe { assert_eq!(ch.send((&mut i as *mut i64).cast(), None, None), Status::Ok) };
            }
            ch.close(None);
        });
        let mut sum = 0;
        let mut out = 0i64;
        while unsafe { ch.recv((&mut out as *mut i64).cast(), None, None) } == Status::Ok {
            sum += out;
        }
        t.join().unwrap();
        assert_eq!(sum, 999 * 1000 / 2);
        unsafe { handle::release(ch as *const Channel as *mut Channel) };
    }
}
