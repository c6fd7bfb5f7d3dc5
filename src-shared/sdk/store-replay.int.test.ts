/**
 * Revocations and deletions hold against a malicious server that writes its storage directly
 * (test/store-tamper.ts), on SQLite and PostgreSQL: replayed grants, key statements, namespace
 * records and deleted entries. Where the honest server refuses a member's custom write, the test
 * shows it, then stores the write anyway: every refusal asserted after that is the client's own.
 */
import { describe, expect, it } from 'vitest';
import { recordHash } from '../store/index.js';
import {
  generateNamespaceKeyPair,
  namespacePublicKey,
  resignNamespaceRecord,
  sealNamespaceKey,
  sealNamespaceName,
} from '../store/namespace-keys.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { allRecords, forgeWrite, learn, tamper } from './test/store-tamper.js';
import { clientRefusal, codeOf, listed, team } from './test/store-team.js';

const backends = useTestBackends();

describe.each(backends)('replays against the store ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  describe('revocation holds against replays (Trust fixes 1)', () => {
    it('a replayed READ+WRITE grant: the revoked writer is refused by the server and by readers', async () => {
      const t = await team(server.url);
      await t.alice.namespace.create('team');
      await t.alice.namespace.grant('team', 'bob', { access: ['READ', 'WRITE'] });
      await t.alice.entry.set('team/x', 'x-1');
      expect(await t.bob.entry.get('team/x')).toBe('x-1');
      const x = await learn(t.bob, 'team/x');
      const oldGrant = (await allRecords(t.alice)).allGrants().find((g) => g.grantee === 'bob')!;

      await t.alice.namespace.revoke('team', 'bob');
      expect(await t.alice.entry.get('team/x')).toBe('x-1');

      // rollback class: the server puts Bob's old signed grant back
      await tamper(server.storage, t.workspace, [['grant', oldGrant]]);
      const forged = await forgeWrite(t.bob, 'team/x', 'bob after revocation', x);
      // the honest server refuses the write through the real commit endpoint
      expect(await codeOf(t.bob.storeService.commit({ change: forged.change }))).toBe(
        'STORE_FORBIDDEN',
      );
      // a malicious server stores it anyway: Alice's client refuses it, never shows it
      await tamper(server.storage, t.workspace, [['entry', forged.record]]);
      expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
      expect(await t.alice.entry.search('team/')).not.toContain('team/x');
      expect(await listed(t.alice)).toEqual({ paths: [], refused: 1 });
    });

    it('a replayed namespace record, key statement and grant: refused', async () => {
      const t = await team(server.url);
      await t.alice.namespace.create('team');
      await t.alice.namespace.grant('team', 'bob', { access: ['READ', 'WRITE'] });
      await t.alice.entry.set('team/x', 'x-1');
      expect(await t.bob.entry.get('team/x')).toBe('x-1');
      const x = await learn(t.bob, 'team/x');
      const teamInfo = await learn(t.bob, 'team');
      const before = await allRecords(t.alice);
      const oldGrant = before.allGrants().find((g) => g.grantee === 'bob')!;
      const oldTeam = before.namespace(teamInfo.id)!;

      await t.alice.namespace.revoke('team', 'bob');

      // key swap class: Bob signs a new key statement for `team` (his own key pair), relying on
      // his replayed grant; the honest server refuses it
      await tamper(server.storage, t.workspace, [['grant', oldGrant]]);
      const { ctx, done } = await t.bob.storeService.context();
      const now = await allRecords(t.bob);
      const current = now.namespace(teamInfo.id)!;
      const root = now.namespace(current.parent!)!;
      const bobKeys = generateNamespaceKeyPair();
      const minted = resignNamespaceRecord(
        current,
        {
          publicKey: bobKeys.publicKey,
          generation: current.generation + 1,
          name: sealNamespaceName(namespacePublicKey(root), root.generation, {
            path: 'team',
            salt: teamInfo.salt,
          }),
          inherit: sealNamespaceKey(
            namespacePublicKey(root),
            root.generation,
            { path: 'team', salt: teamInfo.salt },
            bobKeys.secretKey,
          ),
        },
        ctx.actor,
      );
      await done(false);
      const statement = {
        v: 1 as const,
        workspace: t.workspace,
        put: { namespaces: [minted], grants: [], entries: [] },
        remove: { namespaces: [], grants: [], entries: [] },
        expect: [{ type: 'namespace' as const, id: minted.id, hash: recordHash(current) }],
      };
      expect(await codeOf(t.bob.storeService.commit({ change: statement }))).toBe(
        'STORE_FORBIDDEN',
      );
      // stored anyway: Alice never seals to Bob's key, and reads nothing through it
      await tamper(server.storage, t.workspace, [['namespace', minted]]);
      expect(await clientRefusal(t, 'alice', (c) => c.entry.set('team/y', 'for the team'))).toBe(
        'STORE_FORBIDDEN',
      );
      await tamper(server.storage, t.workspace, [['namespace', current]]);

      // rollback class: the old namespace record (generation 1) and the old grant come back;
      // Bob seals to the old public key. The honest server (current state) refuses the write …
      const forged = await forgeWrite(t.bob, 'team/x', 'bob, old key', x, oldTeam);
      expect(await codeOf(t.bob.storeService.commit({ change: forged.change }))).toBe(
        'STORE_FORBIDDEN',
      );
      // … and Alice's client refuses the replayed state
      await tamper(server.storage, t.workspace, [
        ['namespace', oldTeam],
        ['entry', forged.record],
      ]);
      expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_STALE');
    });

    it('WRITE-only grants: writing needs READ on every side, and a revoked one stays revoked', async () => {
      const t = await team(server.url);
      await t.alice.namespace.create('team');
      await t.alice.entry.set('team/x', 'x-1');
      await t.alice.namespace.grant('team', 'bob', { access: ['WRITE'] });
      const x = await learn(t.alice, 'team/x');
      const oldGrant = (await allRecords(t.alice)).allGrants().find((g) => g.grantee === 'bob')!;

      // a WRITE-only grantee with a custom client: refused by the server and by readers
      const early = await forgeWrite(t.bob, 'team/x', 'write-only bob', x);
      expect(await codeOf(t.bob.storeService.commit({ change: early.change }))).toBe(
        'STORE_FORBIDDEN',
      );
      await tamper(server.storage, t.workspace, [['entry', early.record]]);
      expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
      // alice's next write does not build on the refused value: it replaces it
      await t.alice.entry.set('team/x', 'x-2');
      expect(await t.alice.entry.get('team/x')).toBe('x-2');

      // revoked and replayed: still refused
      await t.alice.namespace.revoke('team', 'bob');
      await tamper(server.storage, t.workspace, [['grant', oldGrant]]);
      const late = await forgeWrite(t.bob, 'team/x', 'write-only bob, revoked', x);
      expect(await codeOf(t.bob.storeService.commit({ change: late.change }))).toBe(
        'STORE_FORBIDDEN',
      );
      await tamper(server.storage, t.workspace, [['entry', late.record]]);
      expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
    });
  });

  describe('deleted entries stay deleted (Trust fixes 2)', () => {
    it('rollback class: a deleted entry re-inserted by the server is refused', async () => {
      const t = await team(server.url);
      await t.alice.namespace.create('team');
      await t.alice.entry.set('team/gone', 'secret');
      expect(await t.alice.entry.get('team/gone')).toBe('secret');
      const old = (await allRecords(t.alice)).allEntries()[0]!;
      await t.alice.entry.delete('team/gone');
      await tamper(server.storage, t.workspace, [['entry', old]]);
      expect(await codeOf(t.alice.entry.get('team/gone'))).toBe('STORE_STALE');
      expect(await t.alice.entry.search('team/')).not.toContain('team/gone');
      expect(await listed(t.alice)).toEqual({ paths: [], refused: 1 });
      // nor does Alice build on it
      expect(await clientRefusal(t, 'alice', (c) => c.entry.set('team/gone', 'again'))).toBe(
        'STORE_STALE',
      );
    });

    it('a genuine re-creation after a deletion continues the numbering and is accepted', async () => {
      const t = await team(server.url);
      await t.alice.namespace.create('team');
      await t.alice.entry.set('team/again', 'one');
      await t.alice.entry.delete('team/again');
      expect(await codeOf(t.alice.entry.get('team/again'))).toBe('STORE_NOT_FOUND');
      await t.alice.entry.set('team/again', 'two');
      expect(await t.alice.entry.get('team/again')).toBe('two');
    });
  });

  // ETH Zurich 2026 study of password-manager servers: one case per attack class that applies to
  // the store. Each time the honest server accepted the records; the server's storage is then
});
