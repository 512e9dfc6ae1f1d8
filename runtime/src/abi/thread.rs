//! C ABI of OS threads and the blocking pool (`std/thread`, `blocking { }`). See
//! [`crate::thread`].
//!
//! A thread handle (`void *t`) is a reference-counted object whose first field is
//! `_Atomic int64_t rc` (negative = immortal: the `main` thread's handle). A blocking-pool
//! job is an ordinary task handle (`abi/task.rs`).

use std::ffi::c_void;

use crate::obj::string::WeftStr;
use crate::panic::WeftLoc;
use crate::sched::switching_entry;
use crate::sched::{DropFn, SpawnSite, Task, TaskEnv, TaskFn};
use crate::thread::{self, Thread};

/// `void *weft_rt_thread_spawn(void (*entry)(void *env), void *env, Str *err)`
///
/// Starts an OS thread (a pthread with an 8 MiB stack, a guard page and the runtime's
/// alternate signal stack for the stack-overflow report) running `entry(env)`, counted by
/// the deadlock detector while it runs, and returns its handle (+1). On failure returns
/// NULL with the reason (+1) in `*err` (`cannot start a thread: ...`). A panic in the
/// thread is delivered to `weft_rt_thread_join`; if the thread can no longer be joined
/// (every handle released without a join) it is printed and the process exits with 101.
///
/// # Safety
/// `entry` may be called with `env` on the new thread; `err` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_thread_spawn(
    entry: unsafe extern "C-unwind" fn(*mut c_void),
    env: *mut c_void,
    err: *mut WeftStr,
) -> *mut c_void {
    match thread::spawn(entry, env) {
        Ok(t) => t.cast(),
        Err(message) => {
            if !err.is_null() {
                err.write(WeftStr::from_bytes(message.as_bytes()));
            }
            std::ptr::null_mut()
        }
    }
}

/// `int32_t weft_rt_thread_join(void *t, const WeftLoc *loc)`
///
/// Waits until the thread has finished — a green caller parks (its worker runs other
/// tasks), an OS-thread caller blocks — and returns 0, or 1 when it panicked (see
/// `weft_rt_thread_panic_message`). Panics `thread already joined` on a second join, and
/// `cannot join the main thread` for the `main` handle.
///
/// # Safety
/// `t` is a live thread handle.
pub unsafe extern "C-unwind" fn weft_rt_thread_join(t: *mut c_void, loc: Option<&WeftLoc>) -> i32 {
    i32::from((*t.cast::<Thread>()).join(loc))
}
switching_entry!("weft_rt_thread_join" => weft_rt_thread_join);

/// `const uint8_t *weft_rt_thread_panic_message(void *t, size_t *len)`: the UTF-8 panic
/// message (`*len` bytes, not NUL-terminated) of a finished thread that panicked, valid
/// while the handle lives; NULL with `*len = 0` otherwise.
///
/// # Safety
/// `t` is a live thread handle; `len` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_thread_panic_message(
    t: *mut c_void,
    len: *mut usize,
) -> *const u8 {
    match (*t.cast::<Thread>()).panic_message() {
        Some(m) => {
            *len = m.len();
            m.as_ptr()
        }
        None => {
            *len = 0;
            std::ptr::null()
        }
    }
}

/// `void *weft_rt_thread_current(void)`: the calling thread's handle (+1): the immortal
/// `main` handle in the main task, any green task and the process's main thread; the
/// thread's own handle on a `Thread.spawn` thread.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_thread_current() -> *mut c_void {
    thread::current().cast()
}

/// `Str weft_rt_thread_name(void *t)`: `main` or `thread-N` (+1).
///
/// # Safety
/// `t` is a live thread handle.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_thread_name(t: *mut c_void) -> WeftStr {
    WeftStr::from_bytes((*t.cast::<Thread>()).name().as_bytes())
}

/// `int64_t weft_rt_ncpu(void)`: the number of CPUs available to the process.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_ncpu() -> i64 {
    thread::ncpu()
}

/// `void weft_rt_thread_retain(void *t)`: adds a count (null: no-op).
///
/// # Safety
/// `t` is null or a live thread handle.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_thread_retain(t: *mut c_void) {
    if let Some(t) = t.cast::<Thread>().as_ref() {
        t.retain();
    }
}

/// `void weft_rt_thread_release(void *t)`: drops a count; the last one frees the handle
/// (a thread that panicked and was never joined then prints its panic and the process
/// exits with 101). Null: no-op.
///
/// # Safety
/// `t` is null or a live thread handle the caller gives a count of.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_thread_release(t: *mut c_void) {
    if !t.is_null() {
        Thread::release(t.cast::<Thread>());
    }
}

/// `void *weft_rt_blocking_spawn(weft_task_fn entry, void *env, size_t result_size,
/// weft_drop_fn result_drop)`
///
/// Runs `entry(env, result_slot)` on the blocking pool (OS threads started on demand; an
/// idle one exits after 10 s) and returns a task handle (+1) that `weft_rt_task_join`,
/// `weft_rt_task_join_timeout`, `weft_rt_task_wait_any`, `weft_rt_task_panic_message` and
/// `weft_rt_task_release` accept: `Promise.blocking(fn)` and `blocking { }` are ordinary
/// promises. A panic in `entry` is delivered to the joiner. The drain at exit does not
/// wait for blocking jobs.
///
/// # Safety
/// `entry` may be called with `env` on another thread.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_blocking_spawn(
    entry: TaskFn,
    env: *mut c_void,
    result_size: usize,
    result_drop: Option<DropFn>,
) -> *mut c_void {
    thread::blocking_spawn(entry, TaskEnv::Ptr(env), result_size, result_drop) as *const Task
        as *mut c_void
}

/// `void *weft_rt_blocking_spawn_site(const weft_spawn_site *site, void *code, void *env)`
///
/// [`weft_rt_blocking_spawn`] for a closure value `{code, env}`, with the entry, result size
/// and glue given by `site` (see `weft_rt_task_spawn_site`): the pair is kept in the job's
/// result slot and `entry` receives the slot's address as its environment (see
/// `TaskEnv::Closure`). What generated code calls for `Promise.blocking` and `blocking { }`.
///
/// # Safety
/// As [`weft_rt_blocking_spawn`]; `site` is static; `entry` copies the pair out before
/// writing its result.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_blocking_spawn_site(
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
) -> *mut c_void {
    let env = TaskEnv::Closure(code, env);
    thread::blocking_spawn_site(site, env) as *const Task as *mut c_void
}
