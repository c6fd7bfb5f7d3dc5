// ESLint flat config. Besides the usual checks it enforces the process boundaries:
// - src-main/core, src-shared, src-server, src-cli never import `electron`;
// - src-server and src-cli never import src-main; src-shared never imports src-main or src-server;
// - src-renderer never imports Node built-ins, anything from src-main or Node-only shared code;
// - outside src-shared/crypto only src-shared/crypto/index is imported;
// - Node-only shared code lives in src-shared/node: the rest of src-shared imports no Node built-in.
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

// The crypto core has one front door. (Inside src-shared/crypto, imports are './x.js' and do not
// match.)
const onlyCryptoIndex = {
  group: ['**/crypto/*', '!**/crypto/index.js'],
  message: 'Import the crypto core from src-shared/crypto/index.js only.',
};

const nodeBuiltinPaths = (message) => nodeBuiltins.map((name) => ({ name, message }));
const NODE_ONLY = 'src-shared runs anywhere: Node-only code goes in src-shared/node/.';

/** The electron restriction plus more forbidden patterns (options of one rule do not merge). */
function restrict(...patterns) {
  return {
    paths: noElectron.paths,
    patterns: [...noElectron.patterns, onlyCryptoIndex, ...patterns],
  };
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
    rules: { 'no-restricted-imports': ['error', { patterns: [onlyCryptoIndex] }] },
  },
  {
    files: ['src-main/core/**', 'src-main/bridge/**'],
    rules: { 'no-restricted-imports': ['error', restrict()] },
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
    // Outside src-shared/node, shared code runs without Node (the renderer loads it).
    files: ['src-shared/**'],
    ignores: [
      'src-shared/node/**',
      // The backup engine (node:crypto, node:zlib) is Node-only as a whole, like node/.
      'src-shared/backup/**',
      'src-shared/**/*.test.ts',
      'src-shared/**/test/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...noElectron.paths, ...nodeBuiltinPaths(NODE_ONLY)],
          patterns: [
            ...noElectron.patterns,
            onlyCryptoIndex,
            noSrcMain,
            noSrcServer,
            { group: ['node:*'], message: NODE_ONLY },
          ],
        },
      ],
    },
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
            ...nodeBuiltinPaths('The renderer runs without Node: ask the app core over IPC.'),
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
            {
              group: ['**/src-shared/node/**', '**/src-shared/sdk/**', '**/src-shared/backup/**'],
              message:
                'The renderer runs without Node: src-shared/node, the SDK and backup are Node-only.',
            },
          ],
        },
      ],
    },
  },
);
