//! The front end run on a document's text: what every feature reads.

use crate::diagnostics::Diagnostics;
use crate::sema::defs::{CheckedProgram, ModuleId};
use crate::source::{FileId, SourceMap};
use std::path::Path;

/// One analysis of one text of a document.
pub struct Analysis {
    pub map: SourceMap,
    pub program: CheckedProgram,
    /// What `weft check` would report (effects included when the rest is clean).
    pub diags: Diagnostics,
    /// The document's file.
    pub file: FileId,
}

impl Analysis {
    /// Analyses `text` as the file at `path` (its imports are read from disk next to it).
    pub fn new(path: &Path, text: String) -> Analysis {
        let mut map = SourceMap::new();
        let file = map.add(path.to_string_lossy(), Some(path), text);
        let mut diags = Diagnostics::new();
        let program = crate::sema::analyze(&mut map, file, &mut diags);
        diags.sort_and_dedup();
        Analysis {
            map,
            program,
            diags,
            file,
        }
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        &self.map.get(self.file).text
    }

    /// The document's module.
    pub fn module(&self) -> ModuleId {
        self.program.defs.root
    }

    /// The identifier (letters, digits, `_`) around byte offset `offset`, with its start.
    pub fn word_at(&self, offset: usize) -> Option<(usize, &str)> {
        word_at(self.text(), offset)
    }
}

/// The identifier around byte offset `offset` of `text`, with its start.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let is_word = |c: char| c == '_' || c.is_alphanumeric();
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start, &text[start..end]))
}

#[cfg(test)]
mod tests {
    use super::word_at;

    #[test]
    fn words_are_found_around_an_offset() {
        let text = "let total = v.len()";
        assert_eq!(word_at(text, 4), Some((4, "total")));
        assert_eq!(word_at(text, 9), Some((4, "total")));
        assert_eq!(word_at(text, 15), Some((14, "len")));
        assert_eq!(word_at(text, 10), None);
    }
}
