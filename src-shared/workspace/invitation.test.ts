import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  cryptoReady,
  deriveIdentity,
  fromBase64Url,
  randomBytes,
  rootSecret,
  safetyNumber,
  toBase64Url,
  toHex,
  utf8,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  INVITATION_KIND,
  createInvitation,
  invitationFingerprint,
  isMemberName,
  parseInvitation,
} from './invitation.js';

function expectCode(fn: () => unknown, code: ErrorCode | ErrorCode[]): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  const codes = Array.isArray(code) ? code : [code];
  expect(
    codes.some((c) => isBackboneError(thrown, c)),
    `expected ${codes.join('|')}, got ${String(thrown)}`,
  ).toBe(true);
}

await cryptoReady();

const carol = deriveIdentity(rootSecret(Uint8Array.from({ length: 32 }, (_, i) => i)));
const mallory = deriveIdentity(rootSecret(randomBytes(32)));

describe('member names', () => {
  it('accept lower-case names of 1..64 characters', () => {
    for (const name of ['a', 'carol', 'c.d-e_f', '0ops', 'a'.repeat(64), 'constructor']) {
      expect(isMemberName(name), name).toBe(true);
    }
  });
  it('refuse anything else', () => {
    for (const name of ['', 'Carol', '-carol', '.x', '_x', 'a b', 'é', 'a'.repeat(65), 'a\n', 7]) {
      expect(isMemberName(name), String(name)).toBe(false);
    }
  });
});

describe('invitations', () => {
  it('round trip: name, keys, fingerprint', () => {
    const text = createInvitation(carol, 'carol');
    expect(text.startsWith('bbinvite1.')).toBe(true);
    expect(text).toMatch(/^bbinvite1\.[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(200);
    const invitation = parseInvitation(text);
    expect(invitation.v).toBe(1);
    expect(invitation.name).toBe('carol');
    expect(toHex(invitation.signPk)).toBe(toHex(carol.signKeyPair.publicKey));
    expect(toHex(invitation.boxPk)).toBe(toHex(carol.boxKeyPair.publicKey));
    expect(invitationFingerprint(invitation)).toBe(
      safetyNumber(carol.signKeyPair.publicKey, carol.boxKeyPair.publicKey),
    );
    expect(invitationFingerprint(invitation)).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  it('follows the documented layout: sign pk ‖ box pk ‖ signature ‖ name', () => {
    const text = createInvitation(carol, 'carol');
    const packed = fromBase64Url(text.slice('bbinvite1.'.length));
    expect(packed.length).toBe(32 + 32 + 64 + 5);
    expect(toHex(packed.subarray(0, 32))).toBe(toHex(carol.signKeyPair.publicKey));
    expect(toHex(packed.subarray(32, 64))).toBe(toHex(carol.boxKeyPair.publicKey));
    expect(new TextDecoder().decode(packed.subarray(128))).toBe('carol');
    expect(INVITATION_KIND).toBe('membership.invitation');
  });

  it('tolerates white space and line breaks from copy and paste', () => {
    const text = createInvitation(carol, 'carol');
    const wrapped = `  ${text.slice(0, 30)}\n${text.slice(30, 90)}\r\n\t${text.slice(90)}  \n`;
    expect(parseInvitation(wrapped).name).toBe('carol');
  });

  it('refuses an invalid name when creating', () => {
    expectCode(() => createInvitation(carol, 'Carol'), 'INVALID_ARGUMENT');
  });

  it('refuses things that are not invitations', () => {
    for (const text of ['', 'hello', 'bbinvite1.', 'bbinvite1', 'bbinvite.abc', 'bbinvite1.!!']) {
      expectCode(() => parseInvitation(text), 'INVITATION_INVALID');
    }
    expectCode(() => parseInvitation('x'.repeat(5000)), 'INVITATION_INVALID');
    expectCode(() => parseInvitation(42 as unknown as string), 'INVITATION_INVALID');
  });

  it('refuses other versions', () => {
    const text = createInvitation(carol, 'carol');
    expectCode(
      () => parseInvitation(text.replace('bbinvite1.', 'bbinvite2.')),
      'UNSUPPORTED_VERSION',
    );
  });

  it('refuses a truncated invitation', () => {
    const text = createInvitation(carol, 'carol');
    for (const cut of [1, 4, 8, 60]) {
      expectCode(
        () => parseInvitation(text.slice(0, text.length - cut)),
        ['INVITATION_INVALID', 'INVITATION_BAD_SIGNATURE'],
      );
    }
  });

  it('refuses a swapped box key, sign key or name (signature breaks)', () => {
    const packed = fromBase64Url(createInvitation(carol, 'carol').slice(10));
    const sig = packed.subarray(64, 128);
    const swappedBox = concatBytes(
      carol.signKeyPair.publicKey,
      mallory.boxKeyPair.publicKey,
      sig,
      utf8('carol'),
    );
    const swappedSign = concatBytes(
      mallory.signKeyPair.publicKey,
      carol.boxKeyPair.publicKey,
      sig,
      utf8('carol'),
    );
    const renamed = concatBytes(
      carol.signKeyPair.publicKey,
      carol.boxKeyPair.publicKey,
      sig,
      utf8('admin'),
    );
    for (const bytes of [swappedBox, swappedSign, renamed]) {
      expectCode(
        () => parseInvitation(`bbinvite1.${toBase64Url(bytes)}`),
        'INVITATION_BAD_SIGNATURE',
      );
    }
  });

  it('refuses any single changed character (property)', () => {
    const text = createInvitation(carol, 'carol');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: text.length - 1 }),
        fc.integer({ min: 0, max: alphabet.length - 1 }),
        (position, pick) => {
          const replacement = alphabet[pick]!;
          fc.pre(replacement !== text[position]);
          const changed = text.slice(0, position) + replacement + text.slice(position + 1);
          expectCode(
            () => parseInvitation(changed),
            ['INVITATION_INVALID', 'INVITATION_BAD_SIGNATURE', 'UNSUPPORTED_VERSION'],
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
