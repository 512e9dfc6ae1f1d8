//! The `weft` executable.

fn main() {
    // The compiler must never panic; if it does, report it as an internal error (exit 2)
    // rather than with Rust's default message and exit code 101.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal compiler error: {info}");
        eprintln!("note: this is a bug in weft; please report it with the input that caused it");
    }));
    let code = std::panic::catch_unwind(weft::driver::main).unwrap_or(weft::driver::EXIT_USAGE);
    std::process::exit(code);
}
