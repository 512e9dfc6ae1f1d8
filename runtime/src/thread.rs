//! OS threads (`Thread.spawn`) and the blocking pool (`blocking { }`, `Promise.blocking`).
//!
//! # Threads
//! A [`Thread`] is a pthread with an 8 MiB stack and a guard page, registered with the
//! scheduler (its alternate signal stack, its name `thread-N`, and the count of running OS
//! threads the deadlock detector reads) from before it starts until it exits. Its entry
//! function runs on a context prepared just below the thread's start frame
//! ([`run_catching`]): a panic in it (`sched::panic_current` calls [`os_thread_panicked`])
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
//! # The blocking pool
//! [`blocking_spawn`] runs `entry(env, slot)` on a pool of OS threads and returns an
//! ordinary task handle (a [`Task`] that no worker ever runs: it is `RUNNING` from the
//! start), so joins, `wait_any` and releases treat it as any promise. Threads are started
//! on demand when no pool thread is idle, and an idle thread exits after
//! [`POOL_IDLE_MS`]. Idle pool threads are not counted as running for deadlock detection;
//! whoever hands one a job counts it again before waking it (the scheduler's rule for
//! parked threads), and a new thread is counted by its spawner until it registers.

use std::cell::{Cell, UnsafeCell};
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use crate::context;
use crate::sched::lock::SpinLock;
use crate::sched::task::{self as sched_task, Outcome, SpawnSite, Task, TaskEnv};
use crate::sched::{futex, join, DropFn, TaskFn, Waiter, WakeReason};

/// Stack size of OS threads (and pool threads), in bytes.
pub const THREAD_STACK_SIZE: usize = 8 << 20;
/// How long an idle pool thread waits for work before it exits (ms).
pub const POOL_IDLE_MS: u64 = 10_000;

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const PANICKED: u8 = 2;

/// An OS thread's handle object (see the module docs for the invariants).
#[repr(C)]
#[derive(Debug)]
pub struct Thread {
    rc: AtomicI64,
    /// `N` of the name `thread-N`; 0 for the main thread.
    id: u64,
    joined: AtomicBool,
    outcome: AtomicU8,
    state: SpinLock<JoinState>,
    /// `(message, location)` of a panic, written before `done`.
    panic: UnsafeCell<Option<(String, String)>>,
}

#[derive(Debug)]
struct JoinState {
    done: bool,
    joiner: Option<Waiter>,
}

// SAFETY: `panic` is written once before `done` is published under the state lock and only
// read after `done` was observed under it; the rest is atomic or locked.
unsafe impl Sync for Thread {}
// SAFETY: as above.
unsafe impl Send for Thread {}

/// The process's main thread (and main task): immortal, named `main`.
static MAIN_THREAD: Thread = Thread {
    rc: AtomicI64::new(-1),
    id: 0,
    joined: AtomicBool::new(false),
    outcome: AtomicU8::new(RUNNING),
    state: SpinLock::new(JoinState {
        done: false,
        joiner: None,
    }),
    panic: UnsafeCell::new(None),
};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The Weft thread running on this OS thread (null elsewhere).
    static CURRENT: Cell<*const Thread> = const { Cell::new(ptr::null()) };
    /// The innermost [`run_catching`] frame on this thread (null outside one).
    static ESCAPE: Cell<*mut Escape> = const { Cell::new(ptr::null_mut()) };
}

impl Thread {
    fn new_object(id: u64, rc: i64) -> Thread {
        Thread {
            rc: AtomicI64::new(rc),
            id,
            joined: AtomicBool::new(false),
            outcome: AtomicU8::new(RUNNING),
            state: SpinLock::new(JoinState {
                done: false,
                joiner: None,
            }),
            panic: UnsafeCell::new(None),
        }
    }

    /// The thread's name: `main` or `thread-N`.
    pub fn name(&self) -> String {
        if self.id == 0 {
            "main".to_owned()
        } else {
            format!("thread-{}", self.id)
        }
    }

    /// Whether the thread has finished (returned or panicked).
    pub fn is_done(&self) -> bool {
        self.state.lock().done
    }

    /// The panic message of a thread that panicked (after it finished).
    pub fn panic_message(&self) -> Option<&str> {
        if !self.is_done() || self.outcome.load(Ordering::Acquire) != PANICKED {
            return None;
        }
        // SAFETY: written before `done`, never changed afterwards.
        unsafe { (*self.panic.get()).as_ref().map(|(m, _)| m.as_str()) }
    }

    /// Adds a handle count (nothing for the immortal main thread).
    pub fn retain(&self) {
        if self.rc.load(Ordering::Relaxed) >= 0 {
            self.rc.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Drops a count; the last one frees the object — after printing the panic and
    /// exiting with 101 if the thread panicked and was never joined.
    ///
    /// # Safety
    /// `this` is a live object the caller gives a count of.
    pub unsafe fn release(this: *const Thread) {
        let t = &*this;
        if t.rc.load(Ordering::Relaxed) < 0 {
            return;
        }
        if t.rc.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        std::sync::atomic::fence(Ordering::Acquire);
        if t.outcome.load(Ordering::Acquire) == PANICKED && !t.joined.load(Ordering::Acquire) {
            if let Some((message, location)) = &*t.panic.get() {
                let text = format!("panic: {message}\n  at {location} (thread {})\n", t.name());
                crate::sched::write_stderr(text.as_bytes());
            }
            crate::sched::runtime::exit_process(101);
        }
        drop(Box::from_raw(this as *mut Thread));
    }

    /// Waits until the thread has finished (parking a green caller) and returns whether it
    /// panicked. Panics `thread already joined` on a second join, and `a thread cannot join
    /// itself` when called on the calling thread's own handle.
    pub fn join(&self, loc: Option<&crate::panic::WeftLoc>) -> bool {
        if self.id == 0 {
            crate::panic::panic_at("cannot join the main thread", loc);
        }
        if std::ptr::eq(CURRENT.with(|c| c.get()), self) {
            crate::panic::panic_at("a thread cannot join itself", loc);
        }
        if self.joined.swap(true, Ordering::AcqRel) {
            crate::panic::panic_at("thread already joined", loc);
        }
        let waiter = {
            let mut st = self.state.lock();
            if st.done {
                None
            } else {
                let w = Waiter::prepare(false);
                st.joiner = Some(w);
                Some(w)
            }
        };
        if let Some(w) = waiter {
            w.park("joining a thread", None);
        }
        self.outcome.load(Ordering::Acquire) == PANICKED
    }

    /// Records the outcome, marks the thread done and wakes its joiner.
    fn finish(&self, panic: Option<(String, String)>) {
        let outcome = if panic.is_some() { PANICKED } else { FINISHED };
        // SAFETY: only the finishing thread writes, before `done` is published.
        unsafe { *self.panic.get() = panic };
        self.outcome.store(outcome, Ordering::Release);
        let joiner = {
            let mut st = self.state.lock();
            st.done = true;
            st.joiner.take()
        };
        if let Some(w) = joiner {
            w.wake(WakeReason::Notified, 0);
        }
    }
}

/// What a new thread starts with.
struct Start {
    thread: *const Thread,
    entry: unsafe extern "C" fn(*mut c_void),
    env: *mut c_void,
}

/// Starts an OS thread running `entry(env)` and returns its handle (count 1 for the
/// caller), or the reason the system refused.
///
/// # Safety
/// `entry` may be called with `env` on the new thread.
pub unsafe fn spawn(
    entry: unsafe extern "C" fn(*mut c_void),
    env: *mut c_void,
) -> Result<*mut Thread, String> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let thread = Box::into_raw(Box::new(Thread::new_object(id, 2)));
    let start = Box::into_raw(Box::new(Start { thread, entry, env }));
    // Counted as running from now on, so that a task joining it at once is not taken for
    // deadlocked before the thread registers itself.
    crate::sched::thread::count_running(1);
    match create_pthread(thread_start, start.cast()) {
        Ok(()) => Ok(thread),
        Err(e) => {
            crate::sched::thread::count_running(-1);
            drop(Box::from_raw(start));
            drop(Box::from_raw(thread));
            Err(e)
        }
    }
}

/// `pthread_create` with an 8 MiB stack and a one-page guard, detached (joins go through
/// the thread object).
unsafe fn create_pthread(
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> Result<(), String> {
    crate::sched::solo::disable();
    let mut attr: libc::pthread_attr_t = std::mem::zeroed();
    libc::pthread_attr_init(&mut attr);
    libc::pthread_attr_setstacksize(&mut attr, THREAD_STACK_SIZE);
    libc::pthread_attr_setguardsize(&mut attr, crate::stack::page_size());
    libc::pthread_attr_setdetachstate(&mut attr, libc::PTHREAD_CREATE_DETACHED);
    let mut tid: libc::pthread_t = std::mem::zeroed();
    let r = libc::pthread_create(&mut tid, &attr, start, arg);
    libc::pthread_attr_destroy(&mut attr);
    if r == 0 {
        Ok(())
    } else {
        Err(format!(
            "cannot start a thread: {}",
            std::io::Error::from_raw_os_error(r)
        ))
    }
}

extern "C" fn thread_start(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `arg` is the `Start` made by `spawn`, handed over to this thread.
    let start = unsafe { Box::from_raw(arg.cast::<Start>()) };
    // SAFETY: the thread holds its life count.
    let thread = unsafe { &*start.thread };
    crate::sched::enter_os_thread(&thread.name());
    crate::sched::thread::count_running(-1); // registered: drop the spawner's count
    CURRENT.with(|c| c.set(thread));
    let (entry, env) = (start.entry, start.env);
    // SAFETY: the caller of `spawn` vouched for `entry` and `env`.
    let panic = run_catching(&mut || unsafe { entry(env) });
    release_or_orphan_locks(panic.is_some());
    thread.finish(panic);
    CURRENT.with(|c| c.set(ptr::null()));
    // SAFETY: the life count.
    unsafe { Thread::release(thread) };
    ptr::null_mut()
}

/// The calling thread's handle (+1): its `Thread` on a Weft thread, the immortal `main`
/// object on the main thread and in green tasks, and a lazily made immortal `thread-N`
/// object on other OS threads.
pub fn current() -> *mut Thread {
    let t = CURRENT.with(|c| c.get());
    if !t.is_null() {
        // SAFETY: the running thread holds its life count.
        unsafe { (*t).retain() };
        return t as *mut Thread;
    }
    let on_worker = crate::sched::worker::current_worker().is_some();
    // SAFETY: getpid/gettid have no preconditions.
    let is_main_thread = unsafe { libc::getpid() == libc::gettid() };
    if on_worker || is_main_thread {
        return &MAIN_THREAD as *const Thread as *mut Thread;
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let foreign: &'static Thread = Box::leak(Box::new(Thread::new_object(id, -1)));
    CURRENT.with(|c| c.set(foreign));
    foreign as *const Thread as *mut Thread
}

/// Number of CPUs available to the process.
pub fn ncpu() -> i64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as i64)
}

/// A [`run_catching`] frame: where to switch back to, what to run, and the panic caught.
struct Escape {
    control: *mut u8,
    run: *mut dyn FnMut(),
    panic: Option<(String, String)>,
}

/// Bytes left between the caller's frame and the context `f` runs on.
const ESCAPE_GAP: usize = 16 * 1024;

/// The gap under Valgrind. Valgrind takes a move of the stack pointer within one stack by
/// less than 2 MB (its `--max-stackframe`) for a frame being pushed and marks the frame's
/// bytes undefined, so switching to the context would read its prepared registers as
/// uninitialised; a larger move is taken for a stack switch. (A thread's whole stack is
/// one stack to Valgrind, so registering the region below would not help.)
const VALGRIND_ESCAPE_GAP: usize = 2560 * 1024;

/// Runs `f` on the calling thread's own stack, just below this frame, so that a Weft panic
/// inside it ([`os_thread_panicked`]) can abandon `f`'s frames by switching back here (a
/// `longjmp` built from the scheduler's context switch). Returns the panic's message and
/// location, if there was one.
fn run_catching(f: &mut dyn FnMut()) -> Option<(String, String)> {
    let mut escape = Escape {
        control: ptr::null_mut(),
        // SAFETY: erasing the lifetime: `f` outlives the context that calls it, which ends
        // before this function returns.
        run: unsafe { std::mem::transmute::<&mut dyn FnMut(), &'static mut dyn FnMut()>(f) },
        panic: None,
    };
    let e: *mut Escape = &mut escape;
    let marker = 0u8;
    let gap = if crate::valgrind::running() {
        VALGRIND_ESCAPE_GAP
    } else {
        ESCAPE_GAP
    };
    let top = (std::hint::black_box(&marker) as *const u8 as usize - gap) & !15;
    let previous = ESCAPE.with(|c| c.replace(e));
    // SAFETY: the region below `top` is unused stack of this thread (at least 8 MiB minus
    // what the caller used); the context runs `escape_start(e)` and switches back to the
    // `control` pointer saved here, once.
    unsafe {
        let ctx = context::prepare(top as *mut u8, escape_start, e.cast());
        context::switch(&raw mut (*e).control, ctx, 0);
    }
    ESCAPE.with(|c| c.set(previous));
    // SAFETY: the context has finished with `escape`.
    unsafe { (*e).panic.take() }
}

unsafe extern "C" fn escape_start(arg: *mut u8, _: usize) -> ! {
    let e = arg.cast::<Escape>();
    (*(*e).run)();
    let mut abandoned: *mut u8 = ptr::null_mut();
    context::switch(&mut abandoned, (*e).control, 0);
    unreachable!("an escaped context was resumed")
}

/// After a thread's body or a pool job: releases the locks it still holds if it panicked
/// (its frames were abandoned, not unwound), else leaves a mutex it never unlocked locked
/// by nobody (see `sync::held`) — a pool thread runs other jobs later.
fn release_or_orphan_locks(panicked: bool) {
    if panicked {
        crate::sync::held::release_thread_locks();
    } else {
        crate::sync::held::orphan_thread_locks();
    }
}

/// Called by `sched::panic_current` for a panic on an OS thread. On a Weft thread that can
/// still be joined, or in a blocking-pool job, it records the panic and abandons the
/// panicking code (never returning); otherwise it returns, and the caller prints the panic
/// and exits with 101.
pub(crate) fn os_thread_panicked(message: &str, location: &str) {
    let e = ESCAPE.with(|c| c.get());
    if e.is_null() {
        return;
    }
    let thread = CURRENT.with(|c| c.get());
    // SAFETY: a Weft thread's object lives while its thread runs.
    if let Some(t) = unsafe { thread.as_ref() } {
        let joinable = t.joined.load(Ordering::Acquire) || t.rc.load(Ordering::Acquire) > 1;
        if !joinable {
            return;
        }
    }
    ESCAPE.with(|c| c.set(ptr::null_mut()));
    // SAFETY: `e` is the live frame of `run_catching` below us on this stack; switching to
    // its saved context abandons the frames in between, which are never resumed.
    unsafe {
        (*e).panic = Some((message.to_owned(), location.to_owned()));
        let mut abandoned: *mut u8 = ptr::null_mut();
        context::switch(&mut abandoned, (*e).control, 0);
    }
    unreachable!("an escaped context was resumed")
}

// ---------------------------------------------------------------------------------------
// The blocking pool.

/// A job for the pool: a task object that the pool thread runs and finishes.
struct Job {
    task: &'static Task,
    entry: TaskFn,
    env: *mut c_void,
}

// SAFETY: the job's environment is handed over to the pool thread, as a spawn's is.
unsafe impl Send for Job {}

#[derive(Default)]
struct Pool {
    jobs: VecDeque<Job>,
    /// Futex words of idle threads (0 asleep, 1 handed work).
    idle: Vec<Arc<AtomicU32>>,
    threads: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    jobs: VecDeque::new(),
    idle: Vec::new(),
    threads: 0,
});

fn pool() -> std::sync::MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Number of pool threads currently alive (idle or busy).
pub fn pool_threads() -> usize {
    pool().threads
}

/// Runs `entry(env, slot)` on a pool thread (see [`TaskEnv`] for what `env` becomes) and
/// returns the task handle of the job (count
/// 1 for the caller), joinable like any task: its result slot has `result_size` bytes and
/// `result_drop` releases the value it holds.
///
/// # Safety
/// `entry` may be called with `env` on another thread.
pub unsafe fn blocking_spawn(
    entry: TaskFn,
    env: TaskEnv,
    result_size: usize,
    result_drop: Option<DropFn>,
) -> &'static Task {
    let name = c"blocking".as_ptr();
    blocking_spawn_site(
        SpawnSite::intern(entry, result_size, result_drop, name),
        env,
    )
}

/// [`blocking_spawn`] with the entry, result size and glue given by a static spawn site.
///
/// # Safety
/// As [`blocking_spawn`].
pub unsafe fn blocking_spawn_site(site: &'static SpawnSite, env: TaskEnv) -> &'static Task {
    let entry = site.entry;
    let task = Task::alloc();
    task.init(site, env, 0, 0);
    // Claimed for the pool: no worker and no joiner will try to start it.
    let started = task.try_start_gen(None);
    debug_assert!(started);
    let env = task.entry().1;
    let mut p = pool();
    p.jobs.push_back(Job { task, entry, env });
    crate::sched::thread::count_running(1); // for the thread woken or started below
    if let Some(word) = p.idle.pop() {
        drop(p);
        word.store(1, Ordering::Release);
        futex::wake_one(&word);
    } else {
        p.threads += 1;
        drop(p);
        if let Err(e) = create_pthread(pool_main, ptr::null_mut()) {
            crate::panic::fatal(&e);
        }
    }
    task
}

extern "C" fn pool_main(_: *mut c_void) -> *mut c_void {
    crate::sched::enter_os_thread("blocking-pool");
    crate::sched::thread::count_running(-1); // registered: drop the spawner's count
    let word = Arc::new(AtomicU32::new(0));
    loop {
        let job = pool().jobs.pop_front();
        if let Some(job) = job {
            run_job(job);
            continue;
        }
        // Idle: publish our word, stop counting as running, sleep until handed work.
        {
            let mut p = pool();
            if !p.jobs.is_empty() {
                continue;
            }
            word.store(0, Ordering::Relaxed);
            p.idle.push(word.clone());
        }
        crate::sched::thread::count_running(-1);
        let deadline = crate::time::now_ns() + POOL_IDLE_MS * 1_000_000;
        loop {
            if word.load(Ordering::Acquire) == 1 {
                break; // the waker counted us as running again
            }
            if !futex::wait(&word, 0, Some(deadline)) {
                let mut p = pool();
                if word.load(Ordering::Acquire) == 1 {
                    break;
                }
                p.idle.retain(|w| !Arc::ptr_eq(w, &word));
                p.threads -= 1;
                drop(p);
                // Balanced by the registration's drop when the thread exits.
                crate::sched::thread::count_running(1);
                return ptr::null_mut();
            }
        }
    }
}

fn run_job(job: Job) {
    let Job { task, entry, env } = job;
    let slot = task.result_slot().cast::<c_void>();
    // SAFETY: the caller of `blocking_spawn` vouched for `entry` and `env`.
    let panic = run_catching(&mut || unsafe { entry(env, slot) });
    release_or_orphan_locks(panic.is_some());
    let outcome = match panic {
        None => {
            task.flags
                .fetch_or(sched_task::RESULT_SET, Ordering::Release);
            if task.is_cancelled() {
                Outcome::Cancelled
            } else {
                Outcome::Ok
            }
        }
        Some((message, _)) => {
            task.set_panic_message(&message);
            Outcome::Panicked
        }
    };
    let no_activation = join::finish(task, outcome);
    debug_assert!(no_activation.is_none(), "blocking tasks run on threads");
    task.release();
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn add_one(env: *mut c_void) {
        (*env.cast::<AtomicU64>()).fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn spawn_and_join() {
        let counter = AtomicU64::new(0);
        let t = unsafe { spawn(add_one, (&counter as *const AtomicU64).cast_mut().cast()) }
            .expect("spawn");
        let t = unsafe { &*t };
        assert!(t.name().starts_with("thread-"));
        assert!(!t.join(None));
        assert_eq!(counter.load(Ordering::SeqCst), 1);
        unsafe { Thread::release(t) };
    }

    unsafe extern "C" fn square(env: *mut c_void, slot: *mut c_void) {
        let n = env as i64;
        slot.cast::<i64>().write(n * n);
    }

    #[test]
    fn blocking_jobs_are_joinable_tasks() {
        let tasks: Vec<&'static Task> = (0..20)
            .map(|i| unsafe { blocking_spawn(square, TaskEnv::Ptr(i as *mut c_void), 8, None) })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let mut r = 0i64;
            let status = unsafe { join::join(t, (&mut r as *mut i64).cast(), None) };
            assert_eq!(status, join::JoinStatus::Ok);
            assert_eq!(r, (i * i) as i64);
            t.release();
        }
        assert!(pool_threads() >= 1);
    }
}
