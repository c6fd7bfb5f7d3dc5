/**
 * The SDK against a hostile server about its own keys and the password-hashing parameters it
 * hands out, on SQLite and PostgreSQL (test/malicious-workspace.ts). The real server accepts
 * every request here; each refusal asserted is the client's own.
 */
import { describe, expect, it } from 'vitest';
import {
  fromBase64Url,
  generateBoxKeyPair,
  generateSignKeyPair,
  randomBytes,
  toBase64Url,
  utf8,
  identityAddress,
  createKeyfile,
  serializeKeyfile,
} from '../crypto/index.js';
import { passwordRegister } from '../pake/client.js';
import { connectNodeWebSocket } from '../pake/connection.js';
import { BackboneClient, PASSWORD_ACCESS_PATH, webSocketUrl } from './client.js';
import { MemoryClientStore } from './store.js';
import { useTestBackends } from './test/backends.js';
import { codeOf, useTarget } from './test/malicious-workspace.js';

const backends = useTestBackends();

describe.each(backends)('a malicious server about its keys ($name)', (backend) => {
  const t = useTarget(backend);

  // Attack class "key swap" (ETH Zurich 2026 study of password-manager servers): the server
  // presents its real id and signing key with another box key, so that password-access
  // registrations (verifier and keyfile blob) are sealed to a key it chose. The real server would
  // accept every request here; the refusal is the client's own.
  it('key swap: cannot present a box key its signing key does not prove', async () => {
    const swapped = toBase64Url(generateBoxKeyPair().publicKey);
    t.proxy.rewrite = (request, status, body) =>
      request.pathname === '/v1/server' && status === 200
        ? { ...(body as object), boxPublicKey: swapped }
        : undefined;
    const store = new MemoryClientStore();
    const error = await t
      .victim(store)
      .server()
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('SERVER_PROOF_INVALID');
    expect(await store.getServerPin(t.proxy.url)).toBeUndefined();
    // nor replay a proof made for another nonce (a recorded first contact)
    let recorded: unknown;
    t.proxy.rewrite = (request, status, body) => {
      if (request.pathname !== '/v1/auth/challenge' || status !== 201) return undefined;
      if (recorded === undefined) {
        recorded = (body as { proof: unknown }).proof;
        return undefined;
      }
      return { ...(body as object), proof: recorded };
    };
    const pinned = new MemoryClientStore();
    const client = t.victim(pinned);
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
      server: t.server.url,
      workspace: t.workspaceId,
      username: 'bob',
      privateKey: t.bobKey,
      testOnly,
    });
    await owner.passwordAccess.register('a long password');
    const login = (
      only: typeof testOnly | { passwordAccessRandom: typeof randomBytes } | undefined,
    ) =>
      BackboneClient.fromCredentials({
        server: t.server.url,
        workspace: t.workspaceId,
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
      server: t.server.url,
      workspace: t.workspaceId,
      username: 'alice',
      privateKey: t.aliceKey,
      store,
      testOnly,
    });
    const pin = await owner.server();
    await owner.authenticate();
    const token = (await store.getToken(
      pin.serverId,
      identityAddress(t.aliceIdentity.signKeyPair.publicKey),
    ))!.token;
    const { keyfile } = createKeyfile('a long password', {
      rootSecret: randomBytes(32),
      deviceSignKeyPair: generateSignKeyPair(),
      params: { opslimit: 1, memlimit: 8 * 1024 * 1024 },
      testOnlyAllowWeakParams: true,
    });
    const serve = async (kdf: { ops: number; mem: number }) =>
      passwordRegister(
        await connectNodeWebSocket(webSocketUrl(t.server.url, PASSWORD_ACCESS_PATH)),
        {
          workspace: t.workspaceId,
          username: 'alice',
          password: 'a long password',
          serverId: pin.serverId,
          serverBoxPublicKey: fromBase64Url(pin.boxPublicKey),
          token,
          keyfileBlob: utf8(serializeKeyfile({ ...keyfile, kdf: { ...keyfile.kdf, ...kdf } })),
          testOnlyRandom: randomBytes,
        },
      );
    const login = () =>
      BackboneClient.fromCredentials({
        server: t.server.url,
        workspace: t.workspaceId,
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
