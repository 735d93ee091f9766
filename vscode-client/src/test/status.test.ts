/** The status bar: highest codeorigin probability in the document, and the flattened server status. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  errorFromStatus,
  flattenStatus,
  highestProbability,
  modelNameFromStatus,
  scoringBySettings,
  scoringFromStatus,
  statusBarContent,
} from '../common/status';
import { SUPPORTED_LANGUAGES } from '../common/settings';

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

  test("a model error from codeorigin.status is a warning quoting it, not a healthy dash", () => {
    const error = 'cannot load the model in /models/x: manifest.json is missing';
    const content = statusBarContent(undefined, undefined, 'running', { error, enabled: true });
    assert.equal(content.text, '$(warning) codeorigin');
    assert.ok(content.tooltip.includes(error), content.tooltip);
    assert.doesNotMatch(content.tooltip, /No function in this file is flagged/);
  });

  test('scoring turned off (codeorigin.enable false) is "off", not a dash', () => {
    const content = statusBarContent(undefined, 'tiny', 'running', { enabled: false });
    assert.equal(content.text, '$(hubot) codeorigin: off');
    assert.match(content.tooltip, /codeorigin\.enable is false/);
  });

  test('a language left out of codeorigin.languages is "not judged", not a dash', () => {
    const content = statusBarContent(undefined, 'tiny', 'running', { enabled: true, excludedLanguage: 'go' });
    assert.equal(content.text, '$(hubot) not judged');
    assert.match(content.tooltip, /its language \(go\) is not in codeorigin\.languages/);
    // ...but a score the server did publish is shown.
    assert.equal(
      statusBarContent({ probability: 0.5, model: 'tiny' }, 'tiny', 'running', { excludedLanguage: 'go' }).text,
      '$(hubot) 50% · tiny',
    );
  });

  test('a language the model does not judge is "not judged" with the reason, not a dash', () => {
    const notJudged = 'the model does not judge go: recall under 30% at a 1% false-positive rate';
    const content = statusBarContent(undefined, 'tiny', 'running', { enabled: true, notJudged });
    assert.equal(content.text, '$(hubot) not judged');
    assert.ok(content.tooltip.includes(notJudged), content.tooltip);
  });

  test('a file the server skips (generated, binary, too large) is "not scored", with why', () => {
    const content = statusBarContent(undefined, 'tiny', 'running', { notScored: 'it is larger than codeorigin.maxFileBytes' });
    assert.equal(content.text, '$(hubot) not scored');
    assert.match(content.tooltip, /maxFileBytes/);
  });

  test('a document that is scored without an error still shows the dash', () => {
    const content = statusBarContent(undefined, 'tiny', 'running', { enabled: true });
    assert.equal(content.text, '$(hubot) — · tiny');
    assert.match(content.tooltip, /No function in this file is flagged/);
  });
});

describe('scoringBySettings', () => {
  const all = [...SUPPORTED_LANGUAGES];

  test('reads codeorigin.enable and whether codeorigin.languages covers the language', () => {
    assert.deepEqual(scoringBySettings({ enable: true, languages: all }, 'go'), { enabled: true });
    assert.deepEqual(scoringBySettings({ enable: false, languages: all }, 'go'), { enabled: false });
    assert.deepEqual(scoringBySettings({ enable: true, languages: ['python'] }, 'go'), {
      enabled: true,
      excludedLanguage: 'go',
    });
  });

  test('an empty list is every language, as the server reads it', () => {
    assert.deepEqual(scoringBySettings({ enable: true, languages: [] }, 'rust'), { enabled: true });
  });
});

describe('server status', () => {
  const status = { model: { name: 'codeorigin-small', threshold: 0.6 }, documents: 3, languages: ['python'] };

  test('the error is read from error', () => {
    assert.equal(errorFromStatus({ ...status, error: 'no model: /x does not exist' }), 'no model: /x does not exist');
    assert.equal(errorFromStatus({ ...status, error: null }), undefined);
    assert.equal(errorFromStatus({ ...status, error: '' }), undefined);
    assert.equal(errorFromStatus(status), undefined);
    assert.equal(errorFromStatus(null), undefined);
  });

  test("the document's state is read from document", () => {
    const document = { language: 'go', skipped: null, reason: null, not_judged: 'the model does not judge go' };
    assert.deepEqual(scoringFromStatus({ ...status, document }), { notJudged: 'the model does not judge go' });
    assert.deepEqual(scoringFromStatus({ ...status, document: { ...document, not_judged: null } }), {});
    const excluded = { language: 'python', skipped: 'excluded', reason: 'excluded by .codeorigin.toml: fixtures/', not_judged: null };
    assert.equal(scoringFromStatus({ ...status, document: excluded }).notScored, 'excluded by .codeorigin.toml: fixtures/');
    assert.match(scoringFromStatus({ ...status, document: { ...excluded, reason: null } }).notScored ?? '', /settings file/);
    const generated = { language: null, skipped: 'generated', reason: 'a DO NOT EDIT header', not_judged: null };
    assert.match(scoringFromStatus({ ...status, document: generated }).notScored ?? '', /generated.*DO NOT EDIT header/);
    assert.match(scoringFromStatus({ document: { skipped: 'too-large' } }).notScored ?? '', /maxFileBytes/);
    // The server's own sentence, once: not "larger than maxFileBytes: it has ... bytes, more than".
    const large = { skipped: 'too-large', reason: 'it has 2,000 bytes, more than codeorigin.maxFileBytes (1,000)' };
    assert.equal(scoringFromStatus({ document: large }).notScored, large.reason);
    // States the settings or the error already tell, and answers without a document, add nothing.
    assert.deepEqual(scoringFromStatus({ document: { skipped: 'disabled' } }), {});
    assert.deepEqual(scoringFromStatus({ document: { skipped: 'model', reason: 'no model' } }), {});
    assert.deepEqual(scoringFromStatus({ ...status, document: null }), {});
    assert.deepEqual(scoringFromStatus(status), {});
    assert.deepEqual(scoringFromStatus(null), {});
  });

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
