//! `weft_rt`: the Weft runtime, linked into every Weft program as a static library.
//!
//! The C ABI (`weft_rt_*` symbols) is exported only from [`abi`]; everything else is
//! internal.
//!
//! # Layers
//! Each top-level module belongs to a layer and refers only to its own folder or to the
//! layers below it, so import cycles stay inside one folder (as Go keeps its runtime's
//! leaves in `internal/runtime`); `tests/layers.rs` checks it. Bottom up:
//!
//! | layer | modules | what |
//! |---|---|---|
//! | OS facades | [`os`] | fatal errors and exit, whole writes and stderr, futex, epoll and eventfd, monotonic clock, page size, the descriptor limit, the SIGSEGV handler, Valgrind requests |
//! | low-level locking | [`lock`] | solo-mode atomics, the raw spin lock, the list of locks a holder holds |
//! | panics | [`panic`] | source locations, panic messages, the hand-off to the failure path |
//! | objects | [`obj`] | reference counts and allocation, strings, vectors, maps, number formatting, printing and files |
//! | stacks and context | [`stack`], [`context`] | task stacks and their pools; the context switch in assembly |
//! | scheduler | [`sched`] | tasks, workers, run queues, work stealing, parking, timers and sleep, the reactor (epoll) that idle workers wait in, joins, drain, deadlock report, the failure path |
//! | synchronization | [`sync`] | channels and `select`, mutexes, reader-writer locks, condition variables, wait groups, atomics |
//! | OS threads | [`thread`] | `Thread.spawn` threads and the blocking pool |
//! | networking | [`net`] | TCP streams and listeners over the scheduler's reactor, name resolution on the blocking pool |
//! | C ABI | [`abi`] | the exported `weft_rt_*` functions |
//!
//! Where a lower layer must reach a higher one, the higher one registers a hook:
//! - a panic raised below the scheduler (a bounds check in [`obj`], a misuse in [`sync`])
//!   goes to the failure path `sched::panic_current` through
//!   [`panic::set_failure_path`], registered when the scheduler starts or an OS thread
//!   registers with it;
//! - the scheduler ends a finishing or failing task's held locks through
//!   [`lock::held::end`], whose policy [`sync`] registers before it makes the first list;
//! - a panic on a Weft OS thread is delivered to its joiner by the hook the [`thread`]
//!   layer gives the scheduler's registry for each of its threads
//!   (`sched::registry::set_panic_hook`).
//!
//! # Lock order
//! As Go's `runtime/lockrank.go`: a lock may be taken while holding only locks listed
//! above it, never one listed below. Internal locks are never held across a park or a
//! context switch; the Weft-level [`sync::mutex::Mutex`] and [`sync::rwlock::RwLock`] are
//! held across anything (a task parks with them) and so come before all of these.
//!
//! 1. channel locks ([`sync::channel::Channel`]): `select` takes the locks of all its
//!    channels in address order, each once (Go's `sellock`); a wake-up done under them
//!    may queue a task (run queues, idle list below);
//! 2. a thread's join state ([`thread::Thread`]): its joiner's `Waiter` is prepared under
//!    it, which may register the OS thread (registry below);
//! 3. task links (a task's joiners, parent and children, `sched/task.rs`): a parent's
//!    before a child's, and a sibling's only under the parent's; joiners are woken under
//!    it (run queues, idle list below);
//! 4. the wait queues of mutexes, reader-writer locks, condition variables and wait groups
//!    (`sync/waitq.rs`): waiters are only claimed under them and woken after;
//! 5. the blocking pool's job list (`thread/blocking.rs`) and the stdin reader
//!    (`obj/io.rs`); the wait lists of a socket's read and write sides
//!    (`sched/reactor.rs`): waiters are woken under them (run queues, idle list below);
//! 6. a worker's timer heap (`sched/worker.rs`): one at a time (solo mode moves another
//!    worker's timers into its own heap by taking one lock, then the other);
//! 7. the global run queue (`sched/queue.rs`);
//! 8. the idle-worker list (`sched/scheduler.rs`);
//! 9. the OS-thread registry (`sched/registry.rs`), then a registered thread's name;
//! 10. allocation: the pools of task objects and activations (`sched/pool.rs`), then the
//!     slab under them (`sched/slab.rs`); the stack lists (`stack.rs`), then Valgrind's
//!     stack ids (`os/valgrind.rs`); the spawn-site table (`sched/task.rs`); the magazine
//!     depots (`obj/magazine.rs`); the reactor's free list of socket records
//!     (`sched/reactor.rs`).
//!
//! A holder's list of held locks is not a lock: only its holder touches it.

pub mod abi;
pub mod context;
pub mod lock;
pub mod net;
pub mod obj;
pub mod os;
pub mod panic;
pub mod sched;
pub mod stack;
pub mod sync;
pub mod thread;
