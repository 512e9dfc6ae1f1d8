//! C ABI of TCP sockets (`std/net`). See [`crate::net`] for the implementation and
//! `docs/runtime.md` ("Networking") for the contract.
//!
//! Conventions (as for every handle, `abi/sync.rs`):
//! - `TcpStream` and `TcpListener` are reference-counted handles (`rc` at offset 0);
//!   `weft_rt_tcp_stream_retain` / `_release` and `weft_rt_tcp_listener_retain` /
//!   `_release` add and drop a count; the last release closes the socket if the program
//!   did not;
//! - handle arguments are borrowed (+0); constructors return +1;
//! - a failed operation returns false (or NULL) and stores its error message (+1) in the
//!   `Str *err` out-parameter: the OS's reason with what failed
//!   (`recv: Connection reset by peer (os error 104)`, `send: Broken pipe (os error 32)`),
//!   `recv: timed out`, or exactly `cancelled` when the calling task was cancelled;
//! - every operation that may wait parks a green caller (its worker runs other tasks) and
//!   blocks an OS-thread caller; `const WeftLoc *loc` may be null.

use std::ffi::c_void;

use crate::net::tcp::{self, TcpListener, TcpStream};
use crate::obj::string::WeftStr;
use crate::obj::vec::WeftVec;
use crate::panic::WeftLoc;
use crate::sched::switching_entry;
use crate::sync::handle;

/// Stores `message` (+1) in `*err` and returns false.
unsafe fn fail(err: *mut WeftStr, message: &str) -> bool {
    if !err.is_null() {
        err.write(WeftStr::from_bytes(message.as_bytes()));
    }
    false
}

unsafe fn stream<'a>(s: *mut c_void) -> &'a TcpStream {
    &*s.cast::<TcpStream>()
}

unsafe fn listener<'a>(l: *mut c_void) -> &'a TcpListener {
    &*l.cast::<TcpListener>()
}

/// `void *weft_rt_tcp_connect(Str host, int64_t port, Str *err, const WeftLoc *loc)`
///
/// Resolves `host` (a numeric IPv4 or IPv6 address as it is, any other name with
/// `getaddrinfo` on the blocking pool) and connects to `port`, trying each address in
/// turn. Returns the stream (+1), or NULL with `cannot connect to <host>:<port>: <reason>`
/// (+1) in `*err` (`cancelled` when the calling task was cancelled meanwhile).
///
/// # Safety
/// `host` is a live string; `err` is writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_connect(
    host: WeftStr,
    port: i64,
    err: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> *mut c_void {
    let host = String::from_utf8_lossy(host.as_bytes()).into_owned();
    match TcpStream::connect(&host, port, loc) {
        Ok(s) => s.cast(),
        Err(message) => {
            fail(err, &message);
            std::ptr::null_mut()
        }
    }
}
switching_entry!("weft_rt_tcp_connect" => weft_rt_tcp_connect);

/// `bool weft_rt_tcp_send(void *s, Str data, Str *err, const WeftLoc *loc)`
///
/// Sends all of `data` (+0). False with the error (+1) in `*err`.
///
/// # Safety
/// `s` is a live stream; `data` a live string; `err` is writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_send(
    s: *mut c_void,
    data: WeftStr,
    err: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> bool {
    match stream(s).send(data.as_bytes(), loc) {
        Ok(()) => true,
        Err(message) => fail(err, &message),
    }
}
switching_entry!("weft_rt_tcp_send" => weft_rt_tcp_send);

/// `bool weft_rt_tcp_send_bytes(void *s, VecP data, Str *err, const WeftLoc *loc)`
///
/// Sends all bytes of the `Vec<u8>` `data` (+0). False with the error (+1) in `*err`.
///
/// # Safety
/// `s` is a live stream; `data` a live `Vec<u8>`; `err` is writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_send_bytes(
    s: *mut c_void,
    data: WeftVec,
    err: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> bool {
    let bytes = std::slice::from_raw_parts(data.data(), data.len());
    match stream(s).send(bytes, loc) {
        Ok(()) => true,
        Err(message) => fail(err, &message),
    }
}
switching_entry!("weft_rt_tcp_send_bytes" => weft_rt_tcp_send_bytes);

/// `bool weft_rt_tcp_recv(void *s, Str *out, const WeftLoc *loc)`
///
/// Waits until bytes are available and receives them (at most 64 KiB) as a string in
/// `*out` (+1); `""` at the end of the stream. False with the error (+1) in `*out`.
///
/// # Safety
/// `s` is a live stream; `out` is writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_recv(
    s: *mut c_void,
    out: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> bool {
    match stream(s).recv_with(tcp::RECV_MAX, loc, tcp::string) {
        Ok(text) => {
            out.write(text);
            true
        }
        Err(message) => fail(out, &message),
    }
}
switching_entry!("weft_rt_tcp_recv" => weft_rt_tcp_recv);

/// `bool weft_rt_tcp_recv_bytes(void *s, int64_t max, VecP *out, Str *err, const WeftLoc *loc)`
///
/// As `weft_rt_tcp_recv`, at most `max` bytes (and at most 64 KiB), as a `Vec<u8>` in
/// `*out` (+1; empty at the end of the stream, and for `max <= 0` without receiving).
/// False with the error (+1) in `*err` (`*out` untouched).
///
/// # Safety
/// `s` is a live stream; `out` and `err` are writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_recv_bytes(
    s: *mut c_void,
    max: i64,
    out: *mut WeftVec,
    err: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> bool {
    if max <= 0 {
        out.write(WeftVec::empty());
        return true;
    }
    match stream(s).recv_with(max as usize, loc, tcp::byte_vec) {
        Ok(v) => {
            out.write(v);
            true
        }
        Err(message) => fail(err, &message),
    }
}
switching_entry!("weft_rt_tcp_recv_bytes" => weft_rt_tcp_recv_bytes);

/// `void weft_rt_tcp_set_timeout(void *s, int64_t ms)`: every later send and receive
/// fails with `timed out` after waiting `ms` milliseconds (`ms <= 0`: no timeout).
///
/// # Safety
/// `s` is a live stream.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_set_timeout(s: *mut c_void, ms: i64) {
    stream(s).set_timeout(ms)
}

/// `bool weft_rt_tcp_peer_addr(void *s, Str *out)`: the remote address (`127.0.0.1:5000`,
/// `[::1]:5000`) in `*out` (+1), or false with the error (+1) there.
///
/// # Safety
/// `s` is a live stream; `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_peer_addr(s: *mut c_void, out: *mut WeftStr) -> bool {
    match stream(s).peer_addr() {
        Ok(text) => {
            out.write(WeftStr::from_bytes(text.as_bytes()));
            true
        }
        Err(message) => fail(out, &message),
    }
}

/// `void weft_rt_tcp_close(void *s)`: closes the stream (idempotent); operations parked on
/// it end with `use of a closed socket`, later ones fail the same way.
///
/// # Safety
/// `s` is a live stream.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_close(s: *mut c_void) {
    stream(s).close()
}

/// `void weft_rt_tcp_stream_retain(void *s)`: adds a count (null: nothing).
///
/// # Safety
/// `s` is null or live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_stream_retain(s: *mut c_void) {
    handle::retain(s.cast::<TcpStream>())
}

/// `void weft_rt_tcp_stream_release(void *s)`: drops a count; the last one closes the
/// socket (if still open) and frees the handle.
///
/// # Safety
/// `s` is null or live, and the caller gives a count of it.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_stream_release(s: *mut c_void) {
    handle::release(s.cast::<TcpStream>())
}

/// `void *weft_rt_tcp_bind(Str addr, int64_t port, Str *err)`
///
/// Binds `addr:port` (port 0: a free port the kernel picks; an empty `addr`: every IPv4
/// interface) with `SO_REUSEADDR` and listens. Returns the listener (+1), or NULL with
/// `cannot listen on <addr>:<port>: <reason>` (+1) in `*err`.
///
/// # Safety
/// `addr` is a live string; `err` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_bind(
    addr: WeftStr,
    port: i64,
    err: *mut WeftStr,
) -> *mut c_void {
    let host = String::from_utf8_lossy(addr.as_bytes()).into_owned();
    match TcpListener::bind(&host, port) {
        Ok(l) => l.cast(),
        Err(message) => {
            fail(err, &message);
            std::ptr::null_mut()
        }
    }
}

/// `void *weft_rt_tcp_accept(void *l, Str *err, const WeftLoc *loc)`
///
/// Waits for the next connection and returns it (+1), or NULL with the error (+1) in
/// `*err`.
///
/// # Safety
/// `l` is a live listener; `err` is writable.
pub unsafe extern "C-unwind" fn weft_rt_tcp_accept(
    l: *mut c_void,
    err: *mut WeftStr,
    loc: Option<&WeftLoc>,
) -> *mut c_void {
    match listener(l).accept(loc) {
        Ok(s) => s.cast(),
        Err(message) => {
            fail(err, &message);
            std::ptr::null_mut()
        }
    }
}
switching_entry!("weft_rt_tcp_accept" => weft_rt_tcp_accept);

/// `int64_t weft_rt_tcp_listener_port(void *l)`: the port the listener is bound to (0
/// once closed).
///
/// # Safety
/// `l` is a live listener.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_listener_port(l: *mut c_void) -> i64 {
    listener(l).port()
}

/// `void weft_rt_tcp_listener_close(void *l)`: stops listening (idempotent); a parked
/// `accept` ends with `use of a closed socket`.
///
/// # Safety
/// `l` is a live listener.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_listener_close(l: *mut c_void) {
    listener(l).close()
}

/// `void weft_rt_tcp_listener_retain(void *l)`: adds a count (null: nothing).
///
/// # Safety
/// `l` is null or live.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_listener_retain(l: *mut c_void) {
    handle::retain(l.cast::<TcpListener>())
}

/// `void weft_rt_tcp_listener_release(void *l)`: drops a count; the last one closes the
/// socket (if still open) and frees the handle.
///
/// # Safety
/// `l` is null or live, and the caller gives a count of it.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_tcp_listener_release(l: *mut c_void) {
    handle::release(l.cast::<TcpListener>())
}
