// ESLint flat config: typed linting for the extension's TypeScript.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test-e2e/workspace/ is the end-to-end test's sample code; node/ and out/ are its installs and output.
  { ignores: ['out/', 'dist/', 'node_modules/', 'test-e2e/node/', 'test-e2e/out/', 'test-e2e/workspace/'] },
  js.configs.recommended,
  {
    // The integration test and its stand-ins are plain CommonJS run by Node.
    files: ['test-integration/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', Buffer: 'readonly', URL: 'readonly', console: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    // The end-to-end test: ES modules run by Node 24, with page functions run in the browser.
    files: ['test-e2e/**/*.mjs'],
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', fetch: 'readonly', setTimeout: 'readonly', console: 'readonly', getComputedStyle: 'readonly' },
    },
  },
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: 'error',
      curly: 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // The common/ modules must stay runnable without VS Code (see src/test/manifest.test.ts).
    },
  },
  {
    files: ['src/common/**/*.ts', 'src/test/**/*.ts'],
    rules: {
      // node:test's describe/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test'] }] }],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'common/ and tests run without VS Code.' }] }],
    },
  },
);
