/**
 * Store endpoints on both backends, through the SDK: what the server refuses on its own (changes
 * a well-behaved client would not even send), the compare-and-swap race, expiry and the sweeper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EVENTS_PATH } from '../../src-shared/api/events.js';
import { generateSignKeyPair, randomBytes, utf8 } from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { BackboneClient } from '../../src-shared/sdk/client.js';
import type { ClientPrivateKey } from '../../src-shared/sdk/keys.js';
import {
  StoreDraft,
  newLocator,
  pathToken,
  signGrantRecord,
  writeEntry,
  type StoreChange,
} from '../../src-shared/store/index.js';
import { sealEntryRecord } from '../../src-shared/store/entries.js';
import { useTestBackends } from '../test/backends.js';
import { startTestServer, type TestServer } from '../test/harness.js';

const backends = useTestBackends();

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

describe.each(backends)('store endpoints ($name)', (backend) => {
  let server: TestServer;
  let alice: BackboneClient;
  let bob: BackboneClient; // STORE_USE, READ on team
  let carol: BackboneClient; // STORE_USE + STORE_SHARE, READ + WRITE on team
  let dave: BackboneClient; // no permission at all

  beforeAll(async () => {
    server = await startTestServer(backend);
    alice = new BackboneClient({ server: server.url, username: 'alice', privateKey: newKey() });
    const ws = await alice.workspace.create('Store');
    const member = async (name: string, permissions: string[]) => {
      const client = new BackboneClient({
        server: server.url,
        workspace: ws.id,
        username: name,
        privateKey: newKey(),
        expectFingerprint: ws.fingerprint,
      });
      await alice.user.import((await client.user.generate()).invitation, permissions);
      await client.authenticate();
      return client;
    };
    bob = await member('bob', ['STORE_USE']);
    carol = await member('carol', ['STORE_USE', 'STORE_SHARE']);
    dave = await member('dave', []);
    await alice.namespace.create('team');
    await alice.entry.set('team/x', 'x-1');
    await alice.namespace.grant('team', 'bob', { access: ['READ'] });
    await alice.namespace.grant('team', 'carol', { access: ['READ', 'WRITE'] });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /** A change prepared directly with the model's building blocks, as `client`. */
  async function forge(
    client: BackboneClient,
    build: (draft: StoreDraft, ctx: Awaited<ReturnType<typeof context>>) => void,
  ): Promise<StoreChange> {
    const c = await context(client);
    const { view } = await client.storeService.records({ all: true });
    const draft = new StoreDraft(view);
    build(draft, c);
    await c.done(false);
    return draft.toChange();
  }
  async function context(client: BackboneClient) {
    const { ctx, done } = await client.storeService.context();
    const { view } = await client.storeService.records({ all: true });
    const team = view.namespaceByToken(pathToken(ctx.namingKey, 'team'))!;
    const x = view.entryByToken(pathToken(ctx.namingKey, 'team/x'))!;
    return { ctx, done, view, team, x };
  }

  it('publishes every store change on the push channel', async () => {
    const { token } = await bob.token.derive({ ttlSeconds: 300, label: 'events test' });
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + EVENTS_PATH);
    const messages: { type: string; event?: { type: string; workspace?: string } }[] = [];
    const arrived = (predicate: (m: (typeof messages)[number]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such message in time')), 10_000);
        const check = () => {
          if (messages.some(predicate)) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 25);
        };
        check();
      });
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      ws.send(JSON.stringify({ v: 1, type: 'hello', token }));
      await arrived((m) => m.type === 'ready');
      await alice.entry.set('team/pushed', 'hello');
      await arrived(
        (m) =>
          m.type === 'event' &&
          m.event?.type === 'store.changed' &&
          m.event.workspace === alice.workspaceId,
      );
    } finally {
      ws.close();
    }
  });

  it('refuses without STORE_USE, WRITE, DELETE, EJECT or STORE_SHARE', async () => {
    // no STORE_USE: the guard
    expect(await codeOf(dave.storeService.records({ none: true }))).toBe('FORBIDDEN');
    expect(await codeOf(dave.entry.get('team/x'))).toBe('FORBIDDEN');

    // no WRITE: bob signs an entry in team (he can seal to its key, he may not write)
    const noWrite = await forge(bob, (draft, { ctx, team }) => {
      const locator = newLocator(ctx.membership.workspaceId, 'entry', 'team/bob');
      draft.putEntry(
        sealEntryRecord({
          workspaceId: ctx.membership.workspaceId,
          locator,
          token: pathToken(ctx.namingKey, 'team/bob'),
          naming: ctx.membership.namingKey.generation,
          version: 1,
          value: utf8('bob'),
          expiresAt: null,
          namespace: team,
          readers: [],
          writer: ctx.actor,
        }),
      );
    });
    expect(await codeOf(bob.storeService.commit({ change: noWrite }))).toBe('STORE_FORBIDDEN');

    // no DELETE: carol (READ + WRITE) removes team/x
    const noDelete = await forge(carol, (draft, { x }) => draft.remove('entry', x.id));
    expect(await codeOf(carol.storeService.commit({ change: noDelete }))).toBe('STORE_FORBIDDEN');

    // no EJECT: carol (STORE_SHARE) removes bob's grant
    const bobGrant = (await carol.storeService.records({ none: true })).view
      .allGrants()
      .find((g) => g.grantee === 'bob')!;
    const noEject = await forge(carol, (draft) => draft.remove('grant', bobGrant.id));
    expect(await codeOf(carol.storeService.commit({ change: noEject }))).toBe('STORE_FORBIDDEN');
    // …and isolated folders need EJECT too (refused by the model first, then by the server)
    expect(await codeOf(carol.namespace.create('team/mine', { isolated: true }))).toBe(
      'STORE_FORBIDDEN',
    );

    // no STORE_SHARE: bob (READ) grants READ on team to dave
    const noShare2 = await forge(bob, (draft, { ctx, team }) => {
      draft.putGrant(
        signGrantRecord(
          {
            workspace: ctx.membership.workspaceId,
            id: 'AAAAAAAAAAAAAAAAAAAAAA',
            target: { kind: 'namespace', id: team.id },
            grantee: 'carol',
            granteeBox: ctx.membership.members.get('carol')!.boxPk,
            access: ['DELETE'],
            epoch: team.generation,
            key: null,
          },
          ctx.actor,
        ),
      );
    });
    expect(await codeOf(bob.storeService.commit({ change: noShare2 }))).toBe('STORE_FORBIDDEN');
    expect(await codeOf(bob.entry.grant('team/x', 'carol'))).toBe('STORE_FORBIDDEN'); // model

    // a record signed by someone else than the caller
    const notMine = await forge(bob, (draft, { x }) => {
      draft.putEntry({ ...x, keys: { ...x.keys, users: {} }, version: x.version });
    });
    expect(notMine.put.entries).toHaveLength(0); // unchanged record: nothing to put
    // a root namespace when one exists
    expect(await codeOf(alice.namespace.create(''))).toBe('no error');

    // nothing changed: alice still reads the original value
    expect(await alice.entry.get('team/x')).toBe('x-1');
  });

  it('counters only move forward: share epochs, grant epochs, namespace generations', async () => {
    // carol (READ + WRITE) writes team/x with another share epoch (to revive old entry grants)
    const epochJump = await forge(carol, (draft, { ctx, team, x }) => {
      draft.putEntry(
        sealEntryRecord({
          workspaceId: ctx.membership.workspaceId,
          locator: { id: x.id, path: 'team/x', salt: randomBytes(32) },
          token: x.token,
          naming: x.naming,
          version: x.version + 1,
          shareEpoch: x.shareEpoch + 1,
          value: utf8('carol'),
          expiresAt: null,
          namespace: team,
          readers: [],
          writer: ctx.actor,
        }),
      );
    });
    expect(await codeOf(carol.storeService.commit({ change: epochJump }))).toBe('STORE_STALE');

    // alice signs a grant for a key generation that is not the namespace's current one
    const wrongEpoch = await forge(alice, (draft, { ctx, team }) => {
      draft.putGrant(
        signGrantRecord(
          {
            workspace: ctx.membership.workspaceId,
            id: 'BBBBBBBBBBBBBBBBBBBBBA',
            target: { kind: 'namespace', id: team.id },
            grantee: 'dave',
            granteeBox: ctx.membership.members.get('dave')!.boxPk,
            access: ['DELETE'],
            epoch: team.generation + 1,
            key: null,
          },
          ctx.actor,
        ),
      );
    });
    expect(await codeOf(alice.storeService.commit({ change: wrongEpoch }))).toBe('STORE_STALE');

    // alice puts back a namespace record of an older generation (her own signature)
    await alice.namespace.create('rot');
    await alice.namespace.grant('rot', 'bob', { access: ['READ'] });
    const { ctx: aliceCtx, done } = await alice.storeService.context();
    const rotToken = pathToken(aliceCtx.namingKey, 'rot');
    await done(false);
    const old = (await alice.storeService.records({ none: true })).view.namespaceByToken(rotToken)!;
    await alice.namespace.revoke('rot', 'bob');
    const rollback = await forge(alice, (draft) => draft.putNamespace(old));
    expect(await codeOf(alice.storeService.commit({ change: rollback }))).toBe('STORE_STALE');
  });

  it('compare-and-swap: of two racing writers exactly one wins', async () => {
    const prepare = async (client: BackboneClient, value: string) => {
      const { ctx, done } = await client.storeService.context();
      const { view } = await client.storeService.records({
        tokens: [pathToken(ctx.namingKey, 'team/race')],
      });
      const write = writeEntry(ctx, view, { path: 'team/race', value });
      await done(false);
      return write.change;
    };
    await alice.entry.set('team/race', 'start');
    const [a, c] = await Promise.all([prepare(alice, 'alice'), prepare(carol, 'carol')]);
    const results = await Promise.allSettled([
      alice.storeService.commit({ change: a }),
      carol.storeService.commit({ change: c }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'STORE_CONFLICT' });
    const info = await alice.entry.info('team/race');
    expect(info.version).toBe(2);
    // two new entries at one path: one record per token
    const fresh = async (client: BackboneClient) => {
      const { ctx, done } = await client.storeService.context();
      const { view } = await client.storeService.records({
        tokens: [pathToken(ctx.namingKey, 'team/new')],
      });
      const write = writeEntry(ctx, view, { path: 'team/new', value: 'v' });
      await done(false);
      return write.change;
    };
    const [n1, n2] = await Promise.all([fresh(alice), fresh(carol)]);
    const both = await Promise.allSettled([
      alice.storeService.commit({ change: n1 }),
      carol.storeService.commit({ change: n2 }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('expiring entries are not served and are swept; numbering continues', async () => {
    await alice.entry.set('team/temp', 'soon gone', { ttl: 60 });
    expect(await alice.entry.get('team/temp')).toBe('soon gone');
    server.clock.advance(3_600_000); // the server's clock; the ttl was set by the client's
    expect(await codeOf(alice.entry.get('team/temp'))).toBe('STORE_NOT_FOUND');
    const swept = await server.storage.sweepExpiredStoreEntries(server.clock.now(), 100, () => []);
    expect(swept.removed).toBe(1);
    expect((await alice.entry.set('team/temp', 'back')).version).toBe(2);
  });
});
