//! Strings through the C ABI: layout, ownership, search, split, trim, case, parsing and
//! number text.

mod common;

use std::sync::atomic::AtomicI64;

use common::{s, take, take_vec};
use weft_rt::abi::string::*;
use weft_rt::obj::string::{StrHeader, WeftStr};

/// A string literal as the compiler emits it: an immortal constant.
#[repr(C)]
struct Literal<const N: usize> {
    header: StrHeader,
    bytes: [u8; N],
}

static HELLO: Literal<5> = Literal {
    header: StrHeader {
        rc: AtomicI64::new(-1),
        len: 5,
    },
    bytes: *b"hello",
};

fn hello() -> WeftStr {
    unsafe { WeftStr::from_raw(&HELLO.header as *const StrHeader as *mut StrHeader) }
}

#[test]
fn layout_matches_the_abi() {
    let x = s("layout!");
    let raw = x.as_ptr().cast::<i64>();
    unsafe {
        assert_eq!(*raw, 1, "rc at offset 0");
        assert_eq!(*raw.add(1), 7, "len at offset 8");
        assert_eq!(
            std::slice::from_raw_parts(raw.cast::<u8>().add(16), 7),
            b"layout!"
        );
        x.release();
    }
}

#[test]
fn literals_are_immortal() {
    let h = hello();
    h.retain();
    unsafe { h.release() };
    unsafe { h.release() };
    assert_eq!(h.ref_count(), -1);
    let joined = unsafe { weft_rt_str_concat(h, h) };
    assert_eq!(take(joined), "hellohello");
    let same = unsafe { weft_rt_str_concat(h, WeftStr::empty()) };
    assert_eq!(same, h, "concatenating an empty string returns the other");
    assert_eq!(h.ref_count(), -1);
}

#[test]
fn empty_and_one_byte_strings_are_constants() {
    unsafe {
        let e = weft_rt_str_from_bytes(std::ptr::null(), 0);
        assert!(e.ref_count() < 0 && e.is_empty());
        let a1 = weft_rt_str_from_bytes(b"a".as_ptr(), 1);
        let a2 = weft_rt_str_slice(hello(), 1, 2, None);
        assert_eq!(a2.as_bytes(), b"e");
        assert!(a1.ref_count() < 0);
        assert_eq!(a1, weft_rt_str_from_bytes(b"a".as_ptr(), 1));
        let t = weft_rt_str_from_bool(true);
        assert_eq!((t.as_bytes(), t.ref_count() < 0), (&b"true"[..], true));
        assert_eq!(weft_rt_str_from_bool(false).as_bytes(), b"false");
    }
}

#[test]
fn concat_and_compare() {
    unsafe {
        let (a, b) = (s("foo"), s("bar"));
        assert_eq!(take(weft_rt_str_concat(a, b)), "foobar");
        let parts = [a, s(" = "), s(""), b, s("!")];
        assert_eq!(
            take(weft_rt_str_concat_n(parts.as_ptr(), parts.len() as i64)),
            "foo = bar!"
        );
        assert_eq!(take(weft_rt_str_concat_n(std::ptr::null(), 0)), "");
        let one = weft_rt_str_concat_n([WeftStr::empty(), a].as_ptr(), 2);
        assert_eq!(one, a);
        assert_eq!(a.ref_count(), 2);
        one.release();

        assert!(weft_rt_str_eq(a, s("foo")));
        assert!(!weft_rt_str_eq(a, b));
        assert!(!weft_rt_str_eq(a, s("fo")));
        assert_eq!(weft_rt_str_cmp(a, b), 1);
        assert_eq!(weft_rt_str_cmp(b, a), -1);
        assert_eq!(weft_rt_str_cmp(a, s("foo")), 0);
        assert_eq!(weft_rt_str_cmp(s("ab"), s("abc")), -1);
        assert_eq!(
            weft_rt_str_cmp(s("\u{ff}"), s("z")),
            1,
            "bytewise, not signed chars"
        );
        for p in parts {
            p.release();
        }
    }
}

#[test]
fn slices() {
    unsafe {
        let x = s("héllo");
        let null = None;
        assert_eq!(take(weft_rt_str_slice(x, 0, 1, null)), "h");
        assert_eq!(take(weft_rt_str_slice(x, 1, 3, null)), "é");
        assert_eq!(take(weft_rt_str_slice(x, 3, 6, null)), "llo");
        assert_eq!(take(weft_rt_str_slice(x, 6, 6, null)), "");
        let whole = weft_rt_str_slice(x, 0, 6, null);
        assert_eq!(whole, x, "a whole slice shares the string");
        assert_eq!(x.ref_count(), 2);
        whole.release();
        x.release();
    }
}

#[test]
fn search() {
    unsafe {
        let x = s("naïve café ☕ café");
        assert!(weft_rt_str_contains(x, s("café")));
        assert!(weft_rt_str_contains(x, s("")));
        assert!(!weft_rt_str_contains(x, s("cafe")));
        assert!(weft_rt_str_starts_with(x, s("naï")));
        assert!(weft_rt_str_starts_with(x, s("")));
        assert!(!weft_rt_str_starts_with(s("na"), x));
        assert!(weft_rt_str_ends_with(x, s("é")));
        assert!(!weft_rt_str_ends_with(x, s("e")));
        assert_eq!(weft_rt_str_find(x, s("café")), "naïve ".len() as i64);
        assert_eq!(weft_rt_str_find(x, s("☕")), "naïve café ".len() as i64);
        assert_eq!(weft_rt_str_find(x, s("v")), 4, "a byte index");
        assert_eq!(weft_rt_str_find(x, s("tea")), -1);
        assert_eq!(weft_rt_str_find(x, s("")), 0);
        assert_eq!(weft_rt_str_find(s(""), s("a")), -1);
        let long = "ab".repeat(1000) + "needle" + &"ab".repeat(10);
        assert_eq!(weft_rt_str_find(s(&long), s("needle")), 2000);
    }
}

#[test]
fn split_like_go() {
    unsafe {
        let cases: &[(&str, &str, &[&str])] = &[
            ("a,b,c", ",", &["a", "b", "c"]),
            ("a,b,,c,", ",", &["a", "b", "", "c", ""]),
            ("", ",", &[""]),
            ("abc", ",", &["abc"]),
            ("a--b--", "--", &["a", "b", ""]),
            ("---", "--", &["", "-"]),
            ("abc", "", &["a", "b", "c"]),
            ("", "", &[]),
            ("héllo😀", "", &["h", "é", "l", "l", "o", "😀"]),
            ("x→y→z", "→", &["x", "y", "z"]),
            ("one two  three", " ", &["one", "two", "", "three"]),
        ];
        for &(text, sep, want) in cases {
            assert_eq!(
                take_vec(weft_rt_str_split(s(text), s(sep))),
                want,
                "split({text:?}, {sep:?})"
            );
        }
        let invalid = WeftStr::from_bytes(b"a\xffb\xe2\x82");
        let pieces = weft_rt_str_split(invalid, s(""));
        let bytes: Vec<Vec<u8>> =
            std::slice::from_raw_parts(pieces.data().cast::<WeftStr>(), pieces.len())
                .iter()
                .map(|p| p.as_bytes().to_vec())
                .collect();
        assert_eq!(
            bytes,
            [
                b"a".to_vec(),
                vec![0xff],
                b"b".to_vec(),
                vec![0xe2],
                vec![0x82]
            ]
        );

        let whole = s("no separator here");
        let v = weft_rt_str_split(whole, s(","));
        assert_eq!(
            *v.data().cast::<WeftStr>(),
            whole,
            "a single piece shares the string"
        );
        take_vec(v);
        assert_eq!(whole.ref_count(), 1);
    }
}

#[test]
fn trim_unicode_whitespace() {
    unsafe {
        let cases = [
            ("  hi \n", "hi"),
            ("\t\r\n x y \u{b}\u{c}", "x y"),
            ("\u{3000}\u{a0}wide\u{2003}\u{85}", "wide"),
            ("   ", ""),
            ("", ""),
            ("é ", "é"),
            (" 😀", "😀"),
        ];
        for (text, want) in cases {
            assert_eq!(take(weft_rt_str_trim(s(text))), want, "trim({text:?})");
        }
        let done = s("already trimmed");
        let t = weft_rt_str_trim(done);
        assert_eq!(t, done, "nothing to trim shares the string");
        t.release();
        let invalid = WeftStr::from_bytes(b" \xff x \xe2 ");
        assert_eq!(weft_rt_str_trim(invalid).as_bytes(), b"\xff x \xe2");
    }
}

#[test]
fn case_mapping() {
    unsafe {
        let cases = [
            ("Hello, World!", "HELLO, WORLD!", "hello, world!"),
            ("straße", "STRASSE", "straße"),
            ("ΟΔΟΣ", "ΟΔΟΣ", "\u{3bf}\u{3b4}\u{3bf}\u{3c2}"),
            ("Ünïcödé", "ÜNÏCÖDÉ", "ünïcödé"),
            ("\u{1c5}x", "\u{1c4}X", "\u{1c6}x"),
            ("", "", ""),
            ("123", "123", "123"),
        ];
        for (text, upper, lower) in cases {
            assert_eq!(
                take(weft_rt_str_to_upper(s(text))),
                upper,
                "upper({text:?})"
            );
            assert_eq!(
                take(weft_rt_str_to_lower(s(text))),
                lower,
                "lower({text:?})"
            );
        }
        let lower = s("already lower");
        let l = weft_rt_str_to_lower(lower);
        assert_eq!(l, lower, "unchanged ASCII shares the string");
        l.release();
        let invalid = WeftStr::from_bytes(b"ab\xffc\xc3\xa9");
        assert_eq!(weft_rt_str_to_upper(invalid).as_bytes(), b"AB\xffC\xc3\x89");
    }
}

#[test]
fn parse_numbers() {
    unsafe {
        let mut i = 0i64;
        assert!(weft_rt_str_parse_int(s("-1_234"), &mut i));
        assert_eq!(i, -1234);
        assert!(weft_rt_str_parse_int(s("9223372036854775807"), &mut i));
        assert_eq!(i, i64::MAX);
        assert!(weft_rt_str_parse_int(s("-9223372036854775808"), &mut i));
        assert_eq!(i, i64::MIN);
        i = 77;
        for bad in ["", "12a", " 1", "1_", "9223372036854775808", "+", "1__2"] {
            assert!(!weft_rt_str_parse_int(s(bad), &mut i), "{bad:?}");
            assert_eq!(i, 77, "out untouched on failure");
        }
        let mut f = 0f64;
        assert!(weft_rt_str_parse_float(s("2.5e-3"), &mut f));
        assert_eq!(f, 0.0025);
        assert!(weft_rt_str_parse_float(s("-0"), &mut f));
        assert!(f == 0.0 && f.is_sign_negative());
        assert!(weft_rt_str_parse_float(s("1_000.000_1"), &mut f));
        assert_eq!(f, 1000.0001);
        assert!(!weft_rt_str_parse_float(s("1.0x"), &mut f));
        assert!(!weft_rt_str_parse_float(s(""), &mut f));
    }
}

#[test]
fn bytes_vector() {
    unsafe {
        let v = weft_rt_str_bytes(s("héllo"));
        assert_eq!(
            std::slice::from_raw_parts(v.data(), v.len()),
            "héllo".as_bytes()
        );
        assert_eq!(v.ref_count(), 1);
        v.release(&weft_rt::obj::string::BYTE_GLUE);
        assert_eq!(
            weft_rt_str_bytes(s("")),
            weft_rt::abi::vec::weft_rt_empty_vec
        );
    }
}

#[test]
fn number_text() {
    assert_eq!(take(weft_rt_str_from_i64(0)), "0");
    assert_eq!(take(weft_rt_str_from_i64(-42)), "-42");
    assert_eq!(take(weft_rt_str_from_i64(i64::MIN)), "-9223372036854775808");
    assert_eq!(take(weft_rt_str_from_u64(u64::MAX)), "18446744073709551615");
    assert_eq!(take(weft_rt_str_from_f64(0.1 + 0.2)), "0.30000000000000004");
    assert_eq!(take(weft_rt_str_from_f64(1e20)), "1e+20");
    assert_eq!(take(weft_rt_str_from_f64(2.0)), "2.0");
    assert_eq!(take(weft_rt_str_from_f64(-0.0)), "-0.0");
    assert_eq!(take(weft_rt_str_from_f64(f64::NAN)), "nan");
    assert_eq!(take(weft_rt_str_from_f32(0.1)), "0.1");
    assert_eq!(take(weft_rt_str_from_f32(1e-5)), "1e-05");
    assert_eq!(take(weft_rt_str_from_f32(f32::NEG_INFINITY)), "-inf");
}

#[test]
fn eight_threads_share_and_build_strings() {
    let base = s("shared-");
    std::thread::scope(|scope| {
        for t in 0..8 {
            scope.spawn(move || unsafe {
                for i in 0..2000i64 {
                    let mine = base.retain();
                    let n = weft_rt_str_from_i64(t * 10_000 + i);
                    let joined = weft_rt_str_concat(mine, n);
                    assert!(weft_rt_str_starts_with(joined, base));
                    assert!(weft_rt_str_ends_with(joined, n));
                    joined.release();
                    n.release();
                    mine.release();
                }
            });
        }
    });
    assert_eq!(base.ref_count(), 1);
    unsafe { base.release() };
}
