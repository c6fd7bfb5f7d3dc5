/**
 * A cross-process lock on one file (Node only), for read-merge-write cycles that must not
 * interleave — two CLI processes (or a CLI and the app) updating the same profile file.
 *
 * The lock is a file beside the guarded one (`<file>.lock`), created exclusively (O_EXCL), holding
 * the owner's pid, a random nonce and the time. Others retry with a short backoff until it is
 * gone. A lock is stale — left by a crash — if its owner process no longer exists (same host) or it
 * is older than `staleMs`; a stale lock is removed (only if it still holds the nonce read, so a
 * fresh lock taken meanwhile is kept) and the attempt repeats. Release removes the lock only if it
 * is still ours. Waiting longer than `timeoutMs` is `UNAVAILABLE`.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { toHex, randomBytes } from '../crypto/index.js';
import { BackboneError } from '../errors.js';

export interface FileLockOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock older than this is a crash leftover (default 30 s; hold locks for milliseconds). */
  staleMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  nonce: string;
  at: number;
}

export function lockPath(file: string): string {
  return `${file}.lock`;
}

async function readLock(lock: string): Promise<{ text: string; info: LockInfo | undefined }> {
  const text = await readFile(lock, 'utf8');
  try {
    const parsed = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.nonce === 'string' &&
      typeof parsed.at === 'number' &&
      typeof parsed.host === 'string'
    ) {
      return { text, info: parsed as LockInfo };
    }
  } catch {
    // written half (a crash between create and write): judged by its age
  }
  return { text, info: undefined };
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** True if the lock at `lock` is a leftover; then it was removed (if unchanged). */
async function clearIfStale(lock: string, staleMs: number): Promise<boolean> {
  let current: { text: string; info: LockInfo | undefined };
  let mtimeMs: number;
  try {
    current = await readLock(lock);
    mtimeMs = (await stat(lock)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true; // gone: try again
    throw error;
  }
  const { info } = current;
  const old = Date.now() - (info?.at ?? mtimeMs) > staleMs;
  const dead = info !== undefined && info.host === os.hostname() && processGone(info.pid);
  if (!old && !dead) return false;
  // Remove it only if it is still the lock judged stale (not a fresh one taken meanwhile).
  try {
    if ((await readFile(lock, 'utf8')) !== current.text) return true;
    await rm(lock, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return true;
}

async function acquire(lock: string, options: FileLockOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  const nonce = toHex(randomBytes(16));
  const info: LockInfo = { pid: process.pid, host: os.hostname(), nonce, at: Date.now() };
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ ...info, at: Date.now() }));
      } finally {
        await handle.close();
      }
      return nonce;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await clearIfStale(lock, staleMs)) continue;
    if (Date.now() > deadline) {
      throw new BackboneError(
        'UNAVAILABLE',
        `Another process holds ${lock}. Try again; if no other Backbone process runs, remove that file.`,
      );
    }
    const wait = Math.min(100, 2 + attempt * 3) + Math.random() * 10;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

async function release(lock: string, nonce: string): Promise<void> {
  try {
    const { info } = await readLock(lock);
    if (info?.nonce === nonce) await rm(lock, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Runs `fn` holding the lock of `file` (see the header); the lock is released however it ends. */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = lockPath(file);
  const nonce = await acquire(lock, options);
  try {
    return await fn();
  } finally {
    await release(lock, nonce);
  }
}
