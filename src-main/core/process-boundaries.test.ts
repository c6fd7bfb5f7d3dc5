/**
 * The process boundaries are enforced by ESLint (eslint.config.js). This proves the rules bite:
 * the same import is an error in one folder and fine in another.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('process boundaries (lint)', () => {
  it.each([
    'src-main/core/example.ts',
    'src-shared/example.ts',
    'src-server/example.ts',
    'src-cli/example.ts',
    'src-main/bridge/example.ts',
  ])('%s may not import electron', async (file) => {
    const errors = await restrictedImportErrors(
      file,
      "import { app } from 'electron';\nexport const name = app.name;\n",
    );
    expect(errors.join('\n')).toContain('Only src-main/electron may import electron');
  });

  it.each([
    ['src-server/example.ts', '../src-main/core/app-core.js', 'Only the desktop app'],
    ['src-server/routes/example.ts', '../../src-main/core/app-core.js', 'Only the desktop app'],
    ['src-cli/example.ts', '../src-main/core/app-core.js', 'Only the desktop app'],
    ['src-shared/example.ts', '../src-main/core/app-core.js', 'Only the desktop app'],
    ['src-shared/sdk/example.ts', '../../src-main/core/app-core.js', 'Only the desktop app'],
    ['src-shared/example.ts', '../src-server/app.js', 'src-shared runs anywhere'],
    ['src-shared/sdk/example.ts', '../../src-server/app.js', 'src-shared runs anywhere'],
    ['src-shared/sdk/example.test.ts', '../../src-main/core/app-core.js', 'Only the desktop app'],
  ])('%s may not import %s', async (file, target, message) => {
    const errors = await restrictedImportErrors(
      file,
      `import { x } from '${target}';\nexport const y = x;\n`,
    );
    expect(errors.join('\n')).toContain(message);
  });

  it.each([
    ['src-cli/example.ts', '../src-server/app.js'],
    ['src-cli/example.ts', '../src-shared/sdk/index.js'],
    ['src-server/example.ts', '../src-shared/app-info.js'],
    ['src-main/core/example.ts', '../../src-shared/sdk/index.js'],
    // Integration tests of shared code may start a real server.
    ['src-shared/sdk/example.test.ts', '../../src-server/app.js'],
    ['src-shared/sdk/test/example.ts', '../../../src-server/app.js'],
  ])('%s may import %s', async (file, target) => {
    const errors = await restrictedImportErrors(
      file,
      `import { x } from '${target}';\nexport const y = x;\n`,
    );
    expect(errors).toEqual([]);
  });

  it('src-main/electron may import electron', async () => {
    const errors = await restrictedImportErrors(
      'src-main/electron/example.ts',
      "import { app } from 'electron';\nexport const name = app.name;\n",
    );
    expect(errors).toEqual([]);
  });

  it.each([
    "import fs from 'node:fs';\nexport const x = fs;\n",
    "import fs from 'fs';\nexport const x = fs;\n",
    "import path from 'path';\nexport const x = path;\n",
    "import { AppCore } from '../src-main/core/app-core.js';\nexport const x = AppCore;\n",
    "import { sodium } from '../src-shared/crypto/sodium.js';\nexport const x = sodium;\n",
  ])('the renderer may not import Node, main-process code or crypto: %s', async (code) => {
    const errors = await restrictedImportErrors('src-renderer/example.ts', code);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('the renderer may import the shared IPC contract', async () => {
    const errors = await restrictedImportErrors(
      'src-renderer/example.ts',
      "import { ipcChannels } from '../src-shared/ipc/contract.js';\nexport const x = ipcChannels;\n",
    );
    expect(errors).toEqual([]);
  });
});
