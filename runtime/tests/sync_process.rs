//! Whole-process behaviour of the synchronization primitives and threads: lock misuse and
//! use of destroyed handles panic by name (exit 101 with the message and location), a
//! panicking thread nobody joins ends the process, a joined one does not, and tasks left
//! blocked on channels and locks are reported as a deadlock. Each scenario runs in a child
//! process of this binary through `weft_rt_start`, as a compiled Weft program does.
//!
//! `cargo test --test sync_process [filter]`; scenarios inherit `WEFT_THREADS`.

mod common;

use common::process::Scenario;
use std::ffi::c_void;
use std::ptr;

use weft_rt::abi::sync::*;
use weft_rt::abi::task::*;
use weft_rt::abi::thread::*;
use weft_rt::panic::WeftLoc;

static LOC: WeftLoc = WeftLoc::new(b"app.weft", 4, 2);
use common::I64;

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "relocking_a_mutex_panics",
        main: relock,
        env: &[],
        code: 101,
        stdout: Some(""),
        stderr: &["panic: mutex already locked by this task\n  at app.weft:4:2 (task main)\n"],
    },
    Scenario {
        name: "unlocking_an_unlocked_mutex_panics",
        main: unlock_unlocked,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: mutex not locked by this task\n  at app.weft:4:2 (task main)\n"],
    },
    Scenario {
        name: "unlocking_another_tasks_mutex_panics",
        main: unlock_foreign,
        env: &[],
        code: 101,
        stdout: Some("locked\n"),
        stderr: &["panic: mutex not locked by this task\n  at app.weft:4:2 (task main)\n"],
    },
    Scenario {
        name: "unlocking_a_threads_mutex_panics_in_a_task",
        main: unlock_thread_held,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: mutex not locked by this task"],
    },
    Scenario {
        name: "condvar_wait_without_the_mutex_panics",
        main: condvar_unlocked,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: mutex not locked by this task\n  at app.weft:4:2"],
    },
    Scenario {
        name: "use_of_destroyed_channel_panics",
        main: destroyed_channel,
        env: &[],
        code: 101,
        stdout: Some("closed 1\n"),
        stderr: &["panic: use of destroyed Channel\n  at app.weft:4:2 (task main)\n"],
    },
    Scenario {
        name: "use_of_destroyed_mutex_panics",
        main: destroyed_mutex,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: use of destroyed Mutex\n  at app.weft:4:2"],
    },
    Scenario {
        name: "use_of_destroyed_handles_panics_by_kind",
        main: destroyed_others,
        env: &[],
        code: 101,
        stdout: Some("RwLock ok\nCondvar ok\nWaitGroup ok\n"),
        stderr: &["panic: use of destroyed AtomicI64\n"],
    },
    Scenario {
        name: "negative_wait_group_counter_panics",
        main: negative_wait_group,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: negative WaitGroup counter\n  at app.weft:4:2"],
    },
    Scenario {
        name: "joining_a_thread_twice_panics",
        main: join_twice,
        env: &[],
        code: 101,
        stdout: Some("joined 0\n"),
        stderr: &["panic: thread already joined\n  at app.weft:4:2 (task main)\n"],
    },
    Scenario {
        name: "an_unjoined_thread_panic_exits_101",
        main: unjoined_thread_panic,
        env: &[],
        code: 101,
        stdout: None,
        stderr: &["panic: lost\n  at app.weft:4:2 (thread thread-"],
    },
    Scenario {
        name: "a_joined_thread_panic_is_delivered",
        main: joined_thread_panic,
        env: &[],
        code: 0,
        stdout: Some("status 1: caught\n"),
        stderr: &[],
    },
    Scenario {
        name: "lock_misuse_in_a_thread_is_delivered_to_its_joiner",
        main: thread_misuse_joined,
        env: &[],
        code: 0,
        stdout: Some("status 1: mutex not locked by this task\n"),
        stderr: &[],
    },
    Scenario {
        name: "blocked_channel_and_mutex_waiters_are_a_deadlock",
        main: deadlock,
        env: &[],
        code: 2,
        stdout: None,
        stderr: &[
            "fatal: deadlock: all tasks are asleep\n",
            "  task main: receiving from a channel\n",
            "  task locker: locking a mutex\n",
            "  task sender: sending to a channel\n",
        ],
    },
    Scenario {
        name: "main_drains_tasks_blocked_on_channels",
        main: drain,
        env: &[],
        code: 0,
        stdout: Some("sum 4950\n"),
        stderr: &[],
    },
];

fn main() {
    common::process::main(SCENARIOS);
}

fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).unwrap();
    out.flush().unwrap();
}

fn loc() -> Option<&'static WeftLoc> {
    Some(&LOC)
}

fn bare_mutex() -> *mut c_void {
    unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) }
}

extern "C-unwind" fn relock() -> i32 {
    let m = bare_mutex();
    unsafe {
        weft_rt_mutex_lock(m, loc());
        weft_rt_mutex_lock(m, loc());
    }
    0
}

extern "C-unwind" fn unlock_unlocked() -> i32 {
    unsafe { weft_rt_mutex_unlock(bare_mutex(), loc()) };
    0
}

unsafe extern "C-unwind" fn lock_it(env: *mut c_void, _: *mut c_void) {
    weft_rt_mutex_lock(env, None);
}

extern "C-unwind" fn unlock_foreign() -> i32 {
    let m = bare_mutex();
    unsafe {
        let t = weft_rt_task_spawn(lock_it, m, 0, None, 0, 0, c"locker".as_ptr());
        weft_rt_task_join(t, ptr::null_mut(), None);
        say("locked\n");
        weft_rt_mutex_unlock(m, loc());
    }
    0
}

unsafe extern "C-unwind" fn lock_in_thread(env: *mut c_void) {
    weft_rt_mutex_lock(env, None);
}

extern "C-unwind" fn unlock_thread_held() -> i32 {
    let m = bare_mutex();
    unsafe {
        let t = weft_rt_thread_spawn(lock_in_thread, m, ptr::null_mut());
        weft_rt_thread_join(t, None);
        weft_rt_mutex_unlock(m, loc());
    }
    0
}

extern "C-unwind" fn condvar_unlocked() -> i32 {
    unsafe { weft_rt_condvar_wait(weft_rt_condvar_new(), bare_mutex(), loc()) };
    0
}

extern "C-unwind" fn destroyed_channel() -> i32 {
    unsafe {
        let ch = weft_rt_channel_new(4, &I64, ptr::null_mut());
        let v = 1i64;
        weft_rt_channel_send(ch, (&v as *const i64).cast(), None);
        weft_rt_channel_destroy(ch, None);
        weft_rt_channel_release(ch); // releasing a destroyed handle is fine
        let ch = weft_rt_channel_new(4, &I64, ptr::null_mut());
        weft_rt_channel_destroy(ch, None);
        let mut out = 0i64;
        let _ = out;
        // An operation that raced with destroy would see a closed channel; a later one panics.
        say(&format!("closed {}\n", 1));
        weft_rt_channel_recv(ch, (&mut out as *mut i64).cast(), loc());
    }
    0
}

extern "C-unwind" fn destroyed_mutex() -> i32 {
    let m = bare_mutex();
    unsafe {
        weft_rt_mutex_destroy(m, None);
        weft_rt_mutex_lock(m, loc());
    }
    0
}

extern "C-unwind" fn destroyed_others() -> i32 {
    unsafe {
        let l = weft_rt_rwlock_new(ptr::null(), ptr::null());
        weft_rt_rwlock_destroy(l, None);
        check_panics("RwLock", move || weft_rt_rwlock_read_lock(l, None));
        let cv = weft_rt_condvar_new();
        weft_rt_condvar_destroy(cv, None);
        check_panics("Condvar", move || weft_rt_condvar_signal(cv, None));
        let wg = weft_rt_wait_group_new();
        weft_rt_wait_group_destroy(wg, None);
        check_panics("WaitGroup", move || weft_rt_wait_group_add(wg, 1, None));
        let a = weft_rt_atomic_new(1);
        weft_rt_atomic_destroy(a, None);
        weft_rt_atomic_load(a, 4, None);
    }
    0
}

/// Runs `f` in a joined blocking job and prints `<kind> ok` if it panicked with
/// `use of destroyed <kind>`.
unsafe fn check_panics(kind: &str, f: impl FnOnce() + 'static) {
    unsafe extern "C-unwind" fn run(env: *mut c_void, _: *mut c_void) {
        let f = Box::from_raw(env.cast::<Box<dyn FnOnce()>>());
        f();
    }
    let boxed: Box<Box<dyn FnOnce()>> = Box::new(Box::new(f));
    let job =
        weft_rt::abi::thread::weft_rt_blocking_spawn(run, Box::into_raw(boxed).cast(), 0, None);
    assert_eq!(weft_rt_task_join(job, ptr::null_mut(), None), 1);
    let mut len = 0usize;
    let msg = std::slice::from_raw_parts(weft_rt_task_panic_message(job, &mut len), len);
    if msg == format!("use of destroyed {kind}").as_bytes() {
        say(&format!("{kind} ok\n"));
    }
    weft_rt_task_release(job);
}

extern "C-unwind" fn negative_wait_group() -> i32 {
    unsafe {
        let wg = weft_rt_wait_group_new();
        weft_rt_wait_group_add(wg, 2, None);
        weft_rt_wait_group_done(wg, None);
        weft_rt_wait_group_done(wg, None);
        weft_rt_wait_group_done(wg, loc());
    }
    0
}

unsafe extern "C-unwind" fn nothing(_: *mut c_void) {}

extern "C-unwind" fn join_twice() -> i32 {
    unsafe {
        let t = weft_rt_thread_spawn(nothing, ptr::null_mut(), ptr::null_mut());
        say(&format!("joined {}\n", weft_rt_thread_join(t, None)));
        weft_rt_thread_join(t, loc());
    }
    0
}

unsafe extern "C-unwind" fn panic_lost(_: *mut c_void) {
    weft_rt::panic::panic_at("lost", loc())
}

extern "C-unwind" fn unjoined_thread_panic() -> i32 {
    unsafe {
        let t = weft_rt_thread_spawn(panic_lost, ptr::null_mut(), ptr::null_mut());
        weft_rt_thread_release(t);
        weft_rt_sleep_ms(10_000);
    }
    0
}

unsafe extern "C-unwind" fn panic_caught(_: *mut c_void) {
    weft_rt::panic::panic_at("caught", loc())
}

extern "C-unwind" fn joined_thread_panic() -> i32 {
    unsafe {
        let t = weft_rt_thread_spawn(panic_caught, ptr::null_mut(), ptr::null_mut());
        weft_rt_sleep_ms(20); // the panic happens before the join: still delivered
        let status = weft_rt_thread_join(t, None);
        let mut len = 0usize;
        let msg = weft_rt_thread_panic_message(t, &mut len);
        let text = String::from_utf8_lossy(std::slice::from_raw_parts(msg, len)).into_owned();
        say(&format!("status {status}: {text}\n"));
        weft_rt_thread_release(t);
    }
    0
}

unsafe extern "C-unwind" fn misuse(env: *mut c_void) {
    weft_rt_mutex_unlock(env, loc());
}

extern "C-unwind" fn thread_misuse_joined() -> i32 {
    unsafe {
        let m = bare_mutex();
        weft_rt_mutex_lock(m, None);
        let t = weft_rt_thread_spawn(misuse, m, ptr::null_mut());
        let status = weft_rt_thread_join(t, None);
        let mut len = 0usize;
        let msg = weft_rt_thread_panic_message(t, &mut len);
        let text = String::from_utf8_lossy(std::slice::from_raw_parts(msg, len)).into_owned();
        say(&format!("status {status}: {text}\n"));
        weft_rt_thread_release(t);
        weft_rt_mutex_unlock(m, None);
    }
    0
}

unsafe extern "C-unwind" fn send_forever(env: *mut c_void, _: *mut c_void) {
    let v = 1i64;
    weft_rt_channel_send(env, (&v as *const i64).cast(), None);
}

extern "C-unwind" fn deadlock() -> i32 {
    unsafe {
        let m = bare_mutex();
        weft_rt_mutex_lock(m, None);
        let t = weft_rt_task_spawn(lock_it, m, 0, None, 0, 0, c"locker".as_ptr());
        weft_rt_task_release(t);
        let ch = weft_rt_channel_new(0, &I64, ptr::null_mut());
        let other = weft_rt_channel_new(0, &I64, ptr::null_mut());
        let s = weft_rt_task_spawn(send_forever, other, 0, None, 0, 0, c"sender".as_ptr());
        weft_rt_task_release(s);
        let mut out = 0i64;
        weft_rt_channel_recv(ch, (&mut out as *mut i64).cast(), None);
    }
    0
}

unsafe extern "C-unwind" fn sum_all(env: *mut c_void, _: *mut c_void) {
    let mut v = 0i64;
    let mut sum = 0;
    while weft_rt_channel_recv(env, (&mut v as *mut i64).cast(), None) == 0 {
        sum += v;
    }
    say(&format!("sum {sum}\n"));
}

unsafe extern "C-unwind" fn send_range(env: *mut c_void, _: *mut c_void) {
    for i in 0..100i64 {
        weft_rt_channel_send(env, (&i as *const i64).cast(), None);
    }
    weft_rt_channel_close(env, None);
}

extern "C-unwind" fn drain() -> i32 {
    unsafe {
        let ch = weft_rt_channel_new(0, &I64, ptr::null_mut());
        weft_rt_task_release(weft_rt_task_spawn(
            sum_all,
            ch,
            0,
            None,
            0,
            1,
            c"sum".as_ptr(),
        ));
        weft_rt_task_release(weft_rt_task_spawn(
            send_range,
            ch,
            0,
            None,
            0,
            1,
            c"send".as_ptr(),
        ));
    }
    0
}
