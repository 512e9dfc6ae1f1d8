//! `select` through the C ABI and the runtime's Rust entry, from green tasks and OS threads
//! in any mix (docs/reference.md 6.10, docs/runtime.md section 9): selects racing for the
//! same channels (no value lost or delivered twice), selects meeting selects, the uniform
//! choice among ready cases, ownership of send values on every way out, and cancellation
//! of a parked select. Every assertion holds under any `WEFT_THREADS`; `cargo xtask stress`
//! repeats the racing tests (their names contain `stress`).

mod common;

use std::ptr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use common::channel::Ch;
use common::{counting, counts, os_thread};
use weft_rt::abi::sync::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::sched;
use weft_rt::sync::select::{self, SelectCase, OP_RECV, OP_SEND, SELECT_CANCELLED};

fn case(ch: Ch, op: i32, value: *mut i64, status: *mut i32) -> SelectCase {
    SelectCase {
        ch: ch.0.cast(),
        op,
        value: value.cast(),
        status,
    }
}

/// A receiving select over `chans`: `(index, status, value)`.
fn select_recv(chans: &[Ch], timeout_ms: i64, has_default: bool) -> (i64, i32, i64) {
    let mut vals = vec![0i64; chans.len()];
    let mut status = vec![-1i32; chans.len()];
    let cases: Vec<SelectCase> = chans
        .iter()
        .enumerate()
        .map(|(k, &c)| case(c, OP_RECV, &mut vals[k], &mut status[k]))
        .collect();
    let n = cases.len() as i64;
    let i = unsafe { weft_rt_select(cases.as_ptr(), n, timeout_ms, has_default, None) };
    if (0..n).contains(&i) {
        (i, status[i as usize], vals[i as usize])
    } else {
        (i, -1, 0)
    }
}

/// Senders (2 tasks, 2 OS threads) feed two channels of capacity `cap` with distinct values
/// while receivers (2 tasks, 2 OS threads) each select over both until both are closed:
/// every value is received exactly once (count and sum), whichever select won it.
fn racing_selects(cap: i64) {
    const PER_SENDER: i64 = 5_000;
    let chans = [Ch::new(cap), Ch::new(cap)];
    let got_n = std::sync::Arc::new(AtomicI64::new(0));
    let got_sum = std::sync::Arc::new(AtomicI64::new(0));
    let receive = {
        let (got_n, got_sum) = (got_n.clone(), got_sum.clone());
        move || {
            let mut open = chans.to_vec();
            while !open.is_empty() {
                let (i, st, v) = select_recv(&open, -1, false);
                match st {
                    0 => {
                        got_n.fetch_add(1, Ordering::Relaxed);
                        got_sum.fetch_add(v, Ordering::Relaxed);
                    }
                    1 => {
                        open.remove(i as usize);
                    }
                    s => panic!("status {s}"),
                }
            }
        }
    };
    let rtasks: Vec<_> = (0..2).map(|_| sched::spawn(receive.clone())).collect();
    let rthreads: Vec<_> = (0..2).map(|_| os_thread(receive.clone())).collect();
    let send = move |id: i64| {
        for k in 0..PER_SENDER {
            let v = id * PER_SENDER + k + 1;
            assert_eq!(chans[(v % 2) as usize].send(v), 0);
        }
    };
    let stasks: Vec<_> = (0..2).map(|id| sched::spawn(move || send(id))).collect();
    let sthreads: Vec<_> = (2..4).map(|id| os_thread(move || send(id))).collect();
    for t in stasks {
        t.join().expect("sender task");
    }
    for t in sthreads {
        t.join().expect("sender thread");
    }
    chans[0].close();
    chans[1].close();
    for t in rtasks {
        t.join().expect("receiver task");
    }
    for t in rthreads {
        t.join().expect("receiver thread");
    }
    let n = 4 * PER_SENDER;
    assert_eq!(got_n.load(Ordering::Relaxed), n);
    assert_eq!(got_sum.load(Ordering::Relaxed), n * (n + 1) / 2);
    chans[0].release();
    chans[1].release();
}

#[test]
fn racing_selects_stress_rendezvous_channels() {
    racing_selects(0);
}

#[test]
fn racing_selects_stress_buffered_channels() {
    racing_selects(3);
}

/// Sending selects (each offering a value on both channels) meet receiving selects over
/// the same two rendezvous channels, from tasks and threads: each sent value is delivered
/// once, and the value each sending select did not send is released.
#[test]
fn selects_meet_selects() {
    static GLUE: WeftGlue = counting::<0>(8, None);
    const ROUNDS: i64 = 2_000;
    let chans = [Ch::with_glue(0, &GLUE), Ch::with_glue(0, &GLUE)];
    let (_, released_before) = counts(0);
    let sender = move || {
        let mut sent = 0;
        for k in 0..ROUNDS {
            let mut vals = [k + 1, k + 1];
            let mut status = [-1i32; 2];
            let cases = [
                case(chans[0], OP_SEND, &mut vals[0], &mut status[0]),
                case(chans[1], OP_SEND, &mut vals[1], &mut status[1]),
            ];
            let i = unsafe { weft_rt_select(cases.as_ptr(), 2, -1, false, None) };
            assert!(i == 0 || i == 1);
            assert_eq!(status[i as usize], 0);
            sent += k + 1;
        }
        sent
    };
    let receiver = move || {
        let mut sum = 0;
        for _ in 0..ROUNDS {
            let (i, st, v) = select_recv(&chans, -1, false);
            assert!((0..2).contains(&i));
            assert_eq!(st, 0);
            sum += v;
        }
        sum
    };
    let s1 = sched::spawn(sender);
    let s2 = os_thread(sender);
    let r1 = os_thread(receiver);
    let r2 = sched::spawn(receiver);
    let sent = s1.join().expect("sender") + s2.join().expect("sender");
    let got = r1.join().expect("receiver") + r2.join().expect("receiver");
    assert_eq!(sent, got);
    assert_eq!(sent, ROUNDS * (ROUNDS + 1));
    let (_, released_after) = counts(0);
    assert_eq!(
        released_after - released_before,
        2 * ROUNDS,
        "each sending select released the value it did not send"
    );
    chans[0].release();
    chans[1].release();
}

/// Among `n` always-ready cases, each is chosen about `1/n` of the time (two cases take a
/// path of their own in the shuffle).
fn ready_cases_are_chosen_uniformly(n: usize) {
    let chans: Vec<Ch> = (0..n).map(|_| Ch::new(4)).collect();
    const PER_CASE: usize = 1_000;
    let mut hits = vec![0usize; n];
    for _ in 0..PER_CASE * n {
        for &c in &chans {
            assert_eq!(c.send(1), 0);
        }
        let (i, st, _) = select_recv(&chans, -1, false);
        assert_eq!(st, 0);
        hits[i as usize] += 1;
        for (k, c) in chans.iter().enumerate() {
            if k != i as usize {
                assert_eq!(c.recv(), (0, 1));
            }
        }
    }
    // Expected 1,000 each, standard deviation at most about 26: 850..1150 is beyond 5
    // sigmas.
    for &h in &hits {
        assert!((850..1150).contains(&h), "{hits:?}");
    }
    for c in chans {
        c.release();
    }
}

#[test]
fn two_ready_cases_are_chosen_uniformly() {
    ready_cases_are_chosen_uniformly(2);
}

#[test]
fn three_ready_cases_are_chosen_uniformly() {
    ready_cases_are_chosen_uniformly(3);
}

/// Cases that share a channel: the select parks once in each case's queue, a partner
/// fires one of them, and no entry is left behind (a later send finds no receiver, and
/// the next select over the same cases works).
#[test]
fn cases_sharing_a_channel() {
    let a = Ch::new(0);
    let b = Ch::new(0);
    let chans = [a, b, a];
    for round in 0..50 {
        let sender = os_thread(move || {
            std::thread::sleep(Duration::from_millis(1));
            a.send(round)
        });
        let (i, st, v) = select_recv(&chans, -1, false);
        assert!(i == 0 || i == 2, "case {i} fired");
        assert_eq!((st, v), (0, round));
        assert_eq!(sender.join().unwrap(), 0);
        assert!(!a.try_send(7), "a stale entry took a value");
        assert!(!b.try_send(7), "a stale entry took a value");
    }
    a.release();
    b.release();
}

/// The values of send cases that do not fire are released on every way out: another
/// case firing, the default case, a timeout, a closed channel.
#[test]
fn unsent_values_are_released() {
    static GLUE: WeftGlue = counting::<1>(8, None);
    let full = Ch::with_glue(0, &GLUE);
    let ready = Ch::with_glue(1, &GLUE);
    let released = || counts(1).1;
    let run = |chans: [Ch; 2], timeout: i64, has_default: bool| {
        let mut vals = [1i64, 2];
        let cases = [
            case(chans[0], OP_SEND, &mut vals[0], ptr::null_mut()),
            case(chans[1], OP_SEND, &mut vals[1], ptr::null_mut()),
        ];
        unsafe { weft_rt_select(cases.as_ptr(), 2, timeout, has_default, None) }
    };
    let r0 = released();
    assert_eq!(run([full, ready], -1, false), 1, "the buffered case fires");
    assert_eq!(released() - r0, 1, "the other value is released");
    let r0 = released();
    assert_eq!(run([full, ready], -1, true), 2, "both full now: default");
    assert_eq!(released() - r0, 2);
    let r0 = released();
    let start = Instant::now();
    assert_eq!(run([full, ready], 15, false), 2, "timeout");
    assert!(start.elapsed() >= Duration::from_millis(15));
    assert_eq!(released() - r0, 2);
    full.close();
    let r0 = released();
    let i = run([full, ready], -1, false);
    assert_eq!(i, 0, "a closed channel's send case is ready");
    assert_eq!(
        released() - r0,
        2,
        "the closed case's value and the other one"
    );
    assert_eq!(ready.recv().0, 0);
    full.release();
    ready.release();
}

/// A task parked in a select returns promptly when cancelled (the Rust entry reports
/// SELECT_CANCELLED; the C entry panics `cancelled`, which ends the task as cancelled),
/// releasing its send values; a ready case still fires in a cancelled task.
#[test]
fn cancelling_a_parked_select() {
    static GLUE: WeftGlue = counting::<2>(8, None);
    static RESULT: AtomicI64 = AtomicI64::new(0);
    let a = Ch::with_glue(0, &GLUE);
    let b = Ch::with_glue(0, &GLUE);
    let r0 = counts(2).1;
    let t = sched::spawn(move || {
        let mut v = 0i64;
        let mut x = 5i64;
        let cases = [
            case(a, OP_RECV, &mut v, ptr::null_mut()),
            case(b, OP_SEND, &mut x, ptr::null_mut()),
        ];
        let i = unsafe { select::select(&cases, -1, false, None) };
        RESULT.store(i, Ordering::SeqCst);
    });
    std::thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    t.cancel();
    assert!(t.join().is_err(), "a cancelled task ends cancelled");
    assert_eq!(RESULT.load(Ordering::SeqCst), SELECT_CANCELLED);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(counts(2).1 - r0, 1, "the send value was released");
    // The C entry: the task ends cancelled.
    let t = sched::spawn(move || {
        let mut v = 0i64;
        let cases = [case(a, OP_RECV, &mut v, ptr::null_mut())];
        unsafe { weft_rt_select(cases.as_ptr(), 1, -1, false, None) }
    });
    std::thread::sleep(Duration::from_millis(20));
    t.cancel();
    assert!(t.join().is_err(), "ended as cancelled");
    // Already cancelled, but a case is ready: it fires.
    let sender = os_thread(move || {
        let mut x = 9i64;
        let cases = [case(a, OP_SEND, &mut x, ptr::null_mut())];
        unsafe { weft_rt_select(cases.as_ptr(), 1, -1, false, None) }
    });
    let t = sched::spawn(move || {
        while !sched::is_cancelled() {
            std::thread::sleep(Duration::from_millis(1));
        }
        // The sender is parked by now (or soon): poll until it is.
        loop {
            let mut v = 0i64;
            let cases = [case(a, OP_RECV, &mut v, ptr::null_mut())];
            let i = unsafe { select::select(&cases, 1, false, None) };
            if i == 0 {
                RESULT.store(v, Ordering::SeqCst);
                return;
            }
        }
    });
    t.cancel();
    assert!(t.join().is_err());
    assert_eq!(RESULT.load(Ordering::SeqCst), 9, "the ready case fired");
    assert_eq!(sender.join().unwrap(), 0);
    a.release();
    b.release();
}

/// A select with a timeout wakes on whichever comes first, from a task and a thread.
#[test]
fn timeouts_and_late_partners() {
    let ch = Ch::new(0);
    for in_task in [true, false] {
        let run = move || {
            let start = Instant::now();
            let (i, _, _) = select_recv(&[ch], 20, false);
            (i, start.elapsed())
        };
        let (i, took) = if in_task {
            sched::spawn(run).join().expect("task")
        } else {
            os_thread(run).join().unwrap()
        };
        assert_eq!(i, 1, "timed out");
        assert!(took >= Duration::from_millis(20));
        let sender = os_thread(move || {
            std::thread::sleep(Duration::from_millis(5));
            ch.send(3)
        });
        let got = if in_task {
            sched::spawn(move || select_recv(&[ch], 5_000, false))
                .join()
                .expect("task")
        } else {
            select_recv(&[ch], 5_000, false)
        };
        assert_eq!(got, (0, 0, 3));
        assert_eq!(sender.join().unwrap(), 0);
    }
    ch.release();
}
