//! Number formatting: the text `print` and `toString()` produce for numbers.
//!
//! - Integers: decimal, with a leading `-` for negative values.
//! - Floats: Python's `repr`: the shortest digits that read back as the same value (from
//!   core's shortest round-trip formatting, Grisu with a Dragon4 fallback), laid out in
//!   positional notation when the decimal exponent `e` (value = d.ddd × 10^e) satisfies
//!   `-4 <= e < 16`, else in scientific notation with a signed exponent of at least two
//!   digits: `1.5`, `2.0`, `0.0001`, `1e-05`, `1e+16`, `inf`, `-inf`, `nan`, `-0.0`.
//!   `f32` values use the shortest digits that read back as the same `f32`, with the same
//!   layout.
//!
//! Every function writes into a caller-provided stack buffer and allocates nothing.

use core::fmt::{LowerExp, Write};

/// Room for any `i64` or `u64` in decimal (`-9223372036854775808` is 20 bytes).
pub const INT_TEXT_MAX: usize = 20;

/// Room for any float's text (the longest is 24 bytes, e.g. `-2.2250738585072014e-308`).
pub const FLOAT_TEXT_MAX: usize = 32;

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `v` in decimal at the end of `buf` and returns the text.
#[inline]
pub fn u64_text(mut v: u64, buf: &mut [u8; INT_TEXT_MAX]) -> &[u8] {
    let mut pos = INT_TEXT_MAX;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + v as u8;
    }
    &buf[pos..]
}

/// Writes `v` in decimal (with `-` when negative) at the end of `buf` and returns the text.
#[inline]
pub fn i64_text(v: i64, buf: &mut [u8; INT_TEXT_MAX]) -> &[u8] {
    let len = u64_text(v.unsigned_abs(), buf).len();
    let mut start = INT_TEXT_MAX - len;
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// A float's text buffer (see [`f64_text`]).
pub struct FloatText {
    bytes: [u8; FLOAT_TEXT_MAX],
    len: usize,
}

impl FloatText {
    /// An empty buffer.
    pub const fn new() -> Self {
        FloatText {
            bytes: [0; FLOAT_TEXT_MAX],
            len: 0,
        }
    }

    /// The text written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn push_all(&mut self, bs: &[u8]) {
        self.bytes[self.len..self.len + bs.len()].copy_from_slice(bs);
        self.len += bs.len();
    }

    fn push_zeros(&mut self, n: usize) {
        for _ in 0..n {
            self.push(b'0');
        }
    }
}

impl Default for FloatText {
    fn default() -> Self {
        FloatText::new()
    }
}

impl Write for FloatText {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let dst = self
            .bytes
            .get_mut(self.len..self.len + s.len())
            .ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

/// The float types that print in Python's `repr` style.
trait ReprFloat: LowerExp + Copy {
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_zero(self) -> bool;
    fn is_negative(self) -> bool;
}

macro_rules! repr_float {
    ($t:ty) => {
        impl ReprFloat for $t {
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn is_zero(self) -> bool {
                self == 0.0
            }
            fn is_negative(self) -> bool {
                self.is_sign_negative()
            }
        }
    };
}
repr_float!(f64);
repr_float!(f32);

/// Writes the Python-`repr` text of `v` into `out` and returns it.
pub fn f64_text(v: f64, out: &mut FloatText) -> &[u8] {
    repr_text(v, out)
}

/// Writes the Python-`repr`-style text of `v` (shortest `f32` digits) into `out`.
pub fn f32_text(v: f32, out: &mut FloatText) -> &[u8] {
    repr_text(v, out)
}

fn repr_text<F: ReprFloat>(v: F, out: &mut FloatText) -> &[u8] {
    out.len = 0;
    if v.is_nan() {
        out.push_all(b"nan");
        return out.as_bytes();
    }
    if v.is_negative() {
        out.push(b'-');
    }
    if v.is_infinite() {
        out.push_all(b"inf");
    } else if v.is_zero() {
        out.push_all(b"0.0");
    } else {
        let mut sci = FloatText::new();
        // The shortest round-trip digits as `d.ddde<exp>`, sign included.
        write!(sci, "{v:e}").expect("float text fits its buffer");
        let (digits, exp) = split_scientific(sci.as_bytes());
        layout_digits(&digits.bytes[..digits.len], exp, out);
    }
    out.as_bytes()
}

/// Splits core's `-d.ddde-7` into its digits (no sign, no point) and decimal exponent.
fn split_scientific(text: &[u8]) -> (FloatText, i32) {
    let mut digits = FloatText::new();
    let e = text
        .iter()
        .position(|&b| b == b'e')
        .expect("scientific text has an exponent");
    for &b in &text[..e] {
        if b.is_ascii_digit() {
            digits.push(b);
        }
    }
    let exp_text = core::str::from_utf8(&text[e + 1..]).expect("ASCII exponent");
    (digits, exp_text.parse().expect("decimal exponent"))
}

/// Lays out `digits` × 10^(`exp` - len + 1) in Python's `repr` style.
fn layout_digits(digits: &[u8], exp: i32, out: &mut FloatText) {
    let n = digits.len() as i32;
    if !(-4..16).contains(&exp) {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.push_all(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        if exp.abs() < 10 {
            out.push(b'0');
        }
        let mut buf = [0; INT_TEXT_MAX];
        out.push_all(u64_text(exp.unsigned_abs().into(), &mut buf));
    } else if exp >= 0 {
        let int_len = exp + 1;
        if n <= int_len {
            out.push_all(digits);
            out.push_zeros((int_len - n) as usize);
            out.push_all(b".0");
        } else {
            out.push_all(&digits[..int_len as usize]);
            out.push(b'.');
            out.push_all(&digits[int_len as usize..]);
        }
    } else {
        out.push_all(b"0.");
        out.push_zeros((-exp - 1) as usize);
        out.push_all(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(v: f64) -> String {
        let mut out = FloatText::new();
        String::from_utf8(f64_text(v, &mut out).to_vec()).unwrap()
    }

    fn f32s(v: f32) -> String {
        let mut out = FloatText::new();
        String::from_utf8(f32_text(v, &mut out).to_vec()).unwrap()
    }

    fn i64s(v: i64) -> String {
        let mut buf = [0; INT_TEXT_MAX];
        String::from_utf8(i64_text(v, &mut buf).to_vec()).unwrap()
    }

    fn u64s(v: u64) -> String {
        let mut buf = [0; INT_TEXT_MAX];
        String::from_utf8(u64_text(v, &mut buf).to_vec()).unwrap()
    }

    /// Each pair is a value and Python 3's `repr` of it.
    #[test]
    fn f64_matches_python_repr() {
        let table: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (2.0, "2.0"),
            (0.1, "0.1"),
            (-0.1, "-0.1"),
            (1e20, "1e+20"),
            (1e-5, "1e-05"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (100.0, "100.0"),
            (123.456, "123.456"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (0.00001234, "1.234e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.5e16, "1.5e+16"),
            (123456789012345.67, "123456789012345.67"),
            (1e100, "1e+100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (core::f64::consts::PI, "3.141592653589793"),
            (core::f64::consts::E, "2.718281828459045"),
            (-1e-7, "-1e-07"),
            (1e-4, "0.0001"),
            (0.5, "0.5"),
            (1e22, "1e+22"),
            (4.35, "4.35"),
            (0.07, "0.07"),
            (1234.5e-10, "1.2345e-07"),
            (9007199254740993.0, "9007199254740992.0"),
            (12345678.9, "12345678.9"),
            (-123e45, "-1.23e+47"),
        ];
        for &(v, want) in table {
            assert_eq!(f64s(v), want, "repr of {v:e}");
        }
    }

    #[test]
    fn f64_text_round_trips() {
        let mut x: f64 = 0.123;
        for _ in 0..2000 {
            let text = f64s(x);
            assert_eq!(text.parse::<f64>().unwrap(), x, "{text}");
            x = x * -1.7 + 1e-3;
            if x.abs() > 1e300 {
                x = 1e-300;
            }
        }
    }

    /// Each pair is an `f32` and the text `repr` gives for the shortest `f32` digits.
    #[test]
    fn f32_uses_shortest_f32_digits() {
        let table: &[(f32, &str)] = &[
            (0.1, "0.1"),
            (1.5, "1.5"),
            (2.0, "2.0"),
            (-0.0, "-0.0"),
            (1e20, "1e+20"),
            (1e-5, "1e-05"),
            (16777216.0, "16777216.0"),
            (3.4028235e38, "3.4028235e+38"),
            (1e-45, "1e-45"),
            (f32::INFINITY, "inf"),
            (f32::NAN, "nan"),
            (0.3, "0.3"),
            (1.0 / 3.0, "0.33333334"),
        ];
        for &(v, want) in table {
            assert_eq!(f32s(v), want, "f32 text of {v:e}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(i64s(0), "0");
        assert_eq!(i64s(7), "7");
        assert_eq!(i64s(-7), "-7");
        assert_eq!(i64s(10), "10");
        assert_eq!(i64s(99), "99");
        assert_eq!(i64s(100), "100");
        assert_eq!(i64s(-1234567890), "-1234567890");
        assert_eq!(i64s(i64::MAX), "9223372036854775807");
        assert_eq!(i64s(i64::MIN), "-9223372036854775808");
        assert_eq!(u64s(u64::MAX), "18446744073709551615");
        assert_eq!(u64s(0), "0");
        for v in (-100_000i64..100_000).step_by(7) {
            assert_eq!(i64s(v), v.to_string());
        }
        let mut v = 1u64;
        while let Some(next) = v.checked_mul(3) {
            assert_eq!(u64s(v), v.to_string());
            v = next;
        }
    }
}
