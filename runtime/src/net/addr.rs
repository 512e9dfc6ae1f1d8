//! Socket addresses: conversions between `std::net::SocketAddr` and the kernel's
//! `sockaddr`, and name resolution off the scheduler threads.
//!
//! A host that is a numeric IPv4 or IPv6 address (`127.0.0.1`, `::1`, `[::1]`) is used as
//! it is. Any other name is resolved with `getaddrinfo` (through `std::net::ToSocketAddrs`),
//! which may block for seconds: a green task runs it on the blocking pool
//! (`thread::blocking`) and parks until it is done, as Go's cgo resolver does on a thread of
//! its own; an OS thread calls it directly.

use std::ffi::c_void;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use super::socket::NetError;
use crate::sched::join::{self, JoinStatus};
use crate::sched::task::TaskEnv;

/// `addr` as a `sockaddr_storage` and its length.
pub fn to_raw(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe {
                (&mut storage as *mut libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in>()
                    .write(sin)
            };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe {
                (&mut storage as *mut libc::sockaddr_storage)
                    .cast::<libc::sockaddr_in6>()
                    .write(sin6)
            };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The address in a `sockaddr_storage` the kernel filled (`None` for another family).
pub fn from_raw(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match storage.ss_family as i32 {
        libc::AF_INET => {
            // SAFETY: the family says it holds a sockaddr_in.
            let sin =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = std::net::Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::new(IpAddr::V4(ip), u16::from_be(sin.sin_port)))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says it holds a sockaddr_in6.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// The local (`peer == false`) or remote address of socket `fd`.
pub fn socket_addr(fd: i32, peer: bool) -> Result<SocketAddr, NetError> {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let p = (&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    // SAFETY: `p` has room for `len` bytes.
    let r = unsafe {
        if peer {
            libc::getpeername(fd, p, &mut len)
        } else {
            libc::getsockname(fd, p, &mut len)
        }
    };
    if r < 0 {
        return Err(NetError::Os(crate::os::errno()));
    }
    from_raw(&storage).ok_or_else(|| NetError::Other("not an IP socket".into()))
}

/// The addresses of `host` at `port`, in the resolver's order (see the module docs). An
/// empty host is the unspecified IPv4 address (every interface, for `bind`).
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.is_empty() {
        return Ok(vec![SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port)]);
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if crate::sched::current_task().is_none() {
        return lookup(bare, port);
    }
    resolve_on_pool(bare, port)
}

/// `getaddrinfo` through std.
fn lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let v: Vec<SocketAddr> = addrs.collect();
            if v.is_empty() {
                Err(NetError::Other(format!("no address for '{host}'")))
            } else {
                Ok(v)
            }
        }
        Err(e) => Err(NetError::Other(format!("cannot resolve '{host}': {e}"))),
    }
}

/// A lookup on the blocking pool: the job's environment, and its result (boxed, its
/// address in the job's result slot).
struct Lookup {
    host: String,
    port: u16,
}

type LookupResult = Result<Vec<SocketAddr>, NetError>;

unsafe extern "C-unwind" fn lookup_entry(env: *mut c_void, slot: *mut c_void) {
    let job = Box::from_raw(env.cast::<Lookup>());
    if slot.is_null() {
        return;
    }
    let result = Box::new(lookup(&job.host, job.port));
    slot.cast::<*mut LookupResult>()
        .write(Box::into_raw(result));
}

/// Frees a lookup result nobody took (the waiting task was cancelled).
unsafe extern "C" fn drop_lookup(slot: *mut c_void) {
    let p = slot.cast::<*mut LookupResult>().read();
    if !p.is_null() {
        drop(Box::from_raw(p));
        slot.cast::<*mut LookupResult>().write(std::ptr::null_mut());
    }
}

fn resolve_on_pool(host: &str, port: u16) -> LookupResult {
    let env = Box::into_raw(Box::new(Lookup {
        host: host.to_owned(),
        port,
    }));
    // SAFETY: `lookup_entry` takes over `env` on the pool thread.
    let task = unsafe {
        crate::thread::blocking_spawn(
            lookup_entry,
            TaskEnv::Ptr(env.cast()),
            std::mem::size_of::<*mut LookupResult>(),
            Some(drop_lookup),
        )
    };
    // SAFETY: a null `out` copies nothing; the result stays in the slot.
    let status = unsafe { join::join(task, std::ptr::null_mut(), None) };
    let result = match status {
        JoinStatus::Ok => {
            let slot = task.result_slot().cast::<*mut LookupResult>();
            // SAFETY: the job wrote a boxed result; taking it leaves null for drop_lookup.
            unsafe {
                let p = slot.read();
                slot.write(std::ptr::null_mut());
                *Box::from_raw(p)
            }
        }
        JoinStatus::Cancelled => Err(NetError::Cancelled),
        JoinStatus::TimedOut => Err(NetError::TimedOut),
        JoinStatus::Panicked => Err(NetError::Other(format!("cannot resolve '{host}'"))),
    };
    task.release();
    result
}
