//! The atomics of solo mode: read-modify-writes that are plain loads and stores while one
//! worker is the only thread that can touch runtime state, and the flag they read. When
//! solo mode starts and ends, and why it is sound, is the scheduler's business: see
//! `sched/solo.rs`, the only writer of the flag.

use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

/// The fast flag every [`SoloRmw`] operation reads.
static SOLO: AtomicBool = AtomicBool::new(false);

/// Whether solo mode is on (only the owner can observe `true`).
#[inline(always)]
pub fn active() -> bool {
    SOLO.load(Ordering::Relaxed)
}

/// Turns solo mode's flag on or off (the scheduler's solo-mode transitions only, on the
/// owner's thread).
#[inline(always)]
pub(crate) fn set_active(on: bool) {
    SOLO.store(on, Ordering::Relaxed);
}

/// Read-modify-write operations on atomics that are plain loads and stores while solo mode
/// is on (see `sched/solo.rs`), and the usual atomic operations otherwise.
pub(crate) trait SoloRmw {
    /// The atomic's value type.
    type Value: Copy;
    /// `compare_exchange` (strong).
    fn solo_cas(
        &self,
        current: Self::Value,
        new: Self::Value,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::Value, Self::Value>;
    /// `swap`.
    fn solo_swap(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `store`, for orderings (`SeqCst`) that would cost a locked instruction.
    fn solo_store(&self, value: Self::Value, order: Ordering);
}

/// Arithmetic read-modify-writes of integer atomics, plain while solo (see [`SoloRmw`]).
pub(crate) trait SoloArith: SoloRmw {
    /// `fetch_add` (wrapping).
    fn solo_fetch_add(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_sub` (wrapping).
    fn solo_fetch_sub(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_or`.
    fn solo_fetch_or(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// `fetch_and`.
    fn solo_fetch_and(&self, value: Self::Value, order: Ordering) -> Self::Value;
}

macro_rules! solo_rmw {
    ($atomic:ty, $value:ty $(, $generic:ident)?) => {
        impl$(<$generic>)? SoloRmw for $atomic {
            type Value = $value;

            #[inline(always)]
            fn solo_cas(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    if v != current {
                        return Err(v);
                    }
                    self.store(new, Ordering::Relaxed);
                    Ok(v)
                } else {
                    self.compare_exchange(current, new, success, failure)
                }
            }

            #[inline(always)]
            fn solo_swap(&self, value: $value, order: Ordering) -> $value {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    self.store(value, Ordering::Relaxed);
                    v
                } else {
                    self.swap(value, order)
                }
            }

            #[inline(always)]
            fn solo_store(&self, value: $value, order: Ordering) {
                if active() {
                    self.store(value, Ordering::Relaxed)
                } else {
                    self.store(value, order)
                }
            }
        }
    };
}

macro_rules! solo_arith {
    ($atomic:ty, $value:ty) => {
        solo_rmw!($atomic, $value);

        impl SoloArith for $atomic {
            #[inline(always)]
            fn solo_fetch_add(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(
                    order,
                    |v| v.wrapping_add(value),
                    |a, o| a.fetch_add(value, o),
                )
            }

            #[inline(always)]
            fn solo_fetch_sub(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(
                    order,
                    |v| v.wrapping_sub(value),
                    |a, o| a.fetch_sub(value, o),
                )
            }

            #[inline(always)]
            fn solo_fetch_or(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(order, |v| v | value, |a, o| a.fetch_or(value, o))
            }

            #[inline(always)]
            fn solo_fetch_and(&self, value: $value, order: Ordering) -> $value {
                self.solo_update(order, |v| v & value, |a, o| a.fetch_and(value, o))
            }
        }

        impl SoloUpdate for $atomic {
            type V = $value;

            #[inline(always)]
            fn solo_update(
                &self,
                order: Ordering,
                plain: impl FnOnce($value) -> $value,
                atomic: impl FnOnce(&Self, Ordering) -> $value,
            ) -> $value {
                if active() {
                    let v = self.load(Ordering::Relaxed);
                    self.store(plain(v), Ordering::Relaxed);
                    v
                } else {
                    atomic(self, order)
                }
            }
        }
    };
}

/// The one place the plain and atomic forms of an arithmetic update split.
trait SoloUpdate: Sized {
    type V;
    fn solo_update(
        &self,
        order: Ordering,
        plain: impl FnOnce(Self::V) -> Self::V,
        atomic: impl FnOnce(&Self, Ordering) -> Self::V,
    ) -> Self::V;
}

solo_rmw!(AtomicBool, bool);
solo_rmw!(AtomicPtr<T>, *mut T, T);
solo_arith!(AtomicU8, u8);
solo_arith!(AtomicU32, u32);
solo_arith!(AtomicU64, u64);
solo_arith!(AtomicI64, i64);
solo_arith!(AtomicUsize, usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_the_atomic_ones_outside_solo_mode() {
        assert!(!active(), "tests run the runtime on threads of its own");
        let a = AtomicU64::new(5);
        assert_eq!(a.solo_cas(5, 7, Ordering::AcqRel, Ordering::Relaxed), Ok(5));
        assert_eq!(
            a.solo_cas(5, 9, Ordering::AcqRel, Ordering::Relaxed),
            Err(7)
        );
        assert_eq!(a.solo_swap(1, Ordering::AcqRel), 7);
        assert_eq!(a.solo_fetch_add(3, Ordering::AcqRel), 1);
        assert_eq!(a.solo_fetch_sub(1, Ordering::AcqRel), 4);
        assert_eq!(a.solo_fetch_or(8, Ordering::AcqRel), 3);
        assert_eq!(a.solo_fetch_and(9, Ordering::AcqRel), 11);
        assert_eq!(a.load(Ordering::Relaxed), 9);
        let b = AtomicBool::new(false);
        assert!(!b.solo_swap(true, Ordering::AcqRel));
        b.solo_store(false, Ordering::SeqCst);
        assert!(!b.load(Ordering::Relaxed));
    }
}
