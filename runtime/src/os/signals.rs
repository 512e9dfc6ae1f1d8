//! The SIGSEGV/SIGBUS handler that turns a guard-page hit into a message instead of a bare
//! crash: `fatal: stack overflow in task main` / `in thread <name>`, or
//! `fatal: segmentation fault at 0x...` for any other fault, then exit code 2.
//!
//! Invariants:
//! - the handler runs on a per-thread alternate signal stack (`sigaltstack`) set up by
//!   [`setup_thread`] for the workers, the main thread and runtime-created OS threads, so it
//!   can run when the faulting stack is exhausted;
//! - it is async-signal-safe: it reads only `const`-initialised thread-locals and atomics,
//!   formats into a stack buffer and ends with one `write(2)` and `_exit(2)`;
//! - green task stacks have no guard pages (the prologue check reports their overflows);
//!   the main task's 8 MiB stack and OS-thread stacks do;
//! - on a thread the runtime never set up, the previous handler (e.g. Rust std's) is
//!   restored and the fault re-raised by returning.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

const NAME_MAX: usize = 48;
/// Below a thread's lowest usable stack address, this much counts as its guard area
/// (generous: glibc's guard plus the kernel's stack guard gap for the main thread).
const GUARD_SLACK: usize = 1 << 20;
const ALT_STACK_SIZE: usize = 64 * 1024;

thread_local! {
    /// This thread's guard area `(lo, hi)`; `(0, 0)` when not set up.
    static GUARD: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// This thread's name, NUL-padded.
    static NAME: Cell<[u8; NAME_MAX]> = const { Cell::new([0; NAME_MAX]) };
}

static MAIN_GUARD_LO: AtomicUsize = AtomicUsize::new(0);
static MAIN_GUARD_HI: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();
static mut OLD_SEGV: MaybeUninit<libc::sigaction> = MaybeUninit::zeroed();
static mut OLD_BUS: MaybeUninit<libc::sigaction> = MaybeUninit::zeroed();

/// Installs the handler for SIGSEGV and SIGBUS (once per process).
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: installing a handler with a zeroed, then filled, sigaction; the old
        // actions are written once, before any fault can reach our handler.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGSEGV, &action, (&raw mut OLD_SEGV).cast());
            libc::sigaction(libc::SIGBUS, &action, (&raw mut OLD_BUS).cast());
        }
    });
}

/// Records the main task's guard page `(start, end)`.
pub fn set_main_guard(range: (usize, usize)) {
    MAIN_GUARD_LO.store(range.0, Ordering::SeqCst);
    MAIN_GUARD_HI.store(range.1, Ordering::SeqCst);
}

/// Prepares the calling thread for the handler: an alternate signal stack (unless it has
/// one), its guard area, and its name for messages.
pub fn setup_thread(name: &str) {
    install();
    ensure_alt_stack();
    let mut buf = [0u8; NAME_MAX];
    let n = name.len().min(NAME_MAX - 1);
    buf[..n].copy_from_slice(&name.as_bytes()[..n]);
    NAME.with(|c| c.set(buf));
    GUARD.with(|c| c.set(thread_guard_area()));
}

fn ensure_alt_stack() {
    // SAFETY: querying and setting this thread's signal stack with valid structures.
    unsafe {
        let mut old: libc::stack_t = std::mem::zeroed();
        libc::sigaltstack(std::ptr::null(), &mut old);
        if old.ss_flags & libc::SS_DISABLE == 0 {
            return;
        }
        let mem = libc::mmap(
            std::ptr::null_mut(),
            ALT_STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if mem == libc::MAP_FAILED {
            return;
        }
        let stack = libc::stack_t {
            ss_sp: mem,
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        libc::sigaltstack(&stack, std::ptr::null_mut());
    }
}

/// `(lo, hi)` around the lowest usable address of the calling thread's stack.
fn thread_guard_area() -> (usize, usize) {
    // SAFETY: pthread_getattr_np fills `attr`, which we destroy after reading.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return (0, 0);
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0usize;
        let mut guard = 0usize;
        libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_getguardsize(&attr, &mut guard);
        libc::pthread_attr_destroy(&mut attr);
        let lo = addr as usize;
        let page = crate::os::page_size();
        (
            lo.saturating_sub(GUARD_SLACK.max(guard + page)),
            lo + guard + page,
        )
    }
}

/// A fixed buffer the handler formats into.
struct Msg {
    buf: [u8; 160],
    len: usize,
}

impl Msg {
    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.len < self.buf.len() {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
    }

    fn push_hex(&mut self, mut v: usize) {
        let mut digits = [0u8; 16];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[v & 15];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.push(b"0x");
        self.push(&digits[i..]);
    }
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (lo, hi) = GUARD.with(|g| g.get());
    let main_guard = MAIN_GUARD_LO.load(Ordering::Relaxed)..MAIN_GUARD_HI.load(Ordering::Relaxed);
    let mut msg = Msg {
        buf: [0; 160],
        len: 0,
    };
    if main_guard.contains(&addr) {
        msg.push(b"fatal: stack overflow in task main\n");
    } else if lo != hi && (lo..hi).contains(&addr) {
        let name = NAME.with(|n| n.get());
        let n = name.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
        msg.push(b"fatal: stack overflow in thread ");
        msg.push(&name[..n]);
        msg.push(b"\n");
    } else if lo == hi {
        // Not our thread: hand the fault back to whoever handled it before.
        // SAFETY: restoring the action saved by `install`; returning re-executes the fault.
        unsafe {
            let old = if sig == libc::SIGBUS {
                &raw const OLD_BUS
            } else {
                &raw const OLD_SEGV
            };
            libc::sigaction(sig, (*old).as_ptr(), std::ptr::null_mut());
        }
        return;
    } else {
        msg.push(b"fatal: segmentation fault at ");
        msg.push_hex(addr);
        msg.push(b"\n");
    }
    // SAFETY: write and _exit are async-signal-safe.
    unsafe {
        libc::write(2, msg.buf.as_ptr().cast(), msg.len);
        libc::_exit(2);
    }
}
