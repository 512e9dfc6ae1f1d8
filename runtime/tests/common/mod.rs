//! Helpers shared by the runtime's integration tests: each test binary declares
//! `mod common;` and uses what it needs (the whole-process scenario driver is
//! [`process`]).

#![allow(dead_code)]

pub mod channel;
pub mod process;

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use weft_rt::abi::vec::weft_rt_vec_reserve;
use weft_rt::obj::rc::{GlueCompare, WeftGlue};
use weft_rt::obj::string::{WeftStr, STR_GLUE};
use weft_rt::obj::vec::WeftVec;
use weft_rt::sched;

/// Glue of plain 8-byte values (`i64`).
pub static I64: WeftGlue = WeftGlue::plain(8, 8);

/// A new string with `text`'s bytes.
pub fn s(text: &str) -> WeftStr {
    WeftStr::from_bytes(text.as_bytes())
}

/// The text of an owned string, which is released.
pub fn take(v: WeftStr) -> String {
    let t = String::from_utf8_lossy(v.as_bytes()).into_owned();
    unsafe { v.release() };
    t
}

/// The strings of an owned `Vec<string>`, which is released.
pub fn take_vec(v: WeftVec) -> Vec<String> {
    let parts = unsafe { std::slice::from_raw_parts(v.data().cast::<WeftStr>(), v.len()) };
    let out = parts
        .iter()
        .map(|p| String::from_utf8_lossy(p.as_bytes()).into_owned())
        .collect();
    unsafe { v.release(&STR_GLUE) };
    out
}

/// What generated code does for `v.push(x)`: the inline fast path, else reserve first.
///
/// # Safety
/// `v` holds elements of type `T` described by `g`.
pub unsafe fn push<T>(v: &mut WeftVec, x: T, g: &WeftGlue) {
    let h = v.as_ptr();
    if !((*h).rc.load(Ordering::Acquire) == 1 && (*h).len < (*h).cap) {
        weft_rt_vec_reserve(v, 1, g);
    }
    let h = v.as_ptr();
    v.data().cast::<T>().add((*h).len as usize).write(x);
    (*h).len += 1;
}

/// Retain and release counters, one slot per test that uses a counting glue.
static RETAINS: [AtomicI64; 8] = [const { AtomicI64::new(0) }; 8];
static RELEASES: [AtomicI64; 8] = [const { AtomicI64::new(0) }; 8];

unsafe extern "C" fn count_retain<const N: usize>(_: *mut u8) {
    RETAINS[N].fetch_add(1, Ordering::Relaxed);
}

unsafe extern "C" fn count_release<const N: usize>(_: *mut u8) {
    RELEASES[N].fetch_add(1, Ordering::Relaxed);
}

/// Glue for `size`-byte values (8-aligned) that counts retains and releases in slot `N`.
pub const fn counting<const N: usize>(size: i64, compare: Option<GlueCompare>) -> WeftGlue {
    WeftGlue {
        size,
        align: 8,
        retain: Some(count_retain::<N>),
        release: Some(count_release::<N>),
        compare,
    }
}

/// The retains and releases counted in slot `n` so far.
pub fn counts(n: usize) -> (i64, i64) {
    (
        RETAINS[n].load(Ordering::Relaxed),
        RELEASES[n].load(Ordering::Relaxed),
    )
}

/// A runtime handle shared between threads and tasks.
#[derive(Clone, Copy)]
pub struct H(pub *mut c_void);
// SAFETY: runtime handles are thread-safe.
unsafe impl Send for H {}
// SAFETY: as above.
unsafe impl Sync for H {}

impl H {
    /// The raw handle (a method, so closures capture the whole `H`).
    pub fn p(self) -> *mut c_void {
        self.0
    }
}

/// Starts an OS thread running `f`, registered with the runtime (so the deadlock detector
/// counts it as running) before this returns — as `Thread.spawn` threads are.
pub fn os_thread<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> std::thread::JoinHandle<R> {
    let ready = Arc::new(AtomicBool::new(false));
    let r = ready.clone();
    let t = std::thread::spawn(move || {
        sched::enter_os_thread("helper");
        r.store(true, Ordering::SeqCst);
        f()
    });
    while !ready.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    t
}

/// Runs `f` as a green task and waits for it from this OS thread.
pub fn in_task<R: Clone + Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    sched::spawn(f).join().expect("task failed")
}
