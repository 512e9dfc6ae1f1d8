//! OS threads and the blocking pool through the C ABI: spawning, joining from tasks and
//! threads, panics delivered to joiners, names, and blocking jobs as promises. Run under
//! both `WEFT_THREADS=1` and `WEFT_THREADS=2`.

mod common;

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicI64, Ordering};

use common::{H, I64};
use weft_rt::abi::sync::*;
use weft_rt::abi::task::*;
use weft_rt::abi::thread::*;
use weft_rt::obj::string::WeftStr;
use weft_rt::sched;

static COUNTER: AtomicI64 = AtomicI64::new(0);
static CHANNEL_SUM: AtomicI64 = AtomicI64::new(0);

unsafe extern "C-unwind" fn bump(env: *mut c_void) {
    (*env.cast::<AtomicI64>()).fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C-unwind" fn panics(_: *mut c_void) {
    weft_rt::panic::panic_at("thread boom", None)
}

fn name(t: *mut c_void) -> String {
    let s: WeftStr = unsafe { weft_rt_thread_name(t) };
    let text = String::from_utf8(s.as_bytes().to_vec()).unwrap();
    unsafe { s.release() };
    text
}

#[test]
fn threads_join_from_tasks_and_threads() {
    let counter = Box::leak(Box::new(AtomicI64::new(0)));
    let env = (counter as *const AtomicI64).cast_mut().cast();
    let handles: Vec<H> = (0..8)
        .map(|_| H(unsafe { weft_rt_thread_spawn(bump, env, ptr::null_mut()) }))
        .collect();
    for h in &handles {
        assert!(!h.p().is_null());
        assert!(name(h.p()).starts_with("thread-"));
    }
    let mut green = Vec::new();
    let mut os = Vec::new();
    for (i, h) in handles.into_iter().enumerate() {
        if i % 2 == 0 {
            green.push(h);
        } else {
            os.push(h);
        }
    }
    let joiner = sched::spawn(move || {
        green
            .into_iter()
            .map(|h| unsafe {
                let r = weft_rt_thread_join(h.p(), None);
                weft_rt_thread_release(h.p());
                r
            })
            .sum::<i32>()
    });
    for h in os {
        unsafe {
            assert_eq!(weft_rt_thread_join(h.p(), None), 0);
            weft_rt_thread_release(h.p());
        }
    }
    assert_eq!(joiner.join(), Ok(0));
    assert_eq!(counter.load(Ordering::SeqCst), 8);
}

#[test]
fn a_joined_threads_panic_is_delivered() {
    let t = H(unsafe { weft_rt_thread_spawn(panics, ptr::null_mut(), ptr::null_mut()) });
    let status = sched::spawn(move || unsafe { weft_rt_thread_join(t.p(), None) }).join();
    assert_eq!(status, Ok(1));
    let mut len = 0usize;
    let msg = unsafe { weft_rt_thread_panic_message(t.p(), &mut len) };
    let text = unsafe { std::slice::from_raw_parts(msg, len) };
    assert_eq!(text, b"thread boom");
    unsafe { weft_rt_thread_release(t.p()) };
}

unsafe extern "C-unwind" fn current_name(env: *mut c_void) {
    let me = weft_rt_thread_current();
    *env.cast::<String>() = name(me);
    weft_rt_thread_release(me);
}

#[test]
fn names_of_current_threads() {
    let mut seen = String::new();
    let t = unsafe {
        weft_rt_thread_spawn(
            current_name,
            (&mut seen as *mut String).cast(),
            ptr::null_mut(),
        )
    };
    unsafe {
        assert_eq!(weft_rt_thread_join(t, None), 0);
        assert_eq!(seen, name(t));
        weft_rt_thread_release(t);
    }
    let in_task = sched::spawn(|| {
        let me = weft_rt_thread_current();
        let n = name(me);
        unsafe { weft_rt_thread_release(me) };
        n
    });
    assert_eq!(in_task.join(), Ok("main".to_owned()));
    assert!(weft_rt_ncpu() >= 1);
}

unsafe extern "C-unwind" fn slow_square(env: *mut c_void, slot: *mut c_void) {
    std::thread::sleep(std::time::Duration::from_millis(5));
    COUNTER.fetch_add(1, Ordering::SeqCst);
    let n = env as i64;
    slot.cast::<i64>().write(n * n);
}

unsafe extern "C-unwind" fn blocking_panics(_: *mut c_void, _: *mut c_void) {
    weft_rt::panic::panic_at("blocking boom", None)
}

#[test]
fn blocking_jobs_are_promises() {
    let results = sched::spawn(|| unsafe {
        let jobs: Vec<usize> = (0..16)
            .map(|i| weft_rt_blocking_spawn(slow_square, i as *mut c_void, 8, None) as usize)
            .collect();
        let first = weft_rt_task_wait_any(jobs.as_ptr().cast(), jobs.len());
        assert!(first < jobs.len());
        jobs.into_iter()
            .map(|j| {
                let mut r = 0i64;
                assert_eq!(
                    weft_rt_task_join(j as *mut c_void, (&mut r as *mut i64).cast(), None),
                    0
                );
                weft_rt_task_release(j as *mut c_void);
                r
            })
            .collect::<Vec<i64>>()
    })
    .join()
    .unwrap();
    assert_eq!(results, (0..16).map(|i| i * i).collect::<Vec<i64>>());
    unsafe {
        let j = weft_rt_blocking_spawn(blocking_panics, ptr::null_mut(), 0, None);
        assert_eq!(weft_rt_task_join(j, ptr::null_mut(), None), 1);
        let mut len = 0usize;
        let msg = weft_rt_task_panic_message(j, &mut len);
        assert_eq!(std::slice::from_raw_parts(msg, len), b"blocking boom");
        weft_rt_task_release(j);
    }
}

/// A channel between a Weft thread and green tasks: the thread blocks on the futex, the
/// tasks park.
unsafe extern "C-unwind" fn thread_consumer(env: *mut c_void) {
    let ch = env;
    let mut v = 0i64;
    let mut sum = 0;
    while weft_rt_channel_recv(ch, (&mut v as *mut i64).cast(), None) == 0 {
        sum += v;
    }
    CHANNEL_SUM.fetch_add(sum, Ordering::SeqCst);
}

#[test]
fn threads_and_tasks_share_channels() {
    let ch = H(unsafe { weft_rt_channel_new(0, &I64, ptr::null_mut()) });
    let t = H(unsafe { weft_rt_thread_spawn(thread_consumer, ch.p(), ptr::null_mut()) });
    let producers: Vec<_> = (0..10)
        .map(|i| {
            sched::spawn(move || unsafe {
                let v = i as i64;
                assert_eq!(
                    weft_rt_channel_send(ch.p(), (&v as *const i64).cast(), None),
                    0
                );
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    unsafe {
        weft_rt_channel_close(ch.p(), None);
        assert_eq!(weft_rt_thread_join(t.p(), None), 0);
        weft_rt_thread_release(t.p());
        weft_rt_channel_release(ch.p());
    }
    assert_eq!(CHANNEL_SUM.load(Ordering::SeqCst), 45);
}

unsafe extern "C-unwind" fn lock_and_panic(env: *mut c_void) {
    weft_rt_mutex_lock(env, None);
    weft_rt::panic::panic_at("thread boom with a lock", None)
}

unsafe extern "C-unwind" fn lock_and_return(env: *mut c_void) {
    weft_rt_mutex_lock(env, None);
}

#[test]
fn a_panicking_thread_releases_its_locks() {
    let m = H(unsafe { weft_rt_mutex_new(ptr::null(), ptr::null()) });
    let t = H(unsafe { weft_rt_thread_spawn(lock_and_panic, m.p(), ptr::null_mut()) });
    assert_eq!(unsafe { weft_rt_thread_join(t.p(), None) }, 1);
    let relocked = sched::spawn(move || unsafe {
        weft_rt_mutex_lock(m.p(), None);
        weft_rt_mutex_unlock(m.p(), None);
        true
    })
    .join();
    assert_eq!(relocked, Ok(true));
    // A thread that returns holding it leaves it locked by nobody.
    let u = H(unsafe { weft_rt_thread_spawn(lock_and_return, m.p(), ptr::null_mut()) });
    assert_eq!(unsafe { weft_rt_thread_join(u.p(), None) }, 0);
    let tried = sched::spawn(move || unsafe {
        weft_rt::sync::mutex::Mutex::try_lock(&*m.p().cast(), None)
    })
    .join();
    assert_eq!(tried, Ok(false));
    unsafe {
        weft_rt_thread_release(t.p());
        weft_rt_thread_release(u.p());
        weft_rt_mutex_release(m.p());
    }
}

static CANCEL_CHANNEL: std::sync::atomic::AtomicPtr<c_void> =
    std::sync::atomic::AtomicPtr::new(ptr::null_mut());

#[test]
fn a_task_that_re_raises_its_cancellation_ends_cancelled() {
    let ch = unsafe { weft_rt_channel_new(1, &I64, ptr::null_mut()) };
    CANCEL_CHANNEL.store(ch, Ordering::SeqCst);
    let t = sched::spawn(|| unsafe {
        let mut out = 0i64;
        let status = weft_rt_channel_recv(
            CANCEL_CHANNEL.load(Ordering::SeqCst),
            (&mut out as *mut i64).cast(),
            None,
        );
        assert_eq!(status, 2);
        // What `ch.recv()!` does with the error.
        weft_rt::panic::panic_at("cancelled", None)
    });
    std::thread::sleep(std::time::Duration::from_millis(10));
    t.cancel();
    assert_eq!(t.join(), Err(sched::TaskError::Cancelled));
    unsafe { weft_rt_channel_release(ch) };
}
