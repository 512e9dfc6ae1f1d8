//! Jobs: the branches of a `par` block other than the last, queued as light run-queue
//! entries instead of tasks (*lazy task creation*, Mohr, Kranz and Halstead 1991; the
//! second closure of rayon's `join`). A job becomes a task only when a worker takes its
//! entry from a run queue — an idle worker stealing it, or the owner's worker once the
//! owner parks; when the owner comes to wait and nobody has taken the job, it takes it
//! back and runs it inline (`sched::inline`). Forking a branch nobody steals then costs a
//! pooled object and a queue entry, not a task's spawn, start and finish.
//!
//! A job is a type-stable pooled object, like a task: its state carries a generation
//! (`gen << 32 | lifecycle`), bumped on every recycle, and its run-queue entry carries the
//! generation it was made for, so an entry whose job was taken back (and perhaps reused)
//! is stale and skipped.
//!
//! Invariants:
//! - lifecycle `FREE → PENDING` (fork, by the owner) `→ TAKEN` (one CAS: the owner taking it
//!   back, or a worker making it a task) `→ FREE` (recycled by the owner, at the wait);
//! - the fields are written before the entry is pushed and never change while the job is
//!   `PENDING` in that generation: a worker reads them, then claims the job with its CAS,
//!   so what it read is what the owner forked;
//! - a pending job counts as a child of its scope (`pending`), so the scope stays open
//!   until the job has run, as itself or as a task;
//! - only the owner links and walks its scope's list of jobs (`next`) and recycles them.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use super::pool::Pool;
use super::scope::Scope;
use super::task::{SpawnSite, Task, TaskEnv};

const FREE: u64 = 0;
const PENDING: u64 = 1;
const TAKEN: u64 = 2;
const LIFECYCLE: u64 = 0xffff_ffff;

/// A forked branch (see the module docs).
pub(crate) struct Job {
    state: AtomicU64,
    scope: UnsafeCell<*const Scope>,
    site: UnsafeCell<*const SpawnSite>,
    code: UnsafeCell<*const c_void>,
    env: UnsafeCell<*mut c_void>,
    /// The job forked before this one in the same scope (owner only), or null.
    next: UnsafeCell<*const Job>,
}

// SAFETY: the cells are written by the owner before the job is published and only read
// afterwards (module invariants); `next` is owner-only.
unsafe impl Sync for Job {}
// SAFETY: as above.
unsafe impl Send for Job {}

static POOL: Pool<Job> = Pool::new(Job::blank);

/// What a job runs: the closure `{code, env}` at `site` (moved in), as a task would.
#[derive(Clone, Copy)]
pub(crate) struct JobFn {
    pub(crate) site: &'static SpawnSite,
    pub(crate) code: *const c_void,
    pub(crate) env: *mut c_void,
}

impl Job {
    fn blank() -> Job {
        Job {
            state: AtomicU64::new(FREE),
            scope: UnsafeCell::new(ptr::null()),
            site: UnsafeCell::new(ptr::null()),
            code: UnsafeCell::new(ptr::null()),
            env: UnsafeCell::new(ptr::null_mut()),
            next: UnsafeCell::new(ptr::null()),
        }
    }

    /// A pending job of `scope` that runs `f`, linked before `next` in the scope's list;
    /// `cache` is the calling worker's.
    pub(crate) fn fork(
        scope: &Scope,
        f: JobFn,
        next: *const Job,
        cache: Option<&mut Vec<&'static Job>>,
    ) -> &'static Job {
        let job = POOL.alloc(cache);
        // SAFETY: a free job is the caller's alone until its entry is pushed.
        unsafe {
            *job.scope.get() = scope;
            *job.site.get() = f.site;
            *job.code.get() = f.code;
            *job.env.get() = f.env;
            *job.next.get() = next;
        }
        let gen = job.state.load(Ordering::Relaxed) >> 32;
        job.state.store(gen << 32 | PENDING, Ordering::Release);
        job
    }

    /// The generation the job is in.
    pub(crate) fn gen(&self) -> u64 {
        self.state.load(Ordering::Relaxed) >> 32
    }

    /// The job forked before this one in the same scope (owner only).
    pub(crate) fn next(&self) -> *const Job {
        // SAFETY: owner-only field.
        unsafe { *self.next.get() }
    }

    /// What the job runs (stable while it is pending, and for its owner until recycled).
    pub(crate) fn function(&self) -> JobFn {
        // SAFETY: written before the job was published, unchanged since.
        unsafe {
            JobFn {
                site: &**self.site.get(),
                code: *self.code.get(),
                env: *self.env.get(),
            }
        }
    }

    /// The owner takes the job back: true when no worker took it first.
    pub(crate) fn take_back(&self) -> bool {
        let s = self.state.load(Ordering::Relaxed);
        s & LIFECYCLE == PENDING && self.claim(s)
    }

    /// Moves the job from `pending` (its state, `PENDING` in some generation) to `TAKEN`:
    /// the one CAS by which the owner or a worker wins it.
    fn claim(&self, pending: u64) -> bool {
        self.state
            .compare_exchange(
                pending,
                (pending & !LIFECYCLE) | TAKEN,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// Whether an entry made for generation `gen` is stale (the job was taken or reused).
    /// Acquire: a worker that finds the job pending reads the fields the fork published.
    pub(crate) fn is_stale(&self, gen: u64) -> bool {
        self.state.load(Ordering::Acquire) != (gen << 32 | PENDING)
    }

    /// Returns a taken job to the pool, in a new generation (the owner, at the wait).
    pub(crate) fn recycle(&'static self) {
        let gen = (self.gen() + 1) & (u64::MAX >> super::task::GEN_SHIFT);
        self.state.store(gen << 32 | FREE, Ordering::Release);
        super::worker::with_job_cache(|cache| POOL.free(self, cache));
    }
}

/// A worker popped the entry of `job` made for generation `gen`: unless it is stale, takes
/// the job and makes it a started child task of its scope, which the worker runs next.
pub(crate) fn take_as_task(job: &'static Job, gen: u64) -> Option<&'static Task> {
    if job.is_stale(gen) {
        return None;
    }
    let s = gen << 32 | PENDING;
    // Read before the claim: while the job is pending in this generation, the fields are
    // the owner's fork; after a failed claim they may be another fork's.
    let f = job.function();
    // SAFETY: as above.
    let scope = unsafe { *job.scope.get() };
    if !job.claim(s) {
        return None;
    }
    // SAFETY: the job counts as a pending child of its scope, which stays open until the
    // task made here reports.
    let scope = unsafe { &*scope };
    Some(scope.start_taken(f))
}

/// The closure of `f` where a task keeps it (`TaskEnv::Closure`).
pub(crate) fn task_env(f: JobFn) -> TaskEnv {
    TaskEnv::Closure(f.code, f.env)
}
