//! Raising panics: source locations, panic messages, and the hand-off to the failure path.
//!
//! A panic builds its message and the `file:line:col` text of its [`WeftLoc`], then hands
//! both to the *failure path*, which prints or delivers it and never returns: the
//! scheduler's `sched::panic_current`. The scheduler sits above the objects that panic
//! (strings, vectors, maps), so it registers itself here ([`set_failure_path`]) when it
//! starts and whenever an OS thread registers with it; before that no task and no Weft
//! thread exists, and a panic ends the process as the failure path ends it for any other
//! OS thread ([`print_and_exit`]). A fatal error (`crate::os::fatal`) is a runtime failure
//! no task can recover from: it prints `fatal: <msg>` with one `write(2)` and exits with
//! code 2.
//!
//! The checks shared by strings and vectors ([`check_index`], [`check_range`]) live here so
//! that every bounds message has one spelling.
//!
//! The failure path unwinds the panicking task's or thread's frames ([`unwind`]), running
//! their cleanups, before it ends it. The texts built here on the way to the failure path
//! live in stack buffers, never on the heap; the failure path copies what it keeps before
//! the frames holding them are unwound.

pub mod unwind;

use core::fmt::Write;
use std::sync::OnceLock;

use crate::os::write::LineBuf;

/// The failure path: ends the current task, thread or process after a panic, given the
/// message and the `file:line:col` text of its location.
pub type FailurePath = fn(message: &str, location: &str) -> !;

static FAILURE_PATH: OnceLock<FailurePath> = OnceLock::new();

/// Registers the failure path (the scheduler's; later calls change nothing).
pub fn set_failure_path(path: FailurePath) {
    let _ = FAILURE_PATH.set(path);
}

/// Hands a panic to the failure path (see the module docs). Never returns.
#[cold]
pub fn fail(message: &str, location: &str) -> ! {
    match FAILURE_PATH.get() {
        Some(path) => path(message, location),
        None => {
            let name = std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_owned();
            print_and_exit(message, location, &format!("thread {name}"))
        }
    }
}

/// Prints `panic: <message>\n  at <location> (<who>)` to stderr with one `write(2)`.
pub fn print(message: &str, location: &str, who: &str) {
    crate::os::write_stderr(format!("panic: {message}\n  at {location} ({who})\n").as_bytes());
}

/// Prints `panic while unwinding: <message>\n  at <location> (<who>)` (a panic in a
/// `defer` that runs during unwinding) and exits the process with 101.
pub fn print_while_unwinding_and_exit(message: &str, location: &str, who: &str) -> ! {
    crate::os::write_stderr(
        format!("panic while unwinding: {message}\n  at {location} ({who})\n").as_bytes(),
    );
    crate::os::exit_process(101)
}

/// [`print`]s the panic and exits the process with 101 (Rust's stdout flushed first).
pub fn print_and_exit(message: &str, location: &str, who: &str) -> ! {
    print(message, location, who);
    crate::os::exit_process(101)
}

/// A source location, emitted by the compiler as a constant per call site.
///
/// C layout: `{ const uint8_t *file; int64_t file_len; int32_t line; int32_t col; }`
/// (24 bytes); `file` is UTF-8 and not NUL-terminated; `line` and `col` count from 1.
/// Invariant: `file` points to `file_len` bytes that live as long as the location (the
/// compiler's constants live for the whole program). ABI functions take a location as
/// `Option<&WeftLoc>`, which has the layout of a nullable `const WeftLoc *`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WeftLoc {
    file: *const u8,
    file_len: i64,
    line: i32,
    col: i32,
}

// SAFETY: a location is immutable and its file name is immutable static data.
unsafe impl Sync for WeftLoc {}
// SAFETY: as above.
unsafe impl Send for WeftLoc {}

impl WeftLoc {
    /// A location in `file` at 1-based `line` and `col`.
    pub const fn new(file: &'static [u8], line: i32, col: i32) -> Self {
        WeftLoc {
            file: file.as_ptr(),
            file_len: file.len() as i64,
            line,
            col,
        }
    }

    /// The file name's bytes.
    pub fn file(&self) -> &[u8] {
        if self.file.is_null() || self.file_len <= 0 {
            return &[];
        }
        // SAFETY: the type's invariant.
        unsafe { core::slice::from_raw_parts(self.file, self.file_len as usize) }
    }

    /// `file:line:col`.
    pub fn text(&self) -> String {
        format!(
            "{}:{}:{}",
            String::from_utf8_lossy(self.file()),
            self.line,
            self.col
        )
    }
}

/// `file:line:col` of `loc`, or `<unknown>` without one.
pub fn location_text(loc: Option<&WeftLoc>) -> String {
    loc.map_or_else(|| "<unknown>".to_owned(), WeftLoc::text)
}

/// The longest location text built for a panic; a longer file name keeps its end.
const LOCATION_MAX: usize = 512;

/// `file:line:col` of `loc` (or `<unknown>`) in a stack buffer.
pub(crate) fn location_buf(loc: Option<&WeftLoc>) -> LineBuf<LOCATION_MAX> {
    let mut buf = LineBuf::new();
    let Some(loc) = loc else {
        let _ = buf.write_str("<unknown>");
        return buf;
    };
    let file = core::str::from_utf8(loc.file()).unwrap_or("<invalid file name>");
    // Room for `...`, `:line:col` and the rest of the name.
    let keep = LOCATION_MAX - 32;
    if file.len() > keep {
        let mut start = file.len() - keep;
        while !file.is_char_boundary(start) {
            start += 1;
        }
        let _ = write!(buf, "...{}", &file[start..]);
    } else {
        let _ = buf.write_str(file);
    }
    let _ = write!(buf, ":{}:{}", loc.line, loc.col);
    buf
}

/// Panics with `message` at `loc` (see the module docs). Never returns.
#[cold]
#[inline(never)]
pub fn panic_at(message: &str, loc: Option<&WeftLoc>) -> ! {
    let location = location_buf(loc);
    fail(message, location.as_str())
}

/// A panic message of at most 128 bytes, formatted on the stack.
#[cold]
#[inline(never)]
fn panic_fmt(args: core::fmt::Arguments, loc: Option<&WeftLoc>) -> ! {
    let mut message = LineBuf::<128>::new();
    let _ = message.write_fmt(args);
    panic_at(message.as_str(), loc)
}

/// Panics with `index <index> out of bounds (length <len>)`.
#[cold]
#[inline(never)]
pub fn panic_bounds(index: i64, len: i64, loc: Option<&WeftLoc>) -> ! {
    panic_fmt(
        format_args!("index {index} out of bounds (length {len})"),
        loc,
    )
}

/// Panics with `integer overflow`.
#[cold]
#[inline(never)]
pub fn panic_overflow(loc: Option<&WeftLoc>) -> ! {
    panic_at("integer overflow", loc)
}

/// Panics with `division by zero`.
#[cold]
#[inline(never)]
pub fn panic_div_zero(loc: Option<&WeftLoc>) -> ! {
    panic_at("division by zero", loc)
}

#[cold]
#[inline(never)]
fn panic_range(start: i64, end: i64, len: usize, loc: Option<&WeftLoc>) -> ! {
    if start > end {
        panic_fmt(
            format_args!("slice start {start} is greater than end {end}"),
            loc,
        )
    }
    panic_fmt(
        format_args!("slice {start}..{end} out of bounds (length {len})"),
        loc,
    )
}

/// Checks `0 <= index < len` and returns the index, or panics with the bounds message.
#[inline]
pub fn check_index(index: i64, len: usize, loc: Option<&WeftLoc>) -> usize {
    if (index as u64) < len as u64 {
        return index as usize;
    }
    panic_bounds(index, len as i64, loc)
}

/// Checks the slice range `start..end` against `len` and returns it as `usize`s, or panics
/// with `slice start 3 is greater than end 1` / `slice 2..9 out of bounds (length 5)`.
#[inline]
pub fn check_range(start: i64, end: i64, len: usize, loc: Option<&WeftLoc>) -> (usize, usize) {
    if 0 <= start && start <= end && end as u64 <= len as u64 {
        return (start as usize, end as usize);
    }
    panic_range(start, end, len, loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_texts() {
        let loc = WeftLoc::new(b"src/main.weft", 3, 14);
        assert_eq!(location_text(Some(&loc)), "src/main.weft:3:14");
        assert_eq!(location_text(None), "<unknown>");
        assert_eq!(core::mem::size_of::<WeftLoc>(), 24);
    }

    #[test]
    fn ranges_in_bounds() {
        let null = None;
        assert_eq!(check_range(0, 5, 5, null), (0, 5));
        assert_eq!(check_range(5, 5, 5, null), (5, 5));
        assert_eq!(check_range(2, 3, 5, null), (2, 3));
        assert_eq!(check_index(4, 5, null), 4);
        assert_eq!(check_index(0, 1, null), 0);
    }

    #[test]
    fn location_buffers() {
        let loc = WeftLoc::new(b"src/main.weft", 3, 14);
        assert_eq!(location_buf(Some(&loc)).as_str(), "src/main.weft:3:14");
        assert_eq!(location_buf(None).as_str(), "<unknown>");
        let long: &'static [u8] = Box::leak(vec![b'a'; 2000].into_boxed_slice());
        let text = location_buf(Some(&WeftLoc::new(long, 1, 2)))
            .as_bytes()
            .to_vec();
        assert!(text.starts_with(b"...aaa") && text.ends_with(b"a:1:2"));
        assert!(text.len() <= LOCATION_MAX);
    }
}
