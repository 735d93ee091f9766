#!/usr/bin/env node
/**
 * A stand-in for `python -m codeorigin serve`, for the extension's integration test: it speaks LSP
 * over stdio, answers like the real server's commands, and records every message it receives in
 * the JSON file named by $FAKE_LOG.
 *
 * Started as `node fake-server.js -m codeorigin serve`; `node fake-server.js -c "import codeorigin"`
 * is the import check, which fails when $FAKE_IMPORT_FAILS is set.
 */
'use strict';
const fs = require('node:fs');

const args = process.argv.slice(2);
if (args[0] === '-c') {
  if (process.env.FAKE_IMPORT_FAILS) {
    process.stderr.write("ModuleNotFoundError: No module named 'codeorigin'\n");
    process.exit(1);
  }
  process.exit(0);
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

function askConfiguration() {
  send({ id: nextId++, method: 'workspace/configuration', params: { items: [{ section: 'codeorigin' }] } });
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
          capabilities: { textDocumentSync: 1, executeCommandProvider: { commands: SERVER_COMMANDS } },
          serverInfo: { name: 'fake-codeorigin' },
        },
      });
    case 'initialized':
    case 'workspace/didChangeConfiguration':
      return askConfiguration();
    case 'textDocument/didOpen':
      return send({
        method: 'textDocument/publishDiagnostics',
        params: {
          uri: params.textDocument.uri,
          diagnostics: [0.62, 0.91].map((probability, i) => ({
            range: { start: { line: i * 3, character: 0 }, end: { line: i * 3 + 2, character: 0 } },
            message: `${Math.round(probability * 100)}% likely LLM-written`,
            source: 'codeorigin',
            code: 'llm-generated',
            severity: 3,
            data: { probability, range: { start: { line: i * 3, character: 0 }, end: { line: i * 3 + 2, character: 0 } }, model: 'fake-model' },
          })),
        },
      });
    case 'workspace/executeCommand':
      if (params.command === 'codeorigin.status') {
        return send({ id, result: { model: { name: 'fake-model', threshold: 0.6 }, counts: { documents: 1 } } });
      }
      if (params.command === 'codeorigin.explain') {
        const [uri] = params.arguments;
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
      return send({ id, result: { command: params.command } });
    case 'shutdown':
      return send({ id, result: null });
    case 'exit':
      return process.exit(0);
    default:
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
