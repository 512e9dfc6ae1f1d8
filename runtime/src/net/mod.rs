//! Networking (`std/net`): TCP sockets over the scheduler's reactor.
//!
//! The layer between OS threads and the C ABI: it uses the reactor (`sched::reactor`) to
//! park green tasks on sockets, the handle protocol of `sync::handle`, and the blocking
//! pool (`thread::blocking`) to resolve names off the scheduler threads.
//!
//! - [`socket`]: a non-blocking descriptor shared by tasks and threads, its operation
//!   count (a descriptor is never closed under a running operation) and the loop that
//!   waits for readiness;
//! - [`addr`]: addresses and name resolution;
//! - [`tcp`]: `TcpStream` and `TcpListener`.
//!
//! A green task's socket operation that would block parks only the task (its worker runs
//! other tasks); on an OS thread the same operation blocks the thread. There is no
//! separate asynchronous API.

pub mod addr;
pub mod socket;
pub mod tcp;

pub use socket::NetError;
pub use tcp::{TcpListener, TcpStream};
