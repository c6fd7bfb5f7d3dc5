/**
 * The offline cache file: round trip, atomic replacement (no temporary file left, leftovers of a
 * crash removed, the old copy intact until the rename), and every bad file ignored with a log
 * line: truncated, changed, another identity's key, another owner's place, not a cache file.
 */
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  fromUtf8,
  generateSymmetricKey,
  randomBytes,
  rootSecret,
  utf8,
} from '../../../src-shared/crypto/index.js';
import { OfflineCache, deriveCacheKey, type CacheOwner } from './offline-cache.js';

const owner: CacheOwner = { identity: 'bb1alice', serverId: 'bbs1server', workspaceId: 'ws-1' };
const dirs: string[] = [];

async function newCache(): Promise<{ cache: OfflineCache; logs: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-cache-'));
  dirs.push(dir);
  const logs: string[] = [];
  return { cache: new OfflineCache(path.join(dir, 'cache'), (m) => logs.push(m)), logs };
}

beforeAll(async () => {
  await cryptoReady();
});
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('offline cache file', () => {
  it('round-trips, encrypted, and replaces the previous copy atomically', async () => {
    const { cache, logs } = await newCache();
    const key = generateSymmetricKey();
    expect(await cache.read(owner, key)).toBeUndefined();
    expect(logs).toEqual([]); // a missing file is not worth a log line
    await cache.write(owner, key, utf8('{"first":"copy"}'));
    await cache.write(owner, key, utf8('{"second":"copy"}'));
    expect(fromUtf8((await cache.read(owner, key))!)).toBe('{"second":"copy"}');
    const file = cache.fileOf(owner);
    const raw = await readFile(file);
    expect(raw.subarray(0, 8).toString()).toBe('BBCACHE1');
    expect(raw.includes(Buffer.from('second'))).toBe(false);
    expect(await readdir(cache.dir)).toEqual([path.basename(file)]);
  });

  it('derives the key from the root secret: stable per identity, different across identities', async () => {
    const rs = rootSecret(randomBytes(32));
    const a = deriveCacheKey(rs);
    const b = deriveCacheKey(rs);
    const other = deriveCacheKey(rootSecret(randomBytes(32)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
    const { cache, logs } = await newCache();
    await cache.write(owner, a, utf8('mine'));
    expect(fromUtf8((await cache.read(owner, b))!)).toBe('mine');
    expect(await cache.read(owner, other)).toBeUndefined();
    expect(logs.at(-1)).toMatch(/ignored: damaged, changed, or written by another identity/);
  });

  it('ignores truncated, changed and misplaced files with a log line', async () => {
    const { cache, logs } = await newCache();
    const key = generateSymmetricKey();
    const file = cache.fileOf(owner);
    await cache.write(owner, key, utf8('a copy worth keeping'));
    const good = await readFile(file);

    await writeFile(file, good.subarray(0, good.length - 1));
    expect(await cache.read(owner, key)).toBeUndefined();
    await writeFile(file, good.subarray(0, 20));
    expect(await cache.read(owner, key)).toBeUndefined();
    await writeFile(file, good.subarray(0, 3));
    expect(await cache.read(owner, key)).toBeUndefined();
    const changed = Buffer.from(good);
    changed[40] = changed[40]! ^ 0x80;
    await writeFile(file, changed);
    expect(await cache.read(owner, key)).toBeUndefined();
    await writeFile(file, 'not a cache at all');
    expect(await cache.read(owner, key)).toBeUndefined();
    expect(logs).toHaveLength(5);

    // Another owner's file copied to this owner's place: bound by the associated data.
    const other: CacheOwner = { ...owner, workspaceId: 'ws-2' };
    await cache.write(other, key, utf8('the other workspace'));
    await writeFile(file, await readFile(cache.fileOf(other)));
    expect(await cache.read(owner, key)).toBeUndefined();
    expect(fromUtf8((await cache.read(other, key))!)).toBe('the other workspace');
  });

  it('a crash before the rename leaves the old copy; its leftover is removed by the next write', async () => {
    const { cache } = await newCache();
    const key = generateSymmetricKey();
    await cache.write(owner, key, utf8('old'));
    const file = cache.fileOf(owner);
    // What a crash between writing the temporary file and the rename leaves behind.
    const leftover = path.join(path.dirname(file), `.${path.basename(file)}.abcdef012345.tmp`);
    await writeFile(leftover, 'half a new copy');
    // From a crash an hour ago (a fresh one could be a write still running).
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(leftover, anHourAgo, anHourAgo);
    expect(fromUtf8((await cache.read(owner, key))!)).toBe('old');
    await cache.write(owner, key, utf8('new'));
    expect(await readdir(cache.dir)).toEqual([path.basename(file)]);
    expect(fromUtf8((await cache.read(owner, key))!)).toBe('new');
  });

  it('keeps one file per identity, server and workspace', async () => {
    const { cache } = await newCache();
    const names = new Set([
      cache.fileOf(owner),
      cache.fileOf({ ...owner, identity: 'bb1bob' }),
      cache.fileOf({ ...owner, serverId: 'bbs1other' }),
      cache.fileOf({ ...owner, workspaceId: 'ws-2' }),
    ]);
    expect(names.size).toBe(4);
  });
});
