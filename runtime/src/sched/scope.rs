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
//! - `current` (the innermost scope a task or thread has open) is touched by its owner only.

use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::join;
use super::task::{Outcome, SpawnSite, Task, TaskEnv, SCOPED, SCOPE_NODE};
use super::waiter::{Waiter, WakeReason};
use super::{current_task, registry};
use crate::lock::rawlock::Locked;
use crate::os::clock;
use crate::panic::WeftLoc;

/// No deadline.
const NEVER: u64 = u64::MAX;

/// A scope flag: a failing child does not cancel its siblings (every child runs to its
/// end; the owner reads each child's outcome from its handle).
pub const KEEP_SIBLINGS: u32 = 1;

/// A scope (see the module docs). Lives where its owner puts it (storage in the frame of
/// the generated code that opens a block's scope, a box inside a task group object) and
/// must not move while open.
pub struct Scope {
    node: &'static Task,
    /// The task that opened the scope (retained by the node's link), if a task did.
    owner: Option<&'static Task>,
    /// Children not yet reported.
    pending: AtomicUsize,
    state: Locked<ScopeState>,
    /// Absolute deadline in [`clock::now_ns`] time, or [`NEVER`].
    deadline: u64,
    /// Whether the first failure cancels the other children (not for the implicit `par`
    /// of automatic parallelization, which keeps sequential failure semantics).
    cancel_on_failure: bool,
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
        let owner = current_task();
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
        let mut deadline = (self.deadline != NEVER).then_some(self.deadline);
        loop {
            let waiter = Waiter::prepare(false);
            {
                let mut st = self.state.lock();
                if self.pending.load(Ordering::SeqCst) == 0 {
                    drop(st);
                    waiter.abort();
                    break;
                }
                st.waiter = Some(waiter);
            }
            let wake = waiter.park_at("waiting for a scope's children", loc, deadline);
            if wake.reason == WakeReason::TimedOut {
                // Unless a finishing child took the waiter meanwhile, take it back.
                self.state.lock().waiter = None;
                self.cancel();
                deadline = None;
            }
        }
        let mut st = self.state.lock();
        match st.first.take() {
            None => ScopeResult::Ok,
            Some(msg) => ScopeResult::Failed(msg.into(), st.failures.saturating_sub(1)),
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
        scope.node.set_scope(ptr::null());
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
    let scope = unsafe { &*scope };
    let failed = outcome == Outcome::Panicked;
    let cancel = failed && scope.cancel_on_failure;
    let waiter = {
        let mut st = scope.state.lock();
        if failed {
            st.failures += 1;
            if st.first.is_none() {
                st.first = Some(message.unwrap_or("panicked").into());
            }
        }
        let left = scope.pending.fetch_sub(1, Ordering::SeqCst) - 1;
        if left == 0 {
            st.waiter.take()
        } else {
            None
        }
    };
    // The scope may be closed and freed as soon as the lock is released (its owner can
    // see `pending` at 0 without being woken); the node lives on, retained by the child.
    if cancel {
        join::cancel(node_static(node));
    }
    if let Some(w) = waiter {
        w.wake(WakeReason::Notified, 0);
    }
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

/// The deadline a task inherits: that of the scope it is a child of, if any.
fn inherited_deadline(task: Option<&'static Task>) -> u64 {
    let Some(task) = task else {
        return NEVER;
    };
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
