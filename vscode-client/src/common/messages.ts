/**
 * The words of the extension's notifications: each starts with "codeorigin: " once, however the
 * message it shows begins (the server's own errors often start with "codeorigin").
 */

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
 * generated function); that is information, not a failure. Anything else is an error.
 */
export function explainFailureNotice(message: string): Notice {
  const notJudged = /\bdoes not explain\b/.test(message);
  return { level: notJudged ? 'information' : 'error', text: prefixed(message) };
}
