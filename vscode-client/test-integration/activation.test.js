/**
 * Integration test: the packaged bundle (dist/extension.js) activates under a stand-in `vscode`
 * module, starts a real server process (fake-server.js, speaking LSP over stdio) through
 * vscode-languageclient, and the user-visible behaviour holds: the settings object the server
 * receives, live setting changes, the status bar, Explain Function's paint, the status quick pick,
 * no command-id clash with the server's commands, and the install hint when the import fails.
 *
 * Run with `npm run test:integration` (after `npm run bundle`).
 */
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { createMock, Position } = require('./vscode-mock');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'extension.js');
const fakeServer = path.join(__dirname, 'fake-server.js');

/** Loads a fresh copy of the bundle with `require('vscode')` answered by the mock. */
function loadExtension(vscode) {
  const originalLoad = Module._load;
  Module._load = function load(request, ...rest) {
    return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve(bundle)];
    return require(bundle);
  } finally {
    Module._load = originalLoad;
  }
}

function context() {
  return { subscriptions: [], extensionPath: root, extensionUri: undefined, globalState: { get() {}, update: async () => {} }, workspaceState: { get() {}, update: async () => {} } };
}

async function until(what, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = predicate();
    if (value) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function readLog(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { received: [] };
  }
}

// What the extension sends with nothing configured: the defaults package.json declares (written
// from the server's typed settings), without the extension's own settings.
const CLIENT_ONLY = ['codeorigin.interpreter', 'codeorigin.trace.server'];
const EXPECTED_DEFAULTS = Object.fromEntries(
  Object.entries(
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.configuration
      .properties,
  )
    .filter(([key]) => !CLIENT_ONLY.includes(key))
    .map(([key, property]) => [key.slice('codeorigin.'.length), property.default]),
);

test('activates, talks to the server, and shows what it says', async (t) => {
  assert.ok(fs.existsSync(bundle), 'run `npm run bundle` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  const logFile = path.join(dir, 'server.json');
  process.env.FAKE_LOG = logFile;
  delete process.env.FAKE_IMPORT_FAILS;
  const mock = createMock({
    root,
    workspaceFolder: dir,
    settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer], 'codeorigin.minLines': 6 },
  });
  const extension = loadExtension(mock.vscode);
  const ctx = context();
  t.after(async () => {
    await extension.deactivate();
    ctx.subscriptions.forEach((d) => d.dispose());
  });

  await extension.activate(ctx);
  const log = () => readLog(logFile);
  const initialize = await until('initialize', () => log().received.find((m) => m.method === 'initialize'));

  // The server is started as <interpreter> -m codeorigin serve.
  assert.deepEqual(log().argv, ['-m', 'codeorigin', 'serve']);
  // initializationOptions: every server key without the prefix, no client-only keys.
  assert.deepEqual(initialize.params.initializationOptions, { ...EXPECTED_DEFAULTS, minLines: 6 });

  // The answer to workspace/configuration for section codeorigin is the same object.
  const answer = await until('configuration answer', () => log().received.find((m) => m.id === 1000 && m.result));
  assert.deepEqual(answer.result, [{ ...EXPECTED_DEFAULTS, minLines: 6 }]);

  // Server commands were registered by the client next to ours, without a clash.
  const ids = [...mock.record.commands.keys()];
  for (const id of ['codeorigin.rescoreSelection', 'codeorigin.explain', 'codeorigin.client.rescoreSelection', 'codeorigin.client.explainFunction']) {
    assert.ok(ids.includes(id), `${id} is not registered`);
  }

  // A live change is pushed (normalised, same keys) and answered when the server pulls again.
  mock.setSettings({ 'codeorigin.threshold': 0.9, 'codeorigin.severity': 'loud' });
  const pushed = await until('didChangeConfiguration', () => log().received.find((m) => m.method === 'workspace/didChangeConfiguration' && m.params.settings.codeorigin.threshold === 0.9));
  assert.deepEqual(pushed.params.settings, { codeorigin: { ...EXPECTED_DEFAULTS, minLines: 6, threshold: 0.9 } });
  assert.ok(mock.record.output.some((line) => /codeorigin\.severity is "loud"/.test(line)), 'bad value reported in the output channel');

  // Opening a file: the server's diagnostics drive the status bar (max probability, model name).
  const file = path.join(dir, 'a.py');
  const editor = mock.openEditor(file, 'python', 'def add(a, b):\n    total = a + b\n    return total\n', new Position(1, 4));
  await until('didOpen', () => log().received.find((m) => m.method === 'textDocument/didOpen'));
  const item = mock.record.statusBarItems[0];
  await until('status bar with the highest probability', () => item.visible && item.text.includes('91%'));
  assert.equal(item.text, '$(hubot) 91% · fake-model');
  assert.equal(item.command, 'codeorigin.client.showStatus');

  // Explain Function: codeorigin.explain with [uri, position], then the lines are painted.
  await mock.vscode.commands.executeCommand('codeorigin.client.explainFunction');
  const explain = log().received.find((m) => m.method === 'workspace/executeCommand' && m.params.command === 'codeorigin.explain');
  assert.deepEqual(explain.params.arguments, [editor.document.uri.toString(), { line: 1, character: 4 }]);
  const painted = () => [...mock.record.decorations.values()].flatMap((d) => d.options.map((o) => ({ line: o.range.start.line, colour: d.type.options.backgroundColor, hover: o.hoverMessage.value })));
  const lines = painted().sort((a, b) => a.line - b.line);
  assert.deepEqual(lines.map((l) => l.line), [0, 1, 2]);
  assert.match(lines[1].colour, /^rgba\(255, 140, 0, 0\.450\)$/); // strongest line, toward LLM
  assert.match(lines[2].colour, /^rgba\(64, 160, 255, /); // toward human
  assert.match(lines[1].hover, /Line 2 carries 70\.0% of the evidence/);
  // ...and the paint goes at the next edit.
  mock.editDocument(editor.document);
  assert.deepEqual(painted(), []);

  // Rescore Selection sends [uri, range].
  editor.selection = new mock.vscode.Selection(new Position(0, 0), new Position(2, 0));
  await mock.vscode.commands.executeCommand('codeorigin.client.rescoreSelection');
  const rescore = log().received.find((m) => m.method === 'workspace/executeCommand' && m.params.command === 'codeorigin.rescoreSelection');
  assert.deepEqual(rescore.params.arguments, [editor.document.uri.toString(), { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }]);

  // Show Status: codeorigin.status with [uri], flattened into a quick pick.
  await mock.vscode.commands.executeCommand('codeorigin.client.showStatus');
  const pick = mock.record.quickPicks.at(-1);
  assert.ok(pick.items.some((i) => i.label === 'model.name' && i.description === 'fake-model'));
});

test('without codeorigin installed, says which command installs it and does not start', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  process.env.FAKE_LOG = path.join(dir, 'server.json');
  process.env.FAKE_IMPORT_FAILS = '1';
  t.after(() => delete process.env.FAKE_IMPORT_FAILS);
  const mock = createMock({ root, workspaceFolder: dir, settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer] } });
  const extension = loadExtension(mock.vscode);
  const ctx = context();
  await extension.activate(ctx);
  const error = mock.record.messages.find((m) => m.level === 'error');
  assert.ok(error, 'an error message is shown');
  // Run from the repository checkout, the hint installs that checkout.
  const expected = `${process.execPath} ${fakeServer} -m pip install ${path.dirname(root)}`;
  assert.ok(error.message.endsWith(`Install it with: ${expected}`), error.message);
  assert.deepEqual(error.items, ['Install in Terminal', 'Copy Command', 'Open Settings']);
  assert.ok(!fs.existsSync(process.env.FAKE_LOG), 'the server was not started');
  assert.equal(mock.record.statusBarItems[0].visible, false); // no supported file is open
  await extension.deactivate();
  ctx.subscriptions.forEach((d) => d.dispose());
});
