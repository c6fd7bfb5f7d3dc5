import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { lockPath, withFileLock } from './file-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-lock-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('withFileLock', () => {
  it('serializes read-modify-write cycles (no lost update) and removes its lock', async () => {
    const file = path.join(dir, 'counter');
    await writeFile(file, '0');
    const bump = () =>
      withFileLock(file, async () => {
        const n = Number(await readFile(file, 'utf8'));
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        await writeFile(file, String(n + 1));
      });
    await Promise.all(Array.from({ length: 40 }, bump));
    expect(await readFile(file, 'utf8')).toBe('40');
    await expect(stat(lockPath(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('releases the lock when the work fails', async () => {
    const file = path.join(dir, 'f');
    await expect(withFileLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await withFileLock(file, () => Promise.resolve(7))).toBe(7);
  });

  it('takes over a stale lock (dead owner, or too old) but waits for a live one', async () => {
    const file = path.join(dir, 'f');
    // a lock of a process that no longer exists (pid far beyond any pid_max)
    await writeFile(
      lockPath(file),
      JSON.stringify({ pid: 2 ** 30, host: os.hostname(), nonce: 'x', at: Date.now() }),
    );
    expect(await withFileLock(file, () => Promise.resolve('dead owner'))).toBe('dead owner');
    // an unreadable lock older than staleMs
    await writeFile(lockPath(file), '');
    const past = new Date(Date.now() - 60_000);
    await utimes(lockPath(file), past, past);
    expect(await withFileLock(file, () => Promise.resolve('old'), { staleMs: 1000 })).toBe('old');
    // a live lock (this process) is respected: a clear typed error after the timeout
    await writeFile(
      lockPath(file),
      JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'y', at: Date.now() }),
    );
    const error = await withFileLock(file, () => Promise.resolve(1), { timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(isBackboneError(error, 'UNAVAILABLE')).toBe(true);
    expect(await readFile(lockPath(file), 'utf8')).toContain('"y"'); // not ours: left alone
  });
});
