//! Builds the one piece of the runtime that Rust cannot express on stable: the exported
//! thread-local `weft_rt_stack_limit` (see `src/stack_limit.c`).

fn main() {
    println!("cargo:rerun-if-changed=src/stack_limit.c");
    cc::Build::new()
        .file("src/stack_limit.c")
        .opt_level(2)
        .compile("weft_rt_stack_limit");
}
