/**
 * The store against a hostile server that rewrites its answers (test/malicious-proxy.ts), on
 * SQLite and PostgreSQL: forged, replayed, moved and injected records. The honest server behind
 * the proxy accepted everything the proxy changes, so each refusal is the client's own (and a
 * refused write sends no commit).
 */
import { describe, expect, it } from 'vitest';
import { generateBoxKeyPair, randomBytes, toBase64Url } from '../crypto/index.js';
import { pathToken, signGrantRecord, type EntryRecord, type GrantRecord } from '../store/index.js';
import { sealEntryRecord } from '../store/entries.js';
import { MaliciousProxy } from './test/malicious-proxy.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { clientRefusal, codeOf, team } from './test/store-team.js';

const backends = useTestBackends();

describe.each(backends)('a malicious server rewriting store answers ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it('is caught forging, replaying, moving and injecting records', async () => {
    const proxy = await MaliciousProxy.start(server.url);
    server.trustPublicUrl(proxy.url); // the proxy plays the server itself, not a relay
    try {
      const t = await team(proxy.url);
      await t.alice.namespace.create('team');
      await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
      await t.alice.entry.set('team/x', 'x-1');
      await t.alice.entry.set('team/z', 'z-1');
      expect(await t.bob.entry.get('team/x')).toBe('x-1');

      const { ctx, done } = await t.alice.storeService.context();
      const tokenX = pathToken(ctx.namingKey, 'team/x');
      const tokenZ = pathToken(ctx.namingKey, 'team/z');
      const tokenTeam = pathToken(ctx.namingKey, 'team');
      await done(false);
      const full = await t.alice.storeService.records({ all: true });
      const oldX = full.view.entryByToken(tokenX)!;
      const teamNs = full.view.namespaceByToken(tokenTeam)!;
      const bobGrant = full.view.allGrants().find((g) => g.grantee === 'bob')!;
      const carolCtx = await t.carol.storeService.context();

      const serve = (edit: (body: { entries: unknown[]; grants: unknown[] }) => void) => {
        proxy.rewrite = (request, status, body) => {
          if (!request.pathname.endsWith('/store/records') || status !== 200) return undefined;
          const copy = structuredClone(body) as { entries: unknown[]; grants: unknown[] };
          edit(copy);
          return copy;
        };
      };
      const entries = (b: { entries: unknown[] }) => b.entries as EntryRecord[];

      // 1. an entry forged with only the namespace public key (signed by carol, no WRITE)
      const forged = sealEntryRecord({
        workspaceId: t.workspace,
        locator: { id: oldX.id, path: 'team/x', salt: randomBytes(32) },
        token: oldX.token,
        naming: oldX.naming,
        version: oldX.version + 1,
        value: new TextEncoder().encode('forged'),
        expiresAt: null,
        namespace: teamNs,
        readers: [],
        writer: carolCtx.ctx.actor,
      });
      serve((b) => {
        b.entries = entries(b).map((e) => (e.id === oldX.id ? forged : e));
      });
      expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_FORBIDDEN');

      // 2. a replayed older version (bob saw version 2 after alice updates)
      proxy.rewrite = undefined;
      await t.alice.entry.set('team/x', 'x-2');
      expect(await t.bob.entry.get('team/x')).toBe('x-2');
      serve((b) => {
        b.entries = entries(b).map((e) => (e.id === oldX.id ? oldX : e));
      });
      expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_STALE');

      // 3. a ciphertext moved to another path (z's record served at x's token)
      proxy.rewrite = undefined;
      await t.alice.entry.set('team/z', 'z-2');
      await t.alice.entry.set('team/z', 'z-3');
      const newZ = (await t.alice.storeService.records({ tokens: [tokenZ] })).view.entryByToken(
        tokenZ,
      )!;
      expect(newZ.version).toBe(3);
      serve((b) => {
        b.entries = [{ ...newZ, token: tokenX }];
      });
      expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_TAMPERED');

      // 4. a grant not signed by a holder: carol (STORE_SHARE, no access) "grants" dave's box…
      const intruder = generateBoxKeyPair();
      const fakeGrant = signGrantRecord(
        {
          workspace: t.workspace,
          id: toBase64Url(randomBytes(16)),
          target: { kind: 'namespace', id: teamNs.id },
          grantee: 'bob',
          granteeBox: carolCtx.ctx.membership.members.get('bob')!.boxPk,
          access: ['READ', 'WRITE'],
          epoch: teamNs.generation,
          key: bobGrant.key,
        },
        carolCtx.ctx.actor,
      );
      serve((b) => {
        b.grants = [...(b.grants as GrantRecord[]), fakeGrant];
      });
      const listed = await t.alice.namespace.grants('team');
      expect(listed.find((g) => g.id === fakeGrant.id)?.valid).toBe(false);
      // bob's client refuses to write on the forged grant: no commit reaches the server
      expect(await clientRefusal(t, 'bob', (c) => c.entry.set('team/x', 'bob writes'))).toBe(
        'STORE_FORBIDDEN',
      );

      // 5. a grant wrapping a key to a public key not in the log: refused everywhere
      const wrongBox = signGrantRecord(
        {
          workspace: t.workspace,
          id: toBase64Url(randomBytes(16)),
          target: { kind: 'namespace', id: teamNs.id },
          grantee: 'bob',
          granteeBox: intruder.publicKey,
          access: ['READ'],
          epoch: teamNs.generation,
          key: bobGrant.key,
        },
        ctx.actor,
      );
      serve((b) => {
        b.grants = [...(b.grants as GrantRecord[]), wrongBox];
      });
      const again = await t.alice.namespace.grants('team');
      expect(again.find((g) => g.id === wrongBox.id)?.valid).toBe(false);
      // the server itself refuses such a grant
      proxy.rewrite = undefined;
      const records = await t.alice.storeService.records({ none: true });
      const { ctx: fresh, done: done2 } = await t.alice.storeService.context();
      await done2(false);
      const change = {
        v: 1 as const,
        workspace: t.workspace,
        put: { namespaces: [], grants: [wrongBox], entries: [] },
        remove: { namespaces: [], grants: [], entries: [] },
        expect: [{ type: 'grant' as const, id: wrongBox.id, hash: null }],
      };
      expect(records.view.allGrants().length).toBeGreaterThan(0);
      expect(fresh.actor.name).toBe('alice');
      expect(await codeOf(t.alice.storeService.commit({ change }))).toBe('STORE_TAMPERED');
      await carolCtx.done(false);
    } finally {
      await proxy.close();
    }
  });
});
