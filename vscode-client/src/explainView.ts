/**
 * Paints the lines of an explained function: one background decoration per line, its strength
 * following the line's share of the evidence, with the legend in the decoration's hover. The paint
 * of a document goes at its next edit (the line numbers would no longer match).
 */

import * as vscode from 'vscode';
import { toCss, LEVELS } from './common/colour';
import { planPaint, type Explanation, type LinePaint } from './common/explanation';

export class ExplainPainter implements vscode.Disposable {
  /** One decoration type per direction and strength, created when first needed. */
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  /** What is painted, per document URI, so editors opened later show it too. */
  private readonly painted = new Map<string, LinePaint[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) {
          this.clear(event.document.uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const editor of editors) {
          this.apply(editor);
        }
      }),
    );
  }

  /** Replaces the paint of the editor's document with that of this explanation. */
  show(editor: vscode.TextEditor, explanation: Explanation): number {
    const paints = planPaint(explanation).filter((p) => p.line < editor.document.lineCount);
    this.painted.set(editor.document.uri.toString(), paints);
    this.applyToAll(editor.document.uri);
    return paints.length;
  }

  /** Removes the paint of a document from every editor that shows it. */
  clear(uri: vscode.Uri): void {
    if (this.painted.delete(uri.toString())) {
      this.applyToAll(uri);
    }
  }

  clearAll(): void {
    const uris = [...this.painted.keys()];
    this.painted.clear();
    for (const uri of uris) {
      this.applyToAll(vscode.Uri.parse(uri));
    }
  }

  private applyToAll(uri: vscode.Uri): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === uri.toString()) {
        this.apply(editor);
      }
    }
  }

  /** Sets every decoration type on the editor: the document's lines for its types, nothing for the rest. */
  private apply(editor: vscode.TextEditor): void {
    const paints = this.painted.get(editor.document.uri.toString()) ?? [];
    const byType = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>();
    for (const paint of paints) {
      const type = this.typeFor(paint);
      const options = byType.get(type) ?? [];
      options.push({ range: editor.document.lineAt(paint.line).range, hoverMessage: new vscode.MarkdownString(paint.hover) });
      byType.set(type, options);
    }
    // Every known type is set, the unused ones to nothing, so an older paint does not linger.
    for (const type of this.types.values()) {
      editor.setDecorations(type, byType.get(type) ?? []);
    }
  }

  private typeFor(paint: LinePaint): vscode.TextEditorDecorationType {
    const key = `${paint.direction}:${paint.level}`;
    let type = this.types.get(key);
    if (!type) {
      const colour = toCss(paint.colour);
      type = vscode.window.createTextEditorDecorationType({
        backgroundColor: colour,
        isWholeLine: true,
        // Only the strongest lines mark the scroll bar, so it points at what matters.
        overviewRulerColor: paint.level >= LEVELS - 1 ? toCss({ ...paint.colour, a: 0.9 }) : undefined,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      });
      this.types.set(key, type);
    }
    return type;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    for (const type of this.types.values()) {
      type.dispose();
    }
    this.types.clear();
    this.painted.clear();
  }
}
