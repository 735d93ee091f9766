/** The server's "Explain this function" code action, run in VS Code as the painting client command. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainActionTarget } from '../common/commands';

describe('explainActionTarget', () => {
  test("reads the server's explain arguments", () => {
    assert.deepEqual(
      explainActionTarget('codeorigin.explain', ['file:///w/a.py', { line: 12, character: 4 }, { notify: true }]),
      { uri: 'file:///w/a.py', line: 12, character: 4 },
    );
  });

  test('leaves other commands and malformed arguments alone', () => {
    assert.equal(explainActionTarget('codeorigin.rescoreDocument', ['file:///w/a.py']), undefined);
    assert.equal(explainActionTarget('codeorigin.explain', undefined), undefined);
    assert.equal(explainActionTarget('codeorigin.explain', ['file:///w/a.py']), undefined);
    assert.equal(explainActionTarget('codeorigin.explain', ['file:///w/a.py', { line: '1', character: 0 }]), undefined);
    assert.equal(explainActionTarget('codeorigin.explain', [7, { line: 1, character: 0 }]), undefined);
  });
});
