/**
 * The server proves it holds its keys, and a login is bound to the address the client used
 * (docs/server.md "Server proof and login binding"):
 *  - a server (or a man in the middle on first contact) that presents a real server's id and
 *    signing key with ANOTHER box key is refused before anything is sealed to that key;
 *  - a login relayed through a second host (a phishing relay forwarding to the real server,
 *    presenting its id) yields no token: the real server refuses the signed origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateBoxKeyPair,
  generateSignKeyPair,
  randomBytes,
  toBase64Url,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { connectNodeWebSocket, type PasswordAccessConnection } from '../pake/connection.js';
import { BackboneClient } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { MemoryClientStore } from './store.js';
import { MaliciousProxy } from './test/malicious-proxy.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';

const backends = useTestBackends();

const testOnly = { weakKdf: true, passwordAccessRandom: randomBytes };

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => new Error(`no refusal; got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
}

function codeOf(error: unknown): string {
  return isBackboneError(error) ? error.code : String(error);
}

describe.each(backends)('server proof and login binding ($name)', (backend) => {
  const server = useSdkTestServer(backend);
  let relay: MaliciousProxy;
  let aliceKey: ClientPrivateKey;
  let workspaceId: string;

  beforeAll(async () => {
    relay = await MaliciousProxy.start(server.url);
    aliceKey = newKey();
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: aliceKey,
      testOnly,
    });
    workspaceId = (await alice.workspace.create('Proof')).id;
    alice.close();
  });

  afterAll(async () => {
    await relay?.close();
  });

  describe('the server proves it holds its keys', () => {
    it('a swapped box key is refused at first contact and nothing is sealed to it', async () => {
      const swapped = toBase64Url(generateBoxKeyPair().publicKey);
      relay.rewrite = (request, status, body) =>
        request.pathname === '/v1/server' && status === 200
          ? { ...(body as object), boxPublicKey: swapped }
          : undefined;
      const sockets: string[] = [];
      const store = new MemoryClientStore();
      const client = new BackboneClient({
        server: relay.url,
        workspace: workspaceId,
        username: 'alice',
        privateKey: newKey(),
        store,
        testOnly,
        // the man in the middle relays the WebSocket to the real server too
        connectWebSocket: (url): Promise<PasswordAccessConnection> => {
          sockets.push(url);
          return connectNodeWebSocket(url.replace(relay.url.slice(4), server.url.slice(4)));
        },
      });
      const error = await errorOf(client.server());
      expect(codeOf(error)).toBe('SERVER_PROOF_INVALID');
      expect(await store.getServerPin(client.serverUrl)).toBeUndefined();
      const register = await errorOf(client.passwordAccess.register('a long password'));
      expect(codeOf(register)).toBe('SERVER_PROOF_INVALID');
      expect(sockets).toEqual([]);
      relay.rewrite = undefined;
    });

    it('a box key pinned without proof is re-proven before password access seals to it', async () => {
      // A pin from before proofs existed (or planted in the store): real id and signing key, other
      // box key. Registration proves the key afresh and refuses.
      const honest = new BackboneClient({ server: server.url, privateKey: newKey() });
      const pin = await honest.server();
      const store = new MemoryClientStore();
      await store.setServerPin({
        ...pin,
        url: relay.url,
        boxPublicKey: toBase64Url(generateBoxKeyPair().publicKey),
      });
      const sockets: string[] = [];
      const client = new BackboneClient({
        server: relay.url,
        workspace: workspaceId,
        username: 'alice',
        privateKey: aliceKey,
        store,
        testOnly,
        connectWebSocket: (url) => {
          sockets.push(url);
          return connectNodeWebSocket(url);
        },
      });
      const error = await errorOf(client.passwordAccess.register('a long password'));
      expect(codeOf(error)).toBe('SERVER_KEY_CHANGED');
      expect(sockets).toEqual([]);
    });
  });

  describe('a login is bound to the address the client used', () => {
    it('a challenge relayed through a second host yields no token', async () => {
      relay.rewrite = undefined;
      const store = new MemoryClientStore();
      const victim = new BackboneClient({
        server: relay.url,
        workspace: workspaceId,
        privateKey: aliceKey,
        store,
      });
      // the relay presents the real server's id and keys, and forwards every request
      expect((await victim.server()).serverId).toBe(
        (await new BackboneClient({ server: server.url }).server()).serverId,
      );
      const error = await errorOf(victim.authenticate());
      expect(codeOf(error)).toBe('AUTH_ORIGIN_MISMATCH');
      expect(relay.seen.some((r) => r.pathname === '/v1/auth/login')).toBe(true);
      expect(
        await store.getToken((await victim.server()).serverId, (await victim.identity()).address),
      ).toBeUndefined();
      // the same keys straight at the server log in (the refusal is the relay's origin, not them)
      const direct = new BackboneClient({ server: server.url, privateKey: aliceKey });
      expect((await direct.authenticate()).identityId).toBe((await victim.identity()).address);
    });
  });
});
