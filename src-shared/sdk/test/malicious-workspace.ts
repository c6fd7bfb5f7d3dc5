/**
 * Shared setup of the malicious-server suites (malicious-*.int.test.ts): a real server on the
 * given backend, a rewriting proxy in front of it that plays the server itself
 * (test/malicious-proxy.ts), and an honest workspace made directly at the server:
 *
 *     genesis (alice, ROOT) → 1 user.add bob [STORE_USE] → 2 user.add carol [STORE_USE]
 *
 * The victim is bob's client, talking to the proxy. The real server accepted everything the
 * proxy later rewrites, so every refusal asserted is the client's own.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  deriveIdentity,
  generateSignKeyPair,
  randomBytes,
  rootSecret,
  type Identity,
} from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { entryHash, type MembershipEntry } from '../../workspace/membership-log.js';
import { BackboneClient } from '../client.js';
import type { ClientPrivateKey } from '../keys.js';
import { MemoryClientStore } from '../store.js';
import { VerificationError } from '../workspaces.js';
import { useSdkTestServer, type TestBackend } from './backends.js';
import { MaliciousProxy, type ProxiedRequest } from './malicious-proxy.js';
import type { SdkTestServer } from './server.js';

export function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

export interface Target {
  server: SdkTestServer;
  proxy: MaliciousProxy;
  /** alice's client, straight at the real server. */
  alice: BackboneClient;
  aliceKey: ClientPrivateKey;
  aliceIdentity: Identity;
  bobKey: ClientPrivateKey;
  bobIdentity: Identity;
  workspaceId: string;
  /** The workspace fingerprint, as an administrator reads it to the victim (confirmed out of band). */
  fingerprint: string;
  /** The honest log (seq 0..2). */
  honest: MembershipEntry[];
  /** bob's invitation (public: the server saw it, and may copy its signature). */
  bobInvitation: string;
  /** bob's client through the proxy, with the confirmed fingerprint. */
  victim(store?: MemoryClientStore): BackboneClient;
  /** Makes the proxy serve `entries` as the workspace's whole log (consistent head, paging). */
  serveLog(entries: unknown[]): void;
  /** The seq of the head the client pinned in `store` (undefined: nothing pinned). */
  pinnedSeq(store: MemoryClientStore, client: BackboneClient): Promise<number | undefined>;
}

export const isLog = (request: ProxiedRequest, status: number): boolean =>
  status === 200 &&
  request.method === 'GET' &&
  /\/v1\/workspaces\/[^/]+\/log$/.test(request.pathname);

/**
 * The target workspace on `backend`, made before the enclosing describe's tests; the proxy's
 * rewriting is reset before each test. The returned object is filled in then.
 */
export function useTarget(backend: TestBackend): Target {
  const server = useSdkTestServer(backend);
  const t = { server } as Target;
  t.victim = (store = new MemoryClientStore()) =>
    new BackboneClient({
      server: t.proxy.url,
      workspace: t.workspaceId,
      username: 'bob',
      privateKey: t.bobKey,
      store,
      expectFingerprint: t.fingerprint,
    });
  t.serveLog = (entries) => {
    t.proxy.rewrite = (request, status, body) => {
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
  };
  t.pinnedSeq = async (store, client) => {
    const pin = await store.getWorkspacePin((await client.server()).serverId, t.workspaceId);
    return pin?.head.seq;
  };

  beforeAll(async () => {
    t.proxy = await MaliciousProxy.start(server.url);
    // the proxy plays the server itself (its public address), not a relay
    server.trustPublicUrl(t.proxy.url);
    t.aliceKey = newKey();
    t.aliceIdentity = deriveIdentity(rootSecret(Uint8Array.from(t.aliceKey.rootSecret)));
    t.alice = new BackboneClient({ server: server.url, username: 'alice', privateKey: t.aliceKey });
    const ws = await t.alice.workspace.create('Target');
    t.workspaceId = ws.id;
    t.fingerprint = ws.fingerprint;
    t.bobKey = newKey();
    t.bobIdentity = deriveIdentity(rootSecret(Uint8Array.from(t.bobKey.rootSecret)));
    const bobInvite = await t.victim().user.generate('bob');
    t.bobInvitation = bobInvite.invitation;
    await t.alice.user.import(bobInvite.invitation, ['STORE_USE']);
    const carol = new BackboneClient({ server: server.url, privateKey: newKey() });
    await t.alice.user.import((await carol.user.generate('carol')).invitation, ['STORE_USE']);
    // the honest log, read through a pass-through proxy
    let captured: MembershipEntry[] = [];
    t.proxy.rewrite = (request, status, body) => {
      if (isLog(request, status)) captured = (body as { entries: MembershipEntry[] }).entries;
      return undefined;
    };
    await t.victim().workspace.get();
    t.honest = captured;
    expect(t.honest.map((e) => e.seq)).toEqual([0, 1, 2]);
  }, 60_000);

  afterAll(async () => {
    await t.proxy?.close();
  });

  beforeEach(() => {
    t.proxy.rewrite = undefined;
  });

  return t;
}

/** The client's refusal: a `VerificationError` (anything else fails the test). */
export async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
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

export function codeOf(error: unknown): string {
  return isBackboneError(error) ? error.code : String(error);
}
