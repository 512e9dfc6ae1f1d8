//! Per-type glue: the functions generated code and the runtime call to copy, drop,
//! compare and order values of each type.
//!
//! - [`rc`]: retain / release of everything a value holds. Glue functions take a pointer
//!   to a value: `weft.retain.T(ptr)` makes the copy at `ptr` own its references;
//!   `weft.release.T(ptr)` releases them. Objects follow the counting protocol of
//!   docs/runtime.md §1 (negative counts are immortal).
//! - [`descriptor`]: the `WeftGlue` descriptors the runtime uses for vector and map
//!   elements, and the sort order.
//! - [`eq`]: structural equality.
//! - [`show`]: the debug text of values (a failed `assertEq` prints both).
//!
//! The object layouts and constants generated code shares are in `codegen/objects.rs`.

mod descriptor;
mod eq;
mod rc;
mod show;

use crate::common::ty::Ty;
use crate::hir::FuncId;
use inkwell::values::{FunctionValue, GlobalValue};
use std::collections::HashMap;

/// The glue functions and descriptors emitted so far, by type.
#[derive(Default)]
pub struct GlueCache<'ctx> {
    retain: HashMap<Ty, FunctionValue<'ctx>>,
    release: HashMap<Ty, FunctionValue<'ctx>>,
    consts: HashMap<Ty, GlobalValue<'ctx>>,
    eq: HashMap<Ty, FunctionValue<'ctx>>,
    show: HashMap<Ty, FunctionValue<'ctx>>,
    cmp: HashMap<Ty, FunctionValue<'ctx>>,
    pub env_drop: HashMap<FuncId, FunctionValue<'ctx>>,
    obj_retain: Option<FunctionValue<'ctx>>,
    obj_release: Option<FunctionValue<'ctx>>,
}

/// How far below a stack's limit a glue function still reports an overflow: half the
/// runtime's reserve under the limit (runtime/src/stack.rs), far more than a glue frame.
const GLUE_STACK_WINDOW: u64 = 8 * 1024;
