/**
 * Two processes saving rollback memory into one profile at the same moment (the CLI and the app):
 * the file lock and the read-merge-write keep every version either of them saved.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  identityAddress,
  randomBytes,
  rootSecret,
  toHex,
} from '../crypto/index.js';
import { Profile } from '../node/profile.js';
import { deriveSeenKey, loadSeen, type SeenOwner } from './seen-file.js';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test', 'seen-writer.ts');
const dirs: string[] = [];

beforeAll(async () => {
  await cryptoReady();
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('sealed rollback memory, two processes', () => {
  it('two child processes writing at once never lower what is saved', async () => {
    const secret = rootSecret(randomBytes(32));
    const me = { secret, address: identityAddress(deriveIdentity(secret).signKeyPair.publicKey) };
    const key = deriveSeenKey(me.secret);
    const owner: SeenOwner = { identity: me.address, serverId: 'srv', workspaceId: 'ws' };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-seen-procs-'));
    dirs.push(dir);
    const profile = new Profile(dir);
    const rounds = 30;
    const start = (label: string) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          WRITER,
          profile.dir,
          toHex(me.secret),
          owner.serverId,
          owner.workspaceId,
          label,
          String(rounds),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const done = new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`writer ${label} failed: ${stderr}`)),
        );
      });
      return { child, ready, done };
    };
    const writers = [start('a'), start('b')];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.write('go\n');
    await Promise.all(writers.map((w) => w.done));
    const saved = await loadSeen(profile.store(), key, owner);
    expect(saved.entryVersion('/shared')).toBe(rounds);
    for (let round = 1; round <= rounds; round++) {
      expect(saved.entryVersion(`/a/${round}`)).toBe(1);
      expect(saved.entryVersion(`/b/${round}`)).toBe(1);
    }
  }, 60_000);
});
