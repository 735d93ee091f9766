/** Settings: what the user configured becomes the initializationOptions the server receives. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  configurationAnswer,
  DEFAULT_SERVER_SETTINGS,
  extensionPattern,
  mappedExtensions,
  mappedLanguage,
  ProblemsShown,
  problemSetting,
  readServerSettings,
  SERVER_SETTING_KEYS,
  SUPPORTED_LANGUAGES,
} from '../common/settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readServerSettings', () => {
  test('with nothing set, every server key has its default', () => {
    const { settings, problems } = readServerSettings(reader({}));
    // DEFAULT_SERVER_SETTINGS is generated from the server's typed settings (make settings).
    assert.deepEqual(settings, { ...DEFAULT_SERVER_SETTINGS, languages: [...SUPPORTED_LANGUAGES] });
    assert.deepEqual(problems, []);
  });

  test('keys have no prefix and client-only settings are not sent', () => {
    const { settings } = readServerSettings(
      reader({ interpreter: ['/usr/bin/python3'], 'trace.server': 'verbose', threshold: 0.9 }),
    );
    assert.deepEqual(Object.keys(settings).sort(), [...SERVER_SETTING_KEYS].sort());
    assert.equal(settings.threshold, 0.9);
    assert.ok(!('interpreter' in settings));
    assert.ok(!('trace' in settings) && !('trace.server' in settings));
    assert.ok(Object.keys(settings).every((k) => !k.startsWith('codeorigin')));
  });

  test('valid values pass through unchanged', () => {
    const values = {
      enable: false,
      threshold: 0.75,
      minLines: 10,
      minTokens: 50,
      severity: 'warning',
      showUncertain: true,
      codeLens: false,
      provenance: false,
      languages: ['python', 'go'],
      modelPath: '/models/x',
      debounceMs: 0,
      maxFileBytes: 5000,
      threads: 4,
      inlayHints: true,
      igSteps: 32,
      baseline: '.codeorigin-baseline.json',
      extensions: { '.h': 'cpp' },
      includeGenerated: true,
      scope: 'changed',
    };
    const { settings, problems } = readServerSettings(reader(values));
    assert.deepEqual(settings, values);
    assert.deepEqual(problems, []);
  });

  test('threshold null means the calibrated threshold and is kept as null', () => {
    assert.equal(readServerSettings(reader({ threshold: null })).settings.threshold, null);
    assert.equal(readServerSettings(reader({ igSteps: null })).settings.igSteps, null);
  });

  test('a bad value falls back to its default and the problem names the key and what to do', () => {
    const { settings, problems } = readServerSettings(
      reader({ threshold: 1.5, minLines: 2.5, severity: 'fatal', languages: ['python', 'cobol'], threads: 0 }),
    );
    assert.equal(settings.threshold, null);
    assert.equal(settings.minLines, 3);
    assert.equal(settings.severity, 'information');
    assert.deepEqual(settings.languages, [...SUPPORTED_LANGUAGES]);
    assert.equal(settings.threads, 1);
    assert.equal(problems.length, 5);
    assert.match(problems[0], /codeorigin\.threshold is 1\.5; it should be a number from 0 to 1/);
    assert.ok(problems.some((p) => p.startsWith('codeorigin.languages') && p.includes('cobol')));
  });

  test('aliases and case are read as the server reads them, and bounds are the server\'s', () => {
    // The server takes `py` for python and `jsx` for javascriptreact, and `Warning` for warning.
    const { settings, problems } = readServerSettings(
      reader({ languages: ['py', 'JSX', 'c++', 'python'], severity: 'Warning' }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.languages, ['python', 'javascriptreact', 'cpp']);
    assert.equal(settings.severity, 'warning');
    // Values the server would refuse are refused here, with the server's bounds and the default.
    const high = readServerSettings(reader({ minLines: 20000, threads: 512, igSteps: 0 }));
    assert.equal(high.settings.minLines, 3);
    assert.equal(high.settings.threads, 1);
    assert.equal(high.settings.igSteps, null);
    assert.equal(high.problems.length, 3);
    assert.match(high.problems[0], /codeorigin\.minLines is 20000; it should be a whole number from 1 to 10000/);
    assert.match(high.problems[1], /codeorigin\.threads is 512; it should be a whole number from 1 to 256/);
  });

  test('a scope other than all or changed falls back to all', () => {
    const { settings, problems } = readServerSettings(reader({ scope: 'mine' }));
    assert.equal(settings.scope, 'all');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /codeorigin\.scope is "mine"; it should be 'all' or 'changed'/);
  });

  test('the defaults are not shared with the result', () => {
    const { settings } = readServerSettings(reader({}));
    settings.languages.push('python');
    assert.equal(DEFAULT_SERVER_SETTINGS.languages.length, SUPPORTED_LANGUAGES.length);
  });

  test('duplicate languages are sent once', () => {
    assert.deepEqual(readServerSettings(reader({ languages: ['go', 'go'] })).settings.languages, ['go']);
  });
});

describe('configurationAnswer', () => {
  const { settings } = readServerSettings(reader({ threshold: 0.8 }));

  test('section codeorigin is answered with the same object as initializationOptions', () => {
    assert.deepEqual(configurationAnswer('codeorigin', settings), { handled: true, value: settings });
  });

  test('a single key is answered with its value', () => {
    assert.deepEqual(configurationAnswer('codeorigin.threshold', settings), { handled: true, value: 0.8 });
  });

  test('other sections and client-only keys are left to VS Code', () => {
    assert.deepEqual(configurationAnswer('python', settings), { handled: false });
    assert.deepEqual(configurationAnswer('codeorigin.interpreter', settings), { handled: false });
    assert.deepEqual(configurationAnswer(undefined, settings), { handled: false });
  });
});

describe('problems shown to the user', () => {
  test('a problem names the setting, the bad value and the default used', () => {
    const [problem] = readServerSettings(reader({ debounceMs: -5 })).problems;
    assert.match(problem, /^codeorigin\.debounceMs is -5; .*Using the default 400 until it is fixed\.$/);
    assert.equal(problemSetting(problem), 'codeorigin.debounceMs');
    assert.equal(problemSetting('something else'), undefined);
  });

  test('each distinct problem is shown once, however often the settings are read', () => {
    const shown = new ProblemsShown();
    const read = () => readServerSettings(reader({ threshold: 1.5, severity: 'loud' })).problems;
    assert.equal(shown.unseen(read()).length, 2);
    assert.deepEqual(shown.unseen(read()), []);
    assert.deepEqual(shown.unseen([...read(), ...read()]), []);
    // Another bad value is another problem.
    const other = readServerSettings(reader({ threshold: 2 })).problems;
    assert.deepEqual(shown.unseen(other), other);
    assert.deepEqual(shown.unseen(other), []);
  });
});

describe('codeorigin.extensions in VS Code', () => {
  test('the extensions it maps, as the server reads the keys; refused keys left out', () => {
    assert.deepEqual(mappedExtensions({ '.CU': 'cpp', tpp: 'c++', '*.h': 'cpp', '.d.ts': 'ts', '': 'c' }), ['.cu', '.tpp']);
  });

  test('a selector glob matching the extension in any case', () => {
    assert.equal(extensionPattern('.cu'), '**/*.[cC][uU]');
    assert.equal(extensionPattern('.c++'), '**/*.[cC]++');
  });

  test("a file's language by its extension: the mapping's, with aliases; none for others", () => {
    const map = { '.cu': 'c++', tpp: 'cpp', '.h': 'cpp' };
    assert.equal(mappedLanguage('/src/kernel.CU', map), 'cpp');
    assert.equal(mappedLanguage('/src/list.tpp', map), 'cpp');
    assert.equal(mappedLanguage('/src/a.py', map), undefined);
    assert.equal(mappedLanguage('/src/.h', map), undefined); // a dot file has no extension
    assert.equal(mappedLanguage('/src.d/Makefile', map), undefined);
  });
});
