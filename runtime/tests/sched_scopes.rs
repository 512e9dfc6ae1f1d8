//! Scopes (`par`, `par for`, `concurrent`, task groups) and `wait_all` from many tasks and
//! threads at once: children counted exactly once, the first failure cancelling parked
//! siblings, cancellation racing completion, nested deadlines, chunked ranges, and a
//! countdown wait that loses no wake-up.

mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::in_task;
use weft_rt::abi::task::{weft_rt_task_release, weft_rt_task_wait_all};
use weft_rt::sched::scope::{Scope, ScopeResult};
use weft_rt::sched::{self, Task};

/// Opens a block's scope with `timeout_ms` (negative: none), runs `body` with it, waits
/// and closes it, as generated code does.
fn with_scope(timeout_ms: i64, body: impl FnOnce(&Scope)) -> ScopeResult {
    let scope = Scope::open_boxed(timeout_ms, true);
    body(&scope);
    let result = scope.wait(None);
    Scope::close_boxed(scope);
    result
}

/// Releases a child's handle (the scope keeps its own reference until it reports).
fn drop_handle(t: &'static Task) {
    t.release();
}

#[test]
fn a_scope_waits_for_every_child() {
    let done = Arc::new(AtomicI64::new(0));
    let d = done.clone();
    let result = in_task(move || {
        with_scope(-1, |s| {
            for i in 0..2000 {
                let d = d.clone();
                drop_handle(s.spawn_fn(move || {
                    if i % 3 == 0 {
                        sched::yield_now();
                    }
                    d.fetch_add(1, Ordering::SeqCst);
                }));
            }
        })
    });
    assert_eq!(result, ScopeResult::Ok);
    assert_eq!(
        done.load(Ordering::SeqCst),
        2000,
        "every child ran before the wait ended"
    );
}

#[test]
fn the_first_failure_cancels_parked_siblings_and_later_ones_are_counted() {
    let start = Instant::now();
    let result = in_task(|| {
        with_scope(-1, |s| {
            for _ in 0..50 {
                drop_handle(s.spawn_fn(|| {
                    sched::sleep_ms(20_000);
                }));
            }
            drop_handle(s.spawn_fn(|| {
                sched::sleep_ms(5);
                panic!("disk full");
            }));
            for _ in 0..2 {
                drop_handle(s.spawn_fn(|| {
                    sched::sleep_ms(200);
                    panic!("later");
                }));
            }
        })
    });
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "siblings woke at once"
    );
    assert_eq!(
        result.message().as_deref(),
        Some("disk full (and 2 more failures)")
    );
}

#[test]
fn cancellation_races_completion_without_losing_a_child() {
    let finished = Arc::new(AtomicI64::new(0));
    let ran = Arc::new(AtomicI64::new(0));
    let (f, r) = (finished.clone(), ran.clone());
    let failures = in_task(move || {
        let mut failures = 0;
        for round in 0..3000i64 {
            let result = with_scope(-1, |s| {
                for k in 0..3i64 {
                    let (f, r) = (f.clone(), r.clone());
                    drop_handle(s.spawn_fn(move || {
                        r.fetch_add(1, Ordering::SeqCst);
                        if (round + k) % 2 == 0 {
                            sched::yield_now();
                        }
                        if k == round % 3 {
                            panic!("round {round}");
                        }
                        if !sched::is_cancelled() {
                            f.fetch_add(1, Ordering::SeqCst);
                        }
                    }));
                }
            });
            if result.message() == Some(format!("round {round}")) {
                failures += 1;
            }
        }
        failures
    });
    assert_eq!(failures, 3000, "every round reports its own failure");
    // A child cancelled before it started may not run at all; one that ran was counted.
    assert!(ran.load(Ordering::SeqCst) >= 3000);
    assert!(finished.load(Ordering::SeqCst) <= 6000);
}

#[test]
fn deadlines_cancel_the_children_and_nest() {
    let start = Instant::now();
    let result = in_task(|| {
        with_scope(30, |s| {
            drop_handle(s.spawn_fn(|| {
                sched::sleep_ms(20_000);
            }));
            drop_handle(s.spawn_fn(|| {
                // An inner scope with a far deadline ends by the outer one.
                let inner = with_scope(60_000, |s| {
                    drop_handle(s.spawn_fn(|| {
                        sched::sleep_ms(60_000);
                    }));
                });
                assert_eq!(inner, ScopeResult::Ok);
            }));
        })
    });
    assert_eq!(result, ScopeResult::Ok, "a timeout is not a failure");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn scopes_opened_on_os_threads_and_tasks_at_once() {
    let total = Arc::new(AtomicI64::new(0));
    let mut threads = Vec::new();
    for t in 0..4i64 {
        let total = total.clone();
        threads.push(common::os_thread(move || {
            for _ in 0..200 {
                let total = total.clone();
                let r = with_scope(-1, |s| {
                    for k in 0..4 {
                        let total = total.clone();
                        drop_handle(s.spawn_fn(move || {
                            total.fetch_add(t * 10 + k, Ordering::SeqCst);
                        }));
                    }
                });
                assert_eq!(r, ScopeResult::Ok);
            }
        }));
    }
    let in_tasks = total.clone();
    in_task(move || {
        for _ in 0..200 {
            let total = in_tasks.clone();
            let r = with_scope(-1, |s| {
                drop_handle(s.spawn_fn(move || {
                    total.fetch_add(1000, Ordering::SeqCst);
                }));
            });
            assert_eq!(r, ScopeResult::Ok);
        }
    });
    for t in threads {
        t.join().unwrap();
    }
    // Threads: 200 rounds of (10t + 0 + 1 + 2 + 3) for t in 0..4; the task: 200 * 1000.
    let threads_sum: i64 = (0..4).map(|t| 200 * (40 * t + 6)).sum();
    assert_eq!(total.load(Ordering::SeqCst), threads_sum + 200_000);
}

static COVERED: [AtomicUsize; 10_000] = [const { AtomicUsize::new(0) }; 10_000];

unsafe extern "C-unwind" fn mark_range(env: *mut c_void, lo: i64, hi: i64) {
    let base = env as usize;
    let mut prev = None;
    for i in lo..hi {
        // Iterations of one chunk run in order.
        assert!(prev.is_none_or(|p| p + 1 == i));
        prev = Some(i);
        COVERED[base + i as usize].fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn par_for_chunks_cover_each_iteration_once() {
    in_task(|| {
        for n in [0i64, 1, 7, 63, 64, 65, 1000, 4096] {
            let base = 5000usize;
            let r = with_scope(-1, |s| {
                // SAFETY: the range function ignores its environment beyond the base.
                unsafe { s.spawn_range(0, n, mark_range, base as *mut c_void, c"r".as_ptr()) };
            });
            assert_eq!(r, ScopeResult::Ok);
            for i in 0..n as usize {
                assert_eq!(
                    COVERED[base + i].swap(0, Ordering::SeqCst),
                    1,
                    "n={n} i={i}"
                );
            }
        }
    });
}

unsafe extern "C-unwind" fn sleep_then(env: *mut c_void, slot: *mut c_void) {
    if slot.is_null() {
        return;
    }
    sched::sleep_ms(env as i64);
}

unsafe extern "C-unwind" fn sleep_then_panic(env: *mut c_void, slot: *mut c_void) {
    if slot.is_null() {
        return;
    }
    sched::sleep_ms(env as i64);
    sched::panic_current("bad", "app.weft:1:1");
}

fn spawn_raw(entry: sched::TaskFn, ms: i64) -> *mut c_void {
    // SAFETY: the entry ignores the environment beyond reading it as a number.
    unsafe {
        sched::spawn_raw(
            entry,
            sched::TaskEnv::Ptr(ms as *mut c_void),
            8,
            None,
            0,
            0,
            c"t".as_ptr(),
        ) as *const Task as *mut c_void
    }
}

#[test]
fn wait_all_counts_down_once_and_stops_at_a_failure() {
    // SAFETY: ABI contract: live handles, released at the end.
    unsafe {
        for round in 0..300i64 {
            let tasks: Vec<*mut c_void> = (0..6)
                .map(|k| spawn_raw(sleep_then, (round + k) % 3))
                .collect();
            assert_eq!(weft_rt_task_wait_all(tasks.as_ptr(), tasks.len()), 6);
            for t in tasks {
                weft_rt_task_release(t);
            }
        }
        let mut tasks: Vec<*mut c_void> = (0..4).map(|_| spawn_raw(sleep_then, 20_000)).collect();
        tasks.push(spawn_raw(sleep_then_panic, 5));
        let start = Instant::now();
        assert_eq!(weft_rt_task_wait_all(tasks.as_ptr(), tasks.len()), 4);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "a failure ends the wait"
        );
        assert_eq!(
            weft_rt_task_wait_all(tasks.as_ptr(), 0),
            0,
            "nothing to wait for"
        );
        for &t in &tasks {
            weft_rt::abi::task::weft_rt_task_cancel(t);
        }
        // Every task has finished (or fails now): the failing one is found at once.
        assert_eq!(weft_rt_task_wait_all(tasks.as_ptr(), tasks.len()), 4);
        for t in tasks {
            weft_rt_task_release(t);
        }
    }
}

#[test]
fn wait_all_from_many_tasks_at_once_loses_no_wake_up() {
    let ok = Arc::new(AtomicI64::new(0));
    let waiters: Vec<_> = (0..200)
        .map(|w| {
            let ok = ok.clone();
            sched::spawn(move || {
                let tasks: Vec<usize> = (0..5)
                    .map(|k| spawn_raw(sleep_then, (w + k) % 2) as usize)
                    .collect();
                let ptrs: Vec<*mut c_void> = tasks.iter().map(|&t| t as *mut c_void).collect();
                // SAFETY: live handles, released below.
                unsafe {
                    if weft_rt_task_wait_all(ptrs.as_ptr(), ptrs.len()) == 5 {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    for p in ptrs {
                        weft_rt_task_release(p);
                    }
                }
            })
        })
        .collect();
    for w in waiters {
        w.join().unwrap();
    }
    assert_eq!(ok.load(Ordering::SeqCst), 200);
}

/// Tasks started so far and not finished, and the most seen at once (for the test below).
static ACTIVE: AtomicI64 = AtomicI64::new(0);
static MOST_ACTIVE: AtomicI64 = AtomicI64::new(0);

unsafe extern "C-unwind" fn returns_at_once(_env: *mut c_void, _slot: *mut c_void) {}

/// A child that waits for two grandchildren of its own (with `wait_all`) before it returns.
unsafe extern "C-unwind" fn child_with_grandchildren(_env: *mut c_void, slot: *mut c_void) {
    if slot.is_null() {
        return;
    }
    let now = ACTIVE.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_ACTIVE.fetch_max(now, Ordering::SeqCst);
    let grandchildren = [spawn_raw(returns_at_once, 0), spawn_raw(returns_at_once, 0)];
    assert_eq!(weft_rt_task_wait_all(grandchildren.as_ptr(), 2), 2);
    for g in grandchildren {
        weft_rt_task_release(g);
    }
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
}

#[test]
fn wait_all_runs_its_tasks_depth_first() {
    // Each task that returns starts the next one of its list nobody has started, on its
    // worker at once: the children do not all start before the first one's second
    // grandchild has run, as they would in the run queue's FIFO order (a tree of
    // Promise.all's then keeps one path of the tree alive per worker, not a whole level).
    in_task(|| {
        let tasks: Vec<*mut c_void> = (0..32)
            .map(|_| spawn_raw(child_with_grandchildren, 0))
            .collect();
        // SAFETY: live handles, released below.
        unsafe {
            assert_eq!(weft_rt_task_wait_all(tasks.as_ptr(), tasks.len()), 32);
            for t in tasks {
                weft_rt_task_release(t);
            }
        }
    });
    let most = MOST_ACTIVE.load(Ordering::SeqCst);
    assert!(most <= 8, "{most} of 32 children were running at once");
}
