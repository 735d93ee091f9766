/** Interpreter choice: setting, then the Python extension, then python3; and the install hint. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chooseInterpreter,
  importCheckArguments,
  importFailureMessage,
  installCommand,
  packageSpec,
  resolveVariables,
  serverArguments,
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

  test('the import check runs python -c "import codeorigin"', () => {
    assert.deepEqual(importCheckArguments(venv), ['-c', 'import codeorigin']);
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
});
