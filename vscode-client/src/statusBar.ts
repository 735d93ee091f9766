/**
 * The status-bar item: the highest probability among the active document's codeorigin diagnostics
 * and the model's name, or why the document has none (a model error, scoring off, its language
 * left out or not judged by the model, the file not scored); a click shows the server status.
 */

import * as vscode from 'vscode';
import { CLIENT_COMMANDS } from './common/commands';
import { mappedLanguage, SECTION, SUPPORTED_LANGUAGES, type ServerSettings } from './common/settings';
import {
  errorFromStatus,
  highestProbability,
  modelNameFromStatus,
  scoringBySettings,
  scoringFromStatus,
  statusBarContent,
  type DocumentScoring,
  type ServerState,
} from './common/status';

/** The settings of a document the status bar reads (the normalised ones the server receives). */
export type SettingsFor = (uri: vscode.Uri) => Pick<ServerSettings, 'enable' | 'languages' | 'extensions'>;

export class ProbabilityStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private modelName: string | undefined;
  private state: ServerState = 'stopped';
  /** What the last `codeorigin.status` answer said of the document it was asked for. */
  private fromStatus: { uri: string | undefined; scoring: DocumentScoring } = { uri: undefined, scoring: {} };

  constructor(private readonly settingsFor: SettingsFor) {
    this.item = vscode.window.createStatusBarItem('codeorigin.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'codeorigin';
    this.item.command = CLIENT_COMMANDS.showStatus;
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.languages.onDidChangeDiagnostics((event) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && event.uris.some((uri) => uri.toString() === active)) {
          this.update();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SECTION)) {
          this.update();
        }
      }),
    );
    this.update();
  }

  /** A `codeorigin.status` answer, asked for the document `uri` (undefined: the global settings). */
  setServerStatus(uri: string | undefined, status: unknown): void {
    this.modelName = modelNameFromStatus(status);
    this.fromStatus = { uri, scoring: { ...scoringFromStatus(status), error: errorFromStatus(status) } };
    this.update();
  }

  setState(state: ServerState): void {
    this.state = state;
    this.update();
  }

  update(): void {
    const document = vscode.window.activeTextEditor?.document;
    const settings = document && this.settingsFor(document.uri);
    // The language the server reads the document in: codeorigin.extensions' first, as it does.
    const mapped =
      document?.uri.scheme === 'file' ? mappedLanguage(document.uri.fsPath, settings?.extensions ?? {}) : undefined;
    const language = mapped ?? document?.languageId;
    if (!document || !settings || !(SUPPORTED_LANGUAGES as readonly string[]).includes(language ?? '')) {
      this.item.hide();
      return;
    }
    // The status answer is of the document it was asked for; another document may use another
    // model (its folder's codeorigin.modelPath) or language until its own status is in.
    const fromStatus = this.fromStatus.uri === document.uri.toString() ? this.fromStatus.scoring : {};
    const content = statusBarContent(
      highestProbability(vscode.languages.getDiagnostics(document.uri)),
      this.modelName,
      this.state,
      { ...scoringBySettings(settings, language ?? document.languageId), ...fromStatus },
    );
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.show();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.item.dispose();
  }
}
