/** The colour scale of "Explain function": share → rgba, monotonic and clamped. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alphaLevel,
  LEVELS,
  levelAlpha,
  MAX_ALPHA,
  MIN_ALPHA,
  shareToAlpha,
  shareToRgba,
  toCss,
  TOWARD_HUMAN,
  TOWARD_LLM,
} from '../common/colour';

describe('shareToAlpha', () => {
  test('is monotonic in the share', () => {
    let previous = -1;
    for (let i = -10; i <= 120; i++) {
      const alpha = shareToAlpha(i / 100, 1);
      assert.ok(alpha >= previous, `alpha fell at share ${i / 100}`);
      previous = alpha;
    }
  });

  test('is clamped to [0, MAX_ALPHA] and zero for no share', () => {
    assert.equal(shareToAlpha(0), 0);
    assert.equal(shareToAlpha(-0.5), 0);
    assert.equal(shareToAlpha(Number.NaN), 0);
    assert.equal(shareToAlpha(5, 1), MAX_ALPHA);
    assert.equal(shareToAlpha(0.5, 0.5), MAX_ALPHA);
    assert.ok(shareToAlpha(1e-9, 1) >= MIN_ALPHA);
  });

  test("is relative to the function's largest share", () => {
    assert.equal(shareToAlpha(0.1, 0.1), MAX_ALPHA);
    assert.ok(Math.abs(shareToAlpha(0.05, 0.1) - (MIN_ALPHA + MAX_ALPHA) / 2) < 1e-12);
  });
});

describe('levels', () => {
  test('every positive alpha gets a level from 1 to LEVELS, in order, and never paints fainter', () => {
    assert.equal(alphaLevel(0), 0);
    let previous = 0;
    for (let i = 1; i <= 100; i++) {
      const alpha = (MAX_ALPHA * i) / 100;
      const level = alphaLevel(alpha);
      assert.ok(level >= 1 && level <= LEVELS);
      assert.ok(level >= previous);
      assert.ok(levelAlpha(level) >= alpha - 1e-12);
      previous = level;
    }
    assert.equal(alphaLevel(MAX_ALPHA), LEVELS);
    assert.equal(alphaLevel(1), LEVELS);
  });
});

describe('shareToRgba and toCss', () => {
  test('the hue follows the sign of the score', () => {
    const llm = shareToRgba(0.5, 0.3);
    const human = shareToRgba(0.5, -0.3);
    assert.deepEqual([llm.r, llm.g, llm.b], [TOWARD_LLM.r, TOWARD_LLM.g, TOWARD_LLM.b]);
    assert.deepEqual([human.r, human.g, human.b], [TOWARD_HUMAN.r, TOWARD_HUMAN.g, TOWARD_HUMAN.b]);
    assert.equal(llm.a, human.a);
  });

  test('CSS text is clamped and rounded', () => {
    assert.equal(toCss({ r: 300, g: -4, b: 12.4, a: 2 }), 'rgba(255, 0, 12, 1.000)');
    assert.equal(toCss({ r: 255, g: 140, b: 0, a: 0.25 }), 'rgba(255, 140, 0, 0.250)');
  });
});
