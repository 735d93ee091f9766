/**
 * Integration test: the packaged bundle (dist/extension.js) activates under a stand-in `vscode`
 * module, starts a real server process (fake-server.js, speaking LSP over stdio) through
 * vscode-languageclient, and the user-visible behaviour holds: the settings object the server
 * receives, live setting changes (a bad value shown once), the status bar (and why a file has no
 * score), Explain Function's paint from the command, the code lens and the code action, the status
 * quick pick, no command-id clash with the server's commands, the install hint when the import
 * fails, and the Python extension left alone when codeorigin.interpreter is set.
 *
 * Run with `npm run test:integration` (after `npm run bundle`).
 */
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { test } = require('node:test');
const { createMock, fakePythonExtension, Position, Uri } = require('./vscode-mock');

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

/** A fresh extension on a mock made with `options`, activated, and deactivated when test `t` ends. */
async function activated(t, options) {
  const mock = createMock({ root, ...options });
  const extension = loadExtension(mock.vscode);
  const ctx = context();
  t.after(async () => {
    await extension.deactivate();
    ctx.subscriptions.forEach((d) => d.dispose());
  });
  await extension.activate(ctx);
  return { mock, extension, ctx };
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
  const python = fakePythonExtension(['/not/this/python']);
  const { mock } = await activated(t, {
    workspaceFolder: dir,
    settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer], 'codeorigin.minLines': 6 },
    pythonExtension: python,
  });
  const log = () => readLog(logFile);
  const initialize = await until('initialize', () => log().received.find((m) => m.method === 'initialize'));

  // The server is started as <interpreter> -m codeorigin serve, after an import check of the
  // server module and its dependencies (not just the package, whose __init__ imports nothing).
  assert.deepEqual(log().argv, ['-m', 'codeorigin', 'serve']);
  assert.deepEqual(JSON.parse(fs.readFileSync(`${logFile}.check`, 'utf8')), ['-c', 'import codeorigin.lsp.server, onnxruntime']);
  // With codeorigin.interpreter set, the Python extension is neither asked nor activated.
  assert.equal(python.activated, false, 'the Python extension was activated');
  assert.equal(python.listening, false);
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
  // ...and in a warning naming the setting, the value and the default used.
  const loud = () => mock.record.messages.filter((m) => m.level === 'warning' && /codeorigin\.severity is "loud"/.test(m.message));
  assert.equal(loud().length, 1);
  assert.match(loud()[0].message, /^codeorigin\.severity is "loud"; it should be one of .*Using the default "information"/);
  assert.deepEqual(loud()[0].items, ['Open Settings']);

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

  // A code lens and the code action run Explain Function too, and paint the same way.
  const token = new mock.vscode.CancellationTokenSource().token;
  const explains = () => log().received.filter((m) => m.method === 'workspace/executeCommand' && m.params.command === 'codeorigin.explain');
  const [lens] = await mock.record.codeLensProviders[0].provideCodeLenses(editor.document, token);
  assert.equal(lens.command.command, 'codeorigin.client.explainFunction');
  assert.equal(lens.command.title, '91% LLM-generated');
  assert.ok(lens.command.arguments[0] instanceof Uri && lens.command.arguments[1] instanceof Position);
  await mock.vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
  assert.deepEqual(explains().at(-1).params.arguments, [editor.document.uri.toString(), { line: 0, character: 4 }]);
  assert.deepEqual(painted().map((l) => l.line).sort(), [0, 1, 2]);
  mock.editDocument(editor.document);
  const range = new mock.vscode.Range(0, 4, 0, 4);
  const [action] = await mock.record.codeActionProviders[0].provideCodeActions(editor.document, range, { diagnostics: [], triggerKind: 1 }, token);
  assert.equal(action.command.command, 'codeorigin.client.explainFunction');
  await mock.vscode.commands.executeCommand(action.command.command, ...action.command.arguments);
  assert.equal(explains().length, 3);
  assert.deepEqual(painted().map((l) => l.line).sort(), [0, 1, 2]);
  mock.editDocument(editor.document);

  // The status bar says why a file has no score: the model failed to load (the status's error),
  // scoring is off, or its language is left out; it is a dash only when nothing is flagged.
  mock.setSettings({ 'codeorigin.modelPath': '/missing/model' });
  await until('the status bar warning', () => item.text === '$(warning) codeorigin');
  assert.match(item.tooltip, /cannot load the model in \/missing\/model: manifest\.json is missing/);
  mock.setSettings({ 'codeorigin.modelPath': '' });
  await until('the status bar back to the probability', () => item.text === '$(hubot) 91% · fake-model');
  mock.setSettings({ 'codeorigin.enable': false });
  await until('the status bar off', () => item.text === '$(hubot) codeorigin: off');
  assert.match(item.tooltip, /codeorigin\.enable is false/);
  // Explain Function there says why as information, not as an error.
  await until('the server has enable false', () => log().received.some((m) => Array.isArray(m.result) && m.result[0]?.enable === false));
  const beforeOff = mock.record.messages.length;
  await mock.vscode.commands.executeCommand('codeorigin.client.explainFunction');
  assert.deepEqual(mock.record.messages.slice(beforeOff).map((m) => [m.level, m.message]), [
    ['info', 'codeorigin does not score this document: codeorigin.enable is false.'],
  ]);
  mock.setSettings({ 'codeorigin.enable': true, 'codeorigin.languages': ['go'] });
  await until('the status bar "not judged"', () => item.text === '$(hubot) not judged');
  mock.setSettings({ 'codeorigin.languages': undefined });
  await until('the status bar back to the probability', () => item.text === '$(hubot) 91% · fake-model');
  // The bad severity was read at each of those changes, and shown once.
  assert.equal(loud().length, 1);

  // Rescore Selection sends [uri, range].
  editor.selection = new mock.vscode.Selection(new Position(0, 0), new Position(2, 0));
  await mock.vscode.commands.executeCommand('codeorigin.client.rescoreSelection');
  const rescore = log().received.find((m) => m.method === 'workspace/executeCommand' && m.params.command === 'codeorigin.rescoreSelection');
  assert.deepEqual(rescore.params.arguments, [editor.document.uri.toString(), { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }]);

  // Rescore Document sends [uri] and says what the server scored again, by verdict.
  const beforeRescore = mock.record.messages.length;
  await mock.vscode.commands.executeCommand('codeorigin.client.rescoreDocument');
  const rescored = log().received.find((m) => m.method === 'workspace/executeCommand' && m.params.command === 'codeorigin.rescoreDocument');
  assert.deepEqual(rescored.params.arguments, [editor.document.uri.toString()]);
  assert.deepEqual(mock.record.messages.slice(beforeRescore).map((m) => [m.level, m.message]), [
    ['info', 'codeorigin: scored 3 functions and the module-level code again: 2 likely LLM-generated, 1 not flagged, 1 too short to judge.'],
  ]);

  // Show Status: codeorigin.status with [uri], flattened into a quick pick.
  await mock.vscode.commands.executeCommand('codeorigin.client.showStatus');
  const pick = mock.record.quickPicks.at(-1);
  assert.ok(pick.items.some((i) => i.label === 'model.name' && i.description === 'fake-model'));

  // A function the server does not explain (a language the model does not judge): information,
  // in the server's words, without "codeorigin: codeorigin".
  mock.openEditor(path.join(dir, 'b.go'), 'go', 'package main\n\nfunc main() {\n}\n', new Position(2, 5));
  const before = mock.record.messages.length;
  await mock.vscode.commands.executeCommand('codeorigin.client.explainFunction');
  const shown = mock.record.messages.slice(before).filter((m) => m.level !== 'status');
  assert.deepEqual(shown.map((m) => [m.level, m.message]), [
    ['info', 'codeorigin does not explain main: the model does not judge go: no training data.'],
  ]);
  // ...and the status bar says so for that file, with the server's reason (its status's document).
  await until('the status bar "not judged" for Go', () => item.text === '$(hubot) not judged');
  assert.match(item.tooltip, /the model does not judge go: no training data/);
});

test('with a dependency of codeorigin missing, names it and offers the same install', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  process.env.FAKE_LOG = path.join(dir, 'server.json');
  process.env.FAKE_IMPORT_FAILS = 'pygls';
  t.after(() => delete process.env.FAKE_IMPORT_FAILS);
  const mock = createMock({ root, workspaceFolder: dir, settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer] } });
  const extension = loadExtension(mock.vscode);
  const ctx = context();
  await extension.activate(ctx);
  const errors = mock.record.messages.filter((m) => m.level === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0].message, /dependency "pygls" is not installed .*No module named 'pygls'/);
  const expected = `${process.execPath} ${fakeServer} -m pip install ${path.dirname(root)}`;
  assert.ok(errors[0].message.endsWith(`Install it with: ${expected}`), errors[0].message);
  assert.deepEqual(errors[0].items, ['Install in Terminal', 'Copy Command', 'Open Settings']);
  assert.ok(!fs.existsSync(process.env.FAKE_LOG), 'the server was not started');
  await extension.deactivate();
  ctx.subscriptions.forEach((d) => d.dispose());
});

test('without codeorigin.interpreter, the Python extension gives the interpreter and is followed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  const logFile = path.join(dir, 'server.json');
  process.env.FAKE_LOG = logFile;
  delete process.env.FAKE_IMPORT_FAILS;
  const python = fakePythonExtension([process.execPath, fakeServer]);
  await activated(t, { workspaceFolder: dir, pythonExtension: python });
  await until('initialize', () => readLog(logFile).received.find((m) => m.method === 'initialize'));
  assert.deepEqual(readLog(logFile).argv, ['-m', 'codeorigin', 'serve']);
  await until('the listener on its interpreter changes', () => python.listening);
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

  // With a file open, the commands say the server is not running and offer to restart it (not
  // "open a file and start the server", when the file is open and there is no start command).
  mock.openEditor(path.join(dir, 'a.py'), 'python', 'def add(a, b):\n    return a + b\n', new Position(1, 4));
  const before = mock.record.messages.length;
  for (const command of ['rescoreDocument', 'rescoreSelection', 'explainFunction', 'showStatus']) {
    await mock.vscode.commands.executeCommand(`codeorigin.client.${command}`);
  }
  const shown = mock.record.messages.slice(before);
  assert.equal(shown.length, 4, JSON.stringify(shown));
  for (const message of shown) {
    assert.equal(message.level, 'warning');
    assert.equal(
      message.message,
      'codeorigin: the server is not running (the "codeorigin" output channel says why). Fix what it says, then run "codeorigin: Restart Server".',
    );
    assert.deepEqual(message.items, ['Restart Server', 'Show Output']);
  }
  await extension.deactivate();
  ctx.subscriptions.forEach((d) => d.dispose());
});

test('a server that ends before it starts gets one message, and is not restarted in a loop', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  const logFile = path.join(dir, 'server.json');
  // In its own process: vscode-languageclient leaves promise rejections unhandled when a start
  // fails ("Client is not running and can't be stopped"), which VS Code's extension host logs and
  // node:test would count as a failure of this test.
  const run = spawnSync(process.execPath, [path.join(__dirname, 'start-failure.js'), dir], {
    env: { ...process.env, FAKE_LOG: logFile, FAKE_EXIT_AT_START: '1', FAKE_IMPORT_FAILS: '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const { messages, output } = JSON.parse(run.stdout);
  const starts = fs.readFileSync(`${logFile}.starts`, 'utf8').trim().split('\n');
  assert.equal(starts.length, 1, 'the server was started again');
  // vscode-languageclient's own notice of the failed start, and ours: no "Restarting server
  // failed", "connection to server is erroring" or a bare "write EPIPE" (22 pop-ups before).
  assert.deepEqual(messages.map((m) => [m.level, m.message]), [
    ['error', "codeorigin client: couldn't create connection to server."],
    ['error', 'codeorigin: the server did not start. The "codeorigin" output channel says why.'],
  ]);
  assert.ok(output.some((line) => line.includes('RuntimeError: the server cannot start')), 'its stderr is in the output channel');
});

test('files that codeorigin.extensions maps are sent to the server whatever their VS Code language', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
  const logFile = path.join(dir, 'server.json');
  process.env.FAKE_LOG = logFile;
  delete process.env.FAKE_IMPORT_FAILS;
  const { mock } = await activated(t, {
    workspaceFolder: dir,
    settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer], 'codeorigin.extensions': { '.cu': 'cpp' } },
  });
  const log = () => readLog(logFile);
  await until('initialize', () => log().received.find((m) => m.method === 'initialize'));
  // VS Code calls a .cu file cuda-cpp: the server reads it as C++, as the setting says.
  mock.openEditor(path.join(dir, 'kernel.cu'), 'cuda-cpp', 'int add(int a, int b) {\n  return a + b;\n}\n');
  const opened = await until('didOpen of the .cu file', () => log().received.find((m) => m.method === 'textDocument/didOpen'));
  assert.equal(opened.params.textDocument.languageId, 'cuda-cpp');
  const item = mock.record.statusBarItems[0];
  await until('the status bar with its probability', () => item.visible && item.text === '$(hubot) 91% · fake-model');
  // The commands are offered there (package.json's `resourceExtname in codeorigin.mappedExtensions`).
  assert.deepEqual(mock.record.contextKeys.get('codeorigin.mappedExtensions'), ['.cu']);

  // A file of an extension it does not map is not sent; mapping it restarts the server, which is
  // then sent the file.
  mock.openEditor(path.join(dir, 'kernel.tpp'), 'plaintext', 'int sub(int a, int b) {\n  return a - b;\n}\n');
  await new Promise((r) => setTimeout(r, 300));
  const opens = () => log().received.filter((m) => m.method === 'textDocument/didOpen').map((m) => path.basename(m.params.textDocument.uri));
  assert.deepEqual(opens(), ['kernel.cu']);
  mock.setSettings({ 'codeorigin.extensions': { '.cu': 'cpp', tpp: 'c++' } });
  await until('the .tpp file sent to the restarted server', () => opens().includes('kernel.tpp'));
  assert.deepEqual(mock.record.contextKeys.get('codeorigin.mappedExtensions'), ['.cu', '.tpp']);
  assert.ok(mock.record.output.some((line) => /codeorigin\.extensions changed: restarting the server/.test(line)));
});

test('after codeorigin is installed, the install message restarts the server from its button', async (t) => {
  for (const [fromCheckout, pick] of [[false, 'Restart Server'], [true, 'Copy Command']]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeorigin-it-'));
    const logFile = path.join(dir, 'server.json');
    process.env.FAKE_LOG = logFile;
    process.env.FAKE_IMPORT_FAILS = '1';
    t.after(() => delete process.env.FAKE_IMPORT_FAILS);
    // The user installs codeorigin while the message is up, then picks `pick` (and, after Copy
    // Command, Restart Server in the message that follows).
    const answer = (message, items) => {
      if (items.includes(pick)) {
        delete process.env.FAKE_IMPORT_FAILS;
        return pick;
      }
      return items.includes('Restart Server') ? 'Restart Server' : undefined;
    };
    const mock = createMock({ root, workspaceFolder: dir, settingsOverrides: { 'codeorigin.interpreter': [process.execPath, fakeServer] }, answer });
    const extension = loadExtension(mock.vscode);
    // An installed .vsix has no checkout above it: no install command to offer.
    const ctx = { ...context(), extensionPath: fromCheckout ? root : dir };
    await extension.activate(ctx);
    const [error] = mock.record.messages;
    assert.deepEqual(error.items, fromCheckout ? ['Install in Terminal', 'Copy Command', 'Open Settings'] : ['Restart Server', 'Open Settings']);
    await until('the server started', () => readLog(logFile).received.find((m) => m.method === 'initialize'));
    if (fromCheckout) {
      assert.deepEqual(mock.record.messages[1], { level: 'info', message: 'codeorigin: when the install has finished, restart the server.', items: ['Restart Server'] });
    }
    await extension.deactivate();
    ctx.subscriptions.forEach((d) => d.dispose());
  }
});
