//! Source files and spans.
//!
//! A [`SourceMap`] owns every file the compiler reads — the user's files and the embedded
//! standard library — and hands out [`FileId`]s. A [`Span`] is a byte range inside one file;
//! line and column numbers are computed on demand (1-based, columns counted in characters,
//! as rustc does).

use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// An empty span at the start of `self`.
    pub fn start_point(self) -> Span {
        Span {
            file: self.file,
            start: self.start,
            end: self.start,
        }
    }

    /// An empty span at the end of `self`.
    pub fn end_point(self) -> Span {
        Span {
            file: self.file,
            start: self.end,
            end: self.end,
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// One source file: its display name, its text and the byte offset of each line start.
pub struct SourceFile {
    /// Name used in diagnostics (the path as given on the command line, or `std/io.weft`).
    pub name: String,
    /// The file on disk, if it came from one.
    pub path: Option<PathBuf>,
    pub text: String,
    /// True for files of the embedded standard library.
    pub is_std: bool,
    line_starts: Vec<u32>,
    /// The number of characters before each line start, then one more than the number of
    /// characters in the file (where a line after the last would start).
    line_start_chars: Vec<u32>,
}

impl SourceFile {
    fn new(name: String, path: Option<PathBuf>, text: String, is_std: bool) -> SourceFile {
        let mut line_starts = vec![0u32];
        let mut line_start_chars = vec![0u32];
        let mut chars = 0;
        for (i, c) in text.char_indices() {
            chars += 1;
            if c == '\n' {
                line_starts.push(i as u32 + 1);
                line_start_chars.push(chars);
            }
        }
        line_start_chars.push(chars + 1);
        SourceFile {
            name,
            path,
            text,
            is_std,
            line_starts,
            line_start_chars,
        }
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets past the end map to
    /// the end of the file; offsets inside a UTF-8 sequence map to its character.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        (line + 1, col)
    }

    /// The character index of a byte offset (clamped like [`line_col`](Self::line_col)).
    pub fn char_offset(&self, offset: u32) -> usize {
        let (line, col) = self.line_col(offset);
        self.line_start_chars[line - 1] as usize + col - 1
    }

    /// The length in characters of the line holding a byte offset.
    pub fn line_chars(&self, offset: u32) -> usize {
        let (line, _) = self.line_col(offset);
        (self.line_start_chars[line] - self.line_start_chars[line - 1]) as usize - 1
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The first byte of a file read from disk that is not UTF-8: where it is (the file's text
/// shows U+FFFD, the replacement character, there) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidUtf8 {
    pub span: Span,
    pub byte: u8,
}

/// All source files of one compilation.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, path: Option<&Path>, text: String) -> FileId {
        self.push(SourceFile::new(
            name.into(),
            path.map(Path::to_path_buf),
            text,
            false,
        ))
    }

    /// Reads a file from disk and adds it. Byte sequences that are not UTF-8 become U+FFFD
    /// in its text; the first one is returned, for a diagnostic.
    pub fn load(
        &mut self,
        name: impl Into<String>,
        path: &Path,
    ) -> std::io::Result<(FileId, Option<InvalidUtf8>)> {
        let (text, invalid) = match String::from_utf8(std::fs::read(path)?) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[at];
                (
                    String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    Some((at, byte)),
                )
            }
        };
        let id = self.add(name, Some(path), text);
        let invalid = invalid.map(|(at, byte)| InvalidUtf8 {
            span: Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
            byte,
        });
        Ok((id, invalid))
    }

    /// Adds a file of the standard library.
    pub fn add_std(&mut self, name: impl Into<String>, text: String) -> FileId {
        self.push(SourceFile::new(name.into(), None, text, true))
    }

    fn push(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The file already loaded from `path`, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path.as_deref() == Some(path))
            .map(|i| FileId(i as u32))
    }

    /// The file with the given display name, if loaded.
    pub fn find_name(&self, name: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.name == name)
            .map(|i| FileId(i as u32))
    }

    /// The std file with the given name, if loaded.
    pub fn find_std(&self, name: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.is_std && f.name == name)
            .map(|i| FileId(i as u32))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The source text covered by a span.
    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        let s = (span.start as usize).min(text.len());
        let e = (span.end as usize).min(text.len());
        text.get(s..e).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let mut map = SourceMap::new();
        let id = map.add("a.weft", None, "ab\nçd\n\nx".to_string());
        let f = map.get(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        // 'd' comes after the two-byte 'ç'
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(7), (3, 1));
        assert_eq!(f.line_col(8), (4, 1));
        assert_eq!(f.line_col(100), (4, 2));
        assert_eq!(
            (f.char_offset(5), f.char_offset(8), f.char_offset(100)),
            (4, 7, 8)
        );
        assert_eq!(
            (f.line_chars(0), f.line_chars(4), f.line_chars(7)),
            (2, 2, 0)
        );
        assert_eq!(f.line_chars(8), 1);
    }
}
