//! The C ABI: the only place that exports `weft_rt_*` symbols (the top layer), one file per
//! area. Each function checks or converts its arguments and calls the layer that
//! implements it; `docs/runtime.md` is the contract with the compiler.

pub mod generator;
pub mod io;
pub mod map;
pub mod mem;
pub mod net;
pub mod panic;
pub mod scope;
pub mod string;
pub mod sync;
pub mod task;
pub mod thread;
pub mod vec;
