/**
 * Bearer tokens over HTTP (`/v1/auth/tokens…`), against both backends: 401s for missing,
 * expired and revoked tokens or devices, derived tokens that cannot widen, listing and
 * revoking, and the per-identity limit of active tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../../src-shared/crypto/index.js';
import { tokenListResponseSchema, tokenResponseSchema } from '../../src-shared/api/auth.js';
import { useTestBackends } from '../test/backends.js';
import {
  errorCode,
  login,
  loginResponse,
  newTestDevice,
  newTestIdentity,
  register,
  registeredUser,
  revocationBody,
  type ApiClient,
  whoami,
} from '../test/client.js';
import { startTestServer, type TestServer, useTestServer } from '../test/harness.js';

const backends = useTestBackends();

describe.each(backends)('auth routes ($name)', (backend) => {
  const current = useTestServer(backend);
  let server: TestServer;
  let api: ApiClient;
  beforeAll(() => {
    server = current();
    api = server.api;
  });

  describe('bearer tokens', () => {
    it('missing, malformed or unknown tokens are 401', async () => {
      const missing = await api.get('/v1/auth/tokens/current');
      expect(missing.status).toBe(401);
      expect(errorCode(missing)).toBe('AUTH_REQUIRED');
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');

      const basic = await api.get('/v1/auth/tokens/current', {
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      });
      expect(errorCode(basic)).toBe('AUTH_REQUIRED');
      for (const bad of ['garbage', 'bbt1.short', 'bbt2.' + toBase64Url(randomBytes(32))]) {
        const response = await whoami(api, bad);
        expect(response.status).toBe(401);
        expect(errorCode(response)).toBe('AUTH_TOKEN_INVALID');
      }
      const unknown = await whoami(api, 'bbt1.' + toBase64Url(randomBytes(32)));
      expect(unknown.status).toBe(401);
      expect(errorCode(unknown)).toBe('AUTH_TOKEN_INVALID');
    });

    it('an expired token is 401', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const { token } = await login(api, user, { ttlSeconds: 60 });
      expect((await whoami(api, token)).status).toBe(200);
      server.clock.advance(60 * 1000);
      const response = await whoami(api, token);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_TOKEN_EXPIRED');
    });

    it('a revoked token is 401 (logout)', async () => {
      const { token } = await registeredUser(api);
      const logout = await api.delete('/v1/auth/tokens/current', { token });
      expect(logout.status).toBe(200);
      expect(logout.body).toMatchObject({ v: 1, revoked: 1 });
      const response = await whoami(api, token);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_TOKEN_REVOKED');
    });

    it("a revoked device's tokens stop working at once and it cannot log in again", async () => {
      const { user, token } = await registeredUser(api);
      const phone = newTestDevice(user, 'phone');
      user.devices.push(phone);
      const phoneToken = (await login(api, user, { device: phone })).token;
      const derived = tokenResponseSchema.parse(
        (await api.post('/v1/auth/tokens', { v: 1, scopes: ['STORE_USE'] }, { token: phoneToken }))
          .body,
      ).token;

      const revoke = await api.post(
        `/v1/identities/${user.id}/devices/${phone.id}/revoke`,
        revocationBody(user, phone),
      );
      expect(revoke.status).toBe(200);
      for (const t of [phoneToken, derived]) {
        const response = await whoami(api, t);
        expect(response.status).toBe(401);
        expect(errorCode(response)).toBe('AUTH_DEVICE_REVOKED');
      }
      const again = await loginResponse(api, user, { device: phone });
      expect(again.status).toBe(401);
      expect(errorCode(again)).toBe('AUTH_DEVICE_REVOKED');
      // the other device is unaffected
      expect((await whoami(api, token)).status).toBe(200);
    });
  });

  describe('derived tokens', () => {
    it('can be narrower and shorter, and point to their parent', async () => {
      const { token, tokenResponse } = await registeredUser(api);
      const response = await api.post(
        '/v1/auth/tokens',
        { v: 1, scopes: ['STORE_USE', 'TOKEN_READ'], ttlSeconds: 600, label: 'child' },
        { token },
      );
      expect(response.status).toBe(201);
      const child = tokenResponseSchema.parse(response.body);
      expect(child.info).toMatchObject({
        parentId: tokenResponse.info.id,
        scopes: ['TOKEN_READ', 'STORE_USE'],
        label: 'child',
        current: false,
      });
      expect(Date.parse(child.info.expiresAt) - server.clock.now()).toBe(600_000);
      expect((await whoami(api, child.token)).status).toBe(200);
    });

    it('cannot widen: more scopes, another workspace or a longer life are 403', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const parent = await login(api, user, {
        scopes: ['STORE_USE', 'TOKEN_READ'],
        workspaceId: 'ws-a',
        ttlSeconds: 3600,
      });
      for (const body of [
        { v: 1, scopes: ['STORE_USE', 'ROOT'] },
        { v: 1, scopes: ['TOKEN_MANAGE'] },
        { v: 1, workspaceId: 'ws-b' },
        { v: 1, ttlSeconds: 3601 },
      ]) {
        const response = await api.post('/v1/auth/tokens', body, { token: parent.token });
        expect(response.status, JSON.stringify(body)).toBe(403);
        expect(errorCode(response)).toBe('SCOPE_NOT_ALLOWED');
      }
      // a narrower child cannot derive its way back up
      const child = tokenResponseSchema.parse(
        (
          await api.post(
            '/v1/auth/tokens',
            { v: 1, scopes: ['STORE_USE'] },
            { token: parent.token },
          )
        ).body,
      );
      expect(child.info.workspaceId).toBe('ws-a');
      const back = await api.post(
        '/v1/auth/tokens',
        { v: 1, scopes: ['STORE_USE', 'TOKEN_READ'] },
        { token: child.token },
      );
      expect(back.status).toBe(403);
      expect(errorCode(back)).toBe('SCOPE_NOT_ALLOWED');
      // and its default lifetime is capped by the parent's
      expect(Date.parse(child.info.expiresAt)).toBeLessThanOrEqual(
        Date.parse(parent.info.expiresAt),
      );
      // a token without TOKEN_READ cannot list tokens
      const list = await api.get('/v1/auth/tokens', { token: child.token });
      expect(list.status).toBe(403);
      expect(errorCode(list)).toBe('FORBIDDEN');
    });
  });

  describe('listing and revoking tokens', () => {
    it("lists the identity's active tokens without their secrets", async () => {
      const { user, token, tokenResponse } = await registeredUser(api);
      const second = await login(api, user, { label: 'second' });
      const short = await login(api, user, { ttlSeconds: 60 });
      await api.delete('/v1/auth/tokens/current', { token: second.token });
      void short;
      server.clock.advance(61_000);
      const response = await api.get('/v1/auth/tokens', { token });
      expect(response.status).toBe(200);
      const list = tokenListResponseSchema.parse(response.body);
      expect(list.tokens.map((t) => t.id)).toEqual([tokenResponse.info.id]);
      expect(list.tokens[0]!.current).toBe(true);
      expect(response.text).not.toContain(token.slice(5));
      expect(response.text).not.toContain('tokenHash');
    });

    it('revokes another token with TOKEN_MANAGE, with the tokens derived from it', async () => {
      const { user, token } = await registeredUser(api);
      const other = await login(api, user);
      const child = tokenResponseSchema.parse(
        (await api.post('/v1/auth/tokens', { v: 1 }, { token: other.token })).body,
      );
      const response = await api.delete(`/v1/auth/tokens/${other.info.id}`, { token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ v: 1, id: other.info.id, revoked: 2 });
      expect(errorCode(await whoami(api, other.token))).toBe('AUTH_TOKEN_REVOKED');
      expect(errorCode(await whoami(api, child.token))).toBe('AUTH_TOKEN_REVOKED');
      expect((await whoami(api, token)).status).toBe(200);
    });

    it('without TOKEN_MANAGE a token revokes only itself and its own descendants', async () => {
      const { user } = await registeredUser(api);
      const limited = await login(api, user, { scopes: ['STORE_USE'] });
      const sibling = await login(api, user);
      const denied = await api.delete(`/v1/auth/tokens/${sibling.info.id}`, {
        token: limited.token,
      });
      expect(denied.status).toBe(403);
      expect(errorCode(denied)).toBe('FORBIDDEN');
      expect((await whoami(api, sibling.token)).status).toBe(200);

      const child = tokenResponseSchema.parse(
        (await api.post('/v1/auth/tokens', { v: 1 }, { token: limited.token })).body,
      );
      const grandchild = tokenResponseSchema.parse(
        (await api.post('/v1/auth/tokens', { v: 1 }, { token: child.token })).body,
      );
      const own = await api.delete(`/v1/auth/tokens/${grandchild.info.id}`, {
        token: limited.token,
      });
      expect(own.status).toBe(200);
      expect(errorCode(await whoami(api, grandchild.token))).toBe('AUTH_TOKEN_REVOKED');
      expect((await whoami(api, child.token)).status).toBe(200);
    });

    it("cannot touch another identity's tokens; unknown or malformed ids", async () => {
      const alice = await registeredUser(api, 'Alice');
      const bob = await registeredUser(api, 'Bob');
      const cross = await api.delete(`/v1/auth/tokens/${bob.tokenResponse.info.id}`, {
        token: alice.token,
      });
      expect(cross.status).toBe(404);
      expect((await whoami(api, bob.token)).status).toBe(200);
      const unknown = await api.delete(`/v1/auth/tokens/${toBase64Url(randomBytes(16))}`, {
        token: alice.token,
      });
      expect(errorCode(unknown)).toBe('NOT_FOUND');
      const malformed = await api.delete('/v1/auth/tokens/not-an-id', { token: alice.token });
      expect(malformed.status).toBe(400);
      expect(errorCode(malformed)).toBe('INVALID_REQUEST');
    });
  });
});

describe.each(backends.slice(0, 1))('token limit ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { maxActiveTokens: 3 } });
  });
  afterAll(() => server.close());

  it('refuses more active tokens than allowed per identity', async () => {
    const { user, token } = await registeredUser(server.api);
    await login(server.api, user);
    await login(server.api, user);
    const fourth = await loginResponse(server.api, user);
    expect(fourth.status).toBe(409);
    expect(errorCode(fourth)).toBe('TOKEN_LIMIT_REACHED');
    await server.api.delete('/v1/auth/tokens/current', { token });
    expect((await loginResponse(server.api, user)).status).toBe(201);
  });
});
