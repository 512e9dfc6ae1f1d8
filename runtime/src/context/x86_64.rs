//! Context switching for x86_64 (System V ABI).
//!
//! Saved on the suspended stack, from the highest address down:
//! - the return address (pushed by the `call` to `weft_ctx_switch`);
//! - `rbp`: callee-saved (frame pointer);
//! - `rbx`: callee-saved;
//! - `r12`–`r15`: callee-saved;
//! - one spare 8-byte slot that keeps the saved frame a multiple of 16 bytes.
//!
//! Everything else (`rax`, `rcx`, `rdx`, `rsi`, `rdi`, `r8`–`r11`, `xmm0`–`xmm15`) is
//! caller-saved and already spilled by the caller. `rsp` itself is stored in `*save`.
//!
//! The floating-point environment (MXCSR and the x87 control word: rounding mode and
//! exception masks) belongs to the OS thread, not to the task, as in Go's `gogo`
//! (runtime/asm_amd64.s) and as on aarch64 here, where FPCR is not switched either: Weft
//! code never changes it, and saving it costs about 3 ns per switch (stmxcsr + fnstcw,
//! measured on this machine: 12.3 ns against 9.3 ns per switch). C code that changes the
//! rounding mode must restore it before it returns or parks.

use super::StartFn;

/// Saves the callee-saved state of the running context on its stack, stores `rsp` in
/// `*rdi`, switches to the stack at `rsi` and restores the state saved there, with the
/// transferred value (`rdx`) in `rax`, the resumed side's return value. Expands to
/// everything but the final transfer of control.
macro_rules! save_and_restore {
    () => {
        concat!(
            "mov rax, rdx\n",
            "push rbp\n",
            "push rbx\n",
            "push r12\n",
            "push r13\n",
            "push r14\n",
            "push r15\n",
            "sub rsp, 8\n",
            "mov [rdi], rsp\n",
            "mov rsp, rsi\n",
            "add rsp, 8\n",
            "pop r15\n",
            "pop r14\n",
            "pop r13\n",
            "pop r12\n",
            "pop rbx\n",
            "pop rbp\n",
        )
    };
}

core::arch::global_asm!(
    ".text",
    // weft_ctx_switch(save: rdi, to: rsi, value: rdx) -> rax = value: returns with `pop` + `jmp`. The return-stack
    // predictor would guess this context's own caller, which is wrong whenever the two sides
    // were suspended at different places (a task and the scheduler loop); the indirect-jump
    // predictor learns such hand-offs (5 ns instead of 10 ns per switch measured here).
    ".globl weft_ctx_switch",
    ".hidden weft_ctx_switch",
    ".type weft_ctx_switch,@function",
    ".p2align 4",
    "weft_ctx_switch:",
    save_and_restore!(),
    "pop rdx",
    "jmp rdx",
    ".size weft_ctx_switch, . - weft_ctx_switch",
    // weft_ctx_handoff(save: rdi, to: rsi, value: rdx): the same, returning with `ret`. When both sides
    // were suspended at the same place (two tasks yielding or parking through the same code),
    // the return-stack predictor is right for the switch and for every return after it,
    // where a `jmp` would leave it one entry off.
    ".globl weft_ctx_handoff",
    ".hidden weft_ctx_handoff",
    ".type weft_ctx_handoff,@function",
    ".p2align 4",
    "weft_ctx_handoff:",
    save_and_restore!(),
    "ret",
    ".size weft_ctx_handoff, . - weft_ctx_handoff",
    // First code a fresh context runs: r12 = arg, r13 = start function, rax = the value
    // transferred by the switch. rsp is 16-byte aligned here, so the `call` gives the
    // callee the alignment the ABI promises.
    ".globl weft_ctx_start",
    ".hidden weft_ctx_start",
    ".type weft_ctx_start,@function",
    ".p2align 4",
    "weft_ctx_start:",
    ".cfi_startproc",
    ".cfi_undefined rip",
    "mov rdi, r12",
    "mov rsi, rax",
    "call r13",
    "ud2",
    ".cfi_endproc",
    ".size weft_ctx_start, . - weft_ctx_start",
);

extern "C" {
    fn weft_ctx_start();
}

/// The assembly of a switching entry point `$name` (see [`super::switching_entry`]): if the
/// calling thread's stack limit is poked, calls `{poked}` first (saving the six argument
/// registers around it); then calls the implementation `{imp}` (the stack stays 16-byte
/// aligned at both calls), pops its own return address into `rcx` (caller-saved, and no
/// argument or return register once the implementation has returned) and jumps there.
macro_rules! switching_entry_asm {
    ($name:literal) => {
        concat!(
            ".text\n",
            ".globl ",
            $name,
            "\n",
            ".type ",
            $name,
            ",@function\n",
            ".p2align 4\n",
            $name,
            ":\n",
            ".cfi_startproc\n",
            "sub rsp, 8\n",
            ".cfi_adjust_cfa_offset 8\n",
            ".cfi_remember_state\n",
            "mov rax, qword ptr [rip + weft_rt_stack_limit@GOTTPOFF]\n",
            "cmp qword ptr fs:[rax], -1\n",
            "je 2f\n",
            "1:\n",
            "call {imp}\n",
            "add rsp, 8\n",
            ".cfi_adjust_cfa_offset -8\n",
            "pop rcx\n",
            ".cfi_adjust_cfa_offset -8\n",
            ".cfi_register rip, rcx\n",
            "jmp rcx\n",
            "2:\n",
            ".cfi_restore_state\n",
            "push rdi\n",
            "push rsi\n",
            "push rdx\n",
            "push rcx\n",
            "push r8\n",
            "push r9\n",
            ".cfi_adjust_cfa_offset 48\n",
            "call {poked}\n",
            "pop r9\n",
            "pop r8\n",
            "pop rcx\n",
            "pop rdx\n",
            "pop rsi\n",
            "pop rdi\n",
            ".cfi_adjust_cfa_offset -48\n",
            "jmp 1b\n",
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

/// See [`super::prepare`]. The frame mirrors what `weft_ctx_switch` pops, with
/// `weft_ctx_start` as the return address and two spare words above it so that `rsp` is
/// 16-byte aligned when `weft_ctx_start` runs.
pub unsafe fn prepare(top: *mut u8, start: StartFn, arg: *mut u8) -> *mut u8 {
    let top = (top as usize & !15) as *mut u64;
    let sp = top.sub(10);
    let frame: [u64; 10] = [
        0,                                           // spare (frame alignment)
        0,                                           // r15
        0,                                           // r14
        start as usize as u64,                       // r13
        arg as u64,                                  // r12
        0,                                           // rbx
        0,                                           // rbp: ends the frame-pointer chain
        weft_ctx_start as *const () as usize as u64, // return address
        0,                                           // spare (alignment)
        0,                                           // spare (alignment)
    ];
    sp.copy_from_nonoverlapping(frame.as_ptr(), frame.len());
    sp.cast()
}
