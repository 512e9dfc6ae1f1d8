//! What every synchronization handle shares: the reference count at offset 0, the
//! destroyed flag, and the `use of destroyed <Kind>` panic.
//!
//! Invariants:
//! - `rc` is the object's first field (the compiler may inline retain and release); a
//!   negative count is immortal; the object is freed when the count drops from 1 to 0;
//! - `destroyed` only ever goes from false to true (`destroy`), after which the object
//!   holds nothing but its own memory; any later operation other than retain/release panics;
//! - operations borrow the caller's handle (+0): the caller keeps its reference for the
//!   duration of the call, so an object is never freed under a running operation.

use std::sync::atomic::{fence, AtomicBool, AtomicI64, Ordering};

use crate::lock::solo_rmw::SoloArith;
use crate::panic::{panic_at, WeftLoc};

/// A reference-counted synchronization object.
///
/// # Safety
/// Implementors are `#[repr(C)]` with `rc` at offset 0 and are allocated so that
/// [`Handle::free`] can release them (by default: made by [`into_raw`]).
pub unsafe trait Handle: Sized {
    /// The panic of an operation on a destroyed object: `use of destroyed <Kind>` with the
    /// user-visible type name (a static text: a panic abandons the frame that raises it, so
    /// a formatted `String` would leak).
    const DESTROYED: &'static str;

    /// The reference count (offset 0).
    fn rc(&self) -> &AtomicI64;

    /// The destroyed flag.
    fn destroyed(&self) -> &AtomicBool;

    /// [`Handle::DESTROYED`], unless one kind of object serves several types (atomics).
    fn destroyed_message(&self) -> &'static str {
        Self::DESTROYED
    }

    /// Frees the object (and whatever it still holds) once its count reached 0; by
    /// default just its memory ([`free_box`]).
    ///
    /// # Safety
    /// Nobody refers to the object any more.
    unsafe fn free(this: *mut Self) {
        free_box(this);
    }

    /// Panics `use of destroyed <Kind>` if the object was destroyed.
    #[inline(always)]
    fn check_live(&self, loc: Option<&WeftLoc>) {
        if self.destroyed().load(Ordering::Relaxed) {
            panic_at(self.destroyed_message(), loc)
        }
    }

    /// Marks the object destroyed; panics `use of destroyed <Kind>` if it already was.
    fn mark_destroyed(&self, loc: Option<&WeftLoc>) {
        if self.destroyed().swap(true, Ordering::AcqRel) {
            panic_at(self.destroyed_message(), loc)
        }
    }
}

/// Adds one reference (nothing for a null or immortal object).
///
/// # Safety
/// `h` is null or a live handle.
#[inline]
pub unsafe fn retain<H: Handle>(h: *const H) {
    if let Some(h) = h.as_ref() {
        if h.rc().load(Ordering::Relaxed) >= 0 {
            h.rc().solo_fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Drops one reference; the last one frees the object (nothing for null or immortal).
///
/// # Safety
/// `h` is null or a live handle the caller gives up.
#[inline]
pub unsafe fn release<H: Handle>(h: *mut H) {
    let Some(obj) = h.as_ref() else { return };
    if obj.rc().load(Ordering::Relaxed) < 0 {
        return;
    }
    if obj.rc().solo_fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        H::free(h);
    }
}

/// Moves a fresh object to the heap and returns it with count 1.
pub fn into_raw<H: Handle>(obj: H) -> *mut H {
    obj.rc().store(1, Ordering::Relaxed);
    Box::into_raw(Box::new(obj))
}

/// Frees the memory of an object made by [`into_raw`] (without running anything else).
///
/// # Safety
/// `this` came from [`into_raw`] and is not used again.
pub unsafe fn free_box<H: Handle>(this: *mut H) {
    drop(Box::from_raw(this));
}

/// A value guarded by a lock (a mutex's or reader-writer lock's payload): `size` bytes
/// aligned as the element glue says, moved in at creation and released with the glue when
/// the object is destroyed or freed.
#[derive(Debug)]
pub struct Payload {
    glue: *const crate::obj::rc::WeftGlue,
    ptr: *mut u8,
}

impl Payload {
    /// Takes over the value at `value` (`glue.size` bytes; nothing when `glue` is null or
    /// the size is 0).
    ///
    /// # Safety
    /// `glue` is null or a static glue; `value` holds an initialized value of its type.
    pub unsafe fn new(glue: *const crate::obj::rc::WeftGlue, value: *const u8) -> Payload {
        let Some(g) = glue.as_ref() else {
            return Payload {
                glue,
                ptr: std::ptr::null_mut(),
            };
        };
        let size = g.elem_size();
        if size == 0 {
            return Payload {
                glue,
                ptr: std::ptr::NonNull::<u64>::dangling().as_ptr().cast(),
            };
        }
        let ptr = crate::obj::rc::alloc(size, (g.align.max(1)) as usize).as_ptr();
        if !value.is_null() {
            std::ptr::copy_nonoverlapping(value, ptr, size);
        } else {
            std::ptr::write_bytes(ptr, 0, size);
        }
        Payload { glue, ptr }
    }

    /// The value's address (null for a bare lock).
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// Releases the value (with the glue) and frees its storage; idempotent.
    ///
    /// # Safety
    /// Nobody uses the value any more.
    pub unsafe fn drop_value(&mut self) {
        let Some(g) = self.glue.as_ref() else { return };
        if self.ptr.is_null() {
            return;
        }
        if let Some(release) = g.release {
            release(self.ptr);
        }
        if g.elem_size() != 0 {
            crate::obj::rc::free(self.ptr, g.elem_size(), g.align.max(1) as usize);
        }
        self.ptr = std::ptr::null_mut();
    }
}
