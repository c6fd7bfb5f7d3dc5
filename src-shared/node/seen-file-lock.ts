/**
 * A cross-process lock for one file (Node only): a read-change-write of the file runs while this
 * process holds `<file>.lock`, so two processes on one profile (the CLI and the app) cannot
 * overwrite each other's changes.
 *
 *   take     create `<file>.lock` exclusively (O_CREAT|O_EXCL, mode 0600) holding
 *            `{pid, host, token, at}`; if it exists, wait (polling) and try again
 *   stale    a lock whose holder is a dead process on this host, or older than `staleMs`
 *            (holders keep it for milliseconds), is taken over: renamed aside (atomic, only one
 *            waiter wins), checked to be the lock that was judged stale (else put back), removed
 *   release  always (finally), and only if the lock file is still ours (same token)
 *
 * Waiting longer than `timeoutMs` fails with `UNAVAILABLE` and touches nothing.
 */
import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { toHex } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';
import { BackboneError } from '../errors.js';

export interface FileLockOptions {
  /** Give up waiting after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock older than this is stale (default 30 s). */
  staleMs?: number;
  /** Poll interval while waiting (default 20 ms, with jitter). */
  retryMs?: number;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  at: number;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

async function readLock(lockFile: string): Promise<LockContent | undefined> {
  try {
    const value = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockContent>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.token === 'string' &&
      typeof value.at === 'number'
    ) {
      return value as LockContent;
    }
  } catch {
    // missing, being written, or not a lock of ours: judged by its age only
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, 'ESRCH');
  }
}

async function tryCreate(lockFile: string, content: LockContent): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockFile, 'wx', 0o600);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(content));
  } finally {
    await handle.close();
  }
  return true;
}

/** Takes a stale lock away (true if it was stale and is gone now). */
async function removeIfStale(lockFile: string, staleMs: number): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockFile)).mtimeMs;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true;
    throw error;
  }
  const holder = await readLock(lockFile);
  const dead = holder !== undefined && holder.host === hostname() && !processAlive(holder.pid);
  if (!dead && Date.now() - mtimeMs <= staleMs) return false;
  const aside = `${lockFile}.stale-${toHex(randomBytes(6))}`;
  try {
    await rename(lockFile, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true; // another waiter took it over first
    throw error;
  }
  const moved = await readLock(aside);
  if (holder !== undefined && moved?.token !== holder.token) {
    // A fresh lock replaced the stale one meanwhile: put it back (never over a newer one).
    try {
      await link(aside, lockFile);
    } catch {
      // someone holds it now; theirs stays
    }
  }
  await rm(aside, { force: true });
  return true;
}

/** Runs `task` while holding the lock of `file` (`<file>.lock`), released in every case. */
export async function withFileLock<T>(
  file: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  const retryMs = options.retryMs ?? 20;
  const lockFile = `${file}.lock`;
  const mine: LockContent = {
    pid: process.pid,
    host: hostname(),
    token: toHex(randomBytes(16)),
    at: Date.now(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryCreate(lockFile, mine)) break;
    if (await removeIfStale(lockFile, staleMs)) continue;
    if (Date.now() > deadline) {
      throw new BackboneError(
        'UNAVAILABLE',
        `Another Backbone process has held the lock ${lockFile} for too long. Try again; if no other Backbone process is running, remove that file.`,
      );
    }
    await delay(retryMs + Math.floor(Math.random() * retryMs));
  }
  try {
    return await task();
  } finally {
    const current = await readLock(lockFile);
    if (current?.token === mine.token) await rm(lockFile, { force: true });
  }
}
