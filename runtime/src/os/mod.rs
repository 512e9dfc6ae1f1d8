//! OS facades: thin wrappers over the system calls every other layer uses (the bottom
//! layer: nothing here knows about tasks, objects or locks, and nothing here imports from
//! outside this folder).
//!
//! - [`exit`]: fatal errors (`fatal: <msg>`, exit code 2) and process exit;
//! - [`write`]: whole writes to a file descriptor, stderr, and stack text buffers;
//! - [`futex`]: futex wait and wake;
//! - [`epoll`]: epoll and eventfd, for the scheduler's reactor;
//! - [`clock`]: the monotonic clock;
//! - [`signals`]: the SIGSEGV/SIGBUS handler for guard-page hits;
//! - [`valgrind`]: Valgrind client requests for task stacks;
//! - [`page_size`], [`errno`], [`raise_fd_limit`].

pub mod clock;
pub mod epoll;
pub mod exit;
pub mod futex;
pub mod signals;
pub mod valgrind;
pub mod write;

pub use exit::{exit_process, fatal};
pub use write::{write_all, write_stderr};

/// The system page size in bytes.
pub fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize })
}

/// The calling thread's `errno` after a failed system call.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Raises the soft limit on open descriptors to the hard limit (as Go's runtime does at
/// start), so a server can hold many connections without the program asking. Failures are
/// ignored: the limit just stays.
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-pointer, then a valid in-pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
