//! Hash maps through the C ABI: string and integer keys, replacement, removal, iteration,
//! copy on write, glue counts, and maps of 100,000 entries.

mod common;

use std::collections::HashMap;

use common::{counting, counts, s, I64};
use weft_rt::abi::map::*;
use weft_rt::abi::string::weft_rt_str_from_i64;
use weft_rt::obj::map::WeftMap;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::obj::string::{WeftStr, STR_GLUE};
use weft_rt::obj::vec::WeftVec;

static I32_GLUE: WeftGlue = WeftGlue::plain(4, 4);
static U8_GLUE: WeftGlue = WeftGlue::plain(1, 1);

fn key(s: WeftStr) -> u64 {
    s.as_ptr() as u64
}

fn text(s: WeftStr) -> String {
    String::from_utf8(s.as_bytes().to_vec()).unwrap()
}

unsafe fn insert_str(m: &mut WeftMap, k: &str, v: i64) {
    weft_rt_map_insert(m, key(s(k)), (&v as *const i64).cast());
}

unsafe fn get_str(m: WeftMap, k: &str) -> Option<i64> {
    let probe = s(k);
    let p = weft_rt_map_get(m, key(probe));
    probe.release();
    (!p.is_null()).then(|| *p.cast::<i64>())
}

unsafe fn get_int(m: WeftMap, k: u64) -> Option<i64> {
    let p = weft_rt_map_get(m, k);
    (!p.is_null()).then(|| *p.cast::<i64>())
}

/// Every (key, value) pair through `weft_rt_map_next`, for string keys.
unsafe fn entries_str(m: WeftMap) -> HashMap<String, i64> {
    let mut cursor = 0i64;
    let (mut k, mut v) = (0u64, std::ptr::null());
    let mut out = HashMap::new();
    while weft_rt_map_next(m, &mut cursor, &mut k, &mut v) {
        let ks = WeftStr::from_raw(k as *mut _);
        assert!(
            out.insert(text(ks), *v.cast::<i64>()).is_none(),
            "a key seen twice"
        );
    }
    assert_eq!(cursor, weft_rt_map_len(m));
    out
}

#[test]
fn string_keys_insert_get_replace_remove() {
    unsafe {
        let mut m = weft_rt_map_new(0, &I64);
        assert_eq!(weft_rt_map_len(m), 0);
        insert_str(&mut m, "one", 1);
        insert_str(&mut m, "two", 2);
        insert_str(&mut m, "", 0);
        insert_str(&mut m, "drei", 3);
        assert_eq!(weft_rt_map_len(m), 4);
        assert_eq!(get_str(m, "two"), Some(2));
        assert_eq!(get_str(m, ""), Some(0));
        assert_eq!(get_str(m, "zwei"), None);

        // Replacing keeps the first key object and releases the passed one.
        let first = s("one");
        let again = s("one");
        let mut three = 3i64;
        weft_rt_map_insert(&mut m, key(again.retain()), (&three as *const i64).cast());
        assert_eq!(again.ref_count(), 1, "the passed key was released");
        assert_eq!(weft_rt_map_len(m), 4);
        assert_eq!(get_str(m, "one"), Some(3));
        assert!(weft_rt_map_contains(m, key(first)));
        assert!(!weft_rt_map_contains(m, key(s("three"))));

        assert!(weft_rt_map_remove(
            &mut m,
            key(first),
            (&mut three as *mut i64).cast()
        ));
        assert_eq!(three, 3);
        assert!(!weft_rt_map_remove(
            &mut m,
            key(first),
            std::ptr::null_mut()
        ));
        assert!(weft_rt_map_remove(&mut m, key(s("")), std::ptr::null_mut()));
        assert_eq!(
            entries_str(m),
            HashMap::from([("two".to_owned(), 2), ("drei".to_owned(), 3)])
        );
        first.release();
        again.release();
        m.release();
    }
}

#[test]
fn string_keys_are_owned_by_the_map() {
    unsafe {
        let mut m = weft_rt_map_new(0, &STR_GLUE);
        let k = s("key");
        let v = s("value");
        weft_rt_map_insert(
            &mut m,
            key(k.retain()),
            (&v.retain() as *const WeftStr).cast(),
        );
        assert_eq!((k.ref_count(), v.ref_count()), (2, 2));

        let keys = weft_rt_map_keys(m, &STR_GLUE);
        let values = weft_rt_map_values(m);
        assert_eq!(
            (k.ref_count(), v.ref_count()),
            (3, 3),
            "keys and values retained"
        );
        assert_eq!(*keys.data().cast::<WeftStr>(), k);
        assert_eq!(*values.data().cast::<WeftStr>(), v);
        keys.release(&STR_GLUE);
        values.release(&STR_GLUE);

        let v2 = s("other");
        weft_rt_map_insert(&mut m, key(s("key")), (&v2 as *const WeftStr).cast());
        assert_eq!((k.ref_count(), v.ref_count()), (2, 1), "old value released");

        let mut out = WeftStr::empty();
        assert!(weft_rt_map_remove(
            &mut m,
            key(k),
            (&mut out as *mut WeftStr).cast()
        ));
        assert_eq!(out, v2);
        assert_eq!(k.ref_count(), 1, "the map's key released");
        out.release();
        m.release();
        k.release();
        v.release();
    }
}

#[test]
fn integer_keys_of_every_width() {
    unsafe {
        let mut m = weft_rt_map_new(8, &I64);
        for k in [-5i64, 0, 7, i64::MIN, i64::MAX] {
            weft_rt_map_insert(&mut m, k as u64, (&k.wrapping_mul(2) as *const i64).cast());
        }
        assert_eq!(get_int(m, -5i64 as u64), Some(-10));
        assert_eq!(get_int(m, i64::MAX as u64), Some(i64::MAX.wrapping_mul(2)));
        assert_eq!(get_int(m, 6), None);
        let keys = weft_rt_map_keys(m, &I64);
        let mut ks = std::slice::from_raw_parts(keys.data().cast::<i64>(), keys.len()).to_vec();
        ks.sort();
        assert_eq!(ks, [i64::MIN, -5, 0, 7, i64::MAX]);
        keys.release(&I64);
        m.release();

        // i32 keys: sign- and zero-extended bits name the same key.
        let mut m = weft_rt_map_new(4, &I64);
        weft_rt_map_insert(&mut m, -1i32 as i64 as u64, (&1i64 as *const i64).cast());
        assert_eq!(get_int(m, 0xffff_ffff), Some(1));
        assert_eq!(get_int(m, u64::MAX), Some(1));
        let keys = weft_rt_map_keys(m, &I32_GLUE);
        assert_eq!(*keys.data().cast::<i32>(), -1);
        keys.release(&I32_GLUE);
        let (mut cursor, mut k, mut v) = (0i64, 0u64, std::ptr::null());
        assert!(weft_rt_map_next(m, &mut cursor, &mut k, &mut v));
        assert_eq!(k as u32 as i32, -1);
        assert!(!weft_rt_map_next(m, &mut cursor, &mut k, &mut v));
        m.release();

        // bool keys (1 byte).
        let mut m = weft_rt_map_new(1, &I64);
        weft_rt_map_insert(&mut m, 1, (&10i64 as *const i64).cast());
        weft_rt_map_insert(&mut m, 0, (&20i64 as *const i64).cast());
        weft_rt_map_insert(&mut m, 1, (&30i64 as *const i64).cast());
        assert_eq!(
            (get_int(m, 1), get_int(m, 0), weft_rt_map_len(m)),
            (Some(30), Some(20), 2)
        );
        let keys = weft_rt_map_keys(m, &U8_GLUE);
        assert_eq!(std::slice::from_raw_parts(keys.data(), 2), [1, 0]);
        keys.release(&U8_GLUE);
        m.release();

        let mut m = weft_rt_map_new(2, &I64);
        weft_rt_map_insert(&mut m, 0xffff, (&1i64 as *const i64).cast());
        assert_eq!(get_int(m, -1i16 as i64 as u64), Some(1));
        m.release();
    }
}

#[test]
fn values_are_stored_inline() {
    unsafe {
        let mut m = weft_rt_map_new(8, &I64);
        for k in 0..100u64 {
            weft_rt_map_insert(&mut m, k, (&(k as i64) as *const i64).cast());
        }
        let base = weft_rt_map_get(m, 0) as usize;
        for k in 0..100u64 {
            assert_eq!(weft_rt_map_get(m, k) as usize, base + 8 * k as usize);
        }
        let values = weft_rt_map_values(m);
        assert_eq!(
            std::slice::from_raw_parts(values.data().cast::<i64>(), 100),
            (0..100).collect::<Vec<i64>>()
        );
        values.release(&I64);
        m.release();
    }
}

#[test]
fn shared_map_mutation_leaves_the_other_copy_intact() {
    unsafe {
        let mut a = weft_rt_map_new(0, &I64);
        insert_str(&mut a, "x", 1);
        insert_str(&mut a, "y", 2);
        let mut b = a.retain();
        insert_str(&mut b, "z", 3);
        assert_ne!(a, b);
        assert_eq!((a.ref_count(), b.ref_count()), (1, 1));
        assert_eq!(weft_rt_map_len(a), 2);
        assert_eq!(get_str(a, "z"), None);
        assert_eq!(get_str(b, "z"), Some(3));

        let mut c = a.retain();
        let probe = s("absent");
        assert!(!weft_rt_map_remove(
            &mut c,
            key(probe),
            std::ptr::null_mut()
        ));
        assert_eq!(c, a, "removing an absent key does not copy");
        assert!(weft_rt_map_remove(
            &mut c,
            key(s("x")),
            std::ptr::null_mut()
        ));
        assert_ne!(c, a);
        assert_eq!(get_str(a, "x"), Some(1));
        assert_eq!(get_str(c, "x"), None);

        let mut d = a.retain();
        weft_rt_map_make_unique(&mut d);
        assert_ne!(d, a);
        assert_eq!(entries_str(d), entries_str(a));
        for m in [a, b, c, d] {
            m.release();
        }
        probe.release();
    }
}

#[test]
fn glue_counts_balance() {
    const N: usize = 0;
    static G: WeftGlue = counting::<N>(16, None);
    unsafe {
        let mut m = weft_rt_map_new(8, &G);
        for k in 0..50u64 {
            weft_rt_map_insert(&mut m, k, [k, k].as_ptr().cast());
        }
        assert_eq!(counts(N), (0, 0), "inserting moves values in");
        weft_rt_map_insert(&mut m, 7, [0u64, 0].as_ptr().cast());
        assert_eq!(counts(N), (0, 1), "replacing releases the old value");
        let mut shared = m.retain();
        weft_rt_map_make_unique(&mut shared);
        assert_eq!(counts(N), (50, 1), "the clone retains every value");
        let values = weft_rt_map_values(m);
        assert_eq!(counts(N), (100, 1));
        values.release(&G);
        assert_eq!(counts(N), (100, 51));
        let mut out = [0u64; 2];
        assert!(weft_rt_map_remove(&mut m, 3, out.as_mut_ptr().cast()));
        assert_eq!(out, [3, 3]);
        assert!(weft_rt_map_remove(&mut m, 4, std::ptr::null_mut()));
        assert_eq!(counts(N), (100, 52));
        weft_rt_map_free(m);
        weft_rt_map_free(shared);
        assert_eq!(counts(N), (100, 52 + 48 + 50));
    }
}

#[test]
fn hundred_thousand_string_keys() {
    const N: usize = 100_000;
    unsafe {
        let mut m = weft_rt_map_new(0, &I64);
        for i in 0..N as i64 {
            let k = weft_rt_str_from_i64(i * 7);
            weft_rt_map_insert(&mut m, key(k), (&i as *const i64).cast());
        }
        assert_eq!(weft_rt_map_len(m), N as i64);
        for i in (0..N as i64).step_by(13) {
            assert_eq!(get_str(m, &(i * 7).to_string()), Some(i));
            assert_eq!(get_str(m, &(i * 7 + 1).to_string()), None);
        }
        for i in (0..N as i64).filter(|i| i % 2 == 0) {
            let k = weft_rt_str_from_i64(i * 7);
            assert!(weft_rt_map_remove(&mut m, key(k), std::ptr::null_mut()));
            k.release();
        }
        assert_eq!(weft_rt_map_len(m), N as i64 / 2);
        let all = entries_str(m);
        assert_eq!(all.len(), N / 2);
        for (k, v) in &all {
            assert_eq!(v % 2, 1);
            assert_eq!(k.parse::<i64>().unwrap(), v * 7);
        }
        for i in (0..N as i64).step_by(2) {
            assert_eq!(get_str(m, &(i * 7).to_string()), None);
        }
        let keys: WeftVec = weft_rt_map_keys(m, &STR_GLUE);
        assert_eq!(keys.len(), N / 2);
        keys.release(&STR_GLUE);
        m.release();
    }
}

#[test]
fn hundred_thousand_integer_keys() {
    const N: u64 = 100_000;
    unsafe {
        let mut m = weft_rt_map_new(8, &I64);
        for k in 0..N {
            // Multiples of 4096 stress the low bits of the hash.
            weft_rt_map_insert(&mut m, k << 12, (&(k as i64) as *const i64).cast());
        }
        for k in 0..N {
            weft_rt_map_insert(&mut m, k << 12, (&(k as i64 + 1) as *const i64).cast());
        }
        assert_eq!(weft_rt_map_len(m), N as i64);
        for k in 0..N {
            assert_eq!(get_int(m, k << 12), Some(k as i64 + 1));
        }
        for k in (0..N).filter(|k| k % 3 != 0) {
            assert!(weft_rt_map_remove(&mut m, k << 12, std::ptr::null_mut()));
        }
        let (mut cursor, mut k, mut v) = (0i64, 0u64, std::ptr::null());
        let mut seen = 0;
        while weft_rt_map_next(m, &mut cursor, &mut k, &mut v) {
            assert_eq!((k >> 12) % 3, 0);
            assert_eq!(*v.cast::<i64>(), (k >> 12) as i64 + 1);
            seen += 1;
        }
        assert_eq!(seen, N.div_ceil(3));
        m.release();
    }
}

#[test]
fn eight_threads_read_and_copy_a_shared_map() {
    unsafe {
        let mut m = weft_rt_map_new(0, &I64);
        for i in 0..1000 {
            insert_str(&mut m, &format!("k{i}"), i);
        }
        let shared = m;
        std::thread::scope(|scope| {
            for t in 0..8i64 {
                let mine = shared.retain();
                scope.spawn(move || {
                    let mut mine = mine;
                    for i in (0..1000).step_by(7) {
                        assert_eq!(get_str(mine, &format!("k{i}")), Some(i));
                    }
                    insert_str(&mut mine, &format!("t{t}"), t);
                    assert_eq!(weft_rt_map_len(mine), 1001);
                    mine.release();
                });
            }
        });
        assert_eq!(shared.ref_count(), 1);
        assert_eq!(weft_rt_map_len(shared), 1000);
        shared.release();
    }
}
