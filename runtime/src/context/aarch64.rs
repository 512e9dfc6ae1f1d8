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

/// The assembly of a switching entry point `$name` (see [`super::switching_entry`]): saves
/// the frame pointer and link register; if the calling thread's stack limit is poked, calls
/// `{poked}` first (saving the eight argument registers around it); then calls the
/// implementation `{imp}`, restores the frame pointer and link register and returns with
/// `br x30` (an indirect branch, not the return-address stack's `ret`).
macro_rules! switching_entry_asm {
    ($name:literal) => {
        concat!(
            ".text\n",
            ".globl ",
            $name,
            "\n",
            ".type ",
            $name,
            ",%function\n",
            ".p2align 4\n",
            $name,
            ":\n",
            ".cfi_startproc\n",
            "stp x29, x30, [sp, #-16]!\n",
            ".cfi_def_cfa_offset 16\n",
            ".cfi_offset x29, -16\n",
            ".cfi_offset x30, -8\n",
            "mov x29, sp\n",
            "mrs x16, tpidr_el0\n",
            "adrp x17, :gottprel:weft_rt_stack_limit\n",
            "ldr x17, [x17, #:gottprel_lo12:weft_rt_stack_limit]\n",
            "ldr x17, [x16, x17]\n",
            "cmn x17, #1\n",
            "b.eq 2f\n",
            "1:\n",
            "bl {imp}\n",
            "ldp x29, x30, [sp], #16\n",
            ".cfi_remember_state\n",
            ".cfi_def_cfa_offset 0\n",
            ".cfi_restore x29\n",
            ".cfi_restore x30\n",
            "br x30\n",
            "2:\n",
            ".cfi_restore_state\n",
            "stp x0, x1, [sp, #-64]!\n",
            ".cfi_adjust_cfa_offset 64\n",
            "stp x2, x3, [sp, #16]\n",
            "stp x4, x5, [sp, #32]\n",
            "stp x6, x7, [sp, #48]\n",
            "bl {poked}\n",
            "ldp x2, x3, [sp, #16]\n",
            "ldp x4, x5, [sp, #32]\n",
            "ldp x6, x7, [sp, #48]\n",
            "ldp x0, x1, [sp], #64\n",
            ".cfi_adjust_cfa_offset -64\n",
            "b 1b\n",
            ".cfi_endproc\n",
            ".size ",
            $name,
            ", . - ",
            $name,
            "\n",
        )
    };
}
pub(crate) use switching_entry_asm;

/// Saves the callee-saved state of the running context on its stack, stores `sp` in
/// `*x0`, switches to the stack at `x1` and restores the state saved there (`x30` holds the
/// resumed context's return address afterwards, `x0` the transferred value from `x2`).
macro_rules! save_and_restore {
    () => {
        concat!(
            "sub sp, sp, #160\n",
            "stp x19, x20, [sp, #0]\n",
            "stp x21, x22, [sp, #16]\n",
            "stp x23, x24, [sp, #32]\n",
            "stp x25, x26, [sp, #48]\n",
            "stp x27, x28, [sp, #64]\n",
            "stp x29, x30, [sp, #80]\n",
            "stp d8, d9, [sp, #96]\n",
            "stp d10, d11, [sp, #112]\n",
            "stp d12, d13, [sp, #128]\n",
            "stp d14, d15, [sp, #144]\n",
            "mov x9, sp\n",
            "str x9, [x0]\n",
            "mov sp, x1\n",
            "ldp x19, x20, [sp, #0]\n",
            "ldp x21, x22, [sp, #16]\n",
            "ldp x23, x24, [sp, #32]\n",
            "ldp x25, x26, [sp, #48]\n",
            "ldp x27, x28, [sp, #64]\n",
            "ldp x29, x30, [sp, #80]\n",
            "ldp d8, d9, [sp, #96]\n",
            "ldp d10, d11, [sp, #112]\n",
            "ldp d12, d13, [sp, #128]\n",
            "ldp d14, d15, [sp, #144]\n",
            "add sp, sp, #160\n",
            "mov x0, x2\n",
        )
    };
}

core::arch::global_asm!(
    ".text",
    // weft_ctx_switch(save: x0, to: x1, value: x2) -> x0 = value: returns with `br x30`, predicted by the indirect
    // branch predictor (see x86_64.rs for why).
    ".globl weft_ctx_switch",
    ".hidden weft_ctx_switch",
    ".type weft_ctx_switch,%function",
    ".p2align 4",
    "weft_ctx_switch:",
    save_and_restore!(),
    "br x30",
    ".size weft_ctx_switch, . - weft_ctx_switch",
    // weft_ctx_handoff(save: x0, to: x1, value: x2): the same, returning with `ret` (return-stack
    // predictor: right when both sides were suspended at the same place).
    ".globl weft_ctx_handoff",
    ".hidden weft_ctx_handoff",
    ".type weft_ctx_handoff,%function",
    ".p2align 4",
    "weft_ctx_handoff:",
    save_and_restore!(),
    "ret",
    ".size weft_ctx_handoff, . - weft_ctx_handoff",
    // First code a fresh context runs: x19 = arg, x20 = start function, x0 = the value
    // transferred by the switch; sp is 16-byte aligned. x30 is cleared so that unwinders
    // stop here.
    ".globl weft_ctx_start",
    ".hidden weft_ctx_start",
    ".type weft_ctx_start,%function",
    ".p2align 4",
    "weft_ctx_start:",
    ".cfi_startproc",
    ".cfi_undefined x30",
    "mov x1, x0",
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
