/**
 * The status-bar summary of a document and the flattened server status.
 *
 * The server attaches `data: {probability, range, model}` to each diagnostic it publishes for a
 * flagged function; the status bar shows the highest probability among the active document's
 * codeorigin diagnostics and the model's name.
 */

import { percent } from './explanation';
import type { ServerSettings } from './settings';

export const DIAGNOSTIC_SOURCE = 'codeorigin';

/** The parts of a VS Code diagnostic this module reads (languageclient keeps the LSP `data`). */
export interface DiagnosticLike {
  source?: string;
  data?: unknown;
}

export interface Highest {
  probability: number;
  model: string | undefined;
}

/**
 * The codeorigin diagnostic with the highest `data.probability`, or undefined when none of the
 * diagnostics comes from codeorigin with a probability (no flagged function).
 */
export function highestProbability(diagnostics: readonly DiagnosticLike[]): Highest | undefined {
  let best: Highest | undefined;
  for (const d of diagnostics) {
    if (d.source !== DIAGNOSTIC_SOURCE || typeof d.data !== 'object' || d.data === null) {
      continue;
    }
    const data = d.data as { probability?: unknown; model?: unknown };
    const p = data.probability;
    if (typeof p !== 'number' || !Number.isFinite(p)) {
      continue;
    }
    if (best === undefined || p > best.probability) {
      best = { probability: p, model: typeof data.model === 'string' ? data.model : undefined };
    }
  }
  return best;
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusBarContent {
  text: string;
  tooltip: string;
}

const ICON = '$(hubot)';
const CLICK = '\nClick for the server status.';

/**
 * Why the active document may have no score although the server runs: what `codeorigin.status`
 * answered for it (its `error` and `document`) and the document's own settings.
 */
export interface DocumentScoring {
  /** The status answer's `error` for the document's model (it failed to load), if any. */
  error?: string;
  /** `codeorigin.enable` for the document; scoring is off when false. */
  enabled?: boolean;
  /** The document's language id when `codeorigin.languages` leaves it out. */
  excludedLanguage?: string;
  /** Why the model does not judge the document's language (`document.not_judged`). */
  notJudged?: string;
  /** Why the server scores nothing of the document: excluded, generated, binary, too large. */
  notScored?: string;
}

const SKIPPED: Record<string, string> = {
  excluded: "the project's settings file (.codeorigin.toml, [tool.codeorigin]) excludes it",
  generated: 'it is generated or vendored code (codeorigin.includeGenerated scores it)',
  binary: 'it holds NUL bytes, so it is binary data, not code',
  'too-large': 'it is larger than codeorigin.maxFileBytes',
  error: 'scoring it failed (see the output channel)',
};

/**
 * What the `document` of a `codeorigin.status` answer says about the document it was asked for:
 * the language the model does not judge, or why nothing of it is scored. Settings-made states
 * ("disabled", "language") and a model that failed ("model", with the answer's `error`) are read
 * from the settings and from `errorFromStatus`.
 */
export function scoringFromStatus(status: unknown): DocumentScoring {
  if (typeof status !== 'object' || status === null) {
    return {};
  }
  const document = (status as { document?: unknown }).document;
  if (typeof document !== 'object' || document === null) {
    return {};
  }
  const { skipped, reason, not_judged: notJudged } = document as Record<string, unknown>;
  if (typeof skipped === 'string' && skipped in SKIPPED) {
    const why = SKIPPED[skipped];
    if (typeof reason !== 'string' || !reason) {
      return { notScored: why };
    }
    // A generated file's reason names its tell (a header, a folder); the others' is the sentence.
    return { notScored: skipped === 'generated' ? `${why}: ${reason}` : reason };
  }
  return typeof notJudged === 'string' && notJudged ? { notJudged } : {};
}

/** What the document's settings say about scoring it: off, or its language left out. */
export function scoringBySettings(
  settings: Pick<ServerSettings, 'enable' | 'languages'>,
  languageId: string,
): DocumentScoring {
  // An empty list means every language to the server (`enable` is what turns scoring off).
  const languages = settings.languages as readonly string[];
  const excluded = languages.length > 0 && !languages.includes(languageId);
  return { enabled: settings.enable, ...(excluded ? { excludedLanguage: languageId } : {}) };
}

/**
 * What the status-bar item says: the highest probability (or "—" when nothing is flagged) and the
 * model, preferring the name in the diagnostics over the one from `codeorigin.status`; a warning
 * when the server reports an error for the document's model, "off" when scoring is disabled and
 * "not judged" when the document's language is left out or the model does not judge it, and "not
 * scored" when the server skips the file (generated, binary, too large), since none of those is
 * "nothing flagged".
 */
export function statusBarContent(
  highest: Highest | undefined,
  modelName: string | undefined,
  state: ServerState,
  scoring: DocumentScoring = {},
): StatusBarContent {
  if (state === 'failed' || state === 'stopped') {
    return {
      text: `${ICON} codeorigin: off`,
      tooltip: `The codeorigin server is ${state === 'failed' ? 'not running: see the output channel' : 'stopped'}. Click for its status.`,
    };
  }
  if (state === 'starting') {
    return { text: `$(sync~spin) codeorigin`, tooltip: 'The codeorigin server is starting.' };
  }
  if (scoring.error !== undefined) {
    return {
      text: '$(warning) codeorigin',
      tooltip: `codeorigin cannot score this file: ${scoring.error}${CLICK}`,
    };
  }
  if (scoring.enabled === false) {
    return {
      text: `${ICON} codeorigin: off`,
      tooltip: `Scoring is turned off for this file (codeorigin.enable is false).${CLICK}`,
    };
  }
  if (scoring.excludedLanguage !== undefined && !highest) {
    return {
      text: `${ICON} not judged`,
      tooltip:
        `This file is not scored: its language (${scoring.excludedLanguage}) is not in codeorigin.languages.` +
        CLICK,
    };
  }
  if (scoring.notJudged !== undefined && !highest) {
    return { text: `${ICON} not judged`, tooltip: `No verdicts in this file: ${scoring.notJudged}.${CLICK}` };
  }
  if (scoring.notScored !== undefined && !highest) {
    return { text: `${ICON} not scored`, tooltip: `This file is not scored: ${scoring.notScored}.${CLICK}` };
  }
  const model = highest?.model ?? modelName;
  const value = highest ? percent(highest.probability) : '—';
  return {
    text: `${ICON} ${value}${model ? ` · ${model}` : ''}`,
    tooltip:
      (highest
        ? `Highest probability that a function in this file was written by an LLM: ${value}.`
        : 'No function in this file is flagged as LLM-written.') +
      (model ? `\nModel: ${model}.` : '') +
      CLICK,
  };
}

export interface StatusEntry {
  label: string;
  description: string;
}

/** Flattens the `codeorigin.status` answer into "a.b.c: value" entries for a quick pick. */
export function flattenStatus(value: unknown, prefix = ''): StatusEntry[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) {
      return [{ label: prefix, description: '{}' }];
    }
    return entries.flatMap(([k, v]) => flattenStatus(v, prefix ? `${prefix}.${k}` : k));
  }
  const description =
    typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  return [{ label: prefix || '(status)', description }];
}

/**
 * The `error` of a `codeorigin.status` answer (why the model of the document's settings could not
 * be loaded), or undefined when there is none.
 */
export function errorFromStatus(status: unknown): string | undefined {
  if (typeof status === 'object' && status !== null) {
    const error = (status as { error?: unknown }).error;
    return typeof error === 'string' && error.trim() !== '' ? error.trim() : undefined;
  }
  return undefined;
}

/** The model name in a `codeorigin.status` answer, if it has one. */
export function modelNameFromStatus(status: unknown): string | undefined {
  if (typeof status === 'object' && status !== null) {
    const model = (status as { model?: unknown }).model;
    if (typeof model === 'object' && model !== null) {
      const name = (model as { name?: unknown }).name;
      return typeof name === 'string' && name !== '' ? name : undefined;
    }
  }
  return undefined;
}
