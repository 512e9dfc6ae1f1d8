//! Printing, files, process arguments, environment and exit.
//!
//! - Printing writes a whole line with one `write(2)`, so lines from different threads
//!   never interleave (for lines up to `PIPE_BUF`, 4096 bytes, when the output is a pipe);
//!   lines up to 1 KiB are assembled on the stack.
//! - `readLine` reads standard input through one process-wide buffer behind a lock.
//! - Arguments come from `argc`/`argv` as recorded by [`init_args`] (called by
//!   `weft_rt_start`), or from the C library's copy when the runtime did not start the
//!   process (tests).
//! - Errors are reported as text in the style of Rust's `std::io::Error`:
//!   `cannot read 'x.txt': No such file or directory (os error 2)`.

use std::ffi::{CStr, OsStr};
use std::fs::File;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::sync::Mutex;

use crate::obj::string::{StrWriter, WeftStr, STR_GLUE};
use crate::obj::vec::WeftVec;
use crate::os::{errno, write_all};

/// Lines up to this many bytes (newline included) are assembled on the stack.
const STACK_LINE: usize = 1024;

/// Writes `parts` concatenated plus `\n` to `fd` with one `write(2)` (errors are ignored,
/// as C's `puts` users do).
pub fn print_line(parts: &[WeftStr], fd: i32) {
    let total = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
    if total <= STACK_LINE {
        let mut buf = [MaybeUninit::<u8>::uninit(); STACK_LINE];
        let line = assemble_line(parts, &mut buf[..total]);
        write_all(fd, line);
    } else {
        let mut buf = Vec::with_capacity(total);
        let line = assemble_line(parts, &mut buf.spare_capacity_mut()[..total]);
        write_all(fd, line);
    }
}

/// Copies `parts` and a newline into `buf` (exactly their length) and returns the bytes.
fn assemble_line<'a>(parts: &[WeftStr], buf: &'a mut [MaybeUninit<u8>]) -> &'a [u8] {
    let mut at = 0;
    for p in parts.iter().map(|p| p.as_bytes()).chain([&b"\n"[..]]) {
        let dst = &mut buf[at..at + p.len()];
        // SAFETY: MaybeUninit<u8> has u8's layout; `dst` is exactly `p.len()` bytes.
        unsafe { core::ptr::copy_nonoverlapping(p.as_ptr(), dst.as_mut_ptr().cast(), p.len()) };
        at += p.len();
    }
    assert_eq!(at, buf.len(), "line length");
    // SAFETY: all `at` bytes were written above.
    unsafe { core::slice::from_raw_parts(buf.as_ptr().cast(), at) }
}

static ARGC: AtomicI32 = AtomicI32::new(-1);
static ARGV: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());

/// Records the process arguments (called once by `weft_rt_start` with `main`'s `argc` and
/// `argv`, which live until the process ends).
pub fn init_args(argc: i32, argv: *const *const u8) {
    ARGV.store(argv.cast_mut(), Ordering::Relaxed);
    ARGC.store(argc, Ordering::Release);
}

/// Every process argument, the program name first.
fn process_args() -> Vec<Vec<u8>> {
    let argc = ARGC.load(Ordering::Acquire);
    let argv = ARGV.load(Ordering::Relaxed);
    if argc < 0 || argv.is_null() {
        return std::env::args_os().map(OsStringExt::into_vec).collect();
    }
    (0..argc as usize)
        // SAFETY: `argv` holds `argc` NUL-terminated strings (C's `main` contract).
        .map(|i| {
            unsafe { CStr::from_ptr((*argv.add(i)).cast()) }
                .to_bytes()
                .to_vec()
        })
        .collect()
}

/// The user's arguments (without the program name) as a new `Vec<string>`.
pub fn args() -> WeftVec {
    let all = process_args();
    let mut out = WeftVec::with_capacity(all.len().saturating_sub(1), &STR_GLUE);
    for arg in all.iter().skip(1) {
        let s = WeftStr::from_bytes(arg);
        // SAFETY: a Vec<string> gets one string, moved in.
        unsafe { out.push((&s as *const WeftStr).cast(), &STR_GLUE) };
    }
    out
}

/// The program name (`argv[0]`; empty when there is none).
pub fn program_name() -> WeftStr {
    process_args()
        .first()
        .map_or_else(WeftStr::empty, |name| WeftStr::from_bytes(name))
}

fn path_of(s: WeftStr) -> &'static std::path::Path {
    std::path::Path::new(OsStr::from_bytes(s.as_bytes()))
}

fn io_error_text(verb: &str, path: WeftStr, err: &std::io::Error) -> WeftStr {
    let text = format!(
        "cannot {verb} '{}': {err}",
        String::from_utf8_lossy(path.as_bytes())
    );
    WeftStr::from_bytes(text.as_bytes())
}

/// The whole file at `path` as a string, read straight into the string object (one
/// allocation when the size is known up front), or the error text.
pub fn read_file(path: WeftStr) -> Result<WeftStr, WeftStr> {
    let read = File::open(path_of(path)).and_then(|f| read_all(&f));
    read.map_err(|e| io_error_text("read", path, &e))
}

fn read_all(f: &File) -> std::io::Result<WeftStr> {
    let size_hint = f.metadata().map_or(0, |m| m.len() as usize);
    let mut head = StrWriter::new(size_hint);
    let got = read_into(f, head.spare())?;
    head.commit(got);
    if got < size_hint {
        return Ok(head.finish_written());
    }
    // Files of unknown size (under /proc) or that grew since `fstat`.
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut &*f, &mut rest)?;
    let head = head.finish();
    if rest.is_empty() {
        return Ok(head);
    }
    let tail = WeftStr::from_bytes(&rest);
    let whole = head.concat(tail);
    // SAFETY: both parts are ours and no longer used.
    unsafe {
        head.release();
        tail.release();
    }
    Ok(whole)
}

/// Reads into `dst` until it is full or the file ends; returns the bytes read.
fn read_into(f: &File, dst: &mut [MaybeUninit<u8>]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < dst.len() {
        let rest = &mut dst[got..];
        // SAFETY: `rest` is valid for writes of its length.
        let n = unsafe { libc::read(f.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len()) };
        match n {
            0 => break,
            n if n > 0 => got += n as usize,
            _ if errno() == libc::EINTR => {}
            _ => return Err(std::io::Error::last_os_error()),
        }
    }
    Ok(got)
}

/// Writes `data` to `path` (created or truncated), or returns the error text.
pub fn write_file(path: WeftStr, data: WeftStr) -> Result<(), WeftStr> {
    std::fs::write(path_of(path), data.as_bytes()).map_err(|e| io_error_text("write", path, &e))
}

/// A buffered line reader over one file descriptor.
///
/// Invariant: `buf[start..]` holds the bytes read but not yet returned.
pub struct LineReader {
    fd: i32,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
}

impl LineReader {
    const CHUNK: usize = 64 * 1024;

    /// A reader of `fd` (which it does not close).
    pub const fn new(fd: i32) -> Self {
        LineReader {
            fd,
            buf: Vec::new(),
            start: 0,
            eof: false,
        }
    }

    /// The next line without its `\n` or `\r\n`; the last line may lack the newline.
    /// `None` at end of input (a read error counts as the end).
    pub fn read_line(&mut self) -> Option<WeftStr> {
        let mut scanned = self.start;
        loop {
            if let Some(i) = crate::obj::string::find_bytes(&self.buf[scanned..], b"\n") {
                let end = scanned + i;
                return Some(self.take_line(end, end + 1));
            }
            scanned = self.buf.len();
            if self.eof || !self.fill() {
                self.eof = true;
                let end = self.buf.len();
                return (self.start < end).then(|| self.take_line(end, end));
            }
        }
    }

    /// Returns `buf[start..end]` minus a trailing `\r` when `end` was a newline, and moves
    /// `start` to `next`.
    fn take_line(&mut self, end: usize, next: usize) -> WeftStr {
        let mut line = &self.buf[self.start..end];
        if next > end {
            line = line.strip_suffix(b"\r").unwrap_or(line);
        }
        let s = WeftStr::from_bytes(line);
        self.start = next;
        s
    }

    /// Reads more input after the pending bytes; false at end of input or on error.
    fn fill(&mut self) -> bool {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.reserve(Self::CHUNK);
        loop {
            let spare = self.buf.spare_capacity_mut();
            // SAFETY: `spare` is valid for writes of its length.
            let n = unsafe { libc::read(self.fd, spare.as_mut_ptr().cast(), spare.len()) };
            if n > 0 {
                // SAFETY: `read` initialized `n` more bytes.
                unsafe { self.buf.set_len(self.buf.len() + n as usize) };
                return true;
            }
            if n == 0 || errno() != libc::EINTR {
                return false;
            }
        }
    }
}

static STDIN: Mutex<LineReader> = Mutex::new(LineReader::new(0));

/// The next line of standard input (see [`LineReader::read_line`]); thread-safe.
pub fn read_stdin_line() -> Option<WeftStr> {
    STDIN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .read_line()
}

/// The value of the environment variable `name`, if it is set.
pub fn getenv(name: WeftStr) -> Option<WeftStr> {
    let value = std::env::var_os(OsStr::from_bytes(name.as_bytes()))?;
    Some(WeftStr::from_bytes(value.as_bytes()))
}

/// Ends the process at once with `code` (C's `exit`: registered C handlers run and C stdio
/// is flushed; other threads and tasks are not waited for).
pub fn exit(code: i32) -> ! {
    std::process::exit(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(parts: &[&str]) -> Vec<u8> {
        let strs: Vec<WeftStr> = parts
            .iter()
            .map(|p| WeftStr::from_bytes(p.as_bytes()))
            .collect();
        let total = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
        let mut buf = vec![MaybeUninit::uninit(); total];
        assemble_line(&strs, &mut buf).to_vec()
    }

    #[test]
    fn lines_are_parts_plus_a_newline() {
        assert_eq!(line_of(&["a", "", "bc"]), b"abc\n");
        assert_eq!(line_of(&[]), b"\n");
    }

    #[test]
    fn error_texts_name_the_path() {
        let path = WeftStr::from_bytes(b"/no/such/file");
        let err = read_file(path).unwrap_err();
        assert_eq!(
            err.as_bytes(),
            b"cannot read '/no/such/file': No such file or directory (os error 2)"
        );
    }
}
