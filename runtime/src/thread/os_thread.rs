//! Weft OS threads (`Thread.spawn`): pthreads with an 8 MiB stack and a guard page, and
//! their handle objects (see [`super`] for the invariants).

use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};

use super::escape;
use crate::lock::rawlock::Locked;
use crate::sched::{registry, Waiter, WakeReason};

/// Stack size of OS threads (and pool threads), in bytes.
pub const THREAD_STACK_SIZE: usize = 8 << 20;

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
    state: Locked<JoinState>,
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
static MAIN_THREAD: Thread = Thread::new_object(0, -1);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The Weft thread running on this OS thread (null elsewhere).
    static CURRENT: Cell<*const Thread> = const { Cell::new(ptr::null()) };
}

impl Thread {
    const fn new_object(id: u64, rc: i64) -> Thread {
        Thread {
            rc: AtomicI64::new(rc),
            id,
            joined: AtomicBool::new(false),
            outcome: AtomicU8::new(RUNNING),
            state: Locked::new(JoinState {
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
                crate::panic::print_and_exit(message, location, &format!("thread {}", t.name()));
            }
            crate::os::exit_process(101);
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
            w.park_at("joining a thread", loc, None);
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
    entry: unsafe extern "C-unwind" fn(*mut c_void),
    env: *mut c_void,
}

/// Starts an OS thread running `entry(env)` and returns its handle (count 1 for the
/// caller), or the reason the system refused.
///
/// # Safety
/// `entry` may be called with `env` on the new thread.
pub unsafe fn spawn(
    entry: unsafe extern "C-unwind" fn(*mut c_void),
    env: *mut c_void,
) -> Result<*mut Thread, String> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let thread = Box::into_raw(Box::new(Thread::new_object(id, 2)));
    let start = Box::into_raw(Box::new(Start { thread, entry, env }));
    // Counted as running from now on, so that a task joining it at once is not taken for
    // deadlocked before the thread registers itself.
    registry::count_running(1);
    match create_pthread(thread_start, start.cast()) {
        Ok(()) => Ok(thread),
        Err(e) => {
            registry::count_running(-1);
            drop(Box::from_raw(start));
            drop(Box::from_raw(thread));
            Err(e)
        }
    }
}

/// `pthread_create` with an 8 MiB stack and a one-page guard, detached (joins go through
/// the thread object).
pub(super) unsafe fn create_pthread(
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> Result<(), String> {
    crate::sched::solo::disable();
    let mut attr: libc::pthread_attr_t = std::mem::zeroed();
    libc::pthread_attr_init(&mut attr);
    libc::pthread_attr_setstacksize(&mut attr, THREAD_STACK_SIZE);
    libc::pthread_attr_setguardsize(&mut attr, crate::os::page_size());
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
    registry::set_panic_hook(escape::os_thread_panicked);
    registry::count_running(-1); // registered: drop the spawner's count
    CURRENT.with(|c| c.set(thread));
    let (entry, env) = (start.entry, start.env);
    // SAFETY: the caller of `spawn` vouched for `entry` and `env`.
    let panic = escape::run_catching(&mut || unsafe { entry(env) });
    escape::end_locks(panic.is_some());
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

/// Whether a panic on the calling thread can be delivered to a joiner: true on a Weft
/// thread that still has a handle or a join in progress, and on any other thread (a
/// blocking-pool job's task always has its handle).
pub(super) fn current_can_be_joined() -> bool {
    let thread = CURRENT.with(|c| c.get());
    // SAFETY: a Weft thread's object lives while its thread runs.
    match unsafe { thread.as_ref() } {
        Some(t) => t.joined.load(Ordering::Acquire) || t.rc.load(Ordering::Acquire) > 1,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C-unwind" fn add_one(env: *mut c_void) {
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
}
