/**
 * The store service's faces (`client.entry`, `client.namespace`, `client.vault`) run the same
 * operations, so they report the same thing: what a namespace deletion moved, and what a member
 * without ROOT gets when writing to a workspace that has no store yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, generateSignKeyPair, randomBytes } from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { BackboneClient } from '../client.js';
import type { ClientPrivateKey } from '../keys.js';
import { startSdkTestServer, type SdkTestServer } from '../test/server.js';

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

/** alice (ROOT) in a new workspace, and bob (STORE_USE). */
async function pair(): Promise<{ alice: BackboneClient; bob: BackboneClient }> {
  const alice = new BackboneClient({ server: server.url, username: 'alice', privateKey: newKey() });
  const ws = await alice.workspace.create('Faces');
  const bob = new BackboneClient({
    server: server.url,
    workspace: ws.id,
    username: 'bob',
    privateKey: newKey(),
    expectFingerprint: ws.fingerprint,
  });
  await alice.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
  await bob.authenticate();
  return { alice, bob };
}

describe('one store service behind every face', () => {
  it('moved counts what moved one level: the same for namespace.delete and vault.deleteNamespace', async () => {
    const { alice } = await pair();
    await alice.entry.set('p/q/x', 'x');
    await alice.entry.set('p/q/y/z', 'z');
    expect((await alice.namespace.create('p/q/y')).moved).toBe(1); // z
    expect((await alice.namespace.create('p/q')).moved).toBe(2); // x and p/q/y
    // Deleting p/q moves x and p/q/y up to the root; z stays inside p/q/y (not counted).
    expect(await alice.namespace.delete('p/q')).toEqual({ key: 'p/q', moved: 2 });
    expect(await alice.namespace.search('p')).toEqual([{ key: 'p/q/y', isolated: false }]);
    expect(await alice.entry.get('p/q/y/z')).toBe('z');

    await alice.vault.createNamespace('p/q');
    expect(await alice.vault.deleteNamespace('p/q')).toEqual({ path: 'p/q', moved: 2 });
    await alice.vault.createNamespace('empty');
    expect(await alice.namespace.delete('empty')).toEqual({ key: 'empty', moved: 0 });
    alice.close();
  });

  it('a first write without ROOT where there is no store yet: STORE_NOT_FOUND from every face', async () => {
    const { alice, bob } = await pair();
    expect(await codeOf(bob.entry.set('x', 'v'))).toBe('STORE_NOT_FOUND');
    expect(await codeOf(bob.vault.set('x', 'v'))).toBe('STORE_NOT_FOUND');
    expect(await codeOf(bob.namespace.create('team'))).toBe('STORE_NOT_FOUND');
    // Creating the root itself is refused to a member without ROOT.
    expect(await codeOf(bob.namespace.create(''))).toBe('STORE_FORBIDDEN');
    // ROOT creates it with the first write.
    expect(await alice.entry.set('x', 'v')).toMatchObject({ key: 'x', version: 1 });
    alice.close();
    bob.close();
  });
});
