//! Channels and `select` through the C ABI, from green tasks and OS threads in any mix
//! (`docs/reference.md` 6.4), in one shared runtime started on first use. Run under both
//! `WEFT_THREADS=1` and `WEFT_THREADS=2`; every assertion is deterministic.

mod common;

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::channel::Ch;
use common::{in_task, os_thread, I64};
use weft_rt::abi::sync::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::sched;
use weft_rt::sync::select::SelectCase;

/// Elements whose release is counted (`Box<i64>`-like values: the count says how many
/// values the runtime dropped).
static RELEASED: AtomicI64 = AtomicI64::new(0);
unsafe extern "C" fn count_release(_: *mut u8) {
    RELEASED.fetch_add(1, Ordering::SeqCst);
}
static COUNTED: WeftGlue = WeftGlue {
    release: Some(count_release),
    ..WeftGlue::plain(8, 8)
};

#[test]
fn buffered_fifo_from_a_task_and_a_thread() {
    let ch = Ch::new(100);
    in_task(move || {
        for i in 0..100 {
            assert_eq!(ch.send(i), 0);
        }
    });
    assert_eq!(ch.len(), 100);
    assert_eq!(
        (0..100).map(|_| ch.recv().1).collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );
    ch.release();
}

#[test]
fn fifo_per_sender_through_a_small_buffer() {
    let ch = Ch::new(2);
    let producer = sched::spawn(move || {
        for i in 0..10_000 {
            assert_eq!(ch.send(i), 0);
        }
        ch.close();
    });
    let got = in_task(move || ch.drain());
    producer.join().unwrap();
    assert_eq!(got, (0..10_000).collect::<Vec<_>>());
    ch.release();
}

#[test]
fn close_keeps_buffered_values_and_fails_senders() {
    RELEASED.store(0, Ordering::SeqCst);
    let ch = Ch::with_glue(4, &COUNTED);
    assert_eq!(ch.send(1), 0);
    assert_eq!(ch.send(2), 0);
    ch.close();
    ch.close(); // idempotent
    assert_eq!(ch.send(3), 1, "send on a closed channel");
    assert_eq!(
        RELEASED.load(Ordering::SeqCst),
        1,
        "the refused value is released"
    );
    assert!(!ch.try_send(4), "try_send on a closed channel");
    assert_eq!(
        RELEASED.load(Ordering::SeqCst),
        1,
        "try_send leaves the value with the caller"
    );
    assert_eq!(ch.recv(), (0, 1));
    assert_eq!(ch.recv(), (0, 2));
    assert_eq!(ch.recv().0, 1, "closed and drained");
    assert_eq!(ch.recv_timeout(10).0, 1);
    assert_eq!(ch.try_recv(), None);
    ch.release();
}

#[test]
fn close_wakes_parked_receivers_and_senders_of_both_kinds() {
    let ch = Ch::new(0);
    let full = Ch::new(1);
    assert_eq!(full.send(0), 0);
    let parked = std::sync::Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..4 {
        let p = parked.clone();
        tasks.push(sched::spawn(move || {
            p.fetch_add(1, Ordering::SeqCst);
            if i % 2 == 0 {
                ch.recv().0
            } else {
                full.send(9)
            }
        }));
    }
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let p = parked.clone();
            os_thread(move || {
                p.fetch_add(1, Ordering::SeqCst);
                if i == 0 {
                    ch.recv().0
                } else {
                    full.send(9)
                }
            })
        })
        .collect();
    while parked.load(Ordering::SeqCst) < 6 {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(20));
    ch.close();
    full.close();
    for t in tasks {
        assert_eq!(t.join(), Ok(1));
    }
    for t in threads {
        assert_eq!(t.join().unwrap(), 1);
    }
    assert_eq!(full.recv(), (0, 0), "the buffered value survives the close");
    ch.release();
    full.release();
}

#[test]
fn rendezvous_send_completes_only_when_received() {
    let ch = Ch::new(0);
    let sent = std::sync::Arc::new(AtomicBool::new(false));
    let s = sent.clone();
    let sender = sched::spawn(move || {
        assert_eq!(ch.send(7), 0);
        s.store(true, Ordering::SeqCst);
    });
    std::thread::sleep(Duration::from_millis(30));
    assert!(
        !sent.load(Ordering::SeqCst),
        "no receiver yet: the send waits"
    );
    assert_eq!(ch.len(), 0);
    assert_eq!(in_task(move || ch.recv()), (0, 7));
    sender.join().unwrap();
    assert!(sent.load(Ordering::SeqCst));
    ch.release();
}

#[test]
fn rendezvous_try_ops_need_a_waiting_partner() {
    let ch = Ch::new(0);
    assert!(!ch.try_send(1), "nobody receives");
    assert_eq!(ch.try_recv(), None, "nobody sends");
    // A parked receiver (a task): try_send succeeds once it waits.
    let receiver = sched::spawn(move || ch.recv());
    let start = Instant::now();
    while !ch.try_send(42) {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(receiver.join(), Ok((0, 42)));
    // A parked sender (an OS thread): try_recv succeeds once it waits.
    let sender = os_thread(move || ch.send(43));
    let got = loop {
        if let Some(v) = in_task(move || ch.try_recv()) {
            break v;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(got, 43);
    assert_eq!(sender.join().unwrap(), 0);
    ch.release();
}

#[test]
fn recv_timeout_from_tasks_and_threads() {
    let ch = Ch::new(0);
    for in_green in [true, false] {
        let f = move || {
            let start = Instant::now();
            let r = ch.recv_timeout(30);
            (r.0, start.elapsed())
        };
        let (status, waited) = if in_green { in_task(f) } else { f() };
        assert_eq!(status, 3, "timed out");
        assert!(waited >= Duration::from_millis(30), "{waited:?}");
    }
    assert_eq!(ch.recv_timeout(0).0, 3, "nothing ready");
    let sender = os_thread(move || {
        std::thread::sleep(Duration::from_millis(10));
        ch.send(5)
    });
    assert_eq!(in_task(move || ch.recv_timeout(10_000)), (0, 5));
    assert_eq!(sender.join().unwrap(), 0);
    let closer = os_thread(move || {
        std::thread::sleep(Duration::from_millis(10));
        ch.close();
    });
    assert_eq!(in_task(move || ch.recv_timeout(10_000)).0, 1);
    closer.join().unwrap();
    ch.release();
}

#[test]
fn for_loop_receives_until_closed() {
    let ch = Ch::new(3);
    let producer = os_thread(move || {
        for i in 1..=50 {
            assert_eq!(ch.send(i), 0);
        }
        ch.close();
    });
    assert_eq!(in_task(move || ch.drain()), (1..=50).collect::<Vec<_>>());
    producer.join().unwrap();
    ch.release();
}

#[test]
fn destroy_releases_buffered_values() {
    RELEASED.store(0, Ordering::SeqCst);
    let ch = Ch::with_glue(8, &COUNTED);
    for i in 0..5 {
        ch.send(i);
    }
    unsafe { weft_rt_channel_destroy(ch.0, None) };
    assert_eq!(RELEASED.load(Ordering::SeqCst), 5);
    ch.release();
}

#[test]
fn release_frees_buffered_values() {
    RELEASED.store(0, Ordering::SeqCst);
    let ch = Ch::with_glue(8, &COUNTED);
    for i in 0..3 {
        ch.send(i);
    }
    unsafe { weft_rt_channel_retain(ch.0) };
    ch.release();
    assert_eq!(RELEASED.load(Ordering::SeqCst), 0, "still referenced");
    ch.release();
    assert_eq!(RELEASED.load(Ordering::SeqCst), 3);
}

#[test]
fn negative_capacity_is_an_error_message() {
    let mut err: *mut c_void = ptr::null_mut();
    let ch = unsafe { weft_rt_channel_new(-3, &I64, (&mut err as *mut *mut c_void).cast()) };
    assert!(ch.is_null());
    assert!(!err.is_null());
    let text = unsafe {
        let len = *(err as *const i64).add(1) as usize;
        std::slice::from_raw_parts((err as *const u8).add(16), len).to_vec()
    };
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "channel capacity must not be negative (got -3)"
    );
}

#[test]
fn cancelled_senders_and_receivers_return_2() {
    let ch = Ch::new(0);
    let r = sched::spawn(move || ch.recv().0);
    let s = sched::spawn(move || {
        std::thread::sleep(Duration::from_millis(1));
        ch.send(1)
    });
    std::thread::sleep(Duration::from_millis(30));
    // One of them may have met the other; cancel both and check the statuses agree.
    r.cancel();
    s.cancel();
    let (rs, ss) = (r.join(), s.join());
    match (rs, ss) {
        (Ok(0), Ok(0)) => {}
        (Ok(2), Ok(2)) | (Ok(2), Err(_)) | (Err(_), Ok(2)) | (Err(_), Err(_)) => {}
        other => panic!("{other:?}"),
    }
    ch.release();
}

fn case(ch: Ch, op: i32, value: *mut i64, status: *mut i32) -> SelectCase {
    SelectCase {
        ch: ch.0.cast(),
        op,
        value: value.cast(),
        status,
    }
}

#[test]
fn select_picks_ready_cases_at_random() {
    let (a, b) = (Ch::new(1000), Ch::new(1000));
    for i in 0..200 {
        a.send(i);
        b.send(i);
    }
    let mut hits = [0; 2];
    for _ in 0..200 {
        let (mut va, mut vb) = (0i64, 0i64);
        let (mut sa, mut sb) = (-1, -1);
        let cases = [case(a, 0, &mut va, &mut sa), case(b, 0, &mut vb, &mut sb)];
        let i = unsafe { weft_rt_select(cases.as_ptr().cast(), 2, -1, false, None) };
        assert!(i == 0 || i == 1);
        assert_eq!([sa, sb][i as usize], 0);
        hits[i as usize] += 1;
    }
    assert!(hits[0] > 20 && hits[1] > 20, "{hits:?}");
    a.release();
    b.release();
}

#[test]
fn select_default_timeout_send_and_close() {
    let (a, b) = (Ch::new(0), Ch::new(1));
    let mut v = 0i64;
    let mut s = -1;
    // Nothing ready: default.
    let cases = [case(a, 0, &mut v, &mut s)];
    assert_eq!(
        unsafe { weft_rt_select(cases.as_ptr().cast(), 1, -1, true, None) },
        1
    );
    // Timeout.
    let start = Instant::now();
    assert_eq!(
        unsafe { weft_rt_select(cases.as_ptr().cast(), 1, 20, false, None) },
        1
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    // A send case into buffer room.
    let mut x = 9i64;
    let cases = [case(a, 0, &mut v, &mut s), case(b, 1, &mut x, &mut s)];
    assert_eq!(
        unsafe { weft_rt_select(cases.as_ptr().cast(), 2, -1, false, None) },
        1
    );
    assert_eq!(s, 0);
    assert_eq!(b.recv(), (0, 9));
    // A parked select woken by a later sender (an OS thread) and by a close.
    let sender = os_thread(move || {
        std::thread::sleep(Duration::from_millis(10));
        a.send(77)
    });
    let (i, got, st) = in_task(move || {
        let mut v = 0i64;
        let mut s = -1;
        let mut y = 1i64;
        let full = b;
        full.send(1);
        let cases = [
            case(a, 0, &mut v, &mut s),
            case(full, 1, &mut y, ptr::null_mut()),
        ];
        let i = unsafe { weft_rt_select(cases.as_ptr().cast(), 2, -1, false, None) };
        (i, v, s)
    });
    assert_eq!((i, got, st), (0, 77, 0));
    assert_eq!(sender.join().unwrap(), 0);
    assert_eq!(b.recv(), (0, 1));
    let closer = os_thread(move || {
        std::thread::sleep(Duration::from_millis(10));
        a.close();
    });
    let (i, st) = in_task(move || {
        let mut v = 0i64;
        let mut s = -1;
        let cases = [case(a, 0, &mut v, &mut s)];
        (
            unsafe { weft_rt_select(cases.as_ptr().cast(), 1, -1, false, None) },
            s,
        )
    });
    assert_eq!((i, st), (0, 1), "closed");
    closer.join().unwrap();
    a.release();
    b.release();
}

#[test]
fn select_rendezvous_between_two_selects() {
    let ch = Ch::new(0);
    let receiver = sched::spawn(move || {
        let mut v = 0i64;
        let mut s = -1;
        let cases = [case(ch, 0, &mut v, &mut s)];
        let i = unsafe { weft_rt_select(cases.as_ptr().cast(), 1, -1, false, None) };
        (i, v, s)
    });
    let sender = os_thread(move || {
        let mut x = 5i64;
        let mut s = -1;
        let cases = [case(ch, 1, &mut x, &mut s)];
        let i = unsafe { weft_rt_select(cases.as_ptr().cast(), 1, -1, false, None) };
        (i, s)
    });
    assert_eq!(receiver.join(), Ok((0, 5, 0)));
    assert_eq!(sender.join().unwrap(), (0, 0));
    ch.release();
}

/// 8 OS threads and 1,000 green tasks share one channel, which main closes midway: every
/// value whose send succeeded is received exactly once (sum and count), none other is.
fn stress(cap: i64) {
    let ch = Ch::new(cap);
    static SENT_SUM: AtomicI64 = AtomicI64::new(0);
    static SENT_N: AtomicI64 = AtomicI64::new(0);
    static RECV_SUM: AtomicI64 = AtomicI64::new(0);
    static RECV_N: AtomicI64 = AtomicI64::new(0);
    for a in [&SENT_SUM, &SENT_N, &RECV_SUM, &RECV_N] {
        a.store(0, Ordering::SeqCst);
    }
    fn produce(ch: Ch, id: i64) {
        let mut i = 0;
        loop {
            let v = id * 1_000_000 + i;
            match ch.send(v) {
                0 => {
                    SENT_SUM.fetch_add(v, Ordering::SeqCst);
                    SENT_N.fetch_add(1, Ordering::SeqCst);
                }
                1 => return,
                s => panic!("send status {s}"),
            }
            i += 1;
            if i % 64 == 0 {
                sched::yield_now();
            }
        }
    }
    fn consume(ch: Ch) {
        loop {
            match ch.recv() {
                (0, v) => {
                    RECV_SUM.fetch_add(v, Ordering::SeqCst);
                    RECV_N.fetch_add(1, Ordering::SeqCst);
                }
                (1, _) => return,
                (s, _) => panic!("recv status {s}"),
            }
        }
    }
    let mut threads = Vec::new();
    for t in 0..8 {
        threads.push(os_thread(move || {
            if t % 2 == 0 {
                produce(ch, 10_000 + t)
            } else {
                consume(ch)
            }
        }));
    }
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            sched::spawn(move || {
                if i % 2 == 0 {
                    produce(ch, i)
                } else {
                    consume(ch)
                }
            })
        })
        .collect();
    while RECV_N.load(Ordering::SeqCst) < 200_000 {
        std::thread::sleep(Duration::from_millis(1));
    }
    ch.close();
    for t in tasks {
        t.join().unwrap();
    }
    for t in threads {
        t.join().unwrap();
    }
    assert!(SENT_N.load(Ordering::SeqCst) >= 200_000);
    assert_eq!(RECV_N.load(Ordering::SeqCst), SENT_N.load(Ordering::SeqCst));
    assert_eq!(
        RECV_SUM.load(Ordering::SeqCst),
        SENT_SUM.load(Ordering::SeqCst)
    );
    ch.release();
}

static STRESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn stress_threads_and_tasks_on_a_buffered_channel_closed_midway() {
    let _one_at_a_time = STRESS.lock().unwrap_or_else(|e| e.into_inner());
    stress(16);
}

#[test]
fn stress_threads_and_tasks_on_a_rendezvous_channel_closed_midway() {
    let _one_at_a_time = STRESS.lock().unwrap_or_else(|e| e.into_inner());
    stress(0);
}
