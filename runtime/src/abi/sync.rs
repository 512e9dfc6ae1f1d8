//! C ABI of channels, `select`, mutexes, reader-writer locks, condition variables, wait
//! groups and atomics (`std/sync`). See [`crate::sync`] for the implementations and
//! `docs/runtime.md` ("Handles, synchronization and threads") for the contract.
//!
//! Conventions:
//! - every handle is a reference-counted object whose first field is `_Atomic int64_t rc`
//!   (negative = immortal); `weft_rt_<kind>_retain` / `_release` add and drop a count
//!   (null is a no-op) and the last release frees the object;
//! - handle arguments are borrowed (+0); constructors return +1;
//! - `destroy(h)` marks the object destroyed and frees what it holds (a channel is closed
//!   and its buffered values released); the memory lives until the last release, and any
//!   later operation panics `use of destroyed <Kind>`;
//! - status codes: 0 ok, 1 closed, 2 cancelled (the calling task was cancelled while it
//!   waited), 3 timed out;
//! - values of generic element types travel by pointer: `elem` arguments are moved in (the
//!   runtime owns them after the call and releases them with the glue when it drops them),
//!   `out` arguments receive a value moved out;
//! - every blocking call parks a green caller (its worker runs other tasks) and blocks an
//!   OS-thread caller on a futex; `const WeftLoc *loc` may be null.

use std::ffi::c_void;

use crate::obj::rc::WeftGlue;
use crate::obj::string::WeftStr;
use crate::panic::WeftLoc;
use crate::sched::switching_entry;
use crate::sync::atomic::Atomic;
use crate::sync::channel::Channel;
use crate::sync::condvar::Condvar;
use crate::sync::handle;
use crate::sync::mutex::Mutex;
use crate::sync::rwlock::RwLock;
use crate::sync::select::{self, SelectCase};
use crate::sync::waitgroup::WaitGroup;

// ---------------------------------------------------------------------------------------
// Channels (layout follows Go's hchan, runtime/chan.go).

/// `void *weft_rt_channel_new(int64_t cap, const WeftGlue *elem, Str *err)`
///
/// A new channel (+1) of capacity `cap` (0 = rendezvous) for elements described by
/// `elem`. For `cap < 0` returns NULL and stores an error message (+1) in `*err`
/// (`channel capacity must not be negative (got -1)`).
///
/// # Safety
/// `elem` is a static glue; `err` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_new(
    cap: i64,
    elem: *const WeftGlue,
    err: *mut WeftStr,
) -> *mut c_void {
    match Channel::new(cap, elem) {
        Ok(ch) => ch.cast(),
        Err(message) => {
            if !err.is_null() {
                err.write(WeftStr::from_bytes(message.as_bytes()));
            }
            std::ptr::null_mut()
        }
    }
}

unsafe fn chan<'a>(ch: *mut c_void) -> &'a Channel {
    &*ch.cast::<Channel>()
}

/// `int32_t weft_rt_channel_send(void *ch, const void *elem, const WeftLoc *loc)`
///
/// Sends `*elem` (moved in), parking while the channel is full (a rendezvous channel:
/// until a receiver takes it). Returns 0, 1 when the channel is closed (the element is
/// released), or 2 when the calling task was cancelled (the element is released).
///
/// # Safety
/// `ch` is a live channel; `elem` holds one element.
pub unsafe extern "C-unwind" fn weft_rt_channel_send(
    ch: *mut c_void,
    elem: *const c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    chan(ch).send(elem as *mut u8, None, loc) as i32
}
switching_entry!("weft_rt_channel_send" => weft_rt_channel_send);

/// `int32_t weft_rt_channel_recv(void *ch, void *out, const WeftLoc *loc)`
///
/// Receives the oldest value into `*out` (moved out), parking while the channel is empty.
/// Returns 0, 1 when the channel is closed and drained (`*out` untouched), or 2 when the
/// calling task was cancelled. `for v in ch` is `while recv(ch, &v) == 0 { body }`.
///
/// # Safety
/// `ch` is a live channel; `out` has room for one element.
pub unsafe extern "C-unwind" fn weft_rt_channel_recv(
    ch: *mut c_void,
    out: *mut c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    chan(ch).recv(out.cast(), None, loc) as i32
}
switching_entry!("weft_rt_channel_recv" => weft_rt_channel_recv);

/// `bool weft_rt_channel_try_send(void *ch, const void *elem, const WeftLoc *loc)`
///
/// Sends without waiting: true when a waiting receiver took `*elem` or it was buffered
/// (moved in); false when the channel is full, closed, or a rendezvous channel with no
/// receiver waiting — nothing is taken then, the caller keeps the element.
///
/// # Safety
/// `ch` is a live channel; `elem` holds one element.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_try_send(
    ch: *mut c_void,
    elem: *const c_void,
    loc: Option<&WeftLoc>,
) -> bool {
    chan(ch).try_send(elem as *mut u8, loc)
}

/// `bool weft_rt_channel_try_recv(void *ch, void *out, const WeftLoc *loc)`
///
/// Receives without waiting: true with a value in `*out` (from the buffer or a waiting
/// sender); false when nothing is ready (`*out` untouched).
///
/// # Safety
/// `ch` is a live channel; `out` has room for one element.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_try_recv(
    ch: *mut c_void,
    out: *mut c_void,
    loc: Option<&WeftLoc>,
) -> bool {
    chan(ch).try_recv(out.cast(), None, loc)
}

/// `int32_t weft_rt_channel_recv_timeout(void *ch, void *out, int64_t ms, const WeftLoc *loc)`
///
/// Like `weft_rt_channel_recv`, waiting at most `ms` milliseconds (monotonic clock;
/// `ms <= 0` only takes what is ready): 0, 1 closed and drained, 2 cancelled, 3 timed out.
///
/// # Safety
/// As `weft_rt_channel_recv`.
pub unsafe extern "C-unwind" fn weft_rt_channel_recv_timeout(
    ch: *mut c_void,
    out: *mut c_void,
    ms: i64,
    loc: Option<&WeftLoc>,
) -> i32 {
    chan(ch).recv_timeout(out.cast(), ms, loc) as i32
}
switching_entry!("weft_rt_channel_recv_timeout" => weft_rt_channel_recv_timeout);

/// `void weft_rt_channel_close(void *ch, const WeftLoc *loc)`
///
/// Closes the channel (idempotent): every parked receiver and sender wakes (receivers
/// with 1, senders with 1 and their element released); buffered values are still
/// delivered, then receives return 1; later sends return 1.
///
/// # Safety
/// `ch` is a live channel.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_close(ch: *mut c_void, loc: Option<&WeftLoc>) {
    chan(ch).close(loc)
}

/// `int64_t weft_rt_channel_len(void *ch, const WeftLoc *loc)`: number of buffered values.
///
/// # Safety
/// `ch` is a live channel.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_len(ch: *mut c_void, loc: Option<&WeftLoc>) -> i64 {
    chan(ch).len(loc) as i64
}

/// `void weft_rt_channel_destroy(void *ch, const WeftLoc *loc)`
///
/// Closes the channel (waking every waiter as `close` does), releases its buffered values
/// and marks it destroyed: any later operation panics `use of destroyed Channel`. The
/// object itself lives until its last release.
///
/// # Safety
/// `ch` is a live channel.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_destroy(ch: *mut c_void, loc: Option<&WeftLoc>) {
    chan(ch).destroy(loc)
}

/// `void weft_rt_channel_retain(void *ch)`: adds a count (null: no-op).
///
/// # Safety
/// `ch` is null or a live channel.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_retain(ch: *mut c_void) {
    handle::retain(ch.cast::<Channel>())
}

/// `void weft_rt_channel_release(void *ch)`: drops a count; the last one frees the channel
/// and releases the values still buffered (null: no-op).
///
/// # Safety
/// `ch` is null or a live channel the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_channel_release(ch: *mut c_void) {
    handle::release(ch.cast::<Channel>())
}

/// `int64_t weft_rt_select(const WeftSelectCase *cases, int64_t n, int64_t timeout_ms,
/// bool has_default, const WeftLoc *loc)`
///
/// ```c
/// typedef struct WeftSelectCase {
///     void *ch;         /* the channel; NULL: a case that never fires */
///     int32_t op;       /* 0 receive, 1 send */
///     void *value;      /* receive: the slot to fill; send: the element (always moved in) */
///     int32_t *status;  /* receives 0 ok or 1 closed when the case fires; nullable */
/// } WeftSelectCase;     /* 32 bytes */
/// ```
///
/// Waits until one case can proceed, performs it, and returns its index; among several
/// ready cases it picks one uniformly at random. Returns `n` at once when nothing is ready
/// and `has_default` (or `timeout_ms == 0`), and `n` when `timeout_ms > 0` milliseconds pass
/// first (`timeout_ms < 0`: no timeout). Every send case's element is moved in: the one that
/// fires goes to the channel (or is released when its channel is closed, status 1), the
/// others are released before the call returns. A green task cancelled while it waits
/// panics `cancelled` at `loc` (its elements released first), which ends it as cancelled,
/// as `lock()` does. Go's `selectgo`: every channel is locked in address order, one waiter
/// is queued on all of them, and the first notifier to claim it wins
/// (`runtime/src/sync/select.rs`).
///
/// # Safety
/// `cases` holds `n` cases whose channels are null or live, whose send elements hold one
/// element of their channel's type.
pub unsafe extern "C-unwind" fn weft_rt_select(
    cases: *const SelectCase,
    n: i64,
    timeout_ms: i64,
    has_default: bool,
    loc: Option<&WeftLoc>,
) -> i64 {
    let cases = if n <= 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(cases, n as usize)
    };
    let fired = select::select(cases, timeout_ms, has_default, loc);
    if fired == select::SELECT_CANCELLED {
        crate::panic::panic_at(crate::sched::CANCELLED_MESSAGE, loc);
    }
    fired
}
switching_entry!("weft_rt_select" => weft_rt_select);

// ---------------------------------------------------------------------------------------
// Mutexes.

unsafe fn mutex<'a>(m: *mut c_void) -> &'a Mutex {
    &*m.cast::<Mutex>()
}

/// `void *weft_rt_mutex_new(const WeftGlue *value_glue, const void *value)`
///
/// A new unlocked mutex (+1) guarding `*value` (moved in; `value_glue->size` bytes, which
/// may be 0; a NULL glue makes a bare lock). Bare `Mutex.new()` passes a size-0 glue or
/// NULL.
///
/// # Safety
/// `value_glue` is null or static; `value` holds a value of that type (or is null).
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_new(
    value_glue: *const WeftGlue,
    value: *const c_void,
) -> *mut c_void {
    Mutex::new(value_glue, value.cast()).cast()
}

/// `void weft_rt_mutex_lock(void *m, const WeftLoc *loc)`
///
/// Acquires the mutex (uncontended: one atomic instruction; contended: brief spinning,
/// then the caller parks). The holder is the calling task (kept across migrations between
/// workers) or OS thread. Panics `mutex already locked by this task` when the caller holds
/// it.
///
/// # Safety
/// `m` is a live mutex.
pub unsafe extern "C-unwind" fn weft_rt_mutex_lock(m: *mut c_void, loc: Option<&WeftLoc>) {
    mutex(m).lock(loc)
}
switching_entry!("weft_rt_mutex_lock" => weft_rt_mutex_lock);

/// `int32_t weft_rt_mutex_lock_or_cancel(void *m, const WeftLoc *loc)`: as
/// `weft_rt_mutex_lock`, but returns 2 without the lock when the calling task is cancelled
/// while it waits (0: acquired). What `withLock` calls (its result is then `Err`).
///
/// # Safety
/// `m` is a live mutex.
pub unsafe extern "C-unwind" fn weft_rt_mutex_lock_or_cancel(
    m: *mut c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    lock_status(mutex(m).lock_or_cancel(loc))
}
switching_entry!("weft_rt_mutex_lock_or_cancel" => weft_rt_mutex_lock_or_cancel);

/// The status of a cancellable lock: 0 acquired, 2 cancelled (`JoinStatus` numbering).
fn lock_status(acquired: bool) -> i32 {
    if acquired {
        0
    } else {
        2
    }
}

/// `void weft_rt_mutex_unlock(void *m, const WeftLoc *loc)`
///
/// Releases the mutex, waking one waiter if any. Panics `mutex not locked by this task`
/// unless the caller holds it.
///
/// # Safety
/// `m` is a live mutex.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_unlock(m: *mut c_void, loc: Option<&WeftLoc>) {
    mutex(m).unlock(loc)
}

/// `void *weft_rt_mutex_value(void *m)`: the address of the guarded value (valid while the
/// caller holds the lock; NULL for a bare lock). `withLock` is lock, call with this
/// pointer, unlock.
///
/// # Safety
/// `m` is a live mutex.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_value(m: *mut c_void) -> *mut c_void {
    mutex(m).value_ptr().cast()
}

/// `void weft_rt_mutex_destroy(void *m, const WeftLoc *loc)`: releases the guarded value
/// and marks the mutex destroyed (later operations panic `use of destroyed Mutex`).
///
/// # Safety
/// `m` is a live mutex.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_destroy(m: *mut c_void, loc: Option<&WeftLoc>) {
    mutex(m).destroy(loc)
}

/// `void weft_rt_mutex_retain(void *m)`: adds a count (null: no-op).
///
/// # Safety
/// `m` is null or a live mutex.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_retain(m: *mut c_void) {
    handle::retain(m.cast::<Mutex>())
}

/// `void weft_rt_mutex_release(void *m)`: drops a count; the last one frees the mutex and
/// releases its value (null: no-op).
///
/// # Safety
/// `m` is null or a live mutex the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_mutex_release(m: *mut c_void) {
    handle::release(m.cast::<Mutex>())
}

// ---------------------------------------------------------------------------------------
// Reader-writer locks.

unsafe fn rwlock<'a>(l: *mut c_void) -> &'a RwLock {
    &*l.cast::<RwLock>()
}

/// `void *weft_rt_rwlock_new(const WeftGlue *value_glue, const void *value)`: a new
/// writer-preferring reader-writer lock (+1) guarding `*value` (moved in; as
/// `weft_rt_mutex_new`).
///
/// # Safety
/// As `weft_rt_mutex_new`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_new(
    value_glue: *const WeftGlue,
    value: *const c_void,
) -> *mut c_void {
    RwLock::new(value_glue, value.cast()).cast()
}

/// `void weft_rt_rwlock_read_lock(void *l, const WeftLoc *loc)`: acquires a shared lock,
/// parking while a writer holds the lock or waits for it (writer preference). Panics
/// `rwlock already write-locked by this task` if the caller holds the write lock.
///
/// # Safety
/// `l` is a live lock.
pub unsafe extern "C-unwind" fn weft_rt_rwlock_read_lock(l: *mut c_void, loc: Option<&WeftLoc>) {
    rwlock(l).read_lock(loc)
}
switching_entry!("weft_rt_rwlock_read_lock" => weft_rt_rwlock_read_lock);

/// `int32_t weft_rt_rwlock_read_lock_or_cancel(void *l, const WeftLoc *loc)`: as
/// `weft_rt_rwlock_read_lock`, returning 2 without the lock when the calling task is
/// cancelled while it waits (0: acquired); for `withReadLock`.
///
/// # Safety
/// `l` is a live lock.
pub unsafe extern "C-unwind" fn weft_rt_rwlock_read_lock_or_cancel(
    l: *mut c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    lock_status(rwlock(l).read_lock_or_cancel(loc))
}
switching_entry!("weft_rt_rwlock_read_lock_or_cancel" => weft_rt_rwlock_read_lock_or_cancel);

/// `void weft_rt_rwlock_read_unlock(void *l, const WeftLoc *loc)`: releases a shared lock
/// (panics `rwlock not read-locked` when no reader holds it).
///
/// # Safety
/// `l` is a live lock.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_read_unlock(l: *mut c_void, loc: Option<&WeftLoc>) {
    rwlock(l).read_unlock(loc)
}

/// `void weft_rt_rwlock_write_lock(void *l, const WeftLoc *loc)`: acquires the exclusive
/// lock, parking while readers or another writer hold it. Panics `rwlock already
/// write-locked by this task` if the caller holds it.
///
/// # Safety
/// `l` is a live lock.
pub unsafe extern "C-unwind" fn weft_rt_rwlock_write_lock(l: *mut c_void, loc: Option<&WeftLoc>) {
    rwlock(l).write_lock(loc)
}
switching_entry!("weft_rt_rwlock_write_lock" => weft_rt_rwlock_write_lock);

/// `int32_t weft_rt_rwlock_write_lock_or_cancel(void *l, const WeftLoc *loc)`: as
/// `weft_rt_rwlock_write_lock`, returning 2 without the lock when the calling task is
/// cancelled while it waits (0: acquired); for `withWriteLock`.
///
/// # Safety
/// `l` is a live lock.
pub unsafe extern "C-unwind" fn weft_rt_rwlock_write_lock_or_cancel(
    l: *mut c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    lock_status(rwlock(l).write_lock_or_cancel(loc))
}
switching_entry!("weft_rt_rwlock_write_lock_or_cancel" => weft_rt_rwlock_write_lock_or_cancel);

/// `void weft_rt_rwlock_write_unlock(void *l, const WeftLoc *loc)`: releases the exclusive
/// lock (panics `rwlock not write-locked by this task` unless the caller holds it).
///
/// # Safety
/// `l` is a live lock.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_write_unlock(l: *mut c_void, loc: Option<&WeftLoc>) {
    rwlock(l).write_unlock(loc)
}

/// `void *weft_rt_rwlock_value(void *l)`: the guarded value's address (valid while locked;
/// NULL for a bare lock).
///
/// # Safety
/// `l` is a live lock.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_value(l: *mut c_void) -> *mut c_void {
    rwlock(l).value_ptr().cast()
}

/// `void weft_rt_rwlock_destroy(void *l, const WeftLoc *loc)`: releases the value and marks
/// the lock destroyed (later operations panic `use of destroyed RwLock`).
///
/// # Safety
/// `l` is a live lock.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_destroy(l: *mut c_void, loc: Option<&WeftLoc>) {
    rwlock(l).destroy(loc)
}

/// `void weft_rt_rwlock_retain(void *l)`: adds a count (null: no-op).
///
/// # Safety
/// `l` is null or a live lock.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_retain(l: *mut c_void) {
    handle::retain(l.cast::<RwLock>())
}

/// `void weft_rt_rwlock_release(void *l)`: drops a count; the last one frees the lock and
/// its value (null: no-op).
///
/// # Safety
/// `l` is null or a live lock the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_rwlock_release(l: *mut c_void) {
    handle::release(l.cast::<RwLock>())
}

// ---------------------------------------------------------------------------------------
// Condition variables.

unsafe fn condvar<'a>(cv: *mut c_void) -> &'a Condvar {
    &*cv.cast::<Condvar>()
}

/// `void *weft_rt_condvar_new(void)`: a new condition variable (+1).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_condvar_new() -> *mut c_void {
    Condvar::new().cast()
}

/// `void weft_rt_condvar_wait(void *cv, void *m, const WeftLoc *loc)`
///
/// Atomically releases `m` and waits for a signal, then reacquires `m` before returning
/// (spurious wake-ups are allowed by the contract). Panics `mutex not locked by this task`
/// unless the caller holds `m`.
///
/// # Safety
/// `cv` and `m` are live.
pub unsafe extern "C-unwind" fn weft_rt_condvar_wait(
    cv: *mut c_void,
    m: *mut c_void,
    loc: Option<&WeftLoc>,
) {
    condvar(cv).wait(mutex(m), None, loc);
}
switching_entry!("weft_rt_condvar_wait" => weft_rt_condvar_wait);

/// `bool weft_rt_condvar_wait_timeout(void *cv, void *m, int64_t ms, const WeftLoc *loc)`:
/// like `weft_rt_condvar_wait`, giving up after `ms` milliseconds; false on timeout (the
/// mutex is reacquired either way).
///
/// # Safety
/// `cv` and `m` are live.
pub unsafe extern "C-unwind" fn weft_rt_condvar_wait_timeout(
    cv: *mut c_void,
    m: *mut c_void,
    ms: i64,
    loc: Option<&WeftLoc>,
) -> bool {
    let deadline = crate::os::clock::deadline_after_ms(ms);
    condvar(cv).wait(mutex(m), Some(deadline), loc)
}
switching_entry!("weft_rt_condvar_wait_timeout" => weft_rt_condvar_wait_timeout);

/// `void weft_rt_condvar_signal(void *cv, const WeftLoc *loc)`: wakes one waiter, if any.
///
/// # Safety
/// `cv` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_condvar_signal(cv: *mut c_void, loc: Option<&WeftLoc>) {
    condvar(cv).signal(loc)
}

/// `void weft_rt_condvar_broadcast(void *cv, const WeftLoc *loc)`: wakes every waiter.
///
/// # Safety
/// `cv` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_condvar_broadcast(cv: *mut c_void, loc: Option<&WeftLoc>) {
    condvar(cv).broadcast(loc)
}

/// `void weft_rt_condvar_destroy(void *cv, const WeftLoc *loc)`: wakes every waiter and
/// marks the condition variable destroyed (later operations panic `use of destroyed
/// Condvar`).
///
/// # Safety
/// `cv` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_condvar_destroy(cv: *mut c_void, loc: Option<&WeftLoc>) {
    condvar(cv).destroy(loc)
}

/// `void weft_rt_condvar_retain(void *cv)`: adds a count (null: no-op).
///
/// # Safety
/// `cv` is null or live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_condvar_retain(cv: *mut c_void) {
    handle::retain(cv.cast::<Condvar>())
}

/// `void weft_rt_condvar_release(void *cv)`: drops a count; the last one frees it.
///
/// # Safety
/// `cv` is null or live, and the caller gives a count of it.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_condvar_release(cv: *mut c_void) {
    handle::release(cv.cast::<Condvar>())
}

// ---------------------------------------------------------------------------------------
// Wait groups.

unsafe fn wait_group<'a>(wg: *mut c_void) -> &'a WaitGroup {
    &*wg.cast::<WaitGroup>()
}

/// `void *weft_rt_wait_group_new(void)`: a new wait group (+1) with counter 0.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_wait_group_new() -> *mut c_void {
    WaitGroup::new().cast()
}

/// `void weft_rt_wait_group_add(void *wg, int64_t n, const WeftLoc *loc)`: adds `n` (may
/// be negative) to the counter; reaching zero wakes every waiter. Panics `negative
/// WaitGroup counter` if the counter would drop below zero.
///
/// # Safety
/// `wg` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_wait_group_add(
    wg: *mut c_void,
    n: i64,
    loc: Option<&WeftLoc>,
) {
    wait_group(wg).add(n, loc)
}

/// `void weft_rt_wait_group_done(void *wg, const WeftLoc *loc)`: `add(wg, -1)`.
///
/// # Safety
/// `wg` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_wait_group_done(wg: *mut c_void, loc: Option<&WeftLoc>) {
    wait_group(wg).add(-1, loc)
}

/// `void weft_rt_wait_group_wait(void *wg, const WeftLoc *loc)`: parks until the counter
/// is zero (returns at once if it is).
///
/// # Safety
/// `wg` is live.
pub unsafe extern "C-unwind" fn weft_rt_wait_group_wait(wg: *mut c_void, loc: Option<&WeftLoc>) {
    wait_group(wg).wait(loc)
}
switching_entry!("weft_rt_wait_group_wait" => weft_rt_wait_group_wait);

/// `void weft_rt_wait_group_destroy(void *wg, const WeftLoc *loc)`: wakes every waiter and
/// marks the wait group destroyed (later operations panic `use of destroyed WaitGroup`).
///
/// # Safety
/// `wg` is live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_wait_group_destroy(wg: *mut c_void, loc: Option<&WeftLoc>) {
    wait_group(wg).destroy(loc)
}

/// `void weft_rt_wait_group_retain(void *wg)`: adds a count (null: no-op).
///
/// # Safety
/// `wg` is null or live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_wait_group_retain(wg: *mut c_void) {
    handle::retain(wg.cast::<WaitGroup>())
}

/// `void weft_rt_wait_group_release(void *wg)`: drops a count; the last one frees it.
///
/// # Safety
/// `wg` is null or live, and the caller gives a count of it.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_wait_group_release(wg: *mut c_void) {
    handle::release(wg.cast::<WaitGroup>())
}

// ---------------------------------------------------------------------------------------
// Atomics: `{ int64_t rc; _Atomic int64_t value /* offset 8 */; uint8_t destroyed /* offset
// 16 */; }`. Generated code uses LLVM atomic instructions on the value directly; these
// out-of-line forms check the destroyed flag. Orderings: 0 Relaxed, 1 Acquire, 2 Release,
// 3 AcqRel, 4 SeqCst; a load's release part and a store's acquire part are dropped
// (Release/AcqRel load = Acquire, Acquire/AcqRel store = Release); a compare-exchange's
// failure ordering is derived as Rust does.

unsafe fn atomic<'a>(a: *mut c_void) -> &'a Atomic {
    &*a.cast::<Atomic>()
}

/// `void *weft_rt_atomic_new(int64_t value)`: a new atomic (+1) holding `value` (also for
/// `AtomicBool` and `Atomic<T>`: the value is the low bytes of the 64-bit field).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_atomic_new(value: i64) -> *mut c_void {
    Atomic::new(value).cast()
}

/// `int64_t weft_rt_atomic_load(void *a, int32_t ordering, const WeftLoc *loc)`
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_load(
    a: *mut c_void,
    ordering: i32,
    loc: Option<&WeftLoc>,
) -> i64 {
    atomic(a).load(ordering, loc)
}

/// `void weft_rt_atomic_store(void *a, int64_t v, int32_t ordering, const WeftLoc *loc)`
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_store(
    a: *mut c_void,
    v: i64,
    ordering: i32,
    loc: Option<&WeftLoc>,
) {
    atomic(a).store(v, ordering, loc)
}

/// `int64_t weft_rt_atomic_fetch_add(void *a, int64_t v, int32_t ordering, const WeftLoc
/// *loc)`: adds `v` (wrapping) and returns the previous value (`add` returns it + `v`).
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_fetch_add(
    a: *mut c_void,
    v: i64,
    ordering: i32,
    loc: Option<&WeftLoc>,
) -> i64 {
    atomic(a).fetch_add(v, ordering, loc)
}

/// `int64_t weft_rt_atomic_swap(void *a, int64_t v, int32_t ordering, const WeftLoc *loc)`:
/// stores `v`, returns the previous value.
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_swap(
    a: *mut c_void,
    v: i64,
    ordering: i32,
    loc: Option<&WeftLoc>,
) -> i64 {
    atomic(a).swap(v, ordering, loc)
}

/// `bool weft_rt_atomic_compare_exchange(void *a, int64_t expected, int64_t new, int32_t
/// ordering, const WeftLoc *loc)`: stores `new` if the value is `expected`; returns
/// whether it did.
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_compare_exchange(
    a: *mut c_void,
    expected: i64,
    new: i64,
    ordering: i32,
    loc: Option<&WeftLoc>,
) -> bool {
    atomic(a).compare_exchange(expected, new, ordering, loc) == expected
}

/// `void weft_rt_atomic_destroy(void *a, const WeftLoc *loc)`: marks the atomic destroyed
/// (later out-of-line operations panic `use of destroyed AtomicI64`).
///
/// # Safety
/// `a` is a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_destroy(a: *mut c_void, loc: Option<&WeftLoc>) {
    atomic(a).destroy(loc)
}

/// `void weft_rt_atomic_retain(void *a)`: adds a count (null: no-op).
///
/// # Safety
/// `a` is null or a live atomic.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_retain(a: *mut c_void) {
    handle::retain(a.cast::<Atomic>())
}

/// `void weft_rt_atomic_release(void *a)`: drops a count; the last one frees it.
///
/// # Safety
/// `a` is null or a live atomic the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_atomic_release(a: *mut c_void) {
    handle::release(a.cast::<Atomic>())
}
