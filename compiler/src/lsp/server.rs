//! The open documents and the message loop.

use super::analysis::Analysis;
use super::{completion, definition, diagnostics, hover, position, symbols, uri};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CompletionParams, DocumentFormattingParams, DocumentSymbolParams, GotoDefinitionParams,
    HoverParams, Range, TextDocumentPositionParams, TextEdit, Uri,
};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// An open document: its latest text and, once needed, the analysis of that text.
struct Document {
    path: PathBuf,
    version: i32,
    text: String,
    analysis: Option<Analysis>,
    /// Its diagnostics were published for this text.
    published: bool,
}

/// The server's state.
pub struct Server<'c> {
    conn: &'c Connection,
    docs: HashMap<Uri, Document>,
}

impl<'c> Server<'c> {
    pub fn new(conn: &'c Connection) -> Server<'c> {
        Server {
            conn,
            docs: HashMap::new(),
        }
    }

    /// Serves messages until the client shuts the server down. Diagnostics are published
    /// once no message is waiting, so a burst of changes is analysed once.
    pub fn run(mut self) -> Result<(), String> {
        while let Ok(msg) = self.conn.receiver.recv() {
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let resp = self.request(req);
                    self.send(resp.into())?;
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(_) => {}
            }
            if self.conn.receiver.is_empty() {
                self.publish_pending()?;
            }
        }
        Ok(())
    }

    fn send(&self, msg: Message) -> Result<(), String> {
        self.conn.sender.send(msg).map_err(|e| e.to_string())
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = parse::<lsp_types::DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let doc = p.text_document;
                let path =
                    uri::to_path(&doc.uri).unwrap_or_else(|| PathBuf::from(doc.uri.as_str()));
                self.docs.insert(
                    doc.uri,
                    Document {
                        path,
                        version: doc.version,
                        text: doc.text,
                        analysis: None,
                        published: false,
                    },
                );
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = parse::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
                    return;
                };
                // Full synchronization: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    doc.text = change.text;
                    doc.version = p.text_document.version;
                    doc.analysis = None;
                    doc.published = false;
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    self.docs.remove(&p.text_document.uri);
                    let cleared = lsp_types::PublishDiagnosticsParams::new(
                        p.text_document.uri,
                        Vec::new(),
                        None,
                    );
                    let _ = self
                        .send(Notification::new(PublishDiagnostics::METHOD.into(), cleared).into());
                }
            }
            _ => {}
        }
    }

    /// Publishes the diagnostics of every document changed since they were last published.
    fn publish_pending(&mut self) -> Result<(), String> {
        let pending: Vec<Uri> = self
            .docs
            .iter()
            .filter(|(_, d)| !d.published)
            .map(|(u, _)| u.clone())
            .collect();
        for u in pending {
            let Some(doc) = self.docs.get_mut(&u) else {
                continue;
            };
            let params = diagnostics::publish(u.clone(), Some(doc.version), analysis(doc));
            doc.published = true;
            self.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into())?;
        }
        Ok(())
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => parse::<HoverParams>(req.params)
                .map(|p| self.at(&p.text_document_position_params, hover::hover)),
            GotoDefinition::METHOD => parse::<GotoDefinitionParams>(req.params)
                .map(|p| self.at(&p.text_document_position_params, definition::definition)),
            Completion::METHOD => parse::<CompletionParams>(req.params).map(|p| self.complete(&p)),
            DocumentSymbolRequest::METHOD => parse::<DocumentSymbolParams>(req.params).map(|p| {
                self.doc(&p.text_document.uri)
                    .map(|d| serde_json::json!(symbols::symbols(analysis(d))))
                    .unwrap_or(Value::Null)
            }),
            Formatting::METHOD => parse::<DocumentFormattingParams>(req.params)
                .map(|p| self.format(&p.text_document.uri)),
            _ => {
                return error(
                    id,
                    ErrorCode::MethodNotFound,
                    format!("unknown method {}", req.method),
                )
            }
        };
        match result {
            Ok(v) => Response::new_ok(id, v),
            Err(e) => error(id, ErrorCode::InvalidParams, e),
        }
    }

    fn doc(&mut self, u: &Uri) -> Option<&mut Document> {
        self.docs.get_mut(u)
    }

    /// Runs a feature at a position of an open document.
    fn at<T: serde::Serialize>(
        &mut self,
        p: &TextDocumentPositionParams,
        feature: fn(&Analysis, usize) -> Option<T>,
    ) -> Value {
        let Some(doc) = self.doc(&p.text_document.uri) else {
            return Value::Null;
        };
        let a = analysis(doc);
        let offset = position::to_offset(a.text(), p.position);
        serde_json::to_value(feature(a, offset)).unwrap_or(Value::Null)
    }

    fn complete(&mut self, p: &CompletionParams) -> Value {
        let at = &p.text_document_position;
        let Some(doc) = self.doc(&at.text_document.uri) else {
            return Value::Null;
        };
        let offset = position::to_offset(&doc.text, at.position);
        serde_json::json!(completion::complete(&doc.path, &doc.text, offset))
    }

    /// The whole document laid out by `weft fmt` (nothing when it does not parse).
    fn format(&mut self, u: &Uri) -> Value {
        let Some(doc) = self.doc(u) else {
            return Value::Null;
        };
        let Ok(out) = crate::fmt::format_source(crate::source::FileId(0), &doc.text) else {
            return Value::Null;
        };
        if out == doc.text {
            return serde_json::json!([]);
        }
        let end = position::to_position(&doc.text, doc.text.len());
        let edit = TextEdit::new(Range::new(Default::default(), end), out);
        serde_json::json!([edit])
    }
}

/// The analysis of a document's current text, made when first needed.
fn analysis(doc: &mut Document) -> &Analysis {
    doc.analysis
        .get_or_insert_with(|| Analysis::new(&doc.path, doc.text.clone()))
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| e.to_string())
}

fn error(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response::new_err(id, code as i32, message)
}
