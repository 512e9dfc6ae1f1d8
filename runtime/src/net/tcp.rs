//! TCP streams and listeners: the handle objects behind std/net's `TcpStream` and
//! `TcpListener` (reference-counted like every handle, `sync::handle`), and their
//! operations.
//!
//! Every operation works from a green task (which parks on the reactor while the socket is
//! not ready) and from an OS thread (which blocks), and returns its failures as
//! [`NetError`]s: the OS's reason (connection refused, reset, broken pipe), a timeout, a
//! cancellation, or use of a closed socket. Sends use `MSG_NOSIGNAL`, so a peer that went
//! away is an `EPIPE` error, never a `SIGPIPE`. The last release of a handle closes its
//! socket if the program did not.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64};

use super::addr;
use super::socket::{NetError, Socket};
use crate::obj::rc::WeftGlue;
use crate::obj::string::{WeftStr, BYTE_GLUE};
use crate::obj::vec::WeftVec;
use crate::panic::WeftLoc;
use crate::sched::reactor::Dir;
use crate::sync::handle::{self, Handle};

/// Bytes one receive reads at most.
pub const RECV_MAX: usize = 64 * 1024;
/// Pending connections a listener queues (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// A connected TCP socket (`TcpStream`).
#[repr(C)]
#[derive(Debug)]
pub struct TcpStream {
    rc: AtomicI64,
    destroyed: AtomicBool,
    sock: Socket,
}

// SAFETY: `repr(C)` with `rc` first, made by `handle::into_raw`.
unsafe impl Handle for TcpStream {
    const DESTROYED: &'static str = "use of destroyed TcpStream";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
}

/// A listening TCP socket (`TcpListener`).
#[repr(C)]
#[derive(Debug)]
pub struct TcpListener {
    rc: AtomicI64,
    destroyed: AtomicBool,
    sock: Socket,
}

// SAFETY: as for `TcpStream`.
unsafe impl Handle for TcpListener {
    const DESTROYED: &'static str = "use of destroyed TcpListener";
    fn rc(&self) -> &AtomicI64 {
        &self.rc
    }
    fn destroyed(&self) -> &AtomicBool {
        &self.destroyed
    }
}

/// Sets an integer socket option (failures are ignored: every option set here is a
/// refinement).
fn set_opt(fd: i32, level: i32, name: i32, value: i32) {
    // SAFETY: a valid int for the duration of the call.
    unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
}

fn family(a: &SocketAddr) -> i32 {
    match a {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

fn port_of(port: i64) -> Result<u16, NetError> {
    u16::try_from(port).map_err(|_| NetError::Other(format!("port {port} out of range")))
}

impl TcpStream {
    fn wrap(sock: Socket) -> *mut TcpStream {
        // Requests and responses are small writes: do not hold them back (as Go does).
        set_opt(sock.fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
        handle::into_raw(TcpStream {
            rc: AtomicI64::new(1),
            destroyed: AtomicBool::new(false),
            sock,
        })
    }

    /// Resolves `host` and connects to `port`, trying each address in turn (+1 handle).
    pub fn connect(host: &str, port: i64, loc: Option<&WeftLoc>) -> Result<*mut TcpStream, String> {
        let what = format!("cannot connect to {host}:{port}");
        let port = port_of(port).map_err(|e| e.message(&what))?;
        let addrs = addr::resolve(host, port).map_err(|e| e.message(&what))?;
        let mut last = NetError::Other("no address".into());
        for a in &addrs {
            match connect_one(a, loc) {
                Ok(sock) => return Ok(TcpStream::wrap(sock)),
                Err(NetError::Cancelled) => return Err(NetError::Cancelled.message(&what)),
                Err(e) => last = e,
            }
        }
        Err(last.message(&what))
    }

    /// Sends all of `data` (parking or blocking while the send buffer is full).
    pub fn send(&self, data: &[u8], loc: Option<&WeftLoc>) -> Result<(), String> {
        let op = self.sock.enter().map_err(|e| e.message("send"))?;
        let deadline = self.sock.deadline();
        let mut sent = 0;
        while sent < data.len() {
            let rest = &data[sent..];
            let n = self
                .sock
                .io(
                    Dir::Write,
                    "sending to a socket",
                    loc,
                    deadline,
                    false,
                    |fd, _| {
                        // SAFETY: `rest` is valid for its length.
                        let n = unsafe {
                            libc::send(fd, rest.as_ptr().cast(), rest.len(), libc::MSG_NOSIGNAL)
                        };
                        if n < 0 {
                            Err(crate::os::errno())
                        } else {
                            Ok(n as usize)
                        }
                    },
                )
                .map_err(|e| e.message("send"))?;
            sent += n;
        }
        drop(op);
        Ok(())
    }

    /// Receives what is available (waiting for at least one byte), at most `max` bytes,
    /// handed to `make` (an empty slice at the end of the stream).
    pub fn recv_with<T>(
        &self,
        max: usize,
        loc: Option<&WeftLoc>,
        make: impl Fn(&[u8]) -> T,
    ) -> Result<T, String> {
        let op = self.sock.enter().map_err(|e| e.message("recv"))?;
        let deadline = self.sock.deadline();
        let sock = &self.sock;
        let r = sock.io(
            Dir::Read,
            "receiving from a socket",
            loc,
            deadline,
            true,
            |fd, seq| {
                read_into(fd, max, &make).inspect(|(n, _)| {
                    if *n > 0 && *n < max {
                        sock.mark_drained(seq);
                    }
                })
            },
        );
        drop(op);
        r.map(|(_, v)| v).map_err(|e| e.message("recv"))
    }

    /// The remote address (`ip:port`, `[ip6]:port`).
    pub fn peer_addr(&self) -> Result<String, String> {
        let op = self.sock.enter().map_err(|e| e.message("peerAddr"))?;
        let a = addr::socket_addr(self.sock.fd(), true).map_err(|e| e.message("peerAddr"));
        drop(op);
        a.map(|a| a.to_string())
    }

    /// Timeout of later sends and receives (`ms <= 0`: none).
    pub fn set_timeout(&self, ms: i64) {
        self.sock.set_timeout(ms);
    }

    /// Closes the socket (idempotent; parked operations end with an error).
    pub fn close(&self) {
        self.sock.close();
    }
}

/// One receive of at most `max` bytes (and at most [`RECV_MAX`]) into a per-thread buffer,
/// handed to `make`; returns the count too. Never inlined: the buffer is a thread-local,
/// and the caller may resume on another thread after a park.
#[inline(never)]
fn read_into<T>(fd: i32, max: usize, make: &impl Fn(&[u8]) -> T) -> Result<(usize, T), i32> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|b| {
        let mut buf = b.borrow_mut();
        if buf.is_empty() {
            buf.resize(RECV_MAX, 0);
        }
        let want = max.min(RECV_MAX);
        // SAFETY: `buf` has room for `want` bytes.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), want, 0) };
        if n < 0 {
            return Err(crate::os::errno());
        }
        let n = n as usize;
        Ok((n, make(&buf[..n])))
    })
}

/// A non-blocking connect to one address, waiting for it to finish.
fn connect_one(a: &SocketAddr, loc: Option<&WeftLoc>) -> Result<Socket, NetError> {
    let sock = Socket::tcp(family(a))?;
    let op = sock.enter()?;
    let (raw, len) = addr::to_raw(a);
    let seq = sock.seq(Dir::Write);
    // SAFETY: `raw` holds a sockaddr of `len` bytes.
    let r = unsafe {
        libc::connect(
            sock.fd(),
            (&raw as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    if r < 0 {
        let e = crate::os::errno();
        if e != libc::EINPROGRESS && e != libc::EINTR {
            return Err(NetError::Os(e));
        }
        let mut seq = seq;
        loop {
            sock.wait_once(Dir::Write, seq, "connecting", loc, None)?;
            seq = sock.seq(Dir::Write);
            let mut err: i32 = 0;
            let mut elen = std::mem::size_of::<i32>() as libc::socklen_t;
            // SAFETY: `err` is a valid int.
            unsafe {
                libc::getsockopt(
                    sock.fd(),
                    libc::SOL_SOCKET,
                    libc::SO_ERROR,
                    (&mut err as *mut i32).cast(),
                    &mut elen,
                )
            };
            match err {
                0 => {
                    // A spurious wake-up leaves the connect in progress (Go checks the
                    // same way): connected once the socket has a peer.
                    if addr::socket_addr(sock.fd(), true).is_ok() {
                        break;
                    }
                }
                libc::EINPROGRESS | libc::EALREADY | libc::EINTR => {}
                e => return Err(NetError::Os(e)),
            }
        }
    }
    drop(op);
    Ok(sock)
}

impl TcpListener {
    /// Binds `host:port` (port 0: a free port) and listens (+1 handle).
    pub fn bind(host: &str, port: i64) -> Result<*mut TcpListener, String> {
        let what = format!("cannot listen on {host}:{port}");
        let port = port_of(port).map_err(|e| e.message(&what))?;
        let addrs = addr::resolve(host, port).map_err(|e| e.message(&what))?;
        let mut last = NetError::Other("no address".into());
        for a in &addrs {
            match listen_one(a) {
                Ok(sock) => {
                    return Ok(handle::into_raw(TcpListener {
                        rc: AtomicI64::new(1),
                        destroyed: AtomicBool::new(false),
                        sock,
                    }))
                }
                Err(e) => last = e,
            }
        }
        Err(last.message(&what))
    }

    /// Accepts the next connection (+1 handle).
    pub fn accept(&self, loc: Option<&WeftLoc>) -> Result<*mut TcpStream, String> {
        let op = self.sock.enter().map_err(|e| e.message("accept"))?;
        let r = self.sock.io(
            Dir::Read,
            "accepting a connection",
            loc,
            None,
            false,
            |fd, _| {
                // SAFETY: null address pointers are allowed.
                let c = unsafe {
                    libc::accept4(
                        fd,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                    )
                };
                if c >= 0 {
                    return Ok(c);
                }
                match crate::os::errno() {
                    // The connection went away before it was accepted: take the next (Go).
                    libc::ECONNABORTED => Err(libc::EINTR),
                    e => Err(e),
                }
            },
        );
        drop(op);
        r.map(|fd| TcpStream::wrap(Socket::new(fd)))
            .map_err(|e| e.message("accept"))
    }

    /// The port the listener is bound to.
    pub fn port(&self) -> i64 {
        let Ok(op) = self.sock.enter() else { return 0 };
        let port = addr::socket_addr(self.sock.fd(), false).map_or(0, |a| a.port() as i64);
        drop(op);
        port
    }

    /// Stops listening (idempotent; a parked `accept` ends with an error).
    pub fn close(&self) {
        self.sock.close();
    }
}

fn listen_one(a: &SocketAddr) -> Result<Socket, NetError> {
    let sock = Socket::tcp(family(a))?;
    let fd = sock.fd();
    set_opt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1);
    let (raw, len) = addr::to_raw(a);
    // SAFETY: `raw` holds a sockaddr of `len` bytes.
    if unsafe { libc::bind(fd, (&raw as *const libc::sockaddr_storage).cast(), len) } < 0 {
        return Err(NetError::Os(crate::os::errno()));
    }
    // SAFETY: no pointers.
    if unsafe { libc::listen(fd, BACKLOG) } < 0 {
        return Err(NetError::Os(crate::os::errno()));
    }
    Ok(sock)
}

/// A received `Vec<u8>` (+1).
pub fn byte_vec(bytes: &[u8]) -> WeftVec {
    let g: &WeftGlue = &BYTE_GLUE;
    // SAFETY: `g` describes u8 elements; `bytes` holds `bytes.len()` of them.
    unsafe {
        let mut v = WeftVec::with_capacity(bytes.len(), g);
        v.extend_retained(bytes.as_ptr(), bytes.len(), g);
        v
    }
}

/// A received string (+1).
pub fn string(bytes: &[u8]) -> WeftStr {
    WeftStr::from_bytes(bytes)
}
