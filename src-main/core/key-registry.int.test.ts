import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, deriveIdentity, rootSecret, toHex } from '../../src-shared/crypto/index.js';
import { noteSecret, secretRecorderInstalled } from '../../src-shared/key-registry-hook.js';
import { AppCore } from './app-core.js';
import { NO_TEST_MODE, testModeFromEnv } from './test-mode.js';

let dir: string;
beforeAll(async () => {
  await cryptoReady();
});
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bb-key-registry-'));
  return dir;
}

async function registered(file: string): Promise<Set<string>> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { hex: string }).hex),
  );
}

describe('key registry in the app core (tests only)', () => {
  it('is off in the product: no recorder without NODE_ENV=test, nothing noted or written', async () => {
    const file = path.join(await tmp(), 'keys.jsonl');
    for (const env of [
      { NODE_ENV: 'production', BACKBONE_TEST_KEY_REGISTRY: file },
      { BACKBONE_TEST_KEY_REGISTRY: file },
      { NODE_ENV: 'test' },
    ]) {
      expect(testModeFromEnv(env).keyRegistryFile).toBeUndefined();
    }
    expect(
      testModeFromEnv({ NODE_ENV: 'test', BACKBONE_TEST_KEY_REGISTRY: file }).keyRegistryFile,
    ).toBe(file);
    const core = new AppCore({
      dataDir: path.join(dir, 'data'),
      runtime: 'browser',
      testMode: NO_TEST_MODE,
    });
    expect(secretRecorderInstalled()).toBe(false);
    deriveIdentity(rootSecret(Uint8Array.from({ length: 32 }, (_, i) => i + 7)));
    noteSecret(
      'anything',
      Uint8Array.from({ length: 32 }, (_, i) => i),
    );
    expect(existsSync(file)).toBe(false);
    void core;
  });

  it('in test mode, the app core installs it and removes it when it stops', async () => {
    const file = path.join(await tmp(), 'keys.jsonl');
    const core = new AppCore({
      dataDir: path.join(dir, 'data'),
      runtime: 'browser',
      testMode: testModeFromEnv({ NODE_ENV: 'test', BACKBONE_TEST_KEY_REGISTRY: file }),
    });
    await core.start();
    expect(secretRecorderInstalled()).toBe(true);
    const rs = rootSecret(Uint8Array.from({ length: 32 }, (_, i) => i + 9));
    expect((await registered(file)).has(toHex(rs))).toBe(true);
    await core.stop();
    expect(secretRecorderInstalled()).toBe(false);
  });
});
