/** Interpreter choice: setting, then the Python extension, then python3; and the install hint. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chooseInterpreter,
  followsPythonExtension,
  importCheckArguments,
  importFailureMessage,
  installCommand,
  interpreterSettingEmpty,
  missingModule,
  packageSpec,
  resolveVariables,
  serverArguments,
  untrustedVariables,
} from '../common/interpreter';

describe('chooseInterpreter', () => {
  test('the setting comes first, even when the Python extension has an interpreter', () => {
    assert.deepEqual(chooseInterpreter({ setting: '/opt/py/bin/python', pythonExtension: ['/venv/bin/python'] }), {
      command: '/opt/py/bin/python',
      args: [],
      source: 'setting',
    });
  });

  test('an array setting is an executable with arguments', () => {
    assert.deepEqual(chooseInterpreter({ setting: ['uv', 'run', 'python'] }), {
      command: 'uv',
      args: ['run', 'python'],
      source: 'setting',
    });
  });

  test('without a setting the Python extension is used', () => {
    for (const setting of [undefined, '', '   ', [], [''], null, 42]) {
      assert.deepEqual(chooseInterpreter({ setting, pythonExtension: ['/venv/bin/python'] }), {
        command: '/venv/bin/python',
        args: [],
        source: 'python-extension',
      });
    }
  });

  test('a multi-word command from the Python extension keeps its arguments', () => {
    assert.deepEqual(chooseInterpreter({ setting: [], pythonExtension: ['conda', 'run', '-n', 'x', 'python'] }), {
      command: 'conda',
      args: ['run', '-n', 'x', 'python'],
      source: 'python-extension',
    });
  });

  test('with neither, python3 from PATH', () => {
    assert.deepEqual(chooseInterpreter({ setting: [], pythonExtension: undefined }), {
      command: 'python3',
      args: [],
      source: 'default',
    });
    assert.equal(chooseInterpreter({ setting: '', pythonExtension: [] }).source, 'default');
  });

  test('variables in the setting are resolved', () => {
    const chosen = chooseInterpreter(
      { setting: ['${workspaceFolder}/.venv/bin/python', '-X', '${env:MODE}'] },
      { workspaceFolder: '/w', env: { MODE: 'dev' } },
    );
    assert.deepEqual(chosen, { command: '/w/.venv/bin/python', args: ['-X', 'dev'], source: 'setting' });
  });
});

describe('untrustedVariables', () => {
  test('Restricted Mode leaves ${workspaceFolder} as written, so no program of the folder runs', () => {
    const vars = { workspaceFolder: '/hostile', userHome: '/home/a' };
    const setting = ['${workspaceFolder}/.venv/bin/python'];
    const untrusted = untrustedVariables(setting, vars);
    assert.equal(untrusted.withheld, true);
    const chosen = chooseInterpreter({ setting }, untrusted.vars);
    assert.equal(chosen.command, '${workspaceFolder}/.venv/bin/python');
    assert.equal(chooseInterpreter({ setting: '${userHome}/py' }, untrusted.vars).command, '/home/a/py');
    assert.equal(untrustedVariables('${userHome}/py', vars).withheld, false);
    assert.equal(untrustedVariables(undefined, vars).withheld, false);
  });
});

describe('resolveVariables', () => {
  test('known variables are replaced and unknown ones kept as written', () => {
    assert.equal(resolveVariables('${userHome}/py', { userHome: '/home/a' }), '/home/a/py');
    assert.equal(resolveVariables('${env:NOPE}/py', { env: {} }), '${env:NOPE}/py');
    assert.equal(resolveVariables('${workspaceFolder}/py', {}), '${workspaceFolder}/py');
    assert.equal(resolveVariables('${other}', { userHome: '/h' }), '${other}');
  });
});

describe('command lines', () => {
  const venv = { command: '/venv/bin/python', args: [], source: 'setting' as const };
  const uv = { command: 'uv', args: ['run', 'python'], source: 'setting' as const };

  test('the server is started as python -m codeorigin serve', () => {
    assert.deepEqual(serverArguments(venv), ['-m', 'codeorigin', 'serve']);
    assert.deepEqual(serverArguments(uv), ['run', 'python', '-m', 'codeorigin', 'serve']);
  });

  test('the import check imports the server and its dependencies, not only the package', () => {
    // codeorigin/__init__.py imports nothing: "import codeorigin" passes without pygls & co.
    assert.deepEqual(importCheckArguments(venv), ['-c', 'import codeorigin.lsp.server, onnxruntime']);
    assert.deepEqual(importCheckArguments(uv), ['run', 'python', '-c', 'import codeorigin.lsp.server, onnxruntime']);
  });

  test('the module Python could not import is read from the error', () => {
    const traceback =
      'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n' +
      "  File \"/v/codeorigin/lsp/server.py\", line 20, in <module>\n" +
      "ModuleNotFoundError: No module named 'pygls'\n";
    assert.equal(missingModule(traceback), 'pygls');
    assert.equal(missingModule("No module named 'tree_sitter._binding'"), 'tree_sitter._binding');
    assert.equal(missingModule('SyntaxError: invalid syntax'), undefined);
  });

  test('the install command uses the same interpreter and the checkout, never a package-index name', () => {
    assert.equal(packageSpec(undefined), undefined);
    assert.equal(installCommand(uv, packageSpec('/src/codeorigin') ?? ''), 'uv run python -m pip install /src/codeorigin');
    assert.equal(
      installCommand({ command: '/My Py/python', args: [], source: 'default' }, '/a b'),
      '"/My Py/python" -m pip install "/a b"',
    );
  });

  test('the failure message says what to run or set', () => {
    const install = installCommand(venv, '/src/codeorigin');
    assert.match(
      importFailureMessage(venv, { kind: 'import-error', detail: 'ModuleNotFoundError' }, install),
      /not installed for \/venv\/bin\/python .*Install it with: \/venv\/bin\/python -m pip install \/src\/codeorigin$/,
    );
    assert.match(
      importFailureMessage(venv, { kind: 'import-error', detail: 'ModuleNotFoundError' }, undefined),
      /Install it from a codeorigin checkout \(\/venv\/bin\/python -m pip install \/path\/to\/codeorigin\)/,
    );
    assert.match(importFailureMessage(venv, { kind: 'not-found' }, install), /Set "codeorigin.interpreter"/);
  });

  test('a missing dependency is named, with the same install command', () => {
    const install = installCommand(venv, '/src/codeorigin');
    const detail = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'onnxruntime'";
    const message = importFailureMessage(venv, { kind: 'import-error', detail }, install);
    assert.match(message, /dependency "onnxruntime" is not installed for \/venv\/bin\/python/);
    assert.match(message, /No module named 'onnxruntime'/);
    assert.ok(message.endsWith(`Install it with: ${install}`), message);
    assert.match(
      importFailureMessage(venv, { kind: 'import-error', detail: "No module named 'codeorigin'" }, install),
      /the Python package is not installed for/,
    );
  });

  test('another import error is quoted', () => {
    const detail = "Traceback (most recent call last):\nImportError: cannot import name 'LanguageServer' from 'pygls.server'";
    const message = importFailureMessage(venv, { kind: 'import-error', detail }, undefined);
    assert.match(message, /cannot import the codeorigin server \(ImportError: cannot import name 'LanguageServer' from 'pygls\.server'\)/);
    assert.match(message, /Install it from a codeorigin checkout/);
  });
});

describe('following the Python extension', () => {
  test('only in a trusted workspace whose codeorigin.interpreter is empty', () => {
    for (const setting of [undefined, '', '  ', [], ['']]) {
      assert.equal(interpreterSettingEmpty(setting), true, JSON.stringify(setting));
      assert.equal(followsPythonExtension(true, setting), true, JSON.stringify(setting));
      assert.equal(followsPythonExtension(false, setting), false, JSON.stringify(setting));
    }
    for (const setting of ['/opt/py/bin/python', ['uv', 'run', 'python']]) {
      assert.equal(interpreterSettingEmpty(setting), false);
      assert.equal(followsPythonExtension(true, setting), false);
      assert.equal(followsPythonExtension(false, setting), false);
    }
  });
});
