//! `weft_rt`: the Weft runtime, linked into every Weft program as a static library.
pub mod abi;
pub mod context;
pub mod lock;
pub mod obj;
pub mod os;
pub mod panic;
pub mod sched;
pub mod stack;
pub mod sync;
pub mod thread;
