// ESLint flat config. Besides the usual checks it enforces the process boundaries:
// - src-main/core, src-shared, src-server, src-cli never import `electron`;
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

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
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
    files: [
      'src-main/core/**',
      'src-shared/**',
      'src-server/**',
      'src-cli/**',
      'src-main/bridge/**',
    ],
    rules: { 'no-restricted-imports': ['error', noElectron] },
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
