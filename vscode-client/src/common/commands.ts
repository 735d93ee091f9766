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
 * The target of the server's "Explain this function" code action and of its code lenses, whose
 * command is `codeorigin.explain` with `[uri, position, {notify: true}]`; undefined for any other
 * command. That command only shows a one-line message, so in VS Code they run Explain Function
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

/** The fields of a command (VS Code's `Command`) that are read and rewritten here. */
export interface CommandLike {
  title: string;
  command: string;
  tooltip?: string;
  arguments?: unknown[];
}

/**
 * Explain Function in place of a server command that explains (see explainActionTarget), with the
 * same title and tooltip; `args` turns the target into the client command's arguments (a Uri and a
 * Position). Undefined for any other command.
 */
export function paintingCommand(
  command: CommandLike,
  args: (target: ExplainTarget) => unknown[],
): CommandLike | undefined {
  const target = explainActionTarget(command.command, command.arguments);
  if (!target) {
    return undefined;
  }
  return {
    title: command.title,
    command: CLIENT_COMMANDS.explainFunction,
    ...(command.tooltip !== undefined ? { tooltip: command.tooltip } : {}),
    arguments: args(target),
  };
}

/**
 * The server's code lenses with their explain command replaced by Explain Function (in place), so
 * that clicking a lens paints the lines as the command and the code action do; others unchanged.
 */
export function paintingLenses<L extends { command?: CommandLike }>(
  lenses: L[] | null | undefined,
  args: (target: ExplainTarget) => unknown[],
): L[] | null | undefined {
  for (const lens of lenses ?? []) {
    const painting = lens.command && paintingCommand(lens.command, args);
    if (painting) {
      lens.command = painting;
    }
  }
  return lenses;
}
