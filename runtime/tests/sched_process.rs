//! Whole-process behaviour of the scheduler: each scenario is a tiny "program" run through
//! `weft_rt_start` (so the process's own thread is worker 0 and `main` is a green task, as in
//! a compiled Weft program) in a child process of this binary, and checked for its exit
//! code, stdout and stderr: the yield order, the drain at exit, joins from main and from OS
//! threads, deadlock reports, panics, the fatal stack-overflow and segfault messages, a
//! burst of ready sockets polled by a busy worker, a socket beside tasks that keep yielding,
//! and idle workers backing off their looks.
//!
//! `cargo test --test sched_process [filter]`; scenarios inherit `WEFT_THREADS` unless they
//! pin it.

mod common;

use common::process::Scenario;
use std::ffi::c_void;
use std::hint::black_box;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use weft_rt::abi::task::*;
use weft_rt::sched::{self, Waiter};

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "yield_order_with_one_worker",
        main: yield_order,
        env: &[("WEFT_THREADS", "1")],
        code: 7,
        stdout: Some("A1\nB1\nA2\nB2\n"),
        stderr: &[],
    },
    Scenario {
        name: "drain_waits_for_tasks_but_not_daemons",
        main: drain,
        env: &[],
        code: 3,
        stdout: Some("main done\nlate\n"),
        stderr: &[],
    },
    Scenario {
        name: "joins_from_main_and_an_os_thread",
        main: joins,
        env: &[],
        code: 0,
        stdout: Some("thread 5\nmain 5\n"),
        stderr: &[],
    },
    Scenario {
        name: "deadlock_before_main_returns",
        main: deadlock_in_main,
        env: &[],
        code: 2,
        stdout: Some("before\n"),
        stderr: &[
            "fatal: deadlock: all tasks are asleep\n  task main: awaiting a task\n",
            "  task app.weft:3:1: receiving from a channel\n",
        ],
    },
    Scenario {
        name: "deadlock_after_main_returned",
        main: deadlock_after_main,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["fatal: deadlock: all tasks are asleep\n  task app.weft:3:1: receiving from a channel\n"],
    },
    Scenario {
        name: "deadlock_lists_every_parked_task_and_thread",
        main: deadlock_many,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["  task app.weft:9:9: sleeping forever\n", "  thread joiner: awaiting a task\n"],
    },
    Scenario {
        name: "detached_panic_exits_101",
        main: detached_panic,
        env: &[],
        code: 101,
        stdout: Some(""),
        stderr: &["panic: boom\n  at app.weft:7:3 (task app.weft:2:5)\n"],
    },
    Scenario {
        name: "detached_panic_is_logged_with_weft_task_panic_log",
        main: detached_panic,
        env: &[("WEFT_TASK_PANIC", "log")],
        code: 0,
        stdout: Some("survived\n"),
        stderr: &["panic: boom\n  at app.weft:7:3 (task app.weft:2:5)\n"],
    },
    Scenario {
        name: "main_panic_exits_101",
        main: main_panic,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: bad\n  at app.weft:1:1 (task main)\n"],
    },
    Scenario {
        name: "thread_panic_exits_101",
        main: thread_panic,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: bad\n  at app.weft:1:1 (thread helper)\n"],
    },
    Scenario {
        name: "task_stack_overflow_is_reported",
        main: task_overflow,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["fatal: stack overflow in task app.weft:5:1 (64 KiB stack); use Task.spawnWithStack(...)\n"],
    },
    Scenario {
        name: "task_stack_overflow_names_the_stack_size",
        main: task_overflow,
        env: &[("WEFT_STACK_SIZE", "128k")],
        code: 2,
        stdout: None,
        stderr: &["fatal: stack overflow in task app.weft:5:1 (128 KiB stack)"],
    },
    Scenario {
        name: "main_stack_overflow_hits_the_guard_page",
        main: main_overflow,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["fatal: stack overflow in task main\n"],
    },
    Scenario {
        name: "thread_stack_overflow_hits_the_guard_page",
        main: thread_overflow,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["fatal: stack overflow in thread deep\n"],
    },
    Scenario {
        name: "segfault_is_reported",
        main: segfault,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &["fatal: segmentation fault at 0x10\n"],
    },
    Scenario {
        name: "a_burst_of_ready_sockets_stays_out_of_the_global_queue",
        main: burst_of_ready_sockets,
        env: &[("WEFT_THREADS", "1")],
        code: 0,
        stdout: Some("served 600, global queue at most 0\n"),
        stderr: &[],
    },
    Scenario {
        name: "a_socket_is_served_while_a_full_queue_of_tasks_yields",
        main: socket_beside_yielders,
        env: &[("WEFT_THREADS", "1")],
        code: 0,
        stdout: Some("served while 200 tasks yield\n"),
        stderr: &[],
    },
    Scenario {
        name: "idle_workers_back_off_their_looks",
        main: idle_looks,
        env: &[("WEFT_THREADS", "2")],
        code: 0,
        stdout: Some("few wake-ups while idle\n"),
        stderr: &[],
    },
];

fn main() {
    common::process::main(SCENARIOS);
}

type Entry = unsafe extern "C-unwind" fn(*mut c_void, *mut c_void);

unsafe fn spawn(
    entry: Entry,
    env: usize,
    flags: u32,
    name: &'static std::ffi::CStr,
) -> *mut c_void {
    weft_rt_task_spawn(entry, env as *mut c_void, 8, None, 0, flags, name.as_ptr())
}

fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).unwrap();
    out.flush().unwrap();
}

unsafe extern "C-unwind" fn print_yield_print(env: *mut c_void, _: *mut c_void) {
    let name = if env.is_null() { "A" } else { "B" };
    say(&format!("{name}1\n"));
    weft_rt_yield();
    say(&format!("{name}2\n"));
}

extern "C-unwind" fn yield_order() -> i32 {
    // SAFETY: ABI contract.
    unsafe {
        weft_rt_task_release(spawn(print_yield_print, 0, 1, c"a"));
        weft_rt_task_release(spawn(print_yield_print, 1, 1, c"b"));
    }
    7
}

unsafe extern "C-unwind" fn sleep_and_say(env: *mut c_void, _: *mut c_void) {
    weft_rt_sleep_ms(env as i64);
    say("late\n");
}

extern "C-unwind" fn drain() -> i32 {
    // SAFETY: ABI contract.
    unsafe {
        weft_rt_task_release(spawn(sleep_and_say, 50, 1, c"late"));
        weft_rt_task_release(spawn(sleep_and_say, 60_000, 2, c"daemon"));
    }
    say("main done\n");
    3
}

unsafe extern "C-unwind" fn five(_: *mut c_void, slot: *mut c_void) {
    weft_rt_sleep_ms(20);
    slot.cast::<i64>().write(5);
}

static FROM_THREAD: AtomicI64 = AtomicI64::new(0);

extern "C-unwind" fn joins() -> i32 {
    // SAFETY: ABI contract; each joiner holds its own count.
    unsafe {
        let t = spawn(five, 0, 0, c"five");
        weft_rt_task_retain(t);
        let addr = t as usize;
        std::thread::spawn(move || {
            let mut r = 0i64;
            weft_rt_task_join(addr as *mut c_void, (&mut r as *mut i64).cast(), None);
            weft_rt_task_release(addr as *mut c_void);
            FROM_THREAD.store(r, Ordering::SeqCst);
        });
        // A green task must not block its worker on an OS thread: poll, parking the task.
        while FROM_THREAD.load(Ordering::SeqCst) == 0 {
            weft_rt_sleep_ms(1);
        }
        say(&format!("thread {}\n", FROM_THREAD.load(Ordering::SeqCst)));
        let mut r = 0i64;
        weft_rt_task_join(t, (&mut r as *mut i64).cast(), None);
        weft_rt_task_release(t);
        say(&format!("main {r}\n"));
    }
    0
}

unsafe extern "C-unwind" fn park_forever(_: *mut c_void, _: *mut c_void) {
    Waiter::prepare(true).park("receiving from a channel", None);
}

extern "C-unwind" fn deadlock_in_main() -> i32 {
    say("before\n");
    // SAFETY: ABI contract.
    unsafe {
        let t = spawn(park_forever, 0, 0, c"app.weft:3:1");
        weft_rt_task_join(t, ptr::null_mut(), None);
    }
    say("unreachable\n");
    0
}

extern "C-unwind" fn deadlock_after_main() -> i32 {
    // SAFETY: ABI contract.
    unsafe { weft_rt_task_release(spawn(park_forever, 0, 1, c"app.weft:3:1")) };
    0
}

unsafe extern "C-unwind" fn sleep_forever(_: *mut c_void, _: *mut c_void) {
    Waiter::prepare(false).park("sleeping forever", None);
}

static JOINER_READY: AtomicBool = AtomicBool::new(false);

extern "C-unwind" fn deadlock_many() -> i32 {
    // SAFETY: ABI contract.
    unsafe {
        let mut last = 0usize;
        for _ in 0..100 {
            last = spawn(sleep_forever, 0, 0, c"app.weft:9:9") as usize;
        }
        std::thread::spawn(move || {
            sched::enter_os_thread("joiner");
            JOINER_READY.store(true, Ordering::SeqCst);
            weft_rt_task_join(last as *mut c_void, ptr::null_mut(), None)
        });
        // Main must not block its worker on the OS thread: poll, parking only the task.
        while !JOINER_READY.load(Ordering::SeqCst) {
            weft_rt_sleep_ms(1);
        }
    }
    0
}

unsafe extern "C-unwind" fn boom(_: *mut c_void, slot: *mut c_void) {
    // A null slot is the runtime's cleanup call after the failure (nothing to release).
    if !slot.is_null() {
        sched::panic_current("boom", "app.weft:7:3");
    }
}

extern "C-unwind" fn detached_panic() -> i32 {
    // SAFETY: ABI contract.
    unsafe {
        weft_rt_task_release(spawn(boom, 0, 1, c"app.weft:2:5"));
        weft_rt_sleep_ms(50);
    }
    say("survived\n");
    0
}

extern "C-unwind" fn main_panic() -> i32 {
    sched::panic_current("bad", "app.weft:1:1")
}

extern "C-unwind" fn thread_panic() -> i32 {
    let t = std::thread::spawn(|| {
        sched::enter_os_thread("helper");
        sched::panic_current("bad", "app.weft:1:1")
    });
    let _ = t.join();
    0
}

/// Recursion with the check the compiler emits in every prologue.
#[inline(never)]
fn checked_recurse(n: u64) -> u64 {
    let marker = 0u8;
    if (&marker as *const u8 as usize) < weft_rt::stack::limit() {
        weft_rt_stack_overflow();
    }
    let buf = black_box([n; 16]);
    checked_recurse(n + 1) + buf[1]
}

unsafe extern "C-unwind" fn overflow(_: *mut c_void, slot: *mut c_void) {
    slot.cast::<u64>().write(checked_recurse(0));
}

extern "C-unwind" fn task_overflow() -> i32 {
    // SAFETY: ABI contract.
    unsafe {
        let t = spawn(overflow, 0, 0, c"app.weft:5:1");
        weft_rt_task_join(t, ptr::null_mut(), None);
    }
    0
}

/// Recursion without any check: only a guard page stops it.
#[inline(never)]
#[allow(unconditional_recursion)]
fn unchecked_recurse(n: u64) -> u64 {
    let buf = black_box([n; 64]);
    unchecked_recurse(n + 1) + black_box(buf[1])
}

extern "C-unwind" fn main_overflow() -> i32 {
    unchecked_recurse(0) as i32
}

extern "C-unwind" fn thread_overflow() -> i32 {
    let t = std::thread::Builder::new()
        .name("deep".into())
        .stack_size(256 * 1024)
        .spawn(|| {
            sched::enter_os_thread("deep");
            unchecked_recurse(0)
        })
        .unwrap();
    t.join().unwrap() as i32
}

extern "C-unwind" fn segfault() -> i32 {
    // SAFETY: deliberately not: the handler must report the fault.
    unsafe { ptr::write_volatile(0x10 as *mut u64, 1) };
    0
}

/// A socket handle moved into a task (never released: the process ends with the scenario).
struct Conn(*mut weft_rt::net::TcpStream);
// SAFETY: socket handles are thread-safe.
unsafe impl Send for Conn {}

/// 600 sockets become readable at once, then the only worker stays busy (main yields in a
/// loop): the worker's polls fill its ring to half at most, so no woken task spills into
/// the global queue, which a busy worker serves only every 61st decision.
extern "C-unwind" fn burst_of_ready_sockets() -> i32 {
    use std::io::Write;
    use weft_rt::net::TcpListener;
    const CONNS: usize = 600;
    static PARKED: AtomicI64 = AtomicI64::new(0);
    static DONE: AtomicI64 = AtomicI64::new(0);
    static MAX_GLOBAL: AtomicI64 = AtomicI64::new(0);
    static GO: AtomicBool = AtomicBool::new(false);
    static WRITTEN: AtomicBool = AtomicBool::new(false);
    let listener = TcpListener::bind("127.0.0.1", 0).expect("bind");
    // SAFETY: a live handle, never released.
    let listener = unsafe { &*listener };
    let port = listener.port() as u16;
    let clients = std::thread::spawn(move || {
        let mut conns: Vec<_> = (0..CONNS)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !GO.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        for c in &mut conns {
            c.write_all(b"x").expect("write");
        }
        WRITTEN.store(true, Ordering::SeqCst);
        conns
    });
    for _ in 0..CONNS {
        let conn = Conn(listener.accept(None).expect("accept"));
        sched::spawn(move || {
            let conn = conn;
            PARKED.fetch_add(1, Ordering::SeqCst);
            // SAFETY: a live handle, never released.
            let n = unsafe { &*conn.0 }
                .recv_with(16, None, |b| b.len())
                .expect("recv");
            let global = weft_rt::sched::scheduler::rt().global.len() as i64;
            MAX_GLOBAL.fetch_max(global, Ordering::SeqCst);
            DONE.fetch_add(n as i64, Ordering::SeqCst);
        });
    }
    // Every task runs up to its `recv` and parks (one worker: they run in turn).
    let deadline = Instant::now() + Duration::from_secs(20);
    while PARKED.load(Ordering::SeqCst) < CONNS as i64 && Instant::now() < deadline {
        sched::yield_now();
    }
    for _ in 0..10 {
        sched::yield_now();
    }
    GO.store(true, Ordering::SeqCst);
    // Block the worker thread itself until every socket is readable: its first poll then
    // finds all 600 events at once.
    while !WRITTEN.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    while DONE.load(Ordering::SeqCst) < CONNS as i64 && Instant::now() < deadline {
        sched::yield_now();
    }
    drop(clients.join());
    println!(
        "served {}, global queue at most {}",
        DONE.load(Ordering::SeqCst),
        MAX_GLOBAL.load(Ordering::SeqCst)
    );
    0
}

/// A socket becomes readable while the only worker's queue holds 200 tasks that yield in
/// a loop (more than the half of its ring that a poll fills): a poll overdue by 1 ms takes
/// events anyway, so the task parked on the socket is served while they yield.
extern "C-unwind" fn socket_beside_yielders() -> i32 {
    use std::io::Write;
    use weft_rt::net::TcpListener;
    const YIELDERS: usize = 200;
    static STOP: AtomicBool = AtomicBool::new(false);
    static SERVED: AtomicBool = AtomicBool::new(false);
    static GO: AtomicBool = AtomicBool::new(false);
    let listener = TcpListener::bind("127.0.0.1", 0).expect("bind");
    // SAFETY: a live handle, never released.
    let listener = unsafe { &*listener };
    let port = listener.port() as u16;
    let deadline = Instant::now() + Duration::from_secs(5);
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        while !GO.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        c.write_all(b"x").expect("write");
        c
    });
    let conn = Conn(listener.accept(None).expect("accept"));
    sched::spawn(move || {
        let conn = conn;
        // SAFETY: a live handle, never released.
        unsafe { &*conn.0 }
            .recv_with(16, None, |b| b.len())
            .expect("recv");
        SERVED.store(true, Ordering::SeqCst);
    });
    for _ in 0..YIELDERS {
        sched::spawn(move || {
            while !STOP.load(Ordering::SeqCst) && Instant::now() < deadline {
                sched::yield_now();
            }
        });
    }
    sched::yield_now();
    GO.store(true, Ordering::SeqCst);
    while !SERVED.load(Ordering::SeqCst) && Instant::now() < deadline {
        sched::yield_now();
    }
    STOP.store(true, Ordering::SeqCst);
    drop(client.join());
    if SERVED.load(Ordering::SeqCst) {
        println!("served while {YIELDERS} tasks yield");
    } else {
        println!("not served in 5 s while {YIELDERS} tasks yield");
    }
    0
}

/// Voluntary context switches of every thread of this process so far.
fn voluntary_switches() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .sum()
}

/// While main sleeps 600 ms and nothing else runs, the two workers' looks back off from
/// 10 ms (they woke 60 times each in 600 ms before).
extern "C-unwind" fn idle_looks() -> i32 {
    let before = voluntary_switches();
    weft_rt_sleep_ms(600);
    let woke = voluntary_switches() - before;
    if woke <= 40 {
        println!("few wake-ups while idle");
    } else {
        println!("{woke} wake-ups in 600 ms while idle");
    }
    0
}
