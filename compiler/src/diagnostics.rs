//! One diagnostic type for every stage, its stable error codes, and its three renderings.
//!
//! A [`Diagnostic`] carries a stable [`Code`] (`E0200`, `W0101`), a severity, a message, a
//! primary span (with an optional label), secondary labels, notes and help lines. Stages
//! collect them in a [`Diagnostics`] sink and keep going where they can, so one run reports
//! many problems. Rendering:
//! - `human`: an ariadne report with source snippets (colour only when stderr is a TTY);
//! - `short`: exactly `file:line:col: error[E0200]: message`, one line per diagnostic;
//! - `json`: one JSON object per line with file, line, column, end line/column, code,
//!   severity, message, labels, notes, help and the suggested edits (machine-applicable
//!   replacements, [`Suggestion`]).
//!
//! Every code is listed with an example and its fix in `docs/errors.md`; a unit test keeps
//! that file and [`ALL_CODES`] in step.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// A stable diagnostic code such as `E0200`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(pub &'static str);

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! codes {
    ($($name:ident = $summary:literal;)*) => {
        $(#[doc = $summary] pub const $name: Code = Code(stringify!($name));)*
        /// Every code with its one-line summary, in numeric order.
        pub const ALL_CODES: &[(Code, &str)] = &[$(($name, $summary)),*];
    };
}

codes! {
    // Lexical and syntax errors.
    E0001 = "unexpected character";
    E0002 = "unterminated string or byte literal";
    E0003 = "unterminated block comment";
    E0004 = "invalid escape sequence";
    E0005 = "invalid number literal";
    E0006 = "syntax error: unexpected token";
    E0007 = "unclosed delimiter";
    E0008 = "invalid byte literal";
    E0009 = "construct not allowed here";
    E0010 = "nesting too deep";
    // Names, modules and declarations.
    E0100 = "cannot find a value with this name";
    E0101 = "cannot find a type with this name";
    E0102 = "module not found";
    E0103 = "name not found in module";
    E0104 = "item is private";
    E0105 = "name defined more than once";
    E0106 = "name shadows another in the same scope";
    E0107 = "no such field";
    E0108 = "no such method or associated function";
    E0109 = "no such enum variant";
    E0110 = "unknown annotation";
    E0111 = "invalid signature for main";
    E0112 = "struct literal is missing fields or names a field twice";
    E0113 = "wrong number of type arguments";
    E0114 = "recursive type has infinite size";
    E0115 = "invalid signature for a test function";
    // Types and expressions.
    E0200 = "mismatched types";
    E0201 = "wrong number of arguments";
    E0202 = "binary operator cannot be applied to these types";
    E0203 = "unary operator cannot be applied to this type";
    E0204 = "type annotations needed";
    E0205 = "value is not callable";
    E0206 = "value cannot be indexed";
    E0207 = "invalid cast";
    E0208 = "match is not exhaustive";
    E0209 = "function may end without returning a value";
    E0210 = "cannot assign to an immutable binding";
    E0211 = "cannot borrow or mutate an immutable value";
    E0212 = "`?` cannot be used here";
    E0213 = "`!`, `?` or `??` applied to a value that is not an Option or Result";
    E0214 = "`break` or `continue` outside a loop";
    E0215 = "integer literal out of range";
    E0216 = "invalid assignment target";
    E0217 = "value is not iterable";
    E0218 = "operation needs an `unsafe` block";
    E0219 = "refutable pattern where an irrefutable one is needed";
    E0220 = "invalid use of a reference";
    E0221 = "value cannot be printed or interpolated";
    E0222 = "module-level constant needs a constant initializer";
    E0223 = "value of type void cannot be used";
    E0224 = "`return` outside a function";
    E0225 = "pattern does not match the type";
    E0226 = "invalid HashMap key type";
    E0227 = "generic instantiation too deep";
    E0228 = "type nests too deeply";
    E0229 = "array too large";
    // Concurrency safety.
    E0301 = "value cannot be sent to another thread";
    E0302 = "cannot assign to a captured variable inside a move closure";
    E0303 = "conflicting accesses in `par` branches";
    E0304 = "closure captures by reference and cannot escape";
    E0305 = "`spawn` outside a `concurrent` block";
    E0306 = "value shared between concurrent branches is not Sync";
    E0310 = "invalid `select` case";
    E0311 = "`yield` outside the body of a generator function";
    E0312 = "invalid generator function";
    // Effects.
    E0401 = "effect not declared";
    E0402 = "conflicting effects in `par` branches";
    // Warnings.
    W0101 = "unused Result";
    W0102 = "unreachable pattern";
    W0403 = "blocking call in a green task";
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary span with a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// An edit that fixes the problem: replace the text of `span` (empty: insert there) with
/// `replacement`. Tools may apply it without asking (`json` marks it machine-applicable).
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    /// What the edit does, as shown in the help line.
    pub message: String,
}

/// A problem found in the source, with everything needed to explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The culprit.
    pub primary: Span,
    /// Text shown under the primary span (optional).
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Vec<String>,
    /// Edits that fix it; each one's message is also a help line.
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// A new error at `span`.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: span,
            primary_label: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    /// A new warning at `span`.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Sets the text under the primary span.
    pub fn with_primary_label(mut self, text: impl Into<String>) -> Diagnostic {
        self.primary_label = Some(text.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: text.into(),
        });
        self
    }

    pub fn with_note(mut self, text: impl Into<String>) -> Diagnostic {
        self.notes.push(text.into());
        self
    }

    pub fn with_help(mut self, text: impl Into<String>) -> Diagnostic {
        self.help.push(text.into());
        self
    }

    /// Adds an edit that fixes the problem (replace `span` by `replacement`); `message`
    /// becomes a help line.
    pub fn with_suggestion(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.add_suggestion(span, replacement, message);
        self
    }

    /// [`Diagnostic::with_suggestion`] on a diagnostic in place.
    pub fn add_suggestion(
        &mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) {
        let message = message.into();
        self.help.push(message.clone());
        self.suggestions.push(Suggestion {
            span,
            replacement: replacement.into(),
            message,
        });
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A sink that stages push diagnostics into.
#[derive(Default, Debug)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }

    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::error(code, span, message));
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.list.iter().filter(|d| d.is_error()).count()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.list.extend(other);
    }

    /// Turns every warning into an error (`--deny warnings`).
    pub fn deny_warnings(&mut self) {
        for d in &mut self.list {
            d.severity = Severity::Error;
        }
    }

    /// Sorts by file and position and removes exact duplicates (the same code at the same
    /// span with the same message), which generic instantiation can otherwise produce.
    pub fn sort_and_dedup(&mut self) {
        self.list
            .sort_by_key(|d| (d.primary.file, d.primary.start, d.primary.end));
        let mut seen = std::collections::HashSet::new();
        self.list.retain(|d| {
            seen.insert((
                d.code,
                d.primary.file,
                d.primary.start,
                d.primary.end,
                d.message.clone(),
            ))
        });
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    /// Takes out the diagnostics pushed after the first `at` (to revise them).
    pub fn split_off(&mut self, at: usize) -> Vec<Diagnostic> {
        self.list.split_off(at.min(self.list.len()))
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

/// The output formats of `--message-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Short,
    Json,
}

/// Renders one diagnostic in the `short` format: `file:line:col: error[E0200]: message`.
pub fn render_short(map: &SourceMap, d: &Diagnostic) -> String {
    let file = map.get(d.primary.file);
    let (line, col) = file.line_col(d.primary.start);
    format!(
        "{}:{}:{}: {}[{}]: {}",
        file.name,
        line,
        col,
        d.severity.as_str(),
        d.code,
        d.message
    )
}

/// Renders one diagnostic as a single-line JSON object.
pub fn render_json(map: &SourceMap, d: &Diagnostic) -> String {
    let file = map.get(d.primary.file);
    let (line, col) = file.line_col(d.primary.start);
    let (end_line, end_col) = file.line_col(d.primary.end);
    let labels: Vec<serde_json::Value> = d
        .labels
        .iter()
        .map(|l| {
            let lf = map.get(l.span.file);
            let (ll, lc) = lf.line_col(l.span.start);
            let (el, ec) = lf.line_col(l.span.end);
            serde_json::json!({
                "file": lf.name, "line": ll, "column": lc,
                "end_line": el, "end_column": ec, "message": l.message,
            })
        })
        .collect();
    let suggestions: Vec<serde_json::Value> = d
        .suggestions
        .iter()
        .map(|s| {
            let sf = map.get(s.span.file);
            let (ll, lc) = sf.line_col(s.span.start);
            let (el, ec) = sf.line_col(s.span.end);
            serde_json::json!({
                "message": s.message, "replacement": s.replacement,
                "file": sf.name, "line": ll, "column": lc, "end_line": el, "end_column": ec,
                "byte_start": s.span.start, "byte_end": s.span.end,
                "applicability": "machine-applicable",
            })
        })
        .collect();
    serde_json::json!({
        "file": file.name,
        "line": line,
        "column": col,
        "end_line": end_line,
        "end_column": end_col,
        "code": d.code.0,
        "severity": d.severity.as_str(),
        "message": d.message,
        "label": d.primary_label,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
        "suggestions": suggestions,
    })
    .to_string()
}

/// Lines longer than this (in characters) are not drawn: a diagnostic with a label on one
/// is rendered in the `short` form, with its notes and help. Such lines are generated
/// code, and drawing one per diagnostic would make the report as large as the file times
/// the number of diagnostics.
pub const MAX_DRAWN_LINE: usize = 1000;

/// The sources ariadne draws from, by file name: each is built once, when first drawn.
fn source_cache(map: &SourceMap) -> impl ariadne::Cache<String> + '_ {
    ariadne::FnCache::new(move |name: &String| {
        map.find_name(name)
            .map(|f| map.get(f).text.as_str())
            .ok_or_else(|| format!("no source file named {name}"))
    })
}

/// Renders one diagnostic for a terminal with ariadne, drawing sources from `cache`.
pub fn render_human(
    map: &SourceMap,
    d: &Diagnostic,
    color: bool,
    cache: &mut impl ariadne::Cache<String>,
) -> String {
    use ariadne::{Config, Label as ALabel, Report, ReportKind};

    let spans = std::iter::once(d.primary).chain(d.labels.iter().map(|l| l.span));
    if spans
        .into_iter()
        .any(|s| map.get(s.file).line_chars(s.start) > MAX_DRAWN_LINE)
    {
        return render_without_source(map, d);
    }
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let name = map.get(d.primary.file).name.clone();
    let char_span = |s: Span| -> std::ops::Range<usize> {
        let file = map.get(s.file);
        file.char_offset(s.start)..file.char_offset(s.end)
    };
    let mut report = Report::build(kind, (name.clone(), char_span(d.primary)))
        .with_code(d.code.0)
        .with_message(&d.message)
        .with_config(Config::default().with_color(color));
    // ariadne draws only labels that have text: fall back to the message itself.
    let text = d.primary_label.as_deref().unwrap_or(&d.message);
    let mut primary = ALabel::new((name, char_span(d.primary))).with_message(text);
    if color {
        primary = primary.with_color(ariadne::Color::Red);
    }
    report = report.with_label(primary);
    for l in &d.labels {
        let lname = map.get(l.span.file).name.clone();
        let mut label = ALabel::new((lname, char_span(l.span))).with_message(&l.message);
        if color {
            label = label.with_color(ariadne::Color::Blue);
        }
        report = report.with_label(label);
    }
    for n in &d.notes {
        report = report.with_note(n);
    }
    for h in &d.help {
        report = report.with_help(h);
    }
    let mut out = Vec::new();
    if report.finish().write(cache, &mut out).is_err() {
        return render_without_source(map, d);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `short` form of a diagnostic followed by its labels, notes and help, one per line.
fn render_without_source(map: &SourceMap, d: &Diagnostic) -> String {
    let mut out = render_short(map, d);
    out.push('\n');
    for l in &d.labels {
        let file = map.get(l.span.file);
        let (line, col) = file.line_col(l.span.start);
        let _ = writeln!(out, "  {}:{line}:{col}: {}", file.name, l.message);
    }
    for n in &d.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    for h in &d.help {
        let _ = writeln!(out, "  help: {h}");
    }
    out
}

/// Renders every diagnostic in the given format, followed (for `human`) by a summary line.
pub fn render_all(
    map: &SourceMap,
    diags: &Diagnostics,
    format: MessageFormat,
    color: bool,
) -> String {
    let mut out = String::new();
    let mut cache = source_cache(map);
    for d in diags.iter() {
        match format {
            MessageFormat::Human => out.push_str(&render_human(map, d, color, &mut cache)),
            MessageFormat::Short => {
                out.push_str(&render_short(map, d));
                out.push('\n');
            }
            MessageFormat::Json => {
                out.push_str(&render_json(map, d));
                out.push('\n');
            }
        }
    }
    if format == MessageFormat::Human {
        let errors = diags.error_count();
        let warnings = diags.len() - errors;
        if errors > 0 {
            let _ = writeln!(
                out,
                "error: could not compile due to {} error{}{}",
                errors,
                if errors == 1 { "" } else { "s" },
                if warnings > 0 {
                    format!(
                        "; {} warning{} emitted",
                        warnings,
                        if warnings == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                }
            );
        } else if warnings > 0 {
            let _ = writeln!(
                out,
                "warning: {} warning{} emitted",
                warnings,
                if warnings == 1 { "" } else { "s" }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    fn sample() -> (SourceMap, Diagnostic) {
        let mut map = SourceMap::new();
        let f = map.add("t.weft", None, "let x: i64 = \"a\"\n".to_string());
        let d = Diagnostic::error(E0200, Span::new(f, 13, 16), "mismatched types")
            .with_primary_label("expected `i64`, found `string`");
        (map, d)
    }

    #[test]
    fn short_format_is_exact() {
        let (map, d) = sample();
        assert_eq!(
            render_short(&map, &d),
            "t.weft:1:14: error[E0200]: mismatched types"
        );
    }

    #[test]
    fn json_has_positions() {
        let (map, d) = sample();
        let v: serde_json::Value = serde_json::from_str(&render_json(&map, &d)).unwrap();
        assert_eq!(v["line"], 1);
        assert_eq!(v["column"], 14);
        assert_eq!(v["end_column"], 17);
        assert_eq!(v["code"], "E0200");
        assert_eq!(v["severity"], "error");
    }

    #[test]
    fn human_mentions_code_and_label() {
        let (map, d) = sample();
        let text = render_human(&map, &d, false, &mut source_cache(&map));
        assert!(text.contains("E0200"), "{text}");
        assert!(text.contains("expected `i64`, found `string`"), "{text}");
    }

    #[test]
    fn every_code_is_documented() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md"))
                .expect("docs/errors.md exists");
        for (code, _) in ALL_CODES {
            assert!(
                doc.contains(&format!("## {}", code.0)),
                "docs/errors.md has no section for {}",
                code.0
            );
        }
    }
}
