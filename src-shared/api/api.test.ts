import { beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  fromUtf8,
  generateSignKeyPair,
  randomBytes,
  rootSecret,
  statementSigningBytes,
  toBase64Url,
  verifyStatement,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import {
  AUTH_RESPONSE_KIND,
  AuthResponseBodySchema,
  bearerTokenSchema,
  loginRequestSchema,
  signAuthResponse,
} from './auth.js';
import { apiErrorSchema, base64UrlBytesSchema, identityIdSchema } from './common.js';
import {
  createDeviceRevocation,
  createIdentityProfile,
  verifyDeviceRevocation,
  verifyIdentityProfile,
} from './identities.js';
import { serverIdOf } from './server.js';

beforeAll(cryptoReady);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('wire formats', () => {
  it('base64url byte strings must be canonical and of the exact length', () => {
    const schema = base64UrlBytesSchema(32);
    for (let i = 0; i < 50; i++) {
      expect(schema.safeParse(toBase64Url(randomBytes(32))).success).toBe(true);
    }
    expect(schema.safeParse(toBase64Url(randomBytes(31))).success).toBe(false);
    expect(schema.safeParse(toBase64Url(randomBytes(33))).success).toBe(false);
    // same length, unused trailing bits set: not canonical
    expect(schema.safeParse('A'.repeat(42) + 'B').success).toBe(false);
    expect(schema.safeParse('A'.repeat(42) + 'E').success).toBe(true);
    expect(schema.safeParse('A'.repeat(42) + '=').success).toBe(false);
    expect(base64UrlBytesSchema(16).safeParse(toBase64Url(randomBytes(16))).success).toBe(true);
    expect(base64UrlBytesSchema(64).safeParse(toBase64Url(randomBytes(64))).success).toBe(true);
    expect(base64UrlBytesSchema(3).safeParse(toBase64Url(randomBytes(3))).success).toBe(true);
  });

  it('tokens, identity ids and server ids have fixed forms', () => {
    expect(bearerTokenSchema.safeParse('bbt1.' + toBase64Url(randomBytes(32))).success).toBe(true);
    expect(bearerTokenSchema.safeParse('bbt1.' + toBase64Url(randomBytes(31))).success).toBe(false);
    const signPk = generateSignKeyPair().publicKey;
    expect(serverIdOf(signPk)).toMatch(/^bbs1[a-z2-7]{32}$/);
    expect(identityIdSchema.safeParse(serverIdOf(signPk)).success).toBe(false);
  });

  it('the error envelope is strict', () => {
    expect(apiErrorSchema.safeParse({ error: { code: 'X', message: 'm' } }).success).toBe(true);
    expect(apiErrorSchema.safeParse({ error: { code: 'X' } }).success).toBe(false);
    expect(
      apiErrorSchema.safeParse({ error: { code: 'X', message: 'm', stack: '' } }).success,
    ).toBe(false);
  });
});

describe('auth.response', () => {
  it('signs exactly "backbone/auth.response/v2\\n" + JCS(body), the origin included', () => {
    const device = generateSignKeyPair();
    const challenge = {
      v: 1 as const,
      id: 'AAAAAAAAAAAAAAAAAAAAAA',
      nonce: 'B'.repeat(42) + 'A',
      audience: 'bbs1' + 'c'.repeat(32),
      expiresAt: '2030-01-01T00:00:00.000Z',
    };
    const identity = 'bb1' + 'd'.repeat(32);
    const response = signAuthResponse(device, {
      challenge,
      identity,
      origin: 'https://Backbone.Example.org:443/base',
    });
    expect(response.kind).toBe(AUTH_RESPONSE_KIND);
    const bytes = statementSigningBytes(response.kind, response.v, response.body);
    expect(fromUtf8(bytes)).toBe(
      'backbone/auth.response/v2\n' +
        `{"audience":"${challenge.audience}","challenge":"${challenge.id}",` +
        `"device":"${toBase64Url(device.publicKey)}","identity":"${identity}",` +
        `"nonce":"${challenge.nonce}","origin":"https://backbone.example.org"}`,
    );
    expect(
      verifyStatement(response, AUTH_RESPONSE_KIND, 2, device.publicKey, AuthResponseBodySchema),
    ).toEqual(response.body);
    expect(
      code(() => verifyStatement(response, AUTH_RESPONSE_KIND, 2, generateSignKeyPair().publicKey)),
    ).toBe('CRYPTO_BAD_SIGNATURE');
  });

  it('a login request is strict', () => {
    expect(loginRequestSchema.safeParse({ v: 1 }).success).toBe(false);
  });
});

describe('identity statements', () => {
  const identity = () => deriveIdentity(rootSecret(randomBytes(32)));

  it('a profile verifies against the key it names, and only that key', () => {
    const alice = identity();
    const profile = createIdentityProfile(alice.signKeyPair, {
      boxPublicKey: alice.boxKeyPair.publicKey,
      displayName: 'Alice',
      created: '2026-01-01T00:00:00.000Z',
    });
    const verified = verifyIdentityProfile(profile);
    expect(verified.signPublicKey).toEqual(alice.signKeyPair.publicKey);
    expect(verified.boxPublicKey).toEqual(alice.boxKeyPair.publicKey);
    expect(verifyIdentityProfile(profile, alice.signKeyPair.publicKey).displayName).toBe('Alice');
    expect(code(() => verifyIdentityProfile(profile, identity().signKeyPair.publicKey))).toBe(
      'STATEMENT_INVALID',
    );
    const tampered = { ...profile, body: { ...profile.body, displayName: 'Mallory' } };
    expect(code(() => verifyIdentityProfile(tampered))).toBe('CRYPTO_BAD_SIGNATURE');
    expect(code(() => verifyIdentityProfile({ kind: 'identity.profile' }))).toBe(
      'STATEMENT_INVALID',
    );
    expect(code(() => verifyIdentityProfile(null))).toBe('STATEMENT_INVALID');
  });

  it('a revocation verifies only for the identity that signed it', () => {
    const alice = identity();
    const device = generateSignKeyPair();
    const revocation = createDeviceRevocation(alice.signKeyPair, {
      devicePublicKey: device.publicKey,
      revoked: new Date('2026-02-02T00:00:00Z'),
    });
    expect(verifyDeviceRevocation(revocation, alice.signKeyPair.publicKey)).toEqual({
      identity: toBase64Url(alice.signKeyPair.publicKey),
      device: toBase64Url(device.publicKey),
      revoked: '2026-02-02T00:00:00.000Z',
    });
    expect(code(() => verifyDeviceRevocation(revocation, identity().signKeyPair.publicKey))).toBe(
      'CRYPTO_BAD_SIGNATURE',
    );
  });
});
