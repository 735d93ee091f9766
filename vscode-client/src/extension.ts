/**
 * The codeorigin extension: starts the language server for the supported languages and adds the
 * commands, the "Explain function" paint and the status-bar item.
 *
 * Client commands are `codeorigin.client.*`; they call the server's own commands
 * (`codeorigin.rescoreSelection`, `codeorigin.explain`, ...) with workspace/executeCommand. See
 * common/commands.ts for why the names differ.
 */

import * as vscode from 'vscode';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from './common/commands';
import { parseExplanation, summary } from './common/explanation';
import { followsPythonExtension, interpreterSettingEmpty } from './common/interpreter';
import { explainFailureNotice, prefixed, rescoreSummary, serverUnavailable } from './common/messages';
import { mappedExtensions, SECTION } from './common/settings';
import { flattenStatus } from './common/status';
import { ExplainPainter } from './explainView';
import { onDidChangePythonInterpreter } from './python';
import { currentSettings, ServerController } from './server';
import { ProbabilityStatusBar } from './statusBar';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('codeorigin', { log: true });
  const server = new ServerController(context, output);
  const painter = new ExplainPainter();
  const statusBar = new ProbabilityStatusBar((uri) => currentSettings(uri).settings);
  controller = server;
  context.subscriptions.push(output, server, painter, statusBar);

  // The status answers for the active document: its model's error shows in the status bar.
  const refreshStatus = coalesced(() => refreshServerStatus(server, statusBar, output));
  server.onDidChangeState((state) => {
    statusBar.setState(state);
    if (state === 'running') {
      refreshStatus();
    }
  });
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(() => refreshStatus()),
    // A new analysis of the active document (after a setting changed, or a rescore) may come
    // with a model that loaded or failed.
    vscode.languages.onDidChangeDiagnostics((event) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (active && event.uris.some((uri) => uri.toString() === active)) {
        refreshStatus();
      }
    }),
  );

  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  register(CLIENT_COMMANDS.restartServer, async () => {
    output.info('Restarting the server.');
    await server.restart();
  });
  register(CLIENT_COMMANDS.rescoreSelection, () => rescore(server, output, true));
  register(CLIENT_COMMANDS.rescoreDocument, async () => {
    await rescore(server, output, false);
    refreshStatus(); // a rescore retries a model that failed to load
  });
  register(CLIENT_COMMANDS.explainFunction, (uri, position) =>
    explainFunction(server, painter, output, uri instanceof vscode.Uri ? uri : undefined, position instanceof vscode.Position ? position : undefined),
  );
  register(CLIENT_COMMANDS.clearExplanation, () => painter.clearAll());
  register(CLIENT_COMMANDS.showStatus, () => showStatus(server, statusBar, output));

  // The Python extension's interpreter is followed only where it is the one asked for: a trusted
  // workspace whose codeorigin.interpreter is empty (python.ts, findInterpreter). Watching it
  // activates that extension, so it is started when it is needed and never delays the server.
  let pythonListener: vscode.Disposable | undefined;
  let watchingPython = false;
  const followPython = async (): Promise<void> => {
    const setting = vscode.workspace.getConfiguration(SECTION).get<unknown>('interpreter');
    if (watchingPython || !followsPythonExtension(vscode.workspace.isTrusted, setting)) {
      return;
    }
    watchingPython = true;
    pythonListener = await onDidChangePythonInterpreter(() => {
      if (interpreterSettingEmpty(vscode.workspace.getConfiguration(SECTION).get<unknown>('interpreter'))) {
        output.info("The Python extension's interpreter changed: restarting the server.");
        void server.restart();
      }
    }, output);
  };
  context.subscriptions.push({
    dispose: () => {
      pythonListener?.dispose();
    },
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The interpreter is fixed when the server starts; every other setting reaches it live.
      if (event.affectsConfiguration(`${SECTION}.interpreter`)) {
        output.info('codeorigin.interpreter changed: restarting the server.');
        void server.restart();
        void followPython();
      }
      if (event.affectsConfiguration(`${SECTION}.extensions`)) {
        void setMappedExtensionsContext();
        if (server.extensionsChanged()) {
          output.info('codeorigin.extensions changed: restarting the server, so that it is sent the files it maps.');
          void server.restart();
        }
      }
      if (event.affectsConfiguration(SECTION)) {
        refreshStatus();
      }
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.info("The workspace is trusted now: restarting the server with the workspace's settings.");
      void server.restart();
      void followPython();
    }),
  );
  void followPython();
  void setMappedExtensionsContext();

  await server.start();
}

export function deactivate(): Promise<void> | undefined {
  return controller?.stop();
}

/** The `codeorigin.mappedExtensions` context key: package.json offers the commands in those files. */
function setMappedExtensionsContext(): Thenable<unknown> {
  const extensions = mappedExtensions(currentSettings().settings.extensions);
  return vscode.commands.executeCommand('setContext', 'codeorigin.mappedExtensions', extensions);
}

/**
 * An explanation that failed: the server's message, prefixed once. A function the server does not
 * explain (its language is not judged, it is generated) is information, not an error.
 */
function reportExplainError(error: unknown, output: vscode.LogOutputChannel): void {
  const message = error instanceof Error ? error.message : String(error);
  const notice = explainFailureNotice(message);
  if (notice.level === 'information') {
    output.info(message);
    void vscode.window.showInformationMessage(notice.text);
  } else {
    output.error(message);
    void vscode.window.showErrorMessage(notice.text);
  }
}

/** Runs `work` now, or once more after the run in progress when one is. */
function coalesced(work: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void work().finally(() => {
      running = false;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}

/** `codeorigin.status` answers for the active document's settings when it is given its URI. */
function statusArguments(): string[] {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri ? [uri.toString()] : [];
}

/** Asks `codeorigin.status` for the active document: its model's name and error, if any. */
async function refreshServerStatus(
  server: ServerController,
  statusBar: ProbabilityStatusBar,
  output: vscode.LogOutputChannel,
): Promise<void> {
  if (server.state !== 'running') {
    return;
  }
  const args = statusArguments();
  try {
    statusBar.setServerStatus(args[0], await server.executeServerCommand(SERVER_COMMANDS.status, args));
  } catch (error) {
    output.warn(`Asking the server for its status: ${String(error)}`);
  }
}

/** Rescores the selection, or the whole document when nothing is selected (or when asked to). */
async function rescore(
  server: ServerController,
  output: vscode.LogOutputChannel,
  selectionOnly: boolean,
): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('codeorigin: open a file to rescore.');
    return;
  }
  const converter = server.converters?.code2ProtocolConverter;
  if (!reachable(server, output) || !converter) {
    return;
  }
  const uri = editor.document.uri.toString();
  try {
    if (selectionOnly && !editor.selection.isEmpty) {
      // The server shows the selection's verdict itself.
      await server.executeServerCommand(SERVER_COMMANDS.rescoreSelection, [
        uri,
        converter.asRange(editor.selection),
      ]);
    } else {
      const summary = rescoreSummary(await server.executeServerCommand(SERVER_COMMANDS.rescoreDocument, [uri]));
      if (summary !== undefined) {
        output.info(summary);
        void vscode.window.showInformationMessage(summary);
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.error(`Rescoring: ${message}`);
    void vscode.window.showErrorMessage(`codeorigin: rescoring failed: ${message}`);
  }
}

/**
 * Whether the server can answer a command now; if not, says why (still starting, or not running)
 * with the actions that help, and returns false.
 */
function reachable(server: ServerController, output: vscode.LogOutputChannel): boolean {
  const why = serverUnavailable(server.state);
  if (why === undefined) {
    return true;
  }
  const actions = server.state === 'starting' ? [] : ['Restart Server', 'Show Output'];
  void vscode.window.showWarningMessage(why, ...actions).then((choice) => {
    if (choice === 'Restart Server') {
      void server.restart();
    } else if (choice === 'Show Output') {
      output.show();
    }
  });
  return false;
}

/**
 * Explains the function at `position` in `uri` (from the code action) or at the cursor, and paints
 * its lines.
 */
async function explainFunction(
  server: ServerController,
  painter: ExplainPainter,
  output: vscode.LogOutputChannel,
  uri?: vscode.Uri,
  position?: vscode.Position,
): Promise<void> {
  const editor = uri
    ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString())
    : vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('codeorigin: open a file to explain a function.');
    return;
  }
  const converter = server.converters?.code2ProtocolConverter;
  if (!reachable(server, output) || !converter) {
    return;
  }
  const document = editor.document;
  const version = document.version;
  try {
    const raw = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'codeorigin: explaining the function' },
      () =>
        server.executeServerCommand(SERVER_COMMANDS.explain, [
          document.uri.toString(),
          converter.asPosition(position ?? editor.selection.active),
        ]),
    );
    const explanation = parseExplanation(raw);
    if (typeof explanation === 'string') {
      void vscode.window.showInformationMessage(`codeorigin: ${explanation}`);
      return;
    }
    if (document.version !== version) {
      void vscode.window.showInformationMessage('codeorigin: the file changed while it was explained; run Explain Function again.');
      return;
    }
    const painted = painter.show(editor, explanation);
    output.info(`Explained ${summary(explanation)}; ${painted} lines painted.`);
    vscode.window.setStatusBarMessage(`codeorigin: ${summary(explanation)}`, 10_000);
  } catch (error) {
    reportExplainError(error, output);
  }
}

async function showStatus(
  server: ServerController,
  statusBar: ProbabilityStatusBar,
  output: vscode.LogOutputChannel,
): Promise<void> {
  let status: unknown;
  const args = statusArguments();
  if (!reachable(server, output)) {
    return;
  }
  try {
    status = await server.executeServerCommand(SERVER_COMMANDS.status, args);
  } catch (error) {
    const choice = await vscode.window.showWarningMessage(
      prefixed(error instanceof Error ? error.message : String(error)),
      'Restart Server',
      'Show Output',
    );
    if (choice === 'Restart Server') {
      await server.restart();
    } else if (choice === 'Show Output') {
      output.show();
    }
    return;
  }
  statusBar.setServerStatus(args[0], status);
  output.info(`Server status:\n${JSON.stringify(status, null, 2)}`);
  const showOutput = { label: '$(output) Show the full status in the output channel', description: '' };
  const picked = await vscode.window.showQuickPick([showOutput, ...flattenStatus(status)], {
    title: 'codeorigin server status',
    matchOnDescription: true,
  });
  if (picked === showOutput) {
    output.show();
  }
}
