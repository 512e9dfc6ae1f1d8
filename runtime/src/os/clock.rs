//! The monotonic clock: every deadline in the runtime is an absolute [`now_ns`] value.

/// Nanoseconds of the monotonic clock (CLOCK_MONOTONIC; arbitrary origin, never goes back).
#[inline]
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Milliseconds of the monotonic clock (see [`now_ns`]).
pub fn now_ms() -> u64 {
    now_ns() / 1_000_000
}

/// `ns` nanoseconds as a `timespec` (an absolute time or a duration).
pub fn timespec(ns: u64) -> libc::timespec {
    libc::timespec {
        tv_sec: (ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    }
}

/// The absolute [`now_ns`] deadline `ms` milliseconds from now (saturating).
pub fn deadline_after_ms(ms: i64) -> u64 {
    now_ns().saturating_add((ms.max(0) as u64).saturating_mul(1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_monotonic() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
        assert!(now_ms() >= a / 1_000_000);
    }
}
