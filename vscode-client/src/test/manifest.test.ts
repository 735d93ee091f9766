/**
 * package.json agrees with the code: every server setting is contributed under the same key with
 * its default, type and description; commands have titles and never take a server command's id;
 * and the modules under common/ run without VS Code.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../common/commands';
import { CLIENT_ONLY_KEYS, DEFAULT_SERVER_SETTINGS, SERVER_SETTING_KEYS, SUPPORTED_LANGUAGES } from '../common/settings';

const root = path.join(__dirname, '..', '..');

interface Property {
  type?: string | string[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  items?: { enum?: unknown[] };
}

interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, Property> };
  };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

describe('contributed settings', () => {
  test('every server setting is contributed as codeorigin.<key> with the same default', () => {
    for (const key of SERVER_SETTING_KEYS) {
      const property = properties[`codeorigin.${key}`];
      assert.ok(property, `codeorigin.${key} is not contributed`);
      assert.deepEqual(property.default, DEFAULT_SERVER_SETTINGS[key], `default of codeorigin.${key}`);
    }
  });

  test('there are no other settings than the server and client-only ones', () => {
    const expected = [...SERVER_SETTING_KEYS, ...CLIENT_ONLY_KEYS].map((k) => `codeorigin.${k}`).sort();
    assert.deepEqual(Object.keys(properties).sort(), expected);
  });

  test('every setting has a type and a description', () => {
    for (const [key, property] of Object.entries(properties)) {
      assert.ok(property.type, `${key} has no type`);
      assert.ok((property.description ?? property.markdownDescription ?? '').length > 10, `${key} has no description`);
    }
  });

  test('nullable settings allow null, and the enums match the code', () => {
    assert.deepEqual(properties['codeorigin.threshold'].type, ['number', 'null']);
    assert.deepEqual(properties['codeorigin.igSteps'].type, ['integer', 'null']);
    assert.deepEqual(properties['codeorigin.severity'].enum, ['error', 'warning', 'information', 'hint']);
    assert.deepEqual(properties['codeorigin.languages'].items?.enum, [...SUPPORTED_LANGUAGES]);
    assert.deepEqual(properties['codeorigin.trace.server'].enum, ['off', 'messages', 'verbose']);
    assert.deepEqual(properties['codeorigin.interpreter'].type, ['array', 'string']);
  });
});

describe('activation and commands', () => {
  test('activates on each supported language', () => {
    assert.deepEqual(manifest.activationEvents, SUPPORTED_LANGUAGES.map((l) => `onLanguage:${l}`));
  });

  test('every client command is contributed with a title, and only those', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(CLIENT_COMMANDS).sort());
    for (const c of manifest.contributes.commands) {
      assert.ok(c.title.length > 0, `${c.command} has no title`);
    }
  });

  test('no client command takes the id of a server command (languageclient registers those)', () => {
    const server = new Set<string>(Object.values(SERVER_COMMANDS));
    for (const id of Object.values(CLIENT_COMMANDS)) {
      assert.ok(id.startsWith('codeorigin.'), id);
      assert.ok(!server.has(id), `${id} clashes with a server command`);
    }
  });

  test('rescore selection is in the editor context menu only when there is a selection', () => {
    const entry = manifest.contributes.menus['editor/context'].find((m) => m.command === CLIENT_COMMANDS.rescoreSelection);
    assert.ok(entry?.when?.includes('editorHasSelection'));
  });

  test('menus only name contributed commands', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const entries of Object.values(manifest.contributes.menus)) {
      for (const entry of entries) {
        assert.ok(contributed.has(entry.command), entry.command);
      }
    }
  });
});

describe('package', () => {
  test('dependencies use exact versions', () => {
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name}@${version} is not exact`);
    }
    assert.match(manifest.dependencies['vscode-languageclient'], /^9\./);
  });

  test('the modules under common/ do not import vscode', () => {
    const dir = path.join(root, 'src', 'common');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      assert.doesNotMatch(text, /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/, file);
      assert.doesNotMatch(text, /from\s+['"]vscode-languageclient/, file);
    }
  });
});
