// Written by `python -m codeorigin.lsp.editor_settings` from the server's typed settings
// (server/codeorigin/lsp/options.py) and language table (server/codeorigin/core/languages.py).
// Do not edit: change those and run the command again.

/** Language ids the server scores; VS Code and the server use the same ids. */
export const SUPPORTED_LANGUAGES = [
  'python',
  'java',
  'c',
  'cpp',
  'javascript',
  'javascriptreact',
  'typescript',
  'typescriptreact',
  'go',
  'rust',
  'ruby',
  'php',
  'csharp',
  'cs',
  'kotlin',
  'swift',
] as const;

export type LanguageId = (typeof SUPPORTED_LANGUAGES)[number];

export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The settings section, and the prefix of every setting and command. */
export const SECTION = 'codeorigin';

/** What the server receives, under the keys it reads. */
export interface ServerSettings {
  enable: boolean;
  /** null: the model's calibrated threshold; else 0..1 */
  threshold: number | null;
  /** statement lines of the body (not braces, not the signature) */
  minLines: number;
  /** identifier and literal tokens of the body */
  minTokens: number;
  /** 'error' | 'warning' | 'information' | 'hint' */
  severity: Severity;
  showUncertain: boolean;
  codeLens: boolean;
  provenance: boolean;
  /** null: every supported language */
  languages: LanguageId[];
  /** '': the server's --model, else the model shipped with the server */
  modelPath: string;
  debounceMs: number;
  maxFileBytes: number;
  threads: number;
  inlayHints: boolean;
  /** null: the model's default number of integrated-gradients steps */
  igSteps: number | null;
  /** a file from `codeorigin scan --write-baseline`; relative: to the folder */
  baseline: string;
  /** e.g. { ['.h'] = 'cpp' }; a .h file is C or C++ by its content */
  extensions: Record<string, string>;
  /** also score generated and vendored code */
  includeGenerated: boolean;
  /** 'all' | 'changed': only functions that differ from git's HEAD */
  scope: 'all' | 'changed';
}

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  enable: true,
  threshold: null,
  minLines: 3,
  minTokens: 8,
  severity: 'information',
  showUncertain: false,
  codeLens: true,
  provenance: true,
  languages: [...SUPPORTED_LANGUAGES],
  modelPath: '',
  debounceMs: 400,
  maxFileBytes: 1_000_000,
  threads: 1,
  inlayHints: false,
  igSteps: null,
  baseline: '',
  extensions: {},
  includeGenerated: false,
  scope: 'all',
});

/** Settings only the extension reads; they are never sent to the server. */
export const CLIENT_ONLY_KEYS = ['interpreter', 'trace.server'] as const;

/** The lowest and highest value of each whole-number setting, as the server checks it. */
export const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  minLines: [1, 10000],
  minTokens: [1, 1000000],
  debounceMs: [0, 60000],
  maxFileBytes: [1, 2000000000],
  threads: [1, 256],
  igSteps: [1, 1024],
};

/** Other names `codeorigin.languages` takes, and the language id each stands for. */
export const LANGUAGE_ALIASES: Readonly<Record<string, LanguageId>> = {
  'c#': 'csharp',
  'c++': 'cpp',
  'golang': 'go',
  'js': 'javascript',
  'jsx': 'javascriptreact',
  'kt': 'kotlin',
  'py': 'python',
  'rb': 'ruby',
  'rs': 'rust',
  'ts': 'typescript',
  'tsx': 'typescriptreact',
};
