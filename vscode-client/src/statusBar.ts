/**
 * The status-bar item: the highest probability among the active document's codeorigin diagnostics
 * and the model's name; a click shows the server status.
 */

import * as vscode from 'vscode';
import { CLIENT_COMMANDS } from './common/commands';
import { SUPPORTED_LANGUAGES } from './common/settings';
import { highestProbability, statusBarContent, type ServerState } from './common/status';

export class ProbabilityStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private modelName: string | undefined;
  private state: ServerState = 'stopped';

  constructor() {
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
    );
    this.update();
  }

  setModelName(name: string | undefined): void {
    this.modelName = name;
    this.update();
  }

  setState(state: ServerState): void {
    this.state = state;
    this.update();
  }

  update(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !(SUPPORTED_LANGUAGES as readonly string[]).includes(document.languageId)) {
      this.item.hide();
      return;
    }
    const content = statusBarContent(
      highestProbability(vscode.languages.getDiagnostics(document.uri)),
      this.modelName,
      this.state,
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
