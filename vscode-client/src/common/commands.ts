/**
 * Command ids on both sides of the connection.
 *
 * vscode-languageclient registers every command the server lists in `executeCommandProvider` as a
 * VS Code command of the same id, and VS Code refuses a second command with an id already taken. So
 * the extension's own commands live under `codeorigin.client.` and never reuse a server id; they
 * call the server with `workspace/executeCommand` themselves, with the arguments it expects.
 */

/** Commands the server registers (run with `workspace/executeCommand`). */
export const SERVER_COMMANDS = {
  /** [uri: string, range: LSP Range] */
  rescoreSelection: 'codeorigin.rescoreSelection',
  /** [uri: string] */
  rescoreDocument: 'codeorigin.rescoreDocument',
  /** [uri?: string] → { model: { name, ... }, ... } for that document's settings, or the global ones */
  status: 'codeorigin.status',
  /** [uri: string, position: LSP Position] → Explanation | null */
  explain: 'codeorigin.explain',
} as const;

/** Commands the extension contributes in package.json. */
export const CLIENT_COMMANDS = {
  restartServer: 'codeorigin.client.restartServer',
  rescoreSelection: 'codeorigin.client.rescoreSelection',
  rescoreDocument: 'codeorigin.client.rescoreDocument',
  explainFunction: 'codeorigin.client.explainFunction',
  clearExplanation: 'codeorigin.client.clearExplanation',
  showStatus: 'codeorigin.client.showStatus',
} as const;
