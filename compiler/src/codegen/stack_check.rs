//! The prologue stack check: task stacks have no guard page (docs/architecture.md, Runtime), so
//! every function compares the stack pointer with the running task's limit, the
//! thread-local `weft_rt_stack_limit`, and calls `weft_rt_morestack(sp)` below it. That
//! call returns when the limit was *poked* by another worker (the all-ones value, Go's
//! `stackPreempt`: a request that the task enter the runtime at its next function call)
//! and reports the overflow otherwise; the check is also the runtime's safe point.
//!
//! Small leaf functions skip the check, as Go's linker does for small `NOSPLIT` leaves
//! (cmd/internal/obj/x86/obj6.go, `StackSmall`): a function that calls no other Weft
//! function and whose frame is at most [`LEAF_FRAME_LIMIT`] bytes runs within the
//! reserve the runtime keeps below every limit (`runtime/src/stack.rs`, `RESERVE`: 16 KiB
//! for runtime and C code, which are unchecked too). Without the check such functions
//! inline cleanly and touch no thread-local in hot loops.

use super::builder::CallValue;
use super::Cg;
use inkwell::basic_block::BasicBlock;
use inkwell::types::BasicType;
use inkwell::values::{CallSiteValue, FunctionValue, InstructionOpcode, InstructionValue};

/// The runtime's thread-local stack limit (`runtime/src/stack_limit.c`).
const STACK_LIMIT: &str = "weft_rt_stack_limit";

/// Largest frame (sum of the function's `alloca`s, in bytes) of a leaf that runs unchecked.
pub const LEAF_FRAME_LIMIT: u64 = 1024;

/// An emitted check: what [`Cg::elide_stack_check_of_leaf`] removes.
pub struct StackCheck<'ctx> {
    /// The instructions of the comparison, in order, ending with the conditional branch.
    instructions: Vec<InstructionValue<'ctx>>,
    /// The block that reports the overflow.
    overflow: BasicBlock<'ctx>,
    /// Where execution continues when the stack is fine.
    body: BasicBlock<'ctx>,
}

impl<'ctx> Cg<'ctx, '_> {
    /// Emits, at the current position of `func`, the comparison of the stack pointer with
    /// the current task's limit and the call of `weft_rt_morestack` below it.
    /// `window`: overflow only when the stack pointer is at most that many bytes below the
    /// limit (for glue, which the runtime may also run on a scheduler's own stack, where
    /// the thread-local limit can be another stack's: a recursion on a task stack crosses
    /// the window first, since glue frames are small), or when the limit is poked.
    pub fn emit_stack_check(
        &mut self,
        func: FunctionValue<'ctx>,
        window: Option<u64>,
    ) -> StackCheck<'ctx> {
        let i64t = self.ctx.i64_type();
        let mut instructions = Vec::new();
        let limit = self.load_stack_limit();
        instructions.extend(limit.as_instruction());
        let sp_fn = inkwell::intrinsics::Intrinsic::find("llvm.stacksave")
            .and_then(|i| i.get_declaration(&self.module, &[self.ptr_ty().into()]))
            .expect("llvm.stacksave");
        let call = self.builder.call(sp_fn, &[], "sp");
        let sp = call.value().into_pointer_value();
        instructions.extend(sp.as_instruction());
        let sp = self.builder.ptr_to_int(sp, i64t, "spi");
        instructions.extend(sp.as_instruction());
        let mut low = self
            .builder
            .int_compare(inkwell::IntPredicate::ULT, sp, limit, "low");
        instructions.extend(low.as_instruction());
        if let Some(w) = window {
            let depth = self.builder.int_sub(limit, sp, "depth");
            let near = self.builder.int_compare(
                inkwell::IntPredicate::ULE,
                depth,
                i64t.const_int(w, false),
                "near",
            );
            // A poked limit (all ones) is never near: let it through as well.
            let poked = self.builder.int_compare(
                inkwell::IntPredicate::EQ,
                limit,
                i64t.const_all_ones(),
                "poked",
            );
            let near_or_poked = self.builder.or(near, poked, "near_or_poked");
            low = self.builder.and(low, near_or_poked, "overflow");
            instructions.extend(
                [depth, near, poked, near_or_poked, low]
                    .iter()
                    .filter_map(|v| v.as_instruction()),
            );
        }
        let overflow = self.ctx.append_basic_block(func, "stack_overflow");
        let body = self.ctx.append_basic_block(func, "body");
        let br = self.builder.conditional_branch(low, overflow, body);
        instructions.push(br);
        self.builder.position_at_end(overflow);
        let f = self.rt("weft_rt_morestack");
        self.builder.call(f, &[sp.into()], "");
        self.builder.unconditional_branch(body);
        self.builder.position_at_end(body);
        StackCheck {
            instructions,
            overflow,
            body,
        }
    }

    /// Removes `check` from `func` when `func` is a small leaf (see the module docs);
    /// call it once the whole body is emitted.
    pub fn elide_stack_check_of_leaf(
        &mut self,
        func: FunctionValue<'ctx>,
        check: StackCheck<'ctx>,
    ) {
        if !self.is_small_leaf(func, &check.instructions) {
            return;
        }
        let Some((&branch, comparison)) = check.instructions.split_last() else {
            return;
        };
        self.builder.position_before(&branch);
        self.builder.unconditional_branch(check.body);
        branch.erase_from_basic_block();
        // SAFETY: the overflow block's only predecessor was the branch erased above; it
        // goes first, since its call uses the stack pointer read by the comparison.
        unsafe { check.overflow.delete() }.expect("overflow block is detached");
        for inst in comparison.iter().rev() {
            inst.erase_from_basic_block();
        }
    }

    /// Whether `func` calls no function defined in this module (other Weft functions,
    /// glue, closures through pointers) and its `alloca`s total at most
    /// [`LEAF_FRAME_LIMIT`] bytes. Declarations (the runtime, C functions) and LLVM
    /// intrinsics are allowed: they run within the reserve. The instructions of the check
    /// itself (`check`: on aarch64 an inline-assembly call) do not count.
    fn is_small_leaf(&self, func: FunctionValue<'ctx>, check: &[InstructionValue<'ctx>]) -> bool {
        let mut frame = 0u64;
        for block in func.get_basic_block_iter() {
            for inst in block.get_instructions() {
                if check.contains(&inst) {
                    continue;
                }
                match inst.get_opcode() {
                    InstructionOpcode::Alloca => match inst.get_allocated_type() {
                        Ok(ty) if ty.is_sized() => frame += self.td.get_abi_size(&ty),
                        _ => return false,
                    },
                    InstructionOpcode::Call | InstructionOpcode::Invoke
                        if !calls_declaration(inst) =>
                    {
                        return false;
                    }
                    _ => {}
                }
            }
        }
        frame <= LEAF_FRAME_LIMIT
    }

    /// Loads the calling thread's `weft_rt_stack_limit`, afresh: the check may run after a
    /// call that moved the task to another worker thread (see [`Cg::load_thread_word`]).
    fn load_stack_limit(&mut self) -> inkwell::values::IntValue<'ctx> {
        self.load_thread_word(STACK_LIMIT)
    }

    /// Loads the pointer-sized thread-local `name` (defined by the runtime in
    /// `stack_limit.c`, initial-exec model) of the calling thread, afresh.
    ///
    /// On x86_64 a thread-local load is `fs`-relative, so every load reads the current
    /// thread's variable; it is a non-tearing atomic load since another worker may poke the
    /// stack limit meanwhile (a plain move, as free to optimize as a plain load). On aarch64
    /// LLVM computes a thread-local's address from `tpidr_el0` once per function and reuses
    /// it after calls, which after a migration reads the previous thread's variable (a
    /// check inlined after a lock or channel call then reported a bogus overflow): there
    /// the load is an inline-assembly sequence that reads the thread pointer each time.
    pub fn load_thread_word(&mut self, name: &str) -> inkwell::values::IntValue<'ctx> {
        let i64t = self.ctx.i64_type();
        let triple = self.module.get_triple();
        let aarch64 = triple.as_str().to_bytes().starts_with(b"aarch64");
        // The asm names the variable: make sure the module declares it.
        let global = self.thread_word_global(name);
        if aarch64 {
            let asm = self.ctx.create_inline_asm(
                i64t.fn_type(&[], false),
                format!(
                    "mrs $0, tpidr_el0\nadrp x16, :gottprel:{name}\n\
                     ldr x16, [x16, :gottprel_lo12:{name}]\nldr $0, [$0, x16]"
                ),
                "=&r,~{x16}".to_string(),
                true,
                false,
                None,
                false,
            );
            return self
                .builder
                .indirect_call(i64t.fn_type(&[], false), asm, &[], name)
                .value()
                .into_int_value();
        }
        let value = self
            .builder
            .load(i64t, global.as_pointer_value(), name)
            .into_int_value();
        if let Some(load) = value.as_instruction() {
            // An aligned i64 load: both calls accept it.
            let aligned = load.set_alignment(8);
            let unordered = load.set_atomic_ordering(inkwell::AtomicOrdering::Unordered);
            debug_assert!(aligned.is_ok() && unordered.is_ok());
        }
        value
    }

    /// The runtime's thread-local `name`, declared as an `i64`.
    fn thread_word_global(&mut self, name: &str) -> inkwell::values::GlobalValue<'ctx> {
        if let Some(g) = self.module.get_global(name) {
            return g;
        }
        let g = self.module.add_global(self.ctx.i64_type(), None, name);
        g.set_thread_local(true);
        g.set_thread_local_mode(Some(inkwell::ThreadLocalMode::InitialExecTLSModel));
        g
    }
}

/// Whether the call instruction `inst` calls a function declared but not defined here.
fn calls_declaration(inst: InstructionValue<'_>) -> bool {
    CallSiteValue::try_from(inst)
        .ok()
        .and_then(|call| call.get_called_fn_value())
        .is_some_and(|f| f.count_basic_blocks() == 0)
}
