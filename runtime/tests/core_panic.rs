//! Panics and fatal errors. Each scenario runs in a child process (this binary re-executed
//! with `WEFT_CORE_PANIC_SCENARIO` set), which must exit with code 101 (panic) or 2
//! (fatal) and print the expected text on stderr.

mod common;

use std::process::Command;

use common::{s, I64};
use weft_rt::abi::panic::*;
use weft_rt::abi::string::weft_rt_str_slice;
use weft_rt::abi::vec::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::panic::WeftLoc;

const SCENARIO: &str = "WEFT_CORE_PANIC_SCENARIO";

/// A location constant as the compiler emits one.
static LOC: WeftLoc = WeftLoc::new(b"src/app.weft", 3, 7);

/// Runs `scenario` in a child and checks its exit code and that stderr holds `expected`.
fn expect_child(scenario: &str, code: i32, expected: &[&str]) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(SCENARIO, scenario)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{scenario}: stderr {stderr}");
    for text in expected {
        assert!(
            stderr.contains(text),
            "{scenario}: {text:?} not in {stderr:?}"
        );
    }
}

/// The child side of [`expect_child`]: does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    let l = Some(&LOC);
    let mut out = [0u8; 8];
    unsafe {
        let mut v = weft_rt_vec_with_capacity(3, &I64);
        for x in [1i64, 2, 3] {
            let at = v.data().cast::<i64>().add(v.len());
            at.write(x);
            (*v.as_ptr()).len += 1;
        }
        match scenario.as_str() {
            "panic" => weft_rt_panic(s("something broke"), l),
            "panic_str" => weft_rt_panic_str(b"static message".as_ptr(), 14, l),
            "overflow" => weft_rt_panic_overflow(l),
            "div_zero" => weft_rt_panic_div_zero(l),
            "bounds" => weft_rt_panic_bounds(5, 3, l),
            "str_slice_end" => drop(weft_rt_str_slice(s("hello"), 2, 9, l)),
            "str_slice_order" => drop(weft_rt_str_slice(s("hello"), 3, 1, l)),
            "str_slice_negative" => drop(weft_rt_str_slice(s("hello"), -1, 2, l)),
            "vec_slice" => drop(weft_rt_vec_slice(v, 1, 4, &I64, l)),
            "vec_insert" => weft_rt_vec_insert(&mut v, 4, out.as_ptr(), &I64, l),
            "vec_remove" => weft_rt_vec_remove(&mut v, 3, out.as_mut_ptr(), &I64, l),
            "vec_remove_negative" => weft_rt_vec_remove(&mut v, -1, out.as_mut_ptr(), &I64, l),
            "null_loc" => weft_rt_panic_overflow(None),
            "out_of_memory" => drop(weft_rt::abi::mem::weft_rt_alloc(usize::MAX / 2, 8)),
            "bad_key_kind" => drop(weft_rt::abi::map::weft_rt_map_new(3, &I64)),
            "sort_unordered" => {
                static NO_ORDER: WeftGlue = WeftGlue::plain(8, 8);
                weft_rt_vec_sort(&mut v, &NO_ORDER)
            }
            "fatal" => weft_rt::os::fatal("custom failure"),
            other => panic!("unknown scenario {other}"),
        }
    }
    eprintln!("scenario {scenario} returned");
    std::process::exit(0);
}

const AT: &str = "src/app.weft:3:7";

#[test]
fn panics_with_messages() {
    expect_child("panic", 101, &["panic: something broke", AT]);
    expect_child("panic_str", 101, &["panic: static message", AT]);
    expect_child("overflow", 101, &["panic: integer overflow", AT]);
    expect_child("div_zero", 101, &["panic: division by zero", AT]);
    expect_child(
        "bounds",
        101,
        &["panic: index 5 out of bounds (length 3)", AT],
    );
    expect_child("null_loc", 101, &["panic: integer overflow", "<unknown>"]);
}

#[test]
fn slice_and_index_panics() {
    expect_child(
        "str_slice_end",
        101,
        &["panic: slice 2..9 out of bounds (length 5)", AT],
    );
    expect_child(
        "str_slice_order",
        101,
        &["panic: slice start 3 is greater than end 1", AT],
    );
    expect_child(
        "str_slice_negative",
        101,
        &["panic: slice -1..2 out of bounds (length 5)", AT],
    );
    expect_child(
        "vec_slice",
        101,
        &["panic: slice 1..4 out of bounds (length 3)", AT],
    );
    expect_child(
        "vec_insert",
        101,
        &["panic: index 4 out of bounds (length 3)", AT],
    );
    expect_child(
        "vec_remove",
        101,
        &["panic: index 3 out of bounds (length 3)", AT],
    );
    expect_child(
        "vec_remove_negative",
        101,
        &["panic: index -1 out of bounds (length 3)", AT],
    );
}

#[test]
fn fatal_errors_exit_with_code_2() {
    expect_child("out_of_memory", 2, &["fatal: out of memory\n"]);
    expect_child("bad_key_kind", 2, &["fatal: invalid map key kind 3\n"]);
    expect_child(
        "sort_unordered",
        2,
        &["fatal: sort of a vector whose element type has no order\n"],
    );
    expect_child("fatal", 2, &["fatal: custom failure\n"]);
}
