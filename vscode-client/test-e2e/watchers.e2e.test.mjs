/**
 * Files the server asks VS Code to watch, changed outside VS Code: with `codeorigin.scope:
 * "changed"` the server registers watchers for git's HEAD (`**\/.git/HEAD`,
 * `**\/.git/refs/heads/**`, `**\/.git/packed-refs`). A `git commit` run in a terminal (here a
 * child process) moves the branch's ref; VS Code must tell the server, which judges the open
 * document against the new HEAD: the function just committed is no longer new, and its
 * diagnostic goes without an edit.
 *
 * And a `.cu` file, which VS Code calls `cuda-cpp`, is sent to the server when
 * `codeorigin.extensions` maps it to cpp (`codeorigin.threshold: 0`: any function judged is
 * flagged).
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HERE, LIMITS, OUT, PYTHON, QUIET, VSCode, waitFor } from './lib.mjs';

const WORKSPACE = path.join(OUT, 'git-workspace');
const CUDA = `#include <vector>

// Sums the values of a vector, leaving out the negative ones.
int sum_positive(const std::vector<int>& values) {
    int total = 0;
    for (int value : values) {
        if (value > 0) {
            total += value;
        }
    }
    return total;
}
`;

function git(...args) {
  return execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', ...args], {
    cwd: WORKSPACE,
    encoding: 'utf8',
  });
}

/** A git repository whose first commit holds a README; inventory.py and kernels.cu are not committed yet. */
function makeRepository() {
  fs.rmSync(WORKSPACE, { recursive: true, force: true });
  fs.mkdirSync(WORKSPACE, { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(WORKSPACE, 'README.md'), '# inventory\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'first');
  fs.copyFileSync(path.join(HERE, 'workspace', 'inventory.py'), path.join(WORKSPACE, 'inventory.py'));
  fs.writeFileSync(path.join(WORKSPACE, 'kernels.cu'), CUDA);
}

let vs;

before(async () => {
  makeRepository();
  vs = await VSCode.start({
    name: 'watchers',
    folder: WORKSPACE,
    settings: {
      ...QUIET,
      'codeorigin.interpreter': PYTHON,
      'codeorigin.scope': 'changed',
      'codeorigin.threshold': 0,
      'codeorigin.extensions': { '.cu': 'cpp' },
      // the messages VS Code sends, with their parameters, in the codeorigin output channel
      'codeorigin.trace.server': 'verbose',
    },
  });
});

after(async () => {
  await vs?.close();
});

/** The parameters of each notification `method` that VS Code sent, from the verbose trace. */
function sent(method) {
  const pattern = new RegExp(`Sending notification '${method.replace('/', '\\/')}'\\.\\n.*Params: (\\{[\\s\\S]*?\\n\\})`, 'g');
  return [...vs.codeoriginLog().matchAll(pattern)].map((match) => JSON.parse(match[1]));
}

test('a function committed in a terminal loses its diagnostic at once, without an edit', () =>
  vs.step('commit', async () => {
    await vs.open('inventory.py');
    await waitFor(
      'the diagnostic of inventory.py, a file git does not track yet (all new)',
      async () => /Likely LLM-generated \([\d.]+%\)/.test(await vs.problems()),
      LIMITS.firstDiagnostic,
    );
    const before = fs.readFileSync(path.join(WORKSPACE, '.git', 'refs', 'heads', 'main'), 'utf8');
    git('add', 'inventory.py');
    git('commit', '-q', '-m', 'inventory');
    assert.notEqual(fs.readFileSync(path.join(WORKSPACE, '.git', 'refs', 'heads', 'main'), 'utf8'), before);
    await waitFor(
      'the diagnostic of inventory.py to go once it is committed (VS Code tells the server of .git/refs/heads/main)',
      async () => !/Likely LLM-generated/.test(await vs.problems()),
      LIMITS.server,
    );
    await vs.screenshot('committed-no-diagnostic');
    // What VS Code sent (codeorigin.trace.server is verbose): the branch's ref, created (git
    // renames main.lock onto it), though files.watcherExclude leaves out .git/objects.
    const watched = sent('workspace/didChangeWatchedFiles');
    assert.ok(watched.length > 0, 'VS Code sent workspace/didChangeWatchedFiles');
    const uris = watched.flatMap((params) => params.changes.map((change) => change.uri));
    assert.ok(uris.some((uri) => uri.endsWith('/.git/refs/heads/main')), `the branch's ref among ${uris}`);
  }));

test('a .cu file that codeorigin.extensions maps to cpp is judged, though VS Code calls it cuda-cpp', () =>
  vs.step('mapped-extension', async () => {
    await vs.open('kernels.cu');
    await waitFor(
      'the diagnostic of sum_positive in kernels.cu',
      async () => /kernels\.cu.*Likely LLM-generated \([\d.]+%\)/.test(await vs.problems()),
      LIMITS.server,
    );
    const opened = sent('textDocument/didOpen').find((p) => p.textDocument.uri.endsWith('/kernels.cu'));
    assert.equal(opened?.textDocument.languageId, 'cuda-cpp', 'VS Code calls .cu cuda-cpp');
    await waitFor('the status bar item with the probability', async () => /\d+(?:\.\d+)?% · /.test(await vs.statusBarText()));
    await vs.screenshot('mapped-extension-cu');
  }));
