//! Debug dumps for `weft emit --emit ast|hir`, in time and space linear in the tree.
//!
//! Rust's `{:#?}` writes each level through one more padding adapter, so every character
//! costs time proportional to its depth, and the indentation makes the text itself
//! quadratic in the depth of a tree (a 500-term `+` chain printed 25 MB in 18 s). A dump is
//! instead formatted compactly with `{:?}` and laid out here as `{:#?}` would lay it out:
//! one field or element per line, with a trailing `,`, indented four spaces per level, but
//! never more than [`MAX_INDENT`] levels.

use std::fmt::Debug;

/// Deepest indentation, in levels; deeper lines are indented this far.
pub const MAX_INDENT: usize = 32;

/// `value` in the layout of `{:#?}`, indented at most [`MAX_INDENT`] levels.
pub fn pretty(value: &dyn Debug) -> String {
    let compact = format!("{value:?}");
    let mut out = Layout {
        text: String::with_capacity(compact.len() * 2),
        depth: 0,
    };
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => out.quoted(c, &mut chars),
            '{' | '(' | '[' => {
                out.text.push(c);
                // `{ a: 1 }` (a struct) or `{a: 1}` (a map): the space is not kept.
                if c == '{' && chars.peek() == Some(&' ') {
                    chars.next();
                }
                if chars.peek() == Some(&closer(c)) {
                    out.text.push(chars.next().unwrap_or(closer(c)));
                } else {
                    out.depth += 1;
                    out.newline();
                }
            }
            '}' | ')' | ']' => {
                if out.text.ends_with(' ') {
                    out.text.pop();
                }
                out.text.push(',');
                out.depth = out.depth.saturating_sub(1);
                out.newline();
                out.text.push(c);
            }
            ',' if chars.peek() == Some(&' ') => {
                chars.next();
                out.text.push(',');
                out.newline();
            }
            _ => out.text.push(c),
        }
    }
    out.text
}

fn closer(open: char) -> char {
    match open {
        '{' => '}',
        '(' => ')',
        _ => ']',
    }
}

/// The text laid out so far and the nesting level of its end.
struct Layout {
    text: String,
    depth: usize,
}

impl Layout {
    fn newline(&mut self) {
        self.text.push('\n');
        for _ in 0..self.depth.min(MAX_INDENT) {
            self.text.push_str("    ");
        }
    }

    /// Copies a string or character literal that starts with `quote`, escapes included.
    fn quoted(&mut self, quote: char, chars: &mut impl Iterator<Item = char>) {
        self.text.push(quote);
        while let Some(c) = chars.next() {
            self.text.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    self.text.push(escaped);
                }
            } else if c == quote {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Tree {
        Leaf,
        Node { name: String, kids: Vec<Tree> },
        Pair(Box<Tree>, char),
    }

    #[test]
    fn lays_out_like_the_alternate_format() {
        let t = Tree::Node {
            name: "a, \"b\" {c}".into(),
            kids: vec![
                Tree::Leaf,
                Tree::Pair(Box::new(Tree::Leaf), '('),
                Tree::Node {
                    name: String::new(),
                    kids: vec![],
                },
            ],
        };
        assert_eq!(pretty(&t), format!("{t:#?}"));
        let map: std::collections::BTreeMap<i32, (i32, ())> = [(1, (2, ()))].into();
        assert_eq!(pretty(&map), format!("{map:#?}"));
    }

    #[test]
    fn caps_the_indentation() {
        let mut t = Tree::Leaf;
        for _ in 0..100 {
            t = Tree::Pair(Box::new(t), 'x');
        }
        let text = pretty(&t);
        let widest = text.lines().map(|l| l.len() - l.trim_start().len()).max();
        assert_eq!(widest, Some(4 * MAX_INDENT));
    }
}
