//! C ABI: scopes (`par`, `par for`, `concurrent` blocks) and task groups (see
//! [`crate::sched::scope`] and docs/runtime.md section 9).
//!
//! A block's scope is opened with [`weft_rt_scope_open`], receives children, is waited for
//! once at the end of the block ([`weft_rt_scope_wait`]) and closed on every way out of the
//! block ([`weft_rt_scope_close`], which generated code runs as a `defer`: after a panic or
//! an early `return` it cancels and waits for the children still running).

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, AtomicI64};

use crate::obj::string::WeftStr;
use crate::panic::WeftLoc;
use crate::sched::scope::{GroupScope, JobFn, RangeFn, Scope, ScopeResult};
use crate::sched::{self, SpawnSite, Task, TaskEnv};
use crate::sync::handle::{self, Handle};

unsafe fn scope_ref<'a>(scope: *mut c_void) -> &'a Scope {
    &*scope.cast::<Scope>()
}

/// Bytes of the storage generated code provides for a block's scope (8-byte aligned): a
/// frame slot of the function that opens it, so opening a scope allocates nothing but
/// its node.
pub const SCOPE_STORAGE: usize = 128;

const _: () =
    assert!(std::mem::size_of::<Scope>() <= SCOPE_STORAGE && std::mem::align_of::<Scope>() <= 8);

/// `void weft_rt_scope_open(void *storage, int64_t timeout_ms, int64_t flags)`: opens a
/// block's scope in `storage` ([`SCOPE_STORAGE`] bytes, 8-aligned, which then names the
/// scope) in the calling task or thread, with a deadline `timeout_ms` from now (negative:
/// none; the earliest of the enclosing deadlines applies anyway). `flags`: 1
/// (`KEEP_SIBLINGS`) when a failing child must not cancel the others, 2
/// (`INLINE_CHILDREN`) when the owner may run children no worker has started yet itself
/// when it waits (`par`, `par for`).
///
/// # Safety
/// `storage` is valid, stays in place and is not otherwise used until
/// `weft_rt_scope_close`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_open(
    storage: *mut c_void,
    timeout_ms: i64,
    flags: i64,
) {
    Scope::open_in(storage.cast(), timeout_ms, true, flags as u32);
}

/// `void *weft_rt_scope_spawn_site(void *scope, const weft_spawn_site *site, void *code,
/// void *env)`: starts a child of the scope running the closure `{code, env}` (moved in)
/// as `weft_rt_task_spawn_site` does; returns its task handle (+1).
///
/// # Safety
/// `scope` is open; as `weft_rt_task_spawn_site`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_spawn_site(
    scope: *mut c_void,
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
) -> *mut c_void {
    let task = scope_ref(scope).spawn(site, TaskEnv::Closure(code, env));
    sched::yield_if_backlogged();
    task as *const Task as *mut c_void
}

/// `void weft_rt_scope_run_inline(void *scope, const weft_spawn_site *site, void *code,
/// void *env)`: runs the closure `{code, env}` (moved in; it returns nothing) as a child of
/// the scope: inline on the calling task when it may (the last branch of a `par` block,
/// see docs/runtime.md section 10), else as `weft_rt_scope_spawn_site` does, dropping the
/// handle.
///
/// # Safety
/// `scope` is open; as `weft_rt_task_spawn_site`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_run_inline(
    scope: *mut c_void,
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
) {
    scope_ref(scope).run_inline(JobFn { site, code, env });
}

/// `void weft_rt_scope_fork(void *scope, const weft_spawn_site *site, void *code, void
/// *env)`: forks the closure `{code, env}` (moved in; it returns nothing) as a child of the
/// scope that becomes a task only if a worker takes it before the scope's wait (a branch
/// of a `par` block other than the last, see docs/runtime.md section 10).
///
/// # Safety
/// `scope` is open; as `weft_rt_task_spawn_site`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_fork(
    scope: *mut c_void,
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
) {
    scope_ref(scope).fork(JobFn { site, code, env });
}

/// `void weft_rt_scope_par_for(void *scope, int64_t lo, int64_t hi, void (*code)(void *env,
/// int64_t lo, int64_t hi), void *env, const char *name)`: starts the iterations `lo..hi`
/// of a `par for` as chunks, children of the scope (see `Scope::spawn_range`). The closure
/// `{code, env}` stays the caller's.
///
/// # Safety
/// `scope` is open; `env` outlives the scope's wait; `name` is static.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_par_for(
    scope: *mut c_void,
    lo: i64,
    hi: i64,
    code: RangeFn,
    env: *mut c_void,
    name: *const c_char,
) {
    scope_ref(scope).spawn_range(lo, hi, code, env, name);
}

/// `int32_t weft_rt_scope_wait(void *scope, Str *message, const WeftLoc *loc)`: waits for
/// every child (cancelling them at the scope's deadline). Returns 0 when none failed, 1
/// when some did: then `*message` is the first failure's message (+1), with
/// ` (and N more failures)` when there were more.
///
/// # Safety
/// `scope` is open; `message` is writable; `loc` is null or a location constant.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_wait(
    scope: *mut c_void,
    message: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> i32 {
    let result = scope_ref(scope).wait(loc);
    match result.message() {
        None => 0,
        Some(msg) => {
            message.write(WeftStr::from_bytes(msg.as_bytes()));
            debug_assert!(matches!(result, ScopeResult::Failed(..)));
            1
        }
    }
}

/// `void weft_rt_scope_close(void *scope)`: closes the scope (after the wait, or
/// on an early way out of the block: then it cancels and waits for the remaining children
/// first). Never panics.
///
/// # Safety
/// `scope` was opened by `weft_rt_scope_open` and is closed once; its storage is then
/// free.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_scope_close(scope: *mut c_void) {
    Scope::close_in_place(scope.cast());
}

/// A task group object: the handle count and the group's scope.
#[repr(C)]
pub struct TaskGroup {
    rc: AtomicI64,
    destroyed: AtomicBool,
    scope: GroupScope,
}

// SAFETY: `#[repr(C)]` with `rc` first, made by `handle::into_raw`.
unsafe impl Handle for TaskGroup {
    const DESTROYED: &'static str = "use of destroyed TaskGroup";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
    unsafe fn free(this: *mut Self) {
        // The last handle waits for the children still running, then frees the group.
        (*this).scope.close();
        handle::free_box(this);
    }
}

/// `void *weft_rt_task_group_new(void)`: a new task group (+1) whose children belong to
/// the calling task's subtree.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_task_group_new() -> *mut c_void {
    handle::into_raw(TaskGroup {
        rc: AtomicI64::new(1),
        destroyed: AtomicBool::new(false),
        scope: GroupScope::new(),
    })
    .cast()
}

/// `void *weft_rt_task_group_spawn_site(void *group, const weft_spawn_site *site, void
/// *code, void *env)`: starts a child of the group; returns its task handle (+1).
///
/// # Safety
/// `group` is a live group; as `weft_rt_task_spawn_site`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_group_spawn_site(
    group: *mut c_void,
    site: &'static SpawnSite,
    code: *const c_void,
    env: *mut c_void,
) -> *mut c_void {
    let g = &*group.cast::<TaskGroup>();
    let task = g.scope.scope().spawn(site, TaskEnv::Closure(code, env));
    sched::yield_if_backlogged();
    task as *const Task as *mut c_void
}

/// `void weft_rt_task_group_retain(void *group)`: adds a count (null: no-op).
///
/// # Safety
/// `group` is null or live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_group_retain(group: *mut c_void) {
    handle::retain(group.cast::<TaskGroup>());
}

/// `void weft_rt_task_group_release(void *group)`: drops a count; the last one waits for
/// the group's children still running, then frees the group (null: no-op).
///
/// # Safety
/// `group` is null or live, and not used by the caller afterwards.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_task_group_release(group: *mut c_void) {
    handle::release(group.cast::<TaskGroup>());
}
