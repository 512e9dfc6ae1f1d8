//! The task object: a green thread's state, its result slot, and the handle the compiler
//! holds (the same object; the handle is reference counted).
//!
//! Invariants:
//! - `rc` is the first field (the compiler may inline retain: `if rc >= 0 { rc += 1 }`);
//!   a task's count is one per handle plus one *life* count held from spawn until the task
//!   has finished and its worker has woken its joiners; the object is recycled when the
//!   count drops to 0;
//! - task objects are *type-stable*: they are allocated in chunks (from `slab`) that are
//!   never freed and are recycled through free lists, so a pointer to a task stays dereferenceable forever.
//!   `state` carries a generation (`gen << 32 | lifecycle`) bumped on every recycle, and run
//!   queue entries that start a task carry the generation they were made for (see
//!   [`Entry`]); a stale entry — the task was claimed by a joiner and may even have been
//!   recycled since — fails the start CAS and is skipped;
//! - lifecycle: `FREE → NEW` (spawn) `→ RUNNING` (one CAS, by the worker that pops its start
//!   entry or by a joiner that claims it) `→ DONE` (by its worker after it returned or
//!   panicked) `→ FREE` (recycle, generation + 1);
//! - a task owns an activation ([`Activation`]: wait node, saved stack pointer, stack,
//!   held locks) only from its first run until it is `DONE`; `sp` there is valid while
//!   the task is suspended;
//! - the result slot is written by the task before `DONE` is stored with release ordering,
//!   and read by joiners after they load `DONE` with acquire ordering; it is dropped (with
//!   `result_drop`) when the object is recycled, if the entry function returned;
//! - `joiners` and the scoped-children links are guarded by the task's `lock`; the worker
//!   that finishes a task stores `DONE` and wakes all joiners while holding it.

use std::cell::UnsafeCell;
use std::ffi::{c_char, c_void, CStr};
use std::ptr;
use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering,
};
use std::sync::Mutex;

use super::activation::Activation;
use super::join::JoinEntry;
use super::pool::Pool;
use super::waiter::WaitNode;
use super::worker;
use crate::lock::held::HeldList;
use crate::lock::rawlock::Locked;
use crate::lock::rawlock::LockedGuard;
use crate::lock::solo_rmw::{SoloArith, SoloRmw};

/// `entry(env, result_slot)`: the code a task runs (C ABI `weft_task_fn`).
pub type TaskFn = unsafe extern "C-unwind" fn(env: *mut c_void, result_slot: *mut c_void);
/// Releases what a result slot holds (C ABI `weft_drop_fn`).
pub type DropFn = unsafe extern "C" fn(slot: *mut c_void);

/// Spawn flag: fire-and-forget (`Task.spawn`): a panic is fatal unless the task has been
/// joined. Cleared by the first join.
pub const DETACHED: u32 = 1;
/// Spawn flag: the drain at exit does not wait for this task (`Task.spawnDaemon`).
pub const DAEMON: u32 = 2;
/// Spawn flag: a child of the spawning task's scope: cancelling the parent cancels it
/// (recursively), and a cancelled parent spawns it cancelled.
pub const SCOPED: u32 = 4;
/// Internal: the program's main task.
pub(crate) const MAIN: u32 = 1 << 8;
/// Internal: the entry function returned, so the result slot holds a value.
pub(crate) const RESULT_SET: u32 = 1 << 9;
/// Internal: the entry's cleanup call after a failure has been made (or the entry ran).
const ENV_RELEASED: u32 = 1 << 11;
/// Internal: the task is unwinding a panic (`sched::failure`): another panic ends the
/// process.
pub(crate) const UNWINDING: u32 = 1 << 12;
/// Internal: the object is a scope's node (`sched::scope`): it never runs; its children
/// are the scope's, and its inline slot points at the scope.
pub(crate) const SCOPE_NODE: u32 = 1 << 13;
/// Internal: the environment is a closure pair in the result slot ([`TaskEnv::Closure`]);
/// otherwise it is the pointer in the second inline word ([`TaskEnv::Ptr`]).
const CLOSURE_ENV: u32 = 1 << 10;

pub(crate) const FREE: u32 = 0;
pub(crate) const NEW: u32 = 1;
pub(crate) const RUNNING: u32 = 2;
pub(crate) const DONE: u32 = 3;

/// How a finished task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// The entry function returned and the task was not cancelled.
    Ok = 0,
    /// The task panicked; its message is kept.
    Panicked = 1,
    /// The task was cancelled (it ran, cooperatively, and finished after the cancel).
    Cancelled = 2,
}

/// Result slots up to this size live inside the task object. Every slot has room for at
/// least this many bytes, which [`TaskEnv::Closure`] relies on.
const INLINE_RESULT: usize = 16;

/// What a task's entry receives as its environment argument.
#[derive(Debug, Clone, Copy)]
pub enum TaskEnv {
    /// An opaque pointer, passed as is.
    Ptr(*mut c_void),
    /// A closure value `{code, env}` (two words, as the compiler lays closures out): kept in
    /// the task's result slot until the task runs, and the entry receives the slot's address,
    /// where it finds the pair. The entry must copy the pair out before it writes its
    /// result. This spares every spawn the allocation of a separate pair.
    Closure(*const c_void, *mut c_void),
}

/// What every task spawned at one place shares (C ABI `weft_spawn_site`): generated code
/// emits one constant per spawn site, so a task object holds one pointer instead of four
/// fields.
#[repr(C)]
#[derive(Debug)]
pub struct SpawnSite {
    /// Runs the task: `entry(env, result_slot)` (and `entry(env, NULL)` to release the
    /// environment after a failure, see [`Task::release_env_after_failure`]).
    pub entry: TaskFn,
    /// Size in bytes of the result slot.
    pub result_size: usize,
    /// Releases the value a result slot holds (null: nothing to release).
    pub result_drop: Option<DropFn>,
    /// Static NUL-terminated spawn-site name ("app.weft:12:5"), or null.
    pub name: *const c_char,
}

// SAFETY: sites are immutable and their name is static.
unsafe impl Sync for SpawnSite {}
// SAFETY: as above.
unsafe impl Send for SpawnSite {}

impl SpawnSite {
    /// The site for spawns that pass these fields one by one (Rust spawns, the C ABI's
    /// `weft_rt_task_spawn`): one leaked site per distinct combination, remembered per
    /// thread for the common case of many spawns of the same kind.
    pub fn intern(
        entry: TaskFn,
        result_size: usize,
        result_drop: Option<DropFn>,
        name: *const c_char,
    ) -> &'static SpawnSite {
        static SITES: Mutex<Vec<&'static SpawnSite>> = Mutex::new(Vec::new());
        thread_local! {
            static LAST: std::cell::Cell<Option<&'static SpawnSite>> =
                const { std::cell::Cell::new(None) };
        }
        let key = (
            entry as usize,
            result_size,
            result_drop.map_or(0, |d| d as usize),
            name,
        );
        let same = |s: &SpawnSite| {
            (
                s.entry as usize,
                s.result_size,
                s.result_drop.map_or(0, |d| d as usize),
                s.name,
            ) == key
        };
        if let Some(site) = LAST.get().filter(|s| same(s)) {
            return site;
        }
        let mut sites = SITES.lock().unwrap_or_else(|e| e.into_inner());
        let site = match sites.iter().find(|s| same(s)) {
            Some(site) => site,
            None => {
                let site: &'static SpawnSite = Box::leak(Box::new(SpawnSite {
                    entry,
                    result_size,
                    result_drop,
                    name,
                }));
                sites.push(site);
                site
            }
        };
        LAST.set(Some(site));
        site
    }
}

/// A green task (see the module docs for the invariants).
#[repr(C)]
pub struct Task {
    /// Handle reference count; first field (ABI).
    pub rc: AtomicI64,
    state: AtomicU64,
    /// The running state from the first run to the end (null before and after).
    act: AtomicPtr<Activation>,
    /// What all tasks spawned at one place share (set at spawn, stable until recycle).
    site: UnsafeCell<*const SpawnSite>,
    pub(crate) lock: Locked<Links>,
    stack_size: UnsafeCell<u32>,
    pub(crate) flags: AtomicU32,
    cancelled: AtomicBool,
    outcome: AtomicU8,
    inline: UnsafeCell<[u64; INLINE_RESULT / 8]>,
}

/// What a task's lock guards.
#[derive(Debug)]
pub(crate) struct Links {
    /// Tasks and threads waiting for this task to finish (intrusive, see `join`).
    pub joiners: *mut JoinEntry,
    /// Rarely needed state, allocated on first use (null until then) and kept, reset,
    /// when the object is recycled.
    extra: *mut Extra,
}

/// The rarely needed part of a task, kept out of line so that a million task objects stay
/// small.
#[derive(Debug)]
pub(crate) struct Extra {
    /// The panic message of a task that panicked.
    pub panic: Option<Box<str>>,
    /// Scoped parent (retained while this task lives), and live scoped children.
    pub parent: *const Task,
    pub first_child: *const Task,
    pub next_sibling: *const Task,
    pub prev_sibling: *const Task,
}

impl Links {
    /// The extra state, allocated if needed.
    pub fn extra(&mut self) -> &mut Extra {
        if self.extra.is_null() {
            self.extra = Box::into_raw(Box::new(Extra {
                panic: None,
                parent: ptr::null(),
                first_child: ptr::null(),
                next_sibling: ptr::null(),
                prev_sibling: ptr::null(),
            }));
        }
        // SAFETY: allocated above or earlier, freed only at recycle.
        unsafe { &mut *self.extra }
    }

    /// The extra state if it was ever allocated.
    pub fn extra_ref(&self) -> Option<&Extra> {
        // SAFETY: as above.
        unsafe { self.extra.as_ref() }
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name())
            .field("state", &self.state.load(Ordering::Relaxed))
            .field("rc", &self.rc.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

// SAFETY: cross-thread access follows the protocol in the module docs: mutable fields are
// written by the owner of the current lifecycle phase only, or under `lock`.
unsafe impl Sync for Task {}
// SAFETY: as above.
unsafe impl Send for Task {}
// SAFETY: the raw pointers are guarded by the task lock.
unsafe impl Send for Links {}

/// A run-queue entry: a task pointer, tagged with bit 0 and a 15-bit generation in the top
/// bits when it *starts* the task (spawn), untagged when it *resumes* it (wake, yield); or
/// a job pointer (`sched::job`), tagged with bit 1 and its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry(pub u64);

const START_BIT: u64 = 1;
const JOB_BIT: u64 = 2;
pub(crate) const GEN_SHIFT: u32 = 49;
const PTR_MASK: u64 = ((1 << GEN_SHIFT) - 1) & !(START_BIT | JOB_BIT);

impl Entry {
    /// The entry that starts `task` in its current generation.
    pub fn start(task: &Task) -> Entry {
        let gen = task.state.load(Ordering::Relaxed) >> 32;
        Entry((task as *const Task as u64) | START_BIT | (gen << GEN_SHIFT))
    }

    /// The entry that resumes a suspended `task`.
    pub fn resume(task: &Task) -> Entry {
        Entry(task as *const Task as u64)
    }

    /// The entry that makes a task of the pending `job` (`sched::job`).
    pub(crate) fn job(job: &super::job::Job) -> Entry {
        Entry((job as *const super::job::Job as u64) | JOB_BIT | (job.gen() << GEN_SHIFT))
    }

    /// The task this entry names (not for a job's entry).
    pub fn task(self) -> &'static Task {
        debug_assert!(!self.is_job());
        // SAFETY: entries are built from task objects, which are never freed.
        unsafe { &*((self.0 & PTR_MASK) as *const Task) }
    }

    /// Whether the entry names a job.
    pub fn is_job(self) -> bool {
        self.0 & JOB_BIT != 0
    }

    fn job_ref(self) -> &'static super::job::Job {
        // SAFETY: job entries are built from pooled jobs, which are never freed.
        unsafe { &*((self.0 & PTR_MASK) as *const super::job::Job) }
    }

    /// Whether the entry starts its task (a spawn) rather than resuming it.
    pub fn is_start(self) -> bool {
        self.0 & START_BIT != 0
    }

    fn gen(self) -> u64 {
        self.0 >> GEN_SHIFT
    }

    /// The task to run for this entry, if it is not stale: a resumed task; a started one,
    /// moved `NEW → RUNNING`; the task a job becomes (`sched::job`).
    pub fn acquire(self) -> Option<&'static Task> {
        if self.is_job() {
            return super::job::take_as_task(self.job_ref(), self.gen());
        }
        let task = self.task();
        (!self.is_start() || task.try_start_gen(Some(self.gen()))).then_some(task)
    }

    /// Whether this is a start entry whose task was already started (or recycled), or the
    /// entry of a job already taken.
    pub fn is_stale(self) -> bool {
        if self.is_job() {
            return self.job_ref().is_stale(self.gen());
        }
        if !self.is_start() {
            return false;
        }
        let s = self.task().state.load(Ordering::Relaxed);
        s as u32 != NEW || (s >> 32) & (u64::MAX >> GEN_SHIFT) != self.gen()
    }
}

/// Every task object.
static TASKS: Pool<Task> = Pool::new(Task::blank);

impl Task {
    fn blank() -> Task {
        Task {
            rc: AtomicI64::new(0),
            state: AtomicU64::new(FREE as u64),
            act: AtomicPtr::new(ptr::null_mut()),
            site: UnsafeCell::new(ptr::null()),
            lock: Locked::new(Links {
                joiners: ptr::null_mut(),
                extra: ptr::null_mut(),
            }),
            stack_size: UnsafeCell::new(0),
            flags: AtomicU32::new(0),
            cancelled: AtomicBool::new(false),
            outcome: AtomicU8::new(Outcome::Ok as u8),
            inline: UnsafeCell::new([0; INLINE_RESULT / 8]),
        }
    }

    /// The list of locks the task holds (see `sync::held`), made by `make` on first use.
    /// Only the running task may call this and use the list.
    #[inline]
    pub(crate) fn held_locks(&self, make: fn() -> *mut HeldList) -> *mut HeldList {
        self.activation()
            .expect("a running task has an activation")
            .held_locks(make)
    }

    /// The list of held locks if the task's activation ever had one.
    pub(crate) fn held_locks_if_any(&self) -> Option<*mut HeldList> {
        self.activation()?.held_locks_if_any()
    }

    /// The running state of a started, unfinished task (see [`Activation`]); only the
    /// worker running the task, or a reader holding the task's lock, may rely on it.
    #[inline]
    pub(crate) fn activation(&self) -> Option<&'static Activation> {
        // SAFETY: activations are never freed.
        unsafe { self.act.load(Ordering::Relaxed).as_ref() }
    }

    /// [`Task::activation`] of a task known to have started and not finished: the running
    /// task, or one its worker is switching to or finishing (on the switch path, so the
    /// invariant is checked in debug builds only).
    #[inline]
    pub(crate) fn running(&self) -> &'static Activation {
        let act = self.act.load(Ordering::Relaxed);
        debug_assert!(!act.is_null(), "a started task has an activation");
        // SAFETY: attached from the first run to the finish (see `Activation`); activations
        // are never freed.
        unsafe { &*act }
    }

    /// Gives the task its activation (its worker, before the task first runs).
    pub(crate) fn attach(&self, act: &'static Activation) {
        self.act.solo_store(
            act as *const Activation as *mut Activation,
            Ordering::SeqCst,
        );
    }

    /// The activation of a task being cancelled, read under the task's lock (`links`
    /// proves it), so it is not detached meanwhile.
    pub(crate) fn activation_locked(
        &self,
        _links: &LockedGuard<'_, Links>,
    ) -> Option<&'static Activation> {
        // SAFETY: activations are never freed.
        unsafe { self.act.load(Ordering::SeqCst).as_ref() }
    }

    /// The task whose activation's wait node is `node`.
    pub(crate) fn from_node(node: &WaitNode) -> &'static Task {
        Activation::from_node(node).task()
    }

    /// A recycled or fresh object in state `FREE` (a worker's cache first, then the global
    /// free list, then a new chunk).
    pub(crate) fn alloc() -> &'static Task {
        worker::with_task_cache(|cache| TASKS.alloc(cache))
    }

    /// Visits every task object that exists (deadlock report; cold).
    pub(crate) fn for_each(f: impl FnMut(&'static Task)) {
        TASKS.for_each(f)
    }

    /// Fills a `FREE` object for a new task spawned at `site` (state `NEW`, count 2:
    /// handle + life).
    ///
    /// # Safety
    /// The caller owns the `FREE` object exclusively.
    pub(crate) unsafe fn init(
        &self,
        site: &'static SpawnSite,
        env: TaskEnv,
        stack_size: usize,
        flags: u32,
    ) {
        let result_size = site.result_size;
        *self.site.get() = site;
        *self.inline.get() = [0; INLINE_RESULT / 8];
        *self.stack_size.get() = stack_size.min(u32::MAX as usize) as u32;
        if result_size > INLINE_RESULT {
            let heap = std::alloc::alloc_zeroed(result_layout(result_size));
            (*self.inline.get())[0] = heap as u64;
        }
        // The environment waits in the inline area until the task runs: a closure pair in
        // the result slot (whose first word may be the heap slot's address), or a plain
        // pointer in the second word, which a heap slot leaves free and an inline result
        // overwrites only when the entry returns.
        let env_flag = match env {
            TaskEnv::Ptr(p) => {
                (*self.inline.get())[1] = p as u64;
                0
            }
            TaskEnv::Closure(code, env) => {
                let slot = self.result_slot().cast::<[*const c_void; 2]>();
                slot.write([code, env.cast_const()]);
                CLOSURE_ENV
            }
        };
        self.flags.store(flags | env_flag, Ordering::Relaxed);
        self.cancelled.store(false, Ordering::Relaxed);
        self.outcome.store(Outcome::Ok as u8, Ordering::Relaxed);
        self.rc.store(2, Ordering::Relaxed);
        let gen = self.state.load(Ordering::Relaxed) >> 32;
        self.state.store(gen << 32 | NEW as u64, Ordering::Release);
    }

    /// Moves `NEW → RUNNING` if still `NEW` (and, with `gen`, still in that generation).
    /// Exactly one caller wins; the winner runs the task.
    pub(crate) fn try_start_gen(&self, gen: Option<u64>) -> bool {
        let s = self.state.load(Ordering::Acquire);
        if s as u32 != NEW || gen.is_some_and(|g| (s >> 32) & (u64::MAX >> GEN_SHIFT) != g) {
            return false;
        }
        let running = (s & !0xffff_ffff) | RUNNING as u64;
        self.state
            .solo_cas(s, running, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// The lifecycle state (`NEW`, `RUNNING`, `DONE`, `FREE`).
    pub(crate) fn lifecycle(&self) -> u32 {
        self.state.load(Ordering::Acquire) as u32
    }

    /// Whether the task has finished (acquire: its result is visible).
    pub fn is_done(&self) -> bool {
        self.lifecycle() == DONE
    }

    /// Stores `DONE` with `outcome` (the finishing worker, under the task lock).
    /// Also detaches the activation (see [`Activation`]) and returns it, for the worker to
    /// give back.
    pub(crate) fn set_done(&self, outcome: Outcome) -> Option<&'static Activation> {
        self.outcome.store(outcome as u8, Ordering::Relaxed);
        let s = self.state.load(Ordering::Relaxed);
        self.state
            .store((s & !0xffff_ffff) | DONE as u64, Ordering::Release);
        // SAFETY: activations are never freed.
        unsafe {
            self.act
                .solo_swap(ptr::null_mut(), Ordering::Relaxed)
                .as_ref()
        }
    }

    /// How the finished task ended.
    pub fn outcome(&self) -> Outcome {
        match self.outcome.load(Ordering::Relaxed) {
            0 => Outcome::Ok,
            1 => Outcome::Panicked,
            _ => Outcome::Cancelled,
        }
    }

    /// The entry function and environment (read when the task first runs; the entry
    /// stays set for [`Task::release_env_after_failure`]).
    pub(crate) fn entry(&self) -> (TaskFn, *mut c_void) {
        (self.site().entry, self.env())
    }

    /// The spawn site (of a task that has been spawned).
    fn site(&self) -> &'static SpawnSite {
        // SAFETY: set at spawn to a static site, stable until recycle.
        unsafe { &**self.site.get() }
    }

    /// The environment argument of the entry (valid until the entry stores its result).
    fn env(&self) -> *mut c_void {
        if self.flags.load(Ordering::Relaxed) & CLOSURE_ENV != 0 {
            self.result_slot().cast()
        } else {
            // SAFETY: written at spawn; only the running task reads it.
            unsafe { (*self.inline.get())[1] as *mut c_void }
        }
    }

    /// Called by the running task when it ends by a panic or cancellation instead of
    /// returning from its entry: its frames are abandoned, not unwound, so the entry is
    /// called once more as `entry(env, NULL)` to release what it still owns of `env`
    /// (generated entries release the closure; see `weft_task_fn` in `abi/task.rs`).
    pub(crate) fn release_env_after_failure(&self) {
        // Marking the cleanup first makes it run at most once even if it fails itself.
        let before = self.flags.solo_fetch_or(ENV_RELEASED, Ordering::Relaxed);
        if before & (RESULT_SET | ENV_RELEASED) != 0 {
            return;
        }
        let (entry, env) = self.entry();
        // SAFETY: the entry's contract allows the null-slot cleanup call.
        unsafe { entry(env, ptr::null_mut()) };
    }

    /// The result slot (`result_size` bytes): inside the object when small, else on the
    /// heap with its address in the inline area.
    pub fn result_slot(&self) -> *mut u8 {
        // SAFETY: set at spawn, stable until recycle.
        unsafe {
            if self.result_size() <= INLINE_RESULT {
                self.inline.get().cast()
            } else {
                (*self.inline.get())[0] as *mut u8
            }
        }
    }

    /// Size in bytes of the stack the task runs on (or will run on).
    pub fn stack_bytes(&self) -> usize {
        if self.has_flag(MAIN) {
            return super::MAIN_STACK_SIZE;
        }
        match self.stack_size() {
            0 => crate::stack::default_size(),
            n => crate::stack::round_size(n),
        }
    }

    /// The stack limit to store while the task runs (0: no check, e.g. main's guarded stack).
    pub(crate) fn stack_limit(&self) -> usize {
        self.running().stack_limit()
    }

    /// Size of the result slot in bytes.
    pub fn result_size(&self) -> usize {
        self.site().result_size
    }

    /// Requested stack size in bytes (0 = default).
    pub(crate) fn stack_size(&self) -> usize {
        // SAFETY: set at spawn, stable until recycle.
        unsafe { *self.stack_size.get() as usize }
    }

    /// The spawn-site name ("app.weft:12:5", or "main").
    pub fn name(&self) -> &str {
        // SAFETY: set at spawn to a static site (null before the first spawn).
        let name = match unsafe { (*self.site.get()).as_ref() } {
            Some(site) => site.name,
            None => ptr::null(),
        };
        if name.is_null() {
            return "?";
        }
        // SAFETY: site names are static NUL-terminated strings.
        unsafe { CStr::from_ptr(name) }.to_str().unwrap_or("?")
    }

    /// The panic message of a task that ended `Panicked`.
    pub fn panic_message(&self) -> Option<&str> {
        if self.outcome() != Outcome::Panicked || !self.is_done() {
            return None;
        }
        let links = self.lock.lock();
        let message = links.extra_ref()?.panic.as_deref()? as *const str;
        // SAFETY: written before `DONE` and kept, unchanged, until the object is recycled,
        // which the caller's handle prevents.
        Some(unsafe { &*message })
    }

    /// Records the panic message (the panicking task itself, before it finishes).
    pub(crate) fn set_panic_message(&self, message: &str) {
        self.lock.lock().extra().panic = Some(message.into());
    }

    /// The scope a scope node stands for (null once it closed).
    pub(crate) fn scope(&self) -> *const super::scope::Scope {
        debug_assert!(self.has_flag(SCOPE_NODE));
        // SAFETY: a node's inline slot holds only its scope pointer, set by its scope.
        unsafe { (*self.inline.get())[0] as *const super::scope::Scope }
    }

    /// Points a scope node at its scope (null: closed).
    pub(crate) fn set_scope(&self, scope: *const super::scope::Scope) {
        // SAFETY: only the scope that owns the node writes it, before its first child is
        // linked and after its last child reported.
        unsafe { (*self.inline.get())[0] = scope as u64 };
    }

    /// The cancel flag, whose byte (nonzero when set) generated code reads for
    /// `Task.isCancelled()`; task objects are never freed.
    pub fn cancel_flag(&'static self) -> &'static AtomicBool {
        &self.cancelled
    }

    /// Whether the task's cancel flag is set.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Sets the cancel flag; returns false if it was already set.
    pub(crate) fn set_cancelled(&self) -> bool {
        !self.cancelled.swap(true, Ordering::SeqCst)
    }

    /// Whether any of `flags` is set.
    pub fn has_flag(&self, flags: u32) -> bool {
        self.flags.load(Ordering::Relaxed) & flags != 0
    }

    /// Adds one handle count (nothing for a negative, immortal count).
    pub fn retain(&self) {
        if self.rc.load(Ordering::Relaxed) >= 0 {
            self.rc.solo_fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Drops one count; the last one recycles the object.
    pub fn release(&self) {
        if self.rc.load(Ordering::Relaxed) < 0 {
            return;
        }
        if self.rc.solo_fetch_sub(1, Ordering::Release) == 1 {
            std::sync::atomic::fence(Ordering::Acquire);
            self.recycle();
        }
    }

    /// Moves to `FREE` in the next generation: start entries made before are stale.
    fn next_generation(&self) {
        let s = self.state.load(Ordering::Relaxed);
        let gen = ((s >> 32) + 1) & (u64::MAX >> GEN_SHIFT);
        self.state.store(gen << 32 | FREE as u64, Ordering::Release);
    }

    /// Returns the object to a free list, dropping the result and the panic message.
    fn recycle(&self) {
        // SAFETY: the count reached 0, so nobody else refers to the object's contents.
        unsafe {
            if self.flags.load(Ordering::Relaxed) & RESULT_SET != 0 {
                if let Some(drop) = self.site().result_drop {
                    drop(self.result_slot().cast());
                }
            }
            let size = self.result_size();
            if size > INLINE_RESULT {
                std::alloc::dealloc(self.result_slot(), result_layout(size));
            }
            // The extra state stays with the object (a task object that needed it once,
            // as scope children and nodes do, is likely to again): reset, not freed.
            if let Some(extra) = self.lock.lock().extra.as_mut() {
                extra.panic = None;
                extra.parent = ptr::null();
                extra.first_child = ptr::null();
                extra.next_sibling = ptr::null();
                extra.prev_sibling = ptr::null();
            }
            *self.inline.get() = [0; INLINE_RESULT / 8];
        }
        self.next_generation();
        // SAFETY: task objects are pooled, never freed.
        let task: &'static Task = unsafe { &*(self as *const Task) };
        worker::with_task_cache(|cache| TASKS.free(task, cache));
    }
}

fn result_layout(size: usize) -> std::alloc::Layout {
    std::alloc::Layout::from_size_align(size, 16).expect("result size fits a layout")
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C-unwind" fn nothing(_: *mut c_void, _: *mut c_void) {}

    fn site(result_size: usize, name: *const c_char) -> &'static SpawnSite {
        SpawnSite::intern(nothing, result_size, None, name)
    }

    #[test]
    fn entries_detect_staleness() {
        let task = Task::alloc();
        // SAFETY: a fresh FREE object.
        unsafe { task.init(site(8, c"t".as_ptr()), TaskEnv::Ptr(ptr::null_mut()), 0, 0) };
        let start = Entry::start(task);
        assert!(start.is_start());
        assert!(std::ptr::eq(start.task(), task));
        assert!(!start.is_stale());
        assert!(task.try_start_gen(None), "a joiner claims it");
        assert!(start.is_stale());
        assert!(start.acquire().is_none(), "the queued entry is skipped");
        assert!(Entry::resume(task).acquire().is_some());
        task.set_done(Outcome::Ok);
        task.release();
        assert_eq!(task.rc.load(Ordering::Relaxed), 1);
        task.release(); // recycled: no longer ours to inspect
    }

    #[test]
    fn a_closure_environment_lives_in_the_result_slot() {
        for result_size in [0, 8, 16, 40] {
            // A private object: recycling through the free lists would hand it to others.
            let t: &'static Task = Box::leak(Box::new(Task::blank()));
            let (code, env) = (0x1000 as *const c_void, 0x2000 as *mut c_void);
            // SAFETY: a fresh FREE object owned by this test.
            unsafe {
                t.init(
                    site(result_size, ptr::null()),
                    TaskEnv::Closure(code, env),
                    0,
                    0,
                )
            };
            let (_, passed) = t.entry();
            assert_eq!(passed.cast::<u8>(), t.result_slot(), "size {result_size}");
            // SAFETY: every slot has room for the pair.
            let pair = unsafe { *passed.cast::<[usize; 2]>() };
            assert_eq!(pair, [0x1000, 0x2000]);
            assert_eq!(t.result_size(), result_size, "joiners copy the real size");
        }
    }

    #[test]
    fn spawn_sites_given_field_by_field_are_interned() {
        unsafe extern "C-unwind" fn other(_: *mut c_void, slot: *mut c_void) {
            if !slot.is_null() {
                slot.cast::<u8>().write(1);
            }
        }
        let a = site(8, c"a".as_ptr());
        assert!(
            std::ptr::eq(a, site(8, c"a".as_ptr())),
            "same fields, same site"
        );
        assert!(!std::ptr::eq(a, site(16, c"a".as_ptr())));
        let b = SpawnSite::intern(other, 8, None, c"a".as_ptr());
        assert!(!std::ptr::eq(a, b), "another entry");
        assert!(
            std::ptr::eq(a, site(8, c"a".as_ptr())),
            "earlier sites are found again"
        );
        assert_eq!(a.result_size, 8);
        assert_eq!(b.entry as usize, other as *const () as usize);
    }

    #[test]
    fn task_objects_stay_small() {
        // A million spawned, not yet awaited tasks must take less memory than Go's goroutines
        // with their result channels (benches/spawn_await).
        assert!(
            std::mem::size_of::<Task>() <= 88,
            "{}",
            std::mem::size_of::<Task>()
        );
    }

    #[test]
    fn a_new_generation_makes_old_start_entries_stale() {
        // A private object: recycling through the free lists would hand it to others.
        let a: &'static Task = Box::leak(Box::new(Task::blank()));
        // SAFETY: a fresh FREE object owned by this test.
        unsafe { a.init(site(64, ptr::null()), TaskEnv::Ptr(ptr::null_mut()), 0, 0) };
        let old = Entry::start(a);
        a.set_done(Outcome::Ok);
        a.next_generation();
        assert!(old.is_stale(), "a FREE object's entries are stale");
        // SAFETY: as above.
        unsafe { a.init(site(0, ptr::null()), TaskEnv::Ptr(ptr::null_mut()), 0, 0) };
        assert!(
            old.is_stale(),
            "an entry of the previous generation stays stale"
        );
        assert!(old.acquire().is_none());
        assert!(Entry::start(a).acquire().is_some());
        a.set_done(Outcome::Ok);
    }
}
