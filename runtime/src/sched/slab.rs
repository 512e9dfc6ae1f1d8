//! The memory pooled objects (task objects and activations, see `pool.rs`) are carved
//! from: a bump allocator over anonymous mappings that are never unmapped (pooled objects
//! are type-stable).
//!
//! A million live tasks take about 160 MB of task objects. With 4 KiB pages, first touches
//! of that memory cost one page fault each (about 40,000 faults, a third of the run time of
//! a million spawns on this machine). So mappings grow geometrically from [`FIRST`] to
//! [`HUGE`] (2 MiB), and the 2 MiB ones are aligned and marked `MADV_HUGEPAGE` so that the
//! kernel backs each with one transparent huge page when it can (one fault per 2 MiB). Small
//! programs keep a small footprint: their tasks fit in the first, small mappings (2 MiB
//! mappings start after about 12,000 task objects).
//!
//! Measured with `benches/spawn_await` (a million promises) at one thread: 53,000 page
//! faults and 0.32-0.39 s with 4 KiB pages; 12,500 faults and 0.23-0.27 s with huge pages.
//! When physical memory is fragmented, the kernel may compact it on the first such fault
//! (the `defrag` setting), which can cost that one run more than it saves; `MAP_POPULATE`
//! on 4 KiB pages was measured too and saved nothing.
//!
//! Invariants: `next..end` is unused memory of the current mapping, `next` 64-byte aligned;
//! memory handed out is zeroed (fresh anonymous pages) and never returned.

use std::ptr;
use std::sync::Mutex;

/// Size of the first mapping.
const FIRST: usize = 64 << 10;
/// Size (and alignment) of a transparent huge page on x86_64 and aarch64 (4 KiB granule).
const HUGE: usize = 2 << 20;
/// Alignment of every block handed out (a cache line).
const ALIGN: usize = 64;

#[derive(Debug)]
struct Slab {
    next: usize,
    end: usize,
    /// Size of the last mapping (the next one doubles it, up to `HUGE`).
    last: usize,
}

static SLAB: Mutex<Slab> = Mutex::new(Slab {
    next: 0,
    end: 0,
    last: 0,
});

/// `bytes` of zeroed, 64-byte-aligned memory that is never freed. `bytes` is at most
/// 1 MiB. Out of memory is fatal.
pub(crate) fn alloc(bytes: usize) -> *mut u8 {
    assert!(bytes <= HUGE / 2, "slab blocks are small");
    let bytes = bytes.next_multiple_of(ALIGN);
    let mut slab = SLAB.lock().unwrap_or_else(|e| e.into_inner());
    if slab.end - slab.next < bytes {
        let size = (slab.last * 2).clamp(FIRST, HUGE);
        let base = map(size);
        *slab = Slab {
            next: base,
            end: base + size,
            last: size,
        };
    }
    let block = slab.next;
    slab.next += bytes;
    block as *mut u8
}

/// A fresh anonymous mapping of `size` bytes (a huge-page candidate when `size == HUGE`).
fn map(size: usize) -> usize {
    let huge = size == HUGE;
    // A huge page needs a 2 MiB-aligned range: map twice the size and trim.
    let len = if huge { 2 * size } else { size };
    // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        crate::os::fatal("out of memory allocating task objects");
    }
    let start = p as usize;
    if !huge {
        return start;
    }
    let base = start.next_multiple_of(HUGE);
    // SAFETY: unmapping the unaligned head and tail of our own mapping, then advising the
    // aligned middle; failures only cost the optimisation.
    unsafe {
        if base > start {
            libc::munmap(p, base - start);
        }
        let tail = start + len - (base + size);
        if tail > 0 {
            libc::munmap((base + size) as *mut libc::c_void, tail);
        }
        libc::madvise(base as *mut libc::c_void, size, libc::MADV_HUGEPAGE);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_zeroed_and_disjoint() {
        let mut seen = Vec::new();
        // Enough to go through several mappings, including a huge one.
        for _ in 0..600 {
            let p = alloc(10_240);
            assert_eq!(p as usize % ALIGN, 0);
            // SAFETY: a fresh block of 10,240 bytes.
            let block = unsafe { std::slice::from_raw_parts_mut(p, 10_240) };
            assert!(block.iter().all(|&b| b == 0));
            block.fill(0xab);
            seen.push(p as usize);
        }
        seen.sort_unstable();
        assert!(seen.windows(2).all(|w| w[1] - w[0] >= 10_240));
    }
}
