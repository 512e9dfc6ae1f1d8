//! Channel and lock benchmarks, driven through the C ABI as compiled Weft programs use it.
//!
//! `cargo run --release -p weft_rt --example sync_bench` runs every benchmark in its own
//! process with `WEFT_THREADS=1` and `WEFT_THREADS=2` and prints a table (best of several
//! runs each: the machine is shared and noisy). `sync_bench <name>` runs one benchmark in
//! this process, inside `weft_rt_start` (so `main` is a green task as in a Weft program).
//!
//! - `pingpong`: 2 tasks, 1M round trips over two rendezvous channels (ns per round trip);
//! - `ring`: 503 tasks in a ring of rendezvous channels, 10M passes (ns per hop);
//! - `mpmc`: 4 producers × 4 consumers on one capacity-128 channel, 10M messages (ns per
//!   message);
//! - `mutex`: 4 tasks × 1M increments under one mutex (ns per lock + unlock);
//! - `uncontended`: one task, lock + unlock (ns);
//! - `buffered`: one task, send + recv on a buffered channel (ns).

use std::ffi::c_void;
use std::process::Command;
use std::ptr;
use std::sync::Mutex;
use std::time::Instant;

use weft_rt::abi::sync::*;
use weft_rt::abi::task::*;
use weft_rt::obj::rc::WeftGlue;

const BENCHES: [&str; 6] = [
    "pingpong",
    "ring",
    "mpmc",
    "mutex",
    "uncontended",
    "buffered",
];
static I64: WeftGlue = WeftGlue::plain(8, 8);
const NAME: *const i8 = c"bench".as_ptr();

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1) {
        Some(name) => run_one(name),
        None => run_all(&args[0]),
    }
}

fn run_all(exe: &str) {
    println!("{:<12} {:>8} {:>44}", "benchmark", "threads", "result");
    for bench in BENCHES {
        for threads in ["1", "2"] {
            let out = Command::new(exe)
                .arg(bench)
                .env("WEFT_THREADS", threads)
                .output()
                .expect("run child");
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text.lines().last().unwrap_or("(no output)");
            println!("{bench:<12} {threads:>8} {line:>44}");
            if !out.status.success() {
                eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}

static BENCH: Mutex<String> = Mutex::new(String::new());

fn run_one(name: &str) {
    *BENCH.lock().unwrap() = name.to_owned();
    extern "C-unwind" fn weft_main() -> i32 {
        let name = BENCH.lock().unwrap().clone();
        let result = match name.as_str() {
            "pingpong" => best_of(5, pingpong),
            "ring" => best_of(3, ring),
            "mpmc" => best_of(3, mpmc),
            "mutex" => best_of(5, mutex_contended),
            "uncontended" => best_of(5, uncontended),
            "buffered" => best_of(5, buffered),
            other => format!("unknown benchmark {other}"),
        };
        println!("{result}");
        0
    }
    // SAFETY: called once, first, with no arguments.
    unsafe { weft_rt_start(0, ptr::null(), weft_main) };
}

/// Runs `f` `n` times and keeps the fastest result (ns per operation).
fn best_of(n: usize, f: fn() -> (f64, &'static str)) -> String {
    let mut best = f64::MAX;
    let mut unit = "";
    for _ in 0..n {
        let (ns, u) = f();
        best = best.min(ns);
        unit = u;
    }
    format!("{best:.1} ns per {unit} (best of {n})")
}

unsafe fn spawn(
    entry: unsafe extern "C-unwind" fn(*mut c_void, *mut c_void),
    env: *mut c_void,
) -> *mut c_void {
    weft_rt_task_spawn(entry, env, 8, None, 0, 0, NAME)
}

unsafe fn join_all(tasks: Vec<*mut c_void>) -> i64 {
    let mut sum = 0;
    for t in tasks {
        let mut r = 0i64;
        assert_eq!(weft_rt_task_join(t, (&mut r as *mut i64).cast(), None), 0);
        weft_rt_task_release(t);
        sum += r;
    }
    sum
}

unsafe fn new_chan(cap: i64) -> *mut c_void {
    let ch = weft_rt_channel_new(cap, &I64, ptr::null_mut());
    assert!(!ch.is_null());
    ch
}

unsafe fn send(ch: *mut c_void, v: i64) -> i32 {
    weft_rt_channel_send(ch, (&v as *const i64).cast(), None)
}

unsafe fn recv(ch: *mut c_void) -> Option<i64> {
    let mut v = 0i64;
    (weft_rt_channel_recv(ch, (&mut v as *mut i64).cast(), None) == 0).then_some(v)
}

// ---- ping-pong -------------------------------------------------------------------------

const ROUND_TRIPS: i64 = 1_000_000;

struct Pair {
    ping: *mut c_void,
    pong: *mut c_void,
}

unsafe extern "C-unwind" fn ponger(env: *mut c_void, _: *mut c_void) {
    let p = &*env.cast::<Pair>();
    while let Some(v) = recv(p.ping) {
        send(p.pong, v + 1);
    }
}

unsafe extern "C-unwind" fn pinger(env: *mut c_void, slot: *mut c_void) {
    let p = &*env.cast::<Pair>();
    let mut v = 0;
    for _ in 0..ROUND_TRIPS {
        send(p.ping, v);
        v = recv(p.pong).unwrap();
    }
    weft_rt_channel_close(p.ping, None);
    slot.cast::<i64>().write(v);
}

fn pingpong() -> (f64, &'static str) {
    // SAFETY: the ABI contract.
    unsafe {
        let pair = Pair {
            ping: new_chan(0),
            pong: new_chan(0),
        };
        let env = (&pair as *const Pair).cast_mut().cast();
        let start = Instant::now();
        let tasks = vec![spawn(pinger, env), spawn(ponger, env)];
        let v = join_all(tasks);
        let ns = start.elapsed().as_nanos() as f64 / ROUND_TRIPS as f64;
        assert_eq!(v, ROUND_TRIPS);
        weft_rt_channel_release(pair.ping);
        weft_rt_channel_release(pair.pong);
        (ns, "round trip")
    }
}

// ---- thread ring -----------------------------------------------------------------------

const RING: usize = 503;
const PASSES: i64 = 10_000_000;

struct Ring {
    chans: Vec<*mut c_void>,
}

unsafe extern "C-unwind" fn ring_member(env: *mut c_void, slot: *mut c_void) {
    let (ring, i) = &*env.cast::<(*const Ring, usize)>();
    let ring = &**ring;
    let (me, next) = (ring.chans[*i], ring.chans[(*i + 1) % RING]);
    let mut hops = 0i64;
    while let Some(token) = recv(me) {
        hops += 1;
        if token == 0 {
            for &ch in &ring.chans {
                weft_rt_channel_close(ch, None);
            }
            break;
        }
        send(next, token - 1);
    }
    slot.cast::<i64>().write(hops);
}

fn ring() -> (f64, &'static str) {
    // SAFETY: the ABI contract.
    unsafe {
        let ring = Ring {
            chans: (0..RING).map(|_| new_chan(0)).collect(),
        };
        let envs: Vec<(*const Ring, usize)> =
            (0..RING).map(|i| (&ring as *const Ring, i)).collect();
        let start = Instant::now();
        let tasks: Vec<_> = envs
            .iter()
            .map(|e| {
                spawn(
                    ring_member,
                    (e as *const (*const Ring, usize)).cast_mut().cast(),
                )
            })
            .collect();
        send(ring.chans[0], PASSES);
        let hops = join_all(tasks);
        let ns = start.elapsed().as_nanos() as f64 / PASSES as f64;
        assert_eq!(hops, PASSES + 1);
        for ch in ring.chans {
            weft_rt_channel_release(ch);
        }
        (ns, "hop")
    }
}

// ---- mpmc ------------------------------------------------------------------------------

const MESSAGES: i64 = 10_000_000;
const PRODUCERS: i64 = 4;
const CONSUMERS: i64 = 4;

unsafe extern "C-unwind" fn producer(env: *mut c_void, slot: *mut c_void) {
    let ch = env;
    let per = MESSAGES / PRODUCERS;
    for i in 0..per {
        send(ch, i);
    }
    slot.cast::<i64>().write(0);
}

unsafe extern "C-unwind" fn consumer(env: *mut c_void, slot: *mut c_void) {
    let mut sum = 0i64;
    while let Some(v) = recv(env) {
        sum += v;
    }
    slot.cast::<i64>().write(sum);
}

fn mpmc() -> (f64, &'static str) {
    // SAFETY: the ABI contract.
    unsafe {
        let ch = new_chan(128);
        let start = Instant::now();
        let consumers: Vec<_> = (0..CONSUMERS).map(|_| spawn(consumer, ch)).collect();
        let producers: Vec<_> = (0..PRODUCERS).map(|_| spawn(producer, ch)).collect();
        join_all(producers);
        weft_rt_channel_close(ch, None);
        let sum = join_all(consumers);
        let ns = start.elapsed().as_nanos() as f64 / MESSAGES as f64;
        let per = MESSAGES / PRODUCERS;
        assert_eq!(sum, PRODUCERS * per * (per - 1) / 2);
        weft_rt_channel_release(ch);
        (ns, "message")
    }
}

// ---- mutexes ---------------------------------------------------------------------------

const INCREMENTS: i64 = 1_000_000;

unsafe extern "C-unwind" fn incrementer(env: *mut c_void, slot: *mut c_void) {
    let m = env;
    let value = weft_rt_mutex_value(m).cast::<i64>();
    for _ in 0..INCREMENTS {
        weft_rt_mutex_lock(m, None);
        *value += 1;
        weft_rt_mutex_unlock(m, None);
    }
    slot.cast::<i64>().write(0);
}

fn mutex_contended() -> (f64, &'static str) {
    // SAFETY: the ABI contract.
    unsafe {
        let zero = 0i64;
        let m = weft_rt_mutex_new(&I64, (&zero as *const i64).cast());
        let start = Instant::now();
        let tasks: Vec<_> = (0..4).map(|_| spawn(incrementer, m)).collect();
        join_all(tasks);
        let ns = start.elapsed().as_nanos() as f64 / (4 * INCREMENTS) as f64;
        assert_eq!(*weft_rt_mutex_value(m).cast::<i64>(), 4 * INCREMENTS);
        weft_rt_mutex_release(m);
        (ns, "lock+unlock (4 tasks)")
    }
}

fn uncontended() -> (f64, &'static str) {
    const N: u32 = 10_000_000;
    // SAFETY: the ABI contract.
    unsafe {
        let m = weft_rt_mutex_new(ptr::null(), ptr::null());
        let start = Instant::now();
        for _ in 0..N {
            weft_rt_mutex_lock(m, None);
            weft_rt_mutex_unlock(m, None);
        }
        let ns = start.elapsed().as_nanos() as f64 / N as f64;
        weft_rt_mutex_release(m);
        (ns, "uncontended lock+unlock")
    }
}

fn buffered() -> (f64, &'static str) {
    const N: i64 = 10_000_000;
    // SAFETY: the ABI contract.
    unsafe {
        let ch = new_chan(16);
        let start = Instant::now();
        let mut sum = 0;
        for i in 0..N {
            send(ch, i);
            sum += recv(ch).unwrap();
        }
        let ns = start.elapsed().as_nanos() as f64 / N as f64;
        assert_eq!(sum, N * (N - 1) / 2);
        weft_rt_channel_release(ch);
        (ns, "send+recv (one task)")
    }
}
