//! Magazines: per-thread caches of small heap blocks in front of `malloc` (the magazine
//! layer of Bonwick and Adams, "Magazines and Vmem", USENIX 2001).
//!
//! Tasks move between workers, so a block that one worker allocates (the closure
//! environment of a spawn) is often freed by another (the worker that ran the task). glibc's
//! `free` then takes the owning arena's lock, and its own per-thread cache (seven blocks per
//! size) cannot absorb a steady one-way flow: a million spawns awaited on two workers spent
//! a quarter of their time in `_int_malloc` and `_int_free`. Here each thread keeps, per
//! size class, a magazine of up to [`MAGAZINE`] blocks; a thread that frees more than it
//! allocates hands full magazines to a global depot, and one that allocates more takes full
//! magazines from it: one lock per [`MAGAZINE`] blocks, whichever way the blocks flow.
//!
//! Invariants:
//! - a block in class `c` has room for `24 + 16·c` bytes (the usable sizes of glibc's
//!   chunks, so that a class wastes no memory there): blocks are allocated with
//!   `malloc(24 + 16·c)`, and a freed block is classified by its usable size
//!   (`malloc_usable_size`, rounded down to a class), never by the size the caller
//!   passes;
//! - every block in a magazine or in the depot came from the C library's `malloc` and is
//!   owned by nobody else; blocks above [`MAX_SIZE`] bytes never enter a magazine;
//! - the depot keeps at most [`DEPOT_LIMIT`] full magazines per class; beyond that, blocks
//!   go back to `free`, so the memory held idle stays bounded (at most 16 MiB);
//! - a thread's magazines go to the depot when the thread exits.

use std::cell::UnsafeCell;
use std::sync::Mutex;

/// Size classes: 24, 40, ..., 136 bytes.
const CLASSES: usize = 8;
const SMALLEST: usize = 24;
const GRANULE: usize = 16;
/// The largest request served from magazines (bytes).
pub const MAX_SIZE: usize = SMALLEST + (CLASSES - 1) * GRANULE;

/// The bytes a block of `class` has room for.
const fn class_size(class: usize) -> usize {
    SMALLEST + class * GRANULE
}
/// Blocks per magazine.
pub const MAGAZINE: usize = 64;
/// Full magazines the depot keeps per class.
pub const DEPOT_LIMIT: usize = 256;

/// A cached block (only ever owned by one magazine or the depot).
struct Block(*mut u8);

// SAFETY: a cached block is plain memory owned by whoever holds it.
unsafe impl Send for Block {}

/// A thread's magazines, one per class.
struct Magazines {
    bins: [Vec<Block>; CLASSES],
}

impl Drop for Magazines {
    fn drop(&mut self) {
        for (class, bin) in self.bins.iter_mut().enumerate() {
            if !bin.is_empty() {
                depot_put(class, std::mem::take(bin));
            }
        }
    }
}

thread_local! {
    static LOCAL: UnsafeCell<Magazines> = const {
        UnsafeCell::new(Magazines { bins: [const { Vec::new() }; CLASSES] })
    };
}

/// Full magazines per class, and empty magazine vectors to reuse.
struct Depot {
    full: Vec<Vec<Block>>,
    empty: Vec<Vec<Block>>,
}

static DEPOT: [Mutex<Depot>; CLASSES] = [const {
    Mutex::new(Depot {
        full: Vec::new(),
        empty: Vec::new(),
    })
}; CLASSES];

fn depot(class: usize) -> std::sync::MutexGuard<'static, Depot> {
    DEPOT[class].lock().unwrap_or_else(|e| e.into_inner())
}

/// A block of at least `size` bytes (`1..=MAX_SIZE`), 16-byte aligned; null when `malloc`
/// fails.
#[inline]
pub fn alloc(size: usize) -> *mut u8 {
    debug_assert!((1..=MAX_SIZE).contains(&size));
    let class = size.saturating_sub(SMALLEST).div_ceil(GRANULE);
    let cached = LOCAL.try_with(|m| {
        // SAFETY: the calling thread's own magazines; nothing here re-enters them.
        let bin = unsafe { &mut (*m.get()).bins[class] };
        match bin.pop() {
            Some(block) => block.0,
            None => refill(bin, class),
        }
    });
    // During thread exit, after the magazines are gone: straight from malloc.
    cached.unwrap_or_else(|_| malloc(class))
}

/// Takes a full magazine from the depot into the empty `bin` and returns one of its
/// blocks, or a fresh block from `malloc` when the depot has none.
#[cold]
fn refill(bin: &mut Vec<Block>, class: usize) -> *mut u8 {
    let full = {
        let mut d = depot(class);
        match d.full.pop() {
            Some(full) => {
                d.empty.push(std::mem::replace(bin, full));
                true
            }
            None => false,
        }
    };
    match bin.pop() {
        Some(block) if full => block.0,
        _ => malloc(class),
    }
}

fn malloc(class: usize) -> *mut u8 {
    // SAFETY: malloc has no preconditions.
    unsafe { libc::malloc(class_size(class)).cast() }
}

/// Frees a block from the C library's `malloc` (one of [`alloc`]'s, or any other): small
/// blocks go to the calling thread's magazine, others to `free`.
///
/// # Safety
/// `p` came from `malloc` (or this module) and is not used again.
#[inline]
pub unsafe fn free(p: *mut u8) {
    let usable = libc::malloc_usable_size(p.cast());
    if !(SMALLEST..MAX_SIZE + GRANULE).contains(&usable) {
        return libc::free(p.cast());
    }
    let class = (usable - SMALLEST) / GRANULE;
    let cached = LOCAL.try_with(|m| {
        // SAFETY: as in `alloc`.
        let bin = &mut (*m.get()).bins[class];
        if bin.len() == MAGAZINE {
            flush(bin, class);
        }
        bin.push(Block(p));
    });
    if cached.is_err() {
        libc::free(p.cast());
    }
}

/// Hands the full `bin` to the depot and replaces it with an empty magazine.
#[cold]
fn flush(bin: &mut Vec<Block>, class: usize) {
    let empty = depot(class).empty.pop().unwrap_or_default();
    depot_put(class, std::mem::replace(bin, empty));
}

/// Gives `magazine` to the depot, or its blocks back to `free` when the depot is full.
fn depot_put(class: usize, magazine: Vec<Block>) {
    let mut d = depot(class);
    if d.full.len() < DEPOT_LIMIT {
        d.full.push(magazine);
        return;
    }
    drop(d);
    for block in magazine {
        // SAFETY: cached blocks came from malloc and are owned by the magazine.
        unsafe { libc::free(block.0.cast()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_room_for_their_class() {
        for size in 1..=MAX_SIZE {
            let p = alloc(size);
            assert!(!p.is_null());
            assert_eq!(p as usize % 16, 0);
            // SAFETY: the block has room for `size` bytes.
            unsafe {
                p.write_bytes(0xab, size);
                assert!(libc::malloc_usable_size(p.cast()) >= size);
                free(p);
            }
        }
    }

    #[test]
    fn freed_blocks_are_reused_by_the_same_thread() {
        let p = alloc(40);
        // SAFETY: from `alloc`.
        unsafe { free(p) };
        assert_eq!(alloc(40), p, "the magazine hands back its last block");
        // SAFETY: as above.
        unsafe { free(p) };
    }

    #[test]
    fn blocks_flow_between_threads_through_the_depot() {
        // One thread allocates, another frees: the freed blocks come back through the
        // depot once a full magazine is handed over.
        let n = MAGAZINE * 4;
        let blocks: Vec<usize> = (0..n).map(|_| alloc(24) as usize).collect();
        let freed = blocks.clone();
        std::thread::spawn(move || {
            for p in freed {
                // SAFETY: blocks from `alloc`, freed once.
                unsafe { free(p as *mut u8) };
            }
        })
        .join()
        .unwrap();
        let again: Vec<usize> = (0..n).map(|_| alloc(24) as usize).collect();
        assert!(
            again.iter().any(|p| blocks.contains(p)),
            "blocks freed on another thread are reused"
        );
        for p in again {
            // SAFETY: as above.
            unsafe { free(p as *mut u8) };
        }
    }

    #[test]
    fn large_blocks_bypass_the_magazines() {
        // SAFETY: a malloc block of a size no class holds.
        unsafe {
            let p = libc::malloc(4096).cast::<u8>();
            free(p);
        }
    }
}
