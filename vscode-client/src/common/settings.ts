/**
 * The codeorigin settings: their keys, defaults and the one place where what the user typed is
 * turned into what the server receives.
 *
 * The keys are the same everywhere: `codeorigin.<key>` in package.json, `<key>` in
 * `initializationOptions`, and `<key>` inside the `codeorigin` section answered to
 * `workspace/configuration` and pushed with `workspace/didChangeConfiguration`.
 *
 * The keys, their types and defaults come from `settingsDefaults.ts`, which
 * `python -m codeorigin.lsp.editor_settings` writes from the server's typed settings; what is typed
 * by hand here is how a value the user typed is checked.
 *
 * This module must not import `vscode` (a unit test checks), so it runs under `node --test`.
 */

import {
  DEFAULT_SERVER_SETTINGS,
  INTEGER_RANGES,
  LANGUAGE_ALIASES,
  SEVERITIES,
  SECTION,
  SUPPORTED_LANGUAGES,
} from './settingsDefaults';
import type { LanguageId, ServerSettings, Severity } from './settingsDefaults';

// The keys, types and defaults are written from the server's typed settings (settingsDefaults.ts).
export {
  CLIENT_ONLY_KEYS,
  DEFAULT_SERVER_SETTINGS,
  SECTION,
  SEVERITIES,
  SUPPORTED_LANGUAGES,
} from './settingsDefaults';
export type { LanguageId, ServerSettings, Severity } from './settingsDefaults';

export type ServerSettingKey = keyof ServerSettings;
export const SERVER_SETTING_KEYS = Object.keys(DEFAULT_SERVER_SETTINGS) as ServerSettingKey[];

/** Reads one setting by its key without the `codeorigin.` prefix; undefined when unset. */
export type SettingReader = (key: string) => unknown;

export interface SettingsResult {
  settings: ServerSettings;
  /** One sentence per value that was replaced by its default, saying what to fix. */
  problems: string[];
}

type Normaliser<T> = (value: unknown) => T | undefined;

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** A whole number within the bounds the server checks (`INTEGER_RANGES`), as it says them. */
function integer(key: string): { check: Normaliser<number>; expected: string } {
  const [low, high] = INTEGER_RANGES[key];
  return {
    check: (v) => (isInteger(v) && v >= low && v <= high ? v : undefined),
    expected: `a whole number from ${low} to ${high}`,
  };
}

function nullableInteger(key: string, nullMeans: string): { check: Normaliser<number | null>; expected: string } {
  const { check, expected } = integer(key);
  return { check: (v) => (v === null ? null : check(v)), expected: `${expected}, or null for ${nullMeans}` };
}

/** A language id or one of its aliases (`py`, `c++`, `jsx`), in any case, as the server reads it. */
function languageId(v: unknown): LanguageId | undefined {
  if (typeof v !== 'string') {
    return undefined;
  }
  const id = v.toLowerCase();
  if ((SUPPORTED_LANGUAGES as readonly string[]).includes(id)) {
    return id as LanguageId;
  }
  return Object.prototype.hasOwnProperty.call(LANGUAGE_ALIASES, id) ? LANGUAGE_ALIASES[id] : undefined;
}

const boolean: Normaliser<boolean> = (v) => (typeof v === 'boolean' ? v : undefined);

const NORMALISERS: { [K in ServerSettingKey]: { check: Normaliser<ServerSettings[K]>; expected: string } } =
  {
    enable: { check: boolean, expected: 'true or false' },
    threshold: {
      check: (v) =>
        v === null ? null : typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined,
      expected: 'a number from 0 to 1, or null for the calibrated threshold',
    },
    minLines: integer('minLines'),
    minTokens: integer('minTokens'),
    severity: {
      check: (v) => {
        const lower = typeof v === 'string' ? v.toLowerCase() : v;
        return (SEVERITIES as readonly unknown[]).includes(lower) ? (lower as Severity) : undefined;
      },
      expected: `one of ${SEVERITIES.join(', ')}`,
    },
    showUncertain: { check: boolean, expected: 'true or false' },
    codeLens: { check: boolean, expected: 'true or false' },
    provenance: { check: boolean, expected: 'true or false' },
    languages: {
      check: (v) => {
        const ids = Array.isArray(v) ? v.map(languageId) : [undefined];
        const known = ids.filter((x): x is LanguageId => x !== undefined);
        return known.length === ids.length ? [...new Set(known)] : undefined;
      },
      expected:
        `a list of language ids from ${SUPPORTED_LANGUAGES.join(', ')} ` +
        `(or ${Object.keys(LANGUAGE_ALIASES).join(', ')})`,
    },
    modelPath: { check: (v) => (typeof v === 'string' ? v : undefined), expected: 'a path, or ""' },
    debounceMs: integer('debounceMs'),
    maxFileBytes: integer('maxFileBytes'),
    threads: integer('threads'),
    inlayHints: { check: boolean, expected: 'true or false' },
    igSteps: nullableInteger('igSteps', 'the model default'),
    baseline: { check: (v) => (typeof v === 'string' ? v : undefined), expected: 'a path, or ""' },
    extensions: {
      check: (v) =>
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.values(v).every((x) => typeof x === 'string')
          ? { ...(v as Record<string, string>) }
          : undefined,
      expected: 'an object of extensions to language ids, e.g. {".h": "cpp"}',
    },
    includeGenerated: { check: boolean, expected: 'true or false' },
    scope: {
      check: (v) => (v === 'all' || v === 'changed' ? v : undefined),
      expected: "'all' or 'changed'",
    },
  };

function normalise<K extends ServerSettingKey>(
  key: K,
  raw: unknown,
  problems: string[],
): ServerSettings[K] {
  const fallback = DEFAULT_SERVER_SETTINGS[key];
  if (raw === undefined) {
    return copy(fallback);
  }
  const { check, expected } = NORMALISERS[key];
  const value = check(raw);
  if (value === undefined) {
    problems.push(
      `${SECTION}.${key} is ${JSON.stringify(raw)}; it should be ${expected}. ` +
        `Using the default ${JSON.stringify(fallback)} until it is fixed.`,
    );
    return copy(fallback);
  }
  return value;
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.slice() as T;
  }
  return typeof value === 'object' && value !== null ? ({ ...value }) : value;
}

/**
 * Builds the settings the server receives from whatever the user configured.
 *
 * Takes a reader for keys without the prefix (unset keys read as undefined) and returns every
 * server key, exactly once, with client-only keys left out. A value of the wrong type or out of
 * range falls back to its default, and `problems` says which and why.
 */
export function readServerSettings(read: SettingReader): SettingsResult {
  const problems: string[] = [];
  const settings = {} as Record<ServerSettingKey, unknown>;
  for (const key of SERVER_SETTING_KEYS) {
    settings[key] = normalise(key, read(key), problems);
  }
  return { settings: settings as unknown as ServerSettings, problems };
}

/**
 * The answer to one `workspace/configuration` item, when it concerns codeorigin.
 *
 * Takes the item's section and the normalised settings; returns `{ handled: false }` for a
 * section that is not ours (the caller answers it as VS Code would), else the value to send:
 * the whole settings object for `codeorigin`, one value for `codeorigin.<key>`.
 */
export function configurationAnswer(
  section: string | null | undefined,
  settings: ServerSettings,
): { handled: true; value: unknown } | { handled: false } {
  if (section === SECTION) {
    return { handled: true, value: settings };
  }
  if (section?.startsWith(`${SECTION}.`)) {
    const key = section.slice(SECTION.length + 1);
    if ((SERVER_SETTING_KEYS as string[]).includes(key)) {
      return { handled: true, value: settings[key as ServerSettingKey] };
    }
  }
  return { handled: false };
}

/**
 * The setting a problem of readServerSettings is about (`codeorigin.threshold`), for a button that
 * opens it; undefined for any other sentence.
 */
export function problemSetting(problem: string): string | undefined {
  const match = /^(codeorigin\.[A-Za-z.]+) is /.exec(problem);
  return match?.[1];
}

/**
 * Which problems have not been shown yet: settings are read at every change and every
 * `workspace/configuration` request, but each distinct problem (a setting with a given bad value)
 * is shown to the user once.
 */
export class ProblemsShown {
  private readonly shown = new Set<string>();

  /** The problems not shown before, in order, each once; they count as shown from now on. */
  unseen(problems: readonly string[]): string[] {
    const fresh: string[] = [];
    for (const problem of problems) {
      if (!this.shown.has(problem)) {
        this.shown.add(problem);
        fresh.push(problem);
      }
    }
    return fresh;
  }
}

/**
 * The file extensions `codeorigin.extensions` maps, as the server reads its keys: lowercase, with
 * the dot (`cu` is `.cu`). Keys the server refuses (a pattern, `.d.ts`) are left out.
 */
export function mappedExtensions(extensions: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const raw of Object.keys(extensions)) {
    const key = raw.trim().toLowerCase();
    const extension = key.startsWith('.') ? key : `.${key}`;
    if (/^\.[^./\\*?[\]{}]+$/.test(extension)) {
      found.add(extension);
    }
  }
  return [...found].sort();
}

/** A glob for a document selector that matches files with this extension in any case. */
export function extensionPattern(extension: string): string {
  const letters = [...extension].map((c) =>
    c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`,
  );
  return `**/*${letters.join('')}`;
}

/**
 * The language `codeorigin.extensions` gives a file by its extension (the server's first choice,
 * before the editor's language id), or undefined when it maps none.
 */
export function mappedLanguage(
  fileName: string,
  extensions: Readonly<Record<string, string>>,
): LanguageId | undefined {
  const dot = fileName.lastIndexOf('.');
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  if (dot <= slash + 1) {
    return undefined; // no extension, or a dot file (`.bashrc`)
  }
  const suffix = fileName.slice(dot).toLowerCase();
  for (const [raw, language] of Object.entries(extensions)) {
    const key = raw.trim().toLowerCase();
    if ((key.startsWith('.') ? key : `.${key}`) === suffix) {
      return languageId(language);
    }
  }
  return undefined;
}
