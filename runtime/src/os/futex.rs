//! Linux futex wait and wake on a 32-bit atomic word (private to the process).
//!
//! Deadlines are absolute [`crate::os::clock::now_ns`] values (CLOCK_MONOTONIC), passed to
//! `FUTEX_WAIT_BITSET`, which takes an absolute time, as Rust std's futex module does.

use std::sync::atomic::AtomicU32;

/// Sleeps while `*word == expected`, until woken, interrupted, or `deadline_ns` (an
/// absolute monotonic time in ns) passes. Spurious returns are possible: callers re-check
/// their condition. Returns false when the deadline passed.
pub fn wait(word: &AtomicU32, expected: u32, deadline_ns: Option<u64>) -> bool {
    let ts = deadline_ns.map(super::clock::timespec);
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a valid aligned u32 for the duration of the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT_BITSET | libc::FUTEX_PRIVATE_FLAG,
            expected,
            ts_ptr,
            std::ptr::null::<u32>(),
            !0u32,
        )
    };
    !(r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT))
}

/// Wakes one thread sleeping in [`wait`] on `word`.
pub fn wake_one(word: &AtomicU32) {
    // SAFETY: waking never touches memory.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            1,
        );
    }
}
