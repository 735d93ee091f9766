/**
 * The extension in a real VS Code (code-server 4.139, Code 1.139) in a real browser (Debian's
 * chromium, headless), through the UI a person uses: Quick Open, the Problems panel, the mouse
 * hover, the light bulb's code actions, the Settings editor and the status bar. The .vsix that
 * `npm run package` builds is installed; the server is `python -m codeorigin serve` from the
 * project's .venv with the shipped model.
 *
 * The shipped model judges the function in inventory.py at its own Python threshold (no
 * codeorigin.threshold is set); step 4 raises the threshold above the function's probability in
 * the Settings editor. The shipped model does not judge JavaScript: stats.js gets no diagnostic,
 * and its hover says why; it judges C# at C#'s own threshold, and Ledger.cs's method, a person's,
 * gets its probability in the hover and no diagnostic (step 6).
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HERE, Hopeless, LIMITS, OUT, PYTHON, QUIET, REPO, VSCode, waitFor } from './lib.mjs';

const WORKSPACE = path.join(OUT, 'workspace');
const FUNCTION = 'summarize_inventory';
const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO, 'models', 'default', 'manifest.json'), 'utf8'));
const MODEL = MANIFEST.name;
/** The shipped model's Python threshold, in percent with one decimal, as the hover shows it. */
const PYTHON_THRESHOLD = (100 * (MANIFEST.thresholds.languages?.python?.llm ?? MANIFEST.thresholds.llm)).toFixed(1);
const BIG_BYTES = 5 * 1024 * 1024;

let vs;
let percent; // the function's probability, in percent, as the diagnostic gives it (e.g. 94.9)
const PERCENT = '(\\d+(?:\\.\\d+)?)%';

/** The workspace: the committed files (Python, JavaScript, C#, a syntax error) and a 5 MB Python file. */
function makeWorkspace() {
  fs.rmSync(WORKSPACE, { recursive: true, force: true });
  fs.cpSync(path.join(HERE, 'workspace'), WORKSPACE, { recursive: true });
  const unit = 'def add_one(values):\n    result = []\n    for value in values:\n        result.append(value + 1)\n    return result\n\n\n';
  fs.writeFileSync(path.join(WORKSPACE, 'big.py'), unit.repeat(Math.ceil(BIG_BYTES / unit.length)));
}

async function problemsOf(file) {
  return vs.problems().then((text) => (text.includes(file) ? text : ''));
}

/** The squiggle under the function's name: an info squiggle whose box lies on the name's box. */
async function squiggleOnName() {
  const name = await vs.token(FUNCTION).boundingBox();
  if (!name) {
    return false;
  }
  for (const squiggle of await vs.editor().locator('.squiggly-info').all()) {
    const box = await squiggle.boundingBox();
    if (box && Math.abs(box.x - name.x) <= 2 && Math.abs(box.x + box.width - (name.x + name.width)) <= 2 && Math.abs(box.y - name.y) <= 4) {
      return true;
    }
  }
  return false;
}

/** The hover over the function's name, as text, once it carries the chart (hovering again if needed). */
async function hoverText() {
  const hover = vs.page.locator('.monaco-hover:not(.hidden)').first();
  return waitFor(`the hover over ${FUNCTION} with its line chart and top tokens`, async () => {
    await vs.page.mouse.move(5, 5);
    await vs.token(FUNCTION).hover();
    await hover.waitFor({ timeout: LIMITS.ui });
    const text = await waitFor('the hover text', async () => {
      const t = await hover.innerText();
      return /Top tokens/.test(t) ? t : false;
    }, 3_000).catch(() => hover.innerText());
    return /Top tokens/.test(text) ? text : false;
  }, LIMITS.server, 1_000);
}

/** The status bar item reads the function's probability (rounded by the client) and the model. */
async function statusBarShowsFunction() {
  const shown = new RegExp(`${PERCENT} · ${MODEL}`).exec(await vs.statusBarText());
  return Boolean(shown) && Math.abs(Number(shown[1]) - percent) <= 1;
}

/**
 * Drags the hover's bottom edge down, as a person does to read all of it (VS Code opens a hover
 * at most 250 px high), so that the screenshot shows the whole chart and the top tokens.
 */
async function enlargeHover() {
  const page = vs.page;
  const hover = page.locator('.monaco-resizable-hover').first();
  const box = await hover.boundingBox();
  const sash = hover.locator('.monaco-sash.horizontal').last();
  const edge = (await sash.count()) > 0 ? await sash.boundingBox() : undefined;
  if (!box || !edge) {
    return;
  }
  const x = edge.x + edge.width / 2;
  const y = edge.y + edge.height / 2;
  await page.mouse.move(x, y, { steps: 2 });
  await page.mouse.down();
  await page.mouse.move(x, Math.min(712, y + 320), { steps: 8 });
  await page.mouse.up();
}

/** Replaces the user's settings.json in its editor (opened from the command palette) and saves it. */
async function editUserSettingsJson(settings) {
  const page = vs.page;
  const file = path.join(vs.userData, 'User', 'settings.json');
  const text = JSON.stringify(settings); // one line: no auto-indentation on the way
  await vs.command('Preferences: Open User Settings (JSON)');
  // Since VS Code 1.13x settings.json, like the Settings editor, opens as a modal editor.
  const modal = page.locator('.modal-editor-part', { hasText: 'settings.json' });
  await modal.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Control+S');
  await waitFor(`the new settings saved in ${file}`, () => JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))) === JSON.stringify(settings));
  await modal.locator('[aria-label^="Close Modal Editor"]').click();
  await modal.waitFor({ state: 'hidden' });
}

/** Hides the bottom panel (Problems), so that a screenshot shows more of the editor. */
async function hidePanel() {
  if (await vs.page.locator('.part.panel').isVisible()) {
    await vs.page.keyboard.press('Control+J');
    await vs.page.locator('.part.panel').waitFor({ state: 'hidden' });
  }
}

async function notification(pattern) {
  return waitFor(`a notification matching ${pattern}`, async () => {
    for (const toast of await vs.page.locator('.notification-toast').all()) {
      const text = await toast.innerText();
      if (pattern.test(text)) {
        return text;
      }
    }
    return false;
  }, LIMITS.server);
}

/** Sets codeorigin.threshold by typing in the Settings editor (Ctrl+,), as a person does. */
async function setThresholdInSettingsEditor(value, screenshot) {
  const page = vs.page;
  await page.keyboard.press('Control+,');
  const editor = page.locator('.settings-editor');
  await editor.waitFor();
  await page.locator('.settings-editor .settings-header .suggest-input-container').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('codeorigin.threshold');
  const item = page.locator('.settings-editor .setting-item-contents', { hasText: 'Threshold' }).first();
  const input = item.locator('input').first();
  await input.waitFor();
  await input.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(value));
  await page.keyboard.press('Tab');
  const settingsFile = path.join(vs.userData, 'User', 'settings.json');
  await waitFor(`codeorigin.threshold ${value} in ${settingsFile}`, () =>
    new RegExp(`"codeorigin.threshold":\\s*${String(value).replace('.', '\\.')}\\b`).test(fs.readFileSync(settingsFile, 'utf8')),
  );
  if (screenshot) {
    await vs.screenshot(screenshot);
  }
  // Since VS Code 1.13x the Settings editor is a modal editor: close it with its close button.
  await page.locator('.modal-editor-part [aria-label^="Close Modal Editor"]').click();
  await editor.waitFor({ state: 'hidden' });
}

before(async () => {
  makeWorkspace();
  vs = await VSCode.start({
    name: 'extension',
    folder: WORKSPACE,
    // Severity information (the default, set here anyway): a blue squiggle, `.squiggly-info`.
    settings: { ...QUIET, 'codeorigin.interpreter': PYTHON, 'codeorigin.severity': 'information' },
  });
});

after(async () => {
  await vs?.close();
});

test('1. a flagged function gets its diagnostic in the Problems panel and a squiggle on its name', () =>
  vs.step('1-diagnostic', async () => {
    await vs.open('inventory.py');
    const problems = await waitFor(
      `the codeorigin diagnostic of inventory.py in the Problems panel (the server starts with ${PYTHON})`,
      async () => {
        const status = await vs.statusBarText();
        if (/codeorigin: off/.test(status)) {
          throw new Hopeless(`the codeorigin server is not running (status bar: "${status}")`);
        }
        const text = await problemsOf('inventory.py');
        return /Likely LLM-generated \([\d.]+%\)/.test(text) && text;
      },
      LIMITS.firstDiagnostic,
    );
    assert.match(problems, /codeorigin\W{0,3}llm-generated/, 'the diagnostic names its source and code');
    percent = Number(new RegExp(`Likely LLM-generated \\(${PERCENT}\\)`).exec(problems)[1]);
    await waitFor(`the information squiggle under the name ${FUNCTION}`, squiggleOnName);
    await vs.screenshot('flagged-function-problems-panel');
  }));

test('2. the hover reads, in plain words, probability, verdict, threshold, the line chart, the top tokens and what to do', () =>
  vs.step('2-hover', async () => {
    await hidePanel();
    const text = await hoverText();
    assert.match(text, /codeorigin: likely LLM-generated/, 'the verdict in words');
    const shown = new RegExp(`${FUNCTION} \\(function\\): probability of LLM authorship ${PERCENT}`).exec(text);
    assert.ok(shown, `the probability in the hover:\n${text}`);
    assert.equal(Number(shown[1]), percent, 'the same probability as the diagnostic');
    assert.match(text, new RegExp(`Threshold for python: ${PYTHON_THRESHOLD.replace('.', '\\.')}%, flagged at or above it`), 'the shipped model\'s Python threshold');
    assert.match(text, /What to do: a reason to look, not proof/, 'what to do, in a line');
    const chart = text.split('\n').filter((line) => /^L\d+\s+[█▏▎▍▌▋▊▉]+\s+[\d.]+%\s+[↑↓]/.test(line.trim()));
    assert.ok(chart.length >= 2, `a chart of the lines that weigh most, in:\n${text}`);
    assert.match(text, /Top tokens: \S+ L\d+ [↑↓] [\d.]+% · /, 'the top tokens');
    // The stacked model's workings (members, weights, the route, the convergence delta) are
    // `codeorigin explain`'s and the JSON's, not the hover's.
    assert.doesNotMatch(text, /Members:|weight|logit|Scored as|convergence delta|Integrated Gradients/, `no workings in the hover:\n${text}`);
    await enlargeHover();
    await vs.screenshot('hover', { name: 'hover' });
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
  }));

test('3. "Explain this function" from the light bulb paints the lines', () =>
  vs.step('3-explain', async () => {
    const page = vs.page;
    const painted = vs.editor().locator('.view-overlays [class*="ced-"]');
    assert.equal(await painted.count(), 0, 'no paint before the explanation');
    const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Explain this function' }).first();
    // As a person would, press Ctrl+. again when no menu came: a key press that lands while the
    // editor is still taking focus back from the hover opens nothing (seen once in CI).
    let pressed = 0;
    await waitFor('"Explain this function" among the code actions (Ctrl+.)', async () => {
      if (await action.isVisible()) {
        return true;
      }
      if (Date.now() - pressed > 10_000 && !(await page.locator('.action-widget').isVisible())) {
        await vs.clickToken(FUNCTION);
        await page.keyboard.press('Control+.');
        pressed = Date.now();
      }
      return false;
    }, LIMITS.server);
    await vs.screenshot('code-actions');
    await action.click();
    const count = await waitFor('painted lines (decorations) in the editor', async () => {
      const n = await painted.count();
      return n > 0 && n;
    }, LIMITS.server);
    const colours = new Set(
      await painted.evaluateAll((elements) => elements.map((e) => getComputedStyle(e).backgroundColor)),
    );
    assert.ok(count >= 3 && count <= 25, `the function's lines are painted (${count} painted)`);
    assert.ok([...colours].every((c) => c !== 'rgba(0, 0, 0, 0)'), `every painted line has a colour: ${[...colours]}`);
    assert.ok(colours.size >= 2, `the strength of the colour varies with the share: ${[...colours]}`);
    await waitFor('the summary in the status bar', async () =>
      /codeorigin: .*summarize_inventory/.test(await page.locator('.part.statusbar').innerText()),
    );
    await page.mouse.move(5, 5);
    await vs.screenshot('explain-painting', { name: 'explain' });
  }));

test('4. a new threshold from the Settings editor changes the diagnostics without a restart', () =>
  vs.step('4-settings', async () => {
    const raised = Math.min(1, Math.round(percent + 2) / 100);
    const starts = (vs.codeoriginLog().match(/Python for the server/g) ?? []).length;
    await setThresholdInSettingsEditor(raised, 'settings-editor-threshold-raised');
    await vs.open('inventory.py');
    await waitFor(`the diagnostic of ${FUNCTION} to go at threshold ${raised} (probability ${percent}%)`, async () => {
      const text = await vs.problems();
      return !/LLM-generated/.test(text) && !(await squiggleOnName());
    }, LIMITS.server);
    await vs.screenshot('threshold-raised-no-diagnostic');
    await setThresholdInSettingsEditor(0.5);
    await vs.open('inventory.py');
    await waitFor(`the diagnostic of ${FUNCTION} to come back at threshold 0.5`, async () =>
      /Likely LLM-generated/.test(await vs.problems()) && squiggleOnName(),
    LIMITS.server);
    const restarts = (vs.codeoriginLog().match(/Python for the server/g) ?? []).length;
    assert.equal(restarts, starts, 'the server was not restarted');
  }));

test('5. the status bar item shows the probability, the model and the server state', () =>
  vs.step('5-status-bar', async () => {
    await waitFor(`the status bar item to read "${Math.round(percent)}% · ${MODEL}"`, statusBarShowsFunction);
    await vs.page.locator('.statusbar-item[id$="codeorigin.status"]').first().click();
    const picks = vs.page.locator('.quick-input-widget');
    await waitFor('the server status quick pick with the model name', async () =>
      (await picks.isVisible()) && (await picks.innerText()).includes(MODEL),
    LIMITS.server);
    await vs.screenshot('status-bar-and-server-status');
    await vs.page.keyboard.press('Escape');
  }));

test('6. a file with a syntax error, a 5 MB file and a language the model does not judge break nothing', () =>
  vs.step('6-robustness', async () => {
    await vs.open('broken.py');
    await vs.open('big.py');
    const toast = await notification(/big\.py is not scored: it has [\d,]+ bytes, more than codeorigin\.maxFileBytes/);
    assert.ok(toast);
    await vs.screenshot('big-file-skipped');
    await vs.open('stats.js');
    const hover = vs.page.locator('.monaco-hover:not(.hidden)').first();
    const why = await waitFor('the hover over calculateStatistics saying JavaScript is not judged', async () => {
      await vs.page.mouse.move(5, 5);
      await vs.token('calculateStatistics').hover();
      await hover.waitFor({ timeout: LIMITS.ui });
      const t = await hover.innerText();
      return /not judged/i.test(t) && t;
    }, LIMITS.server, 1_000);
    assert.match(why, /does not judge javascript/, `the hover says why:\n${why}`);
    assert.equal(await problemsOf('stats.js'), '', 'no diagnostic for a language the model does not judge');
    await vs.screenshot('javascript');
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    // C# is judged by a stack of its own: the hover over Record, a person's method, gives its
    // probability and the threshold that applies (step 4's codeorigin.threshold still does), and
    // it has a diagnostic only at or above that threshold.
    await vs.open('Ledger.cs');
    const csharp = await waitFor('the hover over Record with its probability', async () => {
      await vs.page.mouse.move(5, 5);
      await vs.token('Record').hover();
      await hover.waitFor({ timeout: LIMITS.ui });
      const t = await hover.innerText();
      return /probability of LLM authorship/.test(t) && t;
    }, LIMITS.server, 1_000);
    assert.doesNotMatch(csharp, /not judged/i, `C# is judged:\n${csharp}`);
    const [, p] = csharp.match(/probability of LLM authorship (\d+(?:\.\d+)?)%/);
    const [, t] = csharp.match(/Threshold for csharp: (\d+(?:\.\d+)?)%/) ?? [];
    assert.ok(t, `the hover names the threshold for C#:\n${csharp}`);
    assert.equal(await problemsOf('Ledger.cs') !== '', Number(p) >= Number(t), `a diagnostic for Record only at ${t}% or above (it has ${p}%)`);
    await vs.screenshot('csharp');
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    // ... and the Python file is still served: its diagnostic, its hover, the status bar.
    await vs.open('inventory.py');
    await waitFor('the diagnostic of inventory.py, still there', async () => /Likely LLM-generated/.test(await vs.problems()));
    const text = await hoverText();
    assert.match(text, /probability of LLM authorship/);
    assert.ok(await statusBarShowsFunction(), `the status bar item still reads "${Math.round(percent)}% · ${MODEL}"`);
    assert.doesNotMatch(vs.codeoriginLog(), /Traceback|server did not start|connection to server is erroring/i, 'the server log has no crash');
  }));

test('7. a Python without codeorigin: the extension says how to install it, and recovers when the setting is fixed', () =>
  vs.step('7-install-hint', async () => {
    // Typed into settings.json (Preferences: Open User Settings (JSON)), as a person sets an
    // array-valued setting; `-S` hides site-packages, so this Python cannot import codeorigin.
    const settingsFile = path.join(vs.userData, 'User', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    await editUserSettingsJson({ ...settings, 'codeorigin.interpreter': [PYTHON, '-S'] });
    // An installed .vsix has no checkout beside it: the message says where codeorigin comes from,
    // never a package-index name that could be another project's.
    const toast = await notification(/the Python package is not installed for .*-S \(from the codeorigin\.interpreter setting\)\. Install it from a codeorigin checkout/);
    assert.doesNotMatch(toast, /pip install codeorigin/, 'no install from a package index');
    assert.match(toast, /Open Settings/, 'the error offers to open the interpreter setting');
    await vs.open('inventory.py');
    await waitFor('the status bar item to say the server is off', async () => /codeorigin: off/.test(await vs.statusBarText()));
    await vs.screenshot('install-hint');
    await editUserSettingsJson(settings);
    await vs.open('inventory.py');
    await waitFor(`the diagnostic of ${FUNCTION} again, from the restarted server`, async () =>
      /Likely LLM-generated/.test(await vs.problems()) && statusBarShowsFunction(),
    LIMITS.firstDiagnostic);
  }));
