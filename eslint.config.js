// ESLint flat config. Besides the usual checks it enforces the process boundaries:
// - src-main/core, src-shared, src-server, src-cli never import `electron`;
// - src-server and src-cli never import src-main; src-shared never imports src-main or src-server;
// - src-renderer never imports Node built-ins or anything from src-main.
import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))];

const noElectron = {
  paths: [{ name: 'electron', message: 'Only src-main/electron may import electron.' }],
  patterns: [{ group: ['electron/*'], message: 'Only src-main/electron may import electron.' }],
};

const noSrcMain = {
  group: ['**/src-main/**', '../src-main/*', '../../src-main/*'],
  message: 'Only the desktop app (src-main, src-renderer) may import src-main.',
};
const noSrcServer = {
  group: ['**/src-server/**', '../src-server/*', '../../src-server/*'],
  message: 'src-shared runs anywhere: it may not import the server.',
};

/** The electron restriction plus more forbidden patterns (options of one rule do not merge). */
function restrict(...patterns) {
  return { paths: noElectron.paths, patterns: [...noElectron.patterns, ...patterns] };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.cache/**',
      'docs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['src-main/core/**', 'src-main/bridge/**'],
    rules: { 'no-restricted-imports': ['error', noElectron] },
  },
  {
    // The server and the CLI run without the desktop app.
    files: ['src-server/**', 'src-cli/**'],
    rules: { 'no-restricted-imports': ['error', restrict(noSrcMain)] },
  },
  {
    // Shared code is below everything that uses it. Its integration tests (and their helpers in
    // test/ folders) may start a real server; shipped shared code may not import one.
    files: ['src-shared/**'],
    ignores: ['src-shared/**/*.test.ts', 'src-shared/**/test/**'],
    rules: { 'no-restricted-imports': ['error', restrict(noSrcMain, noSrcServer)] },
  },
  {
    files: ['src-shared/**/*.test.ts', 'src-shared/**/test/**'],
    rules: { 'no-restricted-imports': ['error', restrict(noSrcMain)] },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'The renderer runs without Node: ask the app core over IPC.',
            })),
            { name: 'electron', message: 'The renderer talks to main only through the bridge.' },
          ],
          patterns: [
            {
              group: ['node:*'],
              message: 'The renderer runs without Node: ask the app core over IPC.',
            },
            {
              group: ['**/src-main/**', '../src-main/*', '../../src-main/*'],
              message: 'The renderer may not import main-process code.',
            },
            { group: ['**/crypto/**'], message: 'Keys and crypto live only in the app core.' },
          ],
        },
      ],
    },
  },
);
