/**
 * The end-to-end test's harness: a real VS Code (code-server) with the packaged extension installed,
 * driven through its UI by Debian's chromium (playwright-core). Nothing here stands in for VS Code.
 *
 * Every wait is bounded and says what it waited for; a failing step saves the page (PNG and HTML)
 * and the logs (code-server's, the extension host's, the codeorigin output channel) under OUT.
 */

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CLIENT = path.dirname(HERE);
export const REPO = path.dirname(CLIENT);
/** Screenshots, logs, user-data and workspaces of a run; `make test` prints where. */
export const OUT = path.resolve(process.env.CODEORIGIN_E2E_OUT ?? path.join(HERE, 'out'));
/** When set (by `make screenshots`), the pictures for the READMEs are written, compressed, here. */
export const DOCS = process.env.CODEORIGIN_E2E_DOCS ? path.resolve(process.env.CODEORIGIN_E2E_DOCS) : undefined;
export const PYTHON = path.resolve(process.env.CODEORIGIN_E2E_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python'));
const CHROMIUM = process.env.CODEORIGIN_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CODE_SERVER = path.join(HERE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Upper bounds of the waits, in ms. The machine is small (2 shared cores): they are generous. */
export const LIMITS = {
  codeServer: 60_000, // code-server answers on its port
  workbench: 90_000, // the workbench page has loaded in the browser
  firstDiagnostic: 120_000, // extension activated, Python server started, model loaded, file scored
  ui: 20_000, // a widget appears after a key press or a click
  server: 45_000, // an answer from the language server (hover, code action, rescore)
};

/** Settings of a quiet VS Code: no welcome page, tips, chat, telemetry, updates or minimap. */
export const QUIET = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.editor.enablePreview': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 200,
  'editor.hover.above': false,
  'editor.fontSize': 14,
  // The test types JSON into settings.json: nothing may add brackets, quotes or indentation.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
};

const run = promisify(execFile);

export function vsixPath() {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8'));
  const vsix = path.join(CLIENT, `${name}-${version}.vsix`);
  if (!fs.existsSync(vsix)) {
    throw new Error(`${vsix} is missing: run "npm run package" in vscode-client first (make test-e2e does).`);
  }
  return vsix;
}

/** Thrown by a probe of `waitFor` to stop waiting at once: what it waits for cannot come any more. */
export class Hopeless extends Error {}

/** Polls `probe` until it returns a truthy value, at most `ms`; the error names what was awaited. */
export async function waitFor(what, probe, ms = LIMITS.ui, every = 250) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
      last = value;
    } catch (error) {
      if (error instanceof Hopeless) {
        throw error;
      }
      last = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
    if (Date.now() > end) {
      throw new Error(`Timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last seen: ${String(last).slice(0, 300)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function copyTree(from, to) {
  if (fs.existsSync(from)) {
    fs.cpSync(from, to, { recursive: true });
  }
}

/** Files under `dir` (recursively) whose name matches. */
function findFiles(dir, pattern) {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * One code-server with its own user-data and extensions folders, the .vsix installed, and one
 * chromium page showing its workbench on `folder`.
 */
export class VSCode {
  static async start({ name, folder, settings, trust = false }) {
    const root = path.join(OUT, name);
    fs.rmSync(root, { recursive: true, force: true });
    const userData = path.join(root, 'user-data');
    const extensions = path.join(root, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
    const installed = await run(process.execPath, [CODE_SERVER, ...common, '--install-extension', vsixPath()], {
      timeout: LIMITS.codeServer,
    });
    fs.writeFileSync(path.join(root, 'install-extension.log'), installed.stdout + installed.stderr);

    const port = await freePort();
    const log = fs.openSync(path.join(root, 'code-server.log'), 'w');
    const args = [
      CODE_SERVER,
      ...common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(trust ? [] : ['--disable-workspace-trust']),
      folder,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], detached: true });
    const vscode = new VSCode(name, root, userData, child, port);
    try {
      await waitFor(`code-server to answer on 127.0.0.1:${port} (its log: ${path.join(root, 'code-server.log')})`, async () => {
        if (child.exitCode !== null) {
          throw new Error(`code-server exited with ${child.exitCode}`);
        }
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        return response.ok;
      }, LIMITS.codeServer, 500);
      vscode.browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      });
      const context = await vscode.browser.newContext({ viewport: { width: 1280, height: 760 } });
      vscode.page = await context.newPage();
      vscode.page.setDefaultTimeout(LIMITS.ui);
      await vscode.page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`, {
        timeout: LIMITS.workbench,
      });
      await vscode.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: LIMITS.workbench });
      await vscode.page.locator('.explorer-folders-view, .welcome-view').first().waitFor({ timeout: LIMITS.workbench });
    } catch (error) {
      await vscode.saveFailure('start', error);
      await vscode.close();
      throw error;
    }
    return vscode;
  }

  constructor(name, root, userData, child, port) {
    this.name = name;
    this.root = root;
    this.userData = userData;
    this.child = child;
    this.port = port;
    this.shots = 0;
  }

  /** A screenshot of the page under OUT/<name>/; with `docs`, also the compressed copy for the READMEs. */
  async screenshot(label, docs) {
    this.shots += 1;
    const file = path.join(this.root, `${String(this.shots).padStart(2, '0')}-${label}.png`);
    await this.page.screenshot({ path: file });
    if (DOCS && docs) {
      fs.mkdirSync(DOCS, { recursive: true });
      const target = path.join(DOCS, `${docs.name}.png`);
      const clip = docs.clip ? await docs.clip() : undefined;
      const raw = path.join(this.root, `${docs.name}.raw.png`);
      await this.page.screenshot({ path: raw, clip });
      await run(PYTHON, [path.join(HERE, 'compress_png.py'), raw, target]);
    }
    return file;
  }

  /** The logs that say what went wrong: code-server's, the extension host's, the codeorigin channel. */
  logFiles() {
    return findFiles(path.join(this.userData, 'logs'), /\.log$/);
  }

  codeoriginLog() {
    return this.logFiles()
      .filter((file) => /codeorigin/i.test(file))
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
  }

  async saveFailure(step, error) {
    const dir = path.join(this.root, `failure-${step}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      if (this.page) {
        await this.page.screenshot({ path: path.join(dir, 'page.png'), timeout: 10_000 });
        fs.writeFileSync(path.join(dir, 'page.html'), await this.page.content());
      }
    } catch (saveError) {
      fs.writeFileSync(path.join(dir, 'page-not-saved.txt'), String(saveError));
    }
    copyTree(path.join(this.userData, 'logs'), path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'error.txt'), error instanceof Error ? (error.stack ?? error.message) : String(error));
    const log = this.codeoriginLog();
    if (log) {
      fs.writeFileSync(path.join(dir, 'codeorigin.log'), log);
    }
    return dir;
  }

  /** Runs one step; a failure saves the page and the logs and says where, and the later steps do not run. */
  async step(name, body) {
    if (this.failed) {
      throw new Error(`not run: step ${this.failed} failed (the steps build on each other)`);
    }
    try {
      return await body();
    } catch (error) {
      this.failed = name;
      const dir = await this.saveFailure(name, error);
      const tail = this.codeoriginLog().split('\n').slice(-15).join('\n');
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n  page and logs saved in ${dir}\n  last lines of the codeorigin log:\n${tail}`, { cause: error });
    }
  }

  async close() {
    try {
      await this.browser?.close();
    } catch {
      // already gone
    }
    if (this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid, 'SIGTERM'); // code-server and the extension host it started
      } catch {
        // already gone
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  // --- the UI, as a person uses it ------------------------------------------------------------

  /** Runs a command from the command palette (F1), by its title as the palette shows it. */
  async command(title) {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor. */
  async open(file) {
    const page = this.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(file);
    // Click the row of that file (Enter could take a row of the list shown before the filter ran).
    const exact = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { has: page.locator('.label-name', { hasText: exact }) }).first();
    await row.click();
    await page.locator(`.tab.active[data-resource-name="${file}"]`).waitFor({ timeout: LIMITS.workbench });
    await this.editor().locator('.view-lines').waitFor();
  }

  editor() {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** The first rendered token of the active editor whose text is exactly `text`. */
  token(text) {
    return this.editor().locator('.view-line span > span').filter({ hasText: new RegExp(`^${text}$`) }).first();
  }

  /** Puts the cursor on a token by clicking it, like a person. */
  async clickToken(text) {
    await this.token(text).click();
  }

  /** Visible text of the Problems panel (opened with Ctrl+Shift+M). */
  async problems() {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.page.keyboard.press('Control+Shift+M');
      await panel.waitFor();
    }
    return (await panel.innerText()).replace(/\s+/g, ' ');
  }

  /** The codeorigin status-bar item's text. */
  async statusBarText() {
    const item = this.page.locator('.statusbar-item[id$="codeorigin.status"]');
    return (await item.count()) > 0 ? (await item.first().innerText()).trim() : '';
  }
}
