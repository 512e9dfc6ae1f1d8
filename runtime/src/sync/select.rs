//! `select` over channel operations, after Go's `selectgo` (runtime/select.go).
//!
//! 1. Poll the cases in a random order; the first ready one (a parked partner, buffered
//!    room or values, or a closed channel) fires. All channels are locked, in address order
//!    (each once), for the whole poll, so the choice is atomic.
//! 2. Nothing ready: with a default case (or a zero timeout) return at once; otherwise one
//!    [`Waiter`] is enqueued in the queue of every case (one [`WaitEntry`] per case, naming
//!    the case's value or slot), the channels are unlocked, and the caller parks.
//! 3. The first notifier to claim the waiter wins and performs its case (the claim makes
//!    the other entries stale); on wake-up every channel is locked again and the entries
//!    still queued are removed.
//!
//! Invariants: the entries live in one heap block owned by the select call until step 3
//! has unlinked them all; the winning case is the wake token's case index; null channels
//! never fire (a select of only null channels waits for cancellation or its timeout).

use std::ptr;

use super::channel::{Channel, TOKEN_CLOSED};
use super::handle::Handle;
use super::waitq::{WaitEntry, WaitQueue};
use super::Status;
use crate::sched::{Waiter, WakeReason};

/// `select` case operation: receive into `value`.
pub const OP_RECV: i32 = 0;
/// `select` case operation: send the value at `value` (moved in if the case fires).
pub const OP_SEND: i32 = 1;

/// One case of a `select` (C layout `{ void *ch; int32_t op; void *value; int32_t *status; }`,
/// 32 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SelectCase {
    /// The channel (null: a case that never fires).
    pub ch: *mut Channel,
    /// [`OP_RECV`] or [`OP_SEND`].
    pub op: i32,
    /// Receive: the slot to fill; send: the value to send.
    pub value: *mut u8,
    /// Receives the case's status (0 ok, 1 closed) when it fires; may be null.
    pub status: *mut i32,
}

/// What a select returns when the calling task was cancelled while it waited.
pub const SELECT_CANCELLED: i64 = -1;

/// Runs a `select` over `cases` and returns the index of the case that fired, `n` for the
/// default case or a timeout (`timeout_ms >= 0`; negative: no timeout), or
/// [`SELECT_CANCELLED`]. A send case that fires on a closed channel reports status 1 and
/// releases its value; a send case that does not fire leaves its value with the caller.
///
/// # Safety
/// Every case's channel is null or live; values and status pointers are valid.
pub unsafe fn select(cases: &[SelectCase], timeout_ms: i64, has_default: bool) -> i64 {
    let n = cases.len();
    for c in cases {
        if let Some(ch) = c.ch.as_ref() {
            ch.check_live(None);
        }
    }
    // Poll order: a random permutation (Fisher-Yates, as Go's cheaprandn shuffle).
    let mut poll: Vec<usize> = (0..n).filter(|&i| !cases[i].ch.is_null()).collect();
    for i in (1..poll.len()).rev() {
        let j = (super::fast_random() % (i as u64 + 1)) as usize;
        poll.swap(i, j);
    }
    // Lock order: by channel address, each channel once.
    let mut locks: Vec<*mut Channel> = poll.iter().map(|&i| cases[i].ch).collect();
    locks.sort_unstable();
    locks.dedup();
    lock_all(&locks);

    for &i in &poll {
        if let Some(status) = try_case(&cases[i]) {
            unlock_all(&locks);
            return fired(&cases[i], i, status);
        }
    }
    if has_default || timeout_ms == 0 {
        unlock_all(&locks);
        return n as i64;
    }

    let waiter = Waiter::prepare(true);
    let mut entries: Vec<WaitEntry> = poll
        .iter()
        .map(|&i| WaitEntry::for_select(waiter, cases[i].value, i))
        .collect();
    let base = entries.as_mut_ptr();
    for (k, &i) in poll.iter().enumerate() {
        queue_of(&cases[i]).push_back(base.add(k));
    }
    unlock_all(&locks);
    let deadline = (timeout_ms > 0).then(|| crate::os::clock::deadline_after_ms(timeout_ms));
    let wake = waiter.park("waiting in select", deadline);

    lock_all(&locks);
    for (k, &i) in poll.iter().enumerate() {
        queue_of(&cases[i]).remove(base.add(k));
    }
    unlock_all(&locks);
    drop(entries);

    match wake.reason {
        WakeReason::Notified => {
            let i = wake.token >> 1;
            let status = if wake.token & TOKEN_CLOSED != 0 {
                Status::Closed
            } else {
                Status::Ok
            };
            fired(&cases[i], i, status)
        }
        WakeReason::TimedOut => n as i64,
        WakeReason::Cancelled => SELECT_CANCELLED,
    }
}

/// Under all locks: performs case `c` if it is ready now.
unsafe fn try_case(c: &SelectCase) -> Option<Status> {
    let ch = &*c.ch;
    let st = ch.st();
    if c.op == OP_SEND {
        if st.closed {
            return Some(Status::Closed);
        }
        if ch.give_to_receiver(st, c.value).finish() {
            return Some(Status::Ok);
        }
        if st.count < ch.capacity() {
            ch.buffer_push(st, c.value);
            return Some(Status::Ok);
        }
    } else {
        if ch.take_from_sender(st, c.value).finish() {
            return Some(Status::Ok);
        }
        if st.count > 0 {
            ch.buffer_pop(st, c.value);
            return Some(Status::Ok);
        }
        if st.closed {
            return Some(Status::Closed);
        }
    }
    None
}

/// Reports case `i` as fired with `status` (releasing a send's value on a closed channel).
unsafe fn fired(c: &SelectCase, i: usize, status: Status) -> i64 {
    if status == Status::Closed && c.op == OP_SEND {
        (*c.ch).drop_elem(c.value);
    }
    if !c.status.is_null() {
        ptr::write(c.status, status as i32);
    }
    i as i64
}

/// The queue case `c` waits in: its channel's senders or receivers (under the channel's
/// lock).
unsafe fn queue_of<'a>(c: &SelectCase) -> &'a mut WaitQueue {
    let st = (*c.ch).st();
    if c.op == OP_SEND {
        &mut st.sendq
    } else {
        &mut st.recvq
    }
}

unsafe fn lock_all(locks: &[*mut Channel]) {
    for &ch in locks {
        (*ch).lock.lock();
    }
}

unsafe fn unlock_all(locks: &[*mut Channel]) {
    for &ch in locks.iter().rev() {
        (*ch).lock.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj::rc::WeftGlue;
    use crate::sync::handle;

    static I64: WeftGlue = WeftGlue::plain(8, 8);

    #[test]
    fn ready_default_and_wake_up() {
        let a = unsafe { Channel::new(1, &I64).unwrap() };
        let b = unsafe { Channel::new(0, &I64).unwrap() };
        let (mut va, mut vb, mut sa, mut sb) = (0i64, 0i64, -1, -1);
        let cases = [
            SelectCase {
                ch: a,
                op: OP_RECV,
                value: (&mut va as *mut i64).cast(),
                status: &mut sa,
            },
            SelectCase {
                ch: b,
                op: OP_RECV,
                value: (&mut vb as *mut i64).cast(),
                status: &mut sb,
            },
        ];
        assert_eq!(
            unsafe { select(&cases, -1, true) },
            2,
            "nothing ready: default"
        );
        let mut x = 5i64;
        unsafe { (*a).send((&mut x as *mut i64).cast(), None, None) };
        assert_eq!(unsafe { select(&cases, -1, false) }, 0);
        assert_eq!((va, sa), (5, 0));
        let addr = b as usize;
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(5));
            let mut y = 6i64;
            unsafe { (*(addr as *mut Channel)).send((&mut y as *mut i64).cast(), None, None) }
        });
        assert_eq!(unsafe { select(&cases, -1, false) }, 1);
        assert_eq!((vb, sb), (6, 0));
        assert_eq!(t.join().unwrap(), Status::Ok);
        unsafe {
            handle::release(a);
            handle::release(b);
        }
    }
}
