//! Workers: the OS threads that run green tasks, and the switches between a task and its
//! worker.
//!
//! Invariants:
//! - a worker runs its scheduler loop on its own (OS thread) stack and switches into one
//!   task at a time; a task always switches back to the worker it runs on, never directly
//!   to another task;
//! - whatever is unsafe while the task still runs on its stack — publishing it as parked,
//!   queueing it after a yield, freeing its stack after it finished — is done after the
//!   switch away from it, by the next context that runs on the worker (the task leaves a
//!   [`Post`] action behind). A yielding or parking task switches *directly* to the next
//!   task of its worker's local queue when there is one (one switch instead of two), and
//!   that task performs the pending action first thing when it resumes; a finishing task
//!   always switches to the scheduler loop, whose stack has room for the finishing work;
//! - a task may resume on another worker, so nothing thread-local survives a switch in a
//!   register: every switch into a task hands over the resuming worker (the switch's
//!   transferred value), and thread-locals are otherwise read through `#[inline(never)]`
//!   accessors (rustc and LLVM cache TLS addresses);
//! - `current` is the task running on the worker (null in the scheduler loop); the stack
//!   limit thread-local is written before every switch into a task;
//! - fields in `Cell`/`UnsafeCell` are touched only by the worker's own thread (its
//!   scheduler loop or the task it runs); other threads touch only the queue, the timers,
//!   `current` (read) and `wake_word`.

use std::cell::{Cell, UnsafeCell};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

use super::activation::Activation;
use super::job::{Job, JobFn};
use super::queue::{LocalQueue, CAPACITY};
use super::scheduler::{rt, Scheduler};
use super::scope::Scope;
use super::steal::{Thief, EAGER_WAKE_LEN};
use super::task::{self, Entry, Outcome, Task, DAEMON, MAIN};
use super::timer::TimerHeap;
use super::waiter::Waiter;
use super::{join, reactor, solo};
use crate::context;
use crate::lock::held::{self, Ending};
use crate::lock::rawlock::Locked;
use crate::lock::solo_rmw::SoloRmw;
use crate::os::epoll::Event;
use crate::os::signals;
use crate::stack::{self, StackPool};

/// What a task asks its worker to do once it has switched away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Post {
    /// Put the task at the back of the local queue.
    Yield,
    /// Publish the task as parked on its wait node (or resume it if already claimed).
    Park,
    /// The task has finished: free its stack, wake joiners, drop the life count.
    Finish(Outcome),
}

/// A [`Post`] action together with the task that left it, pending on a worker until the
/// next context to run there (the scheduler loop, or the task switched to directly)
/// performs it.
#[derive(Debug, Clone, Copy)]
struct Pending {
    post: Post,
    task: &'static Task,
}

/// One scheduler thread (see the module docs).
///
/// Laid out in three groups a cache line (pair) apart, so that what other threads read
/// often does not share a line with what the owner writes on every switch: the run queue
/// (read and stolen from by spinning workers), the fields other threads touch (timers,
/// which idle workers fire, and the futex word), and the owner's own state.
#[repr(C)]
pub struct Worker {
    /// Index in the runtime's worker array.
    pub id: usize,
    pub(crate) queue: LocalQueue,
    _queue_end: CachePadded<()>,
    pub(crate) timers: Locked<TimerHeap>,
    /// Earliest deadline in `timers` (`u64::MAX` when empty), readable without the lock.
    pub(crate) next_timer: AtomicU64,
    /// Futex word the idle worker sleeps on (1 = woken).
    pub(crate) wake_word: AtomicU32,
    /// The worker thread's stack-limit variable, for [`Worker::poke`] (null until it runs).
    limit_slot: AtomicPtr<usize>,
    _shared_end: CachePadded<()>,
    pub(crate) current: AtomicPtr<Task>,
    /// Non-daemon tasks spawned from / finished on this worker (drain accounting).
    pub(crate) spawned: AtomicU64,
    pub(crate) finished: AtomicU64,
    sched_sp: UnsafeCell<*mut u8>,
    pending: Cell<Option<Pending>>,
    stacks: UnsafeCell<StackPool>,
    task_cache: UnsafeCell<Vec<&'static Task>>,
    /// Free jobs (`sched::job`), owner-only.
    job_cache: UnsafeCell<Vec<&'static Job>>,
    act_cache: UnsafeCell<Vec<&'static Activation>>,
    /// Set while firing timers and dispatching I/O events: woken tasks go to the back of
    /// the queue, not run-next.
    waking_to_back: Cell<bool>,
    /// Set while dispatching I/O events: a long queue does not wake an idle worker at once
    /// (the batch of one poll stays on the worker that polled; idle workers still take
    /// what waits too long, see `super::steal`).
    waking_io: Cell<bool>,
    pub(crate) spinning: Cell<bool>,
    tick: Cell<u32>,
    /// Run-next entries taken in a row ([`Worker::pop_local`]).
    next_streak: Cell<u32>,
    rng: Cell<u32>,
    /// The worker as a thief of others' queued work ([`super::steal`]).
    pub(crate) thief: Thief,
    _owned_end: CachePadded<()>,
}

// SAFETY: see the module docs: `Cell` fields are owner-only, the rest is atomic or locked.
unsafe impl Sync for Worker {}
// SAFETY: as above.
unsafe impl Send for Worker {}

thread_local! {
    static WORKER: Cell<*const Worker> = const { Cell::new(ptr::null()) };
}

/// The worker running on the calling thread, read afresh (never inlined, see module docs).
#[inline(never)]
pub(crate) fn current_worker() -> Option<&'static Worker> {
    worker_at_entry()
}

/// [`current_worker`], inlined: only for the entry of a function whose later thread-local
/// reads, if any, all go through non-inlined accessors (after a switch, a cached thread
/// pointer may belong to another thread).
#[inline(always)]
fn worker_at_entry() -> Option<&'static Worker> {
    // SAFETY: workers live as long as the runtime, i.e. forever.
    WORKER.with(|w| unsafe { w.get().as_ref() })
}

/// The green task running on the calling thread, if any.
pub fn current_task() -> Option<&'static Task> {
    let worker = current_worker()?;
    // SAFETY: `current` is a live task while set.
    unsafe { worker.current.load(Ordering::Relaxed).as_ref() }
}

/// Runs `f` on the calling worker's cache of free task objects (`None` off the workers).
pub(crate) fn with_task_cache<R>(f: impl FnOnce(Option<&mut Vec<&'static Task>>) -> R) -> R {
    with_cache(|w| &w.task_cache, f)
}

/// Runs `f` on the calling worker's cache of free jobs (`None` off the workers).
pub(crate) fn with_job_cache<R>(f: impl FnOnce(Option<&mut Vec<&'static Job>>) -> R) -> R {
    with_cache(|w| &w.job_cache, f)
}

/// Runs `f` on the calling worker's cache that `field` picks (`None` off the workers).
#[inline(always)]
fn with_cache<T: 'static, R>(
    field: impl FnOnce(&Worker) -> &UnsafeCell<Vec<&'static T>>,
    f: impl FnOnce(Option<&mut Vec<&'static T>>) -> R,
) -> R {
    match current_worker() {
        // SAFETY: owner-only field; `f` never switches tasks.
        Some(worker) => f(Some(unsafe { &mut *field(worker).get() })),
        None => f(None),
    }
}

impl Worker {
    pub(crate) fn new(id: usize, count: usize) -> Worker {
        Worker {
            id,
            queue: LocalQueue::new(count == 1),
            _queue_end: CachePadded::new(()),
            timers: Locked::new(TimerHeap::new()),
            next_timer: AtomicU64::new(u64::MAX),
            wake_word: AtomicU32::new(0),
            limit_slot: AtomicPtr::new(ptr::null_mut()),
            _shared_end: CachePadded::new(()),
            current: AtomicPtr::new(ptr::null_mut()),
            spawned: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            sched_sp: UnsafeCell::new(ptr::null_mut()),
            pending: Cell::new(None),
            stacks: UnsafeCell::new(StackPool::new()),
            task_cache: UnsafeCell::new(Vec::new()),
            job_cache: UnsafeCell::new(Vec::new()),
            act_cache: UnsafeCell::new(Vec::new()),
            waking_to_back: Cell::new(false),
            waking_io: Cell::new(false),
            spinning: Cell::new(false),
            tick: Cell::new(0),
            next_streak: Cell::new(0),
            rng: Cell::new(0x9e37_79b9 ^ (id as u32).wrapping_mul(0x85eb_ca6b) | 1),
            thief: Thief::new(count),
            _owned_end: CachePadded::new(()),
        }
    }

    /// Makes the calling thread this worker and runs its scheduler loop forever.
    pub(crate) fn run(&'static self) -> ! {
        WORKER.with(|w| w.set(self));
        self.limit_slot
            .store(stack::limit_slot(), Ordering::Release);
        signals::setup_thread(&format!("weft-worker-{}", self.id));
        loop {
            if !solo::honour_revoke(rt()) {
                solo::try_enter(rt(), self);
            }
            let entry = self.find_work();
            self.execute(entry);
        }
    }

    /// A pseudo-random number (xorshift), for choosing steal victims.
    pub(crate) fn random(&self) -> u32 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    /// Counts one scheduling decision; true every 61st, when the global queue goes first
    /// (fairness, as Go's `schedtick % 61`).
    pub(crate) fn fairness_tick(&self) -> bool {
        let t = self.tick.get().wrapping_add(1);
        self.tick.set(t);
        t.is_multiple_of(61)
    }

    /// Runs the task named by `entry`, and whatever it hands over to directly, until a task
    /// switches back to the scheduler loop; then performs the action that task left behind.
    /// Stale start entries are skipped.
    fn execute(&self, entry: Entry) {
        let Some(mut task) = entry.acquire() else {
            return;
        };
        self.thief.ran_task();
        loop {
            self.switch_into(task);
            let pending = self
                .pending
                .take()
                .expect("a task switched away without saying why");
            match pending.post {
                Post::Yield => {
                    self.queue
                        .push_back(Entry::resume(pending.task), &rt().global);
                    return;
                }
                Post::Park => {
                    if pending.task.running().node.try_park() {
                        return;
                    }
                    task = pending.task;
                }
                Post::Finish(outcome) => return self.finish(pending.task, outcome),
            }
        }
    }

    /// Performs the action left by the task that handed over directly to the one now
    /// resuming on this worker (see the module docs).
    #[inline(always)]
    fn after_handoff(&self) {
        // Checked inline: a yield on a single-worker queue leaves nothing to do.
        if let Some(pending) = self.pending.take() {
            self.run_pending(pending);
        }
    }

    #[inline(never)]
    fn run_pending(&self, pending: Pending) {
        match pending.post {
            Post::Yield => self
                .queue
                .push_back(Entry::resume(pending.task), &rt().global),
            Post::Park => {
                if !pending.task.running().node.try_park() {
                    self.queue
                        .push_next(Entry::resume(pending.task), &rt().global);
                }
            }
            Post::Finish(_) => unreachable!("finishing tasks switch to the scheduler loop"),
        }
    }

    /// The next local task a yielding or parking task may hand over to directly, if the
    /// scheduler loop has nothing more urgent to do (expired timers, the fairness check).
    #[inline]
    fn next_for_handoff(&self) -> Option<&'static Task> {
        if self.must_visit_loop() {
            return None;
        }
        self.pop_acquired()
    }

    /// The first task of the local queue this worker could acquire (stale start entries
    /// are dropped on the way).
    #[inline]
    fn pop_acquired(&self) -> Option<&'static Task> {
        loop {
            if let Some(task) = self.pop_local()?.acquire() {
                return Some(task);
            }
        }
    }

    /// Owner only: the next entry of the local queue: the run-next entry first, except
    /// that after [`NEXT_STREAK`] run-next entries in a row with no task finishing the
    /// front of the ring goes first. Two tasks that keep waking each other through the
    /// run-next slot then still leave the tasks queued behind them their turn (Go lets a
    /// run-next hand-off inherit the time slice, then preempts), so queued tasks do not wait
    /// so long that an idle worker takes them to another core ([`super::steal`]).
    #[inline]
    fn pop_local(&self) -> Option<Entry> {
        let streak = self.next_streak.get();
        if streak >= NEXT_STREAK {
            self.next_streak.set(0);
            if let Some(e) = self.queue.pop_ring() {
                return Some(e);
            }
        }
        match self.queue.pop_next() {
            Some(e) => {
                self.next_streak.set(streak + 1);
                Some(e)
            }
            None => {
                self.next_streak.set(0);
                self.queue.pop_ring()
            }
        }
    }

    /// Whether the scheduler loop has something more urgent than the local queue: an
    /// expired timer, or (every 61st decision) a non-empty global queue, the chance to
    /// start solo mode, or a due poll of the reactor.
    #[inline]
    fn must_visit_loop(&self) -> bool {
        let next_timer = self.next_timer.load(Ordering::Relaxed);
        if next_timer != u64::MAX && next_timer <= crate::os::clock::now_ns() {
            return true;
        }
        self.fairness_tick() && self.loop_has_news()
    }

    #[inline(never)]
    fn loop_has_news(&self) -> bool {
        let rt = rt();
        !rt.global.is_empty()
            || solo::could_enter(rt)
            || solo::revoke_requested()
            || reactor::poll_due()
    }

    /// Makes the task running on this worker enter the runtime at its next function call
    /// (see [`crate::stack::poke`]); nothing if the worker thread has not started yet.
    pub(crate) fn poke(&self) {
        let slot = self.limit_slot.load(Ordering::Acquire);
        if !slot.is_null() {
            // SAFETY: the slot of a worker thread, which never exits.
            unsafe { stack::poke(slot) };
        }
    }

    /// Gives `task` a stack and an initial context if it has not started yet.
    #[inline]
    fn ensure_started(&self, task: &'static Task) {
        if task.activation().is_none() {
            self.start(task);
        }
    }

    /// Gives a task that has not run yet its stack, initial context and activation.
    fn start(&self, task: &'static Task) {
        // SAFETY: the task is acquired by this worker; the pools are owner-only.
        unsafe {
            let stack = (*self.stacks.get()).take(task.stack_size());
            let sp = context::prepare(stack.top(), task_start, task as *const Task as *mut u8);
            let cache = &mut *self.act_cache.get();
            task.attach(Activation::alloc(task, sp, Some(stack), Some(cache)));
        }
    }

    /// What a switch on this worker hands to the context it resumes: the worker itself,
    /// which the resumed task uses instead of reading the thread-local again.
    #[inline(always)]
    fn handed_over(&self) -> usize {
        self as *const Worker as usize
    }

    /// Makes `task` the running task: `current`, and the stack limit and cancel flag
    /// thread-locals.
    #[inline]
    fn enter(&self, task: &'static Task) {
        let limit = task.stack_limit();
        self.current
            .store(task as *const Task as *mut Task, Ordering::Relaxed);
        stack::enter_task(limit, task.running().cancel_view());
    }

    /// Switches from the scheduler loop into `task` (giving it a stack first if it has not
    /// started) and returns when some task switches back to the loop.
    fn switch_into(&self, task: &'static Task) {
        self.ensure_started(task);
        self.enter(task);
        // SAFETY: the task is acquired by this worker and suspended at `sp`.
        unsafe {
            context::switch(
                self.sched_sp.get(),
                *task.running().sp.get(),
                self.handed_over(),
            )
        };
        self.current.store(ptr::null_mut(), Ordering::Relaxed);
    }

    /// After `task` returned or panicked: frees its stack, marks it done, wakes its joiners,
    /// accounts for the drain, and drops its life count.
    fn finish(&self, task: &'static Task, outcome: Outcome) {
        // A finished task ends the streak of run-next hand-offs: fork-join work (a joiner
        // resumed through run-next when its child finishes) stays depth-first.
        self.next_streak.set(0);
        // SAFETY: the task has switched away for good; its stack is no longer in use.
        unsafe {
            if let Some(stack) = task.running().take_stack(task.stack_bytes()) {
                (*self.stacks.get()).give(stack);
            }
        }
        if let Some(act) = join::finish(task, ended_as(task, outcome)) {
            // SAFETY: owner-only pool.
            act.free(Some(unsafe { &mut *self.act_cache.get() }));
        }
        self.count_finished(task);
    }

    /// Accounts for the end of `task` (which has been marked done) and drops its life count:
    /// main's end starts the exit, another non-daemon task's counts for the drain.
    fn count_finished(&self, task: &'static Task) {
        if task.has_flag(MAIN) {
            // SAFETY: the main task's result slot holds its i32 exit code.
            let code = unsafe { *(task.result_slot() as *const i32) };
            rt().main_returned(code);
        } else if !task.has_flag(DAEMON) {
            self.finished
                .solo_store(self.finished.load(Ordering::Relaxed) + 1, Ordering::SeqCst);
            rt().check_drain();
        }
        task.release();
    }

    /// Next entry to run: the fast local checks first, then the slow search (steal, spin,
    /// sleep), which returns only with work.
    fn find_work(&'static self) -> Entry {
        loop {
            if let Some(entry) = self.find_local() {
                return entry;
            }
            if let Some(entry) = rt().find_slow(self) {
                return entry;
            }
        }
    }

    /// Ready I/O when a poll is due, expired timers, then (every 61st time the global queue
    /// first) run-next, the ring, and the global queue. A spinning worker leaves a due poll
    /// to the worker that runs tasks, as `sched::reactor` says (it polls itself only while
    /// no other worker runs, in `Scheduler::find_slow`): taking that worker's batch of ready
    /// connections would only split them across two cores. With the load generator on the
    /// same two cores, the HTTP benchmark at two workers served a median of 137k instead of
    /// 132k requests/s (ten alternating runs each).
    #[inline]
    pub(crate) fn find_local(&self) -> Option<Entry> {
        let rt = rt();
        if reactor::poll_due() && !self.spinning.get() {
            self.poll_io();
        }
        if self.next_timer.load(Ordering::Relaxed) != u64::MAX {
            self.fire_timers(self, crate::os::clock::now_ns());
        }
        if self.fairness_tick() {
            if let Some(e) = rt.global.pop_into(&self.queue, 1) {
                return Some(e);
            }
        }
        if let Some(e) = self.pop_local() {
            return Some(e);
        }
        let batch = rt.global.len() / rt.workers.len() + 1;
        rt.global.pop_into(&self.queue, batch)
    }

    /// Takes the I/O events that are ready without blocking and queues the tasks they wake
    /// at the back of this worker's queue (scheduler loop only: the event buffer lives on
    /// the worker's own stack). Returns how many socket sides became ready.
    ///
    /// Fills the ring to half its capacity at most ([`reactor::EVENTS_PER_POLL`] events
    /// into an empty one): the rest stay in the kernel's ready list, which is first in,
    /// first out, and the other half is left for the tasks that other wake-ups and yields
    /// queue. Taking every ready event would spill the ring's older half into the global
    /// queue, which a busy worker serves only every 61st decision while its polls keep
    /// refilling the ring: with 1,000 connections ready at once those tasks waited hundreds
    /// of milliseconds (the p99 latency of the HTTP server under `wrk -t2 -c1000` was
    /// 120-260 ms against a median of 5 ms; 15-25 ms since). Go polls only when its run
    /// queue is empty, to the same effect. So that I/O is not starved by a ring kept over
    /// half full (by tasks that yield in a loop), a poll overdue by
    /// [`reactor::STARVE_NS`] takes [`reactor::OVERDUE_EVENTS`] events whatever the ring
    /// holds (Go's sysmon polls after 10 ms).
    #[inline(never)]
    pub(crate) fn poll_io(&self) -> usize {
        let half_room = (CAPACITY as usize / 2).saturating_sub(self.queue.len());
        let max = if half_room > 0 {
            half_room.min(reactor::EVENTS_PER_POLL)
        } else if reactor::poll_overdue(crate::os::clock::now_ns()) {
            reactor::OVERDUE_EVENTS
        } else {
            return 0;
        };
        let mut events = [Event { events: 0, u64: 0 }; reactor::EVENTS_PER_POLL];
        let n = reactor::wait(&mut events[..max], Some(0));
        self.dispatch_io(&events[..n])
    }

    /// Wakes the tasks waiting for `events` into the back of this worker's queue.
    pub(crate) fn dispatch_io(&self, events: &[Event]) -> usize {
        if events.is_empty() {
            return 0;
        }
        self.waking_to_back.set(true);
        self.waking_io.set(true);
        let ready = reactor::dispatch(events);
        self.waking_io.set(false);
        self.waking_to_back.set(false);
        ready
    }

    /// Fires the expired timers of `owner` (this worker's or another's): their waits end
    /// with `TimedOut` and the tasks go to the back of this worker's queue.
    pub(crate) fn fire_timers(&self, owner: &Worker, now: u64) {
        if owner.next_timer.load(Ordering::Acquire) > now {
            return;
        }
        let expired = {
            let mut heap = owner.timers.lock();
            let expired = heap.pop_expired(now);
            owner
                .next_timer
                .store(heap.next_deadline(), Ordering::Release);
            expired
        };
        self.waking_to_back.set(true);
        for waiter in expired {
            waiter.wake(super::WakeReason::TimedOut, 0);
        }
        self.waking_to_back.set(false);
    }
}

/// First code of every task, on its own stack: performs a pending hand-off action, runs
/// the entry, then finishes for good.
pub(crate) unsafe extern "C" fn task_start(arg: *mut u8, worker: usize) -> ! {
    resumed_on(worker).after_handoff();
    let task = &*(arg as *const Task);
    let (entry, env) = task.entry();
    // A panic in the entry unwinds up to this frame (`sched::failure`).
    super::failure::set_task_boundary(task);
    entry(env, task.result_slot().cast());
    task.flags.fetch_or(task::RESULT_SET, Ordering::Release);
    if let Some(list) = task.held_locks_if_any() {
        // A mutex still locked by a task that returned stays locked, by nobody.
        held::end(list, Ending::Returned);
    }
    switch_out(Post::Finish(Outcome::Ok));
    unreachable!("a finished task was resumed")
}

/// How a task that ended with `outcome` counts: a task that returned after it was
/// cancelled ended cancelled.
fn ended_as(task: &Task, outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Ok if task.is_cancelled() => Outcome::Cancelled,
        other => other,
    }
}

/// Drops `entry` from the calling worker's queue if it is the last one there and nobody
/// else takes from the queue (the running task took a child or job back before anything
/// ran it, `sched::scope`), so that no stale entry is left behind.
pub(crate) fn unqueue_taken(entry: Entry) {
    if let Some(w) = current_worker() {
        w.queue.unpush_back(entry);
    }
}

/// Finishes `task`, which the running task claimed before it started and ran inline
/// (`sched::inline`): it never had an activation or a stack; marks it done, wakes its
/// joiners, reports it to its scope and accounts for it as its worker would have.
pub(crate) fn finish_claimed(task: &'static Task, outcome: Outcome) {
    let act = join::finish(task, ended_as(task, outcome));
    debug_assert!(act.is_none(), "a claimed task never started");
    current_worker()
        .expect("a claimed task ends on a worker")
        .count_finished(task);
}

/// Task side of every switch: leaves `post` for whoever runs next on this worker and
/// switches — directly to the next local task when yielding or parking and one is ready,
/// else to the scheduler loop. Returns when the task is resumed, possibly on another
/// worker. Inlined into its callers: after a switch, every `ret` up the resumed stack is
/// mispredicted (the return-stack predictor holds the other context's calls), so the
/// fewer frames between the switch and the task's own code, the better.
#[inline(always)]
pub(crate) fn switch_out(post: Post) {
    switch_out_of(current_worker().expect("switch_out outside a task"), post)
}

/// [`switch_out`] with the current worker already at hand.
#[inline(always)]
fn switch_out_of(worker: &'static Worker, post: Post) {
    let next = match post {
        Post::Finish(_) => None,
        Post::Yield | Post::Park => worker.next_for_handoff(),
    };
    switch_to(worker, post, next)
}

/// [`switch_out_of`] with the next task already chosen (`None`: the scheduler loop).
#[inline(always)]
fn switch_to(worker: &'static Worker, post: Post, next: Option<&'static Task>) {
    // SAFETY: `current` is the running task while it runs.
    let me: &'static Task = unsafe { &*worker.current.load(Ordering::Relaxed) };
    let pending = match (post, next) {
        // Nobody else touches an exclusive queue, so the yielding task can go to its back
        // before it switches away: no thief can resume it before its registers are saved.
        (Post::Yield, Some(_)) if worker.queue.is_exclusive() => {
            worker.queue.push_back(Entry::resume(me), &rt().global);
            None
        }
        _ => Some(Pending { post, task: me }),
    };
    worker.pending.set(pending);
    // SAFETY: `me` runs on this worker and saves its context into its own `sp`; the target
    // is either the worker's suspended loop or a task acquired from its local queue.
    let resumer = unsafe {
        match next {
            Some(next) => {
                worker.ensure_started(next);
                worker.enter(next);
                context::handoff(
                    me.running().sp.get(),
                    *next.running().sp.get(),
                    worker.handed_over(),
                )
            }
            None => context::switch(
                me.running().sp.get(),
                *worker.sched_sp.get(),
                worker.handed_over(),
            ),
        }
    };
    // Resumed, possibly on another worker: the one that resumed us handed itself over.
    resumed_on(resumer).after_handoff();
}

/// The worker a task was resumed on, from the value its resumer handed over (see
/// [`Worker::handed_over`]).
#[inline(always)]
fn resumed_on(value: usize) -> &'static Worker {
    debug_assert_eq!(
        value,
        current_worker().map_or(0, |w| w as *const Worker as usize)
    );
    // SAFETY: every switch into a task hands over the (immortal) worker it runs on.
    unsafe { &*(value as *const Worker) }
}

/// Makes a task runnable after its wait was claimed (or it was claimed by a joiner): on a
/// worker, into its run-next slot (the back of its queue while firing timers), waking an
/// idle worker if there is stealable work; from an OS thread, into the global queue.
pub(crate) fn make_runnable(task: &'static Task) {
    let entry = Entry::resume(task);
    push_local_or_global(entry, true);
}

/// Queues a freshly spawned task (start entry) at the back of the spawner's queue.
pub(crate) fn push_spawned(task: &'static Task) -> bool {
    push_local_or_global(Entry::start(task), false)
}

/// Forks `f` as a job of `scope` (`sched::job`), linked before `next` in the scope's
/// list, and queues it on the calling worker; None (nothing done) off the green tasks.
pub(crate) fn fork_job(scope: &Scope, f: JobFn, next: *const Job) -> Option<&'static Job> {
    let worker = current_worker()?;
    if worker.current.load(Ordering::Relaxed).is_null() {
        return None;
    }
    // SAFETY: owner-only cache; nothing here switches tasks.
    let job = Job::fork(
        scope,
        f,
        next,
        Some(unsafe { &mut *worker.job_cache.get() }),
    );
    push_on(worker, Entry::job(job), false);
    Some(job)
}

/// Queues `entry` on the calling worker (run-next if `next`), or globally off the workers.
/// Returns whether it went to a worker's local queue.
fn push_local_or_global(entry: Entry, next: bool) -> bool {
    match current_worker() {
        Some(worker) => {
            push_on(worker, entry, next);
            true
        }
        None => {
            let rt = rt();
            rt.global.push(entry);
            rt.wake_idle_worker();
            false
        }
    }
}

/// Queues `entry` on `worker`, the calling one (run-next if `next`).
#[inline]
fn push_on(worker: &Worker, entry: Entry, next: bool) {
    let rt = rt();
    let ring_grew = if next && !worker.waking_to_back.get() {
        worker.queue.push_next(entry, &rt.global)
    } else {
        worker.queue.push_back(entry, &rt.global);
        true
    };
    // A short queue is left to the idle workers' periodic look (`Scheduler::deep_sleep`):
    // they steal only what waits, so a few tasks handing work to each other stay on one
    // core (and in solo mode). A push into an empty run-next slot leaves the ring as it was.
    if ring_grew && worker.queue.len() >= EAGER_WAKE_LEN && !worker.waking_io.get() {
        rt.wake_idle_worker();
    }
}

/// Run-next entries a worker takes in a row before the front of its ring (with 16, the
/// mpmc benchmark's queued tasks waited long enough to be stolen).
const NEXT_STREAK: u32 = 8;

/// The stack limit of the running task was poked (`weft_rt_morestack` or a switching entry
/// point saw [`stack::POKE`]): restores it, ends solo mode if a sleeper asked for it or else
/// starts it if it can, and returns the restored limit (0: none, main or an OS thread).
pub(crate) fn poked() -> usize {
    let limit = current_task().map_or(0, |t| t.stack_limit());
    stack::set_limit(limit);
    if let (Some(rt), Some(me)) = (super::scheduler::try_rt(), current_worker()) {
        if !solo::honour_revoke(rt) {
            solo::try_enter(rt, me);
        }
    }
    limit
}

/// Defines the exported C function `$name` as a *switching entry point*: an assembly
/// trampoline that calls the Rust implementation `$imp` (an `extern "C"` function of at
/// most six integer or pointer arguments, all passed in registers) and returns to its caller
/// through an indirect jump instead of a `ret`.
///
/// For runtime functions that may suspend the calling task (channel operations, locks,
/// joins, yields, sleeps). Two tasks handing over to each other call them from different
/// places, so the `ret` that ends such a call in the resumed task is always mispredicted:
/// the return-address stack still holds the suspended task's return address. An indirect
/// jump is predicted from the branch history instead, which tells the two tasks apart. On
/// the machine measured this halved a yield round trip between two tasks (49.6 to 22.9 ns).
///
/// Each is also a safe point: when another worker has poked the thread's stack limit (see
/// `crate::stack::poke`), the trampoline first lets the runtime act on it
/// ([`poked`]), as a poked prologue check does, so that a loop that calls
/// only such runtime functions and no Weft function still answers.
macro_rules! switching_entry {
    ($name:literal => $imp:path) => {
        core::arch::global_asm!(
            $crate::context::switching_entry_asm!($name),
            imp = sym $imp,
            poked = sym $crate::sched::worker::poked_at_entry,
        );
    };
}
pub(crate) use switching_entry;

/// [`poked`] from a switching entry point's trampoline ([`switching_entry!`]).
pub(crate) extern "C" fn poked_at_entry() {
    poked();
}

/// Puts a task claimed by the running task (a joiner starting its child) in run-next.
pub(crate) fn run_next(task: &'static Task) {
    make_runnable(task);
}

/// Adds a timer that ends `waiter`'s wait with `TimedOut` at `deadline_ns`, on the calling
/// worker's heap.
pub(crate) fn add_timer(deadline_ns: u64, waiter: Waiter) {
    let worker = current_worker().expect("timers belong to workers");
    let mut heap = worker.timers.lock();
    heap.push(deadline_ns, waiter);
    worker
        .next_timer
        .store(heap.next_deadline(), Ordering::Release);
}

/// Yields the running task to the back of its worker's queue (a no-op, after `sched_yield`,
/// on an OS thread).
#[inline]
pub fn yield_now() {
    match worker_at_entry() {
        Some(w) if !w.current.load(Ordering::Relaxed).is_null() => {
            let urgent = w.must_visit_loop();
            let next = if urgent { None } else { w.pop_acquired() };
            if next.is_none() && !urgent && rt().global.is_empty() {
                return; // the back of an empty queue is the front
            }
            switch_to(w, Post::Yield, next)
        }
        _ => std::thread::yield_now(),
    }
}

/// Queued entries from which a spawning task yields to its queued children
/// ([`yield_if_backlogged`]): one less than [`EAGER_WAKE_LEN`], so that a spawn loop's
/// children run where they were spawned instead of waking another worker at once. Idle
/// workers still steal children that wait ([`super::steal`]): 200 children of 4 ms each
/// take 1.97x less time at WEFT_THREADS=2 than at 1.
pub(crate) const SPAWN_BACKLOG: usize = EAGER_WAKE_LEN - 1;

/// Called by a task after it spawned a child into a scope: when the task's worker has
/// [`SPAWN_BACKLOG`] queued entries (a spawner that does not suspend piling children up
/// behind itself), yields, so that the queued children run, and their task objects and
/// stacks are reused, before it spawns more. A loop spawning a million trivial children
/// then keeps a few dozen of them alive, not a million task objects in the global queue
/// (Go gets the same from other Ps stealing and from preemption): `concurrent_spawn` went
/// from 195 MiB to 3 MiB and from 1.6x Go's time to 0.35x.
pub fn yield_if_backlogged() {
    if let Some(w) = worker_at_entry() {
        if !w.current.load(Ordering::Relaxed).is_null() && w.queue.len() >= SPAWN_BACKLOG {
            yield_now();
        }
    }
}

impl Scheduler {
    /// Whether any worker's queue or the global queue holds an entry (racy).
    pub(crate) fn any_queued(&self) -> bool {
        !self.global.is_empty() || self.workers.iter().any(|w| !w.queue.is_empty())
    }

    /// Whether there is work that wakes idle workers at once (racy): the global queue, or
    /// a long local queue ([`EAGER_WAKE_LEN`]). A worker that goes idle checks this after
    /// publishing itself idle, so that such a wake-up is never lost; shorter queues are left
    /// to the sleepers' periodic look.
    pub(crate) fn any_urgent_work(&self) -> bool {
        !self.global.is_empty() || self.workers.iter().any(|w| w.queue.len() >= EAGER_WAKE_LEN)
    }

    /// The earliest timer deadline of all workers (`u64::MAX`: none).
    pub(crate) fn earliest_timer(&self) -> u64 {
        self.workers
            .iter()
            .map(|w| w.next_timer.load(Ordering::Acquire))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Whether any worker has a timer whose wait has not ended yet.
    pub(crate) fn any_live_timer(&self) -> bool {
        self.workers.iter().any(|w| w.timers.lock().has_live())
    }
}
