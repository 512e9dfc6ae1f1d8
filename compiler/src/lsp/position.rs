//! Byte offsets and LSP positions (a 0-based line and a column in UTF-16 code units, the
//! protocol's default encoding).

use crate::source::{SourceMap, Span};
use lsp_types::{Position, Range};

/// The byte offset of `pos` in `text` (clamped to its line, and to the end of the text).
pub fn to_offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= pos.character as usize || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The position of byte offset `offset` in `text`.
pub fn to_position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count();
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position::new(line as u32, character as u32)
}

/// The range of a span of a file in `map`.
pub fn range(map: &SourceMap, span: Span) -> Range {
    let text = &map.get(span.file).text;
    Range::new(
        to_position(text, span.start as usize),
        to_position(text, span.end as usize),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_agree() {
        let text = "ab\nçd😀e\n\nx";
        for offset in [0, 1, 3, 5, 10, 12, 13, 14] {
            let pos = to_position(text, offset);
            assert_eq!(to_offset(text, pos), offset, "{pos:?}");
        }
        assert_eq!(to_position(text, 10), Position::new(1, 4));
        assert_eq!(to_offset(text, Position::new(1, 99)), 11);
        assert_eq!(to_offset(text, Position::new(9, 0)), text.len());
    }
}
