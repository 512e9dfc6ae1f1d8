//! Ending the process: fatal errors and exits.

use core::fmt::Write;

use super::write::{write_all, LineBuf};

/// Ends the process after an unrecoverable runtime error: writes `fatal: <msg>\n` to
/// stderr with one `write(2)` and exits with code 2 (without running exit handlers).
/// Messages up to 1000 bytes are formatted without allocating, so this is safe to call
/// where the allocator is unusable.
#[cold]
#[inline(never)]
pub fn fatal(msg: &str) -> ! {
    let mut line = LineBuf::<1024>::new();
    if writeln!(line, "fatal: {msg}").is_ok() {
        write_all(2, line.as_bytes());
    } else {
        write_all(2, format!("fatal: {msg}\n").as_bytes());
    }
    // SAFETY: `_exit` has no preconditions.
    unsafe { libc::_exit(2) }
}

/// Flushes Rust's buffered stdout and exits the process with `code` (C's `exit`: registered
/// C handlers run and C stdio is flushed; other threads and tasks are not waited for).
pub fn exit_process(code: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: exiting the process.
    unsafe { libc::exit(code) }
}
