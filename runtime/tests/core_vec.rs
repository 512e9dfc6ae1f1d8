//! Vectors through the C ABI: layout, growth, copy on write, element glue, sorting.

mod common;

use common::{counting, counts, push, s};
use weft_rt::abi::string::weft_rt_str_from_i64;
use weft_rt::abi::vec::*;
use weft_rt::obj::rc::WeftGlue;
use weft_rt::obj::string::{WeftStr, BYTE_GLUE, STR_GLUE};
use weft_rt::obj::vec::{VecHeader, WeftVec};

unsafe extern "C" fn compare_i64(a: *const u8, b: *const u8) -> i32 {
    (*a.cast::<i64>()).cmp(&*b.cast::<i64>()) as i32
}

static I64_GLUE: WeftGlue = WeftGlue {
    size: 8,
    align: 8,
    retain: None,
    release: None,
    compare: Some(compare_i64),
};

unsafe fn elems<T: Copy>(v: WeftVec) -> Vec<T> {
    std::slice::from_raw_parts(v.data().cast::<T>(), v.len()).to_vec()
}

unsafe fn texts(v: WeftVec) -> Vec<String> {
    elems::<WeftStr>(v)
        .iter()
        .map(|s| String::from_utf8(s.as_bytes().to_vec()).unwrap())
        .collect()
}

unsafe fn vec_of_i64(xs: &[i64]) -> WeftVec {
    let mut v = weft_rt_vec_with_capacity(0, &I64_GLUE);
    for &x in xs {
        push(&mut v, x, &I64_GLUE);
    }
    v
}

unsafe fn release(v: WeftVec, g: &WeftGlue) {
    v.release(g);
}

#[test]
fn layout_matches_the_abi() {
    assert_eq!(std::mem::size_of::<VecHeader>(), 24);
    assert_eq!(std::mem::size_of::<WeftGlue>(), 40);
    unsafe {
        let v = vec_of_i64(&[7, 8, 9]);
        let raw = v.as_ptr().cast::<i64>();
        assert_eq!(*raw, 1, "rc at offset 0");
        assert_eq!(*raw.add(1), 3, "len at offset 8");
        assert_eq!(*raw.add(2), 4, "cap at offset 16");
        assert_eq!(*raw.add(3), 7, "data at offset 24");
        assert_eq!(v.data() as usize % 8, 0);
        release(v, &I64_GLUE);
    }
}

#[test]
fn empty_vec_is_an_immortal_static() {
    unsafe {
        let e = weft_rt_empty_vec;
        assert!(e.ref_count() < 0);
        assert_eq!((e.len(), e.capacity()), (0, 0));
        assert_eq!(weft_rt_vec_with_capacity(0, &I64_GLUE), e);
        assert_eq!(weft_rt_vec_with_capacity(-5, &I64_GLUE), e);
        e.retain();
        release(e, &I64_GLUE);
        assert!(e.ref_count() < 0);

        let mut v = e;
        weft_rt_vec_make_unique(&mut v, &I64_GLUE);
        assert_ne!(v, e);
        assert_eq!(v.ref_count(), 1);
        release(v, &I64_GLUE);

        let mut v = e;
        push(&mut v, 5i64, &I64_GLUE);
        assert_eq!(v.capacity(), 4);
        assert_eq!(elems::<i64>(v), [5]);
        release(v, &I64_GLUE);
        assert_eq!((e.len(), e.capacity()), (0, 0));
    }
}

#[test]
fn growth_doubles_with_a_minimum_of_four() {
    unsafe {
        let mut v = weft_rt_vec_with_capacity(0, &I64_GLUE);
        let mut caps = vec![];
        for i in 0..100i64 {
            push(&mut v, i, &I64_GLUE);
            if caps.last() != Some(&v.capacity()) {
                caps.push(v.capacity());
            }
        }
        assert_eq!(caps, [4, 8, 16, 32, 64, 128]);
        assert_eq!(elems::<i64>(v), (0..100).collect::<Vec<_>>());
        weft_rt_vec_reserve(&mut v, 1000, &I64_GLUE);
        assert_eq!(v.capacity(), 1100);
        weft_rt_vec_reserve(&mut v, 0, &I64_GLUE);
        assert_eq!(v.capacity(), 1100);
        release(v, &I64_GLUE);

        let v = weft_rt_vec_with_capacity(10, &I64_GLUE);
        assert_eq!((v.len(), v.capacity(), v.ref_count()), (0, 10, 1));
        release(v, &I64_GLUE);
    }
}

#[test]
fn shared_vector_mutation_leaves_the_other_copy_intact() {
    unsafe {
        let mut a = weft_rt_vec_with_capacity(0, &STR_GLUE);
        let words = [s("alpha"), s("beta"), s("gamma")];
        for w in words {
            push(&mut a, w.retain(), &STR_GLUE);
        }
        let mut b = a.retain();
        assert_eq!(a.ref_count(), 2);
        push(&mut b, s("delta"), &STR_GLUE);
        assert_ne!(a, b);
        assert_eq!(a.ref_count(), 1);
        assert_eq!(b.ref_count(), 1);
        assert_eq!(texts(a), ["alpha", "beta", "gamma"]);
        assert_eq!(texts(b), ["alpha", "beta", "gamma", "delta"]);
        for w in words {
            assert_eq!(w.ref_count(), 3, "owned by the test, a and b");
        }

        // Every mutating operation copies a shared vector first.
        type Mutation = unsafe fn(&mut WeftVec);
        let mutations: [Mutation; 5] = [
            |v| weft_rt_vec_reverse(v, &STR_GLUE),
            |v| weft_rt_vec_sort(v, &STR_GLUE),
            |v| {
                let mut out = WeftStr::empty();
                assert!(weft_rt_vec_pop(
                    v,
                    (&mut out as *mut WeftStr).cast(),
                    &STR_GLUE
                ));
                out.release();
            },
            |v| {
                let mut out = WeftStr::empty();
                weft_rt_vec_remove(v, 0, (&mut out as *mut WeftStr).cast(), &STR_GLUE, None);
                out.release();
            },
            |v| {
                let x = WeftStr::from_bytes(b"new");
                weft_rt_vec_insert(v, 1, (&x as *const WeftStr).cast(), &STR_GLUE, None);
            },
        ];
        for mutate in mutations {
            let mut c = b.retain();
            mutate(&mut c);
            assert_ne!(c, b);
            assert_eq!(texts(b), ["alpha", "beta", "gamma", "delta"]);
            release(c, &STR_GLUE);
        }
        release(a, &STR_GLUE);
        release(b, &STR_GLUE);
        for w in words {
            assert_eq!(w.ref_count(), 1);
            w.release();
        }
    }
}

#[test]
fn glue_retains_copies_and_releases_on_free() {
    const N: usize = 0;
    static G: WeftGlue = counting::<N>(8, Some(compare_i64));
    unsafe {
        let mut v = weft_rt_vec_with_capacity(0, &G);
        for i in 0..10i64 {
            push(&mut v, i, &G);
        }
        assert_eq!(counts(N), (0, 0), "pushing moves elements in");
        let mut shared = v.retain();
        weft_rt_vec_make_unique(&mut shared, &G);
        assert_eq!(counts(N), (10, 0), "the copy retains every element");
        let sl = weft_rt_vec_slice(v, 2, 5, &G, None);
        assert_eq!(elems::<i64>(sl), [2, 3, 4]);
        assert_eq!(counts(N), (13, 0));
        let whole = weft_rt_vec_slice(v, 0, 10, &G, None);
        assert_eq!(whole, v, "a whole slice shares the vector");
        release(whole, &G);
        let mut out = 0i64;
        weft_rt_vec_remove(&mut shared, 0, (&mut out as *mut i64).cast(), &G, None);
        assert!(weft_rt_vec_pop(
            &mut shared,
            (&mut out as *mut i64).cast(),
            &G
        ));
        assert_eq!(out, 9);
        assert_eq!(counts(N), (13, 0), "remove and pop move elements out");
        weft_rt_vec_free(sl, &G);
        weft_rt_vec_free(v, &G);
        weft_rt_vec_free(shared, &G);
        assert_eq!(counts(N), (13, 3 + 10 + 8));
    }
}

#[test]
fn insert_remove_pop_reverse() {
    unsafe {
        let null = None;
        let mut v = vec_of_i64(&[1, 2, 3]);
        for (i, x) in [(0, 10i64), (4, 40), (2, 20)] {
            weft_rt_vec_insert(&mut v, i, (&x as *const i64).cast(), &I64_GLUE, null);
        }
        assert_eq!(elems::<i64>(v), [10, 1, 20, 2, 3, 40]);
        let mut out = 0i64;
        weft_rt_vec_remove(&mut v, 2, (&mut out as *mut i64).cast(), &I64_GLUE, null);
        assert_eq!(out, 20);
        weft_rt_vec_remove(&mut v, 4, (&mut out as *mut i64).cast(), &I64_GLUE, null);
        assert_eq!(out, 40);
        assert_eq!(elems::<i64>(v), [10, 1, 2, 3]);
        weft_rt_vec_reverse(&mut v, &I64_GLUE);
        assert_eq!(elems::<i64>(v), [3, 2, 1, 10]);
        let mut popped = vec![];
        while weft_rt_vec_pop(&mut v, (&mut out as *mut i64).cast(), &I64_GLUE) {
            popped.push(out);
        }
        assert_eq!(popped, [10, 1, 2, 3]);
        assert_eq!(v.len(), 0);
        release(v, &I64_GLUE);

        let mut e = weft_rt_empty_vec;
        assert!(!weft_rt_vec_pop(
            &mut e,
            (&mut out as *mut i64).cast(),
            &I64_GLUE
        ));
        weft_rt_vec_reverse(&mut e, &I64_GLUE);
        assert_eq!(e, weft_rt_empty_vec);
    }
}

/// Bytes of a `size`-byte test record that hold its sort key (the last byte is its id).
const fn key_len(size: usize) -> usize {
    if size == 1 {
        1
    } else if size - 1 < 8 {
        size - 1
    } else {
        8
    }
}

/// A `size`-byte record: a sign-truncated key, then an id in the last byte.
fn record(size: usize, key: i64, id: u8) -> Vec<u8> {
    let mut r = vec![0u8; size];
    let n = key_len(size);
    r[..n].copy_from_slice(&key.to_le_bytes()[..n]);
    if size > 1 {
        r[size - 1] = id;
    }
    r
}

/// The sign-extended key of a record at `p`.
unsafe fn key_at(p: *const u8, size: usize) -> i64 {
    let n = key_len(size);
    let mut k = [0u8; 8];
    std::ptr::copy_nonoverlapping(p, k.as_mut_ptr(), n);
    let shift = 64 - 8 * n as u32;
    (i64::from_le_bytes(k) << shift) >> shift
}

unsafe extern "C" fn compare_records<const SIZE: usize>(a: *const u8, b: *const u8) -> i32 {
    key_at(a, SIZE).cmp(&key_at(b, SIZE)) as i32
}

unsafe fn check_stable_sort<const SIZE: usize>() {
    let g = WeftGlue {
        size: SIZE as i64,
        align: SIZE.min(8) as i64,
        retain: None,
        release: None,
        compare: Some(compare_records::<SIZE>),
    };
    let keys: Vec<i64> = (0..200).map(|i| (i * 7919 % 13) - 6).collect();
    let mut v = weft_rt_vec_with_capacity(0, &g);
    for (id, &k) in keys.iter().enumerate() {
        let rec = record(SIZE, k, id as u8);
        weft_rt_vec_reserve(&mut v, 1, &g);
        std::ptr::copy_nonoverlapping(rec.as_ptr(), v.data().add(v.len() * SIZE), SIZE);
        (*v.as_ptr()).len += 1;
    }
    weft_rt_vec_sort(&mut v, &g);
    let id_of = |id: usize| if SIZE > 1 { id as u8 } else { 0 };
    let mut expected: Vec<(i64, u8)> = keys
        .iter()
        .enumerate()
        .map(|(id, &k)| (k, id_of(id)))
        .collect();
    expected.sort_by_key(|&(k, _)| k);
    let got: Vec<(i64, u8)> = (0..v.len())
        .map(|i| {
            let p = v.data().add(i * SIZE);
            (key_at(p, SIZE), if SIZE > 1 { *p.add(SIZE - 1) } else { 0 })
        })
        .collect();
    assert_eq!(got, expected, "stable sort of {SIZE}-byte elements");
    release(v, &g);
}

#[test]
fn sort_is_stable_for_every_element_size() {
    unsafe {
        check_stable_sort::<1>();
        check_stable_sort::<2>();
        check_stable_sort::<4>();
        check_stable_sort::<8>();
        check_stable_sort::<12>();
        check_stable_sort::<16>();
        check_stable_sort::<24>();
        check_stable_sort::<32>();
        check_stable_sort::<40>();
    }
}

#[test]
fn sort_strings_and_keep_counts() {
    unsafe {
        let mut v = weft_rt_vec_with_capacity(0, &STR_GLUE);
        for w in ["pear", "apple", "fig", "banana", "apple", ""] {
            push(&mut v, s(w), &STR_GLUE);
        }
        weft_rt_vec_sort(&mut v, &STR_GLUE);
        assert_eq!(texts(v), ["", "apple", "apple", "banana", "fig", "pear"]);
        let sep = s(", ");
        let joined = weft_rt_vec_str_join(v, sep);
        assert_eq!(joined.as_bytes(), b", apple, apple, banana, fig, pear");
        joined.release();
        sep.release();
        release(v, &STR_GLUE);
    }
}

#[test]
fn join_edge_cases() {
    unsafe {
        let sep = s("-");
        let j = weft_rt_vec_str_join(weft_rt_empty_vec, sep);
        assert!(j.is_empty());
        let mut v = weft_rt_vec_with_capacity(1, &STR_GLUE);
        let only = s("only");
        push(&mut v, only, &STR_GLUE);
        let j = weft_rt_vec_str_join(v, sep);
        assert_eq!(j, only, "a single part is shared");
        assert_eq!(only.ref_count(), 2);
        j.release();
        release(v, &STR_GLUE);
        sep.release();
    }
}

#[test]
fn byte_and_number_vectors() {
    unsafe {
        let mut v = weft_rt_vec_with_capacity(0, &BYTE_GLUE);
        for b in b"hello" {
            push(&mut v, *b, &BYTE_GLUE);
        }
        weft_rt_vec_sort(&mut v, &BYTE_GLUE);
        assert_eq!(elems::<u8>(v), b"ehllo");
        release(v, &BYTE_GLUE);

        let mut strs = weft_rt_vec_with_capacity(0, &STR_GLUE);
        for i in 0..1000 {
            push(&mut strs, weft_rt_str_from_i64(i), &STR_GLUE);
        }
        weft_rt_vec_sort(&mut strs, &STR_GLUE);
        let t = texts(strs);
        assert_eq!(&t[..4], ["0", "1", "10", "100"]);
        release(strs, &STR_GLUE);
    }
}

unsafe extern "C" fn compare_f64(a: *const u8, b: *const u8) -> i32 {
    let (a, b) = (*a.cast::<f64>(), *b.cast::<f64>());
    (a > b) as i32 - (a < b) as i32
}

#[test]
fn sorting_floats_with_nan_keeps_every_element() {
    static F64_GLUE: WeftGlue = WeftGlue {
        size: 8,
        align: 8,
        retain: None,
        release: None,
        compare: Some(compare_f64),
    };
    unsafe {
        let mut v = weft_rt_vec_with_capacity(0, &F64_GLUE);
        for i in 0..1000 {
            let x = if i % 7 == 0 {
                f64::NAN
            } else {
                ((i * 7919) % 101) as f64
            };
            push(&mut v, x, &F64_GLUE);
        }
        weft_rt_vec_sort(&mut v, &F64_GLUE);
        let xs = elems::<f64>(v);
        assert_eq!(xs.len(), 1000);
        assert_eq!(xs.iter().filter(|x| x.is_nan()).count(), 143);
        release(v, &F64_GLUE);
    }
}

#[test]
fn eight_threads_copy_on_write_a_shared_vector() {
    const N: usize = 1;
    static G: WeftGlue = counting::<N>(8, Some(compare_i64));
    unsafe {
        let mut base = weft_rt_vec_with_capacity(0, &G);
        for i in 0..64i64 {
            push(&mut base, i, &G);
        }
        let shared = base;
        std::thread::scope(|scope| {
            for t in 0..8i64 {
                let mine = shared.retain();
                scope.spawn(move || {
                    let mut v = mine;
                    for round in 0..200 {
                        let mut c = v.retain();
                        push(&mut c, t * 1000 + round, &G);
                        assert_eq!(c.len(), v.len() + 1);
                        release(c, &G);
                    }
                    assert_eq!(elems::<i64>(v), (0..64).collect::<Vec<_>>());
                    push(&mut v, t, &G);
                    release(v, &G);
                });
            }
        });
        assert_eq!(shared.ref_count(), 1);
        assert_eq!(elems::<i64>(shared), (0..64).collect::<Vec<_>>());
        weft_rt_vec_free(shared, &G);
        let (retains, releases) = counts(N);
        assert_eq!(
            retains + 64 + 8 * 200 + 8,
            releases,
            "every element released once"
        );
    }
}
