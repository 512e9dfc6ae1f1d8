//! OS threads (`Thread.spawn`, [`os_thread`]) and the blocking pool (`blocking { }`,
//! `Promise.blocking`).
//!
//! # Threads
//! A [`Thread`] is a pthread with an 8 MiB stack and a guard page, registered with the
//! scheduler (its alternate signal stack, its name `thread-N`, and the count of running OS
//! threads the deadlock detector reads) from before it starts until it exits. Its entry
//! function runs on a context prepared just below the thread's start frame
//! ([`escape`]): a panic in it (`sched::panic_current` calls the hook this layer registers
//! with the thread, [`escape::os_thread_panicked`])
//! switches straight back to the start frame — abandoning the panicking frames as a
//! finished green task's are — and is delivered to the joiner.
//!
//! Invariants of a thread object:
//! - `rc` counts the handles plus one *life* count held by the running thread until it has
//!   finished and woken its joiner; the object is freed at 0;
//! - `joined` goes false → true once (a second join panics `thread already joined`);
//!   `state.done` goes false → true once, under `state`'s lock, after the outcome and panic
//!   message are written; the one joiner's waiter is registered under the same lock only
//!   while not done, so it is woken exactly once;
//! - a panic is delivered when someone can still join (a handle exists or a join is in
//!   progress); otherwise — or when the last handle goes away without a join — it is
//!   printed and the process exits with 101, as for a panicking detached task.
//!
//! # The blocking pool ([`blocking`])
//! [`blocking_spawn`] runs `entry(env, slot)` on a pool of OS threads and returns an
//! ordinary task handle (a [`Task`] that no worker ever runs: it is `RUNNING` from the
//! start), so joins, `wait_any` and releases treat it as any promise. Threads are started
//! on demand when no pool thread is idle, and an idle thread exits after
//! [`POOL_IDLE_MS`]. Idle pool threads are not counted as running for deadlock detection;
//! whoever hands one a job counts it again before waking it (the scheduler's rule for
//! parked threads), and a new thread is counted by its spawner until it registers.

pub mod blocking;
pub(crate) mod escape;
pub mod os_thread;

pub use blocking::{blocking_spawn, blocking_spawn_site, pool_threads, POOL_IDLE_MS};
pub use os_thread::{current, ncpu, spawn, Thread, THREAD_STACK_SIZE};
