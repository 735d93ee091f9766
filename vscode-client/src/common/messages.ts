/**
 * The words of the extension's notifications: each starts with "codeorigin: " once, however the
 * message it shows begins (the server's own errors often start with "codeorigin").
 */

import type { ServerState } from './status';

export const PREFIX = 'codeorigin: ';

/** `message` with the "codeorigin: " prefix, unless it already names codeorigin first. */
export function prefixed(message: string): string {
  return /^codeorigin\b/i.test(message.trimStart()) ? message.trimStart() : `${PREFIX}${message}`;
}

export interface Notice {
  level: 'information' | 'error';
  text: string;
}

/**
 * How an error answer of `codeorigin.explain` is shown. The server answers with an error when the
 * function is not judged ("codeorigin does not explain f: the model does not judge go ..." or a
 * generated function) or the document is not scored ("codeorigin does not score this document:
 * codeorigin.enable is false", too large, excluded); that is information, not a failure. Anything
 * else is an error.
 */
export function explainFailureNotice(message: string): Notice {
  const notJudged = /\bdoes not (explain|score this document)\b/.test(message);
  return { level: notJudged ? 'information' : 'error', text: prefixed(message) };
}

/** The words the server uses for each verdict (codeorigin.core.verdicts.VERDICT_WORDS), in order. */
const VERDICT_WORDS: readonly (readonly [string, string])[] = [
  ['llm', 'likely LLM-generated'],
  ['uncertain', 'uncertain'],
  ['human', 'not flagged'],
  ['too_short', 'too short to judge'],
  ['generated', 'generated code'],
  ['not_judged', 'not judged'],
];

/**
 * What Rescore Document says when the server has scored the document again: how many functions
 * and how many of each verdict (`spans` is the answer of `codeorigin.rescoreDocument`). Undefined
 * for a null answer: the server has already said why the document is not scored.
 */
export function rescoreSummary(spans: unknown): string | undefined {
  if (!Array.isArray(spans)) {
    return undefined;
  }
  const items = spans.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  const functions = items.filter((s) => s.kind !== 'module').length;
  const module = items.length > functions;
  if (items.length === 0) {
    return 'codeorigin: scored the file again: it has no functions to judge.';
  }
  const what =
    functions === 0
      ? 'the module-level code'
      : `${functions} function${functions === 1 ? '' : 's'}${module ? ' and the module-level code' : ''}`;
  const counts = VERDICT_WORDS.map(([verdict, words]) => [items.filter((s) => s.verdict === verdict).length, words] as const)
    .filter(([n]) => n > 0)
    .map(([n, words]) => `${n} ${words}`);
  return `codeorigin: scored ${what} again${counts.length > 0 ? `: ${counts.join(', ')}` : ''}.`;
}

/** Why a command cannot reach the server, and what to do; undefined when it is running. */
export function serverUnavailable(state: ServerState): string | undefined {
  if (state === 'running') {
    return undefined;
  }
  if (state === 'starting') {
    return 'codeorigin: the server is still starting; try again in a moment.';
  }
  return (
    'codeorigin: the server is not running (the "codeorigin" output channel says why). Fix what it ' +
    'says, then run "codeorigin: Restart Server".'
  );
}
