//! Writing to file descriptors: whole writes (a line printed with one `write(2)` never
//! interleaves with another thread's), stderr, and a text buffer on the stack for messages
//! built where the heap must not be used.

use core::fmt::Write;

/// Writes all of `bytes` to `fd`, retrying after partial writes, `EINTR` and `EAGAIN`
/// (waiting with `poll` for a non-blocking descriptor). Returns false on any other error.
pub fn write_all(fd: i32, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is valid for reads of its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            bytes = &bytes[n as usize..];
            continue;
        }
        match super::errno() {
            libc::EINTR => {}
            libc::EAGAIN => wait_writable(fd),
            _ => return false,
        }
    }
    true
}

fn wait_writable(fd: i32) {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut pfd, 1, -1) };
}

/// Writes all of `bytes` to stderr ([`write_all`]: one `write(2)` unless the kernel splits
/// it); errors are ignored.
pub fn write_stderr(bytes: &[u8]) {
    write_all(2, bytes);
}

/// A fixed-capacity text buffer on the stack (writing past its end is an error).
pub struct LineBuf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> LineBuf<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        LineBuf {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The text written so far (whole `&str` pieces, so it is UTF-8).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl<const N: usize> Default for LineBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for LineBuf<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_all_reports_bad_descriptors() {
        assert!(!write_all(-1, b"x"));
        assert!(write_all(-1, b""), "nothing to write");
    }

    #[test]
    fn line_buf_overflow_is_an_error() {
        let mut b = LineBuf::<4>::new();
        assert!(b.write_str("abcd").is_ok());
        assert!(b.write_str("e").is_err());
        assert_eq!(b.as_bytes(), b"abcd");
    }
}
