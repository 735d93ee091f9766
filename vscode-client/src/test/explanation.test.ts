/** "Explain function": the server's answer is checked and turned into per-line paint and hovers. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEVELS } from '../common/colour';
import { parseExplanation, planPaint, summary, type Explanation } from '../common/explanation';

const answer = {
  uri: 'file:///w/a.py',
  span: { name: 'add', start_line: 10, end_line: 14 },
  probability: 0.93,
  verdict: 'likely LLM',
  lines: [
    { line: 10, share: 0.5, score: 0.8 },
    { line: 11, share: 0.3, score: -0.2 },
    { line: 12, share: 0.2, score: 0.1 },
    { line: 13, share: 0, score: 0 },
    { line: 99, share: 0.4, score: 1 },
  ],
  tokens: [
    { text: 'return', line: 12, score: 0.05 },
    { text: '`x`', line: 12, score: -0.4 },
    { text: 'def', line: 10, score: 0.3 },
  ],
  delta: -0.012,
};

function parsed(raw: unknown = answer): Explanation {
  const e = parseExplanation(raw);
  assert.ok(typeof e !== 'string', typeof e === 'string' ? e : '');
  return e;
}

describe('parseExplanation', () => {
  test('accepts the documented shape', () => {
    const e = parsed();
    assert.equal(e.span.name, 'add');
    assert.equal(e.lines.length, 5);
    assert.equal(e.tokens.length, 3);
  });

  test('null means no function at the cursor', () => {
    const e = parseExplanation(null);
    assert.ok(typeof e === 'string' && /no function at the cursor/.test(e));
  });

  test('a malformed answer gives a sentence, not an exception', () => {
    assert.equal(typeof parseExplanation({ span: {} }), 'string');
    assert.equal(typeof parseExplanation([1, 2]), 'string');
    assert.equal(typeof parseExplanation({ ...answer, probability: 'high' }), 'string');
  });

  test('malformed lines and tokens are dropped; a missing delta is NaN', () => {
    const e = parsed({ ...answer, lines: [{ line: 10, share: 1, score: 1 }, { line: 'x' }], tokens: 'none', delta: undefined });
    assert.equal(e.lines.length, 1);
    assert.equal(e.tokens.length, 0);
    assert.ok(Number.isNaN(e.delta));
  });
});

describe('planPaint', () => {
  test('paints the lines of the span with a share, in order; other lines are not painted', () => {
    assert.deepEqual(
      planPaint(parsed()).map((p) => p.line),
      [10, 11, 12],
    );
  });

  test('the largest share is the strongest; strength follows share', () => {
    const [first, second, third] = planPaint(parsed());
    assert.equal(first.level, LEVELS);
    assert.ok(first.level > second.level && second.level > third.level);
    assert.ok(first.colour.a > second.colour.a && second.colour.a > third.colour.a);
  });

  test('direction follows the sign of the score', () => {
    assert.deepEqual(
      planPaint(parsed()).map((p) => p.direction),
      ['llm', 'human', 'llm'],
    );
  });

  test('the hover gives the function, the line share, the strongest tokens and the legend', () => {
    const third = planPaint(parsed())[2];
    assert.match(third.hover, /`add` is 93% likely LLM-written/);
    assert.match(third.hover, /Line 13 carries 20\.0% of the evidence, pushing toward LLM \(score \+0\.10\)/);
    // strongest first; a backtick inside a token cannot break the code span
    assert.match(third.hover, /Strongest tokens here: ` ʼxʼ ` −0\.40, ` return ` \+0\.05/);
    assert.match(third.hover, /Orange lines push toward LLM-written, blue lines toward human-written/);
  });
});

describe('summary', () => {
  test('names the function, the probability, the verdict and the completeness gap', () => {
    assert.equal(summary(parsed()), 'add: 93% likely LLM-written (likely LLM); attribution completeness gap 0.012');
  });
});
