//! C ABI of tasks, the scheduler and time (`weft_rt_*`), as the compiler calls it.
//!
//! ```c
//! typedef void (*weft_task_fn)(void *env, void *result_slot);
//! typedef void (*weft_drop_fn)(void *slot);
//! ```
//! A `weft_task_fn` is called once with the task's result slot when the task runs. If the
//! task then ends by a panic or cancellation before the entry returns (its frames are
//! abandoned, not unwound), the runtime calls it a second time as `entry(env, NULL)`: the
//! entry releases whatever of `env` it still owns and returns at once.
//! A task handle (`void *task`) is a reference-counted object whose first field is an
//! atomic `int64_t` count (negative = immortal), so the compiler may inline retain.
//! Every function may be called from a green task (blocking ones park only the task), from
//! the main task, or from any OS thread (blocking ones block the thread).

use std::ffi::{c_char, c_void};

use crate::panic::WeftLoc;
use crate::sched::switching_entry;
use crate::sched::{self, DropFn, JoinStatus, SpawnSite, Task, TaskEnv, TaskFn};

unsafe fn task_ref<'a>(task: *mut c_void) -> &'a Task {
    &*task.cast::<Task>()
}

/// `int32_t weft_rt_start(int32_t argc, char **argv, int32_t (*main_fn)(void))`
///
/// Runs the program: records the arguments, starts `WEFT_THREADS` workers (the calling
/// thread becomes worker 0), runs `main_fn` as the main task on an 8 MiB stack, and exits
/// the process with main's return code once every non-daemon task has finished. Never
/// returns in practice (declared `int32_t` for the C `main` that tail-calls it).
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings; called once, first.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_start(
    argc: i32,
    argv: *const *const u8,
    main_fn: extern "C-unwind" fn() -> i32,
) -> i32 {
    crate::obj::io::init_args(argc, argv);
    sched::run_main(main_fn)
}

/// `void *weft_rt_task_spawn(weft_task_fn entry, void *env, size_t result_size,
/// weft_drop_fn result_drop, size_t stack_size, uint32_t flags, const char *name)`
///
/// Spawns a task that runs `entry(env, result_slot)`; `result_slot` has `result_size`
/// bytes (zeroed, 16-byte aligned) and `result_drop` (nullable) releases its value when the
/// task object is freed. `stack_size` in bytes, 0 = default (64 KiB or `WEFT_STACK_SIZE`);
/// other sizes are rounded up to pages, minimum 32 KiB. `flags`: 1 = detached (`Task.spawn`:
/// a panic ends the process unless the task was joined), 2 = daemon (not waited for at
/// exit), 4 = scoped child of the calling task (cancelled with it). `name` is the static
/// NUL-terminated spawn site ("app.weft:12:5"). Returns the handle (count 1, owned by the
/// caller). Never fails (out of memory is fatal).
///
/// # Safety
/// `entry` may run `env` on any worker thread; `name` is static or null.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_spawn(
    entry: TaskFn,
    env: *mut c_void,
    result_size: usize,
    result_drop: Option<DropFn>,
    stack_size: usize,
    flags: u32,
    name: *const c_char,
) -> *mut c_void {
    let env = TaskEnv::Ptr(env);
    sched::spawn_raw(
        entry,
        env,
        result_size,
        result_drop,
        stack_size,
        flags,
        name,
    ) as *const Task as *mut c_void
}

/// `void *weft_rt_task_spawn_site(const weft_spawn_site *site, void *code, void *env,
/// size_t stack_size, uint32_t flags)`
///
/// [`weft_rt_task_spawn`] for a closure value `{code, env}`, with the entry, result size,
/// result glue and name given by `site` (`struct { weft_task_fn entry; size_t result_size;
/// weft_drop_fn result_drop; const char *name; }`, a constant per spawn site): what
/// generated code calls. The pair is kept in the task's result slot until the task runs,
/// and `entry` receives the slot's address as its environment (see `TaskEnv::Closure`), so
/// a spawn allocates nothing but the task object, and the object holds one pointer for the
/// four fields of the site.
///
/// # Safety
/// As [`weft_rt_task_spawn`]; `site` is static; `entry` copies the pair out before writing
/// its result.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_spawn_site(
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
    stack_size: usize,
    flags: u32,
) -> *mut c_void {
    let env = TaskEnv::Closure(code, env);
    sched::spawn_site(site, env, stack_size, flags) as *const Task as *mut c_void
}

/// `void weft_rt_task_retain(void *task)`: adds a handle count (null: no-op).
///
/// # Safety
/// `task` is null or a live handle.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_retain(task: *mut c_void) {
    if !task.is_null() {
        task_ref(task).retain();
    }
}

/// `void weft_rt_task_release(void *task)`: drops a handle count (null: no-op). Dropping
/// the last handle of a running task does not stop it.
///
/// # Safety
/// `task` is null or a live handle, not used by the caller afterwards.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_release(task: *mut c_void) {
    if !task.is_null() {
        task_ref(task).release();
    }
}

/// `int32_t weft_rt_task_join(void *task, void *out, const WeftLoc *loc)`
///
/// Waits until the task has finished and copies its result (`result_size` bytes) into
/// `out` (nullable); the caller retains what it copied if it keeps it. Returns 0 = ok,
/// 1 = panicked (see `weft_rt_task_panic_message`), 2 = cancelled (the task was cancelled,
/// or the joining task was cancelled while waiting). May be called any number of times.
/// `loc` (nullable) is where the program waits, for the deadlock report.
///
/// # Safety
/// `task` is a live handle; `out` is null or has `result_size` writable bytes; `loc` is
/// null or a location constant.
pub unsafe extern "C-unwind" fn weft_rt_task_join(
    task: *mut c_void,
    out: *mut c_void,
    loc: Option<&WeftLoc>,
) -> i32 {
    sched::join::join_at(task_ref_static(task), out.cast(), None, loc) as i32
}
switching_entry!("weft_rt_task_join" => weft_rt_task_join);

/// `int32_t weft_rt_task_join_timeout(void *task, void *out, int64_t ms, const WeftLoc *loc)`
///
/// Like `weft_rt_task_join`, but gives up after `ms` milliseconds (`ms <= 0`: only checks)
/// and returns 3 = timed out; the task keeps running.
///
/// # Safety
/// As `weft_rt_task_join`.
pub unsafe extern "C-unwind" fn weft_rt_task_join_timeout(
    task: *mut c_void,
    out: *mut c_void,
    ms: i64,
    loc: Option<&WeftLoc>,
) -> i32 {
    let deadline = crate::os::clock::deadline_after_ms(ms);
    let task = task_ref_static(task);
    if ms <= 0 && !task.is_done() {
        return JoinStatus::TimedOut as i32;
    }
    sched::join::join_at(task, out.cast(), Some(deadline), loc) as i32
}
switching_entry!("weft_rt_task_join_timeout" => weft_rt_task_join_timeout);

unsafe fn task_ref_static(task: *mut c_void) -> &'static Task {
    // SAFETY (caller): task objects are never freed, only recycled after the last handle.
    &*task.cast::<Task>()
}

/// `const uint8_t *weft_rt_task_panic_message(void *task, size_t *len)`
///
/// The UTF-8 panic message of a task that panicked (not NUL-terminated; `*len` bytes),
/// valid while the handle lives; null with `*len = 0` otherwise.
///
/// # Safety
/// `task` is a live handle; `len` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_panic_message(
    task: *mut c_void,
    len: *mut usize,
) -> *const u8 {
    let task = task_ref(task);
    match task.is_done().then(|| task.panic_message()).flatten() {
        Some(message) => {
            *len = message.len();
            message.as_ptr()
        }
        None => {
            *len = 0;
            std::ptr::null()
        }
    }
}

/// `void weft_rt_task_cancel(void *task)`
///
/// Sets the task's cancel flag and wakes it with "cancelled" if it is parked in a
/// cancellable wait (join, sleep, channel, lock, ...); its scoped children are cancelled
/// too, recursively. Cooperative: the task runs on until it returns. Idempotent.
///
/// # Safety
/// `task` is a live handle.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_cancel(task: *mut c_void) {
    sched::cancel(task_ref_static(task));
}

/// `bool weft_rt_task_is_cancelled(void)`: the calling task's cancel flag (false on an OS
/// thread).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_task_is_cancelled() -> bool {
    sched::is_cancelled()
}

/// `size_t weft_rt_task_wait_any(void **tasks, size_t n)`
///
/// Waits until one of the `n` tasks has finished and returns its index (the lowest one if
/// several already have). Returns `n` when the calling task is cancelled while waiting, and
/// 0 when `n == 0`. Used for `Promise.race` / `Promise.all`.
///
/// # Safety
/// `tasks` holds `n` live handles.
pub unsafe extern "C-unwind" fn weft_rt_task_wait_any(
    tasks: *const *mut c_void,
    n: usize,
) -> usize {
    if n == 0 {
        return 0;
    }
    let handles: Vec<&'static Task> = std::slice::from_raw_parts(tasks, n)
        .iter()
        .map(|&t| task_ref_static(t))
        .collect();
    sched::wait_any(&handles)
}
switching_entry!("weft_rt_task_wait_any" => weft_rt_task_wait_any);

/// `int64_t weft_rt_task_wait_all(void **tasks, size_t n)`
///
/// Waits until all `n` tasks have returned (`n`), or until one of them fails (its index:
/// the first seen to panic or be cancelled), with one park (`sched::wait_all`). Returns -1
/// when the calling task is cancelled while waiting. Used for `Promise.all`.
///
/// # Safety
/// `tasks` holds `n` live handles.
pub unsafe extern "C-unwind" fn weft_rt_task_wait_all(tasks: *const *mut c_void, n: usize) -> i64 {
    let handles: Vec<&'static Task> = if n == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(tasks, n)
            .iter()
            .map(|&t| task_ref_static(t))
            .collect()
    };
    match sched::wait_all(&handles) {
        sched::AllOutcome::Ok => n as i64,
        sched::AllOutcome::Failed(i) => i as i64,
        sched::AllOutcome::Cancelled => -1,
    }
}
switching_entry!("weft_rt_task_wait_all" => weft_rt_task_wait_all);

/// `void weft_rt_yield(void)`: moves the calling task to the back of its worker's queue
/// (`schedulerYield()`); on an OS thread, `sched_yield`.
pub extern "C-unwind" fn weft_rt_yield() {
    sched::yield_now();
}
switching_entry!("weft_rt_yield" => weft_rt_yield);

/// `void weft_rt_sleep_ms(int64_t ms)`: parks the calling task for `ms` milliseconds
/// (returns early when it is cancelled; `ms <= 0` yields); an OS thread sleeps.
pub extern "C-unwind" fn weft_rt_sleep_ms(ms: i64) {
    crate::sched::sleep_ms(ms);
}
switching_entry!("weft_rt_sleep_ms" => weft_rt_sleep_ms);

/// `int64_t weft_rt_now_ms(void)`: monotonic clock in milliseconds (arbitrary origin).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_now_ms() -> i64 {
    crate::os::clock::now_ms() as i64
}

/// `int64_t weft_rt_now_ns(void)`: monotonic clock in nanoseconds (arbitrary origin).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_now_ns() -> i64 {
    crate::os::clock::now_ns() as i64
}

/// `void weft_rt_morestack(uintptr_t sp)`: called by the prologue check when the stack
/// pointer `sp` is below `weft_rt_stack_limit`. Either another worker poked the limit
/// (`stack::POKE`: the runtime restores it, handles the request and returns, unless `sp` is
/// also below the real limit), or the stack overflowed ([`weft_rt_stack_overflow`]).
#[no_mangle]
pub extern "C-unwind" fn weft_rt_morestack(sp: usize) {
    if crate::stack::limit() == crate::stack::POKE && sp >= sched::worker::poked() {
        return;
    }
    weft_rt_stack_overflow()
}

/// `void weft_rt_stack_overflow(void)` (noreturn): called when the
/// stack pointer is below the running task's stack limit. Prints
/// `fatal: stack overflow in task <name> (<size> KiB stack); use Task.spawnWithStack(...)`
/// (or `... in thread <name>`) and exits with code 2. Runs in the 16 KiB reserve.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_stack_overflow() -> ! {
    let message = match sched::current_task() {
        Some(task) => {
            let size = task.stack_bytes();
            format!(
                "fatal: stack overflow in task {} ({} KiB stack); use Task.spawnWithStack(...)\n",
                task.name(),
                size / 1024
            )
        }
        None => {
            let name = std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_owned();
            format!("fatal: stack overflow in thread {name}\n")
        }
    };
    crate::os::write_stderr(message.as_bytes());
    crate::os::exit_process(2)
}

/// `void weft_rt_task_fail(int32_t status, Str msg, const WeftLoc *loc)` (noreturn)
///
/// Ends the current task with a failure it passes on (`Promise.all` / `Promise.race`
/// re-raising a child's): status 1 is a panic with message `msg` (+0), 2 a cancellation
/// (`msg` ignored). In the main task, a detached task or an OS thread, it is an ordinary
/// panic (printed; exit code 101).
///
/// # Safety
/// `msg` is a live string; `loc` is null or a valid location.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_fail(
    status: i32,
    msg: crate::obj::string::WeftStr,
    loc: Option<&crate::panic::WeftLoc>,
) -> ! {
    // Nothing here may own heap memory: `fail_current` abandons this frame.
    let text = std::str::from_utf8(msg.as_bytes()).unwrap_or("<invalid UTF-8 message>");
    let location = crate::panic::location_buf(loc);
    crate::sched::fail_current(status, text, location.as_str())
}
