/**
 * Finishing an interrupted member removal (docs/membership.md §4 "Finishing a removal"): the
 * removal's log entries are committed but the store cleanup (re-tokenizing, then revoking the
 * former member's grants) never ran — the remover crashed or the server went down. Any
 * administrator's client that next uses the store finishes it; concurrent finishers race safely.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, generateSignKeyPair, randomBytes } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { pathToken, retokenize, type StoreChange } from '../store/index.js';
import { BackboneClient } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { startSdkTestServer, type SdkTestServer } from './test/server.js';
import { harvestKeys, opensWith } from './test/store-keys.js';

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

interface Interrupted {
  workspace: string;
  fingerprint: string;
  keys: Record<string, ClientPrivateKey>;
  /** A new client of `name` (the crashed one is gone). */
  client(name: string): BackboneClient;
  /** The keys bob's device had before his removal. */
  kept: Awaited<ReturnType<typeof harvestKeys>>;
}

/**
 * alice (ROOT) makes `team` with `team/x`, shares `team` with bob (READ) and with carol (READ,
 * STORE_USE only: not an administrator), then removes bob while every store commit is dropped:
 * the removal (`user.remove` + `naming.rotate`) is in the log, the cleanup never ran.
 */
async function interruptedRemoval(): Promise<Interrupted> {
  const keys = { alice: newKey(), bob: newKey(), carol: newKey(), dave: newKey() };
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
  const client = (name: string) =>
    new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: name,
      privateKey: keys[name as keyof typeof keys],
      expectFingerprint: ws.fingerprint,
    });
  await alice.namespace.create('team');
  await alice.entry.set('team/x', 'x-1');
  const bob = client('bob');
  const carol = client('carol');
  await alice.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
  await alice.user.import((await carol.user.generate()).invitation, ['STORE_USE']);
  await alice.namespace.grant('team', 'bob', { access: ['READ'] });
  await alice.namespace.grant('team', 'carol', { access: ['READ'] });
  expect(await bob.entry.get('team/x')).toBe('x-1');
  const kept = await harvestKeys(bob);
  // what he kept opens the namespace's entries (the check below can fail)
  const before = await storeOf(alice);
  expect(
    opensWith(before.entry('team/x')!, ws.id, { namespaceKeys: kept.namespaceKeys, entryKeys: [] }),
  ).toBe(true);

  dropCommits = true;
  expect(await codeOf(alice.user.delete('bob'))).toBe('SERVER_UNREACHABLE');
  dropCommits = false;
  expect((await alice.user.list()).map((m) => m.name).sort()).toEqual(['alice', 'carol']);
  return { workspace: ws.id, fingerprint: ws.fingerprint, keys, client, kept };
}

/** Every record of the store as `client` fetches it, with its naming key's tokens. */
async function storeOf(client: BackboneClient) {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ all: true });
  const namingKey = Uint8Array.from(ctx.namingKey) as typeof ctx.namingKey; // done() wipes it
  const token = (path: string) => pathToken(namingKey, path);
  const out = {
    view,
    entry: (path: string) => view.entryByToken(token(path)),
    namespace: (path: string) => view.namespaceByToken(token(path)),
  };
  await done(false);
  return out;
}

describe('finishing an interrupted member removal', () => {
  it('the next administrator client revokes the former member’s grants before anything new is written', async () => {
    const t = await interruptedRemoval();
    const again = t.client('alice');
    await again.entry.set('team/x', 'x-2');
    await again.entry.set('team/y', 'y-1');

    const store = await storeOf(again);
    const x = store.entry('team/x')!;
    const y = store.entry('team/y')!;
    expect(x.version).toBe(2);
    // nothing bob's device kept opens a value written after his removal
    expect(opensWith(x, t.workspace, t.kept)).toBe(false);
    expect(opensWith(y, t.workspace, t.kept)).toBe(false);
    expect(store.view.allGrants().filter((g) => g.grantee === 'bob')).toEqual([]);
    expect(store.namespace('team')!.generation).toBe(2);
    // carol (still a member) reads both: her grant was re-sealed to the new key
    const carol = t.client('carol');
    expect(await carol.entry.get('team/x')).toBe('x-2');
    expect(await carol.entry.get('team/y')).toBe('y-1');
  });

  it('a member who is not an administrator leaves it alone; two administrators finishing at once rotate once', async () => {
    const t = await interruptedRemoval();
    // carol (STORE_USE) reads; she cannot revoke, and her read does not fail
    expect(await t.client('carol').entry.get('team/x')).toBe('x-1');
    const before = await storeOf(t.client('carol'));
    expect(before.view.allGrants().filter((g) => g.grantee === 'bob')).toHaveLength(1);

    // two administrator clients race to finish it (the server's compare-and-swap picks one)
    const [one, two] = [t.client('alice'), t.client('alice')];
    const values = await Promise.all([one.entry.get('team/x'), two.entry.get('team/x')]);
    expect(values).toEqual(['x-1', 'x-1']);
    const after = await storeOf(one);
    expect(after.view.allGrants().filter((g) => g.grantee === 'bob')).toEqual([]);
    expect(after.namespace('team')!.generation).toBe(2);
    await one.entry.set('team/x', 'x-2');
    const x = (await storeOf(two)).entry('team/x')!;
    expect(opensWith(x, t.workspace, t.kept)).toBe(false);
    expect(await t.client('carol').entry.get('team/x')).toBe('x-2');
  });

  it('a path written again under the new naming key: the stale record under the old one is removed, the listing is clean', async () => {
    const t = await interruptedRemoval();
    const again = t.client('alice');
    // A partial re-tokenizing (a member who could learn the namespaces' paths but not the
    // entry's) moved the namespaces only; `team/x` stays under the old naming key, so a write
    // of `team/x` under the new one finds nothing there and creates a second record.
    {
      const { ctx, done } = await again.storeService.context();
      const { view } = await again.storeService.records({ all: true });
      const r = retokenize(ctx, view);
      const change: StoreChange = {
        ...r.change,
        put: { ...r.change.put, entries: [] },
        expect: r.change.expect.filter((e) => e.type !== 'entry'),
      };
      await again.storeService.commit({ change });
      await done(false);
    }
    await again.entry.set('team/x', 'x-2');
    const raw = await storeOf(again);
    expect(raw.view.allEntries()).toHaveLength(2);

    const fresh = t.client('alice');
    const { listing } = await fresh.vault.snapshot();
    expect(listing.refused).toBe(0);
    expect(listing.entries.map((e) => e.path)).toEqual(['team/x']);
    expect(await fresh.entry.get('team/x')).toBe('x-2');
    const store = await storeOf(fresh);
    expect(store.view.allEntries()).toHaveLength(1);
    expect(store.view.allEntries().every((e) => e.naming === 2)).toBe(true);
  });
});
