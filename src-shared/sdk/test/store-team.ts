/**
 * Shared setup of the store suites (store-*.int.test.ts): a team in a fresh workspace, the
 * commits each member's client sent (to tell a client's own refusal from the server's). The keys
 * a member's device can derive are in store-keys.ts.
 */
import { generateSignKeyPair, randomBytes } from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { BackboneClient } from '../client.js';
import type { ClientPrivateKey } from '../keys.js';

export function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

/** The error code a promise is refused with, `no error`, or `other: …` for an untyped error. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

export type MemberName = 'alice' | 'bob' | 'carol';

export interface Team {
  workspace: string;
  alice: BackboneClient;
  bob: BackboneClient;
  carol: BackboneClient;
  keys: Record<MemberName, ClientPrivateKey>;
  fingerprint: string;
  /**
   * How many store commits this member's client has sent so far. A refusal with no commit sent
   * is the client's own: the server never saw the change, so it cannot have been what stopped it.
   */
  commits(name: MemberName): number;
}

/** alice (ROOT), bob (STORE_USE), carol (STORE_USE + STORE_SHARE), on the server at `url`. */
export async function team(url: string): Promise<Team> {
  const keys = { alice: newKey(), bob: newKey(), carol: newKey() };
  const sent: Record<MemberName, number> = { alice: 0, bob: 0, carol: 0 };
  const counting = (name: MemberName) => ({
    fetch: (input: string, init?: RequestInit) => {
      if (init?.method === 'POST' && new URL(input).pathname.endsWith('/store/commit')) {
        sent[name]++;
      }
      return fetch(input, init);
    },
  });
  const alice = new BackboneClient({
    server: url,
    username: 'alice',
    privateKey: keys.alice,
    http: counting('alice'),
  });
  const ws = await alice.workspace.create('Store team');
  const member = async (name: 'bob' | 'carol', permissions: string[]) => {
    const client = new BackboneClient({
      server: url,
      workspace: ws.id,
      username: name,
      privateKey: keys[name],
      expectFingerprint: ws.fingerprint,
      http: counting(name),
    });
    await alice.user.import((await client.user.generate()).invitation, permissions);
    await client.authenticate();
    return client;
  };
  const bob = await member('bob', ['STORE_USE']);
  const carol = await member('carol', ['STORE_USE', 'STORE_SHARE']);
  return {
    workspace: ws.id,
    alice,
    bob,
    carol,
    keys,
    fingerprint: ws.fingerprint,
    commits: (name) => sent[name],
  };
}

/**
 * The code a member's client refuses `operation` with, checking that it sent no commit: the
 * refusal is the client's own, whatever the server would have said.
 */
export async function clientRefusal(
  t: Team,
  name: MemberName,
  operation: (client: BackboneClient) => Promise<unknown>,
): Promise<string> {
  const before = t.commits(name);
  const code = await codeOf(operation(t[name]));
  const sent = t.commits(name) - before;
  return sent === 0 ? code : `${code} (after ${sent} commit(s) reached the server)`;
}

/** What the app's one-fetch listing (`vault.snapshot`) shows this client: paths, and refused. */
export async function listed(
  client: BackboneClient,
): Promise<{ paths: string[]; refused: number }> {
  const { listing } = await client.vault.snapshot();
  return { paths: listing.entries.map((e) => e.path), refused: listing.refused };
}
