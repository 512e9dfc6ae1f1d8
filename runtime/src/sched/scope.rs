//! Scopes: the children a `par` or `par for` block, a `concurrent` block or a `TaskGroup`
//! starts, waited for together and cancelled together (Trio's nursery, Swift's task group).
//!
//! A scope owns a *scope node*: a task object that never runs and stands for the scope in
//! the task tree. The node is a scoped child of the task that opened the scope (when a
//! task opened it), and the scope's children are scoped children of the node
//! ([`super::join::link_child`]), so the tree's existing cancellation does the rest:
//! cancelling a task cancels its open scopes' nodes and through them their children,
//! nested scopes included; cancelling the scope cancels its node. A child linked under a
//! cancelled node starts cancelled, so a scope that has failed or timed out starts no
//! more work.
//!
//! When a child finishes ([`super::join::finish`]), it unlinks from the node and reports
//! to the scope: a panic is a failure (the first one's message is kept, later ones are
//! counted, and the first cancels the siblings through the node); a cancellation is not.
//! The last child wakes the scope's waiter.
//!
//! The owner runs children itself where it can (`sched::inline`): the last branch of a
//! `par` block ([`Scope::run_inline`]), and when it comes to wait, every child no worker
//! has started yet, most recent first ([`Scope::wait`]). While it runs one, the scope
//! records it as its *inline host*, whose current wait a cancellation of the node ends.
//!
//! Deadlines (`concurrent timeout(ms)`) nest as Trio's cancel scopes do: a scope's
//! deadline is the earliest of its own, that of the innermost scope open in the same task,
//! and that of the scope whose child the task is. When it passes, the waiting owner
//! cancels the children and goes on waiting for them; a timeout is not a failure.
//!
//! Invariants:
//! - `pending` counts the children spawned and not yet reported; it is raised before a
//!   child is pushed to a run queue and lowered under the scope lock when the child
//!   reports, so a waiter that sees 0 under the lock has every report behind it;
//! - the last child takes the waiter under the lock and wakes it after unlocking: the
//!   owner may free the scope as soon as it is woken;
//! - the node holds a pointer to its scope in its inline slot, set before the first child
//!   is linked and valid until the scope closes, which it does only once `pending` is 0;
//! - `current` (the innermost scope a task or thread has open) is touched by its owner only;
//! - the node's scope pointer is cleared under the node's lock, so a canceller holding that
//!   lock may use the scope (its inline host).

use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) use super::job::JobFn;
use super::job::{self, Job};
use super::join;
use super::task::{Entry, Outcome, SpawnSite, Task, TaskEnv, NEW, RESULT_SET, SCOPED, SCOPE_NODE};
use super::waiter::{Waiter, WakeReason};
use super::{current_task, registry};
use crate::lock::rawlock::Locked;
use crate::os::clock;
use crate::panic::unwind::Failure;
use crate::panic::WeftLoc;

/// No deadline.
const NEVER: u64 = u64::MAX;

/// A scope flag: a failing child does not cancel its siblings (every child runs to its
/// end; the owner reads each child's outcome from its handle).
pub const KEEP_SIBLINGS: u32 = 1;

/// A scope flag: when the owner comes to wait, it runs the children no worker has started
/// yet itself (`par` and `par for` blocks, whose children are branches of the owner's own
/// computation; see `sched::inline`).
pub const INLINE_CHILDREN: u32 = 2;

/// A scope (see the module docs). Lives where its owner puts it (storage in the frame of
/// the generated code that opens a block's scope, a box inside a task group object) and
/// must not move while open.
pub struct Scope {
    node: &'static Task,
    /// What the node hangs on (retained by the link), if a task opened the scope: that task,
    /// or the node of the scope whose child it runs inline ([`super::link_parent`]).
    owner: Option<&'static Task>,
    /// Children not yet reported.
    pending: AtomicUsize,
    state: Locked<ScopeState>,
    /// Absolute deadline in [`clock::now_ns`] time, or [`NEVER`].
    deadline: u64,
    /// Whether the first failure cancels the other children (not for the implicit `par`
    /// of automatic parallelization, which keeps sequential failure semantics).
    cancel_on_failure: bool,
    /// [`INLINE_CHILDREN`].
    inline_children: bool,
    /// The jobs forked into the scope and not yet resolved, the latest first (owner only,
    /// `sched::job`).
    jobs: Cell<*const Job>,
    /// The scope that was innermost in the owner before this one (restored at close);
    /// None for scopes that do not nest lexically (task groups).
    outer: Option<*const Scope>,
}

#[derive(Default)]
struct ScopeState {
    /// The owner's wait, while it waits.
    waiter: Option<Waiter>,
    /// The first failure's message.
    first: Option<Box<str>>,
    /// Failures reported (the first included).
    failures: usize,
    /// The owner while it runs a child inline: a cancellation of the node ends its wait.
    inline_host: Option<&'static Task>,
}

// SAFETY: the state is behind the lock; the rest is set before the scope is shared and
// read-only after, or atomic.
unsafe impl Sync for Scope {}
// SAFETY: as above.
unsafe impl Send for Scope {}

/// How a scope ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeResult {
    /// Every child returned (or was cancelled without failing).
    Ok,
    /// The first failure's message, and how many more children failed.
    Failed(String, usize),
}

impl ScopeResult {
    /// The message a re-raised failure carries: `msg`, or `msg (and N more failures)`.
    pub fn message(&self) -> Option<String> {
        match self {
            ScopeResult::Ok => None,
            ScopeResult::Failed(msg, 0) => Some(msg.clone()),
            ScopeResult::Failed(msg, 1) => Some(format!("{msg} (and 1 more failure)")),
            ScopeResult::Failed(msg, n) => Some(format!("{msg} (and {n} more failures)")),
        }
    }
}

std::thread_local! {
    /// The innermost lexical scope an OS thread has open outside green tasks.
    static THREAD_CURRENT: Cell<*const Scope> = const { Cell::new(ptr::null()) };
}

unsafe extern "C-unwind" fn never_runs(_: *mut c_void, _: *mut c_void) {
    unreachable!("a scope node never runs")
}

/// The spawn site of scope nodes (they are never spawned; recycling reads the site).
static NODE_SITE: SpawnSite = SpawnSite {
    entry: never_runs,
    result_size: 0,
    result_drop: None,
    name: c"scope".as_ptr(),
};

impl Scope {
    /// Opens a scope with a timeout of `timeout_ms` milliseconds (negative: none) in the
    /// calling task or thread. `lexical` scopes (blocks) become the innermost scope of
    /// their owner until closed; task groups do not.
    ///
    /// # Safety
    /// `place` is valid for writing a `Scope` and stays in place, unused otherwise, until
    /// [`Scope::close_in_place`].
    pub unsafe fn open_in(place: *mut Scope, timeout_ms: i64, lexical: bool, flags: u32) {
        let owner = current_task().map(super::link_parent);
        let own = if timeout_ms >= 0 {
            clock::deadline_after_ms(timeout_ms)
        } else {
            NEVER
        };
        let outer = if lexical { Some(current_scope()) } else { None };
        let inherited = outer
            .flatten_ptr()
            .map_or_else(|| inherited_deadline(owner), |s| s.deadline);
        let node = Task::alloc();
        // SAFETY: a fresh object; the node is never pushed to a run queue.
        unsafe { node.init(&NODE_SITE, TaskEnv::Ptr(ptr::null_mut()), 0, SCOPE_NODE) };
        node.release(); // one count: the scope's
        place.write(Scope {
            node,
            owner,
            pending: AtomicUsize::new(0),
            state: Locked::new(ScopeState::default()),
            deadline: own.min(inherited),
            cancel_on_failure: flags & KEEP_SIBLINGS == 0,
            inline_children: flags & INLINE_CHILDREN != 0,
            jobs: Cell::new(ptr::null()),
            outer,
        });
        node.set_scope(place);
        if let Some(owner) = owner {
            join::link_child(owner, node);
        }
        if lexical {
            set_current_scope(&*place);
        }
    }

    /// [`Scope::open_in`] a box of its own (a task group's scope).
    pub fn open_boxed(timeout_ms: i64, lexical: bool) -> Box<Scope> {
        let mut place = Box::<Scope>::new_uninit();
        // SAFETY: the box's memory stays in place until the box is dropped after
        // `close_in_place` (`close_boxed`).
        unsafe {
            Scope::open_in(place.as_mut_ptr(), timeout_ms, lexical, 0);
            place.assume_init()
        }
    }

    /// Starts a child of the scope: a green task running the closure `env` at `site`
    /// (see [`super::spawn_site`]). Returns its handle (+1).
    ///
    /// # Safety
    /// As [`super::spawn_site`].
    pub unsafe fn spawn(&self, site: &'static SpawnSite, env: TaskEnv) -> &'static Task {
        self.pending.fetch_add(1, Ordering::SeqCst);
        super::spawn_under(self.node, site, env, SCOPED)
    }

    /// Starts a child running the Rust closure `f` (a panic in it is the child's failure,
    /// with the panic's message). Returns its handle (+1).
    pub fn spawn_fn<F: FnOnce() + Send + 'static>(&self, f: F) -> &'static Task {
        let site = SpawnSite::intern(
            super::closure_entry::<F, ()>,
            0,
            None,
            c"scope child".as_ptr(),
        );
        let env = Box::into_raw(Box::new(f)).cast::<c_void>();
        // SAFETY: the entry matches the environment; the name is static.
        unsafe { self.spawn(site, TaskEnv::Ptr(env)) }
    }

    /// Waits until every child has reported, cancelling them all at the deadline; returns
    /// how the scope ended. `loc` is where the program waits (for the deadlock report).
    pub fn wait(&self, loc: Option<&WeftLoc>) -> ScopeResult {
        self.resolve_jobs();
        self.run_unstarted();
        let mut deadline = (self.deadline != NEVER).then_some(self.deadline);
        loop {
            let waiter = {
                let mut st = self.state.lock();
                if self.pending.load(Ordering::SeqCst) == 0 {
                    return match st.first.take() {
                        None => ScopeResult::Ok,
                        Some(msg) => ScopeResult::Failed(msg.into(), st.failures.saturating_sub(1)),
                    };
                }
                let waiter = Waiter::prepare(false);
                st.waiter = Some(waiter);
                waiter
            };
            let wake = waiter.park_at("waiting for a scope's children", loc, deadline);
            if wake.reason == WakeReason::TimedOut {
                // Unless a finishing child took the waiter meanwhile, take it back.
                self.state.lock().waiter = None;
                self.cancel();
                deadline = None;
            }
        }
    }

    /// Cancels every child (and their subtrees); children spawned later start cancelled.
    pub fn cancel(&self) {
        join::cancel(self.node);
    }

    /// Whether no child is still running.
    pub fn is_done(&self) -> bool {
        self.pending.load(Ordering::SeqCst) == 0
    }

    /// Closes the scope: a scope left early (a `return`, `break` or panic out of its block,
    /// a task group dropped) first cancels and waits for the children it still has, so no
    /// child outlives it. Restores the owner's innermost scope and releases the node.
    ///
    /// # Safety
    /// `this` was opened by [`Scope::open_in`] and is closed once; it is dropped here (its
    /// memory stays the caller's).
    pub unsafe fn close_in_place(this: *mut Scope) {
        let scope = &*this;
        if !scope.is_done() {
            scope.cancel();
            let _ = scope.wait(None);
        }
        if let Some(outer) = scope.outer {
            set_current_scope_ptr(outer);
        }
        if let Some(owner) = scope.owner {
            join::unlink_child(owner, scope.node);
            owner.release();
        }
        {
            let _links = scope.node.lock.lock();
            scope.node.set_scope(ptr::null());
        }
        scope.node.release();
        ptr::drop_in_place(this);
    }

    /// [`Scope::close_in_place`] for a scope of [`Scope::open_boxed`]: the node and the
    /// children reach it by its address until then, so it is closed inside its box.
    pub fn close_boxed(scope: Box<Scope>) {
        let raw = Box::into_raw(scope);
        // SAFETY: opened by `open_boxed`; afterwards only the memory is given back.
        unsafe {
            Scope::close_in_place(raw);
            drop(Box::from_raw(raw.cast::<std::mem::MaybeUninit<Scope>>()));
        }
    }
}

/// Reports the end of `child`, a child of the scope whose node is `node` (called by
/// [`join::finish`] after the child is unlinked from the node, which it still retains).
pub(crate) fn child_finished(node: &Task, outcome: Outcome, message: Option<&str>) {
    let scope = node.scope();
    if scope.is_null() {
        return;
    }
    // SAFETY: the scope stays open (and in place) while it has a pending child.
    unsafe { &*scope }.report(outcome, message);
}

/// Ends the current wait of the task that runs a child of `node`'s scope inline, if one
/// does (`sched::join::cancel`, which holds the node's lock and has cancelled it).
pub(crate) fn cancel_inline_host(node: &Task) {
    let scope = node.scope();
    if scope.is_null() {
        return;
    }
    // SAFETY: the caller holds the node's lock, under which the scope pointer is cleared.
    let scope = unsafe { &*scope };
    if let Some(host) = scope.state.lock().inline_host {
        // The host cannot end its inline run (and its activation) while the lock is held.
        host.running().node.cancel();
    }
}

impl Scope {
    /// Records the end of a child (one counted in `pending`) that ended with `outcome`.
    fn report(&self, outcome: Outcome, message: Option<&str>) {
        self.report_as(outcome, message, false)
    }

    /// [`Scope::report`]; with `inline`, for the child the owner ran inline, whose record
    /// as the inline host it also clears.
    fn report_as(&self, outcome: Outcome, message: Option<&str>, inline: bool) {
        let node = self.node;
        let failed = outcome == Outcome::Panicked;
        let cancel = failed && self.cancel_on_failure;
        let waiter = {
            let mut st = self.state.lock();
            if inline {
                st.inline_host = None;
            }
            if failed {
                st.failures += 1;
                if st.first.is_none() {
                    st.first = Some(message.unwrap_or("panicked").into());
                }
            }
            let left = self.pending.fetch_sub(1, Ordering::SeqCst) - 1;
            if left == 0 {
                st.waiter.take()
            } else {
                None
            }
        };
        // The scope may be closed and freed as soon as the lock is released (its owner can
        // see `pending` at 0 without being woken); the node lives on, retained by the child.
        if cancel {
            join::cancel(node);
        }
        if let Some(w) = waiter {
            w.wake(WakeReason::Notified, 0);
        }
    }

    /// Whether the calling `task` may run a child of this scope inline now (see
    /// `sched::inline`: no deadline, room on its stack).
    fn may_inline(&self, task: &Task) -> bool {
        self.deadline == NEVER && super::inline::can_run(task)
    }

    /// Runs `f` inline on the calling task as a child of this scope, recorded as the
    /// scope's inline host; returns its failure. The caller clears the record.
    fn host_inline(&self, task: &'static Task, f: &mut dyn FnMut()) -> Option<Box<Failure>> {
        self.state.lock().inline_host = Some(task);
        super::inline::run(task, self.node, f)
    }

    /// How a child run inline ended: a panic is a failure unless it is a cancellation, as
    /// for a task (the node's flag is the one the child saw).
    fn inline_outcome(&self, failure: &Option<Box<Failure>>) -> Outcome {
        match failure {
            None => Outcome::Ok,
            Some(f) if super::failure::is_cancellation(f, self.node.is_cancelled()) => {
                Outcome::Cancelled
            }
            Some(_) => Outcome::Panicked,
        }
    }

    /// Runs `f` (the last branch of a `par` block) as a child of the scope: inline on the
    /// calling task if it may (see `sched::inline`), else as a task of its own.
    pub(crate) fn run_inline(&self, f: JobFn) {
        match current_task() {
            Some(task) if self.may_inline(task) && fits_inline(f) => {
                self.pending.fetch_add(1, Ordering::SeqCst);
                self.run_counted_inline(task, f);
            }
            // SAFETY: as the caller's closure.
            _ => unsafe { self.spawn(f.site, job::task_env(f)) }.release(),
        }
    }

    /// Forks `f` (a branch of a `par` block other than the last) as a job (`sched::job`): a
    /// queued entry that becomes a child task only if a worker takes it before the owner
    /// takes it back at the wait. Where the owner could not run it inline (off the green
    /// tasks, on a small stack, under a deadline), a task at once.
    pub(crate) fn fork(&self, f: JobFn) {
        // A job only where its owner will be able to run it inline; elsewhere a task at once.
        if fits_inline(f) && current_task().is_some_and(|t| self.may_inline(t)) {
            // Counted first: a worker may take the job as soon as it is queued.
            self.pending.fetch_add(1, Ordering::SeqCst);
            if let Some(j) = super::worker::fork_job(self, f, self.jobs.get()) {
                self.jobs.set(j);
                return;
            }
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
        // SAFETY: as the caller's closure.
        unsafe { self.spawn(f.site, job::task_env(f)) }.release();
    }

    /// The started task a job of this scope becomes when a worker takes it (the job counts
    /// as pending already).
    pub(crate) fn start_taken(&self, f: JobFn) -> &'static Task {
        // SAFETY: the job's closure, moved into the task.
        unsafe { super::start_under(self.node, f.site, job::task_env(f)) }
    }

    /// At the wait: takes back every job no worker has taken, running it inline where the
    /// owner may (else queueing it as a task of its own), and recycles every job.
    fn resolve_jobs(&self) {
        let mut next = self.jobs.replace(ptr::null());
        if next.is_null() {
            return;
        }
        let task = current_task();
        // SAFETY: the scope's jobs are live until the owner recycles them here.
        while let Some(j) = unsafe { next.as_ref() } {
            next = j.next();
            if j.take_back() {
                super::worker::unqueue_taken(Entry::job(j));
                let f = j.function();
                match task {
                    Some(t) if self.may_inline(t) => self.run_counted_inline(t, f),
                    // SAFETY: the job's closure, moved into the task.
                    _ => unsafe { super::spawn_under(self.node, f.site, job::task_env(f), 0) }
                        .release(),
                }
            }
            j.recycle();
        }
    }

    /// Runs `f`, a child already counted in `pending`, inline on `task`, and reports it.
    fn run_counted_inline(&self, task: &'static Task, f: JobFn) {
        let mut slot = InlineSlot([f.code as usize, f.env as usize]);
        let p = (&raw mut slot).cast::<c_void>();
        let entry = f.site.entry;
        // SAFETY: the entry runs its closure pair once, as a task's would.
        let failure = self.host_inline(task, &mut || unsafe { entry(p, p) });
        if failure.is_some() {
            // The cleanup call releases what the closure still owned (`weft_task_fn`).
            // SAFETY: as above.
            unsafe { entry(p, ptr::null_mut()) };
        }
        let outcome = self.inline_outcome(&failure);
        self.report_as(outcome, failure.as_ref().map(|f| f.message.as_str()), true);
    }

    /// Before the owner of an [`INLINE_CHILDREN`] scope waits: runs inline every child that
    /// no worker has started yet, the most recently spawned first, while it may (see
    /// `sched::inline`).
    fn run_unstarted(&self) {
        if !self.inline_children {
            return;
        }
        let Some(task) = current_task() else {
            return;
        };
        while self.pending.load(Ordering::SeqCst) != 0 && self.may_inline(task) {
            let Some(child) = self.claim_unstarted() else {
                return;
            };
            self.run_claimed(task, child);
        }
    }

    /// Claims a child of the node that has not started (the same `NEW -> RUNNING` claim a
    /// worker's pop makes, so its queued start entry goes stale), among the first few in
    /// the children list (the most recent).
    fn claim_unstarted(&self) -> Option<&'static Task> {
        const LOOK: usize = 64;
        let links = self.node.lock.lock();
        let mut child = links.extra_ref().map_or(ptr::null(), |e| e.first_child);
        for _ in 0..LOOK {
            // SAFETY: listed children are live; the node's lock guards the list.
            let c = unsafe { child.as_ref()? };
            if !c.has_flag(SCOPE_NODE)
                && c.stack_size() == 0
                && c.lifecycle() == NEW
                && c.try_start_gen(None)
            {
                let c = node_static(c);
                super::worker::unqueue_taken(Entry::start(c));
                return Some(c);
            }
            child = c
                .lock
                .lock()
                .extra_ref()
                .map_or(ptr::null(), |e| e.next_sibling);
        }
        None
    }

    /// Runs the claimed `child` inline and finishes it as its worker would have.
    fn run_claimed(&self, task: &'static Task, child: &'static Task) {
        let (entry, env) = child.entry();
        let slot = child.result_slot().cast::<c_void>();
        // SAFETY: the child's entry and environment, run once, as its task would.
        let failure = self.host_inline(task, &mut || unsafe { entry(env, slot) });
        self.state.lock().inline_host = None;
        let outcome = self.inline_outcome(&failure);
        match &failure {
            None => {
                child.flags.fetch_or(RESULT_SET, Ordering::Release);
            }
            Some(f) => {
                child.release_env_after_failure();
                if outcome == Outcome::Panicked {
                    child.set_panic_message(&f.message);
                }
            }
        }
        super::worker::finish_claimed(child, outcome);
    }
}

/// Where a child run inline keeps its closure pair and result, as a task does in its
/// result slot (`TaskEnv::Closure`).
#[repr(C, align(16))]
struct InlineSlot([usize; 2]);

/// Whether a branch's result fits in an [`InlineSlot`] (a `par` branch returns nothing).
fn fits_inline(f: JobFn) -> bool {
    f.site.result_size <= std::mem::size_of::<InlineSlot>()
}

/// The node as the `'static` object it is (task objects are never freed).
fn node_static(node: &Task) -> &'static Task {
    // SAFETY: task objects live in never-freed pools (`sched::pool`).
    unsafe { &*(node as *const Task) }
}

trait FlattenPtr {
    fn flatten_ptr(&self) -> Option<&'static Scope>;
}

impl FlattenPtr for Option<*const Scope> {
    fn flatten_ptr(&self) -> Option<&'static Scope> {
        // SAFETY: a current scope stays open until its owner closes it.
        self.and_then(|p| unsafe { p.as_ref() })
    }
}

/// The deadline a task (or a scope's node) inherits: that of the scope it is a child of
/// (or stands for), if any.
fn inherited_deadline(task: Option<&'static Task>) -> u64 {
    let Some(task) = task else {
        return NEVER;
    };
    if task.has_flag(SCOPE_NODE) {
        // The scope opens inside a child run inline (`super::link_parent`).
        // SAFETY: the node's scope stays open while its child runs.
        return unsafe { task.scope().as_ref() }.map_or(NEVER, |s| s.deadline);
    }
    let parent = task
        .lock
        .lock()
        .extra_ref()
        .map_or(ptr::null(), |e| e.parent);
    // SAFETY: a task's parent is retained while the task lives.
    match unsafe { parent.as_ref() } {
        Some(p) if p.has_flag(SCOPE_NODE) => {
            // SAFETY: the node's scope stays open while it has this child.
            unsafe { p.scope().as_ref() }.map_or(NEVER, |s| s.deadline)
        }
        _ => NEVER,
    }
}

/// The innermost lexical scope the calling task or thread has open (null: none).
fn current_scope() -> *const Scope {
    match current_task() {
        Some(t) => t.running().current_scope(),
        None => THREAD_CURRENT.with(|c| c.get()),
    }
}

fn set_current_scope(scope: &Scope) {
    set_current_scope_ptr(scope as *const Scope);
}

fn set_current_scope_ptr(scope: *const Scope) {
    match current_task() {
        Some(t) => t.running().set_current_scope(scope),
        None => {
            registry::register_current();
            THREAD_CURRENT.with(|c| c.set(scope));
        }
    }
}

/// The data a task group keeps: its scope, open while the group lives.
pub struct GroupScope(UnsafeCell<Option<Box<Scope>>>);

impl GroupScope {
    /// A group's scope opened in the calling task or thread.
    pub fn new() -> GroupScope {
        GroupScope(UnsafeCell::new(Some(Scope::open_boxed(-1, false))))
    }

    /// The open scope.
    pub fn scope(&self) -> &Scope {
        // SAFETY: set at creation, taken only by `close` (the last release).
        unsafe { (*self.0.get()).as_deref().expect("an open group scope") }
    }

    /// Waits for the children (cancelling none that still run normally) and closes.
    ///
    /// # Safety
    /// Called once, by the group's last release.
    pub unsafe fn close(&self) {
        if let Some(scope) = (*self.0.get()).take() {
            let _ = scope.wait(None);
            Scope::close_boxed(scope);
        }
    }
}

impl Default for GroupScope {
    fn default() -> Self {
        Self::new()
    }
}

/// The range function of a `par for`: runs the body for the iterations `lo..hi`, in
/// order, on the calling task (generated code; a closure of type `(i64, i64) => void`).
pub type RangeFn = unsafe extern "C-unwind" fn(env: *mut c_void, lo: i64, hi: i64);

/// Chunks a `par for` is split into per scheduler worker: enough that the workers stay
/// busy to the end when iterations differ in cost (each worker's last chunk is at most
/// 1/32 of its share), few enough that a chunk's task costs nothing next to its work.
const CHUNKS_PER_WORKER: i64 = 32;

/// One chunk of a `par for`: the range function and its environment, and the range.
struct Chunk {
    code: RangeFn,
    env: *mut c_void,
    lo: i64,
    hi: i64,
}

unsafe extern "C-unwind" fn chunk_entry(env: *mut c_void, slot: *mut c_void) {
    // A null slot is the cleanup call after a failure: the chunk was freed when the
    // failure unwound `run`'s frame.
    if slot.is_null() {
        return;
    }
    let chunk = Box::from_raw(env.cast::<Chunk>());
    (chunk.code)(chunk.env, chunk.lo, chunk.hi);
}

impl Scope {
    /// Starts the iterations `lo..hi` of a `par for` as children of the scope: the range
    /// is cut into contiguous chunks (at most [`CHUNKS_PER_WORKER`] per worker, at least one
    /// iteration each), each run in order by one task calling `code(env, chunk_lo,
    /// chunk_hi)`. `env` is shared by every chunk and must outlive the scope's wait.
    /// `name` names the chunks' tasks (static, NUL-terminated).
    ///
    /// # Safety
    /// `code` may be called with `env` on any worker thread until the scope is waited for.
    pub unsafe fn spawn_range(
        &self,
        lo: i64,
        hi: i64,
        code: RangeFn,
        env: *mut c_void,
        name: *const std::ffi::c_char,
    ) {
        if hi <= lo {
            return;
        }
        let n = (hi as i128 - lo as i128) as u128;
        let workers = super::scheduler::try_rt().map_or(1, |rt| rt.workers.len()) as u128;
        let chunks = n.min(workers * CHUNKS_PER_WORKER as u128).max(1);
        let site = SpawnSite::intern(chunk_entry, 0, None, name);
        for k in 0..chunks {
            // Chunk k covers [lo + n*k/chunks, lo + n*(k+1)/chunks): sizes differ by at
            // most one iteration.
            let start = lo as i128 + (n * k / chunks) as i128;
            let end = lo as i128 + (n * (k + 1) / chunks) as i128;
            let chunk = Box::new(Chunk {
                code,
                env,
                lo: start as i64,
                hi: end as i64,
            });
            let task = self.spawn(site, TaskEnv::Ptr(Box::into_raw(chunk).cast()));
            task.release();
        }
    }
}
