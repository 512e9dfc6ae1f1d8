//! The M:N work-stealing scheduler of green tasks.
//!
//! # Shape
//! `WEFT_THREADS` workers (default: the number of CPUs; [`scheduler`]) each run a scheduler
//! loop on their own OS thread ([`worker`]); `weft_rt_start` makes the process's own thread
//! worker 0 and runs `main` as the first task, on an 8 MiB stack with a guard page. A task
//! ([`task`]) runs until it yields, parks or finishes. A yielding or parking task hands its
//! worker over directly to the next task of the local queue when there is one (one context
//! switch, [`crate::context`]); otherwise, and always when it finishes, it switches back to
//! the worker's scheduler loop. Whatever must happen off the task's stack (queueing it,
//! publishing it as parked, freeing its stack) is done by the next context to run there.
//!
//! # Queues and ordering ([`queue`])
//! Each worker has a run-next slot (LIFO hand-off: a task woken by the running task runs
//! next on the same worker, as in Go's `runqput(next=true)`, which keeps ping-pong
//! hand-offs on one core), a 256-entry FIFO ring that others steal half of, and shares a
//! global injection queue (ring overflow, wake-ups from OS threads). A spawned task goes to
//! the back of the spawner's ring; a yielding task goes to the back; a woken task goes to
//! the waker's run-next slot (to the back when woken by a timer). After eight run-next
//! entries in a row the front of the ring goes first, so two tasks that keep waking each
//! other leave the queued ones their turn. With one worker the order is deterministic
//! (FIFO while the ring does not overflow).
//!
//! # Idle workers ([`scheduler`])
//! An idle worker spins for 50 µs (stealing, firing others' expired timers) and then sleeps
//! on a futex until woken, until the earliest timer, or until its periodic look (every
//! 100 µs while another worker runs; with every worker idle every 10 ms, backing off to
//! 1.28 s, and never with one worker) finds work to take. It steals only work worth moving
//! to another core: a queue of 32 entries or more, or entries that have waited 200 µs.
//! Tasks that hand work to each other through a channel or a lock pass through a queue
//! much faster, and stay on one core: moving them would only move their shared state
//! between cores (cross-core wake-ups cost 10–25 µs on the 2-vCPU machine this was
//! measured on). Only a queue of 32 or more (or work from an OS thread) wakes a sleeping
//! worker at once, and then only when no worker spins (Go's `wakep`).
//!
//! # Solo mode (`solo`)
//! While one worker is the only thread that can run Weft code (always with one worker,
//! and with more while the others sleep), the runtime's atomic read-modify-writes become
//! plain loads and stores. A sleeper that finds work waiting asks the running worker to
//! end solo mode, poking its stack limit so that even a task that never switches enters
//! the runtime at its next function call.
//!
//! # Fork-join ([`join`])
//! Joining a task that has not started claims it (`NEW → RUNNING` CAS) and runs it next on
//! the joiner's worker; its queued start entry turns stale and is skipped. A 10-ary tree of
//! a million tasks therefore runs depth-first with only a few dozen tasks alive at once.
//!
//! # Parking ([`waiter`])
//! Every blocking primitive parks through [`Waiter`]: see that module for the protocol
//! (wake-before-park, deadlines, wake reasons, cancellation, one waiter in several queues
//! for `select`).
//!
//! # Drain, deadlock, panics
//! When main returns, the process exits with main's code once every non-daemon task has
//! finished. When nothing can ever run again and tasks are parked, [`deadlock`] reports
//! them and exits 2. [`panic_current`] ends the current task, thread or process after a
//! panic (see its docs): it is the *failure path* that [`crate::panic`] hands every panic
//! to (registered there when the scheduler starts or an OS thread registers).
//!
//! # I/O ([`reactor`])
//! Sockets are registered with one epoll instance; a task whose socket operation would
//! block parks on the socket's read or write side; workers poll without blocking when
//! their queues run dry and at a bounded interval while busy, and the last worker to go
//! idle waits in `epoll_wait` with the earliest timer as its deadline.
//!
//! # Timers and sleep ([`timer`])
//! Each worker keeps a heap of the deadlines of its parked tasks; [`sleep_ms`] parks the
//! calling task until its deadline (an OS thread just sleeps).

pub(crate) mod activation;
pub mod deadlock;
pub mod failure;
pub mod generator;
pub(crate) mod inline;
pub(crate) mod job;
pub mod join;
pub(crate) mod pool;
pub mod queue;
pub mod reactor;
pub mod registry;
pub mod scheduler;
pub mod scope;
pub(crate) mod slab;
pub(crate) mod solo;
pub(crate) mod steal;
pub mod task;
pub mod timer;
pub mod waiter;
pub mod worker;

use std::ffi::{c_char, c_void, CStr};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use failure::{fail_current, panic_current};
pub use join::{cancel, wait_all, wait_any, AllOutcome, JoinStatus};
pub use registry::enter_os_thread;
pub use task::{DropFn, Outcome, SpawnSite, Task, TaskEnv, TaskFn, DAEMON, DETACHED, SCOPED};
pub use timer::sleep_ms;
pub use waiter::{Claim, Waiter, Wake, WakeReason};
pub(crate) use worker::switching_entry;
pub use worker::{current_task, yield_if_backlogged, yield_now};

use crate::lock::solo_rmw::SoloRmw;
use crate::os::signals;
use crate::stack::GuardedStack;
use scheduler::rt;
use task::MAIN;

/// Size of the main task's stack.
pub const MAIN_STACK_SIZE: usize = 8 << 20;

/// Spawns a task running `entry(env, result_slot)` (see [`TaskEnv`] for what `env` becomes)
/// with a `result_size`-byte result slot
/// (`result_drop` releases a slot's value when the task object is recycled), a stack of
/// `stack_size` bytes (0 = default), `flags` ([`DETACHED`], [`DAEMON`], [`SCOPED`]) and a
/// static NUL-terminated spawn-site `name`. Returns the task with two counts: the caller's
/// handle and the task's own. The task goes to the back of the calling worker's queue (the
/// global queue from an OS thread); it gets its stack when it first runs.
///
/// # Safety
/// `entry` may be called with `env` on any worker thread; `name` is null or a static
/// NUL-terminated string.
pub unsafe fn spawn_raw(
    entry: TaskFn,
    env: TaskEnv,
    result_size: usize,
    result_drop: Option<DropFn>,
    stack_size: usize,
    flags: u32,
    name: *const c_char,
) -> &'static Task {
    let site = SpawnSite::intern(entry, result_size, result_drop, name);
    spawn_site(site, env, stack_size, flags)
}

/// [`spawn_raw`] with the entry, result size, result glue and name given by a static spawn
/// site (what generated code spawns with).
///
/// # Safety
/// As [`spawn_raw`].
pub unsafe fn spawn_site(
    site: &'static SpawnSite,
    env: TaskEnv,
    stack_size: usize,
    flags: u32,
) -> &'static Task {
    let parent = if flags & SCOPED != 0 {
        current_task().map(link_parent)
    } else {
        None
    };
    spawn_linked(parent, site, env, stack_size, flags)
}

/// Spawns a child of the scope node `node` (`sched::scope`): as [`spawn_site`] with
/// [`SCOPED`], linked under the node instead of the calling task.
///
/// # Safety
/// As [`spawn_raw`].
pub(crate) unsafe fn spawn_under(
    node: &'static Task,
    site: &'static SpawnSite,
    env: TaskEnv,
    flags: u32,
) -> &'static Task {
    spawn_linked(Some(node), site, env, 0, flags | SCOPED)
}

/// Spawns a task and links it under `parent` when given.
unsafe fn spawn_linked(
    parent: Option<&'static Task>,
    site: &'static SpawnSite,
    env: TaskEnv,
    stack_size: usize,
    flags: u32,
) -> &'static Task {
    let task = make_linked(parent, site, env, stack_size, flags);
    worker::push_spawned(task);
    task
}

/// Makes a started child of the scope node `node` running `env` at `site` (what a job
/// becomes when a worker takes it, `sched::job`), counted for the drain; it holds its life
/// count only.
///
/// # Safety
/// As [`spawn_raw`].
pub(crate) unsafe fn start_under(
    node: &'static Task,
    site: &'static SpawnSite,
    env: TaskEnv,
) -> &'static Task {
    let task = make_linked(Some(node), site, env, 0, SCOPED);
    let started = task.try_start_gen(None);
    debug_assert!(started, "a fresh task starts");
    task.release(); // nobody holds a handle
    task
}

/// [`spawn_linked`] but for the queueing: a new task object, linked and counted.
unsafe fn make_linked(
    parent: Option<&'static Task>,
    site: &'static SpawnSite,
    env: TaskEnv,
    stack_size: usize,
    flags: u32,
) -> &'static Task {
    let rt = rt();
    let task = Task::alloc();
    task.init(site, env, stack_size, flags & (DETACHED | DAEMON | SCOPED));
    if let Some(parent) = parent {
        join::link_child(parent, task);
    }
    let worker = worker::current_worker();
    if worker.is_none() {
        registry::register_current();
    }
    if flags & DAEMON == 0 {
        match worker {
            Some(w) => w.spawned.solo_store(
                w.spawned.load(std::sync::atomic::Ordering::Relaxed) + 1,
                SEQ,
            ),
            None => {
                rt.foreign_spawned.fetch_add(1, SEQ);
            }
        }
    }
    task
}

const SEQ: std::sync::atomic::Ordering = std::sync::atomic::Ordering::SeqCst;

/// Whether a wait of the caller should end when its task is cancelled: in a green task that
/// is not unwinding a panic (cleanup code running during unwinding may need a lock, and a
/// task that is cancelled anyway gets it).
pub fn cancellable_now() -> bool {
    current_task().is_some_and(|t| !t.has_flag(task::UNWINDING))
}

/// Whether the calling task's cancel flag is set (false on OS threads); while the task runs
/// a scope's child inline, whether that child is cancelled (`sched::inline`).
pub fn is_cancelled() -> bool {
    current_task().is_some_and(|t| t.running().cancel_seen())
}

/// The lowest address of the main task's stack its code may use (above the guard page and
/// a reserve), once the runtime runs main.
static MAIN_STACK_LOW: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// [`MAIN_STACK_LOW`], if main runs.
pub(crate) fn main_stack_low() -> Option<usize> {
    match MAIN_STACK_LOW.load(std::sync::atomic::Ordering::Relaxed) {
        0 => None,
        low => Some(low),
    }
}

/// The task new scoped children of the calling task hang on: the task itself, or while it
/// runs a scope's child inline, that scope's node (so cancelling the scope reaches them).
pub(crate) fn link_parent(task: &'static Task) -> &'static Task {
    task.running().inline_node().unwrap_or(task)
}

/// Runs `main_fn` as the program's main task on the calling thread, which becomes worker 0,
/// and exits the process with its return code once every non-daemon task has finished
/// (the drain). Never returns.
pub fn run_main(main_fn: extern "C-unwind" fn() -> i32) -> ! {
    crate::os::raise_fd_limit();
    let rt = scheduler::start(true);
    signals::setup_thread("main");
    // Kept in a static: the stack lives as long as the process (and stays reachable for
    // leak checkers).
    static MAIN_STACK: std::sync::OnceLock<GuardedStack> = std::sync::OnceLock::new();
    let stack = MAIN_STACK.get_or_init(|| GuardedStack::new(MAIN_STACK_SIZE));
    signals::set_main_guard(stack.guard());
    MAIN_STACK_LOW.store(
        stack.guard().1 + crate::stack::RESERVE,
        std::sync::atomic::Ordering::Relaxed,
    );
    let task = Task::alloc();
    // SAFETY: a fresh task object; the main stack is ours for the process's lifetime.
    unsafe {
        static MAIN_SITE: SpawnSite = SpawnSite {
            entry: main_entry,
            result_size: 4,
            result_drop: None,
            name: c"main".as_ptr(),
        };
        task.init(&MAIN_SITE, TaskEnv::Ptr(main_fn as *mut c_void), 0, MAIN);
        let sp = crate::context::prepare(
            stack.top(),
            worker::task_start,
            task as *const Task as *mut u8,
        );
        task.attach(activation::Activation::alloc(task, sp, None, None));
    }
    task.release(); // nobody holds a handle to main
    rt.global.push(task::Entry::start(task));
    if scheduler::adopted() {
        rt.workers[0].run()
    }
    rt.wake_idle_worker();
    loop {
        // The runtime was already running on threads of its own: just wait for the exit.
        // SAFETY: pause has no preconditions.
        unsafe { libc::pause() };
    }
}

unsafe extern "C-unwind" fn main_entry(env: *mut c_void, slot: *mut c_void) {
    if slot.is_null() {
        return;
    }
    // SAFETY: `env` is the `extern "C-unwind" fn() -> i32` given to `run_main`.
    let main_fn: extern "C-unwind" fn() -> i32 = std::mem::transmute(env);
    let code = main_fn();
    slot.cast::<i32>().write(code);
}

/// The message of the error a wait returns when the waiting task is cancelled (and of
/// `TaskError.Cancelled`): a panic with it in a cancelled task re-raises the cancellation.
pub const CANCELLED_MESSAGE: &str = "cancelled";

/// Why a join did not produce a value (Rust API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked with this message.
    Panicked(String),
    /// The task (or the joiner) was cancelled.
    Cancelled,
    /// The join's deadline passed first.
    TimedOut,
}

/// Options for [`spawn_with`].
#[derive(Debug, Clone, Copy)]
pub struct SpawnOptions {
    /// Stack size in bytes (0 = default).
    pub stack_size: usize,
    /// [`DETACHED`], [`DAEMON`], [`SCOPED`].
    pub flags: u32,
    /// Spawn-site name for reports.
    pub name: &'static CStr,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        SpawnOptions {
            stack_size: 0,
            flags: 0,
            name: c"rust",
        }
    }
}

/// A handle to a task spawned from Rust, whose result is an `R` (released on drop).
#[derive(Debug)]
pub struct JoinHandle<R> {
    task: &'static Task,
    _result: PhantomData<fn() -> R>,
}

// SAFETY: the task handle is thread-safe; the result is `Send`.
unsafe impl<R: Send> Send for JoinHandle<R> {}
// SAFETY: as above.
unsafe impl<R: Send> Sync for JoinHandle<R> {}

/// Spawns `f` as a task with default options (a joinable task, like a Promise).
pub fn spawn<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
    spawn_with(SpawnOptions::default(), f)
}

/// Spawns `f` as a task with `options`.
pub fn spawn_with<R: Send + 'static, F: FnOnce() -> R + Send + 'static>(
    options: SpawnOptions,
    f: F,
) -> JoinHandle<R> {
    assert!(
        std::mem::align_of::<R>() <= 16,
        "result alignment above 16 is unsupported"
    );
    let env = Box::into_raw(Box::new(f)).cast::<c_void>();
    let drop_fn: Option<DropFn> = if std::mem::needs_drop::<R>() {
        Some(drop_result::<R>)
    } else {
        None
    };
    // SAFETY: the entry matches the environment; the name is static.
    let task = unsafe {
        spawn_raw(
            closure_entry::<F, R>,
            TaskEnv::Ptr(env),
            std::mem::size_of::<R>(),
            drop_fn,
            options.stack_size,
            options.flags,
            options.name.as_ptr(),
        )
    };
    JoinHandle {
        task,
        _result: PhantomData,
    }
}

pub(crate) unsafe extern "C-unwind" fn closure_entry<F: FnOnce() -> R, R>(
    env: *mut c_void,
    slot: *mut c_void,
) {
    if slot.is_null() {
        // The cleanup call after a failure: `f` was moved out of `env` when the task began.
        return;
    }
    let f = Box::from_raw(env.cast::<F>());
    // A Weft panic in `f` unwinds up to the closure below, not through `catch_unwind`
    // (which cannot catch a foreign exception).
    let task = current_task().expect("a task entry runs in its task");
    let bounded = move || {
        failure::set_task_boundary(task);
        f()
    };
    match catch_unwind(AssertUnwindSafe(bounded)) {
        Ok(value) => slot.cast::<R>().write(value),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "Rust panic".to_owned());
            drop(payload);
            panic_current(&message, "<rust>")
        }
    }
}

unsafe extern "C" fn drop_result<R>(slot: *mut c_void) {
    std::ptr::drop_in_place(slot.cast::<R>());
}

impl<R: Clone> JoinHandle<R> {
    /// Waits for the task and returns a clone of its result (may be called again).
    pub fn join(&self) -> Result<R, TaskError> {
        self.join_deadline(None)
    }

    /// Like [`join`](Self::join), giving up after `ms` milliseconds.
    pub fn join_timeout(&self, ms: i64) -> Result<R, TaskError> {
        self.join_deadline(Some(crate::os::clock::deadline_after_ms(ms)))
    }

    fn join_deadline(&self, deadline: Option<u64>) -> Result<R, TaskError> {
        // SAFETY: a null `out` copies nothing.
        match unsafe { join::join(self.task, std::ptr::null_mut(), deadline) } {
            // SAFETY: a task that returned holds an `R` in its slot until recycled, and our
            // handle keeps it alive.
            JoinStatus::Ok => Ok(unsafe { (*self.task.result_slot().cast::<R>()).clone() }),
            JoinStatus::Panicked => Err(TaskError::Panicked(
                self.task.panic_message().unwrap_or("").to_owned(),
            )),
            JoinStatus::Cancelled => Err(TaskError::Cancelled),
            JoinStatus::TimedOut => Err(TaskError::TimedOut),
        }
    }
}

impl<R> JoinHandle<R> {
    /// The task object.
    pub fn task(&self) -> &'static Task {
        self.task
    }

    /// Cancels the task (see [`cancel`]).
    pub fn cancel(&self) {
        cancel(self.task)
    }

    /// Whether the task has finished.
    pub fn is_done(&self) -> bool {
        self.task.is_done()
    }
}

impl<R> Drop for JoinHandle<R> {
    fn drop(&mut self) {
        self.task.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn spawn_and_join_from_a_thread() {
        let h = spawn(|| 6 * 7);
        assert_eq!(h.join(), Ok(42));
        assert_eq!(h.join(), Ok(42), "a task can be joined again");
    }

    #[test]
    fn nested_fork_join() {
        fn fib(n: u64) -> u64 {
            if n < 2 {
                return n;
            }
            let a = spawn(move || fib(n - 1));
            let b = spawn(move || fib(n - 2));
            a.join().unwrap() + b.join().unwrap()
        }
        assert_eq!(spawn(|| fib(15)).join(), Ok(610));
    }

    #[test]
    fn yields_interleave() {
        let count = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let count = count.clone();
                spawn(move || {
                    for _ in 0..100 {
                        count.fetch_add(1, Ordering::Relaxed);
                        yield_now();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(count.load(Ordering::Relaxed), 400);
    }

    #[test]
    fn panics_are_delivered_to_joiners() {
        let h = spawn(|| -> u32 { panic!("boom") });
        assert_eq!(h.join(), Err(TaskError::Panicked("boom".into())));
    }

    #[test]
    fn strings_are_dropped_once() {
        let h = spawn(|| "hello".to_string());
        assert_eq!(h.join().unwrap(), "hello");
        drop(h);
    }

    #[test]
    fn task_sleep_and_cancel() {
        let h = spawn(|| crate::sched::sleep_ms(10_000));
        std::thread::sleep(std::time::Duration::from_millis(5));
        h.cancel();
        assert_eq!(h.join(), Err(TaskError::Cancelled));
        assert!(h.task().is_cancelled());
    }
}
