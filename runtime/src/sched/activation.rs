//! Activations: the part of a task that exists only from its first run to its end — its
//! wait node, saved stack pointer, stack and list of held locks.
//!
//! A task takes one from its worker's pool when it first runs (together with its stack) and
//! gives it back when it finishes, so that tasks spawned but not yet run, and tasks finished
//! but not yet awaited (a million promises awaited in order), carry only the task object:
//! with the constant spawn sites, 88 bytes instead of 160.
//!
//! Invariants:
//! - activations are type-stable like task objects ([`super::pool`]): a stale [`Waiter`]
//!   always points at a live node, whose sequence number tells a newer wait from the one it
//!   named;
//! - `task` names the owner from attach to detach. The worker that first runs the task
//!   attaches the activation before switching to it (a `SeqCst` store, so that a canceller
//!   that sets the cancel flag and then finds no activation knows the task will see the
//!   flag before it waits); the task's worker detaches it under the task's lock when the
//!   task has finished, and `cancel` reads it under that lock, so it never reaches a wait
//!   of the next owner;
//! - `sp`, `stack_base` and `held` are touched only by the worker running the owner.
//!
//! [`Waiter`]: super::Waiter

use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use super::pool::Pool;
use super::task::Task;
use super::waiter::WaitNode;
use crate::lock::held::HeldList;
use crate::stack::Stack;

/// A started task's running state (see the module docs).
#[repr(C)]
pub(crate) struct Activation {
    pub(crate) node: WaitNode,
    /// Saved stack pointer while the owner is suspended.
    pub(crate) sp: UnsafeCell<*mut u8>,
    /// Base of the owned stack (null: none, e.g. main's own stack).
    stack_base: UnsafeCell<*mut u8>,
    /// The locks the owner holds (`sync::held`), made on the first lock and kept for
    /// later owners.
    held: UnsafeCell<*mut HeldList>,
    /// Where a panic of the owner stops unwinding (`sched::failure`); 0: nowhere yet.
    unwind_boundary: UnsafeCell<usize>,
    /// The innermost scope the owner has open (`sched::scope`), or null.
    current_scope: UnsafeCell<*const super::scope::Scope>,
    /// The innermost scope child the owner runs inline (`sched::inline`), or null.
    inline: UnsafeCell<*mut super::inline::InlineRun>,
    task: AtomicPtr<Task>,
}

// SAFETY: see the module docs: the cells are touched by the owner's worker only.
unsafe impl Sync for Activation {}
// SAFETY: as above.
unsafe impl Send for Activation {}

static POOL: Pool<Activation> = Pool::new(Activation::blank);

impl Activation {
    fn blank() -> Activation {
        Activation {
            node: WaitNode::new(),
            sp: UnsafeCell::new(ptr::null_mut()),
            stack_base: UnsafeCell::new(ptr::null_mut()),
            held: UnsafeCell::new(ptr::null_mut()),
            unwind_boundary: UnsafeCell::new(0),
            current_scope: UnsafeCell::new(ptr::null()),
            inline: UnsafeCell::new(ptr::null_mut()),
            task: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// A free activation for `task`, whose context starts at `sp` on `stack` (None: a stack
    /// the runtime does not pool, main's). `cache` is the calling worker's.
    pub(crate) fn alloc(
        task: &'static Task,
        sp: *mut u8,
        stack: Option<Stack>,
        cache: Option<&mut Vec<&'static Activation>>,
    ) -> &'static Activation {
        let act = POOL.alloc(cache);
        // SAFETY: a free activation is ours alone until attached.
        unsafe {
            *act.sp.get() = sp;
            *act.unwind_boundary.get() = 0;
            *act.current_scope.get() = ptr::null();
            *act.inline.get() = ptr::null_mut();
            *act.stack_base.get() = stack.map_or(ptr::null_mut(), Stack::into_raw);
        }
        act.task
            .store(task as *const Task as *mut Task, Ordering::Relaxed);
        act
    }

    /// Returns a detached activation to the pool.
    pub(crate) fn free(&'static self, cache: Option<&mut Vec<&'static Activation>>) {
        self.task.store(ptr::null_mut(), Ordering::Relaxed);
        POOL.free(self, cache);
    }

    /// The activation whose node is `node`.
    pub(crate) fn from_node(node: &WaitNode) -> &'static Activation {
        // SAFETY: task nodes are only ever the first field of a `repr(C)` activation,
        // and activations are never freed.
        unsafe { &*(node as *const WaitNode).cast::<Activation>() }
    }

    /// The task this activation belongs to (valid from attach to detach).
    pub(crate) fn task(&self) -> &'static Task {
        // SAFETY: set at attach to a live, never-freed task object.
        unsafe { &*self.task.load(Ordering::Relaxed) }
    }

    /// Takes the owned stack back (`size`: the task's stack size in bytes).
    ///
    /// # Safety
    /// The owner's worker, after the owner switched away for good.
    pub(crate) unsafe fn take_stack(&self, size: usize) -> Option<Stack> {
        let base = std::mem::replace(&mut *self.stack_base.get(), ptr::null_mut());
        (!base.is_null()).then(|| Stack::from_raw(base, size))
    }

    /// The stack limit to store while the owner runs (0: no check, e.g. main's guarded
    /// stack).
    pub(crate) fn stack_limit(&self) -> usize {
        // SAFETY: read by the worker running the owner.
        let base = unsafe { *self.stack_base.get() };
        if base.is_null() {
            0
        } else {
            base as usize + crate::stack::RESERVE
        }
    }

    /// The owner's list of held locks, made by `make` on first use (the running owner
    /// only).
    #[inline]
    pub(crate) fn held_locks(&self, make: fn() -> *mut HeldList) -> *mut HeldList {
        // SAFETY: only the running owner touches its list pointer.
        unsafe {
            let list = *self.held.get();
            if !list.is_null() {
                return list;
            }
            let list = make();
            *self.held.get() = list;
            list
        }
    }

    /// The list of held locks if any owner ever had one.
    pub(crate) fn held_locks_if_any(&self) -> Option<*mut HeldList> {
        // SAFETY: as above.
        let list = unsafe { *self.held.get() };
        (!list.is_null()).then_some(list)
    }
}

impl Activation {
    /// Where a panic of the owner stops unwinding, once its start has set it.
    pub(crate) fn unwind_boundary(&self) -> Option<crate::panic::unwind::Boundary> {
        // SAFETY: touched by the owner's worker only (module docs).
        let b = unsafe { *self.unwind_boundary.get() };
        (b != 0).then(|| crate::panic::unwind::Boundary::from_address(b))
    }

    /// Sets where a panic of the owner stops unwinding (called by the owner).
    pub(crate) fn set_unwind_boundary(&self, boundary: crate::panic::unwind::Boundary) {
        // SAFETY: as above.
        unsafe { *self.unwind_boundary.get() = boundary.address() };
    }
}

impl Activation {
    /// The innermost scope the owner has open (null: none).
    pub(crate) fn current_scope(&self) -> *const super::scope::Scope {
        // SAFETY: touched by the owner's worker only (module docs).
        unsafe { *self.current_scope.get() }
    }

    /// Sets the innermost scope the owner has open (called by the owner).
    pub(crate) fn set_current_scope(&self, scope: *const super::scope::Scope) {
        // SAFETY: as above.
        unsafe { *self.current_scope.get() = scope };
    }
}

impl Activation {
    /// The innermost inline run of the owner (null: none).
    pub(crate) fn inline_run(&self) -> *mut super::inline::InlineRun {
        // SAFETY: touched by the owner's worker only (module docs).
        unsafe { *self.inline.get() }
    }

    /// Sets the innermost inline run (called by the owner).
    pub(crate) fn set_inline_run(&self, run: *mut super::inline::InlineRun) {
        // SAFETY: as above.
        unsafe { *self.inline.get() = run };
    }

    /// The scope node of the innermost inline run, if any: what the owner's cancellation
    /// view and its new scoped children hang on while it runs a scope's child inline.
    pub(crate) fn inline_node(&self) -> Option<&'static Task> {
        let run = self.inline_run();
        // SAFETY: an inline run lives in its frame until it is unset.
        (!run.is_null()).then(|| unsafe { (*run).node() })
    }

    /// The cancel flag the owner's code sees (`Task.isCancelled()`): its own, or while it
    /// runs a scope's child inline, the scope node's (which a cancellation of the owner
    /// reaches too, through the tree).
    pub(crate) fn cancel_view(&self) -> &'static std::sync::atomic::AtomicBool {
        self.inline_node()
            .unwrap_or_else(|| self.task())
            .cancel_flag()
    }

    /// Whether a cancellable wait of the owner must end at once: its own cancel flag or
    /// that of the scope whose child it runs inline.
    pub(crate) fn cancel_seen(&self) -> bool {
        self.task().is_cancelled() || self.inline_node().is_some_and(|n| n.is_cancelled())
    }

    /// Lowest address of the owner's stack the owner may use, or None when unknown.
    pub(crate) fn stack_low(&self) -> Option<usize> {
        // SAFETY: read by the worker running the owner.
        let base = unsafe { *self.stack_base.get() };
        if !base.is_null() {
            return Some(base as usize + crate::stack::RESERVE);
        }
        self.task()
            .has_flag(super::task::MAIN)
            .then(super::main_stack_low)
            .flatten()
    }
}
