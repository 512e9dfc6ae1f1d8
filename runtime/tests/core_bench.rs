//! Costs of the core object operations, in nanoseconds per operation. Ignored by default;
//! run with `cargo test -p weft_rt --release --test core_bench -- --ignored --nocapture`.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{push, s, I64};
use weft_rt::abi::io::weft_rt_print;
use weft_rt::abi::map::*;
use weft_rt::abi::string::*;
use weft_rt::abi::vec::*;
use weft_rt::obj::map::WeftMap;
use weft_rt::obj::string::{WeftStr, STR_GLUE};

/// Runs `f` `n` times and prints the mean cost.
fn measure(name: &str, n: usize, mut f: impl FnMut(usize)) {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("{name:<44} {ns:>9.1} ns/op");
}

#[test]
#[ignore = "benchmark"]
fn bench_core_objects() {
    unsafe {
        let (a, b) = (s("0123456789"), s("abcdefghij"));
        measure("str concat 10+10 bytes (+ release)", 2_000_000, |_| {
            black_box(weft_rt_str_concat(black_box(a), black_box(b))).release();
        });
        let parts = [a, s(" = "), b, s("!")];
        measure("str concat_n 4 parts (+ release)", 2_000_000, |_| {
            black_box(weft_rt_str_concat_n(parts.as_ptr(), 4)).release();
        });
        measure("str eq 10 bytes (distinct objects)", 10_000_000, |_| {
            black_box(weft_rt_str_eq(black_box(a), black_box(parts[0])));
        });
        measure("str from_i64 (+ release)", 2_000_000, |i| {
            black_box(weft_rt_str_from_i64(i as i64 * 7919)).release();
        });
        measure("str from_f64 (+ release)", 1_000_000, |i| {
            black_box(weft_rt_str_from_f64(i as f64 * 0.1)).release();
        });
        let hay = s(&("lorem ipsum dolor ".repeat(50) + "needle"));
        let needle = s("needle");
        measure("str find in 906 bytes", 1_000_000, |_| {
            black_box(weft_rt_str_find(black_box(hay), needle));
        });
        let csv = s(&(0..1000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","));
        let comma = s(",");
        measure("str split 1000 fields (+ release)", 2_000, |_| {
            black_box(weft_rt_str_split(csv, comma)).release(&STR_GLUE);
        });
        let mut n = 0i64;
        let num = s("1234567");
        measure("str parse_int 7 digits", 5_000_000, |_| {
            black_box(weft_rt_str_parse_int(black_box(num), &mut n));
        });

        let mut v = weft_rt_empty_vec;
        measure("vec push i64 (inline fast path, growth)", 20_000_000, |i| {
            push(&mut v, i as i64, &I64);
        });
        v.release(&I64);
        measure("vec of 1000 i64 pushes + free (per vector)", 20_000, |_| {
            let mut v = weft_rt_empty_vec;
            for i in 0..1000 {
                push(&mut v, i as i64, &I64);
            }
            v.release(&I64);
        });
        let mut strs = weft_rt_empty_vec;
        for i in 0..1000 {
            let x = weft_rt_str_from_i64(i);
            weft_rt_vec_reserve(&mut strs, 1, &STR_GLUE);
            strs.data().cast::<WeftStr>().add(strs.len()).write(x);
            (*strs.as_ptr()).len += 1;
        }
        measure("vec COW copy of 1000 strings (+ release)", 20_000, |_| {
            let mut c = strs.retain();
            weft_rt_vec_make_unique(&mut c, &STR_GLUE);
            c.release(&STR_GLUE);
        });
        measure("vec sort 1000 strings (per sort)", 1_000, |_| {
            let mut c = strs.retain();
            weft_rt_vec_sort(&mut c, &STR_GLUE);
            c.release(&STR_GLUE);
        });

        const N: usize = 1_000_000;
        let keys: Vec<WeftStr> = (0..N).map(|i| s(&format!("key-{i}"))).collect();
        let mut m: WeftMap = weft_rt_map_new(0, &I64);
        measure("map insert string key (1M distinct)", N, |i| {
            let val = i as i64;
            weft_rt_map_insert(
                &mut m,
                keys[i].retain().as_ptr() as u64,
                (&val as *const i64).cast(),
            );
        });
        measure("map get string key (1M entries, hit)", N, |i| {
            black_box(weft_rt_map_get(m, keys[(i * 7919) % N].as_ptr() as u64));
        });
        let probes: Vec<WeftStr> = (0..N).map(|i| s(&format!("key-{i}"))).collect();
        measure("map get string key (equal copy, hit)", N, |i| {
            black_box(weft_rt_map_get(m, probes[(i * 7919) % N].as_ptr() as u64));
        });
        m.release();
        let mut m: WeftMap = weft_rt_map_new(8, &I64);
        measure("map insert i64 key (1M distinct)", N, |i| {
            let val = i as i64;
            weft_rt_map_insert(&mut m, (i as u64) * 31, (&val as *const i64).cast());
        });
        measure("map get i64 key (1M entries, hit)", N, |i| {
            black_box(weft_rt_map_get(m, ((i * 7919) % N) as u64 * 31));
        });
        m.release();

        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        let line = [s("value: "), weft_rt_str_from_i64(42), s(" done")];
        measure("print 3 parts to /dev/null", 1_000_000, |_| {
            weft_rt_print(line.as_ptr(), 3, devnull);
        });
        libc::close(devnull);
    }
}
