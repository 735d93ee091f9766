/**
 * The status-bar summary of a document and the flattened server status.
 *
 * The server attaches `data: {probability, range, model}` to each diagnostic it publishes for a
 * flagged function; the status bar shows the highest probability among the active document's
 * codeorigin diagnostics and the model's name.
 */

import { percent } from './explanation';

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

/**
 * What the status-bar item says: the highest probability (or "—" when nothing is flagged) and the
 * model, preferring the name in the diagnostics over the one from `codeorigin.status`.
 */
export function statusBarContent(
  highest: Highest | undefined,
  modelName: string | undefined,
  state: ServerState,
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
  const model = highest?.model ?? modelName;
  const value = highest ? percent(highest.probability) : '—';
  return {
    text: `${ICON} ${value}${model ? ` · ${model}` : ''}`,
    tooltip:
      (highest
        ? `Highest probability that a function in this file was written by an LLM: ${value}.`
        : 'No function in this file is flagged as LLM-written.') +
      (model ? `\nModel: ${model}.` : '') +
      '\nClick for the server status.',
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
