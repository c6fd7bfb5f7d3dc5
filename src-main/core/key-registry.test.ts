import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  deriveSubkey,
  generateSignKeyPair,
  rootSecret,
  toHex,
} from '../../src-shared/crypto/index.js';
import { installKeyRegistry, registryEntries } from './key-registry.js';
import { testModeFromEnv } from './test-mode.js';

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

async function registered(file: string): Promise<Map<string, string>> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  const map = new Map<string, string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const { kind, hex } = JSON.parse(line) as { kind: string; hex: string };
    map.set(hex, kind);
  }
  return map;
}

describe('key registry (tests only)', () => {
  it('is switched on only with NODE_ENV=test and BACKBONE_TEST_KEY_REGISTRY', () => {
    for (const env of [
      { NODE_ENV: 'production', BACKBONE_TEST_KEY_REGISTRY: '/tmp/x' },
      { BACKBONE_TEST_KEY_REGISTRY: '/tmp/x' },
      { NODE_ENV: 'test' },
      { NODE_ENV: 'test', BACKBONE_TEST_KEY_REGISTRY: '' },
    ]) {
      expect(testModeFromEnv(env).keyRegistryFile).toBeUndefined();
    }
    expect(
      testModeFromEnv({ NODE_ENV: 'test', BACKBONE_TEST_KEY_REGISTRY: '/tmp/x' }).keyRegistryFile,
    ).toBe('/tmp/x');
  });

  it('records an Ed25519 secret key with its seed but not its public half', () => {
    const pair = generateSignKeyPair();
    const hexes = registryEntries('sign-secret-key', pair.secretKey).map((e) => e.hex);
    expect(hexes).toEqual([toHex(pair.secretKey), toHex(pair.secretKey.subarray(0, 32))]);
    expect(hexes).not.toContain(toHex(pair.publicKey));
  });

  it('records any other long secret with both 32-byte halves, a token with its decoded bytes', () => {
    const long = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(registryEntries('subkey:x', long).map((e) => e.kind)).toEqual([
      'subkey:x',
      'subkey:x/seed',
      'subkey:x/half2',
    ]);
    const secret = Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
    const token = `bbt1.${secret.toString('base64url')}`;
    expect(registryEntries('bearer-token', token)).toEqual([
      { kind: 'bearer-token', hex: Buffer.from(token).toString('hex') },
      { kind: 'bearer-token/decoded', hex: secret.toString('hex') },
    ]);
    expect(registryEntries('wiped', new Uint8Array(32))).toEqual([]);
  });

  it('installed, records the identity secrets the shared code derives, once each', async () => {
    const file = path.join(await tmp(), 'keys.jsonl');
    const remove = installKeyRegistry(file);
    let identity;
    const rs = rootSecret(Uint8Array.from({ length: 32 }, (_, i) => 200 - i));
    try {
      identity = deriveIdentity(rs);
      deriveIdentity(rs);
    } finally {
      remove();
    }
    const map = await registered(file);
    expect(map.get(toHex(rs))).toBe('kdf-key');
    expect(map.has(toHex(identity.signKeyPair.secretKey))).toBe(true);
    expect(map.has(toHex(identity.signKeyPair.secretKey.subarray(0, 32)))).toBe(true);
    expect(map.has(toHex(identity.boxKeyPair.secretKey))).toBe(true);
    expect(map.has(toHex(identity.syncMasterKey))).toBe(true);
    expect(map.has(toHex(identity.signKeyPair.publicKey))).toBe(false);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    // Removed: nothing more is written.
    deriveSubkey(rs, 99, 'testctx1');
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(lines.length);
    expect(() => {
      const again = installKeyRegistry(file);
      try {
        installKeyRegistry(file);
      } finally {
        again();
      }
    }).toThrow(/installed in this process already/);
  });
});
