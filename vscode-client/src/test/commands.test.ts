/** The server's "Explain this function" code action, run in VS Code as the painting client command. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainActionTarget, paintingCommand, paintingLenses, type ExplainTarget } from '../common/commands';

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

describe('code lenses', () => {
  const args = (t: ExplainTarget) => [`uri:${t.uri}`, `pos:${t.line}:${t.character}`];
  const explain = {
    title: '91% LLM-generated',
    command: 'codeorigin.explain',
    tooltip: 'Explain this function: the lines that weigh most',
    arguments: ['file:///w/a.py', { line: 3, character: 4 }, { notify: true }],
  };

  test("a lens that runs the server's explain runs Explain Function, which paints", () => {
    const lenses = [{ range: 'r1', command: { ...explain } }];
    const out = paintingLenses(lenses, args);
    assert.deepEqual(out, [
      {
        range: 'r1',
        command: {
          title: '91% LLM-generated',
          command: 'codeorigin.client.explainFunction',
          tooltip: 'Explain this function: the lines that weigh most',
          arguments: ['uri:file:///w/a.py', 'pos:3:4'],
        },
      },
    ]);
  });

  test('other lenses, lenses without a command and no lenses are left alone', () => {
    const other = { range: 'r2', command: { title: 'x', command: 'codeorigin.rescoreDocument', arguments: ['file:///w/a.py'] } };
    const bare: { range: string; command?: typeof explain } = { range: 'r3' };
    assert.deepEqual(paintingLenses([other, bare], args), [other, bare]);
    assert.equal(paintingLenses(undefined, args), undefined);
    assert.equal(paintingLenses(null, args), null);
  });

  test('the code action and the lens get the same command', () => {
    const action = { title: explain.title, command: explain.command, arguments: explain.arguments };
    assert.deepEqual(paintingCommand(action, args), {
      title: explain.title,
      command: 'codeorigin.client.explainFunction',
      arguments: ['uri:file:///w/a.py', 'pos:3:4'],
    });
    assert.equal(paintingCommand({ title: 'x', command: 'other' }, args), undefined);
  });
});
