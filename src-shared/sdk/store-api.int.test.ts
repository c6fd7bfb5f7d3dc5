/**
 * The encrypted store through the real server and the SDK, on SQLite and PostgreSQL: entries and
 * namespaces, grants, the revocation guarantee, member removal, isolation.
 */
import { describe, expect, it } from 'vitest';
import { pathToken } from '../store/index.js';
import { BackboneClient } from './client.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { harvestKeys, opensWith } from './test/store-keys.js';
import { codeOf, newKey, team } from './test/store-team.js';

const backends = useTestBackends();

describe.each(backends)('entries and namespaces through the server ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it('set / get / delete / search, grants, and the revocation guarantee', async () => {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.entry.set('team/x', 'x-1');
    expect(await t.alice.entry.get('team/x')).toBe('x-1');
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_NO_KEY');

    await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
    expect(await t.bob.entry.get('team/x')).toBe('x-1');
    expect(await t.bob.entry.search('team')).toEqual(['team/x']);
    expect(await codeOf(t.bob.entry.set('team/x', 'bob was here'))).toBe('STORE_FORBIDDEN');

    // everything bob's device can derive before the revocation
    const cached = await harvestKeys(t.bob);
    expect(cached.namespaceKeys.length).toBeGreaterThan(0);
    expect(cached.entryKeys.length).toBe(1);

    const report = await t.alice.namespace.revoke('team', 'bob');
    expect(report.rotated.map((r) => r.path)).toContain('team');
    await t.alice.entry.set('team/y', 'y-1');
    await t.alice.entry.set('team/x', 'x-2');
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_NO_KEY');
    expect(await codeOf(t.bob.entry.get('team/y'))).toBe('STORE_NO_KEY');

    // with a full copy of the server and every key it kept, bob decrypts neither new value
    const { view } = await t.bob.storeService.records({ all: true });
    const { ctx, done } = await t.alice.storeService.context();
    const x = view.entryByToken(pathToken(ctx.namingKey, 'team/x'))!;
    const y = view.entryByToken(pathToken(ctx.namingKey, 'team/y'))!;
    await done(false);
    expect(x.version).toBe(2);
    expect(opensWith(x, t.workspace, cached)).toBe(false);
    expect(opensWith(y, t.workspace, cached)).toBe(false);
    // sanity: the harvested keys did open the old version
    expect(cached.entryKeys.length + cached.namespaceKeys.length).toBeGreaterThan(1);

    // entry grants, deletes, search, ttl
    await t.alice.entry.grant('team/x', 'bob', { access: ['READ'] });
    expect(await t.bob.entry.get('team/x')).toBe('x-2');
    await t.alice.entry.revoke('team/x', 'bob');
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_NO_KEY');
    expect((await t.alice.entry.info('team/x')).version).toBe(3);
    await t.alice.entry.delete('team/y');
    expect(await codeOf(t.alice.entry.get('team/y'))).toBe('STORE_NOT_FOUND');
    // a re-created entry continues the numbering
    expect((await t.alice.entry.set('team/y', 'again')).version).toBe(2);
    expect(await t.alice.entry.search('team/')).toEqual(['team/x', 'team/y']);
    expect((await t.alice.namespace.search()).map((n) => n.key)).toEqual(['team']);
    const listing = await t.alice.namespace.list('team');
    expect(listing.entries.map((e) => e.path)).toEqual(['team/x', 'team/y']);
    expect(await codeOf(t.alice.entry.set('team/big', 'x'.repeat(2049)))).toBe(
      'STORE_VALUE_TOO_LARGE',
    );
  });

  it('removing a member from the workspace re-tokenizes the store and revokes their grants', async () => {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.entry.set('team/x', 'x-1');
    await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
    expect(await t.bob.entry.get('team/x')).toBe('x-1');
    const cached = await harvestKeys(t.bob);
    const bobCtx = await t.bob.storeService.context();
    const oldNamingKey = Uint8Array.from(bobCtx.ctx.namingKey);
    await bobCtx.done(false);

    const result = await t.alice.user.delete('bob');
    expect(result.store?.revoked).toContain('team');
    expect(result.store?.retokenized).toBeGreaterThan(0);
    expect(result.store?.unreachable).toBe(0);
    // bob is no longer a member: the server refuses him outright
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('FORBIDDEN');

    await t.alice.entry.set('team/x', 'x-2');
    await t.alice.entry.set('team/y', 'y-1');
    expect(await t.alice.entry.get('team/x')).toBe('x-2');
    const { ctx, done } = await t.alice.storeService.context();
    const { view } = await t.alice.storeService.records({ all: true });
    // bob's old naming key finds nothing any more
    expect(view.entryByToken(pathToken(oldNamingKey as never, 'team/x'))).toBeUndefined();
    const x = view.entryByToken(pathToken(ctx.namingKey, 'team/x'))!;
    const y = view.entryByToken(pathToken(ctx.namingKey, 'team/y'))!;
    await done(false);
    // every key bob's device had cached opens neither new value
    expect(opensWith(x, t.workspace, cached)).toBe(false);
    expect(opensWith(y, t.workspace, cached)).toBe(false);
  });

  it('a removal whose store cleanup never ran (a crash) is finished by the next store operation', async () => {
    // The crash test found it: the server was killed between the removal (acknowledged) and
    // the re-tokenizing commit, and afterwards the store looked empty under the new naming key.
    const keys = { alice: newKey(), carol: newKey() };
    let dropCommits = false;
    const fetchSometimes = (input: string, init?: RequestInit) =>
      dropCommits && input.endsWith('/store/commit')
        ? Promise.reject(new TypeError('fetch failed'))
        : fetch(input, init);
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: keys.alice,
      http: { fetch: fetchSometimes },
    });
    const ws = await alice.workspace.create('Interrupted removal');
    await alice.namespace.create('team');
    await alice.entry.set('team/x', 'x-1');
    const carol = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'carol',
      privateKey: keys.carol,
      expectFingerprint: ws.fingerprint,
    });
    await alice.user.import((await carol.user.generate()).invitation, ['STORE_USE']);
    dropCommits = true;
    expect(await codeOf(alice.user.delete('carol'))).toBe('SERVER_UNREACHABLE');
    dropCommits = false;
    expect((await alice.user.list()).map((m) => m.name)).toEqual(['alice']);

    // a fresh client of alice (the crashed one is gone) sees everything and can write
    const again = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'alice',
      privateKey: keys.alice,
      expectFingerprint: ws.fingerprint,
    });
    expect(await again.entry.get('team/x')).toBe('x-1');
    const { listing } = await again.vault.snapshot();
    expect(listing.refused).toBe(0);
    expect(listing.entries.map((e) => e.path)).toEqual(['team/x']);
    await again.entry.set('team/x', 'x-2');
    const { view } = await again.storeService.records({ all: true });
    expect(view.allEntries()).toHaveLength(1);
    expect(view.allNamespaces().every((r) => r.naming === 2)).toBe(true);
    expect(await again.entry.get('team/x')).toBe('x-2');
  });

  it('isolation: a holder of the parent cannot derive an isolated child key', async () => {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.namespace.grant('team', 'carol', { access: ['READ', 'WRITE', 'EJECT'] });
    await t.carol.namespace.create('team/private', { isolated: true });
    await t.carol.entry.set('team/private/k', 'carol only');
    expect(await t.carol.entry.get('team/private/k')).toBe('carol only');
    // alice (ROOT, holder of team and the root) sees the folder's name but not inside
    expect((await t.alice.namespace.search('team')).map((n) => n.key)).toContain('team/private');
    expect(await codeOf(t.alice.entry.get('team/private/k'))).toBe('STORE_NO_KEY');
    const aliceKeys = await harvestKeys(t.alice);
    const { view } = await t.alice.storeService.records({ all: true });
    const { ctx, done } = await t.carol.storeService.context();
    const k = view.entryByToken(pathToken(ctx.namingKey, 'team/private/k'))!;
    const isolated = view.namespaceByToken(pathToken(ctx.namingKey, 'team/private'))!;
    await done(false);
    expect(isolated.inherit).toBeNull();
    expect(opensWith(k, t.workspace, aliceKeys)).toBe(false);
    // and alice cannot write there
    expect(await codeOf(t.alice.entry.set('team/private/k2', 'x'))).toBe('STORE_FORBIDDEN');
  });
});
