//! Builds the pieces of the runtime that Rust cannot express on stable: the exported
//! thread-locals `weft_rt_stack_limit` and `weft_rt_cancel_flag` (`src/stack_limit.c`) and
//! the setjmp-based way back from a panic in a child run inline (`src/catch.c`).

fn main() {
    println!("cargo:rerun-if-changed=src/stack_limit.c");
    println!("cargo:rerun-if-changed=src/catch.c");
    cc::Build::new()
        .file("src/stack_limit.c")
        .file("src/catch.c")
        .opt_level(2)
        .compile("weft_rt_c");
}
