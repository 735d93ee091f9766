/**
 * A small in-process stand-in for the `vscode` module, enough for vscode-languageclient and this
 * extension to activate under plain Node: real value classes (Uri, Position, Range, ...), settings
 * read from package.json's defaults plus overrides, and recorders for what the extension shows
 * (messages, status bar, decorations, quick picks, registered commands, diagnostics).
 *
 * Anything not modelled here is answered by a Proxy: `on*` members are events that never fire,
 * `register*`/`create*` return disposables, unknown classes and enums are inert. It is not VS Code;
 * it exists so the integration test can drive the real bundle against a real (fake) server process.
 */
'use strict';
const path = require('node:path');
const { pathToFileURL, fileURLToPath } = require('node:url');

class Disposable {
  constructor(fn) {
    this._fn = fn;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose()));
  }
  dispose() {
    if (this._fn) {
      this._fn();
      this._fn = undefined;
    }
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg) => {
      const bound = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(bound);
      return new Disposable(() => this.listeners.delete(bound));
    };
  }
  fire(value) {
    for (const l of [...this.listeners]) {
      l(value);
    }
  }
  dispose() {
    this.listeners.clear();
  }
}

const noEvent = () => new Disposable(() => {});

class Uri {
  constructor(scheme, authority, p, query, fragment) {
    this.scheme = scheme;
    this.authority = authority || '';
    this.path = p || '';
    this.query = query || '';
    this.fragment = fragment || '';
  }
  static parse(value) {
    const u = new URL(value);
    return new Uri(u.protocol.replace(/:$/, ''), u.host, decodeURIComponent(u.pathname), u.search.replace(/^\?/, ''), u.hash.replace(/^#/, ''));
  }
  static file(fsPath) {
    return new Uri('file', '', path.resolve(fsPath));
  }
  get fsPath() {
    return this.scheme === 'file' ? fileURLToPath(this.toString()) : this.path;
  }
  with(change) {
    return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString() {
    return this.scheme === 'file' ? pathToFileURL(this.path).toString() : `${this.scheme}://${this.authority}${this.path}`;
  }
  toJSON() {
    return this.toString();
  }
}

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
  isBefore(o) {
    return this.line < o.line || (this.line === o.line && this.character < o.character);
  }
  isEqual(o) {
    return this.line === o.line && this.character === o.character;
  }
}

class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') {
      this.start = new Position(a, b);
      this.end = new Position(c, d);
    } else {
      this.start = a;
      this.end = b;
    }
  }
  get isEmpty() {
    return this.start.isEqual(this.end);
  }
}

class Selection extends Range {
  constructor(anchor, active) {
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
}

class Diagnostic {
  constructor(range, message, severity) {
    this.range = range;
    this.message = message;
    this.severity = severity;
  }
}

class MarkdownString {
  constructor(value = '') {
    this.value = value;
  }
  appendMarkdown(v) {
    this.value += v;
    return this;
  }
  appendText(v) {
    this.value += v;
    return this;
  }
}

class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this._emitter = emitter;
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
  }
  cancel() {
    this.token.isCancellationRequested = true;
    this._emitter.fire();
  }
  dispose() {}
}

class CodeActionKind {
  constructor(value) {
    this.value = value;
  }
  append(part) {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
  contains(other) {
    return other.value === this.value || other.value.startsWith(`${this.value}.`);
  }
}
for (const k of ['Empty', 'QuickFix', 'Refactor', 'RefactorExtract', 'RefactorInline', 'RefactorRewrite', 'Source', 'SourceOrganizeImports', 'SourceFixAll']) {
  CodeActionKind[k] = new CodeActionKind(k === 'Empty' ? '' : k.replace(/([a-z])([A-Z])/g, '$1.$2').toLowerCase());
}

/** An inert class that also answers enum-style static lookups with the member's name. */
function autoClass(name) {
  const cls = { [name]: class {
    constructor(...args) {
      this.args = args;
    }
  } }[name];
  return new Proxy(cls, { get: (t, p) => (p in t ? t[p] : typeof p === 'string' ? p : undefined) });
}

/** A namespace whose unknown `on*` members are silent events and `register*`/`create*` give disposables. */
function namespace(real) {
  return new Proxy(real, {
    get(t, p) {
      if (p in t) {
        return t[p];
      }
      if (typeof p === 'string' && p.startsWith('on')) {
        return noEvent;
      }
      if (typeof p === 'string' && /^(register|create)/.test(p)) {
        return () => new Disposable(() => {});
      }
      return undefined;
    },
  });
}

/**
 * `pythonExtension`, when given, is what `extensions.getExtension('ms-python.python')` returns
 * (see `fakePythonExtension`).
 */
/** VS Code's glob, as far as document selectors here use it: '**' then '/', '*' and '[...]'. */
function globMatches(pattern, fsPath) {
  const source = pattern
    .split(/(\*\*\/|\*|\[[^\]]*\])/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.startsWith('[') ? part : part.replace(/[.+?^${}()|\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(fsPath.replace(/^\//, ''));
}

/**
 * `answer(message, items)`, when given, is the item the user picks for a message (undefined: the
 * message is dismissed).
 */
function createMock({ root, workspaceFolder, settingsOverrides = {}, pythonExtension, answer = () => undefined }) {
  const manifest = require(path.join(root, 'package.json'));
  const defaults = {};
  for (const [key, property] of Object.entries(manifest.contributes.configuration.properties)) {
    defaults[key] = property.default;
  }
  const overrides = { ...settingsOverrides };
  const record = {
    messages: [],
    commands: new Map(),
    contextKeys: new Map(),
    statusBarItems: [],
    decorationTypes: [],
    decorations: new Map(),
    quickPicks: [],
    output: [],
    diagnostics: new Map(),
    answers: [],
    codeLensProviders: [],
    codeActionProviders: [],
  };

  const configurationChanged = new EventEmitter();
  const diagnosticsChanged = new EventEmitter();
  const activeEditorChanged = new EventEmitter();
  const documentOpened = new EventEmitter();
  const documentChanged = new EventEmitter();

  function getConfiguration(section) {
    const full = (key) => (section ? `${section}.${key}` : key);
    const read = (key) => {
      const k = full(key);
      if (k in overrides) {
        return overrides[k];
      }
      if (k in defaults) {
        return defaults[k];
      }
      // A whole sub-section, e.g. getConfiguration().get('codeorigin').
      const prefix = `${k}.`;
      const keys = [...new Set([...Object.keys(defaults), ...Object.keys(overrides)])].filter((x) => x.startsWith(prefix));
      if (keys.length === 0) {
        return undefined;
      }
      const out = {};
      for (const x of keys) {
        const parts = x.slice(prefix.length).split('.');
        let cur = out;
        parts.slice(0, -1).forEach((p) => (cur = cur[p] ??= {}));
        cur[parts.at(-1)] = x in overrides ? overrides[x] : defaults[x];
      }
      return out;
    };
    const config = {
      get: (key, fallback) => {
        const v = read(key);
        return v === undefined ? fallback : v;
      },
      has: (key) => read(key) !== undefined,
      inspect: (key) => ({ key: full(key), defaultValue: defaults[full(key)] }),
      update: async () => {},
    };
    return config;
  }

  /** Changes settings and fires onDidChangeConfiguration as VS Code does. */
  function setSettings(values) {
    Object.assign(overrides, values);
    const changed = Object.keys(values);
    configurationChanged.fire({
      affectsConfiguration: (section) => changed.some((k) => k === section || k.startsWith(`${section}.`)),
    });
  }

  function textDocument(fsPath, languageId, text) {
    const lines = text.split('\n');
    return {
      uri: Uri.file(fsPath),
      fileName: fsPath,
      languageId,
      version: 1,
      isDirty: false,
      isClosed: false,
      isUntitled: false,
      eol: 1,
      lineCount: lines.length,
      getText: () => text,
      lineAt: (line) => ({ lineNumber: line, text: lines[line], range: new Range(line, 0, line, lines[line].length) }),
      positionAt: () => new Position(0, 0),
      offsetAt: () => 0,
      save: async () => true,
    };
  }

  const editors = [];
  const window = namespace({
    get activeTextEditor() {
      return editors[0];
    },
    get visibleTextEditors() {
      return editors.slice();
    },
    onDidChangeActiveTextEditor: activeEditorChanged.event,
    createOutputChannel: (name) => {
      const channel = {
        name,
        logLevel: 2,
        onDidChangeLogLevel: noEvent,
        append: (v) => record.output.push(v),
        appendLine: (v) => record.output.push(v),
        replace: () => {},
        clear: () => {},
        show: () => {},
        hide: () => {},
        dispose: () => {},
      };
      for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
        channel[level] = (v, ...rest) => record.output.push(`[${level}] ${v}${rest.length ? ` ${rest.map(String).join(' ')}` : ''}`);
      }
      return channel;
    },
    createStatusBarItem: (id, alignment, priority) => {
      const item = { id, alignment, priority, text: '', tooltip: '', visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
      record.statusBarItems.push(item);
      return item;
    },
    createTextEditorDecorationType: (options) => {
      const type = { key: `decoration-${record.decorationTypes.length}`, options, dispose() {} };
      record.decorationTypes.push(type);
      return type;
    },
    showErrorMessage: async (message, ...items) => (record.messages.push({ level: 'error', message, items }), answer(message, items)),
    showWarningMessage: async (message, ...items) => (record.messages.push({ level: 'warning', message, items }), answer(message, items)),
    showInformationMessage: async (message, ...items) => (record.messages.push({ level: 'info', message, items }), answer(message, items)),
    setStatusBarMessage: (message) => (record.messages.push({ level: 'status', message }), new Disposable(() => {})),
    showQuickPick: async (items, options) => (record.quickPicks.push({ items: await items, options }), undefined),
    withProgress: (_options, task) => task({ report() {} }, new CancellationTokenSource().token),
    createTerminal: () => ({ show() {}, sendText() {}, dispose() {} }),
    tabGroups: { all: [], onDidChangeTabs: noEvent },
  });

  const workspace = namespace({
    workspaceFolders: [{ uri: Uri.file(workspaceFolder), name: path.basename(workspaceFolder), index: 0 }],
    getWorkspaceFolder: () => workspace.workspaceFolders[0],
    textDocuments: [],
    getConfiguration,
    // A trusted workspace: Restricted Mode is checked in the real VS Code (test-e2e/trust.e2e.test.mjs).
    isTrusted: true,
    onDidGrantWorkspaceTrust: noEvent,
    onDidChangeConfiguration: configurationChanged.event,
    onDidOpenTextDocument: documentOpened.event,
    onDidChangeTextDocument: documentChanged.event,
    fs: { stat: async () => ({}) },
  });

  const collections = [];
  const languages = namespace({
    match: (selector, document) => {
      const selectors = Array.isArray(selector) ? selector : [selector];
      return selectors.some((s) => typeof s === 'string' ? s === document.languageId : (!s.language || s.language === document.languageId) && (!s.scheme || s.scheme === document.uri.scheme) && (!s.pattern || globMatches(s.pattern, document.uri.fsPath))) ? 10 : 0;
    },
    createDiagnosticCollection: (name) => {
      const map = new Map();
      const collection = {
        name,
        set: (uri, diagnostics) => {
          map.set(uri.toString(), diagnostics || []);
          diagnosticsChanged.fire({ uris: [uri] });
        },
        delete: (uri) => map.delete(uri.toString()),
        clear: () => map.clear(),
        get: (uri) => map.get(uri.toString()),
        has: (uri) => map.has(uri.toString()),
        forEach: (fn) => map.forEach((v, k) => fn(Uri.parse(k), v, collection)),
        dispose: () => map.clear(),
      };
      collections.push(map);
      return collection;
    },
    getDiagnostics: (uri) => collections.flatMap((m) => m.get(uri.toString()) || []),
    registerCodeLensProvider: (selector, provider) => (record.codeLensProviders.push(provider), new Disposable(() => {})),
    registerCodeActionsProvider: (selector, provider) => (record.codeActionProviders.push(provider), new Disposable(() => {})),
    onDidChangeDiagnostics: diagnosticsChanged.event,
  });

  const commands = namespace({
    registerCommand: (id, handler) => {
      if (record.commands.has(id)) {
        throw new Error(`command '${id}' already exists`);
      }
      record.commands.set(id, handler);
      return new Disposable(() => record.commands.delete(id));
    },
    executeCommand: async (id, ...args) => {
      if (id === 'setContext') {
        record.contextKeys.set(args[0], args[1]);
        return undefined;
      }
      const handler = record.commands.get(id);
      if (!handler) {
        throw new Error(`command '${id}' not found`);
      }
      return handler(...args);
    },
    getCommands: async () => [...record.commands.keys()],
  });

  const real = {
    version: '1.82.0',
    Disposable,
    EventEmitter,
    Uri,
    Position,
    Range,
    Selection,
    Diagnostic,
    MarkdownString,
    CancellationTokenSource,
    CancellationError: class CancellationError extends Error {},
    CodeActionKind,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    OverviewRulerLane: { Left: 1, Center: 2, Right: 4, Full: 7 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
    window,
    workspace,
    languages,
    commands,
    extensions: namespace({ getExtension: (id) => (id === 'ms-python.python' ? pythonExtension : undefined), all: [] }),
    env: namespace({ machineId: 'test', sessionId: 'test', language: 'en', appName: 'mock', uriScheme: 'vscode', clipboard: { writeText: async () => {} } }),
  };
  const vscode = new Proxy(real, { get: (t, p) => (p in t ? t[p] : typeof p === 'string' && /^[A-Z]/.test(p) ? (t[p] = autoClass(p)) : undefined) });

  /** Opens a document in the (single) editor, with the cursor at `cursor`. */
  function openEditor(fsPath, languageId, text, cursor = new Position(0, 0), anchor = cursor) {
    const document = textDocument(fsPath, languageId, text);
    workspace.textDocuments.push(document);
    const editor = {
      document,
      selection: new Selection(anchor, cursor),
      selections: [new Selection(anchor, cursor)],
      setDecorations: (type, options) => {
        const key = `${document.uri.toString()}|${type.key}`;
        record.decorations.set(key, { type, options });
      },
    };
    editors.unshift(editor);
    documentOpened.fire(document);
    activeEditorChanged.fire(editor);
    return editor;
  }

  /** Fires a content change for the document, as an edit would. */
  function editDocument(document) {
    document.version += 1;
    documentChanged.fire({ document, contentChanges: [{ text: 'x' }], reason: undefined });
  }

  return { vscode, record, setSettings, openEditor, editDocument };
}

/**
 * A stand-in for the Python extension: its active interpreter is `execCommand`, and `activated`
 * and `listening` say whether codeorigin activated it and listens to its interpreter changes.
 */
function fakePythonExtension(execCommand) {
  const fake = {
    id: 'ms-python.python',
    isActive: false,
    activated: false,
    listening: false,
    exports: undefined,
  };
  const api = {
    settings: { getExecutionDetails: () => ({ execCommand }) },
    environments: {
      getActiveEnvironmentPath: () => ({ id: 'fake', path: execCommand[0] }),
      resolveEnvironment: async () => undefined,
      onDidChangeActiveEnvironmentPath: () => ((fake.listening = true), new Disposable(() => (fake.listening = false))),
    },
  };
  fake.activate = async () => {
    fake.activated = true;
    fake.isActive = true;
    fake.exports = api;
    return api;
  };
  return fake;
}

module.exports = { createMock, fakePythonExtension, Position, Uri };
