/**
 * The app core's server checks: a remote address must be https:// (or this computer), and the
 * server probe pins only keys the server proves with its signing key over a fresh nonce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBoxKeyPair, toBase64Url } from '../../../src-shared/crypto/index.js';
import { isBackboneError } from '../../../src-shared/errors.js';
import { MemoryClientStore } from '../../../src-shared/sdk/store.js';
import { MaliciousProxy } from '../../../src-shared/sdk/test/malicious-proxy.js';
import { useSdkTestServer, useTestBackends } from '../../../src-shared/sdk/test/backends.js';
import type { CoreContext } from '../core-context.js';
import { secureRemoteUrl, ServerManager } from './server-manager.js';

const backends = useTestBackends();

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
}

/** The probe needs only the pin store of the core context. */
function manager(store: MemoryClientStore): ServerManager {
  return new ServerManager({ store } as unknown as CoreContext);
}

describe('server checks of the app core', () => {
  it('refuses a remote server over plain http:// to another computer', () => {
    expect(codeOf(() => secureRemoteUrl('http://backbone.example.org'))).toBe('INSECURE_TRANSPORT');
    expect(codeOf(() => secureRemoteUrl('http://192.168.1.20:8420'))).toBe('INSECURE_TRANSPORT');
    expect(secureRemoteUrl(' https://backbone.example.org/ ')).toBe('https://backbone.example.org');
    expect(secureRemoteUrl('http://127.0.0.1:8420')).toBe('http://127.0.0.1:8420');
    expect(secureRemoteUrl('http://localhost:8420')).toBe('http://localhost:8420');
  });
});

describe.each(backends)('the server probe of the app core ($name)', (backend) => {
  const server = useSdkTestServer(backend);
  let proxy: MaliciousProxy;

  beforeAll(async () => {
    proxy = await MaliciousProxy.start(server.url);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('the probe refuses a box key the server does not prove, and pins nothing', async () => {
    const swapped = toBase64Url(generateBoxKeyPair().publicKey);
    proxy.rewrite = (request, status, body) =>
      request.pathname === '/v1/server' && status === 200
        ? { ...(body as object), boxPublicKey: swapped }
        : undefined;
    const store = new MemoryClientStore();
    const error = await manager(store)
      .probe(proxy.url)
      .catch((e: unknown) => e);
    expect(isBackboneError(error, 'SERVER_PROOF_INVALID')).toBe(true);
    expect(await store.getServerPin(proxy.url)).toBeUndefined();
    // a replayed proof (made for another nonce) is refused too
    let recorded: unknown;
    proxy.rewrite = (request, status, body) => {
      if (request.pathname !== '/v1/server' || status !== 200) return undefined;
      if (recorded === undefined) {
        recorded = (body as { proof: unknown }).proof;
        return undefined;
      }
      return { ...(body as object), proof: recorded };
    };
    const first = await manager(store).probe(proxy.url);
    const replay = await manager(new MemoryClientStore())
      .probe(proxy.url)
      .catch((e: unknown) => e);
    expect(isBackboneError(replay, 'SERVER_PROOF_INVALID')).toBe(true);
    // the honest answer is pinned with its proven keys
    proxy.rewrite = undefined;
    expect((await store.getServerPin(proxy.url))?.serverId).toBe(first);
  });
});
