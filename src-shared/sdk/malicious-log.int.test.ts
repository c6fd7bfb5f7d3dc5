/**
 * The SDK against a hostile server that rewrites the membership log it serves, on SQLite and
 * PostgreSQL (test/malicious-workspace.ts: a proxy in front of a real server that accepted the
 * honest log). Every case must end in the client's own typed refusal, with nothing returned and
 * the pinned head left where it was.
 */
import { describe, expect, it } from 'vitest';
import {
  deriveIdentity,
  generateSignKeyPair,
  randomBytes,
  rootSecret,
  signDetached,
  toBase64Url,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { parseInvitation } from '../workspace/invitation.js';
import {
  createEntry,
  createGenesis,
  createUserAdd,
  entryHash,
  entrySigningBytes,
  verifyLog,
  workspaceFingerprint,
  type MembershipEntry,
} from '../workspace/membership-log.js';
import { BackboneClient } from './client.js';
import { MemoryClientStore } from './store.js';
import { useTestBackends } from './test/backends.js';
import { isLog, newKey, refusal, useTarget } from './test/malicious-workspace.js';

const backends = useTestBackends();

describe.each(backends)('a malicious server serving the membership log ($name)', (backend) => {
  const t = useTarget(backend);

  it('cannot swap the public key of a member in user.add', async () => {
    const swapped = t.honest.map((entry) =>
      entry.type === 'user.add' && entry.body.name === 'carol'
        ? { ...entry, body: { ...entry.body, box: toBase64Url(randomBytes(32)) } }
        : entry,
    );
    t.serveLog(swapped);
    const store = new MemoryClientStore();
    const client = t.victim(store);
    const error = await refusal(client.user.list());
    expect(error.code).toBe('MEMBERSHIP_BAD_SIGNATURE');
    expect(await t.pinnedSeq(store, client)).toBeUndefined();
    // nor swap the signing key (the entry and the invitation signature both break)
    t.serveLog(
      t.honest.map((entry) =>
        entry.type === 'user.add' && entry.body.name === 'carol'
          ? {
              ...entry,
              body: { ...entry.body, sign: toBase64Url(generateSignKeyPair().publicKey) },
            }
          : entry,
      ),
    );
    expect((await refusal(t.victim().user.get('carol'))).code).toBe('MEMBERSHIP_BAD_SIGNATURE');
  });

  it('cannot drop an entry from the log', async () => {
    t.serveLog(t.honest.filter((entry) => entry.seq !== 1));
    const store = new MemoryClientStore();
    const client = t.victim(store);
    expect((await refusal(client.workspace.get())).code).toBe('MEMBERSHIP_BROKEN_CHAIN');
    expect(await t.pinnedSeq(store, client)).toBeUndefined();
  });

  it('cannot serve a log that does not extend the pinned head (fork)', async () => {
    const store = new MemoryClientStore();
    const client = t.victim(store);
    expect((await client.workspace.get()).head.seq).toBe(2); // honest, pinned at 2
    // another history from seq 2 on, validly signed by alice (equivocation the server relays)
    const base = verifyLog(t.honest.slice(0, 2));
    const other = createEntry(
      base,
      'user.permissions',
      { name: 'bob', permissions: ['STORE_USE', 'STORE_SHARE'] },
      { name: 'alice', signKeyPair: t.aliceIdentity.signKeyPair },
    );
    const branch = [...t.honest.slice(0, 2), other];
    t.serveLog(branch);
    // the same client, extending the state it verified
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_FORK');
    // a new client with the same pins, verifying from genesis
    expect((await refusal(t.victim(store).user.list())).code).toBe('MEMBERSHIP_FORK');
    // a longer branch does not help
    const longer = createEntry(
      verifyLog(branch),
      'user.permissions',
      { name: 'bob', permissions: ['STORE_USE'] },
      { name: 'alice', signKeyPair: t.aliceIdentity.signKeyPair },
    );
    t.serveLog([...branch, longer]);
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_FORK');
    expect((await refusal(t.victim(store).user.list())).code).toBe('MEMBERSHIP_FORK');
    // a fresh client without pins accepts the branch (it cannot know better): pins matter
    expect((await t.victim().workspace.get()).head.seq).toBe(3);
    expect(await t.pinnedSeq(store, client)).toBe(2);
  });

  it('cannot roll the log back behind the pinned head', async () => {
    const store = new MemoryClientStore();
    const client = t.victim(store);
    expect((await client.workspace.get()).head.seq).toBe(2);
    t.serveLog(t.honest.slice(0, 2));
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_ROLLBACK');
    expect((await refusal(t.victim(store).user.list())).code).toBe('MEMBERSHIP_ROLLBACK');
    expect(await t.pinnedSeq(store, client)).toBe(2);
    // the honest log is accepted again
    t.proxy.rewrite = undefined;
    expect((await client.user.list()).map((m) => m.name)).toEqual(['alice', 'bob', 'carol']);
  });

  it('cannot slip in an entry signed by a member without USER_MANAGE', async () => {
    const head = t.honest[2]!;
    const unsigned = {
      v: 1 as const,
      workspace: t.workspaceId,
      seq: 3,
      prev: entryHash(head),
      type: 'user.permissions' as const,
      body: { name: 'bob', permissions: ['ROOT' as const] },
      author: 'bob',
    };
    const sig = toBase64Url(
      signDetached(entrySigningBytes(unsigned), t.bobIdentity.signKeyPair.secretKey),
    );
    t.serveLog([...t.honest, { ...unsigned, sig }]);
    const store = new MemoryClientStore();
    const client = t.victim(store);
    expect((await refusal(client.user.self())).code).toBe('MEMBERSHIP_FORBIDDEN');
    expect(await t.pinnedSeq(store, client)).toBeUndefined();
  });

  it('cannot declare a log head later than the entries it sent (entries withheld)', async () => {
    // Attack class: metadata tampering (ETH Zurich 2026 study) — the head is the server's
    // metadata about the log; it claims seq 2 but sends only up to seq 1 (hiding an entry).
    const withholding = (sent: MembershipEntry[]) => {
      t.proxy.rewrite = (request, status, body) => {
        if (!isLog(request, status)) return undefined;
        const from = Number(request.query.get('from') ?? '0');
        return {
          ...(body as object),
          entries: sent.filter((e) => e.seq >= from),
          head: { seq: 2, hash: entryHash(t.honest[2]!) },
          next: null,
        };
      };
    };
    withholding(t.honest.slice(0, 2));
    const store = new MemoryClientStore();
    const client = t.victim(store);
    const error = await refusal(client.workspace.get());
    expect(error.code).toBe('SERVER_INVALID_RESPONSE');
    expect(error.message).toMatch(/later than the entries/);
    expect(await t.pinnedSeq(store, client)).toBeUndefined();
    // the same on an incremental fetch: verified up to seq 1, then nothing new but head 2
    t.serveLog(t.honest.slice(0, 2));
    expect((await client.workspace.get()).head.seq).toBe(1);
    withholding(t.honest.slice(0, 2));
    expect((await refusal(client.workspace.get())).code).toBe('SERVER_INVALID_RESPONSE');
    expect(await t.pinnedSeq(store, client)).toBe(1);
  });

  it('cannot pass off a look-alike workspace to a member who confirmed the real fingerprint', async () => {
    // Attack class: metadata tampering (ETH Zurich 2026 study), applied to membership: the
    // server keeps the workspace id and bob's copied invitation signature but swaps the genesis
    // (its own ROOT key), so what bob writes would be readable by the server's key.
    const mallory = deriveIdentity(rootSecret(randomBytes(32)));
    const genesis = createGenesis({
      displayName: 'Target',
      workspaceId: t.workspaceId,
      creator: {
        name: 'alice',
        signKeyPair: mallory.signKeyPair,
        boxPublicKey: mallory.boxKeyPair.publicKey,
      },
    });
    const add = createUserAdd(genesis.state, {
      invitation: parseInvitation(t.bobInvitation),
      permissions: ['STORE_USE'],
      namingKey: genesis.namingKey,
      author: { name: 'alice', signKeyPair: mallory.signKeyPair },
    });
    const lookAlike = [genesis.entry, add];
    // The log is valid by every rule the server (and the model) checks: it would accept it.
    const state = verifyLog(lookAlike);
    expect(state.workspaceId).toBe(t.workspaceId);
    expect([...state.members.keys()]).toEqual(['alice', 'bob']);
    expect(workspaceFingerprint(state.genesisHash)).not.toBe(t.fingerprint);
    t.serveLog(lookAlike);
    // bob confirmed the real fingerprint: refused by the client, nothing pinned
    const store = new MemoryClientStore();
    const client = t.victim(store);
    expect((await refusal(client.workspace.get())).code).toBe('MEMBERSHIP_FORK');
    expect(await t.pinnedSeq(store, client)).toBeUndefined();
    // without a confirmed fingerprint it can be looked at, but nothing is written or pinned
    const unconfirmedStore = new MemoryClientStore();
    const unconfirmed = new BackboneClient({
      server: t.proxy.url,
      workspace: t.workspaceId,
      username: 'bob',
      privateKey: t.bobKey,
      store: unconfirmedStore,
    });
    expect((await unconfirmed.workspace.get()).confirmed).toBe(false);
    const commits = () =>
      t.proxy.seen.filter((r) => r.method === 'POST' && r.pathname.endsWith('/store/commit'))
        .length;
    const before = commits();
    const refused = await unconfirmed.entry.set('notes/x', 'secret').catch((e: unknown) => e);
    expect(isBackboneError(refused, 'MEMBERSHIP_FINGERPRINT_REQUIRED')).toBe(true);
    expect(commits()).toBe(before);
    expect(await t.pinnedSeq(unconfirmedStore, unconfirmed)).toBeUndefined();
  });

  it('a stale (frozen) answer only delays an append: the conflict is retried on fresh data', async () => {
    const admin = new BackboneClient({
      server: t.proxy.url,
      workspace: t.workspaceId,
      privateKey: t.aliceKey,
      expectFingerprint: t.fingerprint,
    });
    const before = await admin.workspace.get();
    // meanwhile, alice (directly) adds erin
    const erin = new BackboneClient({ server: t.server.url, privateKey: newKey() });
    await t.alice.user.import((await erin.user.generate('erin')).invitation);
    // the proxy freezes the log once at the old head: the admin builds on a stale head
    let frozen = 0;
    t.proxy.rewrite = (request, status, body) => {
      if (!isLog(request, status) || frozen > 0) return undefined;
      frozen++;
      return { ...(body as object), entries: [], head: before.head, next: null };
    };
    const frank = new BackboneClient({ server: t.server.url, privateKey: newKey() });
    const added = await admin.user.import((await frank.user.generate('frank')).invitation);
    expect(added.name).toBe('frank');
    expect(added.addedAt).toBe(before.head.seq + 2);
    const posts = t.proxy.seen.filter((r) => r.method === 'POST' && r.pathname.endsWith('/log'));
    expect(posts.length).toBe(2); // refused once (409 MEMBERSHIP_CONFLICT), then accepted
    expect((await admin.user.list()).map((m) => m.name)).toContain('erin');
  });

  it('cannot present another server id than its key, nor lie about an append', async () => {
    t.proxy.rewrite = (request, status, body) =>
      request.pathname === '/v1/server'
        ? { ...(body as object), id: `bbs1${'b'.repeat(32)}` }
        : undefined;
    const error = await t
      .victim()
      .authenticate()
      .catch((e: unknown) => e);
    expect(isBackboneError(error, 'SERVER_INVALID_RESPONSE')).toBe(true);

    // alice through the proxy: the server claims another head for her append
    t.proxy.rewrite = (request, status, body) =>
      request.method === 'POST' && request.pathname.endsWith('/log') && status < 300
        ? { ...(body as object), head: { seq: 3, hash: toBase64Url(randomBytes(32)) } }
        : undefined;
    const admin = new BackboneClient({
      server: t.proxy.url,
      workspace: t.workspaceId,
      privateKey: t.aliceKey,
      expectFingerprint: t.fingerprint,
    });
    const dave = new BackboneClient({ server: t.server.url, privateKey: newKey() });
    const invitation = (await dave.user.generate('dave')).invitation;
    expect((await refusal(admin.user.import(invitation))).code).toBe('SERVER_INVALID_RESPONSE');
  });
});
