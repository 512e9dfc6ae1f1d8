//! Compiler diagnostics as LSP diagnostics.

use super::analysis::Analysis;
use super::position;
use super::uri;
use crate::diagnostics::{Diagnostic, Severity};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};

/// The diagnostics of the analysed document (those in other files are reported when
/// those files are open), for `textDocument/publishDiagnostics`.
pub fn publish(uri: Uri, version: Option<i32>, a: &Analysis) -> PublishDiagnosticsParams {
    let diagnostics = a
        .diags
        .iter()
        .filter(|d| d.primary.file == a.file)
        .map(|d| convert(a, d))
        .collect();
    PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    }
}

/// One diagnostic: the message with its notes and help lines, the labels as related
/// information.
fn convert(a: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(label) = &d.primary_label {
        message.push_str(&format!("\n{label}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    for help in &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let path = a.map.get(l.span.file).path.as_deref()?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri::from_path(path)?, position::range(&a.map, l.span)),
                message: l.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: position::range(&a.map, d.primary),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.0.to_string())),
        source: Some("weft".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
