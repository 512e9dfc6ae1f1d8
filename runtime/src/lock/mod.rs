//! Low-level locking primitives that both the scheduler and the synchronization layer
//! build on:
//!
//! - [`solo_rmw`]: atomic read-modify-writes that become plain loads and stores in solo
//!   mode (the mode itself is the scheduler's, `sched/solo.rs`);
//! - [`rawlock`]: the short spin lock of the internal critical sections (worker timer
//!   heaps, task links, thread join states, channels, wait queues);
//! - [`held`]: the list of locks a task or thread holds, released when it ends.
//!
//! Only [`crate::os`] lies below.

pub mod held;
pub mod rawlock;
pub mod solo_rmw;
