/* Running a scope's child inline with a way back after a panic
 * (runtime/src/sched/inline.rs).
 *
 * `weft_rt__run_catching(f, arg, c)` records in `c` where to come back to (a
 * `__builtin_setjmp` buffer) and the stack pointer of its own frame at the call of `f`,
 * which the runtime uses as the unwind boundary of the panics `f` raises: the unwinder
 * cleans up the frames `f` called, stops at this frame, and the runtime's finisher calls
 * `weft_rt__escape(c)`, which resumes here and makes the call return 1. A normal return of
 * `f` returns 0. The frame stays live while `f` runs, also across parks of the task that
 * runs it (which may resume it on another thread: the buffer holds no thread state).
 *
 * It lives in C because stable Rust has no setjmp: the builtin saves three words (frame
 * pointer, stack pointer, resume address) and the compiler spills whatever is live across
 * the call, so a normal return costs a few stores. */
#include <stdint.h>

struct weft_catch {
    void *jmp[5];
    uintptr_t boundary;
};

__attribute__((noinline)) int weft_rt__run_catching(void (*f)(void *), void *arg,
                                                    struct weft_catch *c) {
    if (__builtin_setjmp(c->jmp)) {
        return 1;
    }
    /* The stack pointer does not move between here and the call (no variable-size
     * allocation, register arguments only). */
    uintptr_t sp;
#if defined(__x86_64__)
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#else
#error "catch.c supports x86_64 and aarch64"
#endif
    c->boundary = sp;
    f(arg);
    return 0;
}

__attribute__((noinline, noreturn)) void weft_rt__escape(struct weft_catch *c) {
    __builtin_longjmp(c->jmp, 1);
}
