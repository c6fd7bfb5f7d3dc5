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

  it.each([
    ['src-server/example.ts', '../src-shared/crypto/sodium.js'],
    ['src-server/routes/example.ts', '../../src-shared/crypto/spake2ee.js'],
    ['src-main/core/example.ts', '../../src-shared/crypto/pwhash.js'],
    ['src-main/electron/example.ts', '../../src-shared/crypto/random.js'],
    ['src-cli/example.ts', '../src-shared/crypto/keyfile.js'],
    ['src-shared/pake/example.ts', '../crypto/box.js'],
    ['src-shared/node/example.ts', '../crypto/encoding.js'],
    ['src-shared/sdk/example.test.ts', '../crypto/identity.js'],
    ['bench/example.ts', '../src-shared/crypto/stream.js'],
  ])('outside src-shared/crypto, %s may not import %s', async (file, target) => {
    const errors = await restrictedImportErrors(
      file,
      `import { x } from '${target}';\nexport const y = x;\n`,
    );
    expect(errors.join('\n')).toContain(
      'Import the crypto core from src-shared/crypto/index.js only',
    );
  });

  it.each([
    ['src-server/example.ts', '../src-shared/crypto/index.js'],
    ['src-shared/pake/example.ts', '../crypto/index.js'],
    ['src-shared/node/example.ts', '../crypto/index.js'],
    ['src-shared/crypto/example.ts', './sodium.js'],
    ['src-shared/crypto/test/example.ts', '../stream.js'],
  ])('%s may import %s', async (file, target) => {
    const errors = await restrictedImportErrors(
      file,
      `import { x } from '${target}';\nexport const y = x;\n`,
    );
    expect(errors).toEqual([]);
  });

  it.each([
    ['src-shared/example.ts', 'node:fs'],
    ['src-shared/sdk/example.ts', 'node:fs/promises'],
    ['src-shared/crypto/example.ts', 'node:crypto'],
    ['src-shared/pake/example.ts', 'worker_threads'],
    ['src-shared/store/example.ts', 'path'],
  ])(
    '%s (shared, outside src-shared/node) may not import the Node built-in %s',
    async (file, target) => {
      const errors = await restrictedImportErrors(
        file,
        `import x from '${target}';\nexport const y = x;\n`,
      );
      expect(errors.join('\n')).toContain('Node-only code goes in src-shared/node/');
    },
  );

  it.each([
    ['src-shared/node/example.ts', 'node:fs/promises'],
    ['src-shared/node/example.ts', 'node:crypto'],
    ['src-shared/sdk/example.test.ts', 'node:os'],
    ['src-shared/sdk/test/example.ts', 'node:http'],
    ['src-shared/backup/example.ts', 'node:zlib'],
  ])('%s may import the Node built-in %s', async (file, target) => {
    const errors = await restrictedImportErrors(
      file,
      `import x from '${target}';\nexport const y = x;\n`,
    );
    expect(errors).toEqual([]);
  });

  it.each([
    '../src-shared/node/atomic-file.js',
    '../../src-shared/node/profile.js',
    '../src-shared/sdk/index.js',
    '../src-shared/backup/repository.js',
  ])('the renderer may not import Node-only shared code: %s', async (target) => {
    const errors = await restrictedImportErrors(
      'src-renderer/screens/example.ts',
      `import { x } from '${target}';\nexport const y = x;\n`,
    );
    expect(errors.join('\n')).toContain('src-shared/node, the SDK and backup are Node-only');
  });

  it('the renderer may import the shared IPC contract', async () => {
    const errors = await restrictedImportErrors(
      'src-renderer/example.ts',
      "import { ipcChannels } from '../src-shared/ipc/contract.js';\nexport const x = ipcChannels;\n",
    );
    expect(errors).toEqual([]);
  });
});
