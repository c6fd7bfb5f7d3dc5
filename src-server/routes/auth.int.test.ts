/**
 * Login over HTTP (`/v1/auth/challenge`, `/v1/auth/login`), against both backends: challenges
 * and the server proof, and every way a login response can be refused (tokens afterwards:
 * auth-tokens.int.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fromBase64Url,
  generateSignKeyPair,
  randomBytes,
  signStatement,
  toBase64Url,
} from '../../src-shared/crypto/index.js';
import {
  TOKEN_SCOPES,
  challengeResponseSchema,
  currentTokenResponseSchema,
  signAuthResponse,
  tokenResponseSchema,
  type ChallengeResponse,
} from '../../src-shared/api/auth.js';
import {
  newClientNonce,
  serverInfoResponseSchema,
  verifiedServerKeys,
  verifyServerProof,
} from '../../src-shared/api/server.js';
import { hashTokenSecret } from '../auth/tokens.js';
import { useTestBackends } from '../test/backends.js';
import {
  challenge,
  errorCode,
  login,
  loginBody,
  loginResponse,
  newTestDevice,
  newTestIdentity,
  register,
  registeredUser,
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

  describe('challenge', () => {
    it('is fresh each time, names this server as audience and lasts 5 minutes', async () => {
      const info = serverInfoResponseSchema.parse((await api.get('/v1/server')).body);
      const a = await challenge(api);
      const b = await challenge(api);
      expect(a.id).not.toBe(b.id);
      expect(a.nonce).not.toBe(b.nonce);
      expect(fromBase64Url(a.nonce)).toHaveLength(32);
      expect(a.audience).toBe(info.id);
      expect(Date.parse(a.expiresAt) - server.clock.now()).toBe(5 * 60 * 1000);
    });

    it('signs the server proof over the client nonce, at first contact and in the challenge', async () => {
      const nonce = newClientNonce();
      const info = serverInfoResponseSchema.parse(
        (await api.get(`/v1/server?nonce=${nonce}`)).body,
      );
      expect(verifiedServerKeys(info, nonce).boxPublicKey).toBe(info.boxPublicKey);
      // another nonce does not verify (no replay of a proof)
      expect(() => verifiedServerKeys(info, newClientNonce())).toThrow(/another request/);
      // without a nonce there is no proof, and a client refuses that
      const bare = serverInfoResponseSchema.parse((await api.get('/v1/server')).body);
      expect(bare.proof).toBeUndefined();
      expect(() => verifiedServerKeys(bare, nonce)).toThrow(/prove/);
      expect(errorCode(await api.get('/v1/server?nonce=short'))).toBe('INVALID_REQUEST');

      const clientNonce = newClientNonce();
      const response = await api.post('/v1/auth/challenge', { v: 1, clientNonce });
      const ch = challengeResponseSchema.parse(response.body);
      const proven = verifyServerProof(ch.proof, {
        signPublicKey: info.signPublicKey,
        clientNonce,
        boxPublicKey: info.boxPublicKey,
      });
      expect(proven.serverId).toBe(info.id);
      expect((await challenge(api)).proof).toBeUndefined();
    });

    it('accepts no body, {} and {v: 1}, and nothing else', async () => {
      expect((await api.post('/v1/auth/challenge')).status).toBe(201);
      expect((await api.post('/v1/auth/challenge', { v: 1 })).status).toBe(201);
      const extra = await api.post('/v1/auth/challenge', { nonce: 'mine' });
      expect(extra.status).toBe(400);
      expect(errorCode(extra)).toBe('INVALID_REQUEST');
      const newer = await api.post('/v1/auth/challenge', { v: 2 });
      expect(errorCode(newer)).toBe('UNSUPPORTED_VERSION');
    });
  });

  describe('login', () => {
    it('returns a bearer token stored only as a hash, with every scope for 24 hours', async () => {
      const { user, tokenResponse } = await registeredUser(api);
      const { token, info } = tokenResponseSchema.parse(tokenResponse);
      expect(token).toMatch(/^bbt1\.[A-Za-z0-9_-]{43}$/);
      expect(info).toMatchObject({
        identityId: user.id,
        deviceId: user.devices[0]!.id,
        parentId: null,
        scopes: [...TOKEN_SCOPES],
        workspaceId: null,
        current: true,
      });
      expect(Date.parse(info.expiresAt) - server.clock.now()).toBe(24 * 3600 * 1000);

      const stored = await server.storage.getToken(info.id);
      const secret = fromBase64Url(token.slice('bbt1.'.length));
      expect(stored?.tokenHash).toBe(hashTokenSecret(secret));
      expect(JSON.stringify(stored)).not.toContain(token.slice(5));

      const me = currentTokenResponseSchema.parse((await whoami(api, token)).body);
      expect(me.info).toEqual(info);
    });

    it('grants the scopes, workspace, lifetime and label asked for', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const { info } = await login(api, user, {
        scopes: ['STORE_USE', 'IDENTITY_READ'],
        workspaceId: 'ws-1',
        ttlSeconds: 3600,
        label: 'backup script',
      });
      expect(info.scopes).toEqual(['IDENTITY_READ', 'STORE_USE']);
      expect(info.workspaceId).toBe('ws-1');
      expect(info.label).toBe('backup script');
      expect(Date.parse(info.expiresAt) - server.clock.now()).toBe(3600 * 1000);
    });

    it('refuses lifetimes over 30 days or under a minute, and unknown scopes', async () => {
      const user = newTestIdentity();
      await register(api, user);
      for (const extra of [
        { ttlSeconds: 30 * 86400 + 1 },
        { ttlSeconds: 59 },
        { ttlSeconds: 1.5 },
        { scopes: ['EVERYTHING'] },
        { scopes: [] },
        { scopes: ['ROOT', 'ROOT'] },
        { workspaceId: 'no spaces' },
      ]) {
        const body = { ...loginBody(user, await challenge(api)), ...extra };
        const response = await api.post('/v1/auth/login', body);
        expect(response.status, JSON.stringify(extra)).toBe(400);
        expect(errorCode(response)).toBe('INVALID_REQUEST');
      }
      const max = await login(api, user, { ttlSeconds: 30 * 86400 });
      expect(Date.parse(max.info.expiresAt) - server.clock.now()).toBe(30 * 86400 * 1000);
    });

    it('refuses a replayed challenge', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const body = loginBody(user, await challenge(api));
      expect((await api.post('/v1/auth/login', body)).status).toBe(201);
      const replay = await api.post('/v1/auth/login', body);
      expect(replay.status).toBe(401);
      expect(errorCode(replay)).toBe('AUTH_CHALLENGE_INVALID');
    });

    it('burns the challenge on a failed attempt', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const ch = await challenge(api);
      const bad = loginBody(user, ch);
      bad.response = { ...bad.response, sig: toBase64Url(randomBytes(64)) };
      expect(errorCode(await api.post('/v1/auth/login', bad))).toBe('AUTH_SIGNATURE_INVALID');
      const good = await api.post('/v1/auth/login', loginBody(user, ch));
      expect(errorCode(good)).toBe('AUTH_CHALLENGE_INVALID');
    });

    it('refuses an expired challenge', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const ch = await challenge(api);
      server.clock.advance(5 * 60 * 1000 + 1);
      const response = await api.post('/v1/auth/login', loginBody(user, ch));
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_CHALLENGE_EXPIRED');
    });

    it('refuses an unknown challenge, a wrong nonce and a response for another server', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const device = user.devices[0]!;
      const mutations = [
        (ch: ChallengeResponse) => ({ ...ch, id: toBase64Url(randomBytes(16)) }),
        (ch: ChallengeResponse) => ({ ...ch, nonce: toBase64Url(randomBytes(32)) }),
        (ch: ChallengeResponse) => ({ ...ch, audience: 'bbs1' + 'a'.repeat(32) }),
      ];
      for (const mutate of mutations) {
        const ch = await challenge(api);
        const signed = mutate(ch);
        const body = {
          ...loginBody(user, ch),
          response: signAuthResponse(device.keyPair, {
            challenge: signed,
            identity: user.id,
            origin: api.url,
          }),
        };
        const response = await api.post('/v1/auth/login', body);
        expect(response.status).toBe(401);
        expect(errorCode(response)).toBe('AUTH_CHALLENGE_INVALID');
      }
    });

    it('accepts only a login signed for one of its own origins (a relayed challenge fails)', async () => {
      const { user } = await registeredUser(api);
      const port = new URL(api.url).port;
      // signed for a relay's address: refused, and the challenge is burned
      const ch = await challenge(api);
      const relayed = loginBody(user, ch, { origin: 'https://backbone-login.example' });
      const refused = await api.post('/v1/auth/login', relayed);
      expect(refused.status).toBe(401);
      expect(errorCode(refused)).toBe('AUTH_ORIGIN_MISMATCH');
      expect(errorCode(await api.post('/v1/auth/login', relayed))).toBe('AUTH_CHALLENGE_INVALID');
      // another port on the same host is another origin
      const otherPort = loginBody(user, await challenge(api), {
        origin: `http://127.0.0.1:${Number(port) === 1 ? 2 : Number(port) - 1}`,
      });
      expect(errorCode(await api.post('/v1/auth/login', otherPort))).toBe('AUTH_ORIGIN_MISMATCH');
      // the address the connection arrived at, and localhost for a loopback one
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const ok = await api.post(
          '/v1/auth/login',
          loginBody(user, await challenge(api), { origin }),
        );
        expect(ok.status).toBe(201);
      }
      // a Host header does not vouch for an origin (a relay chooses it)
      const spoofed = await api.post(
        '/v1/auth/login',
        loginBody(user, await challenge(api), { origin: 'http://evil.example' }),
        { headers: { host: 'evil.example' } },
      );
      expect(errorCode(spoofed)).toBe('AUTH_ORIGIN_MISMATCH');
      // an old (v1) response without origin is refused as such
      const ch1 = await challenge(api);
      const body = loginBody(user, ch1);
      const { origin: _origin, ...v1Body } = body.response.body;
      const v1 = signStatement('auth.response', 1, v1Body, user.devices[0]!.keyPair);
      expect(errorCode(await api.post('/v1/auth/login', { ...body, response: v1 }))).toBe(
        'UNSUPPORTED_VERSION',
      );
    });

    it('accepts a login signed for a configured public URL', async () => {
      const proxied = await startTestServer(backend, {
        config: { publicUrls: ['https://backbone.example.org'] },
      });
      try {
        const { user } = await registeredUser(proxied.api);
        const origin = 'https://backbone.example.org';
        const ok = await proxied.api.post(
          '/v1/auth/login',
          loginBody(user, await challenge(proxied.api), { origin }),
        );
        expect(ok.status).toBe(201);
        const other = await proxied.api.post(
          '/v1/auth/login',
          loginBody(user, await challenge(proxied.api), { origin: 'https://backbone.example.com' }),
        );
        expect(errorCode(other)).toBe('AUTH_ORIGIN_MISMATCH');
      } finally {
        await proxied.close();
      }
    });

    it('refuses a response signed by another key (wrong signature)', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const ch = await challenge(api);
      const intruder = generateSignKeyPair();
      const forged = signAuthResponse(intruder, {
        challenge: ch,
        identity: user.id,
        origin: api.url,
      });
      // claims to be the certified device but is signed by the intruder
      forged.body.device = user.devices[0]!.id;
      const body = { ...loginBody(user, ch), response: forged };
      const response = await api.post('/v1/auth/login', body);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_SIGNATURE_INVALID');
    });

    it('refuses a certificate not signed by the identity', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const mallory = newTestIdentity('Mallory');
      // a device certified by Mallory's key but naming Alice as its identity
      const rogue = newTestDevice(user, 'rogue', mallory.identity.signKeyPair);
      const response = await loginResponse(api, user, { device: rogue });
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_CERTIFICATE_INVALID');
    });

    it('refuses a certificate for another device than the one that signed', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const other = newTestDevice(user, 'phone');
      const ch = await challenge(api);
      const body = {
        ...loginBody(user, ch),
        response: signAuthResponse(other.keyPair, {
          challenge: ch,
          identity: user.id,
          origin: api.url,
        }),
      };
      const response = await api.post('/v1/auth/login', body);
      expect(errorCode(response)).toBe('AUTH_CERTIFICATE_INVALID');
    });

    it('refuses an unknown identity and a response for another identity', async () => {
      const stranger = newTestIdentity();
      const response = await loginResponse(api, stranger);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('AUTH_IDENTITY_UNKNOWN');

      const user = newTestIdentity();
      await register(api, user);
      const mismatch = { ...loginBody(user, await challenge(api)), identity: stranger.id };
      expect(errorCode(await api.post('/v1/auth/login', mismatch))).toBe('INVALID_REQUEST');
    });

    it('refuses a response of another kind or version', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const ch = await challenge(api);
      const body = loginBody(user, ch);
      const device = user.devices[0]!;
      const otherKind = signStatement('auth.other', 1, body.response.body, device.keyPair);
      expect(errorCode(await api.post('/v1/auth/login', { ...body, response: otherKind }))).toBe(
        'INVALID_REQUEST',
      );
      const v3 = signStatement('auth.response', 3, body.response.body, device.keyPair);
      expect(errorCode(await api.post('/v1/auth/login', { ...body, response: v3 }))).toBe(
        'UNSUPPORTED_VERSION',
      );
    });

    it('registers a new device certified by the identity on its first login', async () => {
      const { user, token } = await registeredUser(api);
      const phone = newTestDevice(user, 'phone');
      user.devices.push(phone);
      const phoneToken = await login(api, user, { device: phone });
      expect(phoneToken.info.deviceId).toBe(phone.id);
      const devices = await api.get<{ devices: { id: string }[] }>(
        `/v1/identities/${user.id}/devices`,
        { token },
      );
      expect(devices.body.devices.map((d) => d.id).sort()).toEqual(
        [user.devices[0]!.id, phone.id].sort(),
      );
    });
  });
});
