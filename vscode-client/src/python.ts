/**
 * Finds the Python that runs the server (setting, then the Python extension, then `python3`) and
 * checks that it can import codeorigin before the server is started with it.
 */

import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  chooseInterpreter,
  displayInterpreter,
  importCheckArguments,
  type ImportFailure,
  type Interpreter,
  untrustedVariables,
  type Variables,
} from './common/interpreter';
import { SECTION } from './common/settings';

const PYTHON_EXTENSION_ID = 'ms-python.python';
const IMPORT_CHECK_TIMEOUT_MS = 30_000;

/** The part of the Python extension's API used here (`@vscode/python-extension` describes it all). */
interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(
    environment: EnvironmentPath | string,
  ): Promise<{ readonly executable: { readonly uri: vscode.Uri | undefined } } | undefined>;
  readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  /** Current name; older releases called it `environment`. */
  readonly environments?: PythonEnvironmentsApi;
  readonly environment?: PythonEnvironmentsApi;
  readonly settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

async function pythonExtensionApi(log: vscode.LogOutputChannel): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api?.ready;
    return api;
  } catch (error) {
    log.warn(`The Python extension could not be activated: ${String(error)}`);
    return undefined;
  }
}

/** The active interpreter's command line according to the Python extension, if it has one. */
async function pythonExtensionCommand(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<string[] | undefined> {
  const api = await pythonExtensionApi(log);
  if (!api) {
    return undefined;
  }
  const environments = api.environments ?? api.environment;
  try {
    if (environments) {
      const resolved = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) {
        return [executable];
      }
    }
    const execCommand = api.settings?.getExecutionDetails(resource).execCommand;
    return execCommand && execCommand.length > 0 ? execCommand : undefined;
  } catch (error) {
    log.warn(`The Python extension did not give an interpreter: ${String(error)}`);
    return undefined;
  }
}

/**
 * Calls `listener` when the Python extension's active interpreter changes (if it is installed).
 * This activates the Python extension: call it only where findInterpreter would ask it.
 */
export async function onDidChangePythonInterpreter(
  listener: () => void,
  log: vscode.LogOutputChannel,
): Promise<vscode.Disposable | undefined> {
  const api = await pythonExtensionApi(log);
  return (api?.environments ?? api?.environment)?.onDidChangeActiveEnvironmentPath(() => listener());
}

function variables(resource: vscode.Uri | undefined): Variables {
  const folder =
    (resource && vscode.workspace.getWorkspaceFolder(resource)) ?? vscode.workspace.workspaceFolders?.[0];
  return { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env };
}

/**
 * A setting that names a program to run or a model to load. In an untrusted workspace (Restricted
 * Mode) only the user's value counts, never the workspace's or the folder's: opening a hostile
 * repository must not run its program. (package.json lists both settings in
 * `restrictedConfigurations`, so VS Code hides the workspace's values too; this does not rely on it.)
 * `ignored` is the workspace's value that was not used, if any.
 */
export function userValueWhenUntrusted(
  key: 'interpreter' | 'modelPath',
  resource: vscode.Uri | undefined,
): { value: unknown; ignored: unknown } {
  const config = vscode.workspace.getConfiguration(SECTION, resource);
  if (vscode.workspace.isTrusted) {
    return { value: config.get<unknown>(key), ignored: undefined };
  }
  const inspected = config.inspect<unknown>(key);
  return {
    value: inspected?.globalValue ?? inspected?.defaultValue,
    ignored: inspected?.workspaceFolderValue ?? inspected?.workspaceValue,
  };
}

let warnedUntrusted = false;

/**
 * The interpreter for the server. The Python extension is only asked (and activated) when the
 * `codeorigin.interpreter` setting is unset, and never in an untrusted workspace (its interpreter
 * may be one the workspace brings).
 */
export async function findInterpreter(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<Interpreter> {
  const { value: setting, ignored } = userValueWhenUntrusted('interpreter', resource);
  const trusted = vscode.workspace.isTrusted;
  const untrusted = untrustedVariables(setting, variables(resource));
  const vars = trusted ? variables(resource) : untrusted.vars;
  const fromSetting = chooseInterpreter({ setting }, vars);
  if (!trusted) {
    // VS Code hides the workspace's values of restricted settings, so `ignored` is mostly unknown.
    const why =
      "This workspace is not trusted (Restricted Mode), so its codeorigin.interpreter and codeorigin.modelPath " +
      (ignored !== undefined ? `(${JSON.stringify(ignored)}) ` : '') +
      'are not used: the server runs with ' +
      (fromSetting.source === 'setting' ? `the interpreter of your user settings (${displayInterpreter(fromSetting)})` : 'python3 from PATH') +
      (untrusted.withheld ? ', whose ${workspaceFolder} is not expanded (it would run a program of the untrusted folder)' : '') +
      ', and the Python extension is not asked. Trust the workspace to use its settings.';
    log.warn(why);
    if (!warnedUntrusted) {
      warnedUntrusted = true;
      void vscode.window.showWarningMessage(`codeorigin: ${why}`);
    }
    return fromSetting;
  }
  if (fromSetting.source === 'setting') {
    return fromSetting;
  }
  return chooseInterpreter({ setting, pythonExtension: await pythonExtensionCommand(resource, log) }, vars);
}

/**
 * Runs the import check (`python -c "import codeorigin.lsp.server, onnxruntime"`: the package and
 * the dependencies the server needs); resolves to undefined when it works.
 */
export function checkImport(interpreter: Interpreter, cwd: string | undefined): Promise<ImportFailure | undefined> {
  return new Promise((resolve) => {
    cp.execFile(
      interpreter.command,
      importCheckArguments(interpreter),
      { cwd, timeout: IMPORT_CHECK_TIMEOUT_MS, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve(undefined);
        } else if (['ENOENT', 'EACCES'].includes(String((error as NodeJS.ErrnoException).code))) {
          resolve({ kind: 'not-found' }); // missing, or not an executable (a folder, a plain file)
        } else if (error.killed) {
          resolve({ kind: 'timeout' });
        } else {
          resolve({ kind: 'import-error', detail: String(stderr).trim() || error.message });
        }
      },
    );
  });
}

/**
 * The source checkout the extension runs from, when it is run from the repository (extension
 * development): the parent folder holding codeorigin's pyproject.toml. Undefined for an installed .vsix.
 */
export function sourceCheckout(extensionPath: string): string | undefined {
  const root = path.dirname(extensionPath);
  try {
    const pyproject = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
    return /^name\s*=\s*"codeorigin"/m.test(pyproject) ? root : undefined;
  } catch {
    return undefined;
  }
}
