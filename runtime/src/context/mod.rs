//! Stack switching between green tasks and the scheduler.
//!
//! A suspended context is a single pointer: the stack pointer at which [`switch`] pushed the
//! callee-saved registers of the suspended code. Everything a caller may rely on surviving a
//! call (the callee-saved registers of the C ABI) is saved on the suspended stack itself, so
//! switching costs a handful of stores and loads and no system call. The floating-point
//! environment (rounding mode, exception masks) is per OS thread and is not switched, as in
//! Go. Caller-saved registers need no saving: [`switch`] is an ordinary call,
//! so the compiler has already spilled whatever it needs across it.
//!
//! One tiny file per architecture holds the assembly ([`x86_64`](self) or `aarch64`), in
//! the style of Inko's `rt/src/context/unix/*.rs`.

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(target_arch = "aarch64")]
use aarch64 as arch;
#[cfg(target_arch = "x86_64")]
use x86_64 as arch;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("weft_rt supports x86_64 and aarch64 only");

/// The assembly of a *switching entry point* (see `sched::switching_entry!`, which names
/// the scheduler's safe-point function and so lives in the scheduler).
pub(crate) use arch::switching_entry_asm;

/// The function a fresh context starts in: receives the `arg` given to [`prepare`] and the
/// value transferred by the switch that first resumed it, and must never return (it ends by
/// switching away for good).
pub type StartFn = unsafe extern "C" fn(arg: *mut u8, value: usize) -> !;

extern "C" {
    /// Saves the callee-saved state on the current stack, stores the stack pointer in
    /// `*save`, then resumes the context whose saved stack pointer is `to`, handing it
    /// `value`; returns the value handed over by whoever resumes this context.
    fn weft_ctx_switch(save: *mut *mut u8, to: *mut u8, value: usize) -> usize;
    /// The same, tuned for two sides suspended at the same place (see [`handoff`]).
    fn weft_ctx_handoff(save: *mut *mut u8, to: *mut u8, value: usize) -> usize;
}

/// Suspends the running code into `*save` and resumes the context saved at `to`, handing it
/// `value` (the return value of the resumed side's own `switch`, or the second argument of
/// its start function).
///
/// Returns, with the value that side handed over, when some other code switches back to
/// the stack pointer stored in `*save` (possibly on another OS thread). The scheduler hands
/// over the resuming worker, so a task learns where it runs without reading a thread-local.
///
/// # Safety
/// `to` was produced by [`prepare`] or stored by an earlier `switch`, and is resumed at
/// most once; `save` is valid for writes.
#[inline(always)]
pub unsafe fn switch(save: *mut *mut u8, to: *mut u8, value: usize) -> usize {
    weft_ctx_switch(save, to, value)
}

/// [`switch`] for a hand-off between two contexts that were most likely suspended at the
/// same code location (two tasks yielding or parking through the same path). It returns
/// through the return-stack predictor, which is then right for the switch and the returns
/// after it; [`switch`] returns through the indirect-branch predictor, which is better
/// when the two sides differ (a task and the scheduler loop).
///
/// # Safety
/// As [`switch`].
#[inline(always)]
pub unsafe fn handoff(save: *mut *mut u8, to: *mut u8, value: usize) -> usize {
    weft_ctx_handoff(save, to, value)
}

/// Lays out a fresh context at the top of a stack so that the first [`switch`] to the
/// returned stack pointer calls `start(arg)` on that stack.
///
/// # Safety
/// `top` is the (exclusive) upper end of a writable stack at least one page large.
pub unsafe fn prepare(top: *mut u8, start: StartFn, arg: *mut u8) -> *mut u8 {
    arch::prepare(top, start, arg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static MAIN_SP: Cell<*mut u8> = const { Cell::new(core::ptr::null_mut()) };
        static TASK_SP: Cell<*mut u8> = const { Cell::new(core::ptr::null_mut()) };
        static HITS: Cell<u32> = const { Cell::new(0) };
    }

    unsafe extern "C" fn bounce(arg: *mut u8, first: usize) -> ! {
        assert_eq!(arg as usize, 0x1234);
        assert_eq!(
            first, 1,
            "the first switch's value reaches the start function"
        );
        let mut received = first;
        loop {
            HITS.with(|h| h.set(h.get() + 1));
            // A float computation across the switch checks that nothing is clobbered.
            let x = std::hint::black_box(1.5f64) * 2.0;
            let task_sp = TASK_SP.with(|c| c.as_ptr());
            let next = switch(task_sp, MAIN_SP.with(|c| c.get()), received * 10);
            assert_eq!(next, received + 1, "each switch hands over its value");
            received = next;
            assert_eq!(x, 3.0);
        }
    }

    #[test]
    fn switches_back_and_forth() {
        let mut stack = vec![0u8; 64 * 1024];
        let top = unsafe { stack.as_mut_ptr().add(stack.len()) };
        let sp = unsafe { prepare(top, bounce, 0x1234 as *mut u8) };
        TASK_SP.with(|c| c.set(sp));
        let callee_saved = std::hint::black_box(0xdead_beefu64);
        for i in 1..=1000 {
            let main_sp = MAIN_SP.with(|c| c.as_ptr());
            let to = TASK_SP.with(|c| c.get());
            // Both flavours save and restore the same state and transfer the same value.
            let back = unsafe {
                if i % 2 == 0 {
                    switch(main_sp, to, i)
                } else {
                    handoff(main_sp, to, i)
                }
            };
            assert_eq!(back, i * 10);
            assert_eq!(HITS.with(|h| h.get()), i as u32);
        }
        assert_eq!(callee_saved, 0xdead_beef);
    }
}
