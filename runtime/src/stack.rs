//! Task stacks: 64 KiB by default, carved from large `mmap`'d slabs and pooled per worker.
//!
//! Invariants:
//! - a [`Stack`] is owned by exactly one task (while it has started and not finished) or by
//!   exactly one pool; a task that has not started owns none;
//! - default-size stacks come from slabs of [`SLAB_STACKS`] stacks mapped with
//!   `MAP_NORESERVE` and are never unmapped; they carry **no guard page** (each guard page
//!   would split the mapping, and `vm.max_map_count` would cap the runtime near 32k parked
//!   tasks). Overflow is caught by the check the compiler emits in every prologue, against
//!   the thread-local `weft_rt_stack_limit` that the scheduler stores on every switch
//!   ([`set_limit`]); the limit sits [`RESERVE`] bytes above the stack's lowest address so
//!   that runtime and C code, which run unchecked, always have room;
//! - a worker's pool keeps at most [`HOT_LIMIT`] idle stacks; beyond that, it hands a batch
//!   to the global warm list, whose stacks keep their pages (so that when tasks finish on
//!   another worker than the one they started on, stacks flow between the pools without
//!   any system call). Stacks that stay in the warm list for [`RELEASE_AFTER_NS`] are
//!   released with `madvise(MADV_DONTNEED)` and go to the global cold list (checked on
//!   every spill and whenever a worker goes to sleep, [`release_idle`]), so the memory of
//!   a burst of tasks goes back to the kernel once the burst is over, as Go's scavenger
//!   returns idle spans. Releasing on every spill instead costs a page fault per reuse and
//!   a TLB shoot-down on every other core running the process each time: on a 2-vCPU VM
//!   that took 15 % of a parallel spawn-heavy run.
//! - stacks of any other size (`spawn_with_stack`) are mapped and unmapped one by one;
//! - the main task's 8 MiB stack ([`GuardedStack`]) has a real guard page below it, caught
//!   by the SIGSEGV handler of [`crate::os::signals`].

use std::collections::VecDeque;
use std::ptr::NonNull;
use std::sync::{Mutex, OnceLock};

use crate::os::{page_size, valgrind};

/// Bytes between a task stack's lowest address and its stack limit: room for runtime and
/// C calls, which have no overflow check of their own.
pub const RESERVE: usize = 16 * 1024;
/// Default size of a task stack when `WEFT_STACK_SIZE` is unset.
pub const DEFAULT_SIZE: usize = 64 * 1024;
/// Smallest stack a task can have: the reserve plus 16 KiB for checked code.
pub const MIN_SIZE: usize = RESERVE + 16 * 1024;
/// Default-size stacks per slab (one `mmap` each).
pub const SLAB_STACKS: usize = 256;
/// Idle stacks a worker keeps resident before returning memory to the kernel.
pub const HOT_LIMIT: usize = 256;
/// How long idle stacks stay in the global warm list before their memory goes back to the
/// kernel (ns).
pub const RELEASE_AFTER_NS: u64 = 1_000_000_000;
/// Stacks moved between a worker's pool and the global lists at once.
const BATCH: usize = 32;

/// The limit value that fails every prologue check: another thread's request that the task
/// running on a thread call into the runtime at its next function entry ([`poke`]).
pub const POKE: usize = usize::MAX;

extern "C" {
    fn weft_rt__set_stack_limit(limit: usize);
    fn weft_rt__enter_task(limit: usize, cancel_flag: *const u8);
    fn weft_rt__set_cancel_flag(cancel_flag: *const u8);
    fn weft_rt__stack_limit() -> usize;
    fn weft_rt__stack_limit_slot() -> *mut usize;
}

/// The calling thread's limit variable, which other threads may [`poke`].
pub fn limit_slot() -> *mut usize {
    // SAFETY: returns the address of the calling thread's thread-local.
    unsafe { weft_rt__stack_limit_slot() }
}

/// Makes the next prologue check of the code running on the thread that owns `slot` (from
/// [`limit_slot`]) fail, so that it calls `weft_rt_morestack`, which sees [`POKE`] and
/// restores the limit.
///
/// # Safety
/// `slot` came from [`limit_slot`] on a thread that is still running (workers never exit).
pub unsafe fn poke(slot: *mut usize) {
    std::sync::atomic::AtomicUsize::from_ptr(slot)
        .store(POKE, std::sync::atomic::Ordering::Relaxed);
}

/// Stores the stack limit that generated code compares its stack pointer with, for the
/// calling thread (`weft_rt_stack_limit`, defined in `stack_limit.c`). 0 disables the check.
#[inline]
pub fn set_limit(limit: usize) {
    // SAFETY: a plain store to the calling thread's thread-local.
    unsafe { weft_rt__set_stack_limit(limit) }
}

/// [`set_limit`] for a switch into a task, also storing the address of the task's cancel
/// flag (one byte, nonzero when cancelled) in the thread-local `weft_rt_cancel_flag` that
/// generated code reads for `Task.isCancelled()` (`stack_limit.c`).
#[inline]
pub fn enter_task(limit: usize, cancel_flag: &'static std::sync::atomic::AtomicBool) {
    let flag: *const u8 = cancel_flag.as_ptr().cast_const().cast();
    // SAFETY: plain stores to the calling thread's thread-locals; the flag lives forever.
    unsafe { weft_rt__enter_task(limit, flag) }
}

/// Stores the address of the cancel flag generated code reads for `Task.isCancelled()`
/// (see [`enter_task`]) without changing the stack limit.
#[inline]
pub fn set_cancel_flag(cancel_flag: &'static std::sync::atomic::AtomicBool) {
    let flag: *const u8 = cancel_flag.as_ptr().cast_const().cast();
    // SAFETY: a plain store to the calling thread's thread-local; the flag lives forever.
    unsafe { weft_rt__set_cancel_flag(flag) }
}

/// The calling thread's current stack limit (see [`set_limit`]).
pub fn limit() -> usize {
    // SAFETY: a plain load of the calling thread's thread-local.
    unsafe { weft_rt__stack_limit() }
}

/// Rounds `size` up to whole pages and to at least [`MIN_SIZE`].
pub fn round_size(size: usize) -> usize {
    let page = page_size();
    size.max(MIN_SIZE).div_ceil(page) * page
}

/// The default task stack size: `WEFT_STACK_SIZE` (bytes, or with a `k`/`m` suffix) when
/// set and valid, else 64 KiB; rounded by [`round_size`]. Read once.
pub fn default_size() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        let env = std::env::var("WEFT_STACK_SIZE").ok();
        round_size(env.as_deref().and_then(parse_size).unwrap_or(DEFAULT_SIZE))
    })
}

/// Parses `65536`, `64k`, `64K`, `1m`, `1M` into bytes.
pub fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, unit) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 1024),
        b'm' | b'M' => (&text[..text.len() - 1], 1024 * 1024),
        _ => (text, 1),
    };
    digits
        .parse::<usize>()
        .ok()?
        .checked_mul(unit)
        .filter(|&n| n > 0)
}

/// A task stack: `size` bytes starting at `base` (its lowest address); it grows down from
/// `base + size`.
#[derive(Debug)]
pub struct Stack {
    base: NonNull<u8>,
    size: usize,
}

// SAFETY: a stack is plain memory handed from owner to owner.
unsafe impl Send for Stack {}

impl Stack {
    /// Lowest address of the stack.
    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// One past the highest address: where the stack pointer starts.
    pub fn top(&self) -> *mut u8 {
        // SAFETY: base..base+size is one mapping.
        unsafe { self.base.as_ptr().add(self.size) }
    }

    /// The stack limit to store while this stack runs (see [`set_limit`]).
    pub fn limit(&self) -> usize {
        self.base.as_ptr() as usize + RESERVE
    }

    /// Gives up ownership, returning the base address (see [`Stack::from_raw`]).
    pub fn into_raw(self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Takes back ownership of a stack given up with [`Stack::into_raw`].
    ///
    /// # Safety
    /// `base` came from `into_raw` of a stack of exactly `size` bytes, not reclaimed since.
    pub unsafe fn from_raw(base: *mut u8, size: usize) -> Stack {
        Stack {
            base: NonNull::new_unchecked(base),
            size,
        }
    }

    /// Whether `addr` lies within the stack.
    pub fn contains(&self, addr: usize) -> bool {
        let base = self.base.as_ptr() as usize;
        (base..base + self.size).contains(&addr)
    }

    /// Maps a stack of exactly `size` bytes (a multiple of the page size) on its own.
    fn map(size: usize) -> Stack {
        let base = map_anonymous(size, libc::PROT_READ | libc::PROT_WRITE);
        valgrind::register_unmappable_stack(base.as_ptr() as usize, size);
        Stack { base, size }
    }

    /// Releases the physical pages of the stack (its contents become zero on next use).
    fn discard(&self) {
        // SAFETY: the range is one private anonymous mapping owned by this stack.
        unsafe { libc::madvise(self.base().cast(), self.size, libc::MADV_DONTNEED) };
    }
}

/// Maps `size` bytes of private anonymous memory without reserving swap; aborts the
/// process with a fatal error when the kernel refuses.
fn map_anonymous(size: usize, prot: i32) -> NonNull<u8> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let ptr = unsafe { libc::mmap(std::ptr::null_mut(), size, prot, flags, -1, 0) };
    if ptr == libc::MAP_FAILED {
        fatal_out_of_memory(size);
    }
    NonNull::new(ptr.cast()).expect("mmap returned null")
}

#[cold]
fn fatal_out_of_memory(size: usize) -> ! {
    crate::os::fatal(&format!("out of memory mapping a {size}-byte stack"))
}

/// Process-wide stack memory behind the per-worker pools.
struct Global {
    /// Next unused default-size stack of the current slab, and the slab's end.
    cursor: usize,
    end: usize,
    /// Batches of idle default-size stacks that keep their pages, oldest first.
    warm: VecDeque<WarmBatch>,
    /// Idle default-size stacks whose pages were released.
    cold: Vec<Stack>,
}

static GLOBAL: Mutex<Global> = Mutex::new(Global {
    cursor: 0,
    end: 0,
    warm: VecDeque::new(),
    cold: Vec::new(),
});

/// Stacks handed to the warm list at one time.
struct WarmBatch {
    /// When they were handed over ([`crate::os::clock::now_ns`]).
    since_ns: u64,
    stacks: Vec<Stack>,
}

fn global() -> std::sync::MutexGuard<'static, Global> {
    GLOBAL.lock().unwrap_or_else(|e| e.into_inner())
}

impl Global {
    /// A stack from the most recent warm batch.
    fn pop_warm(&mut self) -> Option<Stack> {
        let batch = self.warm.back_mut()?;
        let stack = batch.stacks.pop();
        if batch.stacks.is_empty() {
            self.warm.pop_back();
        }
        stack
    }

    /// Moves up to `n` default-size stacks of `size` bytes into `out`: warm ones first, then
    /// cold ones, then fresh ones from the current slab (mapping a new slab when it runs
    /// out).
    fn take(&mut self, size: usize, n: usize, out: &mut Vec<Stack>) {
        while out.len() < n {
            if let Some(stack) = self.pop_warm().or_else(|| self.cold.pop()) {
                out.push(stack);
                continue;
            }
            if self.cursor == self.end {
                let slab = map_anonymous(size * SLAB_STACKS, libc::PROT_READ | libc::PROT_WRITE);
                self.cursor = slab.as_ptr() as usize;
                self.end = self.cursor + size * SLAB_STACKS;
            }
            let base = NonNull::new(self.cursor as *mut u8).expect("slab cursor is non-null");
            valgrind::register_stack(self.cursor, size);
            self.cursor += size;
            out.push(Stack { base, size });
        }
    }
}

/// Returns the memory of stacks that have stayed idle in the warm list for
/// [`RELEASE_AFTER_NS`] to the kernel (a worker calls this when it goes to sleep).
pub fn release_idle() {
    release_warm_before(crate::os::clock::now_ns().saturating_sub(RELEASE_AFTER_NS));
}

/// Releases the pages of warm batches handed over before `cutoff_ns` (outside the lock)
/// and moves their stacks to the cold list.
fn release_warm_before(cutoff_ns: u64) {
    loop {
        let batch = {
            let mut global = global();
            match global.warm.front() {
                Some(b) if b.since_ns < cutoff_ns => global.warm.pop_front(),
                _ => return,
            }
        };
        let Some(batch) = batch else { return };
        for stack in &batch.stacks {
            stack.discard();
        }
        global().cold.extend(batch.stacks);
    }
}

/// A worker's pool of idle default-size stacks (see the module docs for its bounds).
/// Only its worker touches it, so taking and giving back costs no lock and no system call.
#[derive(Debug, Default)]
pub struct StackPool {
    hot: Vec<Stack>,
}

impl StackPool {
    /// An empty pool.
    pub const fn new() -> StackPool {
        StackPool { hot: Vec::new() }
    }

    /// A stack of `size` bytes (0 = the default size).
    pub fn take(&mut self, size: usize) -> Stack {
        let default = default_size();
        if size != 0 && round_size(size) != default {
            return Stack::map(round_size(size));
        }
        match self.hot.pop() {
            Some(stack) => stack,
            None => self.refill(default),
        }
    }

    #[cold]
    fn refill(&mut self, size: usize) -> Stack {
        global().take(size, BATCH, &mut self.hot);
        self.hot.pop().expect("refill produced stacks")
    }

    /// Returns a stack taken from any pool (stacks of other sizes are unmapped).
    pub fn give(&mut self, stack: Stack) {
        if stack.size != default_size() {
            valgrind::deregister_stack(stack.base() as usize);
            // SAFETY: a non-default stack is its own mapping and is no longer used.
            unsafe { libc::munmap(stack.base().cast(), stack.size) };
            return;
        }
        if self.hot.len() >= HOT_LIMIT {
            self.spill();
        }
        self.hot.push(stack);
    }

    /// Hands the oldest idle stacks to the global warm list, then releases what stayed
    /// there too long.
    #[cold]
    fn spill(&mut self) {
        let stacks = self.hot.drain(..BATCH).collect();
        let now = crate::os::clock::now_ns();
        global().warm.push_back(WarmBatch {
            since_ns: now,
            stacks,
        });
        release_warm_before(now.saturating_sub(RELEASE_AFTER_NS));
    }

    /// Number of idle stacks held.
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    /// Whether the pool holds no stack.
    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }
}

/// A stack with a real guard page below it (the main task's 8 MiB stack): touching the
/// guard page raises SIGSEGV, which the runtime's handler reports as a stack overflow.
#[derive(Debug)]
pub struct GuardedStack {
    mapping: NonNull<u8>,
    len: usize,
}

// SAFETY: plain memory, owned by one task.
unsafe impl Send for GuardedStack {}
// SAFETY: only addresses are read through a shared reference.
unsafe impl Sync for GuardedStack {}

impl GuardedStack {
    /// Maps `size` usable bytes (rounded up to pages) plus one guard page below them.
    pub fn new(size: usize) -> GuardedStack {
        let page = page_size();
        let size = size.div_ceil(page) * page;
        let mapping = map_anonymous(size + page, libc::PROT_READ | libc::PROT_WRITE);
        // SAFETY: the first page belongs to the fresh mapping.
        unsafe { libc::mprotect(mapping.as_ptr().cast(), page, libc::PROT_NONE) };
        valgrind::register_unmappable_stack(mapping.as_ptr() as usize + page, size);
        GuardedStack {
            mapping,
            len: size + page,
        }
    }

    /// The guard page's address range (`start..end`).
    pub fn guard(&self) -> (usize, usize) {
        let start = self.mapping.as_ptr() as usize;
        (start, start + page_size())
    }

    /// One past the highest usable address.
    pub fn top(&self) -> *mut u8 {
        // SAFETY: within (one past) the mapping.
        unsafe { self.mapping.as_ptr().add(self.len) }
    }
}

impl Drop for GuardedStack {
    fn drop(&mut self) {
        valgrind::deregister_stack(self.mapping.as_ptr() as usize + page_size());
        // SAFETY: the mapping is owned by this value and no longer in use.
        unsafe { libc::munmap(self.mapping.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("65536"), Some(65536));
        assert_eq!(parse_size("64k"), Some(65536));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("0"), None);
    }

    #[test]
    fn rounds_sizes() {
        assert_eq!(round_size(1), MIN_SIZE);
        assert_eq!(round_size(MIN_SIZE + 1), MIN_SIZE + page_size());
    }

    #[test]
    fn pool_reuses_and_bounds() {
        let mut pool = StackPool::new();
        let a = pool.take(0);
        assert_eq!(a.size(), default_size());
        assert_eq!(a.limit(), a.base() as usize + RESERVE);
        let base = a.base();
        // SAFETY: the stack is ours and writable.
        unsafe { a.top().sub(1).write(7) };
        pool.give(a);
        let b = pool.take(0);
        assert_eq!(b.base(), base);
        let mut held: Vec<Stack> = (0..HOT_LIMIT + 40).map(|_| pool.take(0)).collect();
        held.push(b);
        for stack in held {
            pool.give(stack);
        }
        assert!(pool.len() <= HOT_LIMIT);
    }

    #[test]
    fn spilled_stacks_reach_other_pools_with_their_pages() {
        const MARK: u64 = 0x5745_4654_5741_524d;
        let mut spilling = StackPool::new();
        let held: Vec<Stack> = (0..HOT_LIMIT + BATCH).map(|_| spilling.take(0)).collect();
        for stack in held {
            // SAFETY: the stack is ours and writable.
            unsafe { stack.top().cast::<u64>().sub(1).write(MARK) };
            spilling.give(stack);
        }
        // The pool spilled one batch to the warm list; another pool refills from it.
        let mut other = StackPool::new();
        let taken: Vec<Stack> = (0..BATCH).map(|_| other.take(0)).collect();
        // SAFETY: the stacks are ours and readable.
        let marked = taken
            .iter()
            .filter(|s| unsafe { s.top().cast::<u64>().sub(1).read() } == MARK)
            .count();
        assert!(marked > 0, "warm stacks keep their contents");
        for stack in taken {
            other.give(stack);
        }
    }

    #[test]
    fn other_sizes_are_mapped_alone() {
        let mut pool = StackPool::new();
        let big = pool.take(1 << 20);
        assert_eq!(big.size(), 1 << 20);
        // SAFETY: the stack is ours and writable.
        unsafe { big.base().write(1) };
        pool.give(big);
        assert!(pool.is_empty());
    }

    #[test]
    fn limit_is_per_thread() {
        set_limit(1234);
        assert_eq!(limit(), 1234);
        std::thread::spawn(|| assert_eq!(limit(), 0))
            .join()
            .unwrap();
        set_limit(0);
    }

    #[test]
    fn guarded_stack_layout() {
        let s = GuardedStack::new(8 << 20);
        let (lo, hi) = s.guard();
        assert_eq!(hi - lo, page_size());
        assert_eq!(s.top() as usize - hi, 8 << 20);
    }
}
