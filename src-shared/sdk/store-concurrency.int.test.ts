/**
 * Concurrent writers on the store through the real server (SQLite and PostgreSQL): the
 * compare-and-swap race on one entry, and records created while a revocation is in flight.
 */
import { describe, expect, it } from 'vitest';
import { pathToken, writeEntry } from '../store/index.js';
import { BackboneClient } from './client.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { codeOf, team } from './test/store-team.js';

const backends = useTestBackends();

describe.each(backends)('concurrent store writers ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it('concurrency: two writers racing on one entry — one wins, the other conflicts', async () => {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.namespace.grant('team', 'carol', { access: ['READ', 'WRITE'] });
    await t.alice.entry.set('team/x', 'v1');
    // both prepare a write on the same records, then commit at once
    const prepare = async (client: BackboneClient, value: string) => {
      const { ctx, done } = await client.storeService.context();
      const { view } = await client.storeService.records({
        tokens: [pathToken(ctx.namingKey, 'team/x')],
      });
      const write = writeEntry(ctx, view, { path: 'team/x', value });
      await done(false);
      return write.change;
    };
    const [a, c] = await Promise.all([prepare(t.alice, 'alice'), prepare(t.carol, 'carol')]);
    const results = await Promise.allSettled([
      t.alice.storeService.commit({ change: a }),
      t.carol.storeService.commit({ change: c }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_CONFLICT' });
    const winner = results[0]!.status === 'fulfilled' ? 'alice' : 'carol';
    expect(await t.alice.entry.get('team/x')).toBe(winner);
    // through the SDK (with retries) both writes land, one after the other: nothing is lost
    await Promise.all([t.alice.entry.set('team/x', 'A'), t.carol.entry.set('team/x', 'C')]);
    const info = await t.alice.entry.info('team/x');
    expect(info.version).toBe(4);
    expect(['A', 'C']).toContain(info.value);
  });

  it('concurrency: a namespace and an entry created while a revocation of their parent is in flight are re-sealed, not left on the old key', async () => {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
    await t.alice.namespace.grant('team', 'carol', { access: ['READ', 'WRITE'] });
    // a second device of alice revokes bob; its first commit is held until carol has created
    // `team/sub` and `team/e` (records the rotation, prepared before, does not know)
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    let reachedCommit!: () => void;
    const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve));
    const revoker = new BackboneClient({
      server: server.url,
      workspace: t.workspace,
      username: 'alice',
      privateKey: t.keys.alice!,
      expectFingerprint: t.fingerprint,
      http: {
        fetch: async (input, init) => {
          const url = new URL(input);
          if (holding && init?.method === 'POST' && url.pathname.endsWith('/store/commit')) {
            holding = false;
            reachedCommit();
            await held;
          }
          return fetch(input, init);
        },
      },
    });
    const revoked = revoker.namespace.revoke('team', 'bob');
    await Promise.race([atCommit, revoked]);
    await t.carol.namespace.create('team/sub');
    await t.carol.entry.set('team/sub/k', 'in sub');
    await t.carol.entry.set('team/e', 'in team');
    release();
    await revoked;
    // fresh devices (no rollback memory, no cached keys) read everything
    for (const name of ['alice', 'carol'] as const) {
      const fresh = new BackboneClient({
        server: server.url,
        workspace: t.workspace,
        username: name,
        privateKey: t.keys[name]!,
        expectFingerprint: t.fingerprint,
      });
      expect(await fresh.entry.get('team/sub/k')).toBe('in sub');
      expect(await fresh.entry.get('team/e')).toBe('in team');
    }
    expect(await codeOf(t.bob.entry.get('team/e'))).toBe('STORE_NO_KEY');
  });
});
