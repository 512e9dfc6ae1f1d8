//! Strings: immutable, reference-counted byte strings.
//!
//! Layout (C): `{ int64_t rc; int64_t len; uint8_t bytes[len]; }`: the bytes start at
//! offset 16 and carry no NUL terminator. Bytes are UTF-8 by convention, but any bytes are
//! allowed and every operation here accepts them (Unicode-aware operations leave invalid
//! sequences as they are).
//!
//! Invariants:
//! - a string is never mutated after it is built, so sharing needs no copy;
//! - string literals are immortal constants emitted by the compiler (`rc < 0`);
//! - the runtime returns immortal constants for the empty string and for every one-byte
//!   string, so `split("")` over ASCII text and one-byte slices allocate nothing;
//! - an operation whose result equals one of its arguments returns that argument with one
//!   more count instead of a copy (`trim` of a trimmed string, `a + ""`, a whole slice).
//!
//! Ownership: [`WeftStr`] is a plain pointer. Functions taking a `WeftStr` borrow it (+0);
//! every `WeftStr` they return is owned by the caller (+1).

use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::NonNull;
use core::sync::atomic::AtomicI64;

use crate::obj::fmt::{self as numfmt, FloatText, INT_TEXT_MAX};
use crate::obj::rc::{self, RcHeader, WeftGlue, IMMORTAL};
use crate::obj::vec::WeftVec;
use crate::panic::{check_range, WeftLoc};

/// The header of a string object; `len` bytes follow it.
#[repr(C)]
#[derive(Debug)]
pub struct StrHeader {
    /// Reference count (see [`crate::obj::rc`]).
    pub rc: AtomicI64,
    /// Length in bytes.
    pub len: i64,
}

/// Offset of the first byte from the start of the object.
pub const STR_DATA_OFFSET: usize = core::mem::size_of::<StrHeader>();

/// The size of a string object of `len` bytes: the header, the bytes and a NUL byte after
/// them that no string operation reads, so that debuggers show the bytes as a C string.
fn object_bytes(len: usize) -> usize {
    rc::object_size(STR_DATA_OFFSET + 1, len, 1)
}

/// Alignment of string objects.
const STR_ALIGN: usize = 8;

/// A string pointer (`Str` in the C ABI): non-null, pointing at a live string object.
///
/// Copying a `WeftStr` does not touch the count: use [`WeftStr::retain`] for a new owner.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WeftStr(NonNull<StrHeader>);

// SAFETY: strings are immutable and their counts atomic.
unsafe impl Send for WeftStr {}
// SAFETY: as above.
unsafe impl Sync for WeftStr {}

/// An immortal string of at most 8 bytes (the runtime's constants).
#[repr(C)]
struct SmallStr {
    header: StrHeader,
    bytes: [u8; 8],
}

impl SmallStr {
    const fn new(len: i64, bytes: [u8; 8]) -> Self {
        SmallStr {
            header: StrHeader {
                rc: AtomicI64::new(IMMORTAL),
                len,
            },
            bytes,
        }
    }
}

static EMPTY: SmallStr = SmallStr::new(0, [0; 8]);
static TRUE: SmallStr = SmallStr::new(4, *b"true\0\0\0\0");
static FALSE: SmallStr = SmallStr::new(5, *b"false\0\0\0");
static ONE_BYTE: [SmallStr; 256] = one_byte_strings();

const fn one_byte_strings() -> [SmallStr; 256] {
    let mut table = [const { SmallStr::new(1, [0; 8]) }; 256];
    let mut b = 0;
    while b < 256 {
        table[b].bytes[0] = b as u8;
        b += 1;
    }
    table
}

impl WeftStr {
    /// Wraps a raw string pointer.
    ///
    /// # Safety
    /// `p` points to a live string object for as long as the result is used.
    #[inline(always)]
    pub unsafe fn from_raw(p: *mut StrHeader) -> Self {
        WeftStr(NonNull::new_unchecked(p))
    }

    /// The raw object pointer.
    #[inline(always)]
    pub fn as_ptr(self) -> *mut StrHeader {
        self.0.as_ptr()
    }

    fn from_static(s: &'static SmallStr) -> Self {
        WeftStr(NonNull::from(&s.header))
    }

    /// The immortal empty string.
    #[inline]
    pub fn empty() -> Self {
        Self::from_static(&EMPTY)
    }

    /// The immortal `"true"` or `"false"`.
    #[inline]
    pub fn from_bool(b: bool) -> Self {
        Self::from_static(if b { &TRUE } else { &FALSE })
    }

    /// A new string holding a copy of `bytes` (an immortal constant for 0 or 1 byte).
    #[inline]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut w = StrWriter::new(bytes.len());
        w.push(bytes);
        w.finish()
    }

    /// Length in bytes.
    #[inline(always)]
    pub fn len(self) -> usize {
        // SAFETY: a WeftStr points to a live string.
        unsafe { (*self.as_ptr()).len as usize }
    }

    /// True for the empty string.
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The string's bytes, valid while the caller holds a reference to it.
    #[inline(always)]
    pub fn as_bytes<'a>(self) -> &'a [u8] {
        // SAFETY: a WeftStr points to a live string of `len` bytes at offset 16.
        unsafe {
            let data = self.as_ptr().cast::<u8>().add(STR_DATA_OFFSET);
            core::slice::from_raw_parts(data, self.len())
        }
    }

    /// Adds an owner and returns the string (for returning a borrowed argument as +1).
    #[inline(always)]
    pub fn retain(self) -> Self {
        // SAFETY: a WeftStr points to a live object starting with an RcHeader.
        unsafe { rc::retain(self.as_ptr().cast::<RcHeader>()) };
        self
    }

    /// Drops one owner, freeing the string when it was the last.
    ///
    /// # Safety
    /// The caller owns one count of `self` and does not use it afterwards.
    #[inline(always)]
    pub unsafe fn release(self) {
        if rc::release(self.as_ptr().cast::<RcHeader>()) {
            self.free();
        }
    }

    /// Frees the string's memory (its count reached zero).
    ///
    /// # Safety
    /// The string is mortal, its count reached zero, and nobody uses it again.
    #[inline]
    pub unsafe fn free(self) {
        rc::free(self.as_ptr().cast(), object_bytes(self.len()), STR_ALIGN);
    }

    /// The current reference count (negative for immortal strings).
    pub fn ref_count(self) -> i64 {
        // SAFETY: a WeftStr points to a live object starting with an RcHeader.
        unsafe { rc::count(self.as_ptr().cast()) }
    }

    /// `self + other` (sharing one side when the other is empty).
    #[inline]
    pub fn concat(self, other: WeftStr) -> WeftStr {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        if b.is_empty() {
            return self.retain();
        }
        if a.is_empty() {
            return other.retain();
        }
        let mut w = StrWriter::new(a.len() + b.len());
        w.push(a);
        w.push(b);
        w.finish()
    }

    /// Bytewise equality.
    #[inline]
    pub fn eq_bytes(self, other: WeftStr) -> bool {
        self == other || self.as_bytes() == other.as_bytes()
    }

    /// Bytewise order: -1, 0 or 1.
    #[inline]
    pub fn cmp_bytes(self, other: WeftStr) -> i32 {
        self.as_bytes().cmp(other.as_bytes()) as i32
    }

    /// The bytes `start..end`, or a panic at `loc` naming the bad range.
    pub fn slice(self, start: i64, end: i64, loc: Option<&WeftLoc>) -> WeftStr {
        let (a, b) = check_range(start, end, self.len(), loc);
        self.sub(a, b)
    }

    /// The bytes `a..b` (in bounds), sharing `self` when that is all of it.
    fn sub(self, a: usize, b: usize) -> WeftStr {
        if a == 0 && b == self.len() {
            return self.retain();
        }
        WeftStr::from_bytes(&self.as_bytes()[a..b])
    }

    /// Byte index of the first occurrence of `needle` (0 for an empty needle).
    #[inline]
    pub fn find(self, needle: WeftStr) -> Option<usize> {
        find_bytes(self.as_bytes(), needle.as_bytes())
    }

    /// True when `needle` occurs in `self`.
    #[inline]
    pub fn contains(self, needle: WeftStr) -> bool {
        self.find(needle).is_some()
    }

    /// True when `self` begins with `prefix`.
    #[inline]
    pub fn starts_with(self, prefix: WeftStr) -> bool {
        self.as_bytes().starts_with(prefix.as_bytes())
    }

    /// True when `self` ends with `suffix`.
    #[inline]
    pub fn ends_with(self, suffix: WeftStr) -> bool {
        self.as_bytes().ends_with(suffix.as_bytes())
    }

    /// The pieces between the occurrences of `sep` (Go's `strings.Split`): an empty `sep`
    /// splits into UTF-8 characters (each invalid byte is a piece of its own), and an empty
    /// `self` then gives no pieces; otherwise there is always at least one piece.
    pub fn split(self, sep: WeftStr) -> WeftVec {
        let s = self.as_bytes();
        if sep.is_empty() {
            return split_chars(s);
        }
        let sep = sep.as_bytes();
        let mut out = WeftVec::empty();
        let mut start = 0;
        while let Some(i) = find_bytes(&s[start..], sep) {
            push_str(&mut out, WeftStr::from_bytes(&s[start..start + i]));
            start += i + sep.len();
        }
        push_str(&mut out, self.sub(start, s.len()));
        out
    }

    /// `self` without leading and trailing Unicode whitespace (White_Space property).
    pub fn trim(self) -> WeftStr {
        let s = self.as_bytes();
        let mut start = 0;
        while let Some((c, n)) = first_char(&s[start..]) {
            if !c.is_whitespace() {
                break;
            }
            start += n;
        }
        let mut end = s.len();
        while let Some((c, n)) = last_char(&s[start..end]) {
            if !c.is_whitespace() {
                break;
            }
            end -= n;
        }
        self.sub(start, end)
    }

    /// Unicode upper case (`ß` becomes `SS`); invalid UTF-8 bytes are kept.
    pub fn to_upper(self) -> WeftStr {
        self.map_case(
            u8::is_ascii_lowercase,
            u8::to_ascii_uppercase,
            str::to_uppercase,
        )
    }

    /// Unicode lower case (a final `Σ` becomes `ς`); invalid UTF-8 bytes are kept.
    pub fn to_lower(self) -> WeftStr {
        self.map_case(
            u8::is_ascii_uppercase,
            u8::to_ascii_lowercase,
            str::to_lowercase,
        )
    }

    /// Case mapping with an allocation-free answer for unchanged ASCII and a single-pass
    /// copy for other ASCII; other text goes through core's Unicode tables.
    fn map_case(
        self,
        ascii_changes: fn(&u8) -> bool,
        ascii_map: fn(&u8) -> u8,
        unicode_map: fn(&str) -> String,
    ) -> WeftStr {
        let s = self.as_bytes();
        if s.is_ascii() {
            if !s.iter().any(ascii_changes) {
                return self.retain();
            }
            let mut w = StrWriter::new(s.len());
            w.push_mapped(s, ascii_map);
            return w.finish();
        }
        let mut out = Vec::with_capacity(s.len() + s.len() / 2);
        for chunk in s.utf8_chunks() {
            out.extend_from_slice(unicode_map(chunk.valid()).as_bytes());
            out.extend_from_slice(chunk.invalid());
        }
        WeftStr::from_bytes(&out)
    }

    /// Parses an `i64` (see [`parse_int`]).
    pub fn parse_int(self) -> Option<i64> {
        parse_int(self.as_bytes())
    }

    /// Parses an `f64` (see [`parse_float`]).
    pub fn parse_float(self) -> Option<f64> {
        parse_float(self.as_bytes())
    }

    /// The bytes as a new `Vec<u8>`.
    pub fn to_byte_vec(self) -> WeftVec {
        let s = self.as_bytes();
        // SAFETY: BYTE_GLUE describes u8 elements; `s` holds `s.len()` of them.
        unsafe {
            let mut v = WeftVec::with_capacity(s.len(), &BYTE_GLUE);
            v.extend_retained(s.as_ptr(), s.len(), &BYTE_GLUE);
            v
        }
    }

    /// Decimal text of an `i64`.
    pub fn from_i64(v: i64) -> WeftStr {
        WeftStr::from_bytes(numfmt::i64_text(v, &mut [0; INT_TEXT_MAX]))
    }

    /// Decimal text of a `u64`.
    pub fn from_u64(v: u64) -> WeftStr {
        WeftStr::from_bytes(numfmt::u64_text(v, &mut [0; INT_TEXT_MAX]))
    }

    /// Python-`repr` text of an `f64` (see [`crate::obj::fmt`]).
    pub fn from_f64(v: f64) -> WeftStr {
        WeftStr::from_bytes(numfmt::f64_text(v, &mut FloatText::new()))
    }

    /// Python-`repr`-style text of an `f32` (shortest `f32` digits).
    pub fn from_f32(v: f32) -> WeftStr {
        WeftStr::from_bytes(numfmt::f32_text(v, &mut FloatText::new()))
    }
}

/// Builds a string of a known length with one allocation: push exactly `len` bytes, then
/// [`finish`](StrWriter::finish). Lengths of 0 and 1 produce the immortal constants.
pub struct StrWriter {
    /// The object being built (dangling for lengths 0 and 1).
    obj: NonNull<StrHeader>,
    pos: usize,
    len: usize,
    /// The byte of a one-byte string.
    small: [u8; 1],
}

impl StrWriter {
    /// A writer for a string of exactly `len` bytes.
    #[inline]
    pub fn new(len: usize) -> Self {
        let mut obj = NonNull::<StrHeader>::dangling();
        if len > 1 {
            obj = rc::alloc(object_bytes(len), STR_ALIGN).cast();
            // SAFETY: a fresh allocation of `16 + len + 1` bytes.
            unsafe {
                obj.as_ptr().write(StrHeader {
                    rc: AtomicI64::new(1),
                    len: len as i64,
                });
                obj.as_ptr()
                    .cast::<u8>()
                    .add(STR_DATA_OFFSET + len)
                    .write(0);
            };
        }
        StrWriter {
            obj,
            pos: 0,
            len,
            small: [0],
        }
    }

    /// Reserves the next `n` bytes and returns where they go; panics (a runtime bug) past
    /// the announced length.
    #[inline(always)]
    fn next(&mut self, n: usize) -> *mut u8 {
        assert!(n <= self.len - self.pos, "StrWriter overflow");
        let data = if self.len > 1 {
            // SAFETY: the object has `len` bytes after its header.
            unsafe { self.obj.as_ptr().cast::<u8>().add(STR_DATA_OFFSET) }
        } else {
            self.small.as_mut_ptr()
        };
        let at = self.pos;
        self.pos += n;
        // SAFETY: `at + n <= len` bytes of room.
        unsafe { data.add(at) }
    }

    /// Appends `bytes`.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) {
        let dst = self.next(bytes.len());
        // SAFETY: `next` made room for `bytes.len()` bytes.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
    }

    /// Appends `f(b)` for each byte `b` of `src`.
    #[inline]
    pub fn push_mapped(&mut self, src: &[u8], f: impl Fn(&u8) -> u8) {
        let dst = self.next(src.len());
        for (i, b) in src.iter().enumerate() {
            // SAFETY: `next` made room for `src.len()` bytes.
            unsafe { dst.add(i).write(f(b)) };
        }
    }

    /// The unwritten room, for filling by `read(2)` and the like; [`commit`](Self::commit)
    /// then counts what was written.
    #[inline]
    pub fn spare(&mut self) -> &mut [MaybeUninit<u8>] {
        let n = self.len - self.pos;
        let dst = self.next(n);
        self.pos -= n;
        // SAFETY: `next` vouched for `n` bytes of room.
        unsafe { core::slice::from_raw_parts_mut(dst.cast(), n) }
    }

    /// Counts `n` bytes written through [`spare`](Self::spare).
    #[inline]
    pub fn commit(&mut self, n: usize) {
        self.next(n);
    }

    /// The finished string (+1); panics (a runtime bug) unless exactly `len` bytes were pushed.
    #[inline]
    pub fn finish(self) -> WeftStr {
        assert_eq!(self.pos, self.len, "StrWriter underflow");
        let w = ManuallyDrop::new(self);
        match w.len {
            0 => WeftStr::empty(),
            1 => WeftStr::from_static(&ONE_BYTE[w.small[0] as usize]),
            _ => WeftStr(w.obj),
        }
    }

    /// The string of the bytes written so far (+1), which may be fewer than announced.
    pub fn finish_written(mut self) -> WeftStr {
        if self.pos == self.len {
            return self.finish();
        }
        let data = self.next(0).wrapping_sub(self.pos);
        // SAFETY: the first `pos` bytes at `data` were written.
        WeftStr::from_bytes(unsafe { core::slice::from_raw_parts(data, self.pos) })
    }
}

impl Drop for StrWriter {
    /// Frees an unfinished string.
    fn drop(&mut self) {
        if self.len > 1 {
            // SAFETY: the object was allocated by `new` and never handed out.
            unsafe { rc::free(self.obj.as_ptr().cast(), object_bytes(self.len), STR_ALIGN) };
        }
    }
}

/// The `n` strings at `parts` as a slice (empty for `n <= 0`).
///
/// # Safety
/// For `n > 0`, `parts` points to `n` live strings that outlive the slice.
#[inline]
pub unsafe fn raw_parts<'a>(parts: *const WeftStr, n: i64) -> &'a [WeftStr] {
    if n <= 0 {
        return &[];
    }
    core::slice::from_raw_parts(parts, n as usize)
}

/// The concatenation of `parts` with one allocation (or none when at most one part is
/// non-empty).
pub fn concat_all(parts: &[WeftStr]) -> WeftStr {
    let mut total = 0usize;
    let mut non_empty = None;
    let mut count = 0;
    for &p in parts {
        if !p.is_empty() {
            total = total.saturating_add(p.len());
            non_empty = Some(p);
            count += 1;
        }
    }
    match (count, non_empty) {
        (0, _) => WeftStr::empty(),
        (1, Some(p)) => p.retain(),
        _ => {
            let mut w = StrWriter::new(total);
            for p in parts {
                w.push(p.as_bytes());
            }
            w.finish()
        }
    }
}

/// `parts[0] + sep + parts[1] + ...` with one allocation.
pub fn join(parts: &[WeftStr], sep: WeftStr) -> WeftStr {
    match parts {
        [] => return WeftStr::empty(),
        [only] => return only.retain(),
        _ => {}
    }
    let sep = sep.as_bytes();
    let total = parts.iter().map(|p| p.len()).sum::<usize>() + sep.len() * (parts.len() - 1);
    let mut w = StrWriter::new(total);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            w.push(sep);
        }
        w.push(p.as_bytes());
    }
    w.finish()
}

/// Byte index of the first `needle` in `hay`.
#[inline]
pub fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    match needle.len() {
        0 => Some(0),
        n if n > hay.len() => None,
        1 => memchr(needle[0], hay),
        _ => find_long(hay, needle),
    }
}

/// Candidate positions checked one by one before handing the rest to `memmem`.
const FIND_CANDIDATES: usize = 16;

/// Substring search for needles of 2+ bytes: jumps between occurrences of the needle's
/// first byte with `memchr` (fast when that byte is rare, the usual case), and switches to
/// glibc's two-way `memmem` (linear in the worst case) after [`FIND_CANDIDATES`] misses.
fn find_long(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let last_start = hay.len() - needle.len();
    let mut at = 0;
    for _ in 0..FIND_CANDIDATES {
        let pos = at + memchr(needle[0], &hay[at..=last_start])?;
        if &hay[pos..pos + needle.len()] == needle {
            return Some(pos);
        }
        at = pos + 1;
        if at > last_start {
            return None;
        }
    }
    memmem(&hay[at..], needle).map(|i| at + i)
}

/// glibc's vectorized `memchr`.
#[inline]
fn memchr(byte: u8, hay: &[u8]) -> Option<usize> {
    // SAFETY: `hay` is valid for reads of its length.
    let found = unsafe { libc::memchr(hay.as_ptr().cast(), byte.into(), hay.len()) };
    (!found.is_null()).then(|| found as usize - hay.as_ptr() as usize)
}

/// glibc's two-way `memmem`.
fn memmem(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // SAFETY: both ranges are valid for reads of their lengths.
    let found = unsafe {
        libc::memmem(
            hay.as_ptr().cast(),
            hay.len(),
            needle.as_ptr().cast(),
            needle.len(),
        )
    };
    (!found.is_null()).then(|| found as usize - hay.as_ptr() as usize)
}

/// Length of the UTF-8 sequence a lead byte announces (0 for a byte that cannot lead).
#[inline]
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

/// The first character of `s` and its byte length, unless `s` is empty or starts with an
/// invalid sequence.
fn first_char(s: &[u8]) -> Option<(char, usize)> {
    let w = utf8_width(*s.first()?);
    let c = core::str::from_utf8(s.get(..w)?).ok()?.chars().next()?;
    Some((c, w))
}

/// The last character of `s` and its byte length, unless `s` is empty or ends with an
/// invalid sequence.
fn last_char(s: &[u8]) -> Option<(char, usize)> {
    let lo = s.len().saturating_sub(4);
    let start = (lo..s.len()).rev().find(|&i| s[i] & 0xc0 != 0x80)?;
    let (c, w) = first_char(&s[start..])?;
    (start + w == s.len()).then_some((c, w))
}

/// Byte length of the piece `split("")` takes at the start of `s` (non-empty): one
/// character, or one byte of an invalid sequence.
fn char_piece_len(s: &[u8]) -> usize {
    first_char(s).map_or(1, |(_, w)| w)
}

fn split_chars(s: &[u8]) -> WeftVec {
    let estimate = s.iter().filter(|&&b| b & 0xc0 != 0x80).count();
    let mut out = WeftVec::with_capacity(estimate, &STR_GLUE);
    let mut i = 0;
    while i < s.len() {
        let w = char_piece_len(&s[i..]);
        push_str(&mut out, WeftStr::from_bytes(&s[i..i + w]));
        i += w;
    }
    out
}

/// Moves `s` to the end of the `Vec<string>` `v`.
fn push_str(v: &mut WeftVec, s: WeftStr) {
    // SAFETY: `v` is a Vec<string>, described by STR_GLUE; the element is moved in.
    unsafe { v.push((&s as *const WeftStr).cast(), &STR_GLUE) };
}

/// Parses an optionally signed decimal `i64`: `[+-]digits`, where a single `_` may stand
/// between two digits (`1_000`). No whitespace; out-of-range values fail.
pub fn parse_int(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if !digits.last()?.is_ascii_digit() {
        return None;
    }
    let mut magnitude: u64 = 0;
    let mut prev_digit = false;
    for &b in digits {
        if b.is_ascii_digit() {
            magnitude = magnitude
                .checked_mul(10)?
                .checked_add(u64::from(b - b'0'))?;
            prev_digit = true;
        } else if b == b'_' && prev_digit {
            prev_digit = false;
        } else {
            return None;
        }
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses an `f64` with Rust's grammar (`1.5`, `-2e10`, `.5`, `5.`, `inf`, `nan`, case
/// insensitive), also accepting a single `_` between two digits. No whitespace.
pub fn parse_float(s: &[u8]) -> Option<f64> {
    if !s.contains(&b'_') {
        return core::str::from_utf8(s).ok()?.parse().ok();
    }
    let mut plain = Vec::with_capacity(s.len());
    for (i, &b) in s.iter().enumerate() {
        if b != b'_' {
            plain.push(b);
            continue;
        }
        let between_digits =
            i > 0 && s[i - 1].is_ascii_digit() && s.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !between_digits {
            return None;
        }
    }
    core::str::from_utf8(&plain).ok()?.parse().ok()
}

unsafe extern "C" fn glue_retain_str(elem: *mut u8) {
    (*elem.cast::<WeftStr>()).retain();
}

unsafe extern "C" fn glue_release_str(elem: *mut u8) {
    (*elem.cast::<WeftStr>()).release();
}

unsafe extern "C" fn glue_compare_str(a: *const u8, b: *const u8) -> i32 {
    (*a.cast::<WeftStr>()).cmp_bytes(*b.cast::<WeftStr>())
}

unsafe extern "C" fn glue_compare_u8(a: *const u8, b: *const u8) -> i32 {
    (*a).cmp(&*b) as i32
}

/// Glue for `string` elements (8-byte string pointers).
pub static STR_GLUE: WeftGlue = WeftGlue {
    size: 8,
    align: 8,
    retain: Some(glue_retain_str),
    release: Some(glue_release_str),
    compare: Some(glue_compare_str),
};

/// Glue for `u8` elements.
pub static BYTE_GLUE: WeftGlue = WeftGlue {
    size: 1,
    align: 1,
    retain: None,
    release: None,
    compare: Some(glue_compare_u8),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_parsing() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("+7", 7),
            ("42", 42),
            ("1_000", 1000),
            ("1_2_3", 123),
            ("007", 7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("-9_223_372_036_854_775_808", i64::MIN),
        ];
        for &(s, v) in ok {
            assert_eq!(parse_int(s.as_bytes()), Some(v), "{s}");
        }
        let bad = [
            "",
            "-",
            "+",
            " 1",
            "1 ",
            "1__0",
            "_1",
            "1_",
            "-_1",
            "0x10",
            "1.0",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "١٢",
            "--1",
            "+-1",
            "1e3",
        ];
        for s in bad {
            assert_eq!(parse_int(s.as_bytes()), None, "{s:?}");
        }
    }

    #[test]
    fn float_parsing() {
        let ok: &[(&str, f64)] = &[
            ("1.5", 1.5),
            ("-2", -2.0),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
            (".5", 0.5),
            ("5.", 5.0),
            ("+0.25", 0.25),
            ("1_000.5", 1000.5),
            ("inf", f64::INFINITY),
            ("-infinity", f64::NEG_INFINITY),
            ("0.30000000000000004", 0.30000000000000004),
        ];
        for &(s, v) in ok {
            assert_eq!(parse_float(s.as_bytes()), Some(v), "{s}");
        }
        assert!(parse_float(b"nan").unwrap().is_nan());
        for s in [
            "", " 1.5", "1.5 ", "1__0.5", "_1.0", "1._5", "1_", "abc", ".", "e5", "1e",
        ] {
            assert_eq!(parse_float(s.as_bytes()), None, "{s:?}");
        }
    }

    #[test]
    fn char_boundaries() {
        assert_eq!(first_char("é!".as_bytes()), Some(('é', 2)));
        assert_eq!(last_char("!é".as_bytes()), Some(('é', 2)));
        assert_eq!(last_char(b"a\xff"), None);
        assert_eq!(first_char(b"\xe2\x82"), None);
        assert_eq!(char_piece_len(b"\xe2\x82"), 1);
        assert_eq!(char_piece_len("€x".as_bytes()), 3);
    }

    #[test]
    fn find() {
        assert_eq!(find_bytes(b"hello", b""), Some(0));
        assert_eq!(find_bytes(b"hello", b"l"), Some(2));
        assert_eq!(find_bytes(b"hello", b"lo"), Some(3));
        assert_eq!(find_bytes(b"hello", b"hello!"), None);
        assert_eq!(find_bytes(b"", b"a"), None);
        assert_eq!(find_bytes(b"ab", b"ab"), Some(0));
        assert_eq!(find_bytes(b"xab", b"ab"), Some(1));
        assert_eq!(find_bytes(b"aab", b"abc"), None);
    }

    #[test]
    fn find_agrees_with_a_naive_search() {
        let naive = |h: &[u8], n: &[u8]| h.windows(n.len()).position(|w| w == n);
        let hays = [
            "a".repeat(100) + "b",
            "ab".repeat(60) + "abc",
            "the quick brown fox jumps over the lazy dog".repeat(3),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab".to_owned(),
        ];
        let needles = [
            "ab",
            "aab",
            "abc",
            "b",
            "lazy dog",
            "dogx",
            "aaaaaaaaaaaaaaaaaaaaab",
            "ba",
        ];
        for h in &hays {
            for n in needles {
                for start in [0, 1, 7, 40] {
                    let h = &h.as_bytes()[start.min(h.len())..];
                    assert_eq!(find_bytes(h, n.as_bytes()), naive(h, n.as_bytes()), "{n:?}");
                }
            }
        }
    }
}
