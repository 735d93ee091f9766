/** The status bar: highest codeorigin probability in the document, and the flattened server status. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flattenStatus, highestProbability, modelNameFromStatus, statusBarContent } from '../common/status';

const diag = (source: string | undefined, data: unknown) => ({ source, data });

describe('highestProbability', () => {
  test('takes the maximum over codeorigin diagnostics only', () => {
    const best = highestProbability([
      diag('codeorigin', { probability: 0.71, model: 'm1' }),
      diag('pylint', { probability: 0.99 }),
      diag('codeorigin', { probability: 0.93, model: 'm1' }),
      diag('codeorigin', { probability: 'high' }),
      diag('codeorigin', undefined),
    ]);
    assert.deepEqual(best, { probability: 0.93, model: 'm1' });
  });

  test('is undefined without codeorigin diagnostics', () => {
    assert.equal(highestProbability([]), undefined);
    assert.equal(highestProbability([diag('eslint', { probability: 1 })]), undefined);
  });
});

describe('statusBarContent', () => {
  test('shows the percentage and the model', () => {
    assert.equal(statusBarContent({ probability: 0.934, model: 'tiny' }, 'other', 'running').text, '$(hubot) 93% · tiny');
  });

  test('shows a dash when nothing is flagged, with the model from the status command', () => {
    assert.equal(statusBarContent(undefined, 'tiny', 'running').text, '$(hubot) — · tiny');
    assert.equal(statusBarContent(undefined, undefined, 'running').text, '$(hubot) —');
  });

  test('says when the server is not running', () => {
    assert.match(statusBarContent(undefined, undefined, 'failed').text, /off/);
    assert.match(statusBarContent(undefined, undefined, 'failed').tooltip, /output channel/);
  });
});

describe('server status', () => {
  const status = { model: { name: 'codeorigin-small', threshold: 0.6 }, documents: 3, languages: ['python'] };

  test('the model name is read from model.name', () => {
    assert.equal(modelNameFromStatus(status), 'codeorigin-small');
    assert.equal(modelNameFromStatus({}), undefined);
    assert.equal(modelNameFromStatus(null), undefined);
  });

  test('flattens nested keys for the quick pick', () => {
    assert.deepEqual(flattenStatus(status), [
      { label: 'model.name', description: 'codeorigin-small' },
      { label: 'model.threshold', description: '0.6' },
      { label: 'documents', description: '3' },
      { label: 'languages', description: '["python"]' },
    ]);
  });
});
