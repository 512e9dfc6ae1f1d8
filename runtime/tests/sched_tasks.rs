//! Tasks through the C ABI, in one shared runtime (`WEFT_THREADS` workers, started on first
//! use): spawning and joining at scale, joins from tasks and OS threads, sleeping, timeouts,
//! cancellation, `wait_any`, panics delivered to joiners, results, and the `Waiter` API.
//!
//! Every test leaves no task parked behind (the deadlock detector watches the process), and
//! helper OS threads register with the runtime before anyone waits on them.

mod common;

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use common::in_task;
use weft_rt::abi::task::*;
use weft_rt::sched::{self, Waiter, WakeReason};

const NAME: *const i8 = c"sched_tasks.rs".as_ptr();

type Entry = unsafe extern "C-unwind" fn(*mut c_void, *mut c_void);

unsafe fn spawn(entry: Entry, env: usize, result_size: usize) -> *mut c_void {
    weft_rt_task_spawn(entry, env as *mut c_void, result_size, None, 0, 0, NAME)
}

unsafe fn join_i64(task: *mut c_void) -> (i32, i64) {
    let mut r = 0i64;
    let status = weft_rt_task_join(task, (&mut r as *mut i64).cast(), None);
    (status, r)
}

unsafe extern "C-unwind" fn identity(env: *mut c_void, slot: *mut c_void) {
    slot.cast::<i64>().write(env as i64);
}

unsafe extern "C-unwind" fn spawn_million(_: *mut c_void, slot: *mut c_void) {
    const N: usize = 1_000_000;
    let tasks: Vec<*mut c_void> = (0..N).map(|i| spawn(identity, i, 8)).collect();
    let mut sum = 0i64;
    for t in tasks {
        let (status, r) = join_i64(t);
        assert_eq!(status, 0);
        weft_rt_task_release(t);
        sum += r;
    }
    slot.cast::<i64>().write(sum);
}

#[test]
fn a_million_tasks_spawned_then_joined() {
    // SAFETY: ABI contract.
    unsafe {
        let root = spawn(spawn_million, 0, 8);
        assert_eq!(join_i64(root), (0, 499_999_500_000));
        weft_rt_task_release(root);
    }
}

unsafe extern "C-unwind" fn chain(env: *mut c_void, slot: *mut c_void) {
    let depth = env as i64;
    let r = if depth == 0 {
        0
    } else {
        let child = spawn(chain, depth as usize - 1, 8);
        let (status, r) = join_i64(child);
        assert_eq!(status, 0);
        weft_rt_task_release(child);
        r + 1
    };
    slot.cast::<i64>().write(r);
}

#[test]
fn a_chain_of_ten_thousand_nested_spawns() {
    // SAFETY: ABI contract.
    unsafe {
        let root = spawn(chain, 10_000, 8);
        assert_eq!(join_i64(root), (0, 10_000));
        weft_rt_task_release(root);
    }
}

unsafe extern "C-unwind" fn sleep_then(env: *mut c_void, slot: *mut c_void) {
    weft_rt_sleep_ms(env as i64);
    slot.cast::<i64>().write(env as i64);
}

#[test]
fn joins_from_tasks_and_os_threads() {
    // SAFETY: ABI contract; the handle outlives every joiner (joined before release).
    unsafe {
        let target = spawn(sleep_then, 30, 8) as usize;
        let threads: Vec<_> = (0..3)
            .map(|_| {
                weft_rt_task_retain(target as *mut c_void);
                std::thread::spawn(move || {
                    let t = target as *mut c_void;
                    let r = join_i64(t);
                    weft_rt_task_release(t);
                    r
                })
            })
            .collect();
        let from_tasks: Vec<_> = (0..3)
            .map(|_| {
                weft_rt_task_retain(target as *mut c_void);
                sched::spawn(move || {
                    let t = target as *mut c_void;
                    let r = join_i64(t);
                    weft_rt_task_release(t);
                    r
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), (0, 30));
        }
        for t in from_tasks {
            assert_eq!(t.join().unwrap(), (0, 30));
        }
        assert_eq!(join_i64(target as *mut c_void), (0, 30), "joined again");
        weft_rt_task_release(target as *mut c_void);
    }
}

#[test]
fn ten_thousand_concurrent_sleeps_take_about_their_duration() {
    in_task(|| {
        let start = Instant::now();
        // SAFETY: ABI contract.
        let tasks: Vec<_> = (0..10_000)
            .map(|_| unsafe { spawn(sleep_then, 100, 8) })
            .collect();
        for t in tasks {
            // SAFETY: ABI contract.
            unsafe {
                assert_eq!(join_i64(t), (0, 100));
                weft_rt_task_release(t);
            }
        }
        let elapsed = start.elapsed().as_millis();
        assert!(
            (100..1500).contains(&elapsed),
            "10,000 sleeps of 100 ms took {elapsed} ms"
        );
    });
}

unsafe extern "C-unwind" fn long_sleep(_: *mut c_void, slot: *mut c_void) {
    let start = Instant::now();
    weft_rt_sleep_ms(60_000);
    slot.cast::<i64>().write(start.elapsed().as_millis() as i64);
    assert!(weft_rt_task_is_cancelled());
}

#[test]
fn cancelling_a_sleeping_task_wakes_it() {
    // SAFETY: ABI contract.
    unsafe {
        let t = spawn(long_sleep, 0, 8);
        std::thread::sleep(std::time::Duration::from_millis(20));
        weft_rt_task_cancel(t);
        weft_rt_task_cancel(t); // idempotent
        let mut r = 0i64;
        assert_eq!(
            weft_rt_task_join(t, (&mut r as *mut i64).cast(), None),
            2,
            "cancelled"
        );
        weft_rt_task_release(t);
        assert!(
            !weft_rt_task_is_cancelled(),
            "an OS thread is never cancelled"
        );
    }
}

#[test]
fn join_with_timeout() {
    // SAFETY: ABI contract.
    unsafe {
        let t = spawn(sleep_then, 150, 8);
        let mut r = 0i64;
        let out = (&mut r as *mut i64).cast();
        assert_eq!(
            weft_rt_task_join_timeout(t, out, 0, None),
            3,
            "a zero timeout only checks"
        );
        assert_eq!(
            weft_rt_task_join_timeout(t, out, 20, None),
            3,
            "times out; the task runs on"
        );
        let from_task = t as usize;
        let h = sched::spawn(move || {
            weft_rt_task_join_timeout(from_task as *mut c_void, ptr::null_mut(), 10, None)
        });
        assert_eq!(h.join(), Ok(3));
        assert_eq!(weft_rt_task_join_timeout(t, out, 10_000, None), 0);
        assert_eq!(r, 150);
        weft_rt_task_release(t);
    }
}

#[test]
fn wait_any_returns_the_first_to_finish() {
    // SAFETY: ABI contract.
    unsafe {
        let tasks = [
            spawn(sleep_then, 300, 8),
            spawn(sleep_then, 10, 8),
            spawn(sleep_then, 200, 8),
        ];
        assert_eq!(weft_rt_task_wait_any(tasks.as_ptr(), 3), 1);
        assert_eq!(weft_rt_task_wait_any(tasks.as_ptr(), 0), 0);
        let addrs = tasks.map(|t| t as usize);
        let h = sched::spawn(move || {
            let tasks = addrs.map(|a| a as *mut c_void);
            weft_rt_task_wait_any(tasks.as_ptr(), 3)
        });
        assert_eq!(h.join(), Ok(1), "already finished: returned at once");
        weft_rt_task_cancel(tasks[0]);
        weft_rt_task_cancel(tasks[2]);
        for t in tasks {
            weft_rt_task_join(t, ptr::null_mut(), None);
            weft_rt_task_release(t);
        }
    }
}

unsafe extern "C-unwind" fn panicking(env: *mut c_void, slot: *mut c_void) {
    // A null slot is the runtime's cleanup call after the failure (nothing to release).
    if slot.is_null() {
        return;
    }
    weft_rt_yield();
    sched::panic_current(&format!("bad value {}", env as usize), "app.weft:3:9");
}

#[test]
fn panics_are_delivered_to_joiners() {
    // SAFETY: ABI contract.
    unsafe {
        // A joinable task (a Promise): the panic is delivered, nothing is printed.
        let t = weft_rt_task_spawn(panicking, 7 as *mut c_void, 8, None, 0, 0, NAME);
        assert_eq!(weft_rt_task_join(t, ptr::null_mut(), None), 1);
        let mut len = 0usize;
        let msg = weft_rt_task_panic_message(t, &mut len);
        assert_eq!(std::slice::from_raw_parts(msg, len), b"bad value 7");
        assert_eq!(
            weft_rt_task_join(t, ptr::null_mut(), None),
            1,
            "joining again gives the same"
        );
        weft_rt_task_release(t);
        let ok = spawn(identity, 1, 8);
        assert_eq!(join_i64(ok), (0, 1));
        assert!(weft_rt_task_panic_message(ok, &mut len).is_null());
        assert_eq!(len, 0);
        weft_rt_task_release(ok);
    }
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C-unwind" fn big_result(env: *mut c_void, slot: *mut c_void) {
    let words = slot.cast::<u64>();
    for i in 0..8 {
        words.add(i).write(env as u64 + i as u64);
    }
}

unsafe extern "C" fn count_drop(slot: *mut c_void) {
    assert_eq!(slot.cast::<u64>().read(), 100);
    DROPS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn results_are_copied_out_and_dropped_once() {
    // SAFETY: ABI contract: 64-byte result, drop function for it.
    unsafe {
        let t = weft_rt_task_spawn(
            big_result,
            100 as *mut c_void,
            64,
            Some(count_drop),
            0,
            0,
            NAME,
        );
        let mut out = [0u64; 8];
        assert_eq!(weft_rt_task_join(t, out.as_mut_ptr().cast(), None), 0);
        assert_eq!(out, [100, 101, 102, 103, 104, 105, 106, 107]);
        weft_rt_task_retain(t);
        weft_rt_task_release(t);
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            0,
            "the handle still holds the result"
        );
        weft_rt_task_release(t);
        // The worker drops the task's own count just after waking joiners: wait for it.
        let start = Instant::now();
        while DROPS.load(Ordering::SeqCst) == 0 && start.elapsed().as_secs() < 5 {
            std::thread::yield_now();
        }
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    }
}

#[inline(never)]
fn deep(n: usize) -> usize {
    let buf = std::hint::black_box([n as u8; 1024]);
    if n == 0 {
        return buf[0] as usize;
    }
    deep(n - 1) + buf[1] as usize
}

#[test]
fn tasks_run_with_their_stack_limit_set() {
    in_task(|| {
        let marker = 0u8;
        let sp = &marker as *const u8 as usize;
        let limit = weft_rt::stack::limit();
        assert!(
            limit != 0 && limit < sp,
            "limit {limit:#x} below sp {sp:#x}"
        );
        assert!(
            sp - limit < weft_rt::stack::default_size(),
            "the limit belongs to this stack"
        );
    });
    let opts = sched::SpawnOptions {
        stack_size: 1 << 20,
        ..Default::default()
    };
    let h = sched::spawn_with(opts, || {
        let marker = 0u8;
        let sp = &marker as *const u8 as usize;
        let room = sp - weft_rt::stack::limit();
        assert!(room > 900 * 1024, "a 1 MiB stack has room: {room}");
        deep(200) // 200+ KiB deep: only fits on the big stack
    });
    assert_eq!(h.join(), Ok((1..=200).sum::<usize>()));
}

static SLOT: Mutex<Option<Waiter>> = Mutex::new(None);

#[test]
fn waiter_park_and_wake_across_tasks_and_threads() {
    // A task parks; an OS thread wakes it with a token.
    let parked = sched::spawn(|| {
        let w = Waiter::prepare(true);
        *SLOT.lock().unwrap() = Some(w);
        w.park("waiting for the test", None)
    });
    let waiter = loop {
        if let Some(w) = SLOT.lock().unwrap().take() {
            break w;
        }
        std::thread::yield_now();
    };
    assert!(waiter.is_task());
    let claim = waiter.claim().expect("nobody else claims it");
    assert!(!waiter.wake(WakeReason::Notified, 0), "claimed once");
    claim.finish(WakeReason::Notified, 42);
    let wake = parked.join().unwrap();
    assert_eq!((wake.reason, wake.token), (WakeReason::Notified, 42));

    // One waiter in two "queues" (select): the first claim wins, the other sees it ended.
    let h = sched::spawn(|| {
        let w = Waiter::prepare(true);
        let queues = [w, w];
        let waker = sched::spawn(move || {
            assert!(queues[1].wake(WakeReason::Notified, 2));
            assert!(!queues[0].wake(WakeReason::Notified, 1));
        });
        let wake = w.park(
            "selecting",
            Some(weft_rt::os::clock::deadline_after_ms(5_000)),
        );
        waker.join().unwrap();
        wake.token
    });
    assert_eq!(h.join(), Ok(2));

    // A deadline ends a task's wait with TimedOut.
    let h = sched::spawn(|| {
        Waiter::prepare(true)
            .park(
                "timing out",
                Some(weft_rt::os::clock::deadline_after_ms(10)),
            )
            .reason
    });
    assert_eq!(h.join(), Ok(WakeReason::TimedOut));
}

type ScopeReport = (
    bool,
    Result<(bool, Result<bool, sched::TaskError>), sched::TaskError>,
    Result<bool, sched::TaskError>,
);
static SCOPE: Mutex<Option<ScopeReport>> = Mutex::new(None);

#[test]
fn scoped_children_are_cancelled_with_their_parent() {
    let parent = sched::spawn(|| {
        let scoped = sched::SpawnOptions {
            flags: sched::SCOPED,
            ..Default::default()
        };
        let child = sched::spawn_with(scoped, move || {
            let grandchild = sched::spawn_with(scoped, || weft_rt::sched::sleep_ms(60_000));
            let slept = weft_rt::sched::sleep_ms(60_000);
            (slept, grandchild.join())
        });
        let unscoped = sched::spawn(|| weft_rt::sched::sleep_ms(30));
        let slept = weft_rt::sched::sleep_ms(60_000);
        *SCOPE.lock().unwrap() = Some((slept, child.join(), unscoped.join()));
    });
    std::thread::sleep(std::time::Duration::from_millis(10));
    parent.cancel();
    assert_eq!(parent.join(), Err(sched::TaskError::Cancelled));
    let (slept, child, unscoped) = SCOPE.lock().unwrap().take().expect("the parent reported");
    assert!(!slept, "the parent's sleep returned early");
    // The child was cancelled with the parent: its own join reports it.
    assert_eq!(child, Err(sched::TaskError::Cancelled));
    // The unscoped task is not part of the subtree (its join from a cancelled task still
    // reports the cancellation of the joiner).
    assert!(matches!(
        unscoped,
        Ok(true) | Err(sched::TaskError::Cancelled)
    ));
}

#[test]
fn yield_from_an_os_thread_is_harmless() {
    weft_rt_yield();
    weft_rt_sleep_ms(1);
    let a = weft_rt_now_ns();
    let b = weft_rt_now_ns();
    assert!(b >= a);
    assert!(weft_rt_now_ms() >= a / 1_000_000);
}

/// A minimal unbounded channel on the `Waiter` API, as the sync primitives use it.
struct Chan {
    state: Mutex<(
        std::collections::VecDeque<u64>,
        std::collections::VecDeque<Waiter>,
    )>,
}

impl Chan {
    fn send(&self, v: u64) {
        let mut s = self.state.lock().unwrap();
        s.0.push_back(v);
        while let Some(w) = s.1.pop_front() {
            if w.wake(WakeReason::Notified, 0) {
                break;
            }
        }
    }

    fn recv(&self) -> u64 {
        loop {
            let w = {
                let mut s = self.state.lock().unwrap();
                if let Some(v) = s.0.pop_front() {
                    return v;
                }
                let w = Waiter::prepare(true);
                s.1.push_back(w);
                w
            };
            w.park("receiving from a channel", None);
        }
    }
}

#[test]
fn waiters_under_contention_lose_no_wake_up() {
    static CHAN: Chan = Chan {
        state: Mutex::new((
            std::collections::VecDeque::new(),
            std::collections::VecDeque::new(),
        )),
    };
    const PER_SENDER: u64 = 20_000;
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            sched::spawn(|| {
                (0..PER_SENDER + PER_SENDER / 4)
                    .map(|_| CHAN.recv())
                    .sum::<u64>()
            })
        })
        .collect();
    let producers: Vec<_> = (0..4)
        .map(|p| {
            sched::spawn(move || {
                for i in 0..PER_SENDER {
                    CHAN.send(p * PER_SENDER + i);
                    if i % 64 == 0 {
                        weft_rt_yield();
                    }
                }
            })
        })
        .collect();
    // One producer is an OS thread (its wake-ups go through the global queue).
    let thread = std::thread::spawn(|| {
        for i in 0..PER_SENDER {
            CHAN.send(4 * PER_SENDER + i);
        }
    });
    for p in producers {
        p.join().unwrap();
    }
    thread.join().unwrap();
    let total: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    let n = 5 * PER_SENDER;
    assert_eq!(total, n * (n - 1) / 2);
}

unsafe extern "C-unwind" fn mixed(env: *mut c_void, slot: *mut c_void) {
    let i = env as usize;
    for _ in 0..i % 5 {
        weft_rt_yield();
    }
    let child = spawn(sleep_then, i % 3, 8);
    let victim = spawn(long_sleep, 0, 8);
    weft_rt_task_cancel(victim);
    let (status, r) = join_i64(child);
    assert_eq!(status, 0);
    assert_eq!(weft_rt_task_join(victim, ptr::null_mut(), None), 2);
    weft_rt_task_release(child);
    weft_rt_task_release(victim);
    slot.cast::<i64>().write(r + i as i64);
}

#[test]
fn mixed_yields_sleeps_joins_and_cancels() {
    in_task(|| {
        // SAFETY: ABI contract.
        let tasks: Vec<_> = (0..3000).map(|i| unsafe { spawn(mixed, i, 8) }).collect();
        let mut total = 0i64;
        for t in tasks {
            // SAFETY: ABI contract.
            unsafe {
                let (status, r) = join_i64(t);
                assert_eq!(status, 0);
                weft_rt_task_release(t);
                total += r;
            }
        }
        let expected: i64 = (0..3000).map(|i| i + i % 3).sum();
        assert_eq!(total, expected);
    });
}

/// Yields `env % 4` times, sleeps 2 ms when `env % 5 == 0`, and returns whether the sleep
/// (if any) lasted its full time.
unsafe extern "C-unwind" fn brief(env: *mut c_void, slot: *mut c_void) {
    if slot.is_null() {
        return;
    }
    let i = env as usize;
    for _ in 0..i % 4 {
        weft_rt_yield();
    }
    let mut full = 1i64;
    if i.is_multiple_of(5) {
        let start = weft_rt_now_ns();
        weft_rt_sleep_ms(2);
        full = i64::from(weft_rt_now_ns() - start >= 2_000_000);
    }
    slot.cast::<i64>().write(full);
}

/// Cancels from an OS thread race with tasks finishing and handing their activations
/// (wait nodes) to new tasks: a cancel only ever ends waits of its own task.
#[test]
fn cancels_racing_with_finishing_tasks_reach_only_their_task() {
    in_task(|| {
        // SAFETY: ABI contract.
        let tasks: Vec<usize> = (0..6000)
            .map(|i| unsafe { spawn(brief, i, 8) } as usize)
            .collect();
        let victims: Vec<usize> = tasks.iter().copied().step_by(2).collect();
        let canceller = std::thread::spawn(move || {
            for t in victims {
                // SAFETY: the handles stay alive until joined below.
                unsafe { weft_rt_task_cancel(t as *mut c_void) };
            }
        });
        canceller.join().unwrap();
        for (i, t) in tasks.into_iter().enumerate() {
            // SAFETY: ABI contract.
            let (status, full) = unsafe { join_i64(t as *mut c_void) };
            // SAFETY: our handle.
            unsafe { weft_rt_task_release(t as *mut c_void) };
            if i % 2 == 1 {
                assert_eq!((status, full), (0, 1), "task {i} was never cancelled");
            } else {
                assert!(status == 0 || status == 2, "task {i}: status {status}");
            }
        }
    });
}
