//! The instruction builder code generation uses: inkwell's `Builder` with the
//! `build_*` calls code generation repeats wrapped so that they return their value
//! directly (the model is Inko's `compiler/src/llvm/builder.rs`).
//!
//! inkwell returns `Err` from a `build_*` call only when the builder is not positioned
//! in a block or an operand has the wrong kind of type: both are bugs in code
//! generation, never a property of the program being compiled, so the wrappers panic
//! with the instruction's name. Each wrapper keeps inkwell's name without `build_`
//! (`build_return` becomes [`Builder::ret`]); everything else, such as positioning,
//! reaches inkwell's builder through `Deref`.

use inkwell::basic_block::BasicBlock;
use inkwell::types::{BasicType, FunctionType, IntMathType, IntType, PointerType};
use inkwell::values::{
    AggregateValue, AggregateValueEnum, BasicMetadataValueEnum, BasicValue, BasicValueEnum,
    CallSiteValue, FloatMathValue, FunctionValue, InstructionValue, IntMathValue, IntValue,
    PhiValue, PointerValue,
};
use inkwell::{AtomicOrdering, AtomicRMWBinOp, FloatPredicate, IntPredicate};

/// inkwell's builder with infallible wrappers of the calls code generation uses.
pub struct Builder<'ctx>(inkwell::builder::Builder<'ctx>);

impl<'ctx> std::ops::Deref for Builder<'ctx> {
    type Target = inkwell::builder::Builder<'ctx>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Unwraps a builder result; an error is a code generation bug (see the module docs).
fn ok<T>(r: Result<T, inkwell::builder::BuilderError>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("code generation built an invalid `{what}`: {e}"),
    }
}

/// Wrappers of the binary operations `fn name(lhs, rhs, label) -> T`.
macro_rules! binary {
    ($bound:ident: $($name:ident => $inner:ident,)*) => {
        $(
            pub fn $name<T: $bound<'ctx>>(&self, lhs: T, rhs: T, name: &str) -> T {
                ok(self.0.$inner(lhs, rhs, name), stringify!($name))
            }
        )*
    };
}

/// Wrappers of the conversions `fn name(value, to_type, label) -> T`.
macro_rules! convert {
    ($bound:ident: $($name:ident => $inner:ident,)*) => {
        $(
            pub fn $name<T: $bound<'ctx>>(&self, v: T, ty: T::BaseType, name: &str) -> T {
                ok(self.0.$inner(v, ty, name), stringify!($name))
            }
        )*
    };
}

impl<'ctx> Builder<'ctx> {
    pub fn new(inner: inkwell::builder::Builder<'ctx>) -> Self {
        Builder(inner)
    }

    // ----- memory -----

    pub fn alloca<T: BasicType<'ctx>>(&self, ty: T, name: &str) -> PointerValue<'ctx> {
        ok(self.0.build_alloca(ty, name), "alloca")
    }

    pub fn load<T: BasicType<'ctx>>(
        &self,
        ty: T,
        ptr: PointerValue<'ctx>,
        name: &str,
    ) -> BasicValueEnum<'ctx> {
        ok(self.0.build_load(ty, ptr, name), "load")
    }

    pub fn store<V: BasicValue<'ctx>>(
        &self,
        ptr: PointerValue<'ctx>,
        value: V,
    ) -> InstructionValue<'ctx> {
        ok(self.0.build_store(ptr, value), "store")
    }

    /// The address of field `index` of the struct of type `ty` at `ptr`.
    pub fn struct_gep<T: BasicType<'ctx>>(
        &self,
        ty: T,
        ptr: PointerValue<'ctx>,
        index: u32,
        name: &str,
    ) -> PointerValue<'ctx> {
        ok(self.0.build_struct_gep(ty, ptr, index, name), "struct_gep")
    }

    /// `getelementptr`.
    ///
    /// # Safety
    /// The indices must stay inside the object `ptr` points into (LLVM's `gep` rules).
    pub unsafe fn gep<T: BasicType<'ctx>>(
        &self,
        ty: T,
        ptr: PointerValue<'ctx>,
        indices: &[IntValue<'ctx>],
        name: &str,
    ) -> PointerValue<'ctx> {
        ok(unsafe { self.0.build_gep(ty, ptr, indices, name) }, "gep")
    }

    /// `getelementptr inbounds`.
    ///
    /// # Safety
    /// As for [`Builder::gep`], and the result must stay in bounds.
    pub unsafe fn in_bounds_gep<T: BasicType<'ctx>>(
        &self,
        ty: T,
        ptr: PointerValue<'ctx>,
        indices: &[IntValue<'ctx>],
        name: &str,
    ) -> PointerValue<'ctx> {
        ok(
            unsafe { self.0.build_in_bounds_gep(ty, ptr, indices, name) },
            "in_bounds_gep",
        )
    }

    pub fn extract_value<A: AggregateValue<'ctx>>(
        &self,
        agg: A,
        index: u32,
        name: &str,
    ) -> BasicValueEnum<'ctx> {
        ok(
            self.0.build_extract_value(agg, index, name),
            "extract_value",
        )
    }

    pub fn insert_value<A: AggregateValue<'ctx>, V: BasicValue<'ctx>>(
        &self,
        agg: A,
        value: V,
        index: u32,
        name: &str,
    ) -> AggregateValueEnum<'ctx> {
        ok(
            self.0.build_insert_value(agg, value, index, name),
            "insert_value",
        )
    }

    pub fn atomicrmw(
        &self,
        op: AtomicRMWBinOp,
        ptr: PointerValue<'ctx>,
        value: IntValue<'ctx>,
        ordering: AtomicOrdering,
    ) -> IntValue<'ctx> {
        ok(
            self.0.build_atomicrmw(op, ptr, value, ordering),
            "atomicrmw",
        )
    }

    pub fn fence(
        &self,
        ordering: AtomicOrdering,
        single_thread: bool,
        name: &str,
    ) -> InstructionValue<'ctx> {
        ok(self.0.build_fence(ordering, single_thread, name), "fence")
    }

    // ----- calls and control flow -----

    pub fn call(
        &self,
        f: FunctionValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> CallSiteValue<'ctx> {
        ok(self.0.build_call(f, args, name), "call")
    }

    pub fn indirect_call(
        &self,
        ty: FunctionType<'ctx>,
        f: PointerValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> CallSiteValue<'ctx> {
        ok(
            self.0.build_indirect_call(ty, f, args, name),
            "indirect_call",
        )
    }

    /// Calls `f`, continuing at `then`, or at the landing pad `unwind` when it unwinds.
    pub fn direct_invoke(
        &self,
        f: FunctionValue<'ctx>,
        args: &[BasicValueEnum<'ctx>],
        then: BasicBlock<'ctx>,
        unwind: BasicBlock<'ctx>,
        name: &str,
    ) -> CallSiteValue<'ctx> {
        ok(
            self.0.build_direct_invoke(f, args, then, unwind, name),
            "invoke",
        )
    }

    /// [`Builder::direct_invoke`] of a function pointer.
    pub fn indirect_invoke(
        &self,
        ty: FunctionType<'ctx>,
        f: PointerValue<'ctx>,
        args: &[BasicValueEnum<'ctx>],
        then: BasicBlock<'ctx>,
        unwind: BasicBlock<'ctx>,
        name: &str,
    ) -> CallSiteValue<'ctx> {
        ok(
            self.0
                .build_indirect_invoke(ty, f, args, then, unwind, name),
            "invoke",
        )
    }

    /// A cleanup `landingpad` of type `ty` (the exception pointer and selector).
    pub fn landing_pad<T: BasicType<'ctx>>(
        &self,
        ty: T,
        personality: FunctionValue<'ctx>,
        name: &str,
    ) -> BasicValueEnum<'ctx> {
        ok(
            self.0.build_landing_pad(ty, personality, &[], true, name),
            "landingpad",
        )
    }

    /// Continues the unwinding a landing pad stopped.
    pub fn resume<V: BasicValue<'ctx>>(&self, exception: V) -> InstructionValue<'ctx> {
        ok(self.0.build_resume(exception), "resume")
    }

    /// `ret` with a value, or `ret void` for `None`.
    pub fn ret(&self, value: Option<&dyn BasicValue<'ctx>>) -> InstructionValue<'ctx> {
        ok(self.0.build_return(value), "ret")
    }

    pub fn unconditional_branch(&self, to: BasicBlock<'ctx>) -> InstructionValue<'ctx> {
        ok(self.0.build_unconditional_branch(to), "br")
    }

    pub fn conditional_branch(
        &self,
        cond: IntValue<'ctx>,
        then: BasicBlock<'ctx>,
        otherwise: BasicBlock<'ctx>,
    ) -> InstructionValue<'ctx> {
        ok(
            self.0.build_conditional_branch(cond, then, otherwise),
            "conditional br",
        )
    }

    pub fn switch(
        &self,
        value: IntValue<'ctx>,
        otherwise: BasicBlock<'ctx>,
        cases: &[(IntValue<'ctx>, BasicBlock<'ctx>)],
    ) -> InstructionValue<'ctx> {
        ok(self.0.build_switch(value, otherwise, cases), "switch")
    }

    /// `llvm.memset`: `size` bytes at `dest` (aligned to `align`) set to `value`.
    pub fn memset(
        &self,
        dest: PointerValue<'ctx>,
        align: u32,
        value: IntValue<'ctx>,
        size: IntValue<'ctx>,
    ) -> PointerValue<'ctx> {
        ok(self.0.build_memset(dest, align, value, size), "memset")
    }

    pub fn unreachable(&self) -> InstructionValue<'ctx> {
        ok(self.0.build_unreachable(), "unreachable")
    }

    pub fn phi<T: BasicType<'ctx>>(&self, ty: T, name: &str) -> PhiValue<'ctx> {
        ok(self.0.build_phi(ty, name), "phi")
    }

    // ----- integers -----

    binary! { IntMathValue:
        int_add => build_int_add,
        int_sub => build_int_sub,
        int_mul => build_int_mul,
        int_signed_div => build_int_signed_div,
        int_unsigned_div => build_int_unsigned_div,
        int_signed_rem => build_int_signed_rem,
        int_unsigned_rem => build_int_unsigned_rem,
        and => build_and,
        or => build_or,
        xor => build_xor,
        left_shift => build_left_shift,
    }

    convert! { IntMathValue:
        int_z_extend => build_int_z_extend,
        int_s_extend => build_int_s_extend,
        int_truncate => build_int_truncate,
        int_truncate_or_bit_cast => build_int_truncate_or_bit_cast,
    }

    pub fn right_shift<T: IntMathValue<'ctx>>(
        &self,
        lhs: T,
        rhs: T,
        arithmetic: bool,
        name: &str,
    ) -> T {
        ok(
            self.0.build_right_shift(lhs, rhs, arithmetic, name),
            "right_shift",
        )
    }

    pub fn not<T: IntMathValue<'ctx>>(&self, v: T, name: &str) -> T {
        ok(self.0.build_not(v, name), "not")
    }

    /// `icmp` on integers or pointers.
    pub fn int_compare<T: IntMathValue<'ctx>>(
        &self,
        op: IntPredicate,
        lhs: T,
        rhs: T,
        name: &str,
    ) -> <T::BaseType as IntMathType<'ctx>>::ValueType {
        ok(self.0.build_int_compare(op, lhs, rhs, name), "icmp")
    }

    pub fn int_cast_sign_flag(
        &self,
        v: IntValue<'ctx>,
        ty: IntType<'ctx>,
        signed: bool,
        name: &str,
    ) -> IntValue<'ctx> {
        ok(
            self.0.build_int_cast_sign_flag(v, ty, signed, name),
            "int_cast",
        )
    }

    pub fn signed_int_to_float(
        &self,
        v: IntValue<'ctx>,
        ty: inkwell::types::FloatType<'ctx>,
        name: &str,
    ) -> inkwell::values::FloatValue<'ctx> {
        ok(self.0.build_signed_int_to_float(v, ty, name), "sitofp")
    }

    pub fn unsigned_int_to_float(
        &self,
        v: IntValue<'ctx>,
        ty: inkwell::types::FloatType<'ctx>,
        name: &str,
    ) -> inkwell::values::FloatValue<'ctx> {
        ok(self.0.build_unsigned_int_to_float(v, ty, name), "uitofp")
    }

    // ----- pointers -----

    pub fn is_null(&self, p: PointerValue<'ctx>, name: &str) -> IntValue<'ctx> {
        ok(self.0.build_is_null(p, name), "is_null")
    }

    pub fn is_not_null(&self, p: PointerValue<'ctx>, name: &str) -> IntValue<'ctx> {
        ok(self.0.build_is_not_null(p, name), "is_not_null")
    }

    pub fn ptr_to_int(
        &self,
        p: PointerValue<'ctx>,
        ty: IntType<'ctx>,
        name: &str,
    ) -> IntValue<'ctx> {
        ok(self.0.build_ptr_to_int(p, ty, name), "ptrtoint")
    }

    pub fn int_to_ptr(
        &self,
        v: IntValue<'ctx>,
        ty: PointerType<'ctx>,
        name: &str,
    ) -> PointerValue<'ctx> {
        ok(self.0.build_int_to_ptr(v, ty, name), "inttoptr")
    }

    // ----- floats -----

    binary! { FloatMathValue:
        float_add => build_float_add,
        float_sub => build_float_sub,
        float_mul => build_float_mul,
        float_div => build_float_div,
        float_rem => build_float_rem,
    }

    convert! { FloatMathValue:
        float_ext => build_float_ext,
        float_trunc => build_float_trunc,
    }

    pub fn float_neg<T: FloatMathValue<'ctx>>(&self, v: T, name: &str) -> T {
        ok(self.0.build_float_neg(v, name), "fneg")
    }

    pub fn float_compare(
        &self,
        op: FloatPredicate,
        lhs: inkwell::values::FloatValue<'ctx>,
        rhs: inkwell::values::FloatValue<'ctx>,
        name: &str,
    ) -> IntValue<'ctx> {
        ok(self.0.build_float_compare(op, lhs, rhs, name), "fcmp")
    }
}

impl<'ctx> Builder<'ctx> {
    /// The block the builder appends to (it is always positioned while a body is built).
    pub fn current_block(&self) -> BasicBlock<'ctx> {
        self.0
            .get_insert_block()
            .expect("the builder is positioned in a block")
    }
}

/// The value of a call of a function that returns one.
pub trait CallValue<'ctx> {
    fn value(self) -> BasicValueEnum<'ctx>;
}

impl<'ctx> CallValue<'ctx> for CallSiteValue<'ctx> {
    fn value(self) -> BasicValueEnum<'ctx> {
        self.try_as_basic_value()
            .basic()
            .expect("a call of a function that returns a value")
    }
}

/// Parameter `i` of `f`, which code generation declared with at least `i + 1` parameters.
pub fn param<'ctx>(f: FunctionValue<'ctx>, i: u32) -> BasicValueEnum<'ctx> {
    f.get_nth_param(i)
        .expect("the function was declared with this parameter")
}
