//! The blocking pool (`blocking { }`, `Promise.blocking`): OS threads that run jobs as
//! ordinary task handles (see [`super`] for the protocol).

use std::collections::VecDeque;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::escape;
use crate::os::futex;
use crate::sched::task::{self as sched_task, Outcome, SpawnSite, Task, TaskEnv};
use crate::sched::{join, registry, DropFn, TaskFn};

/// How long an idle pool thread waits for work before it exits (ms).
pub const POOL_IDLE_MS: u64 = 10_000;

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
    registry::count_running(1); // for the thread woken or started below
    if let Some(word) = p.idle.pop() {
        drop(p);
        word.store(1, Ordering::Release);
        futex::wake_one(&word);
    } else {
        p.threads += 1;
        drop(p);
        if let Err(e) = super::os_thread::create_pthread(pool_main, ptr::null_mut()) {
            crate::os::fatal(&e);
        }
    }
    task
}

extern "C" fn pool_main(_: *mut c_void) -> *mut c_void {
    crate::sched::enter_os_thread("blocking-pool");
    registry::set_panic_hook(escape::os_thread_panicked);
    registry::count_running(-1); // registered: drop the spawner's count
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
        registry::count_running(-1);
        let deadline = crate::os::clock::now_ns() + POOL_IDLE_MS * 1_000_000;
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
                registry::count_running(1);
                return ptr::null_mut();
            }
        }
    }
}

fn run_job(job: Job) {
    let Job { task, entry, env } = job;
    let slot = task.result_slot().cast::<c_void>();
    // SAFETY: the caller of `blocking_spawn` vouched for `entry` and `env`.
    let panic = escape::run_catching(&mut || unsafe { entry(env, slot) });
    escape::end_locks(panic.is_some());
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

    unsafe extern "C-unwind" fn square(env: *mut c_void, slot: *mut c_void) {
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
