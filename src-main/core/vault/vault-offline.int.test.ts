/**
 * The store browser without the server: after a snapshot the core keeps an encrypted copy; when
 * the server is gone, `vault.snapshot` and `vault.reveal` answer from it (source "cache") and
 * changes fail with `OFFLINE`. A tampered copy, or one this identity cannot open, is ignored
 * (logged), never a crash. Runs against its own server, which it stops.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  fromUtf8,
  generateSymmetricKey,
  utf8,
} from '../../../src-shared/crypto/index.js';
import { startSdkTestServer, type SdkTestServer } from '../../../src-shared/sdk/test/server.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
  type TestCore,
} from '../test/core-harness.js';
import { deriveCacheKey, type CacheOwner } from './offline-cache.js';

let server: SdkTestServer;
let core: TestCore;
const logs: string[] = [];

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
  core = await startTestCore({ vault: { refreshDelayMs: 50 } });
  core.core.services.ctx.log = (message) => logs.push(message);
  await onboardTestCore(core, {
    displayName: 'Dana',
    server: { mode: 'remote', url: server.url },
    workspace: { displayName: 'Offline test', workspaceId: 'vault-offline-test', username: 'dana' },
  });
}, 60_000);

afterAll(async () => {
  await core?.stop();
  await server?.close().catch(() => undefined);
});

async function owner(): Promise<CacheOwner> {
  const { session, ctx } = core.core.services;
  const data = await ctx.profile.read();
  return {
    identity: data.identity!.address,
    serverId: (await session.client().server()).serverId,
    workspaceId: data.workspace!,
  };
}

describe('vault offline', () => {
  let online: { fetchedAt: string };

  it('saves an encrypted copy after a snapshot', async () => {
    await core.call('vault.createNamespace', { path: 'ops', isolated: false });
    await core.call('vault.setEntry', { path: 'ops/ssh', value: 'ssh-secret', expiresAt: null });
    await core.call('vault.setEntry', {
      path: 'ops/soon',
      value: 'short-lived',
      expiresAt: new Date(Date.now() + 2_000).toISOString(),
    });
    online = await core.call('vault.snapshot', {});
    await core.core.services.vault.flushCache();
    const dir = path.join(core.dataDir, 'cache');
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.cache$/);
    const bytes = await readFile(path.join(dir, files[0]!));
    // Encrypted: neither paths nor values in the file.
    for (const text of ['ops/ssh', 'ssh-secret', 'short-lived']) {
      expect(bytes.includes(Buffer.from(text))).toBe(false);
    }
  });

  it('refreshes the copy by itself after a change made here', async () => {
    await core.call('vault.setEntry', { path: 'ops/late', value: 'written last', expiresAt: null });
    // No snapshot asked for: the core refreshes its copy a moment after its own write.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { vault, session } = core.core.services;
    await vault.flushCache();
    const key = session.withRootSecret((rs) => deriveCacheKey(rs));
    const copy = JSON.parse(fromUtf8((await vault.cache.read(await owner(), key))!)) as {
      fetchedAt: string;
      records: { entries: unknown[] };
    };
    expect(copy.records.entries).toHaveLength(3);
    expect(Date.parse(copy.fetchedAt)).toBeGreaterThan(Date.parse(online.fetchedAt));
  });

  it('answers from the copy when the server is gone; changes fail with OFFLINE', async () => {
    await server.close();
    core.events.length = 0;
    // Let the short-lived entry expire: the copy still holds it, flagged.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const offline = await core.call('vault.snapshot', {});
    expect(offline.source).toBe('cache');
    expect(offline.offlineReason).toMatch(/^You are offline: the server at .* cannot be reached/);
    expect(Date.parse(offline.fetchedAt)).toBeGreaterThan(Date.parse(online.fetchedAt));
    expect(offline.entries.map((e) => [e.path, e.expired])).toEqual([
      ['ops/late', false],
      ['ops/soon', true],
      ['ops/ssh', false],
    ]);
    expect((await core.call('vault.reveal', { path: 'ops/late' })).value).toBe('written last');
    expect(offline.namespaces.map((n) => n.path)).toEqual(['', 'ops']);
    expect((await core.call('vault.reveal', { path: 'ops/ssh' })).value).toBe('ssh-secret');
    expect(await core.failure('vault.reveal', { path: 'ops/soon' })).toBe('STORE_EXPIRED');
    expect(
      await core.failure('vault.setEntry', { path: 'ops/new', value: 'x', expiresAt: null }),
    ).toBe('OFFLINE');
    expect(await core.failure('vault.deleteEntry', { path: 'ops/ssh' })).toBe('OFFLINE');
    expect(await core.failure('vault.sharing', { path: 'ops', kind: 'namespace' })).toBe('OFFLINE');
    const connection = await core.call('vault.connection', {});
    expect(connection.online).toBe(false);
    expect(connection.reason).toMatch(/offline/);
    const pushed = core.events.filter((e) => e.event === 'vault.connection');
    expect(pushed.length).toBeGreaterThanOrEqual(1);
    expect(pushed.every((e) => (e.payload as { online: boolean }).online === false)).toBe(true);
    // The workspace list falls back to the current workspace.
    expect((await core.call('vault.workspaces', {})).workspaces).toEqual([
      {
        id: 'vault-offline-test',
        displayName: 'Offline test',
        current: true,
        fingerprint: null,
        verifiedHere: true,
      },
    ]);
  });

  it('works again after a lock and unlock (the copy is opened with the keys again)', async () => {
    await core.call('session.lock', {});
    await core.call('session.unlock', { password: STRONG_PASSWORD });
    const offline = await core.call('vault.snapshot', {});
    expect(offline.source).toBe('cache');
    expect((await core.call('vault.reveal', { path: 'ops/ssh' })).value).toBe('ssh-secret');
  });

  it('ignores a tampered copy (logged, no crash)', async () => {
    const cache = core.core.services.vault.cache;
    const file = cache.fileOf(await owner());
    const bytes = await readFile(file);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1;
    await writeFile(file, bytes);
    await core.call('session.lock', {});
    await core.call('session.unlock', { password: STRONG_PASSWORD });
    logs.length = 0;
    expect(await core.failure('vault.snapshot', {})).toBe('OFFLINE');
    expect(logs.some((line) => /ignored: damaged, changed, or written by another/.test(line))).toBe(
      true,
    );
  });

  it('ignores a copy this identity cannot open (another key at its place)', async () => {
    const who = await owner();
    await core.core.services.vault.cache.write(
      who,
      generateSymmetricKey(),
      utf8(JSON.stringify({ v: 1 })),
    );
    await core.call('session.lock', {});
    await core.call('session.unlock', { password: STRONG_PASSWORD });
    logs.length = 0;
    expect(await core.failure('vault.reveal', { path: 'ops/ssh' })).toBe('OFFLINE');
    expect(logs.some((line) => /ignored/.test(line))).toBe(true);
  });
});
