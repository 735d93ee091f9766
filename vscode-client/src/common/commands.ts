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

/** Where to explain: a document URI and a 0-based LSP position. */
export interface ExplainTarget {
  uri: string;
  line: number;
  character: number;
}

/**
 * The target of the server's "Explain this function" code action, whose command is
 * `codeorigin.explain` with `[uri, position, {notify: true}]`; undefined for any other command.
 * That command only shows a one-line message, so in VS Code the action runs Explain Function
 * (`codeorigin.client.explainFunction`) on this target instead, which paints the lines.
 */
export function explainActionTarget(command: string, args: readonly unknown[] | undefined): ExplainTarget | undefined {
  if (command !== SERVER_COMMANDS.explain || !args) {
    return undefined;
  }
  const [uri, position] = args;
  if (typeof uri !== 'string' || typeof position !== 'object' || position === null) {
    return undefined;
  }
  const { line, character } = position as { line?: unknown; character?: unknown };
  if (!Number.isInteger(line) || !Number.isInteger(character)) {
    return undefined;
  }
  return { uri, line: line as number, character: character as number };
}
