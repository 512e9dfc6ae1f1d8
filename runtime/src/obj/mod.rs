//! Weft's reference-counted objects and the operations on them: the allocation and
//! reference counts every object shares ([`rc`], over per-thread [`magazine`]s), strings
//! ([`string`], with number formatting in [`fmt`]), vectors ([`vec`]), maps ([`map`]), and
//! printing, files, arguments and environment ([`io`]).
//!
//! Below: [`crate::os`], [`crate::lock`] and [`crate::panic`] (an operation that panics
//! hands the panic to the failure path registered there).

pub mod fmt;
pub mod io;
pub mod magazine;
pub mod map;
pub mod rc;
pub mod string;
pub mod vec;
