//! Channels, `select`, mutexes, reader-writer locks, condition variables, wait groups,
//! atomics and handle counts used from OS threads only — no green task, no scheduler — with
//! the data they guard or carry in plain, non-atomic memory: a test passes only if the
//! primitive orders those plain accesses.
//!
//! These are the tests `cargo xtask sanitize` runs under ThreadSanitizer, which reports
//! any pair of plain accesses a primitive fails to order even when the run happened to
//! pass. They must stay free of green tasks: ThreadSanitizer cannot follow the runtime's
//! stack switches (see "Sanitizers" in docs/architecture.md). Natively they take well under
//! a second.
//!
//! A plain `main` runs them one after another on the main thread (no libtest harness): the
//! harness's own threads and channels would add reports from the uninstrumented prebuilt
//! standard library that have nothing to do with the runtime.

mod common;

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::ptr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::{H, I64};
use weft_rt::abi::sync::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::sync::select::{SelectCase, OP_RECV, OP_SEND};

static PAIR: WeftGlue = WeftGlue::plain(16, 8);

/// Ordering codes of the atomics ABI.
const ACQUIRE: i32 = 1;
const RELEASE: i32 = 2;
const ACQ_REL: i32 = 3;
const RELAXED: i32 = 0;

/// Plain memory shared between threads; only the primitive under test orders its accesses.
struct Plain<T>(UnsafeCell<T>);
// SAFETY: every test reaches the value only under the primitive it checks.
unsafe impl<T: Send> Sync for Plain<T> {}

impl<T> Plain<T> {
    fn new(v: T) -> Arc<Plain<T>> {
        Arc::new(Plain(UnsafeCell::new(v)))
    }
    /// The value.
    ///
    /// # Safety
    /// The caller holds whatever orders this access against the other threads' accesses.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self) -> &mut T {
        &mut *self.0.get()
    }
}

/// Runs `f(0..n)` on `n` OS threads at once and joins them.
fn on_threads(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let f = f.clone();
            std::thread::spawn(move || f(i))
        })
        .collect();
    for t in threads {
        t.join().expect("thread failed");
    }
}

/// `(name, test)` pairs for the listed test functions.
macro_rules! tests {
    ($($test:ident),* $(,)?) => {
        &[$((stringify!($test), $test as fn())),*]
    };
}

/// The tests, in the order they run.
const TESTS: &[(&str, fn())] = tests![
    mutex_orders_its_value_and_plain_memory,
    rwlock_readers_see_whole_writes,
    condvar_bounded_buffer_in_plain_memory,
    wait_group_wait_sees_the_workers_writes,
    atomics_publish_plain_memory_with_their_orderings,
    rendezvous_channel_hands_over_plain_memory,
    buffered_channels_hand_over_plain_memory,
    close_midway_and_last_release_drop_values_on_any_thread,
    select_from_os_threads_hands_over_plain_memory,
    the_last_release_on_any_thread_frees_the_handle,
];

/// Runs the tests whose names contain one of the command-line filters (all without
/// filters), reported in libtest's format; exits 1 if any fails.
fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let selected: Vec<_> = TESTS
        .iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failed = 0;
    for (name, test) in &selected {
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    let result = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {result}. {} passed; {failed} failed; 0 ignored; 0 measured; {} filtered out\n",
        selected.len() - failed,
        TESTS.len() - selected.len()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

fn mutex_orders_its_value_and_plain_memory() {
    const N: i64 = 5_000;
    let zero = 0i64;
    let m = H(unsafe { weft_rt_mutex_new(&I64, (&zero as *const i64).cast()) });
    let log = Plain::new(Vec::<i64>::new());
    let l = log.clone();
    on_threads(4, move |i| {
        for k in 0..N {
            unsafe {
                if (k + i as i64) % 5 == 0 {
                    let mx = &*m.p().cast::<weft_rt::sync::mutex::Mutex>();
                    while !mx.try_lock(None) {
                        std::thread::yield_now();
                    }
                } else {
                    weft_rt_mutex_lock(m.p(), None);
                }
                *weft_rt_mutex_value(m.p()).cast::<i64>() += 1;
                // A growing vector: reallocation under the lock, freed by whichever thread
                // grows it next.
                l.get().push(k);
                weft_rt_mutex_unlock(m.p(), None);
            }
        }
    });
    unsafe {
        assert_eq!(*weft_rt_mutex_value(m.p()).cast::<i64>(), 4 * N);
        assert_eq!(log.get().len() as i64, 4 * N);
        weft_rt_mutex_release(m.p());
    }
}

/// Two writers and three readers: readers mostly enter on the uncontended path right after
/// a writer left (the writers yield between writes), sometimes after waiting.
fn rwlock_readers_see_whole_writes() {
    const WRITES: i64 = 1_000;
    const READS: i64 = 3_000;
    let l = H(unsafe { weft_rt_rwlock_new(&PAIR, [0i64; 2].as_ptr().cast()) });
    on_threads(5, move |i| unsafe {
        let p = weft_rt_rwlock_value(l.p()).cast::<[i64; 2]>();
        if i < 2 {
            for _ in 0..WRITES {
                weft_rt_rwlock_write_lock(l.p(), None);
                (*p)[0] += 1;
                (*p)[1] += 1;
                weft_rt_rwlock_write_unlock(l.p(), None);
                std::thread::yield_now();
            }
        } else {
            for _ in 0..READS {
                weft_rt_rwlock_read_lock(l.p(), None);
                let [a, b] = *p;
                assert_eq!(a, b, "a reader saw half a write");
                weft_rt_rwlock_read_unlock(l.p(), None);
            }
        }
    });
    unsafe {
        assert_eq!(
            *weft_rt_rwlock_value(l.p()).cast::<[i64; 2]>(),
            [2 * WRITES, 2 * WRITES]
        );
        weft_rt_rwlock_release(l.p());
    }
}

/// A bounded buffer in plain memory under a bare mutex and two condition variables; one
/// consumer waits with timeouts (its wait may end by timing out while a signal races it).
fn condvar_bounded_buffer_in_plain_memory() {
    const PER_PRODUCER: i64 = 2_000;
    const CAP: usize = 4;
    struct State {
        queue: VecDeque<i64>,
        producers_left: usize,
    }
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    let not_empty = H(weft_rt_condvar_new());
    let not_full = H(weft_rt_condvar_new());
    let state = Plain::new(State {
        queue: VecDeque::new(),
        producers_left: 2,
    });
    let sum = Arc::new(AtomicI64::new(0));
    let (s, total) = (state.clone(), sum.clone());
    on_threads(4, move |i| unsafe {
        if i < 2 {
            for k in 1..=PER_PRODUCER {
                weft_rt_mutex_lock(m.p(), None);
                while s.get().queue.len() == CAP {
                    weft_rt_condvar_wait(not_full.p(), m.p(), None);
                }
                s.get().queue.push_back(k);
                weft_rt_condvar_signal(not_empty.p(), None);
                weft_rt_mutex_unlock(m.p(), None);
            }
            weft_rt_mutex_lock(m.p(), None);
            s.get().producers_left -= 1;
            weft_rt_condvar_broadcast(not_empty.p(), None);
            weft_rt_mutex_unlock(m.p(), None);
        } else {
            let mut mine = 0;
            weft_rt_mutex_lock(m.p(), None);
            loop {
                if let Some(v) = s.get().queue.pop_front() {
                    mine += v;
                    weft_rt_condvar_signal(not_full.p(), None);
                    continue;
                }
                if s.get().producers_left == 0 {
                    break;
                }
                if i == 2 {
                    weft_rt_condvar_wait_timeout(not_empty.p(), m.p(), 1, None);
                } else {
                    weft_rt_condvar_wait(not_empty.p(), m.p(), None);
                }
            }
            weft_rt_mutex_unlock(m.p(), None);
            total.fetch_add(mine, Ordering::Relaxed);
        }
    });
    assert_eq!(
        sum.load(Ordering::Relaxed),
        2 * PER_PRODUCER * (PER_PRODUCER + 1) / 2
    );
    unsafe {
        weft_rt_condvar_release(not_empty.p());
        weft_rt_condvar_release(not_full.p());
        weft_rt_mutex_release(m.p());
    }
}

/// Workers write plain slots and call `done`; the main thread and a second waiter read
/// every slot once `wait` returns, before any thread is joined.
fn wait_group_wait_sees_the_workers_writes() {
    const ROUNDS: i64 = 40;
    const WORKERS: usize = 3;
    let wg = H(weft_rt_wait_group_new());
    let slots = Plain::new([0i64; WORKERS]);
    for round in 1..=ROUNDS {
        unsafe { weft_rt_wait_group_add(wg.p(), WORKERS as i64, None) };
        let workers: Vec<_> = (0..WORKERS)
            .map(|j| {
                let s = slots.clone();
                std::thread::spawn(move || unsafe {
                    s.get()[j] = round * (j as i64 + 1);
                    weft_rt_wait_group_done(wg.p(), None);
                })
            })
            .collect();
        let s = slots.clone();
        let waiter = std::thread::spawn(move || unsafe {
            weft_rt_wait_group_wait(wg.p(), None);
            s.get().iter().sum::<i64>()
        });
        unsafe {
            weft_rt_wait_group_wait(wg.p(), None);
            let expect: i64 = (1..=WORKERS as i64).map(|j| round * j).sum();
            assert_eq!(slots.get().iter().sum::<i64>(), expect);
            assert_eq!(waiter.join().unwrap(), expect);
        }
        for w in workers {
            w.join().unwrap();
        }
    }
    unsafe { weft_rt_wait_group_release(wg.p()) };
}

/// Release stores publish plain writes to acquire loads; a compare-and-swap or swap lock
/// (acquire) with a release store to unlock guards a plain counter.
fn atomics_publish_plain_memory_with_their_orderings() {
    const ROUNDS: i64 = 1_000;
    let flag = H(weft_rt_atomic_new(0));
    let ack = H(weft_rt_atomic_new(0));
    let data = Plain::new([0i64; 4]);
    let d = data.clone();
    on_threads(2, move |i| unsafe {
        for round in 1..=ROUNDS {
            if i == 0 {
                while weft_rt_atomic_load(ack.p(), ACQUIRE, None) != round - 1 {
                    std::thread::yield_now();
                }
                *d.get() = [round; 4];
                weft_rt_atomic_store(flag.p(), round, RELEASE, None);
            } else {
                while weft_rt_atomic_load(flag.p(), ACQUIRE, None) != round {
                    std::thread::yield_now();
                }
                assert_eq!(*d.get(), [round; 4]);
                weft_rt_atomic_store(ack.p(), round, RELEASE, None);
            }
        }
    });

    const N: i64 = 3_000;
    let lock = H(weft_rt_atomic_new(0));
    let count = H(weft_rt_atomic_new(0));
    let counter = Plain::new(0i64);
    let c = counter.clone();
    on_threads(4, move |i| unsafe {
        for _ in 0..N {
            loop {
                let free = if i % 2 == 0 {
                    weft_rt_atomic_compare_exchange(lock.p(), 0, 1, ACQUIRE, None)
                } else {
                    weft_rt_atomic_swap(lock.p(), 1, ACQ_REL, None) == 0
                };
                if free {
                    break;
                }
                std::thread::yield_now();
            }
            *c.get() += 1;
            weft_rt_atomic_store(lock.p(), 0, RELEASE, None);
            weft_rt_atomic_fetch_add(count.p(), 1, RELAXED, None);
        }
    });
    unsafe {
        assert_eq!(*counter.get(), 4 * N);
        assert_eq!(weft_rt_atomic_load(count.p(), RELAXED, None), 4 * N);
        for a in [flag, ack, lock, count] {
            weft_rt_atomic_release(a.p());
        }
    }
}

/// Channel elements: pointers to heap blocks written plainly by the sender, read and freed
/// by the receiver (or freed by the channel's glue when a value is dropped).
#[repr(C)]
struct Block {
    producer: i64,
    seq: i64,
    check: [i64; 4],
}

unsafe extern "C" fn drop_block(elem: *mut u8) {
    drop(Box::from_raw(elem.cast::<*mut Block>().read()));
}

static BLOCK: WeftGlue = WeftGlue {
    release: Some(drop_block),
    ..WeftGlue::plain(8, 8)
};

/// Blocks dropped through [`COUNTED_BLOCK`] (one test only uses it).
static DROPPED: AtomicI64 = AtomicI64::new(0);

unsafe extern "C" fn drop_counted_block(elem: *mut u8) {
    drop_block(elem);
    DROPPED.fetch_add(1, Ordering::Relaxed);
}

static COUNTED_BLOCK: WeftGlue = WeftGlue {
    release: Some(drop_counted_block),
    ..WeftGlue::plain(8, 8)
};

fn block(producer: i64, seq: i64) -> *mut Block {
    Box::into_raw(Box::new(Block {
        producer,
        seq,
        check: [producer * 1_000_000 + seq; 4],
    }))
}

/// Reads and frees a received block; returns `(producer, seq)`.
unsafe fn open(b: *mut Block) -> (i64, i64) {
    let b = Box::from_raw(b);
    assert_eq!(b.check, [b.producer * 1_000_000 + b.seq; 4]);
    (b.producer, b.seq)
}

fn send(ch: H, b: *mut Block) -> i32 {
    unsafe { weft_rt_channel_send(ch.p(), (&b as *const *mut Block).cast(), None) }
}

/// Three producers (sending every fourth value with `try_send` first) and three consumers
/// (one receiving with timeouts, one polling with `try_recv`); every consumer sees each
/// producer's values in order.
fn channel_hand_over(cap: i64) {
    const PER_PRODUCER: i64 = 1_500;
    let ch = H(unsafe { weft_rt_channel_new(cap, &BLOCK, ptr::null_mut()) });
    let received = Arc::new(AtomicI64::new(0));
    let producers: Vec<_> = (0..3)
        .map(|p| {
            std::thread::spawn(move || {
                for seq in 0..PER_PRODUCER {
                    let b = block(p, seq);
                    if seq % 4 == 0 {
                        let ok = unsafe {
                            weft_rt_channel_try_send(ch.p(), (&b as *const *mut Block).cast(), None)
                        };
                        if ok {
                            continue;
                        }
                    }
                    assert_eq!(send(ch, b), 0);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|c| {
            let received = received.clone();
            std::thread::spawn(move || {
                let mut last = [-1i64; 3];
                loop {
                    let mut b: *mut Block = ptr::null_mut();
                    let out = (&mut b as *mut *mut Block).cast();
                    let status = unsafe {
                        match c {
                            0 => weft_rt_channel_recv(ch.p(), out, None),
                            1 => weft_rt_channel_recv_timeout(ch.p(), out, 1, None),
                            _ => {
                                if weft_rt_channel_try_recv(ch.p(), out, None) {
                                    0
                                } else if weft_rt_channel_len(ch.p(), None) == 0 {
                                    // Empty (or closed and drained): receive properly.
                                    weft_rt_channel_recv_timeout(ch.p(), out, 1, None)
                                } else {
                                    continue;
                                }
                            }
                        }
                    };
                    match status {
                        0 => {
                            let (p, seq) = unsafe { open(b) };
                            assert!(seq > last[p as usize], "FIFO per producer");
                            last[p as usize] = seq;
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                        1 => return,
                        3 => {}
                        s => panic!("status {s}"),
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    unsafe { weft_rt_channel_close(ch.p(), None) };
    for c in consumers {
        c.join().unwrap();
    }
    assert_eq!(received.load(Ordering::Relaxed), 3 * PER_PRODUCER);
    unsafe { weft_rt_channel_release(ch.p()) };
}

fn rendezvous_channel_hands_over_plain_memory() {
    channel_hand_over(0);
}

fn buffered_channels_hand_over_plain_memory() {
    channel_hand_over(1);
    channel_hand_over(8);
}

/// Senders run until the channel is closed midway; the values whose send failed, and those
/// left in the buffer when the last thread releases the channel, are dropped by the glue on
/// whichever thread that happens.
fn close_midway_and_last_release_drop_values_on_any_thread() {
    for cap in [0, 4] {
        DROPPED.store(0, Ordering::Relaxed);
        let created = Arc::new(AtomicI64::new(0));
        let received = Arc::new(AtomicI64::new(0));
        let ch = H(unsafe { weft_rt_channel_new(cap, &COUNTED_BLOCK, ptr::null_mut()) });
        let threads: Vec<_> = (0..4)
            .map(|i| {
                unsafe { weft_rt_channel_retain(ch.p()) };
                let (created, received) = (created.clone(), received.clone());
                std::thread::spawn(move || {
                    if i < 2 {
                        let mut seq = 0;
                        loop {
                            created.fetch_add(1, Ordering::Relaxed);
                            if send(ch, block(i, seq)) != 0 {
                                break;
                            }
                            seq += 1;
                        }
                    } else {
                        // Receive a few, then leave (the buffer may keep values).
                        for _ in 0..300 {
                            let mut b: *mut Block = ptr::null_mut();
                            let out = (&mut b as *mut *mut Block).cast();
                            if unsafe { weft_rt_channel_recv(ch.p(), out, None) } != 0 {
                                break;
                            }
                            unsafe { open(b) };
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    unsafe { weft_rt_channel_release(ch.p()) };
                })
            })
            .collect();
        while received.load(Ordering::Relaxed) < 400 {
            std::thread::yield_now();
        }
        unsafe {
            weft_rt_channel_close(ch.p(), None);
            weft_rt_channel_release(ch.p());
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            received.load(Ordering::Relaxed) + DROPPED.load(Ordering::Relaxed),
            created.load(Ordering::Relaxed),
            "every value received or dropped exactly once (cap {cap})"
        );
    }
}

/// Two threads select over a rendezvous and a buffered channel (one with a timeout), fed
/// by a selecting sender (whose unsent value the select releases) and a plain one; closed
/// channels drop out of the select.
fn select_from_os_threads_hands_over_plain_memory() {
    const PER_SENDER: i64 = 1_000;
    let a = H(unsafe { weft_rt_channel_new(0, &BLOCK, ptr::null_mut()) });
    let b = H(unsafe { weft_rt_channel_new(2, &BLOCK, ptr::null_mut()) });
    let received = Arc::new(AtomicI64::new(0));
    let receivers: Vec<_> = (0..2)
        .map(|r| {
            let received = received.clone();
            std::thread::spawn(move || {
                let mut chans = [a.p(), b.p()];
                while chans.iter().any(|c| !c.is_null()) {
                    let mut vals: [*mut Block; 2] = [ptr::null_mut(); 2];
                    let mut status = [-1i32; 2];
                    let cases: Vec<SelectCase> = (0..2)
                        .map(|k| SelectCase {
                            ch: chans[k].cast(),
                            op: OP_RECV,
                            value: (&mut vals[k] as *mut *mut Block).cast(),
                            status: &mut status[k],
                        })
                        .collect();
                    let timeout = if r == 0 { 2 } else { -1 };
                    let i = unsafe { weft_rt_select(cases.as_ptr(), 2, timeout, false, None) };
                    if i == 2 {
                        continue;
                    }
                    let k = i as usize;
                    match status[k] {
                        0 => {
                            unsafe { open(vals[k]) };
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                        1 => chans[k] = ptr::null_mut(),
                        s => panic!("status {s}"),
                    }
                }
            })
        })
        .collect();
    let senders: Vec<_> = (0..2)
        .map(|s| {
            std::thread::spawn(move || {
                for seq in 0..PER_SENDER {
                    if s == 0 {
                        // The select takes over both values: the one that fires is sent,
                        // the other is released (freed by the glue).
                        let vals = [block(s, seq), block(s, seq)];
                        let mut status = -1i32;
                        let cases: Vec<SelectCase> = [a, b]
                            .iter()
                            .zip(&vals)
                            .map(|(c, v)| SelectCase {
                                ch: c.p().cast(),
                                op: OP_SEND,
                                value: (v as *const *mut Block).cast_mut().cast(),
                                status: &mut status,
                            })
                            .collect();
                        let i = unsafe { weft_rt_select(cases.as_ptr(), 2, -1, false, None) };
                        assert!(i == 0 || i == 1);
                        assert_eq!(status, 0);
                    } else {
                        assert_eq!(send([a, b][seq as usize % 2], block(s, seq)), 0);
                    }
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    unsafe {
        weft_rt_channel_close(a.p(), None);
        weft_rt_channel_close(b.p(), None);
    }
    for r in receivers {
        r.join().unwrap();
    }
    assert_eq!(received.load(Ordering::Relaxed), 2 * PER_SENDER);
    unsafe {
        weft_rt_channel_release(a.p());
        weft_rt_channel_release(b.p());
    }
}

/// Every kind of handle, used and released by several threads: the last release, on
/// whichever thread, frees the object (and a lock's value) after every other thread's use.
fn the_last_release_on_any_thread_frees_the_handle() {
    for _ in 0..100 {
        let zero = 0i64;
        let m = H(unsafe { weft_rt_mutex_new(&I64, (&zero as *const i64).cast()) });
        let l = H(unsafe { weft_rt_rwlock_new(&I64, (&zero as *const i64).cast()) });
        let cv = H(weft_rt_condvar_new());
        let wg = H(weft_rt_wait_group_new());
        let at = H(weft_rt_atomic_new(0));
        let ch = H(unsafe { weft_rt_channel_new(4, &BLOCK, ptr::null_mut()) });
        unsafe { weft_rt_wait_group_add(wg.p(), 3, None) };
        let threads: Vec<_> = (0..3)
            .map(|i| {
                unsafe {
                    weft_rt_mutex_retain(m.p());
                    weft_rt_rwlock_retain(l.p());
                    weft_rt_condvar_retain(cv.p());
                    weft_rt_wait_group_retain(wg.p());
                    weft_rt_atomic_retain(at.p());
                    weft_rt_channel_retain(ch.p());
                }
                std::thread::spawn(move || unsafe {
                    weft_rt_mutex_lock(m.p(), None);
                    *weft_rt_mutex_value(m.p()).cast::<i64>() += 1;
                    weft_rt_condvar_broadcast(cv.p(), None);
                    weft_rt_mutex_unlock(m.p(), None);
                    weft_rt_rwlock_write_lock(l.p(), None);
                    *weft_rt_rwlock_value(l.p()).cast::<i64>() += 1;
                    weft_rt_rwlock_write_unlock(l.p(), None);
                    weft_rt_atomic_fetch_add(at.p(), 1, RELAXED, None);
                    // A value left in the buffer: freed with the channel.
                    assert_eq!(send(ch, block(i, 0)), 0);
                    weft_rt_wait_group_done(wg.p(), None);
                    weft_rt_mutex_release(m.p());
                    weft_rt_rwlock_release(l.p());
                    weft_rt_condvar_release(cv.p());
                    weft_rt_wait_group_release(wg.p());
                    weft_rt_atomic_release(at.p());
                    weft_rt_channel_release(ch.p());
                })
            })
            .collect();
        unsafe {
            weft_rt_mutex_release(m.p());
            weft_rt_rwlock_release(l.p());
            weft_rt_condvar_release(cv.p());
            weft_rt_wait_group_release(wg.p());
            weft_rt_atomic_release(at.p());
            weft_rt_channel_release(ch.p());
        }
        for t in threads {
            t.join().unwrap();
        }
    }
}
