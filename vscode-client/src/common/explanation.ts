/**
 * "Explain function": checks the server's `codeorigin.explain` answer and plans how each line of the
 * function is painted and what its hover says.
 *
 * The VS Code side only turns the plan into decorations; everything a user reads is decided here.
 */

import { alphaLevel, levelAlpha, shareToAlpha, TOWARD_HUMAN, TOWARD_LLM, type Rgba } from './colour';

export interface ExplainedSpan {
  name: string;
  /** 0-based, inclusive. */
  start_line: number;
  end_line: number;
}

export interface LineAttribution {
  /** 0-based document line. */
  line: number;
  /** This line's part of the evidence; the shares of a function sum to 1. */
  share: number;
  /** Signed; > 0 pushes toward LLM-written. */
  score: number;
}

export interface TokenAttribution {
  text: string;
  line: number;
  score: number;
}

/** The result of the server command `codeorigin.explain`. */
export interface Explanation {
  uri: string;
  span: ExplainedSpan;
  probability: number;
  verdict: string;
  lines: LineAttribution[];
  tokens: TokenAttribution[];
  /** Integrated-gradients completeness gap: how far the attributions are from the exact total. */
  delta: number;
}

export type Direction = 'llm' | 'human';

/** How one line is painted. */
export interface LinePaint {
  line: number;
  direction: Direction;
  /** 1..LEVELS; lines with the same direction and level share a decoration type. */
  level: number;
  colour: Rgba;
  /** Markdown for the decoration's hover. */
  hover: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks an untyped server answer. Returns the explanation, or a sentence saying what is wrong with
 * it (so a server/client version mismatch shows up as a message rather than a stack trace).
 * Entries of `lines` and `tokens` that are malformed are dropped.
 */
export function parseExplanation(raw: unknown): Explanation | string {
  if (raw === null || raw === undefined) {
    return 'There is no function at the cursor that codeorigin scores.';
  }
  if (!isObject(raw)) {
    return `The server's explanation is not an object: ${JSON.stringify(raw)}.`;
  }
  const span = raw.span;
  if (
    !isObject(span) ||
    typeof span.name !== 'string' ||
    !Number.isInteger(span.start_line) ||
    !Number.isInteger(span.end_line)
  ) {
    return "The server's explanation has no valid span {name, start_line, end_line}.";
  }
  if (!isNumber(raw.probability) || !Array.isArray(raw.lines)) {
    return "The server's explanation lacks a probability or its lines.";
  }
  const lines = raw.lines
    .filter(isObject)
    .filter((l) => Number.isInteger(l.line) && isNumber(l.share) && isNumber(l.score))
    .map((l) => ({ line: l.line as number, share: l.share as number, score: l.score as number }));
  const tokens = (Array.isArray(raw.tokens) ? raw.tokens : [])
    .filter(isObject)
    .filter((t) => typeof t.text === 'string' && Number.isInteger(t.line) && isNumber(t.score))
    .map((t) => ({ text: t.text as string, line: t.line as number, score: t.score as number }));
  return {
    uri: typeof raw.uri === 'string' ? raw.uri : '',
    span: { name: span.name, start_line: span.start_line as number, end_line: span.end_line as number },
    probability: raw.probability,
    verdict: typeof raw.verdict === 'string' ? raw.verdict : '',
    lines,
    tokens,
    delta: isNumber(raw.delta) ? raw.delta : Number.NaN,
  };
}

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function signed(x: number): string {
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(2)}`;
}

/** A token as inline code; backticks and line breaks cannot appear inside a code span. */
function codeSpan(text: string): string {
  const shown = text.replace(/`/g, 'ʼ').replace(/\r?\n/g, '⏎').replace(/\t/g, '→');
  return shown.trim() === '' ? `\`${JSON.stringify(shown)}\`` : `\` ${shown} \``;
}

/** Escapes the Markdown characters that could turn a function name into formatting. */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** One line summary of the whole explanation, for notifications and the output channel. */
export function summary(e: Explanation): string {
  const delta = Number.isNaN(e.delta) ? '' : `; attribution completeness gap ${Math.abs(e.delta).toFixed(3)}`;
  const verdict = e.verdict ? ` (${e.verdict})` : '';
  return `${e.span.name}: ${percent(e.probability)} likely LLM-written${verdict}${delta}`;
}

/** The tokens of one line that moved the score most, strongest first. */
export function strongestTokens(e: Explanation, line: number, count = 3): TokenAttribution[] {
  return e.tokens
    .filter((t) => t.line === line && t.score !== 0)
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score))
    .slice(0, count);
}

export const LEGEND =
  'Orange lines push toward LLM-written, blue lines toward human-written; the stronger the colour, ' +
  "the larger the line's share of the evidence (the function's strongest line is the strongest " +
  'colour). The colours go at the next edit of this file.';

/**
 * Plans the painting: one entry per line of the span with a positive share, in line order. Lines
 * outside the span are ignored; a line listed twice keeps its first entry.
 */
export function planPaint(e: Explanation): LinePaint[] {
  const inSpan = e.lines.filter((l) => l.line >= e.span.start_line && l.line <= e.span.end_line && l.share > 0);
  const seen = new Set<number>();
  const lines = inSpan.filter((l) => !seen.has(l.line) && seen.add(l.line));
  const maxShare = Math.max(0, ...lines.map((l) => l.share));
  const header = `**codeorigin** · \`${e.span.name.replace(/`/g, 'ʼ')}\` is ${percent(e.probability)} likely LLM-written${e.verdict ? ` (${escapeMarkdown(e.verdict)})` : ''}`;
  return lines
    .sort((a, b) => a.line - b.line)
    .map((l) => {
      const direction: Direction = l.score > 0 ? 'llm' : 'human';
      const level = alphaLevel(shareToAlpha(l.share, maxShare));
      const hue = direction === 'llm' ? TOWARD_LLM : TOWARD_HUMAN;
      const tokens = strongestTokens(e, l.line);
      const tokenText =
        tokens.length > 0
          ? `\n\nStrongest tokens here: ${tokens.map((t) => `${codeSpan(t.text)} ${signed(t.score)}`).join(', ')}`
          : '';
      const hover =
        `${header}\n\n` +
        `Line ${l.line + 1} carries ${(l.share * 100).toFixed(1)}% of the evidence, pushing toward ` +
        `${direction === 'llm' ? 'LLM' : 'human'} (score ${signed(l.score)}).${tokenText}\n\n` +
        `_${LEGEND}_`;
      return { line: l.line, direction, level, colour: { ...hue, a: levelAlpha(level) }, hover };
    });
}
