//! C ABI: printing, files, arguments, environment and exit (`std/io`).
//!
//! `Str` arguments are borrowed; strings and vectors returned, directly or through an
//! out-pointer, are owned (+1). On failure, functions with a `Str *out`/`Str *err`
//! store an owned error message there. See [`crate::obj::io`].

use super::mem::write_out;
use crate::obj::io;
use crate::obj::string::{raw_parts, WeftStr};
use crate::obj::vec::WeftVec;

/// `void weft_rt_print(const Str *parts, int64_t n, int32_t fd)`: writes the `n` parts
/// concatenated plus `\n` to `fd` (1 = stdout, 2 = stderr) with one `write(2)`, so lines
/// never interleave across threads; retries partial writes and `EINTR`.
///
/// # Safety
/// `parts` holds `n` live strings when `n > 0`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_print(parts: *const WeftStr, n: i64, fd: i32) {
    io::print_line(raw_parts(parts, n), fd);
}

/// `VecP weft_rt_args(void)`: the user's arguments as a `Vec<string>`, without the
/// program name.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_args() -> WeftVec {
    io::args()
}

/// `Str weft_rt_program_name(void)`: `argv[0]`.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_program_name() -> WeftStr {
    io::program_name()
}

/// `bool weft_rt_read_file(Str path, Str *out)`: true with the file's contents in `*out`,
/// or false with the error text there, e.g.
/// `cannot read 'x.txt': No such file or directory (os error 2)`.
///
/// # Safety
/// `path` is a live string; `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_read_file(path: WeftStr, out: *mut WeftStr) -> bool {
    let (ok, text) = match io::read_file(path) {
        Ok(s) => (true, s),
        Err(e) => (false, e),
    };
    out.write(text);
    ok
}

/// `bool weft_rt_write_file(Str path, Str data, Str *err)`: writes `data` to `path`
/// (created or truncated); on failure returns false with the error text in `*err`
/// (`cannot write '...': ...`), else leaves `*err` untouched.
///
/// # Safety
/// `path` and `data` are live strings; `err` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_write_file(
    path: WeftStr,
    data: WeftStr,
    err: *mut WeftStr,
) -> bool {
    !write_out(err, io::write_file(path, data).err())
}

/// `bool weft_rt_read_line(Str *out)`: the next line of standard input without its `\n`
/// or `\r\n`; false at end of input. Thread-safe (one shared buffer).
///
/// # Safety
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_read_line(out: *mut WeftStr) -> bool {
    write_out(out, io::read_stdin_line())
}

/// `bool weft_rt_getenv(Str name, Str *out)`: the variable's value in `*out`, or false
/// when it is not set.
///
/// # Safety
/// `name` is a live string; `out` is writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_getenv(name: WeftStr, out: *mut WeftStr) -> bool {
    write_out(out, io::getenv(name))
}

/// `void weft_rt_exit(int32_t code)` (noreturn): ends the process at once with `code`.
#[no_mangle]
pub extern "C-unwind" fn weft_rt_exit(code: i32) -> ! {
    io::exit(code)
}
