//! The C ABI: the only place that exports `weft_rt_*` symbols (placeholder).
pub mod io;
pub mod map;
pub mod mem;
pub mod panic;
pub mod string;
pub mod sync;
pub mod task;
pub mod thread;
pub mod vec;
