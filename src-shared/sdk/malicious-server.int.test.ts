/**
 * The SDK against a hostile server: a proxy in front of a real server rewrites its answers
 * (test/malicious-proxy.ts). Every case must end in a typed refusal, with nothing returned and
 * the pinned head left where it was.
 *
 * Workspace used: genesis (alice, ROOT) → 1 user.add bob [STORE_USE] → 2 user.add carol
 * [STORE_USE], all made honestly by alice directly at the real server. The victim is bob's
 * client, talking to the proxy.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  fromBase64Url,
  generateBoxKeyPair,
  generateSignKeyPair,
  utf8,
  randomBytes,
  rootSecret,
  signDetached,
  toBase64Url,
  type Identity,
} from '../crypto/index.js';
import { identityAddress } from '../crypto/identity.js';
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
import { passwordRegister } from '../pake/client.js';
import { connectNodeWebSocket } from '../pake/connection.js';
import { createKeyfile, serializeKeyfile } from '../crypto/keyfile.js';
import { BackboneClient, PASSWORD_ACCESS_PATH, webSocketUrl } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { MemoryClientStore } from './store.js';
import { MaliciousProxy, type ProxiedRequest } from './test/malicious-proxy.js';
import { startSdkTestServer, type SdkTestServer } from './test/server.js';
import { VerificationError } from './workspaces.js';

let server: SdkTestServer;
let proxy: MaliciousProxy;
let alice: BackboneClient;
let aliceKey: ClientPrivateKey;
let aliceIdentity: Identity;
let bobKey: ClientPrivateKey;
let bobIdentity: Identity;
let workspaceId: string;
/** The workspace fingerprint, as an administrator reads it to the victim (confirmed out of band). */
let fingerprint: string;
/** The honest log (seq 0..2). */
let honest: MembershipEntry[];
/** bob's invitation (public: the server saw it, and may copy its signature). */
let bobInvitation: string;

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

function victim(store = new MemoryClientStore()): BackboneClient {
  return new BackboneClient({
    server: proxy.url,
    workspace: workspaceId,
    username: 'bob',
    privateKey: bobKey,
    store,
    expectFingerprint: fingerprint,
  });
}

const isLog = (request: ProxiedRequest, status: number): boolean =>
  status === 200 &&
  request.method === 'GET' &&
  /\/v1\/workspaces\/[^/]+\/log$/.test(request.pathname);

/** Makes the proxy serve `entries` as the workspace's whole log (consistent head, paging). */
function serveLog(entries: unknown[]): void {
  proxy.rewrite = (request, status, body) => {
    if (!isLog(request, status)) return undefined;
    const from = Number(request.query.get('from') ?? '0');
    const last = entries[entries.length - 1] as MembershipEntry;
    return {
      ...(body as object),
      entries: entries.filter((e) => (e as MembershipEntry).seq >= from),
      head: { seq: last.seq, hash: entryHash(last) },
      next: null,
    };
  };
}

async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
  const error = await promise.then(
    (value) => new Error(`no refusal; got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof VerificationError)) {
    throw new Error(
      `expected a VerificationError, got ${isBackboneError(error) ? error.code : String(error)}`,
      { cause: error },
    );
  }
  return error;
}

async function pinnedSeq(
  store: MemoryClientStore,
  client: BackboneClient,
): Promise<number | undefined> {
  const pin = await store.getWorkspacePin((await client.server()).serverId, workspaceId);
  return pin?.head.seq;
}

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
  proxy = await MaliciousProxy.start(server.url);
  // the proxy plays the server itself (its public address), not a relay
  server.trustPublicUrl(proxy.url);
  aliceKey = newKey();
  aliceIdentity = deriveIdentity(rootSecret(Uint8Array.from(aliceKey.rootSecret)));
  alice = new BackboneClient({ server: server.url, username: 'alice', privateKey: aliceKey });
  const ws = await alice.workspace.create('Target');
  workspaceId = ws.id;
  fingerprint = ws.fingerprint;
  bobKey = newKey();
  bobIdentity = deriveIdentity(rootSecret(Uint8Array.from(bobKey.rootSecret)));
  const bobInvite = await victim().user.generate('bob');
  bobInvitation = bobInvite.invitation;
  await alice.user.import(bobInvite.invitation, ['STORE_USE']);
  const carol = new BackboneClient({ server: server.url, privateKey: newKey() });
  await alice.user.import((await carol.user.generate('carol')).invitation, ['STORE_USE']);
  // the honest log, read through a pass-through proxy
  let captured: MembershipEntry[] = [];
  proxy.rewrite = (request, status, body) => {
    if (isLog(request, status)) captured = (body as { entries: MembershipEntry[] }).entries;
    return undefined;
  };
  await victim().workspace.get();
  honest = captured;
  expect(honest.map((e) => e.seq)).toEqual([0, 1, 2]);
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

beforeEach(() => {
  proxy.rewrite = undefined;
});

describe('a malicious server', () => {
  it('cannot swap the public key of a member in user.add', async () => {
    const swapped = honest.map((entry) =>
      entry.type === 'user.add' && entry.body.name === 'carol'
        ? { ...entry, body: { ...entry.body, box: toBase64Url(randomBytes(32)) } }
        : entry,
    );
    serveLog(swapped);
    const store = new MemoryClientStore();
    const client = victim(store);
    const error = await refusal(client.user.list());
    expect(error.code).toBe('MEMBERSHIP_BAD_SIGNATURE');
    expect(await pinnedSeq(store, client)).toBeUndefined();
    // nor swap the signing key (the entry and the invitation signature both break)
    serveLog(
      honest.map((entry) =>
        entry.type === 'user.add' && entry.body.name === 'carol'
          ? {
              ...entry,
              body: { ...entry.body, sign: toBase64Url(generateSignKeyPair().publicKey) },
            }
          : entry,
      ),
    );
    expect((await refusal(victim().user.get('carol'))).code).toBe('MEMBERSHIP_BAD_SIGNATURE');
  });

  it('cannot drop an entry from the log', async () => {
    serveLog(honest.filter((entry) => entry.seq !== 1));
    const store = new MemoryClientStore();
    const client = victim(store);
    expect((await refusal(client.workspace.get())).code).toBe('MEMBERSHIP_BROKEN_CHAIN');
    expect(await pinnedSeq(store, client)).toBeUndefined();
  });

  it('cannot serve a log that does not extend the pinned head (fork)', async () => {
    const store = new MemoryClientStore();
    const client = victim(store);
    expect((await client.workspace.get()).head.seq).toBe(2); // honest, pinned at 2
    // another history from seq 2 on, validly signed by alice (equivocation the server relays)
    const base = verifyLog(honest.slice(0, 2));
    const other = createEntry(
      base,
      'user.permissions',
      { name: 'bob', permissions: ['STORE_USE', 'STORE_SHARE'] },
      { name: 'alice', signKeyPair: aliceIdentity.signKeyPair },
    );
    const branch = [...honest.slice(0, 2), other];
    serveLog(branch);
    // the same client, extending the state it verified
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_FORK');
    // a new client with the same pins, verifying from genesis
    expect((await refusal(victim(store).user.list())).code).toBe('MEMBERSHIP_FORK');
    // a longer branch does not help
    const longer = createEntry(
      verifyLog(branch),
      'user.permissions',
      { name: 'bob', permissions: ['STORE_USE'] },
      { name: 'alice', signKeyPair: aliceIdentity.signKeyPair },
    );
    serveLog([...branch, longer]);
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_FORK');
    expect((await refusal(victim(store).user.list())).code).toBe('MEMBERSHIP_FORK');
    // a fresh client without pins accepts the branch (it cannot know better): pins matter
    expect((await victim().workspace.get()).head.seq).toBe(3);
    expect(await pinnedSeq(store, client)).toBe(2);
  });

  it('cannot roll the log back behind the pinned head', async () => {
    const store = new MemoryClientStore();
    const client = victim(store);
    expect((await client.workspace.get()).head.seq).toBe(2);
    serveLog(honest.slice(0, 2));
    expect((await refusal(client.user.list())).code).toBe('MEMBERSHIP_ROLLBACK');
    expect((await refusal(victim(store).user.list())).code).toBe('MEMBERSHIP_ROLLBACK');
    expect(await pinnedSeq(store, client)).toBe(2);
    // the honest log is accepted again
    proxy.rewrite = undefined;
    expect((await client.user.list()).map((m) => m.name)).toEqual(['alice', 'bob', 'carol']);
  });

  it('cannot slip in an entry signed by a member without USER_MANAGE', async () => {
    const head = honest[2]!;
    const unsigned = {
      v: 1 as const,
      workspace: workspaceId,
      seq: 3,
      prev: entryHash(head),
      type: 'user.permissions' as const,
      body: { name: 'bob', permissions: ['ROOT' as const] },
      author: 'bob',
    };
    const sig = toBase64Url(
      signDetached(entrySigningBytes(unsigned), bobIdentity.signKeyPair.secretKey),
    );
    serveLog([...honest, { ...unsigned, sig }]);
    const store = new MemoryClientStore();
    const client = victim(store);
    expect((await refusal(client.user.self())).code).toBe('MEMBERSHIP_FORBIDDEN');
    expect(await pinnedSeq(store, client)).toBeUndefined();
  });

  it('cannot declare a log head later than the entries it sent (entries withheld)', async () => {
    // Attack class: metadata tampering (ETH Zurich 2026 study) — the head is the server's
    // metadata about the log; it claims seq 2 but sends only up to seq 1 (hiding an entry).
    const withholding = (sent: MembershipEntry[]) => {
      proxy.rewrite = (request, status, body) => {
        if (!isLog(request, status)) return undefined;
        const from = Number(request.query.get('from') ?? '0');
        return {
          ...(body as object),
          entries: sent.filter((e) => e.seq >= from),
          head: { seq: 2, hash: entryHash(honest[2]!) },
          next: null,
        };
      };
    };
    withholding(honest.slice(0, 2));
    const store = new MemoryClientStore();
    const client = victim(store);
    const error = await refusal(client.workspace.get());
    expect(error.code).toBe('SERVER_INVALID_RESPONSE');
    expect(error.message).toMatch(/later than the entries/);
    expect(await pinnedSeq(store, client)).toBeUndefined();
    // the same on an incremental fetch: verified up to seq 1, then nothing new but head 2
    serveLog(honest.slice(0, 2));
    expect((await client.workspace.get()).head.seq).toBe(1);
    withholding(honest.slice(0, 2));
    expect((await refusal(client.workspace.get())).code).toBe('SERVER_INVALID_RESPONSE');
    expect(await pinnedSeq(store, client)).toBe(1);
  });

  it('cannot pass off a look-alike workspace to a member who confirmed the real fingerprint', async () => {
    // Attack class: metadata tampering (ETH Zurich 2026 study), applied to membership: the
    // server keeps the workspace id and bob's copied invitation signature but swaps the genesis
    // (its own ROOT key), so what bob writes would be readable by the server's key.
    const mallory = deriveIdentity(rootSecret(randomBytes(32)));
    const genesis = createGenesis({
      displayName: 'Target',
      workspaceId,
      creator: {
        name: 'alice',
        signKeyPair: mallory.signKeyPair,
        boxPublicKey: mallory.boxKeyPair.publicKey,
      },
    });
    const add = createUserAdd(genesis.state, {
      invitation: parseInvitation(bobInvitation),
      permissions: ['STORE_USE'],
      namingKey: genesis.namingKey,
      author: { name: 'alice', signKeyPair: mallory.signKeyPair },
    });
    const lookAlike = [genesis.entry, add];
    // The log is valid by every rule the server (and the model) checks: it would accept it.
    const state = verifyLog(lookAlike);
    expect(state.workspaceId).toBe(workspaceId);
    expect([...state.members.keys()]).toEqual(['alice', 'bob']);
    expect(workspaceFingerprint(state.genesisHash)).not.toBe(fingerprint);
    serveLog(lookAlike);
    // bob confirmed the real fingerprint: refused by the client, nothing pinned
    const store = new MemoryClientStore();
    const client = victim(store);
    expect((await refusal(client.workspace.get())).code).toBe('MEMBERSHIP_FORK');
    expect(await pinnedSeq(store, client)).toBeUndefined();
    // without a confirmed fingerprint it can be looked at, but nothing is written or pinned
    const unconfirmedStore = new MemoryClientStore();
    const unconfirmed = new BackboneClient({
      server: proxy.url,
      workspace: workspaceId,
      username: 'bob',
      privateKey: bobKey,
      store: unconfirmedStore,
    });
    expect((await unconfirmed.workspace.get()).confirmed).toBe(false);
    const commits = () =>
      proxy.seen.filter((r) => r.method === 'POST' && r.pathname.endsWith('/store/commit')).length;
    const before = commits();
    const refused = await unconfirmed.entry.set('notes/x', 'secret').catch((e: unknown) => e);
    expect(isBackboneError(refused, 'MEMBERSHIP_FINGERPRINT_REQUIRED')).toBe(true);
    expect(commits()).toBe(before);
    expect(await pinnedSeq(unconfirmedStore, unconfirmed)).toBeUndefined();
  });

  it('a stale (frozen) answer only delays an append: the conflict is retried on fresh data', async () => {
    const admin = new BackboneClient({
      server: proxy.url,
      workspace: workspaceId,
      privateKey: aliceKey,
      expectFingerprint: fingerprint,
    });
    const before = await admin.workspace.get();
    // meanwhile, alice (directly) adds erin
    const erin = new BackboneClient({ server: server.url, privateKey: newKey() });
    await alice.user.import((await erin.user.generate('erin')).invitation);
    // the proxy freezes the log once at the old head: the admin builds on a stale head
    let frozen = 0;
    proxy.rewrite = (request, status, body) => {
      if (!isLog(request, status) || frozen > 0) return undefined;
      frozen++;
      return { ...(body as object), entries: [], head: before.head, next: null };
    };
    const frank = new BackboneClient({ server: server.url, privateKey: newKey() });
    const added = await admin.user.import((await frank.user.generate('frank')).invitation);
    expect(added.name).toBe('frank');
    expect(added.addedAt).toBe(before.head.seq + 2);
    const posts = proxy.seen.filter((r) => r.method === 'POST' && r.pathname.endsWith('/log'));
    expect(posts.length).toBe(2); // refused once (409 MEMBERSHIP_CONFLICT), then accepted
    expect((await admin.user.list()).map((m) => m.name)).toContain('erin');
  });

  it('cannot present another server id than its key, nor lie about an append', async () => {
    proxy.rewrite = (request, status, body) =>
      request.pathname === '/v1/server'
        ? { ...(body as object), id: `bbs1${'b'.repeat(32)}` }
        : undefined;
    const error = await victim()
      .authenticate()
      .catch((e: unknown) => e);
    expect(isBackboneError(error, 'SERVER_INVALID_RESPONSE')).toBe(true);

    // alice through the proxy: the server claims another head for her append
    proxy.rewrite = (request, status, body) =>
      request.method === 'POST' && request.pathname.endsWith('/log') && status < 300
        ? { ...(body as object), head: { seq: 3, hash: toBase64Url(randomBytes(32)) } }
        : undefined;
    const admin = new BackboneClient({
      server: proxy.url,
      workspace: workspaceId,
      privateKey: aliceKey,
      expectFingerprint: fingerprint,
    });
    const dave = new BackboneClient({ server: server.url, privateKey: newKey() });
    const invitation = (await dave.user.generate('dave')).invitation;
    expect((await refusal(admin.user.import(invitation))).code).toBe('SERVER_INVALID_RESPONSE');
  });

  // Attack class "key swap" (ETH Zurich 2026 study of password-manager servers): the server
  // presents its real id and signing key with another box key, so that password-access
  // registrations (verifier and keyfile blob) are sealed to a key it chose. The real server would
  // accept every request here; the refusal is the client's own.
  it('key swap: cannot present a box key its signing key does not prove', async () => {
    const swapped = toBase64Url(generateBoxKeyPair().publicKey);
    proxy.rewrite = (request, status, body) =>
      request.pathname === '/v1/server' && status === 200
        ? { ...(body as object), boxPublicKey: swapped }
        : undefined;
    const store = new MemoryClientStore();
    const error = await victim(store)
      .server()
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('SERVER_PROOF_INVALID');
    expect(await store.getServerPin(proxy.url)).toBeUndefined();
    // nor replay a proof made for another nonce (a recorded first contact)
    let recorded: unknown;
    proxy.rewrite = (request, status, body) => {
      if (request.pathname !== '/v1/auth/challenge' || status !== 201) return undefined;
      if (recorded === undefined) {
        recorded = (body as { proof: unknown }).proof;
        return undefined;
      }
      return { ...(body as object), proof: recorded };
    };
    const pinned = new MemoryClientStore();
    const client = victim(pinned);
    await client.authenticate(); // records the proof of this login
    await client.logout();
    const replay = await client.authenticate().catch((e: unknown) => e);
    expect(codeOf(replay)).toBe('SERVER_PROOF_INVALID');
  });

  // Attack class "KDF downgrade" (same study): the server hands out password-hashing parameters
  // below the floors, so that whatever it learns can be guessed offline cheaply. Here it serves
  // what it stores (test-cheap SPAKE2+EE data, a keyfile blob at 1 pass / 8 MiB): the server
  // accepts and serves both, a test-mode client would go on; a product client refuses.
  it('KDF downgrade: parameters below the floors are refused by the client', async () => {
    const testOnly = { weakKdf: true, passwordAccessRandom: randomBytes };
    const owner = new BackboneClient({
      server: server.url,
      workspace: workspaceId,
      username: 'bob',
      privateKey: bobKey,
      testOnly,
    });
    await owner.passwordAccess.register('a long password');
    const login = (
      only: typeof testOnly | { passwordAccessRandom: typeof randomBytes } | undefined,
    ) =>
      BackboneClient.fromCredentials({
        server: server.url,
        workspace: workspaceId,
        username: 'bob',
        password: 'a long password',
        ...(only ? { testOnly: only } : {}),
      });
    // the server accepts: a client in test mode signs in
    expect((await (await login(testOnly)).identity()).address).toBe(
      (await owner.identity()).address,
    );
    // SPAKE2+EE public data below 3 passes / 256 MiB
    const spake = await login(undefined).catch((e: unknown) => e);
    expect(codeOf(spake)).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
  });

  // Attack class "KDF downgrade" for the keyfile blob, both ways: below the floor (cheap offline
  // guessing), and over the ceiling (denial of service: minutes of hashing). The server stores
  // and serves the blob as it is (it cannot read it, it accepts both); the client refuses before
  // any hashing. The handshake itself runs at the test floor here.
  it('KDF downgrade: a keyfile blob below the floor or over the ceiling is refused', async () => {
    const testOnly = { weakKdf: true, passwordAccessRandom: randomBytes };
    const store = new MemoryClientStore();
    const owner = new BackboneClient({
      server: server.url,
      workspace: workspaceId,
      username: 'alice',
      privateKey: aliceKey,
      store,
      testOnly,
    });
    const pin = await owner.server();
    await owner.authenticate();
    const token = (await store.getToken(pin.serverId, aliceIdentityAddress()))!.token;
    const { keyfile } = createKeyfile('a long password', {
      rootSecret: randomBytes(32),
      deviceSignKeyPair: generateSignKeyPair(),
      params: { opslimit: 1, memlimit: 8 * 1024 * 1024 },
      testOnlyAllowWeakParams: true,
    });
    const serve = async (kdf: { ops: number; mem: number }) =>
      passwordRegister(await connectNodeWebSocket(webSocketUrl(server.url, PASSWORD_ACCESS_PATH)), {
        workspace: workspaceId,
        username: 'alice',
        password: 'a long password',
        serverId: pin.serverId,
        serverBoxPublicKey: fromBase64Url(pin.boxPublicKey),
        token,
        keyfileBlob: utf8(serializeKeyfile({ ...keyfile, kdf: { ...keyfile.kdf, ...kdf } })),
        testOnlyRandom: randomBytes,
      });
    const login = () =>
      BackboneClient.fromCredentials({
        server: server.url,
        workspace: workspaceId,
        username: 'alice',
        password: 'a long password',
        testOnly: { passwordAccessRandom: randomBytes },
      }).catch((e: unknown) => e);
    // 1 pass / 8 MiB: below the floor
    await serve({ ops: 1, mem: 8 * 1024 * 1024 });
    expect(codeOf(await login())).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
    // 9 passes / 256 MiB: over the ceiling (refused at once; seconds to compute)
    await serve({ ops: 9, mem: 256 * 1024 * 1024 });
    const started = Date.now();
    expect(codeOf(await login())).toBe('CRYPTO_PARAMS_ABOVE_CEILING');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

function aliceIdentityAddress(): string {
  return identityAddress(aliceIdentity.signKeyPair.publicKey);
}

function codeOf(error: unknown): string {
  return isBackboneError(error) ? error.code : String(error);
}
