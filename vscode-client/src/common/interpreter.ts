/**
 * Which Python runs the server, and what to tell the user when that Python lacks codeorigin.
 *
 * The order is: the `codeorigin.interpreter` setting, then the Python extension's active
 * interpreter, then `python3` from PATH. The VS Code side gathers the candidates; the choice, the
 * command lines and the messages are decided here, without `vscode`, so they can be unit tested.
 */

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

/** A command line that starts Python: the executable and the arguments that come before ours. */
export interface Interpreter {
  command: string;
  args: string[];
  source: InterpreterSource;
}

export interface InterpreterCandidates {
  /** The raw `codeorigin.interpreter` value: a path, or [executable, ...args]. */
  setting: unknown;
  /** The Python extension's command line for the active environment, when it has one. */
  pythonExtension?: readonly string[] | undefined;
}

/** Values for the variables allowed in the interpreter setting. */
export interface Variables {
  workspaceFolder?: string;
  userHome?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_PYTHON = 'python3';

/** The module arguments that start the language server over stdio. */
export const SERVE_ARGS = ['-m', 'codeorigin', 'serve'] as const;

/**
 * The arguments that check the server can run: `codeorigin/__init__.py` imports nothing, so the
 * check imports the server module (which imports pygls, lsprotocol, tree_sitter, tokenizers and
 * numpy) and onnxruntime, which the server only imports when it loads the model.
 */
export const IMPORT_CHECK_ARGS = ['-c', 'import codeorigin.lsp.server, onnxruntime'] as const;

/**
 * Replaces `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in a setting value; a variable
 * with no value is left as written, so the error the user sees names it.
 */
export function resolveVariables(value: string, vars: Variables): string {
  return value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (all, name: string, envName?: string) => {
    if (envName !== undefined) {
      return vars.env?.[envName] ?? all;
    }
    const v = name === 'workspaceFolder' ? vars.workspaceFolder : vars.userHome;
    return v ?? all;
  });
}

/**
 * The variables of an untrusted workspace (Restricted Mode): `${workspaceFolder}` is left as
 * written, since a user-level setting such as `${workspaceFolder}/.venv/bin/python` would
 * otherwise run the untrusted folder's program. Says whether the setting used it.
 */
export function untrustedVariables(setting: unknown, vars: Variables): { vars: Variables; withheld: boolean } {
  const parts = fromSetting(setting) ?? [];
  return {
    vars: { ...vars, workspaceFolder: undefined },
    withheld: parts.some((part) => part.includes('${workspaceFolder}')),
  };
}

/** The setting as a command line, or undefined when it is unset, empty or not strings. */
function fromSetting(setting: unknown): string[] | undefined {
  if (typeof setting === 'string') {
    return setting.trim() === '' ? undefined : [setting.trim()];
  }
  if (Array.isArray(setting) && setting.length > 0 && setting.every((x) => typeof x === 'string')) {
    const parts = setting.filter((x) => x !== '');
    return parts.length > 0 ? parts : undefined;
  }
  return undefined;
}

/** Whether the interpreter setting leaves the choice to the Python extension (unset or empty). */
export function interpreterSettingEmpty(setting: unknown): boolean {
  return fromSetting(setting) === undefined;
}

/**
 * Whether to follow the Python extension's interpreter changes: only when it is the one asked for
 * the interpreter, that is in a trusted workspace whose codeorigin.interpreter is empty.
 */
export function followsPythonExtension(trusted: boolean, setting: unknown): boolean {
  return trusted && interpreterSettingEmpty(setting);
}

/**
 * Picks the interpreter: the setting when it is set, else the Python extension's when it gave
 * one, else `python3`. Variables in the setting are resolved.
 */
export function chooseInterpreter(candidates: InterpreterCandidates, vars: Variables = {}): Interpreter {
  const configured = fromSetting(candidates.setting);
  if (configured) {
    const [command, ...args] = configured.map((part) => resolveVariables(part, vars));
    return { command, args, source: 'setting' };
  }
  const fromExtension = candidates.pythonExtension?.filter((x) => x !== '');
  if (fromExtension && fromExtension.length > 0) {
    const [command, ...args] = fromExtension;
    return { command, args, source: 'python-extension' };
  }
  return { command: DEFAULT_PYTHON, args: [], source: 'default' };
}

/** The arguments that start `python -m codeorigin serve` with this interpreter. */
export function serverArguments(interpreter: Interpreter): string[] {
  return [...interpreter.args, ...SERVE_ARGS];
}

/** The arguments that run the import check (IMPORT_CHECK_ARGS) with this interpreter. */
export function importCheckArguments(interpreter: Interpreter): string[] {
  return [...interpreter.args, ...IMPORT_CHECK_ARGS];
}

/** Quotes one word for a POSIX shell; plain words (paths without spaces) stay as they are. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(word)) {
    return word;
  }
  return `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** The whole interpreter command line as the user would type it. */
export function displayInterpreter(interpreter: Interpreter): string {
  return [interpreter.command, ...interpreter.args].map(shellQuote).join(' ');
}

/**
 * What pip should install: the source checkout the extension runs from (a folder with the
 * project's pyproject.toml). Undefined otherwise: codeorigin is installed from its repository, not
 * from a package index, where the name could belong to another project.
 */
export function packageSpec(sourceCheckout: string | undefined): string | undefined {
  return sourceCheckout;
}

/** `<python> -m pip install <path-or-name>`, ready to paste into a terminal. */
export function installCommand(interpreter: Interpreter, spec: string): string {
  return [interpreter.command, ...interpreter.args, '-m', 'pip', 'install', spec].map(shellQuote).join(' ');
}

export type ImportFailure =
  | { kind: 'not-found' }
  | { kind: 'timeout' }
  | { kind: 'import-error'; detail: string };

/**
 * The module Python could not import, from the import check's error output (`No module named
 * 'pygls'`, or `'pygls.server'` for a submodule), or undefined when it names none.
 */
export function missingModule(detail: string): string | undefined {
  const matches = [...detail.matchAll(/No module named '([^']+)'/g)];
  return matches.at(-1)?.[1];
}

/** The last line of a Python traceback that names an exception (`ImportError: ...`), if any. */
function lastErrorLine(detail: string): string | undefined {
  const lines = detail.split(/\r?\n/).map((line) => line.trim());
  return lines.reverse().find((line) => /^[A-Za-z_][\w.]*(Error|Exception): ./.test(line));
}

/** The error message shown when the import check fails; it always says what to do next. */
export function importFailureMessage(
  interpreter: Interpreter,
  failure: ImportFailure,
  install: string | undefined,
): string {
  const python = displayInterpreter(interpreter);
  const from =
    interpreter.source === 'setting'
      ? ' (from the codeorigin.interpreter setting)'
      : interpreter.source === 'python-extension'
        ? " (the Python extension's active interpreter)"
        : '';
  switch (failure.kind) {
    case 'not-found':
      return (
        `codeorigin: cannot run ${python}${from}. Set "codeorigin.interpreter" to a Python 3.10+ ` +
        `that has codeorigin installed, or select one with the Python extension.`
      );
    case 'timeout':
      return `codeorigin: ${python}${from} did not answer in time when importing codeorigin. Check it runs, then restart the server.`;
    case 'import-error': {
      const missing = missingModule(failure.detail);
      const how = install
        ? `Install it with: ${install}`
        : `Install it from a codeorigin checkout (${python} -m pip install /path/to/codeorigin), or set ` +
          `"codeorigin.interpreter" to the checkout's .venv/bin/python (made by make setup).`;
      if (missing === undefined || missing === 'codeorigin' || missing.startsWith('codeorigin.')) {
        const error = missing === undefined ? lastErrorLine(failure.detail) : undefined;
        return error === undefined
          ? `codeorigin: the Python package is not installed for ${python}${from}. ${how}`
          : `codeorigin: ${python}${from} cannot import the codeorigin server (${error}). ${how}`;
      }
      // A dependency: installing the package (again) installs its dependencies.
      return (
        `codeorigin: the Python package's dependency "${missing}" is not installed for ${python}${from} ` +
        `(No module named '${missing}'). ${how}`
      );
    }
  }
}
