import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cryptoReady, toBase64Url } from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { useTestBackends, type OpenedStorage } from '../test/backends.js';
import {
  SERVER_KEY_FILE_NAME,
  SERVER_KEY_META,
  loadOrCreateServerKeysFile,
  loadOrCreateServerKeysInStorage,
} from '../server-keys.js';
import { migrateToLatest } from './migrations.js';
import type {
  DeviceRecord,
  EventRecord,
  IdentityRecord,
  NewEvent,
  Storage,
  TokenRecord,
} from './storage.js';

const backends = useTestBackends();

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter.toString().padStart(6, '0')}`;
}

function identity(id = unique('bb1id')): IdentityRecord {
  return {
    id,
    signPublicKey: unique('sign'),
    boxPublicKey: unique('box'),
    displayName: 'Alice',
    profile: '{"kind":"identity.profile"}',
    createdAt: 1_700_000_000_000,
  };
}

function device(identityId: string, id = unique('dev')): DeviceRecord {
  return {
    id,
    identityId,
    name: 'laptop',
    platform: 'linux',
    certificate: '{"kind":"device.cert"}',
    createdAt: 1_700_000_000_000,
    revokedAt: null,
    revocation: null,
  };
}

function token(
  identityId: string,
  deviceId: string,
  overrides: Partial<TokenRecord> = {},
): TokenRecord {
  return {
    id: unique('tok'),
    tokenHash: unique('hash'),
    identityId,
    deviceId,
    parentId: null,
    scopes: ['IDENTITY_READ', 'TOKEN_READ'],
    workspaceId: null,
    label: null,
    createdAt: 1_000,
    expiresAt: 10_000,
    revokedAt: null,
    ...overrides,
  };
}

/** A new workspace recorded at `at` with `events` (the way routes record them). */
function workspaceWithEvents(
  storage: Storage,
  at: number,
  events: { recipients?: string[] }[],
): Promise<EventRecord[]> {
  const id = unique('ws');
  return storage.createWorkspace(
    {
      id,
      displayName: 'Team',
      genesisHash: unique('h'),
      headSeq: 0,
      headHash: unique('h'),
      createdAt: at,
      deletedAt: null,
    },
    { seq: 0, entry: '{"seq":0}', hash: unique('h') },
    [{ identityId: 'bb1owner', name: 'owner', permissions: ['ROOT'] }],
    events.map((event): NewEvent => ({
      workspaceId: id,
      type: 'membership.appended',
      payload: '{}',
      ...event,
    })),
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBackboneError(error) ? error.code : error).toBe(code);
}

describe.each(backends)('storage ($name)', (backend) => {
  let opened: OpenedStorage;
  let storage: Storage;

  beforeAll(async () => {
    await cryptoReady();
    opened = await backend.open();
    storage = opened.storage;
  });
  afterAll(() => opened.dispose());

  it('reports its backend and answers a ping', async () => {
    expect(storage.backend).toBe(backend.name);
    await storage.ping();
  });

  it('migrations are idempotent: opening the same database again keeps the data', async () => {
    const alice = identity();
    await storage.createIdentity(alice, device(alice.id));
    const again = await backend.reopen(opened);
    try {
      expect(await again.getIdentity(alice.id)).toEqual(alice);
    } finally {
      await again.close();
    }
  });

  it('keeps meta values: the first writer wins', async () => {
    expect(await storage.getMeta('k1')).toBeUndefined();
    expect(await storage.putMetaIfAbsent('k1', 'first')).toBe('first');
    expect(await storage.putMetaIfAbsent('k1', 'second')).toBe('first');
    expect(await storage.getMeta('k1')).toBe('first');
  });

  it('creates identities with their first device, refusing duplicates atomically', async () => {
    const alice = identity();
    const laptop = device(alice.id);
    await storage.createIdentity(alice, laptop);
    expect(await storage.getIdentity(alice.id)).toEqual(alice);
    expect(await storage.getDevice(laptop.id)).toEqual(laptop);

    await expectCode(storage.createIdentity(alice, device(alice.id)), 'IDENTITY_EXISTS');
    // same signing key under another id
    await expectCode(
      storage.createIdentity({ ...identity(), signPublicKey: alice.signPublicKey }, device('x')),
      'IDENTITY_EXISTS',
    );
    // a new identity whose first device is taken: neither is stored
    const bob = identity();
    await expectCode(
      storage.createIdentity(bob, { ...laptop, identityId: bob.id }),
      'DEVICE_EXISTS',
    );
    expect(await storage.getIdentity(bob.id)).toBeUndefined();
    expect(await storage.getIdentity('missing')).toBeUndefined();
  });

  it('adds, lists and refuses duplicate devices', async () => {
    const alice = identity();
    const first = device(alice.id);
    await storage.createIdentity(alice, first);
    const second = { ...device(alice.id), createdAt: first.createdAt + 1 };
    await storage.addDevice(second);
    await expectCode(storage.addDevice(second), 'DEVICE_EXISTS');
    expect((await storage.listDevices(alice.id)).map((d) => d.id)).toEqual([first.id, second.id]);
    expect(await storage.listDevices('nobody')).toEqual([]);
  });

  it('revokes a device and all its tokens in one go, keeping the first revocation', async () => {
    const alice = identity();
    const laptop = device(alice.id);
    const phone = device(alice.id);
    await storage.createIdentity(alice, laptop);
    await storage.addDevice(phone);
    const t1 = token(alice.id, laptop.id);
    const t2 = token(alice.id, laptop.id, { parentId: t1.id });
    const t3 = token(alice.id, phone.id);
    for (const t of [t1, t2, t3]) await storage.createToken(t);

    const revoked = await storage.revokeDevice(laptop.id, 5_000, '{"r":1}');
    expect(revoked).toMatchObject({ id: laptop.id, revokedAt: 5_000, revocation: '{"r":1}' });
    expect((await storage.getToken(t1.id))?.revokedAt).toBe(5_000);
    expect((await storage.getToken(t2.id))?.revokedAt).toBe(5_000);
    expect((await storage.getToken(t3.id))?.revokedAt).toBeNull();
    expect((await storage.findTokenByHash(t1.tokenHash))?.deviceRevokedAt).toBe(5_000);

    const again = await storage.revokeDevice(laptop.id, 9_000, '{"r":2}');
    expect(again).toMatchObject({ revokedAt: 5_000, revocation: '{"r":1}' });
    expect(await storage.revokeDevice('missing', 1, '{}')).toBeUndefined();
  });

  it('consumes a challenge exactly once, even when two consumers race', async () => {
    const challenge = { id: unique('ch'), nonce: 'n', createdAt: 1, expiresAt: 2 };
    await storage.createChallenge(challenge);
    const results = await Promise.all([
      storage.consumeChallenge(challenge.id),
      storage.consumeChallenge(challenge.id),
      storage.consumeChallenge(challenge.id),
    ]);
    expect(results.filter(Boolean)).toEqual([challenge]);
    expect(await storage.consumeChallenge(challenge.id)).toBeUndefined();
  });

  it('finds tokens by hash, lists and counts the active ones', async () => {
    const alice = identity();
    const laptop = device(alice.id);
    await storage.createIdentity(alice, laptop);
    const active = token(alice.id, laptop.id, { workspaceId: 'ws1', label: 'cli' });
    const expired = token(alice.id, laptop.id, { expiresAt: 1_500 });
    const revoked = token(alice.id, laptop.id, { revokedAt: 1_200 });
    for (const t of [active, expired, revoked]) await storage.createToken(t);

    expect(await storage.findTokenByHash(active.tokenHash)).toEqual({
      ...active,
      deviceRevokedAt: null,
    });
    expect(await storage.findTokenByHash('nope')).toBeUndefined();
    expect(await storage.getToken(active.id)).toEqual(active);
    expect(await storage.listActiveTokens(alice.id, 2_000)).toEqual([active]);
    expect(await storage.countActiveTokens(alice.id, 2_000)).toBe(1);
    expect(await storage.countActiveTokens(alice.id, 1_000)).toBe(2);
  });

  it('revokes a token with everything derived from it', async () => {
    const alice = identity();
    const laptop = device(alice.id);
    await storage.createIdentity(alice, laptop);
    const root = token(alice.id, laptop.id);
    const child = token(alice.id, laptop.id, { parentId: root.id });
    const grandchild = token(alice.id, laptop.id, { parentId: child.id });
    const sibling = token(alice.id, laptop.id);
    for (const t of [root, child, grandchild, sibling]) await storage.createToken(t);

    expect(await storage.revokeTokenTree(child.id, 3_000)).toBe(2);
    expect((await storage.getToken(root.id))?.revokedAt).toBeNull();
    expect((await storage.getToken(grandchild.id))?.revokedAt).toBe(3_000);
    expect(await storage.revokeTokenTree(root.id, 4_000)).toBe(1); // the others already were
    expect((await storage.getToken(child.id))?.revokedAt).toBe(3_000);
    expect((await storage.getToken(sibling.id))?.revokedAt).toBeNull();
    expect(await storage.revokeTokenTree('missing', 1)).toBe(0);
  });

  it('sweeps expired challenges and old tokens', async () => {
    const alice = identity();
    const laptop = device(alice.id);
    await storage.createIdentity(alice, laptop);
    const old = { id: unique('ch'), nonce: 'n', createdAt: 1, expiresAt: 100 };
    const fresh = { id: unique('ch'), nonce: 'n', createdAt: 1, expiresAt: 10_000_000 };
    await storage.createChallenge(old);
    await storage.createChallenge(fresh);
    const oldToken = token(alice.id, laptop.id, { expiresAt: 50 });
    const oldChild = token(alice.id, laptop.id, { expiresAt: 50, parentId: oldToken.id });
    const liveToken = token(alice.id, laptop.id, { expiresAt: 10_000_000 });
    for (const t of [oldToken, oldChild, liveToken]) await storage.createToken(t);

    const removed = await storage.deleteExpired(1_000, 60);
    expect(removed.challenges).toBeGreaterThanOrEqual(1);
    expect(removed.tokens).toBeGreaterThanOrEqual(1);
    expect(await storage.consumeChallenge(old.id)).toBeUndefined();
    expect(await storage.consumeChallenge(fresh.id)).toEqual(fresh);
    expect(await storage.getToken(oldToken.id)).toBeUndefined();
    expect(await storage.getToken(oldChild.id)).toBeUndefined();
    expect(await storage.getToken(liveToken.id)).toEqual(liveToken);
  });

  it('prunes old events with their recipients, never the newest, and reports the oldest', async () => {
    // a database of its own: pruning removes every old event in it
    const own = await backend.open();
    const store = own.storage;
    try {
      expect(await store.oldestEventId()).toBe(0);
      expect(await store.pruneEvents(Number.MAX_SAFE_INTEGER)).toBe(0);

      const [e1, e2] = await workspaceWithEvents(store, 1_000, [{ recipients: ['x', 'y'] }, {}]);
      const [e3] = await workspaceWithEvents(store, 2_000, [{ recipients: ['z'] }]);
      const [e4] = await workspaceWithEvents(store, 5_000, [{ recipients: ['w'] }]);
      // the newest event, yet recorded long ago
      const [e5] = await workspaceWithEvents(store, 1_500, [{ recipients: ['q'] }]);
      const ids = [e1, e2, e3, e4, e5].map((event) => event!.id);
      expect(await store.oldestEventId()).toBe(ids[0]);
      expect([...(await store.listEventRecipients(ids)).keys()].sort((a, b) => a - b)).toEqual([
        ids[0],
        ids[2],
        ids[3],
        ids[4],
      ]);

      // before 3000: e1, e2, e3 go with their recipients; e4 is recent, e5 is the newest
      expect(await store.pruneEvents(3_000)).toBe(3);
      expect((await store.listEventsAfter(0, 100)).map((event) => event.id)).toEqual([
        ids[3],
        ids[4],
      ]);
      expect(await store.oldestEventId()).toBe(ids[3]);
      expect(await store.latestEventId()).toBe(ids[4]);
      expect(await store.listEventRecipients(ids)).toEqual(
        new Map([
          [ids[3], ['w']],
          [ids[4], ['q']],
        ]),
      );
      expect(await store.pruneEvents(3_000)).toBe(0);

      // everything is old now: all but the newest go, and cursors never go back
      expect(await store.pruneEvents(10_000)).toBe(1);
      expect(await store.oldestEventId()).toBe(ids[4]);
      expect(await store.latestEventId()).toBe(ids[4]);
      expect(await store.listEventRecipients(ids)).toEqual(new Map([[ids[4], ['q']]]));
      const [e6] = await workspaceWithEvents(store, 20_000, [{}]);
      expect(e6!.id).toBeGreaterThan(ids[4]!);
      expect(await store.pruneEvents(10_000)).toBe(1);
      expect(await store.oldestEventId()).toBe(e6!.id);
    } finally {
      await own.dispose();
    }
  });

  it('enforces foreign keys (a device needs its identity)', async () => {
    await expect(storage.addDevice(device('no-such-identity'))).rejects.toThrow();
  });

  it('keeps the server keys in the database: made once, then the same', async () => {
    const first = await loadOrCreateServerKeysInStorage(storage);
    const second = await loadOrCreateServerKeysInStorage(storage);
    expect(second.id).toBe(first.id);
    expect(toBase64Url(second.boxKeyPair.publicKey)).toBe(toBase64Url(first.boxKeyPair.publicKey));
    expect(first.id).toMatch(/^bbs1[a-z2-7]{32}$/);
    expect(await storage.getMeta(SERVER_KEY_META)).toContain('"v":1');
  });
});

describe('server key file', () => {
  const [sqlite] = backends;
  let opened: OpenedStorage;
  beforeAll(async () => {
    await cryptoReady();
    opened = await sqlite!.open();
  });
  afterAll(() => opened.dispose());

  it('is made once with mode 0600 and read back', async () => {
    const first = await loadOrCreateServerKeysFile(opened.dataDir);
    const second = await loadOrCreateServerKeysFile(opened.dataDir);
    expect(second.id).toBe(first.id);
    const { stat } = await import('node:fs/promises');
    const info = await stat(path.join(opened.dataDir, SERVER_KEY_FILE_NAME));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('refuses an unknown version and a damaged file', async () => {
    const file = path.join(opened.dataDir, SERVER_KEY_FILE_NAME);
    await writeFile(file, JSON.stringify({ v: 2 }));
    await expectCode(loadOrCreateServerKeysFile(opened.dataDir), 'UNSUPPORTED_VERSION');
    await writeFile(file, '{"v":1,"signSeed":"x"}');
    await expectCode(loadOrCreateServerKeysFile(opened.dataDir), 'INTERNAL');
    await writeFile(file, 'not json');
    await expectCode(loadOrCreateServerKeysFile(opened.dataDir), 'INTERNAL');
  });
});

describe('migrations', () => {
  it('refuse a database written by a newer server', async () => {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
    });
    try {
      await migrateToLatest(db);
      await db
        .insertInto('kysely_migration' as never)
        .values({ name: '9999_from_the_future', timestamp: new Date().toISOString() } as never)
        .execute();
      await expectCode(migrateToLatest(db), 'UNSUPPORTED_VERSION');
    } finally {
      await db.destroy();
    }
  });
});
