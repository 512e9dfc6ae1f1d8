//! The process-wide scheduler state: workers, the global queue, idle workers, the drain at
//! exit and deadlock detection.
//!
//! Invariants (the idle/spinning protocol of Go's `runtime/proc.go`):
//! - `idle` lists the workers that are asleep or about to sleep; `npidle` is its length;
//! - `nmspinning` counts workers looking for work without holding any; new work wakes a
//!   sleeping worker only when nobody spins (at most one spinner is woken per work item),
//!   and a spinner that finds work wakes another if it was the last spinner and work an
//!   idle worker takes at once waits (the work that wakes sleepers, below);
//! - a worker that goes idle first publishes itself in `idle`, then stops spinning, then
//!   re-checks for work that wakes sleepers at once (the global queue, a queue of
//!   `steal::EAGER_WAKE_LEN` entries); a producer of such work first publishes it,
//!   then checks `npidle`. Both sides use sequentially consistent operations, so either the
//!   producer sees the idle worker and wakes it, or the worker sees the work: no wake-up is
//!   lost. Shorter queues wake nobody: a sleeper's periodic look (`Scheduler::deep_sleep`)
//!   finds their work once it has waited (see `sched::steal`);
//! - the drain: after main returned, the process exits as soon as every non-daemon task has
//!   finished (`Σ spawned − Σ finished == 0`, finished counters read first);
//! - deadlock: every worker idle, all queues empty, no live timer, no OS thread running
//!   outside a wait, no task parked on a socket (its peer may wake it), and some task not
//!   finished (hence parked) → report and exit 2;
//! - with every worker idle, one of them waits in the reactor's `epoll_wait` (when sockets
//!   exist) instead of on its futex: the first to find nobody there, normally the last to
//!   go idle (the others are in timed futex waits); waking it signals the reactor's
//!   eventfd (`wake_worker`).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::queue::GlobalQueue;
use super::task::{Entry, Task, RUNNING};
use super::worker::Worker;
use super::{reactor, registry, solo};
use crate::os::clock::now_ns;
use crate::os::epoll::Event;
use crate::os::futex;

/// How long an idle worker that polls I/O (sockets exist and every other worker is idle)
/// spins, checking queues and polling, before it sleeps (ns).
const SPIN_NS: u64 = 50_000;
/// How long any other idle worker spins (ns). It cannot poll I/O (no sockets, or a running
/// worker polls at its own interval) and can only steal work that waits (`sched::steal`),
/// which a running worker's queue rarely holds at once; and where every core is busy (a
/// load generator beside a server) its spin takes a core from a thread that needs it: the
/// HTTP benchmark at two workers served 7 % more requests with 2 µs than with 50 µs, and
/// the scheduler benchmarks did not change. Go's spinning threads likewise give up after
/// four rounds of stealing (`findRunnable` in runtime/proc.go).
const STEAL_SPIN_NS: u64 = 2_000;
/// How often a sleeping worker looks for work waiting in the queues of running workers
/// (ns), doubling up to `POLL_MAX_NS` while those queues stay empty (a ping-pong or a ring
/// of tasks handing over through run-next slots); with every worker idle, how often it
/// looks anyway (a timer may start work on another worker meanwhile), doubling up to
/// `POLL_IDLE_MAX_NS` while every worker stays idle, so that an idle program does not
/// wake its threads a hundred times a second (the first worker to leave a long idle
/// spell wakes a sleeper, see `Scheduler::leave_idle`). A single worker never looks: it
/// sleeps until a timer is due or something wakes it.
const POLL_NS: u64 = 100_000;
const POLL_MAX_NS: u64 = 1_600_000;
const POLL_IDLE_NS: u64 = 10_000_000;
const POLL_IDLE_MAX_NS: u64 = 1_280_000_000;

/// Set by a sleeper whose looks have backed off past `POLL_IDLE_NS` (every worker idle
/// for a while); the first worker to leave the idle list clears it and wakes a sleeper,
/// which then looks at the busy interval again.
static LONG_IDLE: AtomicBool = AtomicBool::new(false);

/// `wake_word` values: asleep, woken to spin for work, woken to re-run the idle checks.
const ASLEEP: u32 = 0;
const WOKEN_TO_SPIN: u32 = 1;
const WOKEN_TO_CHECK: u32 = 2;

/// How an idle worker's sleep ended.
enum Slept {
    /// Woken by another thread, or its deadline passed.
    Woken,
    /// Work waits in a running worker's queue, or I/O that nobody polls.
    WorkWaits,
    /// This many events came from the reactor (not yet dispatched).
    Io(usize),
}

const EMPTY_EVENT: Event = Event { events: 0, u64: 0 };

/// The scheduler (see the module docs).
pub struct Scheduler {
    /// The workers; worker `i` runs on its own OS thread.
    pub workers: Box<[Worker]>,
    /// The global injection queue.
    pub global: GlobalQueue,
    idle: Mutex<Vec<usize>>,
    npidle: AtomicUsize,
    nmspinning: AtomicUsize,
    /// Non-daemon tasks spawned from OS threads (drain accounting).
    pub(crate) foreign_spawned: AtomicU64,
    main_done: AtomicBool,
    exit_code: AtomicI32,
}

static RT: OnceLock<Scheduler> = OnceLock::new();
static STARTED: std::sync::Once = std::sync::Once::new();
static ADOPTED: AtomicBool = AtomicBool::new(false);

/// The runtime, started on first use with `WEFT_THREADS` workers on threads of their own.
#[inline]
pub fn rt() -> &'static Scheduler {
    match RT.get() {
        Some(rt) => rt,
        None => start(false),
    }
}

/// The runtime if it has been started.
pub(crate) fn try_rt() -> Option<&'static Scheduler> {
    RT.get()
}

/// Whether worker 0 was left for the thread that started the runtime (`weft_rt_start`).
pub(crate) fn adopted() -> bool {
    ADOPTED.load(Ordering::SeqCst)
}

/// Number of workers to run: `WEFT_THREADS` if set to a positive number, else the number
/// of CPUs.
pub fn configured_threads() -> usize {
    std::env::var("WEFT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(1024)
}

/// Starts the runtime if it is not running yet. With `adopt_caller`, worker 0 is left for
/// the calling thread to run ([`Worker::run`]); the others get threads of their own.
/// Returns the runtime either way.
pub(crate) fn start(adopt_caller: bool) -> &'static Scheduler {
    let rt = RT.get_or_init(|| {
        let n = configured_threads();
        Scheduler {
            workers: (0..n).map(|id| Worker::new(id, n)).collect(),
            global: GlobalQueue::new(),
            idle: Mutex::new(Vec::with_capacity(n)),
            npidle: AtomicUsize::new(0),
            nmspinning: AtomicUsize::new(0),
            foreign_spawned: AtomicU64::new(0),
            main_done: AtomicBool::new(false),
            exit_code: AtomicI32::new(0),
        }
    });
    STARTED.call_once(|| {
        crate::panic::set_failure_path(super::panic_current);
        crate::os::signals::install();
        ADOPTED.store(adopt_caller, Ordering::SeqCst);
        let first = usize::from(adopt_caller);
        for worker in &rt.workers[first..] {
            std::thread::Builder::new()
                .name(format!("weft-worker-{}", worker.id))
                .stack_size(1 << 20)
                .spawn(move || worker.run())
                .expect("cannot start a scheduler thread");
        }
    });
    rt
}

impl Scheduler {
    /// Takes a worker off the idle list (the most recently idle), if any.
    fn pop_idle(&self) -> Option<usize> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let id = idle.pop();
        if id.is_some() {
            self.npidle.fetch_sub(1, Ordering::SeqCst);
        }
        id
    }

    /// Whether a worker spins looking for work (or was woken to, and has not yet).
    pub(crate) fn any_spinning(&self) -> bool {
        self.nmspinning.load(Ordering::SeqCst) != 0
    }

    /// Wakes one sleeping worker to spin for new work, unless one already spins or none
    /// sleeps (Go's `wakep`).
    pub(crate) fn wake_idle_worker(&self) {
        if self.npidle.load(Ordering::SeqCst) == 0 || self.nmspinning.load(Ordering::SeqCst) != 0 {
            return;
        }
        if self
            .nmspinning
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let id = self.pop_idle();
        match id {
            Some(id) => {
                solo::leave();
                self.wake_worker(id, WOKEN_TO_SPIN);
            }
            None => {
                self.nmspinning.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// The slow part of finding work: spin for a while stealing from other workers and
    /// firing their timers, then sleep until woken or until the next timer. Returns `None`
    /// when the caller should retry its local checks.
    pub(crate) fn find_slow(&self, me: &'static Worker) -> Option<Entry> {
        // Ready I/O first, without blocking (Go's findrunnable polls before it steals), when
        // no other worker runs: a running worker polls at its own bounded interval, and
        // taking its events here would only split one batch of connections across cores.
        if reactor::active() && self.others_idle() && me.poll_io() != 0 {
            if let Some(e) = me.find_local() {
                return Some(e);
            }
        }
        me.thief.start_idle_look(now_ns());
        if self.start_spinning(me) {
            let start = now_ns();
            loop {
                let now = now_ns();
                for w in self.workers.iter() {
                    me.fire_timers(w, now);
                }
                let polls_io = reactor::active() && self.others_idle();
                if polls_io {
                    me.poll_io();
                }
                if let Some(e) = me.find_local() {
                    self.stop_spinning(me);
                    return Some(e);
                }
                if let Some(e) = self.steal(me, now) {
                    self.stop_spinning(me);
                    return Some(e);
                }
                let spin_ns = if polls_io { SPIN_NS } else { STEAL_SPIN_NS };
                if now >= start + spin_ns {
                    break;
                }
                for _ in 0..32 {
                    std::hint::spin_loop();
                }
            }
        }
        self.sleep(me);
        None
    }

    /// Whether every other worker is idle (the caller, looking for work, is not counted).
    fn others_idle(&self) -> bool {
        self.npidle.load(Ordering::Relaxed) + 1 >= self.workers.len()
    }

    /// Becomes a spinning worker unless enough workers already spin (at most half of the
    /// busy ones, as Go). Returns whether the caller spins.
    fn start_spinning(&self, me: &Worker) -> bool {
        if me.spinning.get() {
            return true;
        }
        let busy = self.workers.len() - self.npidle.load(Ordering::SeqCst);
        if 2 * self.nmspinning.load(Ordering::SeqCst) >= busy {
            return false;
        }
        me.spinning.set(true);
        self.nmspinning.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// Stops spinning after finding work; the last spinner wakes another worker if work an
    /// idle worker takes at once waits (Go's `resetspinning`): such work wakes nobody while
    /// someone spins, and either its producer sees the spinner gone or the spinner sees the
    /// work (both sequentially consistent). Go wakes one in any case, since more work may be
    /// coming; here an idle worker only takes work that waits, which its periodic look
    /// finds, so that wake-up only cost two system calls and a core: the HTTP benchmark's
    /// two workers woke each other about 7,000 times a second.
    fn stop_spinning(&self, me: &Worker) {
        if !me.spinning.replace(false) {
            return;
        }
        if self.nmspinning.fetch_sub(1, Ordering::SeqCst) == 1 && self.any_urgent_work() {
            self.wake_idle_worker();
        }
    }

    /// Tries to steal from every other worker whose queue has work worth taking
    /// ([`super::steal`]), starting at a random one.
    fn steal(&self, me: &Worker, now: u64) -> Option<Entry> {
        let n = self.workers.len();
        if n == 1 {
            return None;
        }
        let start = me.random() as usize % n;
        let stolen = (0..n)
            .map(|i| &self.workers[(start + i) % n])
            .filter(|w| w.id != me.id && me.thief.sees_work_to_take(w, now))
            .find_map(|victim| me.queue.steal_from(&victim.queue, false));
        if stolen.is_some() {
            me.thief.note_steal(now);
        }
        stolen
    }

    /// Whether another worker's ring holds entries (racy).
    fn any_queued_elsewhere(&self, me: &Worker) -> bool {
        self.workers
            .iter()
            .any(|w| w.id != me.id && w.queue.has_stealable())
    }

    /// Whether another worker's queue has work worth taking (a sleeper's periodic look).
    fn work_waits(&self, me: &Worker, now: u64) -> bool {
        self.workers
            .iter()
            .any(|w| w.id != me.id && me.thief.sees_work_to_take(w, now))
    }

    /// Sleeps until another thread wakes this worker or the earliest timer is due, after
    /// the idle protocol in the module docs (and the drain and deadlock checks when every
    /// worker is idle).
    fn sleep(&self, me: &'static Worker) {
        me.wake_word.store(ASLEEP, Ordering::SeqCst);
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if !self.global.is_empty() {
                drop(idle);
                self.stop_spinning(me);
                return;
            }
            idle.push(me.id);
            self.npidle.fetch_add(1, Ordering::SeqCst);
        }
        if me.spinning.replace(false) {
            self.nmspinning.fetch_sub(1, Ordering::SeqCst);
        }
        if self.any_urgent_work() || self.earliest_timer() <= now_ns() {
            self.leave_idle(me);
            return;
        }
        if self.npidle.load(Ordering::SeqCst) == self.workers.len() {
            self.all_idle();
        }
        crate::stack::release_idle();
        let deadline = self.earliest_timer();
        let mut events = [EMPTY_EVENT; reactor::EVENTS_PER_POLL];
        match self.deep_sleep(me, (deadline != u64::MAX).then_some(deadline), &mut events) {
            Slept::Woken => {}
            Slept::WorkWaits => {
                // Work waits in a running worker's queue (or I/O nobody polls): go and
                // take it.
                self.leave_idle(me);
                return;
            }
            Slept::Io(n) => {
                // Events from the reactor: leave the idle list, then wake their tasks
                // into our own queue.
                self.leave_idle(me);
                if me.spinning.replace(false) {
                    self.nmspinning.fetch_sub(1, Ordering::SeqCst);
                }
                me.dispatch_io(&events[..n]);
                return;
            }
        }
        match me.wake_word.load(Ordering::Acquire) {
            // Woken by `wake_idle_worker`, which took us off the idle list to spin.
            WOKEN_TO_SPIN => me.spinning.set(true),
            // Poked off the idle list to re-check for a deadlock.
            WOKEN_TO_CHECK => {}
            _ => self.leave_idle(me),
        }
    }

    /// The futex sleep of an idle worker: until another thread wakes it or `deadline`
    /// passes (both: false), or until its periodic look finds work waiting in a running
    /// worker's queue (true; in solo mode it asks the owner to end solo mode instead, and
    /// the owner wakes an idle worker). Touches nothing but its futex word and reads of the
    /// queues while registered in deep sleep ([`solo`]).
    ///
    /// With every worker idle, the first to find nobody polling (normally the last to go
    /// idle) waits in the reactor instead of on its futex, so that I/O and timers share one
    /// wait ([`reactor`]); a reactor wait that returns events ends the sleep with
    /// [`Slept::Io`] (out of deep sleep, still on the idle list).
    fn deep_sleep(&self, me: &Worker, mut deadline: Option<u64>, events: &mut [Event]) -> Slept {
        solo::enter_deep_sleep();
        let mut poll_ns = POLL_NS;
        let mut idle_ns = POLL_IDLE_NS;
        loop {
            let now = now_ns();
            let woken = me.wake_word.load(Ordering::Acquire) != ASLEEP;
            if woken || deadline.is_some_and(|d| d <= now) {
                if solo::wake_from_deep_sleep() {
                    return Slept::Woken;
                }
                // Another worker runs solo and fires every timer.
                deadline = None;
            }
            let busy = self.npidle.load(Ordering::SeqCst) < self.workers.len();
            if busy && (self.work_waits(me, now) || reactor::starving(now)) {
                if solo::owner().is_some() {
                    solo::request_revoke(self);
                } else if solo::wake_from_deep_sleep() {
                    return Slept::WorkWaits;
                }
            } else if busy {
                // The running worker may never visit its scheduler loop (a task that does
                // not switch): invite it into solo mode at its next function call.
                solo::invite(self);
            }
            poll_ns = if !busy {
                let ns = idle_ns;
                idle_ns = (idle_ns * 2).min(POLL_IDLE_MAX_NS);
                if ns > POLL_IDLE_NS {
                    LONG_IDLE.store(true, Ordering::SeqCst);
                }
                ns
            } else {
                idle_ns = POLL_IDLE_NS;
                if self.any_queued_elsewhere(me) {
                    POLL_NS
                } else {
                    (poll_ns * 2).min(POLL_MAX_NS)
                }
            };
            let until = if self.workers.len() == 1 {
                deadline
            } else {
                let poll = now + poll_ns;
                Some(deadline.map_or(poll, |d| d.min(poll)))
            };
            if !busy && reactor::active() {
                if let Some(n) = self.wait_in_reactor(me, until, events) {
                    if n != 0 {
                        return Slept::Io(n);
                    }
                    continue;
                }
            }
            futex::wait(&me.wake_word, ASLEEP, until);
        }
    }

    /// Blocks in the reactor until `until`, if no other worker does and solo mode is off
    /// (`None`: the caller sleeps on its futex instead). Leaves deep sleep for the wait, so
    /// that solo mode cannot start meanwhile; returns the number of events, out of deep
    /// sleep when there are some, back in deep sleep when there are none.
    fn wait_in_reactor(
        &self,
        me: &Worker,
        until: Option<u64>,
        events: &mut [Event],
    ) -> Option<usize> {
        if !reactor::try_become_poller(me.id) {
            return None;
        }
        if !solo::wake_from_deep_sleep() {
            reactor::stop_polling();
            return None;
        }
        // A waker stores our word, then interrupts the poller it sees (`wake_worker`).
        let n = if me.wake_word.load(Ordering::SeqCst) == ASLEEP {
            reactor::wait(events, until)
        } else {
            0
        };
        reactor::stop_polling();
        if n == 0 {
            solo::enter_deep_sleep();
        }
        Some(n)
    }

    /// Wakes sleeping worker `id` with `word` (its futex, or the reactor's eventfd when it
    /// is the worker blocked there).
    fn wake_worker(&self, id: usize, word: u32) {
        let worker = &self.workers[id];
        worker.wake_word.store(word, Ordering::SeqCst);
        futex::wake_one(&worker.wake_word);
        reactor::break_poller(id);
    }

    /// When every worker sleeps, wakes one so that it re-runs the idle checks: the last OS
    /// thread that could act has just parked or exited.
    pub(crate) fn poke_if_all_idle(&self) {
        if self.npidle.load(Ordering::SeqCst) != self.workers.len() {
            return;
        }
        let id = self.pop_idle();
        if let Some(id) = id {
            solo::leave();
            self.wake_worker(id, WOKEN_TO_CHECK);
        }
    }

    /// Takes `me` off the idle list if it is still there (else a waker already did, and
    /// counted it as spinning). The first worker to leave a long idle spell wakes a
    /// sleeper, whose looks had backed off (see `POLL_IDLE_NS`).
    fn leave_idle(&self, me: &Worker) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pos) = idle.iter().position(|&id| id == me.id) {
            idle.swap_remove(pos);
            self.npidle.fetch_sub(1, Ordering::SeqCst);
            drop(idle);
            if LONG_IDLE.load(Ordering::Relaxed) && LONG_IDLE.swap(false, Ordering::SeqCst) {
                self.wake_idle_worker();
            }
        } else {
            drop(idle);
            while me.wake_word.load(Ordering::Acquire) == ASLEEP {
                std::hint::spin_loop();
            }
            me.spinning
                .set(me.wake_word.load(Ordering::Acquire) == WOKEN_TO_SPIN);
        }
    }

    /// Every worker is idle: exit if the drain is complete, report a deadlock if nothing
    /// can ever wake the parked tasks.
    fn all_idle(&self) {
        self.check_drain();
        // A task parked on a socket can be woken by its peer.
        if registry::running_count() > 0
            || self.any_queued()
            || self.any_live_timer()
            || reactor::io_waiters() > 0
        {
            return;
        }
        let mut parked = Vec::new();
        Task::for_each(|task| {
            if task.lifecycle() == RUNNING {
                parked.push(task);
            }
        });
        let threads = registry::parked_threads();
        if parked.is_empty() {
            return;
        }
        // Still quiescent after the scan?
        if self.npidle.load(Ordering::SeqCst) != self.workers.len()
            || registry::running_count() > 0
            || self.any_queued()
        {
            return;
        }
        super::deadlock::report(&parked, &threads);
    }

    /// Records main's exit code; the drain starts.
    pub(crate) fn main_returned(&self, code: i32) {
        self.exit_code.store(code, Ordering::SeqCst);
        self.main_done.store(true, Ordering::SeqCst);
        self.check_drain();
    }

    /// Exits with main's code if main has returned and no non-daemon task is left.
    pub(crate) fn check_drain(&self) {
        if !self.main_done.load(Ordering::SeqCst) {
            return;
        }
        if self.live_tasks() == 0 {
            crate::os::exit_process(self.exit_code.load(Ordering::SeqCst));
        }
    }

    /// Non-daemon tasks spawned and not finished (never under-counts: finished counters
    /// are read before spawned ones).
    pub fn live_tasks(&self) -> u64 {
        let finished: u64 = self
            .workers
            .iter()
            .map(|w| w.finished.load(Ordering::SeqCst))
            .sum();
        let spawned: u64 = self
            .workers
            .iter()
            .map(|w| w.spawned.load(Ordering::SeqCst))
            .sum::<u64>()
            + self.foreign_spawned.load(Ordering::SeqCst);
        spawned.saturating_sub(finished)
    }
}
