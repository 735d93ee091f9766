/**
 * The colour scale of "Explain function": how strongly a line is painted for its share of the
 * evidence.
 *
 * Shares of one function sum to 1, so a long function's lines all have small shares; the scale is
 * therefore relative to the function's largest share, which gets the strongest colour. The hue says
 * which way the line pushes: warm toward LLM, cool toward human.
 */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0 (transparent) to 1. */
  a: number;
}

/** Lines whose evidence points toward LLM-written code. */
export const TOWARD_LLM = { r: 255, g: 140, b: 0 } as const;
/** Lines whose evidence points toward human-written code. */
export const TOWARD_HUMAN = { r: 64, g: 160, b: 255 } as const;

/** The faintest visible and the strongest alpha; strong enough to see, weak enough to read text. */
export const MIN_ALPHA = 0.08;
export const MAX_ALPHA = 0.45;

/** Number of distinct strengths; each needs its own decoration type, so keep it small. */
export const LEVELS = 8;

export function clamp01(x: number): number {
  if (Number.isNaN(x)) {
    return 0;
  }
  return Math.min(1, Math.max(0, x));
}

/**
 * The alpha for a line's share. A share of 0 (or less, or NaN) is transparent; any positive share
 * is at least MIN_ALPHA, rising linearly to MAX_ALPHA at `maxShare` and staying there above it.
 * Monotonic non-decreasing in `share`.
 */
export function shareToAlpha(share: number, maxShare = 1): number {
  if (!(share > 0)) {
    return 0;
  }
  const ratio = maxShare > 0 ? clamp01(share / maxShare) : 1;
  return MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * ratio;
}

/** Rounds an alpha up to one of LEVELS steps (0 stays 0), so lines can share decoration types. */
export function alphaLevel(alpha: number): number {
  const a = clamp01(alpha);
  return a === 0 ? 0 : Math.min(LEVELS, Math.max(1, Math.ceil((a / MAX_ALPHA) * LEVELS - 1e-9)));
}

/** The alpha a level stands for: the inverse of alphaLevel, at the top of its step. */
export function levelAlpha(level: number): number {
  const l = Math.min(LEVELS, Math.max(0, Math.round(level)));
  return (MAX_ALPHA * l) / LEVELS;
}

/**
 * The colour for a line: hue from the sign of `score` (> 0 pushes toward LLM), alpha from
 * `share` relative to `maxShare`.
 */
export function shareToRgba(share: number, score: number, maxShare = 1): Rgba {
  const hue = score > 0 ? TOWARD_LLM : TOWARD_HUMAN;
  return { ...hue, a: shareToAlpha(share, maxShare) };
}

/** CSS `rgba(...)` text for VS Code's `backgroundColor`. */
export function toCss(colour: Rgba): string {
  const channel = (x: number) => Math.round(Math.min(255, Math.max(0, x)));
  return `rgba(${channel(colour.r)}, ${channel(colour.g)}, ${channel(colour.b)}, ${clamp01(colour.a).toFixed(3)})`;
}
