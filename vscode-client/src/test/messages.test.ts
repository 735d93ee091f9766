/** Notifications: "codeorigin: " once, and an explanation the server declines is information. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainFailureNotice, prefixed, rescoreSummary, serverUnavailable } from '../common/messages';

describe('prefixed', () => {
  test('adds "codeorigin: " once', () => {
    assert.equal(prefixed('rescoring failed'), 'codeorigin: rescoring failed');
    assert.equal(prefixed('codeorigin cannot explain: no model.'), 'codeorigin cannot explain: no model.');
    assert.equal(prefixed('codeorigin: the server did not start'), 'codeorigin: the server did not start');
  });
});

describe('explainFailureNotice', () => {
  test("a function the server does not explain is information, without a doubled prefix", () => {
    // The server's answer for a language the model does not judge (lsp/features/explain.py).
    const message = 'codeorigin does not explain f: the model does not judge go: too little training data.';
    const notice = explainFailureNotice(message);
    assert.equal(notice.level, 'information');
    assert.equal(notice.text, message);
    assert.doesNotMatch(notice.text, /codeorigin: codeorigin/);
  });

  test('a document the server does not score is information too', () => {
    // The server's answer for Explain Function with codeorigin.enable false (lsp/features/explain.py).
    const message = 'codeorigin does not score this document: codeorigin.enable is false.';
    assert.deepEqual(explainFailureNotice(message), { level: 'information', text: message });
  });

  test('a real failure stays an error', () => {
    assert.deepEqual(explainFailureNotice('codeorigin cannot explain: no model. The folder /m does not exist'), {
      level: 'error',
      text: 'codeorigin cannot explain: no model. The folder /m does not exist',
    });
    assert.deepEqual(explainFailureNotice('explaining f failed: out of memory'), {
      level: 'error',
      text: 'codeorigin: explaining f failed: out of memory',
    });
  });
});

describe('rescoreSummary', () => {
  const span = (kind: string, verdict: string) => ({ name: 'f', kind, probability: 0.5, verdict });

  test('counts the functions and each verdict, in the server words', () => {
    assert.equal(
      rescoreSummary([span('function', 'llm'), span('method', 'human'), span('function', 'human')]),
      'codeorigin: scored 3 functions again: 1 likely LLM-generated, 2 not flagged.',
    );
    assert.equal(
      rescoreSummary([span('function', 'uncertain'), span('module', 'too_short')]),
      'codeorigin: scored 1 function and the module-level code again: 1 uncertain, 1 too short to judge.',
    );
    assert.equal(
      rescoreSummary([span('module', 'not_judged')]),
      'codeorigin: scored the module-level code again: 1 not judged.',
    );
  });

  test('a file without functions says so; a null answer (the server said why) says nothing', () => {
    assert.equal(rescoreSummary([]), 'codeorigin: scored the file again: it has no functions to judge.');
    assert.equal(rescoreSummary(null), undefined);
  });
});

describe('serverUnavailable', () => {
  test('says whether to wait or to restart, and nothing while the server runs', () => {
    assert.equal(serverUnavailable('running'), undefined);
    assert.match(serverUnavailable('starting') ?? '', /still starting; try again in a moment/);
    for (const state of ['stopped', 'failed'] as const) {
      assert.match(serverUnavailable(state) ?? '', /not running .*output channel.*"codeorigin: Restart Server"/);
    }
  });
});
