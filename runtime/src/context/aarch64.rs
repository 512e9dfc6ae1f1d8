//! Context switching for aarch64 (AAPCS64).
//!
//! Saved on the suspended stack in a 160-byte frame, from the lowest address up:
//! - `x19`–`x28`: callee-saved general registers;
//! - `x29`: frame pointer (callee-saved);
//! - `x30`: link register, i.e. where `weft_ctx_switch` returns to;
//! - `d8`–`d15`: the low 64 bits of `v8`–`v15`, the only callee-saved SIMD/FP state.
//!
//! Everything else (`x0`–`x18`, the upper halves of `v8`–`v15`, `v0`–`v7`, `v16`–`v31`)
//! is caller-saved and already spilled by the caller. `sp` itself is stored in `*save`.

use super::StartFn;

core::arch::global_asm!(
    ".text",
    ".globl weft_ctx_switch",
    ".hidden weft_ctx_switch",
    ".type weft_ctx_switch,%function",
    ".p2align 4",
    // x0 = save (*mut *mut u8), x1 = to (*mut u8)
    "weft_ctx_switch:",
    "sub sp, sp, #160",
    "stp x19, x20, [sp, #0]",
    "stp x21, x22, [sp, #16]",
    "stp x23, x24, [sp, #32]",
    "stp x25, x26, [sp, #48]",
    "stp x27, x28, [sp, #64]",
    "stp x29, x30, [sp, #80]",
    "stp d8, d9, [sp, #96]",
    "stp d10, d11, [sp, #112]",
    "stp d12, d13, [sp, #128]",
    "stp d14, d15, [sp, #144]",
    "mov x9, sp",
    "str x9, [x0]",
    "mov sp, x1",
    "ldp x19, x20, [sp, #0]",
    "ldp x21, x22, [sp, #16]",
    "ldp x23, x24, [sp, #32]",
    "ldp x25, x26, [sp, #48]",
    "ldp x27, x28, [sp, #64]",
    "ldp x29, x30, [sp, #80]",
    "ldp d8, d9, [sp, #96]",
    "ldp d10, d11, [sp, #112]",
    "ldp d12, d13, [sp, #128]",
    "ldp d14, d15, [sp, #144]",
    "add sp, sp, #160",
    "ret",
    ".size weft_ctx_switch, . - weft_ctx_switch",
    // First code a fresh context runs: x19 = arg, x20 = start function; sp is 16-byte
    // aligned. x30 is cleared so that unwinders stop here.
    ".globl weft_ctx_start",
    ".hidden weft_ctx_start",
    ".type weft_ctx_start,%function",
    ".p2align 4",
    "weft_ctx_start:",
    ".cfi_startproc",
    ".cfi_undefined x30",
    "mov x0, x19",
    "mov x30, xzr",
    "blr x20",
    "brk #1",
    ".cfi_endproc",
    ".size weft_ctx_start, . - weft_ctx_start",
);

extern "C" {
    fn weft_ctx_start();
}

/// See [`super::prepare`]. The frame mirrors what `weft_ctx_switch` loads, with
/// `weft_ctx_start` in `x30` so that its `ret` enters it.
pub unsafe fn prepare(top: *mut u8, start: StartFn, arg: *mut u8) -> *mut u8 {
    let top = (top as usize & !15) as *mut u64;
    let sp = top.sub(20);
    sp.write_bytes(0, 20);
    sp.add(0).write(arg as u64); // x19
    sp.add(1).write(start as usize as u64); // x20
    sp.add(11)
        .write(weft_ctx_start as *const () as usize as u64); // x30
    sp.cast()
}
