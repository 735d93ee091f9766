/**
 * For activation.test.js: activates the bundle under the stand-in `vscode` with fake-server.js as
 * the server, lets the start fail ($FAKE_EXIT_AT_START) and any restarts happen, then prints what
 * the user was shown and the output channel as JSON. Usage: node start-failure.js WORKSPACE_DIR
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { createMock } = require('./vscode-mock');

const root = path.join(__dirname, '..');
// As VS Code's extension host, which logs rejections that vscode-languageclient leaves unhandled.
process.on('unhandledRejection', () => {});

async function main() {
  const mock = createMock({
    root,
    workspaceFolder: process.argv[2],
    settingsOverrides: { 'codeorigin.interpreter': [process.execPath, path.join(__dirname, 'fake-server.js')] },
  });
  const originalLoad = Module._load;
  Module._load = function load(request, ...rest) {
    return request === 'vscode' ? mock.vscode : originalLoad.call(this, request, ...rest);
  };
  const extension = require(path.join(root, 'dist', 'extension.js'));
  Module._load = originalLoad;
  const context = { subscriptions: [], extensionPath: root, globalState: { get() {}, update: async () => {} }, workspaceState: { get() {}, update: async () => {} } };
  await extension.activate(context);
  await new Promise((r) => setTimeout(r, 2000)); // time for restarts, were there any
  process.stdout.write(JSON.stringify({ messages: mock.record.messages, output: mock.record.output }));
  await extension.deactivate();
  context.subscriptions.forEach((d) => d.dispose());
  process.exit(0);
}

void main();
