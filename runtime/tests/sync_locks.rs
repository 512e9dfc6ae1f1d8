//! Mutexes, reader-writer locks, condition variables, wait groups and atomics through the
//! C ABI, with green tasks and OS threads contending in any mix, in one shared runtime.
//! Run under both `WEFT_THREADS=1` and `WEFT_THREADS=2`; counts are checked exactly.

mod common;

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{os_thread, H, I64};
use weft_rt::abi::sync::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::sched;

static PAIR: WeftGlue = WeftGlue::plain(16, 8);

/// Runs `f` on `tasks` green tasks and `threads` OS threads at once (argument: the index)
/// and waits for all of them.
fn mixed(tasks: usize, threads: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let os: Vec<_> = (0..threads)
        .map(|i| {
            let f = f.clone();
            os_thread(move || f(tasks + i))
        })
        .collect();
    let green: Vec<_> = (0..tasks)
        .map(|i| {
            let f = f.clone();
            sched::spawn(move || f(i))
        })
        .collect();
    for t in green {
        t.join().expect("task failed");
    }
    for t in os {
        t.join().expect("thread failed");
    }
}

#[test]
fn mutex_torture_tasks_and_threads() {
    let zero = 0i64;
    let m = H(unsafe { weft_rt_mutex_new(&I64, (&zero as *const i64).cast()) });
    const N: i64 = 20_000;
    mixed(16, 4, move |i| {
        let m = m;
        for k in 0..N {
            unsafe {
                weft_rt_mutex_lock(m.p(), None);
                let v = weft_rt_mutex_value(m.p()).cast::<i64>();
                let old = ptr::read_volatile(v);
                if k % 512 == i as i64 % 512 {
                    sched::yield_now(); // hold the lock across a task switch now and then
                }
                ptr::write_volatile(v, old + 1);
                weft_rt_mutex_unlock(m.p(), None);
            }
        }
    });
    assert_eq!(unsafe { *weft_rt_mutex_value(m.p()).cast::<i64>() }, 20 * N);
    unsafe { weft_rt_mutex_release(m.p()) };
}

#[test]
fn mutex_held_by_a_task_across_migration() {
    // A task locks, parks (sleep) — possibly resuming on another worker — and unlocks.
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    mixed(8, 2, move |_| {
        let m = m;
        for _ in 0..50 {
            unsafe {
                weft_rt_mutex_lock(m.p(), None);
                weft_rt::sched::sleep_ms(0);
                weft_rt::abi::task::weft_rt_sleep_ms(1);
                weft_rt_mutex_unlock(m.p(), None);
            }
        }
    });
    unsafe { weft_rt_mutex_release(m.p()) };
}

#[test]
fn rwlock_torture_readers_see_consistent_pairs() {
    let zero = [0i64; 2];
    let l = H(unsafe { weft_rt_rwlock_new(&PAIR, zero.as_ptr().cast()) });
    let bad = Arc::new(AtomicBool::new(false));
    let b = bad.clone();
    const W: i64 = 5_000;
    mixed(12, 4, move |i| {
        let l = l;
        let pair = unsafe { weft_rt_rwlock_value(l.p()).cast::<[i64; 2]>() };
        if i % 4 == 0 {
            for _ in 0..W {
                unsafe {
                    weft_rt_rwlock_write_lock(l.p(), None);
                    let p = ptr::read_volatile(pair);
                    ptr::write_volatile(pair, [p[0] + 1, p[0] + 1]);
                    weft_rt_rwlock_write_unlock(l.p(), None);
                }
            }
        } else {
            for k in 0..W {
                unsafe {
                    weft_rt_rwlock_read_lock(l.p(), None);
                    let p = ptr::read_volatile(pair);
                    if k % 256 == 0 {
                        sched::yield_now();
                    }
                    let q = ptr::read_volatile(pair);
                    if p[0] != p[1] || p != q {
                        b.store(true, Ordering::SeqCst);
                    }
                    weft_rt_rwlock_read_unlock(l.p(), None);
                }
            }
        }
    });
    assert!(!bad.load(Ordering::SeqCst), "a reader saw a torn write");
    let writers = (0..16).filter(|i| i % 4 == 0).count() as i64;
    assert_eq!(
        unsafe { *weft_rt_rwlock_value(l.p()).cast::<[i64; 2]>() },
        [writers * W; 2]
    );
    unsafe { weft_rt_rwlock_release(l.p()) };
}

#[test]
fn rwlock_prefers_writers() {
    let l = H(unsafe { weft_rt_rwlock_new(ptr::null(), ptr::null()) });
    unsafe { weft_rt_rwlock_read_lock(l.p(), None) };
    let wrote = Arc::new(AtomicBool::new(false));
    let w = wrote.clone();
    let writer = sched::spawn(move || unsafe {
        weft_rt_rwlock_write_lock(l.p(), None);
        w.store(true, Ordering::SeqCst);
        weft_rt_rwlock_write_unlock(l.p(), None);
    });
    std::thread::sleep(Duration::from_millis(20));
    // A writer waits: a new reader must queue behind it.
    let wrote2 = wrote.clone();
    let reader = sched::spawn(move || unsafe {
        weft_rt_rwlock_read_lock(l.p(), None);
        let saw = wrote2.load(Ordering::SeqCst);
        weft_rt_rwlock_read_unlock(l.p(), None);
        saw
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(!wrote.load(Ordering::SeqCst));
    unsafe { weft_rt_rwlock_read_unlock(l.p(), None) };
    writer.join().unwrap();
    assert_eq!(
        reader.join(),
        Ok(true),
        "the reader came after the waiting writer"
    );
    unsafe { weft_rt_rwlock_release(l.p()) };
}

/// A bounded buffer built from a mutex and two condition variables, with producers and
/// consumers of both kinds: every item is consumed exactly once.
#[test]
fn condvar_bounded_buffer() {
    #[derive(Default)]
    struct Buf {
        items: Vec<i64>,
        done_producers: usize,
    }
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    let not_empty = H(weft_rt_condvar_new());
    let not_full = H(weft_rt_condvar_new());
    let buf = Arc::new(std::sync::Mutex::new(Buf::default())); // inner lock: only for Rust's sake
    let sum = Arc::new(AtomicI64::new(0));
    let count = Arc::new(AtomicI64::new(0));
    const PER: i64 = 2_000;
    const PRODUCERS: usize = 6;
    let (b, s, c) = (buf.clone(), sum.clone(), count.clone());
    mixed(8, 4, move |i| unsafe {
        let (m, not_empty, not_full) = (m, not_empty, not_full);
        if i % 2 == 0 {
            for k in 0..PER {
                weft_rt_mutex_lock(m.p(), None);
                while b.lock().unwrap().items.len() >= 4 {
                    weft_rt_condvar_wait(not_full.p(), m.p(), None);
                }
                b.lock().unwrap().items.push(k);
                weft_rt_condvar_signal(not_empty.p(), None);
                weft_rt_mutex_unlock(m.p(), None);
            }
            weft_rt_mutex_lock(m.p(), None);
            b.lock().unwrap().done_producers += 1;
            weft_rt_condvar_broadcast(not_empty.p(), None);
            weft_rt_mutex_unlock(m.p(), None);
        } else {
            loop {
                weft_rt_mutex_lock(m.p(), None);
                loop {
                    let g = b.lock().unwrap();
                    if !g.items.is_empty() || g.done_producers == PRODUCERS {
                        break;
                    }
                    drop(g);
                    // Timed waits too: a timeout just loops.
                    if i % 4 == 1 {
                        weft_rt_condvar_wait(not_empty.p(), m.p(), None);
                    } else {
                        weft_rt_condvar_wait_timeout(not_empty.p(), m.p(), 5, None);
                    }
                }
                let item = b.lock().unwrap().items.pop();
                weft_rt_condvar_signal(not_full.p(), None);
                weft_rt_mutex_unlock(m.p(), None);
                match item {
                    Some(v) => {
                        s.fetch_add(v, Ordering::SeqCst);
                        c.fetch_add(1, Ordering::SeqCst);
                    }
                    None => return,
                }
            }
        }
    });
    assert_eq!(count.load(Ordering::SeqCst), PRODUCERS as i64 * PER);
    assert_eq!(
        sum.load(Ordering::SeqCst),
        PRODUCERS as i64 * PER * (PER - 1) / 2
    );
    unsafe {
        weft_rt_mutex_release(m.p());
        weft_rt_condvar_release(not_empty.p());
        weft_rt_condvar_release(not_full.p());
    }
}

#[test]
fn condvar_wait_timeout_returns_false_and_relocks() {
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    let cv = H(weft_rt_condvar_new());
    for green in [true, false] {
        let f = move || unsafe {
            weft_rt_mutex_lock(m.p(), None);
            let start = Instant::now();
            let signalled = weft_rt_condvar_wait_timeout(cv.p(), m.p(), 20, None);
            let waited = start.elapsed();
            weft_rt_mutex_unlock(m.p(), None); // panics unless relocked by us
            (signalled, waited)
        };
        let (signalled, waited) = if green {
            sched::spawn(f).join().unwrap()
        } else {
            f()
        };
        assert!(!signalled);
        assert!(waited >= Duration::from_millis(20));
    }
    unsafe {
        weft_rt_mutex_release(m.p());
        weft_rt_condvar_release(cv.p());
    }
}

#[test]
fn wait_group_with_mixed_waiters_and_workers() {
    let wg = H(weft_rt_wait_group_new());
    let done = Arc::new(AtomicI64::new(0));
    unsafe { weft_rt_wait_group_add(wg.p(), 40, None) };
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let d = done.clone();
            sched::spawn(move || {
                unsafe { weft_rt_wait_group_wait(wg.p(), None) };
                d.load(Ordering::SeqCst)
            })
        })
        .collect();
    let thread_waiter = {
        let d = done.clone();
        os_thread(move || {
            unsafe { weft_rt_wait_group_wait(wg.p(), None) };
            d.load(Ordering::SeqCst)
        })
    };
    let d = done.clone();
    mixed(30, 10, move |_| {
        weft_rt::abi::task::weft_rt_sleep_ms(2);
        d.fetch_add(1, Ordering::SeqCst);
        unsafe { weft_rt_wait_group_done(wg.p(), None) };
    });
    for w in waiters {
        assert_eq!(w.join(), Ok(40));
    }
    assert_eq!(thread_waiter.join().unwrap(), 40);
    unsafe { weft_rt_wait_group_wait(wg.p(), None) }; // zero: returns at once
    unsafe { weft_rt_wait_group_release(wg.p()) };
}

#[test]
fn atomics_count_exactly_and_keep_their_layout() {
    let a = H(weft_rt_atomic_new(0));
    mixed(8, 4, move |_| {
        for _ in 0..10_000 {
            unsafe { weft_rt_atomic_fetch_add(a.p(), 1, 4, None) };
        }
    });
    unsafe {
        assert_eq!(weft_rt_atomic_load(a.p(), 1, None), 120_000);
        // The value is at offset 8: generated code uses it directly.
        let direct = &*(a.p() as *const AtomicI64).add(1);
        assert_eq!(direct.load(Ordering::SeqCst), 120_000);
        assert_eq!(weft_rt_atomic_swap(a.p(), 5, 3, None), 120_000);
        assert!(weft_rt_atomic_compare_exchange(a.p(), 5, 6, 2, None));
        assert!(!weft_rt_atomic_compare_exchange(a.p(), 5, 7, 0, None));
        weft_rt_atomic_store(a.p(), 9, 1, None);
        assert_eq!(weft_rt_atomic_load(a.p(), 2, None), 9);
        weft_rt_atomic_release(a.p());
    }
}

#[test]
fn a_panicking_task_releases_the_locks_it_holds() {
    let zero = 0i64;
    let m = H(unsafe { weft_rt_mutex_new(&I64, (&zero as *const i64).cast()) });
    let bare = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    let rw = H(unsafe { weft_rt_rwlock_new(&PAIR, [0i64; 2].as_ptr().cast()) });
    // A task takes all three (a read lock, a mutex inside it, a bare mutex) and panics.
    let t = sched::spawn(move || unsafe {
        weft_rt_rwlock_read_lock(rw.p(), None);
        weft_rt_mutex_lock(m.p(), None);
        *weft_rt_mutex_value(m.p()).cast::<i64>() = 7;
        weft_rt_mutex_lock(bare.p(), None);
        weft_rt::panic::panic_at("boom while holding locks", None)
    });
    assert!(matches!(t.join(), Err(sched::TaskError::Panicked(_))));
    // A waiter on another task gets each lock; what the holder wrote stays written.
    let got = sched::spawn(move || unsafe {
        weft_rt_rwlock_write_lock(rw.p(), None);
        weft_rt_rwlock_write_unlock(rw.p(), None);
        weft_rt_mutex_lock(bare.p(), None);
        weft_rt_mutex_unlock(bare.p(), None);
        weft_rt_mutex_lock(m.p(), None);
        let v = *weft_rt_mutex_value(m.p()).cast::<i64>();
        weft_rt_mutex_unlock(m.p(), None);
        v
    })
    .join();
    assert_eq!(got, Ok(7));
    // A task parked on the lock when the holder panics is woken.
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    let holder = sched::spawn(move || unsafe {
        weft_rt_rwlock_write_lock(rw.p(), None);
        while !r.load(Ordering::SeqCst) {
            weft_rt::abi::task::weft_rt_sleep_ms(1);
        }
        weft_rt::panic::panic_at("boom while writing", None)
    });
    let waiter = os_thread(move || unsafe {
        weft_rt_rwlock_read_lock(rw.p(), None);
        weft_rt_rwlock_read_unlock(rw.p(), None);
        true
    });
    std::thread::sleep(Duration::from_millis(20));
    release.store(true, Ordering::SeqCst);
    assert!(holder.join().is_err());
    assert!(waiter.join().unwrap());
    unsafe {
        weft_rt_mutex_release(m.p());
        weft_rt_mutex_release(bare.p());
        weft_rt_rwlock_release(rw.p());
    }
}

#[test]
fn a_mutex_kept_by_a_finished_task_is_orphaned() {
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    sched::spawn(move || unsafe { weft_rt_mutex_lock(m.p(), None) })
        .join()
        .unwrap();
    // Any later task — a recycled task object included — is not its holder.
    for _ in 0..8 {
        let r = sched::spawn(move || unsafe { weft_rt_mutex_unlock(m.p(), None) }).join();
        assert_eq!(
            r,
            Err(sched::TaskError::Panicked(
                "mutex not locked by this task".into()
            ))
        );
    }
    let tried = sched::spawn(move || unsafe {
        weft_rt::sync::mutex::Mutex::try_lock(&*m.p().cast(), None)
    })
    .join();
    assert_eq!(tried, Ok(false));
    // Its last handle frees it (nobody holds it any more).
    unsafe { weft_rt_mutex_release(m.p()) };
}
