//! `weft lsp`: a language server over stdio, on the `lsp-server` and `lsp-types` crates.
//!
//! It reads the typed AST and the effect table that semantic analysis produces for the
//! open file; no earlier stage knows about it. Features, each in its own module:
//! - [`diagnostics`]: what `weft check` reports (effects included), published when a file
//!   is opened and after every change (a burst of changes is analysed once);
//! - [`hover`]: the type of the expression under the cursor; a function's signature and
//!   its effects (declared or inferred);
//! - [`definition`]: go to the declaration of a local, function, method, field, type,
//!   variant or constant, also in std (whose embedded sources [`std_files`] writes out);
//! - [`symbols`]: the outline of a file (functions, types with their fields and
//!   variants, impl blocks with their methods, resources);
//! - [`completion`]: the fields and methods of the value before a `.`;
//! - formatting: the whole file through [`crate::fmt`].
//!
//! [`analysis`] runs the front end on a document's text; [`position`] converts between
//! byte offsets and LSP positions (UTF-16); [`lookup`] finds the typed node under a
//! position; [`server`] holds the open documents and dispatches the messages.

mod analysis;
mod completion;
mod definition;
mod diagnostics;
mod hover;
mod lookup;
mod position;
mod server;
mod std_files;
mod symbols;
mod uri;

use lsp_server::Connection;
use lsp_types::{
    CompletionOptions, HoverProviderCapability, OneOf, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};

/// What the server can do, as announced in its `initialize` answer.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Runs the language server on stdin and stdout until the client asks it to exit;
/// returns the process exit code.
pub fn run() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let caps = match serde_json::to_value(capabilities()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::driver::EXIT_USAGE;
        }
    };
    if let Err(e) = connection.initialize(caps) {
        eprintln!("error: the client did not initialize the session: {e}");
        return crate::driver::EXIT_USAGE;
    }
    let result = server::Server::new(&connection).run();
    drop(connection);
    let joined = io_threads.join();
    match result.and(joined.map_err(|e| e.to_string())) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            crate::driver::EXIT_USAGE
        }
    }
}
