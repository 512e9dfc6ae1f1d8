//! The list of locks a green task or OS thread holds, so that its end can release them
//! (the policy, and the locks themselves, are the synchronization layer's: see
//! `sync/held.rs`). The list lives here, below both, because the scheduler keeps a task's
//! list in its activation and ends it when the task finishes or fails.
//!
//! Invariants:
//! - only the holder touches its list (a task's list moves with the task between workers);
//! - a list is made only by the synchronization layer ([`set_end`] first), so the
//!   scheduler's [`end`] of a non-empty list always reaches the registered policy.

use std::sync::OnceLock;

/// How a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum HeldKind {
    /// A mutex.
    Mutex = 0,
    /// A read lock of a reader-writer lock.
    Read = 1,
    /// The write lock of a reader-writer lock.
    Write = 2,
}

/// One held lock: the lock object's address (8-aligned) with its [`HeldKind`] in the low
/// bits, so that recording and forgetting a lock move one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held(usize);

impl Held {
    #[inline]
    fn new(lock: *const u8, kind: HeldKind) -> Held {
        Held(lock as usize | kind as usize)
    }

    /// The lock object's address.
    pub fn lock(self) -> *const u8 {
        (self.0 & !7) as *const u8
    }

    /// How it is held.
    pub fn kind(self) -> HeldKind {
        match self.0 & 7 {
            0 => HeldKind::Mutex,
            1 => HeldKind::Read,
            _ => HeldKind::Write,
        }
    }
}

/// The locks one task or thread holds, oldest first.
pub type HeldList = Vec<Held>;

/// How a holder ends, which decides what happens to the locks it still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// By a panic (or a cancellation it re-raises): everything is released.
    Panicked,
    /// Normally: mutexes stay locked but orphaned, reader and writer locks are released.
    Returned,
}

/// What ends a list: the synchronization layer's policy.
///
/// # Safety
/// The list belongs to the calling task or thread, which is ending; every listed lock is
/// allocated and held as listed.
pub type EndFn = unsafe fn(list: *mut HeldList, ending: Ending);

static END: OnceLock<EndFn> = OnceLock::new();

/// Registers the policy [`end`] applies (the synchronization layer, before it makes its
/// first list; later calls change nothing).
pub fn set_end(f: EndFn) {
    let _ = END.set(f);
}

/// Ends `list` (empties it) for a holder ending as `ending`.
///
/// # Safety
/// As for [`EndFn`].
pub unsafe fn end(list: *mut HeldList, ending: Ending) {
    if let Some(f) = END.get() {
        f(list, ending);
    }
}

/// Records that the holder of `list` has acquired `lock`.
///
/// # Safety
/// `list` is the caller's own list.
#[inline]
pub unsafe fn note(list: *mut HeldList, lock: *const u8, kind: HeldKind) {
    (*list).push(Held::new(lock, kind));
}

/// Forgets the most recent entry for `lock` held as `kind`, before it is released.
///
/// # Safety
/// `list` is the caller's own list.
#[inline]
pub unsafe fn forget(list: *mut HeldList, lock: *const u8, kind: HeldKind) {
    let list = &mut *list;
    let entry = Held::new(lock, kind);
    if list.last() == Some(&entry) {
        list.pop();
    } else if let Some(i) = list.iter().rposition(|h| *h == entry) {
        list.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_address_and_kind() {
        let lock = 0x1000 as *const u8;
        for kind in [HeldKind::Mutex, HeldKind::Read, HeldKind::Write] {
            let h = Held::new(lock, kind);
            assert_eq!((h.lock(), h.kind()), (lock, kind));
        }
        let mut list = HeldList::new();
        unsafe {
            note(&mut list, lock, HeldKind::Read);
            note(&mut list, lock, HeldKind::Write);
            forget(&mut list, lock, HeldKind::Read);
        }
        assert_eq!(list, vec![Held::new(lock, HeldKind::Write)]);
    }
}
