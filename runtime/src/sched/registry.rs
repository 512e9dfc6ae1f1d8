//! The registry of OS threads the scheduler knows: their wait nodes, names, what a panic on
//! each does first, and the count of threads running outside a runtime wait (deadlock
//! detection needs it: a running thread may still wake a parked task).
//!
//! Invariants:
//! - a thread is registered on its first use of the runtime (or by [`enter_os_thread`]) and
//!   counted as running from then on, except while parked without a deadline in a
//!   [`Waiter`](super::Waiter); it is uncounted when it exits;
//! - the workers themselves are not counted (the scheduler tracks them as idle or busy);
//! - a thread's [`WaitNode`] is never freed: when the thread exits it is recycled for a
//!   later thread (its sequence number keeps stale waiters harmless).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::Mutex;

use super::waiter::{ThreadNode, WaitNode};
use crate::panic::unwind::Failure;

/// A registered thread's state (type-stable; recycled between threads).
#[derive(Debug)]
pub(crate) struct ThreadInfo {
    pub node: ThreadNode,
    pub name: Mutex<String>,
    pub active: AtomicBool,
}

static RUNNING: AtomicIsize = AtomicIsize::new(0);
static THREADS: Mutex<Vec<&'static ThreadInfo>> = Mutex::new(Vec::new());

/// Unregisters the thread when its thread-locals are destroyed.
struct Registration(&'static ThreadInfo);

impl Drop for Registration {
    fn drop(&mut self) {
        self.0.active.store(false, Ordering::SeqCst);
        count_running(-1);
    }
}

/// What a panic on an OS thread does, once its frames are unwound, before the failure
/// path prints it and exits: the thread layer delivers the panic of a Weft thread or
/// blocking-pool job to its joiner, and never returns when it does (otherwise it gives the
/// failure back).
pub type ThreadPanicHook = fn(Failure) -> Failure;

thread_local! {
    static CURRENT: RefCell<Option<Registration>> = const { RefCell::new(None) };
    static ON_PANIC: Cell<Option<ThreadPanicHook>> = const { Cell::new(None) };
}

/// Registers the calling OS thread (counted as running from now on) if it is not yet.
pub(crate) fn register_current() {
    current_info();
}

/// The calling thread's wait node, registering the thread on first use.
pub(crate) fn current_node() -> &'static WaitNode {
    &current_info().node.node
}

fn current_info() -> &'static ThreadInfo {
    CURRENT.with(|c| {
        if let Some(reg) = &*c.borrow() {
            return reg.0;
        }
        let name = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        let info = register(name);
        *c.borrow_mut() = Some(Registration(info));
        info
    })
}

fn register(name: String) -> &'static ThreadInfo {
    let mut threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let reused = threads.iter().copied().find(|t| {
        t.active
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::Relaxed)
            .is_ok()
    });
    let info = reused.unwrap_or_else(|| {
        let info: &'static ThreadInfo = Box::leak(Box::new(ThreadInfo {
            node: ThreadNode::new(),
            name: Mutex::new(String::new()),
            active: AtomicBool::new(true),
        }));
        threads.push(info);
        info
    });
    *info.name.lock().unwrap_or_else(|e| e.into_inner()) = name;
    RUNNING.fetch_add(1, Ordering::SeqCst);
    drop(threads);
    // A panic on a registered thread goes through the scheduler's failure path.
    crate::panic::set_failure_path(super::panic_current);
    info
}

/// Registers the calling OS thread under `name` (for threads the runtime creates:
/// `Thread.spawn`, the blocking pool): sets up its alternate signal stack and guard-page
/// bounds for the overflow handler, and counts it as running until it exits.
pub fn enter_os_thread(name: &str) {
    crate::os::signals::setup_thread(name);
    let info = current_info();
    *info.name.lock().unwrap_or_else(|e| e.into_inner()) = name.to_owned();
}

/// Records `hook` as what a panic on the calling OS thread does first (the thread layer,
/// for its threads and pool threads).
pub(crate) fn set_panic_hook(hook: ThreadPanicHook) {
    ON_PANIC.with(|h| h.set(Some(hook)));
}

/// Runs the calling thread's [`ThreadPanicHook`], if it has one: it takes the failure
/// and does not return, or gives it back.
pub(crate) fn on_thread_panic(failure: Failure) -> Failure {
    match ON_PANIC.with(|h| h.get()) {
        Some(hook) => hook(failure),
        None => failure,
    }
}

/// Adjusts the count of OS threads running outside a runtime wait; when it drops to zero
/// while every worker sleeps, a worker re-runs the deadlock check.
pub(crate) fn count_running(delta: isize) {
    let now = RUNNING.fetch_add(delta, Ordering::SeqCst) + delta;
    if now == 0 {
        if let Some(rt) = super::scheduler::try_rt() {
            rt.poke_if_all_idle();
        }
    }
}

/// Number of registered OS threads not parked in a wait without deadline.
pub(crate) fn running_count() -> isize {
    RUNNING.load(Ordering::SeqCst)
}

/// Names and wait reasons of registered threads parked in a wait (deadlock report).
pub(crate) fn parked_threads() -> Vec<(String, &'static WaitNode)> {
    let threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    threads
        .iter()
        .filter(|t| t.active.load(Ordering::SeqCst) && t.node.node.is_parked())
        .map(|t| {
            (
                t.name.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                &t.node.node,
            )
        })
        .collect()
}

/// The calling thread's registered name (`None` if it never used the runtime).
pub(crate) fn current_name() -> Option<String> {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|r| r.0.name.lock().unwrap_or_else(|e| e.into_inner()).clone())
    })
}
