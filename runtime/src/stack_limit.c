/* The stack limit of the task running on this thread.
 *
 * The compiler emits, in every function prologue, `if (sp < weft_rt_stack_limit)
 * weft_rt_morestack(sp);`. The scheduler stores the limit of the task it switches to
 * on every switch (a task's limit sits a 16 KiB reserve above its stack's lowest address);
 * 0 on OS threads and on the main task, whose stacks end in real guard pages instead.
 * Another worker may store the all-ones *poke* value here (through the address
 * `weft_rt__stack_limit_slot` returned to this thread's worker), so that the task running
 * here calls into the runtime at its next function entry (runtime/src/sched/solo.rs): the
 * accesses are therefore relaxed atomics (plain moves on x86_64 and aarch64).
 *
 * It lives in C because stable Rust cannot export a thread-local as a symbol. The
 * initial-exec model keeps every access a single instruction in the executable. */
#include <stdint.h>

__attribute__((tls_model("initial-exec"))) __thread uintptr_t weft_rt_stack_limit;

/* The cancel flag of the task running on this thread (a byte of its task object): what
 * `Task.isCancelled()` compiles to is two loads, this pointer and the byte it points at.
 * The scheduler stores it with the stack limit on every switch into a task; OS threads
 * keep the initial value, a flag that is never set. */
static const uint8_t weft_rt__never_cancelled = 0;
__attribute__((tls_model("initial-exec"))) __thread const uint8_t *weft_rt_cancel_flag =
    &weft_rt__never_cancelled;

/* Not inlined into Rust on purpose: a task may resume on another thread, so the thread
 * pointer must be read afresh on every call (see runtime/src/stack.rs). */
__attribute__((noinline)) void weft_rt__set_stack_limit(uintptr_t limit) {
    __atomic_store_n(&weft_rt_stack_limit, limit, __ATOMIC_RELAXED);
}

/* Both thread-locals of a switch into a task (see above). */
__attribute__((noinline)) void weft_rt__enter_task(uintptr_t limit, const uint8_t *cancel_flag) {
    __atomic_store_n(&weft_rt_stack_limit, limit, __ATOMIC_RELAXED);
    weft_rt_cancel_flag = cancel_flag;
}

__attribute__((noinline)) uintptr_t weft_rt__stack_limit(void) {
    return __atomic_load_n(&weft_rt_stack_limit, __ATOMIC_RELAXED);
}

/* The calling thread's limit variable, for other threads to poke. */
__attribute__((noinline)) uintptr_t *weft_rt__stack_limit_slot(void) {
    return &weft_rt_stack_limit;
}

/* The cancel flag alone: a task that starts or ends running a scope's child inline sees
 * that child's flag meanwhile (runtime/src/sched/inline.rs). */
__attribute__((noinline)) void weft_rt__set_cancel_flag(const uint8_t *cancel_flag) {
    weft_rt_cancel_flag = cancel_flag;
}
