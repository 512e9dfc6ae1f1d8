//! Atomic integers (`AtomicI64`, `AtomicBool`, `Atomic<T>` for integer or bool `T`): a
//! reference-counted object whose value generated code reaches directly with LLVM atomic
//! instructions.
//!
//! Layout (C), 24 bytes, align 8:
//! ```c
//! struct WeftAtomic {
//!     _Atomic int64_t rc;      /* offset 0: reference count */
//!     _Atomic int64_t value;   /* offset 8: the value (narrower types use its low bytes) */
//!     _Atomic uint8_t destroyed; /* offset 16: set by destroy */
//!     uint8_t kind;            /* offset 17: 0 AtomicI64, 1 AtomicBool, 2 Atomic<T> */
//! };
//! ```
//! Invariants: `value` stays at offset 8 and the destroyed flag at offset 16 (after the
//! value, so generated code may treat `{ rc, value }` as a prefix); the out-of-line
//! operations check the flag, inline atomic instructions in generated code do not.
//! `kind` only names the type in the `use of destroyed <Kind>` panic: `new` makes an
//! `AtomicI64`, and generated code stores the kind of the other types right after `new`,
//! before the handle is shared.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};

use super::handle::{self, Handle};
use crate::panic::WeftLoc;

/// An atomic integer object (see the module docs for the layout).
#[repr(C)]
#[derive(Debug)]
pub struct Atomic {
    rc: AtomicI64,
    /// The value (offset 8).
    pub value: AtomicI64,
    destroyed: AtomicBool,
    /// Which std type this is, for panics (offset 17; see the module docs).
    kind: AtomicU8,
}

// SAFETY: `rc` is the first field of a `repr(C)` struct allocated by `handle::into_raw`.
unsafe impl Handle for Atomic {
    const DESTROYED: &'static str = "use of destroyed AtomicI64";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
    fn destroyed_message(&self) -> &'static str {
        match self.kind.load(Ordering::Relaxed) {
            KIND_BOOL => "use of destroyed AtomicBool",
            KIND_GENERIC => "use of destroyed Atomic",
            _ => Self::DESTROYED,
        }
    }
}

/// `kind` of an `AtomicBool`.
pub const KIND_BOOL: u8 = 1;
/// `kind` of an `Atomic<T>`.
pub const KIND_GENERIC: u8 = 2;

/// Byte offset of `value` in the object (ABI).
pub const VALUE_OFFSET: usize = std::mem::offset_of!(Atomic, value);
/// Byte offset of the destroyed flag in the object (ABI).
pub const DESTROYED_OFFSET: usize = std::mem::offset_of!(Atomic, destroyed);
/// Byte offset of the kind byte in the object (ABI).
pub const KIND_OFFSET: usize = std::mem::offset_of!(Atomic, kind);

/// The ABI's ordering codes: 0 Relaxed, 1 Acquire, 2 Release, 3 AcqRel, 4 SeqCst (any
/// other value counts as SeqCst).
pub fn ordering(code: i32) -> Ordering {
    match code {
        0 => Ordering::Relaxed,
        1 => Ordering::Acquire,
        2 => Ordering::Release,
        3 => Ordering::AcqRel,
        _ => Ordering::SeqCst,
    }
}

/// `ordering` made valid for a load: a release part becomes acquire (Release → Acquire,
/// AcqRel → Acquire).
pub fn load_ordering(code: i32) -> Ordering {
    match ordering(code) {
        Ordering::Release | Ordering::AcqRel => Ordering::Acquire,
        o => o,
    }
}

/// `ordering` made valid for a store: an acquire part becomes release (Acquire → Release,
/// AcqRel → Release).
pub fn store_ordering(code: i32) -> Ordering {
    match ordering(code) {
        Ordering::Acquire | Ordering::AcqRel => Ordering::Release,
        o => o,
    }
}

/// The failure ordering Rust derives for a compare-exchange with success ordering `o`.
pub fn failure_ordering(o: Ordering) -> Ordering {
    match o {
        Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
        Ordering::Acquire | Ordering::AcqRel => Ordering::Acquire,
        _ => Ordering::SeqCst,
    }
}

impl Atomic {
    /// A new atomic holding `value`, with count 1.
    pub fn new(value: i64) -> *mut Atomic {
        handle::into_raw(Atomic {
            rc: AtomicI64::new(1),
            value: AtomicI64::new(value),
            destroyed: AtomicBool::new(false),
            kind: AtomicU8::new(0),
        })
    }

    /// Loads the value.
    pub fn load(&self, order: i32, loc: Option<&WeftLoc>) -> i64 {
        self.check_live(loc);
        self.value.load(load_ordering(order))
    }

    /// Stores `v`.
    pub fn store(&self, v: i64, order: i32, loc: Option<&WeftLoc>) {
        self.check_live(loc);
        self.value.store(v, store_ordering(order))
    }

    /// Adds `v` (wrapping) and returns the previous value.
    pub fn fetch_add(&self, v: i64, order: i32, loc: Option<&WeftLoc>) -> i64 {
        self.check_live(loc);
        self.value.fetch_add(v, ordering(order))
    }

    /// Stores `v` and returns the previous value.
    pub fn swap(&self, v: i64, order: i32, loc: Option<&WeftLoc>) -> i64 {
        self.check_live(loc);
        self.value.swap(v, ordering(order))
    }

    /// Stores `new` if the value is `expected`; returns the previous value either way
    /// (success iff it equals `expected`).
    pub fn compare_exchange(
        &self,
        expected: i64,
        new: i64,
        order: i32,
        loc: Option<&WeftLoc>,
    ) -> i64 {
        self.check_live(loc);
        let o = ordering(order);
        match self
            .value
            .compare_exchange(expected, new, o, failure_ordering(o))
        {
            Ok(v) | Err(v) => v,
        }
    }

    /// Marks the atomic destroyed; panics `use of destroyed AtomicI64` (or its kind) if it
    /// already was.
    pub fn destroy(&self, loc: Option<&WeftLoc>) {
        self.mark_destroyed(loc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_the_abi() {
        assert_eq!(VALUE_OFFSET, 8);
        assert_eq!(DESTROYED_OFFSET, 16);
        assert_eq!(KIND_OFFSET, 17);
        assert_eq!(std::mem::size_of::<Atomic>(), 24);
    }

    #[test]
    fn operations_and_orderings() {
        let a = unsafe { &*Atomic::new(5) };
        for code in 0..5 {
            assert_eq!(a.load(code, None), 5);
            a.store(5, code, None);
            assert_eq!(a.compare_exchange(5, 5, code, None), 5);
        }
        assert_eq!(a.fetch_add(2, 4, None), 5);
        assert_eq!(a.swap(1, 3, None), 7);
        assert_eq!(a.compare_exchange(0, 9, 2, None), 1);
        assert_eq!(a.compare_exchange(1, 9, 1, None), 1);
        assert_eq!(a.load(4, None), 9);
        unsafe { handle::release(a as *const Atomic as *mut Atomic) };
    }
}
