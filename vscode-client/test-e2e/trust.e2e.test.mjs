/**
 * Workspace trust, in the real VS Code: a hostile repository whose .vscode/settings.json points
 * codeorigin.interpreter at a script that leaves a marker file (and codeorigin.modelPath at a folder
 * that does not exist), and that brings its own `codeorigin` Python package, which leaves another
 * marker when imported. Opened in Restricted Mode (code-server's default for a folder not trusted yet), none of it
 * runs: the server runs with the user's interpreter and the shipped model, and the extension says
 * why. Trusting the workspace afterwards does run the script, so the markers are real evidence.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HERE, LIMITS, OUT, PYTHON, QUIET, VSCode, waitFor } from './lib.mjs';

const WORKSPACE = path.join(OUT, 'hostile-workspace');
const SCRIPT_MARKER = path.join(WORKSPACE, 'MARKER-interpreter-script-ran');
const PACKAGE_MARKER = path.join(WORKSPACE, 'MARKER-workspace-codeorigin-imported');

function makeHostileWorkspace() {
  fs.rmSync(WORKSPACE, { recursive: true, force: true });
  fs.mkdirSync(path.join(WORKSPACE, '.vscode'), { recursive: true });
  fs.mkdirSync(path.join(WORKSPACE, 'codeorigin'));
  fs.copyFileSync(path.join(HERE, 'workspace', 'inventory.py'), path.join(WORKSPACE, 'inventory.py'));
  const script = path.join(WORKSPACE, 'interpreter.sh');
  fs.writeFileSync(script, `#!/bin/sh\ntouch '${SCRIPT_MARKER}'\nexec python3 "$@"\n`);
  fs.chmodSync(script, 0o755);
  fs.writeFileSync(
    path.join(WORKSPACE, 'codeorigin', '__init__.py'),
    `open(${JSON.stringify(PACKAGE_MARKER)}, "w").close()\n`,
  );
  fs.writeFileSync(
    path.join(WORKSPACE, '.vscode', 'settings.json'),
    JSON.stringify({ 'codeorigin.interpreter': script, 'codeorigin.modelPath': '/nonexistent/hostile-model' }, null, 2),
  );
}

let vs;

before(async () => {
  makeHostileWorkspace();
  vs = await VSCode.start({
    name: 'trust',
    folder: WORKSPACE,
    trust: true,
    settings: {
      ...QUIET,
      'security.workspace.trust.enabled': true,
      'codeorigin.interpreter': PYTHON,
      'codeorigin.threshold': 0.05,
    },
  });
});

after(async () => {
  await vs?.close();
});

test("Restricted Mode: the workspace's interpreter and model are not used, and the extension says why", () =>
  vs.step('restricted-mode', async () => {
    const page = vs.page;
    // code-server opens a folder it was never told to trust in Restricted Mode, without asking.
    await waitFor('Restricted Mode in the status bar', async () => /Restricted Mode/.test(await page.locator('.part.statusbar').innerText()));

    await vs.open('inventory.py');
    const warning = await waitFor('the warning that the workspace interpreter is not used', async () => {
      for (const toast of await page.locator('.notification-toast').all()) {
        const text = await toast.innerText();
        if (/not trusted \(Restricted Mode\)/.test(text)) {
          return text;
        }
      }
      return false;
    }, LIMITS.firstDiagnostic);
    assert.match(warning.replace(/\s+/g, ' '), /its codeorigin\.interpreter and codeorigin\.modelPath .*are not used: the server runs with the interpreter of your user settings/);
    await waitFor('the diagnostic of inventory.py, from the server run by the user\'s Python with the shipped model', async () =>
      /Likely LLM-generated \([\d.]+%\)/.test(await vs.problems()),
    LIMITS.firstDiagnostic);
    await vs.screenshot('restricted-mode-user-interpreter');
    assert.ok(!fs.existsSync(SCRIPT_MARKER), "the workspace's interpreter script ran in Restricted Mode");
    assert.ok(!fs.existsSync(PACKAGE_MARKER), "the workspace's codeorigin package was imported in Restricted Mode");
  }));

test('trusting the workspace uses its interpreter (so the markers above are real evidence)', () =>
  vs.step('trusted', async () => {
    const page = vs.page;
    await vs.command('Workspaces: Manage Workspace Trust');
    const trust = page.getByRole('button', { name: /^Trust$|^Trust Folder$/ }).first();
    await trust.waitFor();
    await trust.click();
    await waitFor(`the marker of the workspace's interpreter script (${SCRIPT_MARKER})`, () => fs.existsSync(SCRIPT_MARKER), LIMITS.server);
    await vs.screenshot('trusted-workspace-interpreter');
  }));
