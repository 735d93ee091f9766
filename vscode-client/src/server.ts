/**
 * Starts, stops and restarts the codeorigin language server (`python -m codeorigin serve` over
 * stdio) and is the one place that talks to it.
 *
 * Settings travel three ways, always as the same normalised object (see common/settings.ts): as
 * `initializationOptions`, as the answer to `workspace/configuration` for section `codeorigin`, and
 * pushed with `workspace/didChangeConfiguration` when the user changes one.
 */

import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  type ErrorHandler,
  ExecuteCommandRequest,
  LanguageClient,
  type ResponseError,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  displayInterpreter,
  importFailureMessage,
  installCommand,
  packageSpec,
  serverArguments,
} from './common/interpreter';
import { paintingCommand, paintingLenses, type ExplainTarget } from './common/commands';
import {
  configurationAnswer,
  extensionPattern,
  mappedExtensions,
  ProblemsShown,
  problemSetting,
  readServerSettings,
  SECTION,
  SUPPORTED_LANGUAGES,
  type ServerSettings,
  type SettingsResult,
} from './common/settings';
import type { ServerState } from './common/status';
import { checkImport, findInterpreter, sourceCheckout, userValueWhenUntrusted } from './python';

const CLIENT_ID = 'codeorigin';
const CLIENT_NAME = 'codeorigin';

/** The normalised server settings for a scope (a document or folder), or the window. */
export function currentSettings(scope?: vscode.Uri): SettingsResult {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  // The model folder, like the interpreter, never comes from an untrusted workspace.
  return readServerSettings((key) =>
    key === 'modelPath' ? userValueWhenUntrusted('modelPath', scope).value : config.get<unknown>(key),
  );
}

/** Explain Function's arguments for a target of the server's explain command. */
function explainArguments(target: ExplainTarget): unknown[] {
  return [vscode.Uri.parse(target.uri), new vscode.Position(target.line, target.character)];
}

/**
 * A code action of the server's that runs `codeorigin.explain` runs Explain Function instead (same
 * title, same document and position), so that choosing it from the light bulb paints the lines.
 */
function paintingExplain(action: vscode.Command | vscode.CodeAction): vscode.Command | vscode.CodeAction {
  const command = typeof action.command === 'string' ? (action as vscode.Command) : (action as vscode.CodeAction).command;
  const painting = command && paintingCommand(command, explainArguments);
  if (!painting) {
    return action;
  }
  if (typeof action.command === 'string') {
    return painting;
  }
  (action as vscode.CodeAction).command = painting;
  return action;
}

/**
 * The client's error handler. A server that ends before it has started (it answers no
 * `initialize`) would end again at every restart: it is not restarted, and its connection errors
 * go to the output channel only, so the user gets one message (doStart's, from the failed start),
 * not a score of "Restarting server failed" and "connection to server is erroring". Once the
 * server has started, vscode-languageclient's own handler decides (it restarts a server that
 * crashes, up to 5 times in 3 minutes).
 */
function startErrors(started: () => boolean, defaults: () => ErrorHandler): ErrorHandler {
  let handler: ErrorHandler | undefined;
  const running = (): ErrorHandler | undefined => (started() ? (handler ??= defaults()) : undefined);
  return {
    error: (error, message, count) =>
      running()?.error(error, message, count) ?? { action: ErrorAction.Continue, handled: true },
    closed: () => running()?.closed() ?? { action: CloseAction.DoNotRestart, handled: true },
  };
}

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private currentState: ServerState = 'stopped';
  private readonly problemsShown = new ProblemsShown();
  /** The extensions of codeorigin.extensions in the running client's document selector. */
  private selectedExtensions: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get state(): ServerState {
    return this.currentState;
  }

  private setState(state: ServerState): void {
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  /** Start, stop and restart run one at a time, in the order asked. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work, work);
    return this.queue;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /**
   * Whether codeorigin.extensions now maps extensions other than those the client was started
   * with: its document selector, which decides the files the server is sent, is fixed at start.
   */
  extensionsChanged(): boolean {
    const now = mappedExtensions(currentSettings().settings.extensions);
    return this.client !== undefined && now.join('\n') !== this.selectedExtensions.join('\n');
  }

  /** Runs a server command with `workspace/executeCommand`; throws when the server is not running. */
  async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    const client = this.client;
    if (!client?.isRunning()) {
      throw new Error('The codeorigin server is not running. Run "codeorigin: Restart Server".');
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /** Converters between VS Code and LSP types, available while a client exists. */
  get converters(): Pick<LanguageClient, 'code2ProtocolConverter'> | undefined {
    return this.client;
  }

  /**
   * The server's working directory: the workspace folder, except in an untrusted workspace, where
   * `python -m codeorigin` would import a `codeorigin` package the workspace brings (the working
   * directory comes first on sys.path); there it is the extension's own folder.
   */
  private workingDirectory(): string | undefined {
    if (!vscode.workspace.isTrusted) {
      return this.context.extensionPath;
    }
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    this.setState('starting');
    const interpreter = await findInterpreter(vscode.window.activeTextEditor?.document.uri, this.output);
    this.output.info(`Python for the server: ${displayInterpreter(interpreter)} (from ${interpreter.source}).`);

    const cwd = this.workingDirectory();
    const failure = await checkImport(interpreter, cwd);
    if (failure) {
      const spec = packageSpec(sourceCheckout(this.context.extensionPath));
      const install = spec === undefined ? undefined : installCommand(interpreter, spec);
      const message = importFailureMessage(interpreter, failure, install);
      this.output.error(message);
      if (failure.kind === 'import-error') {
        this.output.error(failure.detail);
      }
      this.setState('failed');
      void this.offerInstall(message, failure.kind === 'import-error' ? install : undefined);
      return;
    }

    const initial = currentSettings();
    this.reportProblems(initial.problems);
    this.selectedExtensions = mappedExtensions(initial.settings.extensions);

    const serverOptions: ServerOptions = {
      command: interpreter.command,
      args: serverArguments(interpreter),
      // No `transport`: with TransportKind.stdio the client would append `--stdio` to the command.
      options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    // Whether this client's server ever answered `initialize`; until it has, see startErrors.
    let started = false;
    const clientOptions = this.clientOptions(initial.settings, () => started, () => client);

    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Running) {
        started = true;
        this.setState('running');
      } else if (event.newState === State.Starting) {
        this.setState('starting');
      } else {
        this.setState('stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
      // start() resolves, not rejects, when the server's end was handled before its failed
      // `initialize` was (vscode-languageclient 9): a server that is not running did not start.
      if (!client.isRunning()) {
        throw new Error('the server ended before it answered initialize');
      }
      this.setState('running');
    } catch (error) {
      this.output.error(`The codeorigin server did not start: ${String(error)}`);
      this.client = undefined;
      this.setState('failed');
      void vscode.window.showErrorMessage(
        'codeorigin: the server did not start. The "codeorigin" output channel says why.',
        'Show Output',
      ).then((choice) => choice && this.output.show());
    }
  }

  /**
   * The language client's options: the documents it sends, the settings as initializationOptions,
   * the error handling of startErrors and the middleware that paints explanations and answers for
   * `codeorigin`. `started` says whether the server has answered `initialize`; `client` is the
   * client made with them.
   */
  private clientOptions(
    settings: ServerSettings,
    started: () => boolean,
    client: () => LanguageClient,
  ): LanguageClientOptions {
    return {
      errorHandler: startErrors(started, () => client().createDefaultErrorHandler()),
      // Not the client's own pop-up of the bare error ("write EPIPE"): doStart says the server
      // did not start, and the output channel has why.
      initializationFailedHandler: (error) => {
        this.output.error(`The server's initialize failed: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
      // The supported languages, and the files codeorigin.extensions maps to one whatever VS Code
      // calls their language (`.cu` is cuda-cpp, an unknown extension plaintext).
      documentSelector: [
        ...SUPPORTED_LANGUAGES.flatMap((language) => [
          { scheme: 'file', language },
          { scheme: 'untitled', language },
        ]),
        ...this.selectedExtensions.map((extension) => ({ scheme: 'file', pattern: extensionPattern(extension) })),
      ],
      initializationOptions: settings,
      synchronize: { configurationSection: SECTION },
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware: {
        // The server's "Explain this function" action only shows a message; here it paints the lines.
        provideCodeActions: async (document, range, context, token, next) => {
          const actions = await next(document, range, context, token);
          return actions?.map(paintingExplain);
        },
        // Its code lenses too: clicking one paints the lines, as the action and the command do.
        provideCodeLenses: async (document, token, next) =>
          paintingLenses(await next(document, token), explainArguments),
        workspace: {
          // Answer for `codeorigin` with the normalised settings, so the server sees the same keys and
          // values as in initializationOptions; other sections are answered as VS Code would.
          configuration: async (params, token, next) => {
            const defaults: unknown = await next(params, token);
            if (!Array.isArray(defaults)) {
              return defaults as ResponseError<void>; // an error answer: pass it on
            }
            return params.items.map((item, i): unknown => {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              const current = currentSettings(scope);
              this.reportProblems(current.problems); // a folder's own bad values
              const answer = configurationAnswer(item.section, current.settings);
              return answer.handled ? answer.value : (defaults[i] as unknown);
            });
          },
          // Push the normalised settings too (not VS Code's raw section with client-only keys); a
          // server that prefers to pull can ignore them and ask with workspace/configuration.
          didChangeConfiguration: async () => {
            const changed = currentSettings();
            this.reportProblems(changed.problems);
            await this.client?.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { [SECTION]: changed.settings },
            });
          },
        },
      },
    };
  }
  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5_000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${String(error)}`);
      }
    }
    this.setState('stopped');
  }

  /**
   * A bad value in settings.json is replaced by its default: say so in the output channel and in a
   * warning (the setting, its value, the default used), once per distinct problem, not at every read.
   */
  private reportProblems(problems: readonly string[]): void {
    for (const problem of this.problemsShown.unseen(problems)) {
      this.output.warn(problem);
      const setting = problemSetting(problem);
      void vscode.window
        .showWarningMessage(problem, ...(setting ? ['Open Settings'] : []))
        .then((choice) => choice && vscode.commands.executeCommand('workbench.action.openSettings', setting));
    }
  }

  /** The failure, with the install command to run or copy when there is one to offer. */
  private async offerInstall(message: string, install: string | undefined): Promise<void> {
    // Without a command to offer, the user installs in a terminal of theirs, then restarts.
    const actions = install ? ['Install in Terminal', 'Copy Command', 'Open Settings'] : ['Restart Server', 'Open Settings'];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    const restartWhenInstalled = async (): Promise<void> => {
      const again = await vscode.window.showInformationMessage(
        'codeorigin: when the install has finished, restart the server.',
        'Restart Server',
      );
      if (again === 'Restart Server') {
        await this.restart();
      }
    };
    if (choice === 'Install in Terminal' && install) {
      const terminal = vscode.window.createTerminal('codeorigin install');
      terminal.show();
      terminal.sendText(install);
      await restartWhenInstalled();
    } else if (choice === 'Copy Command' && install) {
      await vscode.env.clipboard.writeText(install);
      await restartWhenInstalled();
    } else if (choice === 'Restart Server') {
      await this.restart();
    } else if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
    }
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }
}
