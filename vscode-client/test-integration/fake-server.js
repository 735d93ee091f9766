#!/usr/bin/env node
/**
 * A stand-in for `python -m codeorigin serve`, for the extension's integration test: it speaks LSP
 * over stdio, answers like the real server's commands, and records every message it receives in
 * the JSON file named by $FAKE_LOG.
 *
 * Started as `node fake-server.js -m codeorigin serve`; `node fake-server.js -c "import ..."` is the
 * import check, which fails when $FAKE_IMPORT_FAILS is set (with $FAKE_IMPORT_FAILS as the module
 * Python could not find when it is not "1"). With $FAKE_EXIT_AT_START set, the server ends at once.
 */
'use strict';
const fs = require('node:fs');

const args = process.argv.slice(2);
if (args[0] === '-c') {
  if (process.env.FAKE_LOG) {
    fs.writeFileSync(`${process.env.FAKE_LOG}.check`, JSON.stringify(args));
  }
  if (process.env.FAKE_IMPORT_FAILS) {
    const missing = process.env.FAKE_IMPORT_FAILS === '1' ? 'codeorigin' : process.env.FAKE_IMPORT_FAILS;
    process.stderr.write(`ModuleNotFoundError: No module named '${missing}'\n`);
    process.exit(1);
  }
  process.exit(0);
}

if (process.env.FAKE_EXIT_AT_START) {
  // A server that ends before it answers `initialize` (a broken install): each start is a line.
  fs.appendFileSync(`${process.env.FAKE_LOG}.starts`, `${JSON.stringify(args)}\n`);
  process.stderr.write('Traceback (most recent call last):\nRuntimeError: the server cannot start\n');
  process.exit(3);
}

const log = { argv: args, received: [] };
const save = () => fs.writeFileSync(process.env.FAKE_LOG, JSON.stringify(log, null, 1));
let nextId = 1000;

function send(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

const SERVER_COMMANDS = ['codeorigin.rescoreSelection', 'codeorigin.rescoreDocument', 'codeorigin.status', 'codeorigin.explain'];

// As the real server: the settings it last pulled decide what it publishes. A modelPath of
// MISSING_MODEL is a model that fails to load (no diagnostics, and `error` in the status); a
// document whose language codeorigin.languages leaves out, or any with enable false, gets none;
// Go functions are not judged (the model abstains), so they are not explained.
const MISSING_MODEL = '/missing/model';
let settings = {};
const configurationRequests = new Set();
const documents = new Map(); // uri -> languageId

function askConfiguration() {
  configurationRequests.add(nextId);
  send({ id: nextId++, method: 'workspace/configuration', params: { items: [{ section: 'codeorigin' }] } });
}

function modelError() {
  return settings.modelPath === MISSING_MODEL ? `cannot load the model in ${MISSING_MODEL}: manifest.json is missing` : null;
}

/** As the real server (core/languages.py, for_file): codeorigin.extensions first, then the id. */
function language(uri) {
  const suffix = /\.[^./]+$/.exec(uri)?.[0].toLowerCase();
  const key = Object.keys(settings.extensions ?? {}).find((k) => (k.startsWith('.') ? k : `.${k}`).toLowerCase() === suffix);
  const mapped = key === undefined ? undefined : settings.extensions[key];
  return { 'c++': 'cpp', py: 'python' }[mapped] ?? mapped ?? documents.get(uri);
}

function publish(uri) {
  const languageId = language(uri);
  const languages = settings.languages ?? [];
  const scored =
    !modelError() && settings.enable !== false && languageId !== 'go' && (languages.length === 0 || languages.includes(languageId));
  send({
    method: 'textDocument/publishDiagnostics',
    params: {
      uri,
      diagnostics: (scored ? [0.62, 0.91] : []).map((probability, i) => ({
        range: { start: { line: i * 3, character: 0 }, end: { line: i * 3 + 2, character: 0 } },
        message: `${Math.round(probability * 100)}% likely LLM-written`,
        source: 'codeorigin',
        code: 'llm-generated',
        severity: 3,
        data: { probability, range: { start: { line: i * 3, character: 0 }, end: { line: i * 3 + 2, character: 0 } }, model: 'fake-model' },
      })),
    },
  });
}

/** The server's explain command as its code lenses and code action carry it. */
function explainCommand(uri, title) {
  return { title, command: 'codeorigin.explain', arguments: [uri, { line: 0, character: 4 }, { notify: true }] };
}

function handle(message) {
  log.received.push(message);
  save();
  const { id, method, params } = message;
  switch (method) {
    case 'initialize':
      return send({
        id,
        result: {
          capabilities: {
            textDocumentSync: 1,
            executeCommandProvider: { commands: SERVER_COMMANDS },
            codeLensProvider: { resolveProvider: false },
            codeActionProvider: true,
          },
          serverInfo: { name: 'fake-codeorigin' },
        },
      });
    case 'initialized':
    case 'workspace/didChangeConfiguration':
      return askConfiguration();
    case 'textDocument/didOpen':
      documents.set(params.textDocument.uri, params.textDocument.languageId);
      return publish(params.textDocument.uri);
    case 'textDocument/codeLens':
      return send({
        id,
        result: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, command: explainCommand(params.textDocument.uri, '91% LLM-generated') }],
      });
    case 'textDocument/codeAction':
      return send({
        id,
        result: [{ title: 'Explain this function', kind: 'quickfix', command: explainCommand(params.textDocument.uri, 'Explain this function') }],
      });
    case 'workspace/executeCommand':
      if (params.command === 'codeorigin.status') {
        // With a document, the real server says why it has no verdicts (lsp/features/commands.py).
        const [uri] = params.arguments ?? [];
        const languageId = documents.get(uri);
        const document =
          uri === undefined
            ? undefined
            : languageId === undefined
              ? null
              : { language: languageId, skipped: null, reason: null, not_judged: languageId === 'go' ? 'the model does not judge go: no training data' : null };
        return send({ id, result: { model: { name: 'fake-model', threshold: 0.6 }, counts: { documents: 1 }, error: modelError(), ...(document === undefined ? {} : { document }) } });
      }
      if (params.command === 'codeorigin.explain') {
        const [uri] = params.arguments;
        if (settings.enable === false) {
          // The real server's answer for a document it does not score (lsp/features/explain.py).
          return send({ id, error: { code: -32803, message: 'codeorigin does not score this document: codeorigin.enable is false.' } });
        }
        if (documents.get(uri) === 'go') {
          // The real server's answer for a language the model does not judge (lsp/features/explain.py).
          return send({ id, error: { code: -32803, message: 'codeorigin does not explain main: the model does not judge go: no training data.' } });
        }
        return send({
          id,
          result: {
            uri,
            span: { name: 'add', start_line: 0, end_line: 2 },
            probability: 0.91,
            verdict: 'llm',
            lines: [
              { line: 0, share: 0.2, score: 0.1 },
              { line: 1, share: 0.7, score: 0.9 },
              { line: 2, share: 0.1, score: -0.2 },
            ],
            tokens: [{ text: 'return', line: 1, score: 0.4 }],
            delta: 0.004,
          },
        });
      }
      if (params.command === 'codeorigin.rescoreDocument') {
        // The real server's answer: the document's spans with their verdicts (lsp/features/commands.py).
        const span = (name, kind, probability, verdict) => ({ name, kind, probability, verdict, n_tokens: 20, n_lines: 4 });
        return send({
          id,
          result: [span('add', 'function', 0.91, 'llm'), span('mul', 'method', 0.62, 'llm'), span('sub', 'function', 0.1, 'human'), span('<module>', 'module', 0.2, 'too_short')],
        });
      }
      return send({ id, result: { command: params.command } });
    case 'shutdown':
      return send({ id, result: null });
    case 'exit':
      return process.exit(0);
    default:
      if (id !== undefined && method === undefined && configurationRequests.delete(id) && Array.isArray(message.result)) {
        settings = message.result[0] ?? {};
        return documents.forEach((_, uri) => publish(uri)); // re-scored with the new settings
      }
      if (id !== undefined && method !== undefined) {
        return send({ id, result: null });
      }
  }
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      return;
    }
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
    if (buffer.length < end + 4 + length) {
      return;
    }
    handle(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')));
    buffer = buffer.subarray(end + 4 + length);
  }
});
