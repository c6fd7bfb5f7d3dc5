/**
 * The encrypted store through the real server and the SDK (SQLite): revocation, isolation,
 * a malicious server (rewriting proxy), concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aeadDecrypt,
  cryptoReady,
  fromBase64Url,
  generateBoxKeyPair,
  generateSignKeyPair,
  randomBytes,
  toBase64Url,
  type BoxKeyPair,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import {
  StoreSession,
  entryAssociatedData,
  openEnvelope,
  pathToken,
  recordHash,
  signGrantRecord,
  writeEntry,
  type EntryRecord,
  type GrantRecord,
  type NamespaceRecord,
} from '../store/index.js';
import {
  generateNamespaceKeyPair,
  namespacePublicKey,
  resignNamespaceRecord,
  sealNamespaceKey,
  sealNamespaceName,
} from '../store/namespace-keys.js';
import { sealEntryRecord } from '../store/entries.js';
import { BackboneClient } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { MaliciousProxy } from './test/malicious-proxy.js';
import { startSdkTestServer, type SdkTestServer } from './test/server.js';

let server: SdkTestServer;

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
});
afterAll(async () => {
  await server?.close();
});

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

interface Team {
  workspace: string;
  alice: BackboneClient;
  bob: BackboneClient;
  carol: BackboneClient;
  keys: Record<string, ClientPrivateKey>;
  fingerprint: string;
}

/** alice (ROOT), bob (STORE_USE), carol (STORE_USE + STORE_SHARE). */
async function team(url = server.url): Promise<Team> {
  const keys = { alice: newKey(), bob: newKey(), carol: newKey() };
  const alice = new BackboneClient({ server: url, username: 'alice', privateKey: keys.alice });
  const ws = await alice.workspace.create('Store team');
  const member = async (name: 'bob' | 'carol', permissions: string[]) => {
    const client = new BackboneClient({
      server: url,
      workspace: ws.id,
      username: name,
      privateKey: keys[name],
      expectFingerprint: ws.fingerprint,
    });
    await alice.user.import((await client.user.generate()).invitation, permissions);
    await client.authenticate();
    return client;
  };
  const bob = await member('bob', ['STORE_USE']);
  const carol = await member('carol', ['STORE_USE', 'STORE_SHARE']);
  return { workspace: ws.id, alice, bob, carol, keys, fingerprint: ws.fingerprint };
}

/** The keys a member's device can derive now (namespace secret keys, entry keys), copied. */
async function harvestKeys(client: BackboneClient) {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ all: true });
  const s = new StoreSession(ctx, view);
  const namespaceKeys: BoxKeyPair[] = [];
  const entryKeys: Uint8Array[] = [];
  for (const r of view.allNamespaces()) {
    const resolved = s.resolver.tryNamespace(r.id);
    if (resolved) {
      namespaceKeys.push({
        publicKey: Uint8Array.from(resolved.keyPair.publicKey),
        secretKey: Uint8Array.from(resolved.keyPair.secretKey),
      } as BoxKeyPair);
    }
  }
  for (const e of view.allEntries()) {
    try {
      entryKeys.push(Uint8Array.from(s.resolver.entryKey(e).key));
    } catch {
      // not readable
    }
  }
  s.resolver.wipe();
  await done(false);
  return { namespaceKeys, entryKeys };
}

/** True if any of the keys opens the entry's key envelope or decrypts its ciphertext. */
function opensWith(
  entry: EntryRecord,
  workspace: string,
  keys: { namespaceKeys: BoxKeyPair[]; entryKeys: Uint8Array[] },
): boolean {
  const sealed = [entry.keys.namespace.sealed, ...Object.values(entry.keys.users)];
  for (const pair of keys.namespaceKeys) {
    for (const text of sealed) {
      try {
        openEnvelope(pair, text, 'entry-key', { id: entry.id, workspace } as never);
        return true;
      } catch {
        // expected
      }
    }
  }
  for (const key of keys.entryKeys) {
    try {
      aeadDecrypt(
        key as never,
        fromBase64Url(entry.ciphertext),
        entryAssociatedData(workspace, entry.id, entry.version),
      );
      return true;
    } catch {
      // expected
    }
  }
  return false;
}

describe('entries and namespaces through the server', () => {
  it('set / get / delete / search, grants, and the revocation guarantee', async () => {
    const t = await team();
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
    const t = await team();
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
    expect(await codeOf(t.bob.entry.get('team/x'))).not.toBe('no error');

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
    const t = await team();
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

  it('concurrency: two writers racing on one entry — one wins, the other conflicts', async () => {
    const t = await team();
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
    const t = await team();
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

describe('a malicious server', () => {
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
      expect(await codeOf(t.bob.entry.set('team/x', 'bob writes'))).toBe('STORE_FORBIDDEN');

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

// ---------------------------------------------------------------------------------------------
// Trust fixes: a malicious server (here: its storage, written directly after the honest server
// accepted or refused) replays grants, key statements, namespace records and deleted entries.
// Bob's writes are made by a custom writer built from the project's own modules.

type AnyStored = NamespaceRecord | GrantRecord | EntryRecord;

/** Writes records straight into the server's storage, bypassing every check. */
async function tamper(
  workspace: string,
  put: Array<['namespace' | 'grant' | 'entry', AnyStored]>,
): Promise<void> {
  const ws = (await server.storage.getWorkspace(workspace))!;
  const rows = put.map(([kind, r]) => ({
    kind,
    id: r.id,
    token: kind === 'grant' ? null : (r as NamespaceRecord).token,
    refId:
      kind === 'grant'
        ? (r as GrantRecord).target.id
        : kind === 'entry'
          ? (r as EntryRecord).namespace
          : (r as NamespaceRecord).parent,
    expiresAt: null,
    hash: recordHash(r),
    record: JSON.stringify(r),
  }));
  await server.storage.commitStore(
    workspace,
    { seq: ws.headSeq, hash: ws.headHash },
    { entryIds: [], tokens: [] },
    () => ({ put: rows, remove: [], tombstones: [], events: [] }),
    Date.now(),
  );
}

/** What a member's device learned of a path while it could read it: salt and record. */
async function learn(client: BackboneClient, path: string) {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ all: true });
  const s = new StoreSession(ctx, view);
  try {
    const ns = s.namespaceAt(path);
    if (ns) {
      const resolved = s.resolver.namespace(ns.id);
      return { salt: Uint8Array.from(resolved.salt), id: ns.id };
    }
    const entry = s.entryAt(path)!;
    const key = s.resolver.entryKey(entry);
    key.key.fill(0);
    return { salt: Uint8Array.from(key.salt), id: entry.id };
  } finally {
    s.resolver.wipe();
    await done(false);
  }
}

/**
 * Bob's custom writer: a new version of the entry at `path`, sealed to `namespace` (default:
 * the entry's namespace as stored now) and signed as the caller, plus the change set to commit.
 */
async function forgeWrite(
  client: BackboneClient,
  path: string,
  value: string,
  locator: { salt: Uint8Array; id?: string },
  namespace?: NamespaceRecord,
) {
  const { ctx, done } = await client.storeService.context();
  try {
    const { view } = await client.storeService.records({ all: true });
    const token = pathToken(ctx.namingKey, path);
    const current = view.entryByToken(token);
    const home =
      namespace ??
      view.namespace(current?.namespace ?? '') ??
      view.namespaceByToken(pathToken(ctx.namingKey, path.split('/').slice(0, -1).join('/')))!;
    const record = sealEntryRecord({
      workspaceId: ctx.membership.workspaceId,
      locator: { id: current?.id ?? locator.id!, path, salt: locator.salt },
      token,
      naming: ctx.membership.namingKey.generation,
      version: (current?.version ?? 0) + 1,
      ...(current ? { shareEpoch: current.shareEpoch } : {}),
      value: new TextEncoder().encode(value),
      expiresAt: null,
      namespace: home,
      readers: [],
      writer: ctx.actor,
    });
    const change = {
      v: 1 as const,
      workspace: ctx.membership.workspaceId,
      put: { namespaces: [], grants: [], entries: [record] },
      remove: { namespaces: [], grants: [], entries: [] },
      expect: [
        { type: 'entry' as const, id: record.id, hash: current ? recordHash(current) : null },
      ],
    };
    return { record, change };
  } finally {
    await done(false);
  }
}

async function entryRecordAt(client: BackboneClient, path: string): Promise<EntryRecord> {
  const { ctx, done } = await client.storeService.context();
  const token = pathToken(ctx.namingKey, path);
  await done(false);
  return (await allRecords(client)).entryByToken(token)!;
}

async function allRecords(client: BackboneClient) {
  return (await client.storeService.records({ all: true })).view;
}

describe('revocation holds against replays (Trust fixes 1)', () => {
  it('a replayed READ+WRITE grant: the revoked writer is refused by the server and by readers', async () => {
    const t = await team();
    await t.alice.namespace.create('team');
    await t.alice.namespace.grant('team', 'bob', { access: ['READ', 'WRITE'] });
    await t.alice.entry.set('team/x', 'x-1');
    expect(await t.bob.entry.get('team/x')).toBe('x-1');
    const x = await learn(t.bob, 'team/x');
    const oldGrant = (await allRecords(t.alice)).allGrants().find((g) => g.grantee === 'bob')!;

    await t.alice.namespace.revoke('team', 'bob');
    expect(await t.alice.entry.get('team/x')).toBe('x-1');

    // rollback class: the server puts Bob's old signed grant back
    await tamper(t.workspace, [['grant', oldGrant]]);
    const forged = await forgeWrite(t.bob, 'team/x', 'bob after revocation', x);
    // the honest server refuses the write through the real commit endpoint
    expect(await codeOf(t.bob.storeService.commit({ change: forged.change }))).toBe(
      'STORE_FORBIDDEN',
    );
    // a malicious server stores it anyway: Alice's client refuses it, never shows it
    await tamper(t.workspace, [['entry', forged.record]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
    expect(await t.alice.entry.search('team/')).not.toContain('team/x');
  });

  it('a replayed namespace record, key statement and grant: refused', async () => {
    const t = await team();
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
    await tamper(t.workspace, [['grant', oldGrant]]);
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
    expect(await codeOf(t.bob.storeService.commit({ change: statement }))).toBe('STORE_FORBIDDEN');
    // stored anyway: Alice never seals to Bob's key, and reads nothing through it
    await tamper(t.workspace, [['namespace', minted]]);
    expect(await codeOf(t.alice.entry.set('team/y', 'for the team'))).toBe('STORE_FORBIDDEN');
    await tamper(t.workspace, [['namespace', current]]);

    // rollback class: the old namespace record (generation 1) and the old grant come back;
    // Bob seals to the old public key. The honest server (current state) refuses the write …
    const forged = await forgeWrite(t.bob, 'team/x', 'bob, old key', x, oldTeam);
    expect(await codeOf(t.bob.storeService.commit({ change: forged.change }))).toBe(
      'STORE_FORBIDDEN',
    );
    // … and Alice's client refuses the replayed state
    await tamper(t.workspace, [
      ['namespace', oldTeam],
      ['entry', forged.record],
    ]);
    const code = await codeOf(t.alice.entry.get('team/x'));
    expect(['STORE_STALE', 'STORE_FORBIDDEN']).toContain(code);
  });

  it('WRITE-only grants: writing needs READ on every side, and a revoked one stays revoked', async () => {
    const t = await team();
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
    await tamper(t.workspace, [['entry', early.record]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
    await t.alice.entry.set('team/x', 'x-2').catch(() => undefined);

    // revoked and replayed: still refused
    await t.alice.namespace.revoke('team', 'bob');
    await tamper(t.workspace, [['grant', oldGrant]]);
    const late = await forgeWrite(t.bob, 'team/x', 'write-only bob, revoked', x);
    expect(await codeOf(t.bob.storeService.commit({ change: late.change }))).toBe(
      'STORE_FORBIDDEN',
    );
    await tamper(t.workspace, [['entry', late.record]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_FORBIDDEN');
  });
});

describe('deleted entries stay deleted (Trust fixes 2)', () => {
  it('rollback class: a deleted entry re-inserted by the server is refused', async () => {
    const t = await team();
    await t.alice.namespace.create('team');
    await t.alice.entry.set('team/gone', 'secret');
    expect(await t.alice.entry.get('team/gone')).toBe('secret');
    const old = (await allRecords(t.alice)).allEntries()[0]!;
    await t.alice.entry.delete('team/gone');
    await tamper(t.workspace, [['entry', old]]);
    expect(await codeOf(t.alice.entry.get('team/gone'))).toBe('STORE_STALE');
    expect(await t.alice.entry.search('team/')).not.toContain('team/gone');
    // nor does Alice build on it
    expect(await codeOf(t.alice.entry.set('team/gone', 'again'))).toBe('STORE_STALE');
  });

  it('a genuine re-creation after a deletion continues the numbering and is accepted', async () => {
    const t = await team();
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
// changed behind its back, so the refusal asserted is the client's own.
describe('attack classes of the ETH Zurich 2026 study (client refusals)', () => {
  async function setup() {
    const t = await team();
    await t.alice.namespace.create('team');
    await t.alice.namespace.create('ops');
    await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
    await t.alice.namespace.grant('ops', 'bob', { access: ['READ'] });
    await t.alice.entry.set('team/x', 'team secret');
    await t.alice.entry.set('ops/y', 'ops secret');
    expect(await t.bob.entry.get('team/x')).toBe('team secret');
    const teamNs = await learn(t.alice, 'team');
    const ops = await learn(t.alice, 'ops');
    return { t, teamNs, ops, view: await allRecords(t.alice) };
  }

  it('key/grant swap: a grant carrying the key envelope of another grant is refused', async () => {
    const { t, teamNs, ops, view } = await setup();
    // bob's grant on `team` carries his (honest) key envelope of `ops`
    const onTeam = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === teamNs.id)!;
    const onOps = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === ops.id)!;
    await tamper(t.workspace, [['grant', { ...onTeam, key: onOps.key }]]);
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_TAMPERED');
  });

  it('rollback: a grant from before a revocation does not count again', async () => {
    const { t, teamNs, view } = await setup();
    const old = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === teamNs.id)!;
    await t.alice.namespace.revoke('team', 'bob');
    await tamper(t.workspace, [['grant', old]]);
    const listed = await t.alice.namespace.grants('team');
    const replayed = listed.find((g) => g.id === old.id)!;
    expect(replayed.valid).toBe(false);
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_NO_KEY');
  });

  it('field malleability: a signed field changed without a signature is refused', async () => {
    const { t } = await setup();
    const record = await entryRecordAt(t.alice, 'team/x');
    // the share epoch is signed: bumping it (to make direct grants of another epoch count) fails
    await tamper(t.workspace, [['entry', { ...record, shareEpoch: record.shareEpoch + 1 }]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_BAD_SIGNATURE');
  });

  it('metadata tampering: an entry filed under another namespace is refused', async () => {
    const { t, ops } = await setup();
    const record = await entryRecordAt(t.alice, 'team/x');
    // the unsigned placement says `ops` (whose readers would then get the value)
    await tamper(t.workspace, [['entry', { ...record, namespace: ops.id }]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_TAMPERED');
  });
});
