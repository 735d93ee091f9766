/** Notifications: "codeorigin: " once, and an explanation the server declines is information. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainFailureNotice, prefixed } from '../common/messages';

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
