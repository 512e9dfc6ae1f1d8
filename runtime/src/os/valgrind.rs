//! Valgrind client requests for task stacks.
//!
//! Valgrind tracks one stack per OS thread; when a context switch moves the stack pointer
//! into another mapping it takes the move for a huge stack frame and reports the new
//! stack's saved registers as uninitialised. Registering every task stack with
//! `VALGRIND_STACK_REGISTER` tells it that such moves are stack switches.
//!
//! A client request is Valgrind's documented "special instruction" sequence (valgrind.h,
//! `VALGRIND_DO_CLIENT_REQUEST_EXPR`): rotations of a scratch register that sum to a full
//! turn followed by a marker instruction. On real hardware the sequence does nothing and
//! yields the default value (0), so the calls below cost a few instructions per stack
//! mapping and are always compiled in.

use std::sync::Mutex;

/// Request codes from valgrind.h (`Vg_ClientRequest`).
const RUNNING_ON_VALGRIND: usize = 0x1001;
const STACK_REGISTER: usize = 0x1501;
const STACK_DEREGISTER: usize = 0x1502;

/// Issues client request `args[0]` with arguments `args[1..]`; returns 0 when not running
/// under Valgrind.
#[cfg(target_arch = "x86_64")]
fn request(args: &[usize; 6]) -> usize {
    let result: usize;
    // SAFETY: the rotations of rdi sum to 128 bits and `xchg rbx, rbx` is a no-op, so on
    // hardware nothing changes but rdx, which starts as 0; Valgrind reads `args` via rax.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") 0usize => result,
            out("rdi") _,
            options(nostack),
        );
    }
    result
}

/// See the x86_64 version.
#[cfg(target_arch = "aarch64")]
fn request(args: &[usize; 6]) -> usize {
    let result: usize;
    // SAFETY: the rotations of x12 sum to 128 bits and `orr x10, x10, x10` is a no-op, so
    // on hardware nothing changes but x3, which starts as 0; Valgrind reads `args` via x4.
    unsafe {
        std::arch::asm!(
            "ror x12, x12, #3", "ror x12, x12, #13", "ror x12, x12, #51", "ror x12, x12, #61",
            "orr x10, x10, x10",
            in("x4") args.as_ptr(),
            inout("x3") 0usize => result,
            out("x12") _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn request(_args: &[usize; 6]) -> usize {
    0
}

/// Whether the process runs under Valgrind (checked once).
pub fn running() -> bool {
    static RUNNING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *RUNNING.get_or_init(|| request(&[RUNNING_ON_VALGRIND, 0, 0, 0, 0, 0]) != 0)
}

/// `(lowest address, Valgrind's stack id)` of registered stacks that may be unmapped.
static IDS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

/// Registers `base..base + size` as a stack for the life of the process (slab stacks,
/// which are never unmapped). A no-op outside Valgrind.
pub fn register_stack(base: usize, size: usize) {
    if running() {
        request(&[STACK_REGISTER, base, base + size, 0, 0, 0]);
    }
}

/// Registers a stack that will be unmapped: [`deregister_stack`] must be called first.
pub fn register_unmappable_stack(base: usize, size: usize) {
    if running() {
        let id = request(&[STACK_REGISTER, base, base + size, 0, 0, 0]);
        IDS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((base, id));
    }
}

/// Forgets the stack registered at `base` with [`register_unmappable_stack`].
pub fn deregister_stack(base: usize) {
    if !running() {
        return;
    }
    let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = ids.iter().position(|&(b, _)| b == base) {
        let (_, id) = ids.swap_remove(i);
        request(&[STACK_DEREGISTER, id, 0, 0, 0, 0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_no_ops_on_hardware() {
        if running() {
            return;
        }
        // On hardware every request yields the default, 0.
        assert_eq!(request(&[STACK_REGISTER, 0x1000, 0x2000, 0, 0, 0]), 0);
        register_stack(0x1000, 0x1000);
        register_unmappable_stack(0x3000, 0x1000);
        deregister_stack(0x3000);
    }
}
