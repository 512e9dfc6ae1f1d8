//! The lock of the scheduler's short critical sections (a task's joiner list and children,
//! timer heaps): the same test-and-test-and-set lock with backoff that guards channels and
//! wait queues ([`crate::sync::rawlock`]). Holders never block or switch while holding it.

pub use crate::sync::rawlock::{Locked as SpinLock, LockedGuard as SpinGuard};
