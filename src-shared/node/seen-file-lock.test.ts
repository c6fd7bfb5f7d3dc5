import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { withFileLock } from './seen-file-lock.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-lock-'));
  dirs.push(dir);
  return path.join(dir, 'data.json');
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('withFileLock', () => {
  it('lets one holder in at a time and releases after each task', async () => {
    const file = await tempFile();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(file, async () => {
          inside++;
          most = Math.max(most, inside);
          await tick();
          await tick();
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await exists(`${file}.lock`)).toBe(false);
  });

  it('releases the lock when the task throws', async () => {
    const file = await tempFile();
    await expect(
      withFileLock(file, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await exists(`${file}.lock`)).toBe(false);
    expect(await withFileLock(file, async () => 'again')).toBe('again');
  });

  it('takes over the lock of a process that is gone', async () => {
    const file = await tempFile();
    const gone = 2_147_483_600; // above any Linux pid_max (2^22): no such process
    await writeFile(
      `${file}.lock`,
      JSON.stringify({ pid: gone, host: hostname(), token: 'old', at: Date.now() }),
    );
    expect(await withFileLock(file, async () => 'taken', { timeoutMs: 2000 })).toBe('taken');
    expect(await exists(`${file}.lock`)).toBe(false);
  });

  it('takes over a lock older than staleMs', async () => {
    const file = await tempFile();
    await writeFile(`${file}.lock`, 'not even json');
    const old = new Date(Date.now() - 60_000);
    await utimes(`${file}.lock`, old, old);
    expect(await withFileLock(file, async () => 'taken', { staleMs: 30_000 })).toBe('taken');
  });

  it('gives up with UNAVAILABLE on a live lock and leaves it alone', async () => {
    const file = await tempFile();
    const live = JSON.stringify({ pid: process.pid, host: hostname(), token: 'live', at: 1 });
    await writeFile(`${file}.lock`, live);
    let ran = false;
    const error = await withFileLock(
      file,
      async () => {
        ran = true;
      },
      { timeoutMs: 150 },
    ).catch((e: unknown) => e);
    expect(isBackboneError(error, 'UNAVAILABLE')).toBe(true);
    expect(ran).toBe(false);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(live);
  });
});
