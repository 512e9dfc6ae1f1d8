// Starts `weft lsp` for .weft files (the path of `weft` is the `weft.server.path` setting).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("weft").get("server.path", "weft");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "weft",
    "Weft",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "weft" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
