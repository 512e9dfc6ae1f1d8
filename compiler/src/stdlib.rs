//! The embedded standard library (`stdlib/std/*.weft`).
//!
//! Sources are compiled into the `weft` binary; setting `WEFT_STDLIB` to a directory that
//! contains `std/<name>.weft` files overrides them (for working on the library itself).
//! `std/int` and `std/float` are templates instantiated once per numeric type.

use std::borrow::Cow;

const EMBEDDED: &[(&str, &str)] = &[
    ("std/prelude", include_str!("../../stdlib/std/prelude.weft")),
    ("std/int", include_str!("../../stdlib/std/int.weft")),
    ("std/float", include_str!("../../stdlib/std/float.weft")),
    ("std/runtime", include_str!("../../stdlib/std/runtime.weft")),
    ("std/thread", include_str!("../../stdlib/std/thread.weft")),
    ("std/sync", include_str!("../../stdlib/std/sync.weft")),
    ("std/time", include_str!("../../stdlib/std/time.weft")),
    ("std/io", include_str!("../../stdlib/std/io.weft")),
    ("std/net", include_str!("../../stdlib/std/net.weft")),
];

/// Integer types the `std/int` template is instantiated for.
pub const INT_TYPES: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];
/// Float types the `std/float` template is instantiated for.
pub const FLOAT_TYPES: &[&str] = &["f32", "f64"];

/// The source of std module `name` (e.g. `std/runtime`), if it exists.
pub fn source(name: &str) -> Option<Cow<'static, str>> {
    if let Ok(dir) = std::env::var("WEFT_STDLIB") {
        let path = std::path::Path::new(&dir).join(format!("{name}.weft"));
        if let Ok(text) = std::fs::read_to_string(path) {
            return Some(Cow::Owned(text));
        }
    }
    EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| Cow::Borrowed(*src))
}

/// Names of the user-importable std modules.
pub fn module_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !matches!(*n, "std/prelude" | "std/int" | "std/float"))
}

/// Instantiates a numeric template: every whole-word `placeholder` becomes `ty`.
pub fn instantiate_template(src: &str, placeholder: &str, ty: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let bytes = src.as_bytes();
    let is_word = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let mut i = 0;
    while i < src.len() {
        if src[i..].starts_with(placeholder)
            && (i == 0 || !is_word(bytes[i - 1]))
            && bytes
                .get(i + placeholder.len())
                .is_none_or(|&b| !is_word(b))
        {
            out.push_str(ty);
            i += placeholder.len();
        } else {
            let ch = src[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_replaces_whole_words() {
        assert_eq!(
            instantiate_template("impl Int { fn f(x: Int): Int? } Integer", "Int", "u8"),
            "impl u8 { fn f(x: u8): u8? } Integer"
        );
    }

    #[test]
    fn every_module_is_embedded() {
        for name in ["std/prelude", "std/runtime", "std/sync", "std/io"] {
            assert!(source(name).is_some(), "{name}");
        }
        assert!(source("std/nope").is_none());
    }
}
