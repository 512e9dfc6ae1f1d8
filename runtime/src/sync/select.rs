//! `select` over channel operations, after Go's `selectgo` (runtime/select.go).
//!
//! 1. Poll the cases in a random order (Go's `pollorder`, a Fisher-Yates shuffle); the
//!    first ready one (a parked partner, buffered room or values, or a closed channel)
//!    fires. All channels are locked for the whole poll, in address order and each once
//!    (Go's `lockorder`), so the choice is atomic and two selects over the same channels
//!    cannot deadlock on each other's locks.
//! 2. Nothing ready: with a default case (or a zero timeout) return at once; otherwise one
//!    [`Waiter`] is enqueued in the queue of every case (one [`WaitEntry`] per case, naming
//!    the case's value or slot), the channels are unlocked, and the caller parks: a green
//!    task alone, an OS thread on its futex.
//! 3. The first notifier to claim the waiter wins and performs its case (the claim makes
//!    the other entries stale, and a value is handed over only by the claim's winner, so
//!    none is lost or delivered twice when selects race); on wake-up every channel is
//!    locked again and the entries still queued are removed (Go's pass 3).
//!
//! Ownership: a select takes over every send case's value. The one that fires is moved
//! into the channel (or released, when it fires on a closed channel); the others are
//! released before the select returns, also when it returns for its default, its timeout
//! or a cancellation. So the caller never needs to know which case fired to know what it
//! still owns.
//!
//! Invariants: the entries live in this call's frame (for up to [`INLINE`] cases; a heap
//! block beyond) and are not moved or freed before step 3 has unlinked them all; the
//! winning case is the wake token's case index; null channels never fire (a select of only
//! null channels waits for cancellation or its timeout). No claim is
//! finished while channel locks are held: finishing may wake an OS thread with a system
//! call.

use std::mem::MaybeUninit;
use std::ptr;

use super::channel::{Channel, Handoff, TOKEN_CLOSED};
use super::handle::Handle;
use super::waitq::{WaitEntry, WaitQueue};
use super::Status;
use crate::panic::WeftLoc;
use crate::sched::{Waiter, WakeReason};

/// `select` case operation: receive into `value`.
pub const OP_RECV: i32 = 0;
/// `select` case operation: send the value at `value` (moved in if the case fires).
pub const OP_SEND: i32 = 1;

/// Cases handled without a heap allocation.
pub const INLINE: usize = 8;

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

/// What the deadlock report says a parked select waits for.
const PARK_REASON: &str = "waiting in select";

/// Runs a `select` over `cases` and returns the index of the case that fired, `n` for the
/// default case or a timeout (`timeout_ms >= 0`; negative: no timeout), or
/// [`SELECT_CANCELLED`] when the calling task was cancelled while it waited (a ready case
/// still fires in a cancelled task: only the wait is cut short). Every send case's value is
/// taken over (see the module docs); `loc` is the select's source location, for the
/// deadlock report and the panic of a destroyed channel (after which nothing is sent and
/// every send value has been released). Inlined into its entry point, for the frames
/// between its park and the task's code (see `sched::worker::switch_out`).
///
/// # Safety
/// Every case's channel is null or live; values and status pointers are valid; a send
/// case's value holds one element of its channel's type.
#[inline(always)]
pub unsafe fn select(
    cases: &[SelectCase],
    timeout_ms: i64,
    has_default: bool,
    loc: Option<&WeftLoc>,
) -> i64 {
    let n = cases.len();
    if n <= INLINE {
        let mut poll = [const { MaybeUninit::<usize>::uninit() }; INLINE];
        let mut locks = [const { MaybeUninit::<*mut Channel>::uninit() }; INLINE];
        let mut entries = [const { MaybeUninit::<WaitEntry>::uninit() }; INLINE];
        select_in(
            cases,
            Scratch {
                poll: poll.as_mut_ptr().cast(),
                locks: locks.as_mut_ptr().cast(),
                entries: entries.as_mut_ptr().cast(),
            },
            timeout_ms,
            has_default,
            loc,
        )
    } else {
        let mut poll: Vec<usize> = Vec::with_capacity(n);
        let mut locks: Vec<*mut Channel> = Vec::with_capacity(n);
        let mut entries: Vec<WaitEntry> = Vec::with_capacity(n);
        select_in(
            cases,
            Scratch {
                poll: poll.as_mut_ptr(),
                locks: locks.as_mut_ptr(),
                entries: entries.as_mut_ptr(),
            },
            timeout_ms,
            has_default,
            loc,
        )
    }
}

/// The working memory of one select, room for `n` items each (in the caller's frame for up
/// to [`INLINE`] cases, uninitialized): the poll order, the lock order, the wait entries.
/// The entries do not move while they are queued.
struct Scratch {
    poll: *mut usize,
    locks: *mut *mut Channel,
    entries: *mut WaitEntry,
}

/// [`select`] with its working memory.
#[inline(always)]
unsafe fn select_in(
    cases: &[SelectCase],
    scratch: Scratch,
    timeout_ms: i64,
    has_default: bool,
    loc: Option<&WeftLoc>,
) -> i64 {
    let n = cases.len();
    let (live, seen) = gather(cases, &scratch);
    if seen.destroyed {
        release_sends(cases, None);
        for c in cases {
            if let Some(ch) = c.ch.as_ref() {
                ch.check_live(loc);
            }
        }
    }
    let poll = std::slice::from_raw_parts_mut(scratch.poll, live);
    shuffle(poll);
    let poll: &[usize] = poll;
    let locks = sorted_unique(std::slice::from_raw_parts_mut(scratch.locks, live));
    lock_all(locks);

    for &i in poll {
        if let Some((status, handoff)) = try_case(cases.get_unchecked(i)) {
            unlock_all(locks);
            handoff.finish();
            return fired(cases, i, status, seen.sends);
        }
    }
    if has_default || timeout_ms == 0 {
        unlock_all(locks);
        release_sends(cases, None);
        return n as i64;
    }

    let waiter = Waiter::prepare(true);
    let base = scratch.entries;
    for (k, &i) in poll.iter().enumerate() {
        let c = cases.get_unchecked(i);
        let e = base.add(k);
        e.write(WaitEntry::for_select(waiter, c.value, i));
        queue_of(c).push_back(e);
    }
    unlock_all(locks);
    let deadline = (timeout_ms > 0).then(|| crate::os::clock::deadline_after_ms(timeout_ms));
    let wake = waiter.park_at(PARK_REASON, loc, deadline);

    let won = match wake.reason {
        WakeReason::Notified => Some(wake.token >> 1),
        _ => None,
    };
    unlink_entries(cases, poll, locks, base, won);

    match wake.reason {
        WakeReason::Notified => {
            let i = wake.token >> 1;
            let status = if wake.token & TOKEN_CLOSED != 0 {
                Status::Closed
            } else {
                Status::Ok
            };
            fired(cases, i, status, seen.sends)
        }
        WakeReason::TimedOut => {
            release_sends(cases, None);
            n as i64
        }
        WakeReason::Cancelled => {
            release_sends(cases, None);
            SELECT_CANCELLED
        }
    }
}

/// What [`gather`] saw of the cases.
#[derive(Clone, Copy)]
struct Seen {
    /// Some channel is destroyed.
    destroyed: bool,
    /// Some case sends (its value is released unless it fires).
    sends: bool,
}

/// Writes the indices of the cases with a channel to the poll order and their channels to
/// the lock order (both unordered yet); returns how many, and what it saw.
#[inline(always)]
unsafe fn gather(cases: &[SelectCase], scratch: &Scratch) -> (usize, Seen) {
    let mut live = 0;
    let mut seen = Seen {
        destroyed: false,
        sends: false,
    };
    for (i, c) in cases.iter().enumerate() {
        if c.ch.is_null() {
            continue;
        }
        seen.destroyed |= is_destroyed(c);
        seen.sends |= c.op == OP_SEND;
        *scratch.poll.add(live) = i;
        *scratch.locks.add(live) = c.ch;
        live += 1;
    }
    (live, seen)
}

/// Puts `poll` in a uniformly random order (Go's `pollorder`): a Fisher-Yates shuffle whose
/// indices come from one draw of the thread's generator, stepped by a linear congruential
/// generator, each reduced by a multiply-shift rather than a division (Lemire's reduction,
/// as Go's `cheaprandn`). Two cases, the common select, take one bit.
#[inline(always)]
fn shuffle(poll: &mut [usize]) {
    if poll.len() < 2 {
        return;
    }
    let mut rng = super::fast_random();
    if poll.len() == 2 {
        // Scalar moves: a swap through one 16-byte load would wait for the two 8-byte
        // stores just made to these slots (no store forwarding).
        let (a, b) = (poll[0], poll[1]);
        let first = if rng & (1 << 40) != 0 { b } else { a };
        poll[0] = first;
        poll[1] = a ^ b ^ first;
        return;
    }
    for k in (1..poll.len()).rev() {
        let j = (((rng >> 32) * (k as u64 + 1)) >> 32) as usize;
        poll.swap(k, j);
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
}

/// After the park (Go's pass 3): unlinks the entries still queued. The entry of case `won`,
/// when given, was unlinked by its notifier, under its channel's lock, before the claim;
/// once the wake is observed that notifier touches the entry no more, so its channel is not
/// locked again, unless another case uses it too.
#[inline(always)]
unsafe fn unlink_entries(
    cases: &[SelectCase],
    poll: &[usize],
    locks: &[*mut Channel],
    base: *mut WaitEntry,
    won: Option<usize>,
) {
    if poll.len() != locks.len() {
        // Cases share channels: lock them all, in lock order.
        lock_all(locks);
        for (k, &i) in poll.iter().enumerate() {
            queue_of(cases.get_unchecked(i)).remove(base.add(k));
        }
        unlock_all(locks);
        return;
    }
    for (k, &i) in poll.iter().enumerate() {
        if Some(i) == won {
            continue;
        }
        let c = cases.get_unchecked(i);
        (*c.ch).lock.lock();
        queue_of(c).remove(base.add(k));
        (*c.ch).lock.unlock();
    }
}

/// Sorts `s` and moves its distinct items to the front (insertion sort: a select has few
/// cases); returns them.
#[inline(always)]
fn sorted_unique<T: Ord + Copy>(s: &mut [T]) -> &[T] {
    if s.len() == 2 {
        if s[0] > s[1] {
            s.swap(0, 1);
        }
        let kept = if s[0] == s[1] { 1 } else { 2 };
        return &s[..kept];
    }
    for i in 1..s.len() {
        let mut j = i;
        while j > 0 && s[j - 1] > s[j] {
            s.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut kept = 0;
    for i in 0..s.len() {
        if kept == 0 || s[kept - 1] != s[i] {
            s[kept] = s[i];
            kept += 1;
        }
    }
    &s[..kept]
}

unsafe fn is_destroyed(c: &SelectCase) -> bool {
    c.ch.as_ref()
        .is_some_and(|ch| ch.destroyed().load(std::sync::atomic::Ordering::Relaxed))
}

/// Under all locks: performs case `c` if it is ready now, returning its status and the
/// hand-off to finish once the locks are released.
#[inline(always)]
unsafe fn try_case(c: &SelectCase) -> Option<(Status, Handoff)> {
    let ch = &*c.ch;
    let st = ch.st();
    if c.op == OP_SEND {
        if st.closed {
            return Some((Status::Closed, Handoff::None));
        }
        let handoff = ch.give_to_receiver(st, c.value);
        if !handoff.is_none() {
            return Some((Status::Ok, handoff));
        }
        if st.count < ch.capacity() {
            ch.buffer_push(st, c.value);
            return Some((Status::Ok, Handoff::None));
        }
    } else {
        let handoff = ch.take_from_sender(st, c.value);
        if !handoff.is_none() {
            return Some((Status::Ok, handoff));
        }
        if st.count > 0 {
            ch.buffer_pop(st, c.value);
            return Some((Status::Ok, Handoff::None));
        }
        if st.closed {
            return Some((Status::Closed, Handoff::None));
        }
    }
    None
}

/// Reports case `i` as fired with `status`: a send on a closed channel releases its value,
/// and every other send case's value is released (it was taken over and not sent).
#[inline(always)]
unsafe fn fired(cases: &[SelectCase], i: usize, status: Status, sends: bool) -> i64 {
    let c = cases.get_unchecked(i);
    if status == Status::Closed && c.op == OP_SEND {
        (*c.ch).drop_elem(c.value);
    }
    if !c.status.is_null() {
        ptr::write(c.status, status as i32);
    }
    if sends {
        release_sends(cases, Some(i));
    }
    i as i64
}

/// Releases the value of every send case except `except` (the one that fired).
#[inline(never)]
unsafe fn release_sends(cases: &[SelectCase], except: Option<usize>) {
    for (k, c) in cases.iter().enumerate() {
        if c.op == OP_SEND && Some(k) != except {
            if let Some(ch) = c.ch.as_ref() {
                ch.drop_elem(c.value);
            }
        }
    }
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
            unsafe { select(&cases, -1, true, None) },
            2,
            "nothing ready: default"
        );
        let mut x = 5i64;
        unsafe { (*a).send((&mut x as *mut i64).cast(), None, None) };
        assert_eq!(unsafe { select(&cases, -1, false, None) }, 0);
        assert_eq!((va, sa), (5, 0));
        let addr = b as usize;
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(5));
            let mut y = 6i64;
            unsafe { (*(addr as *mut Channel)).send((&mut y as *mut i64).cast(), None, None) }
        });
        assert_eq!(unsafe { select(&cases, -1, false, None) }, 1);
        assert_eq!((vb, sb), (6, 0));
        assert_eq!(t.join().unwrap(), Status::Ok);
        unsafe {
            handle::release(a);
            handle::release(b);
        }
    }

    #[test]
    fn lock_order_is_sorted_and_unique() {
        let mut s: Vec<usize> = (0..20).rev().map(|i| i % 7).collect();
        assert_eq!(sorted_unique(&mut s), &[0, 1, 2, 3, 4, 5, 6]);
        let mut t = [3, 1, 3, 2];
        assert_eq!(sorted_unique(&mut t), &[1, 2, 3]);
    }

    #[test]
    fn more_cases_than_inline() {
        let chans: Vec<*mut Channel> = (0..INLINE + 3)
            .map(|_| unsafe { Channel::new(1, &I64).unwrap() })
            .collect();
        let mut vals = vec![0i64; chans.len()];
        let mut x = 42i64;
        unsafe { (*chans[INLINE + 1]).send((&mut x as *mut i64).cast(), None, None) };
        let cases: Vec<SelectCase> = chans
            .iter()
            .zip(vals.iter_mut())
            .map(|(&ch, v)| SelectCase {
                ch,
                op: OP_RECV,
                value: (v as *mut i64).cast(),
                status: ptr::null_mut(),
            })
            .collect();
        assert_eq!(
            unsafe { select(&cases, -1, false, None) },
            (INLINE + 1) as i64
        );
        assert_eq!(vals[INLINE + 1], 42);
        assert_eq!(
            unsafe { select(&cases, 5, false, None) },
            cases.len() as i64
        );
        for ch in chans {
            unsafe { handle::release(ch) };
        }
    }
}
