//! `weft_rt`: the Weft runtime, linked into every Weft program as a static library.
//!
//! The C ABI (`weft_rt_*` symbols) is exported only from [`abi`]; everything else is
//! internal. Layout:
//! - [`context`]: stack switching in assembly (x86_64, aarch64);
//! - [`stack`]: 64 KiB task stacks carved from mmap'd slabs, pooled per worker;
//! - [`sched`]: tasks, workers, run queues, work stealing, parking, drain, deadlock report;
//! - [`time`]: monotonic clock and timers;
//! - [`sync`]: futex-based channels, locks, condition variables, wait groups;
//! - [`rc`], [`string`], [`vec`], [`map`]: ARC objects and the operations on them;
//! - [`panic`]: panics, fatal errors, the stack-overflow handler;
//! - [`io`]: printing, files, process arguments and environment.

pub mod abi;
pub mod context;
pub mod fmt;
pub mod io;
pub mod magazine;
pub mod map;
pub mod panic;
pub mod rc;
pub mod sched;
pub mod stack;
pub mod string;
pub mod sync;
pub mod thread;
pub mod time;
pub mod valgrind;
pub mod vec;
