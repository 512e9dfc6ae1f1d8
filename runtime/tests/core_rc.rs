//! Raw memory and reference counts through the C ABI, including an 8-thread stress test.

use std::sync::atomic::{AtomicI64, Ordering};

use weft_rt::abi::mem::*;

#[test]
fn alloc_honours_alignment() {
    for align in [1usize, 2, 8, 16, 32, 64, 4096] {
        for size in [0usize, 1, 24, 100, 4096, 1 << 20] {
            let p = weft_rt_alloc(size, align);
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0, "size {size} align {align}");
            unsafe {
                std::ptr::write_bytes(p, 0xab, size);
                weft_rt_free(p, size, align);
            }
        }
    }
}

/// A Box-like object as generated code builds it: a count, then a payload.
#[repr(C)]
struct Obj {
    rc: AtomicI64,
    /// One slot per thread, written without atomics before each thread's last release.
    slots: [u64; 8],
}

unsafe fn new_obj() -> *mut Obj {
    let p = weft_rt_alloc(std::mem::size_of::<Obj>(), 8).cast::<Obj>();
    p.write(Obj {
        rc: AtomicI64::new(1),
        slots: [0; 8],
    });
    p
}

#[test]
fn retain_and_release_count() {
    unsafe {
        let o = new_obj();
        weft_rt_retain(o.cast());
        weft_rt_retain(o.cast());
        assert_eq!((*o).rc.load(Ordering::Relaxed), 3);
        assert!(!weft_rt_release_count(o.cast()));
        assert!(!weft_rt_release_count(o.cast()));
        assert!(weft_rt_release_count(o.cast()), "the last owner frees");
        weft_rt_free(o.cast(), std::mem::size_of::<Obj>(), 8);
    }
}

#[test]
fn immortal_objects_are_never_counted() {
    static IMMORTAL: Obj = Obj {
        rc: AtomicI64::new(-1),
        slots: [0; 8],
    };
    let p = &IMMORTAL as *const Obj as *mut u8;
    unsafe {
        for _ in 0..10 {
            weft_rt_retain(p);
            assert!(!weft_rt_release_count(p));
            assert!(!weft_rt_release_count(p));
        }
    }
    assert_eq!(IMMORTAL.rc.load(Ordering::Relaxed), -1);
}

#[derive(Clone, Copy)]
struct Shared(*mut Obj);
// SAFETY: the object is shared through its atomic count, as generated code shares it.
unsafe impl Send for Shared {}

#[test]
fn eight_threads_retain_and_release_shared_objects() {
    const ROUNDS: usize = 200;
    const PAIRS: usize = 2_000;
    static FREED: AtomicI64 = AtomicI64::new(0);
    for _ in 0..ROUNDS {
        let obj = Shared(unsafe { new_obj() });
        for _ in 0..8 {
            unsafe { weft_rt_retain(obj.0.cast()) };
        }
        std::thread::scope(|scope| {
            for t in 0..8 {
                scope.spawn(move || unsafe {
                    let p = obj;
                    for _ in 0..PAIRS {
                        weft_rt_retain(p.0.cast());
                        assert!(
                            !weft_rt_release_count(p.0.cast()),
                            "never the last while owned"
                        );
                    }
                    (*p.0).slots[t] = t as u64 + 1;
                    if weft_rt_release_count(p.0.cast()) {
                        assert_eq!((*p.0).slots, [1, 2, 3, 4, 5, 6, 7, 8], "all writes visible");
                        FREED.fetch_add(1, Ordering::Relaxed);
                        weft_rt_free(p.0.cast(), std::mem::size_of::<Obj>(), 8);
                    }
                });
            }
            // The creator's own reference goes while the threads run.
            unsafe {
                if weft_rt_release_count(obj.0.cast()) {
                    FREED.fetch_add(1, Ordering::Relaxed);
                    weft_rt_free(obj.0.cast(), std::mem::size_of::<Obj>(), 8);
                }
            }
        });
    }
    assert_eq!(
        FREED.load(Ordering::Relaxed),
        ROUNDS as i64,
        "each object freed exactly once"
    );
}
