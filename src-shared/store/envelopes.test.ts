import { describe, expect, it } from 'vitest';
import {
  blake2b,
  concatBytes,
  cryptoReady,
  fromBase64Url,
  generateBoxKeyPair,
  sealTo,
  toBase64Url,
  utf8,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  locatorMatches,
  newLocator,
  openEnvelope,
  recordId,
  sealEnvelope,
} from './envelopes.js';

await cryptoReady();

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown) ? thrown.code : String(thrown)).toBe(code);
}

const WS = 'AAAAAAAAAAAAAAAAAAAAAA';
const salt = new Uint8Array(32).fill(5);

describe('record ids', () => {
  it('are BLAKE2b-256 of the domain, kind, workspace, salt and path (known answer)', () => {
    const expected = blake2b(
      concatBytes(utf8('backbone/store.id/v1\nentry\n' + WS + '\n'), salt, utf8('team/x')),
    );
    expect(recordId(WS, 'entry', salt, 'team/x')).toBe(toBase64Url(expected));
  });

  it('depend on every input, and hide the path behind the salt', () => {
    const base = recordId(WS, 'entry', salt, 'team/x');
    expect(recordId(WS, 'namespace', salt, 'team/x')).not.toBe(base);
    expect(recordId('BBBBBBBBBBBBBBBBBBBBBB', 'entry', salt, 'team/x')).not.toBe(base);
    expect(recordId(WS, 'entry', new Uint8Array(32), 'team/x')).not.toBe(base);
    expect(recordId(WS, 'entry', salt, 'team/y')).not.toBe(base);
    const a = newLocator(WS, 'entry', 'team/x');
    const b = newLocator(WS, 'entry', 'team/x');
    expect(a.id).not.toBe(b.id); // fresh salt each time
    expect(locatorMatches(WS, 'entry', a.id, a.salt, 'team/x')).toBe(true);
    expect(locatorMatches(WS, 'entry', a.id, b.salt, 'team/x')).toBe(false);
    expect(locatorMatches(WS, 'entry', 'not base64!', a.salt, 'team/x')).toBe(false);
  });
});

describe('envelopes', () => {
  const kp = generateBoxKeyPair();
  const key = new Uint8Array(32).fill(9);

  it('encode version, type, key, salt and path', () => {
    const plain = encodeEnvelope('entry-key', { path: 'a/b', salt }, key);
    expect([...plain.subarray(0, 2)]).toEqual([1, 2]);
    expect(plain).toHaveLength(2 + 32 + 32 + 3);
    expect(decodeEnvelope(plain, 'entry-key')).toEqual({ path: 'a/b', salt, key });
    expect(encodeEnvelope('name', { path: '', salt })).toHaveLength(34);
    expectCode(() => decodeEnvelope(plain, 'namespace-key'), 'STORE_TAMPERED');
    expectCode(() => decodeEnvelope(plain.subarray(0, 40), 'entry-key'), 'STORE_TAMPERED');
    const badPath = concatBytes(plain.subarray(0, 66), utf8('a//b'));
    expectCode(() => decodeEnvelope(badPath, 'entry-key'), 'STORE_TAMPERED');
  });

  it('open only for their record', () => {
    const loc = newLocator(WS, 'entry', 'team/x');
    const other = newLocator(WS, 'entry', 'team/y');
    const sealed = sealEnvelope(kp.publicKey, 'entry-key', loc, key);
    expect(openEnvelope(kp, sealed, 'entry-key', { workspaceId: WS, id: loc.id }).key).toEqual(key);
    expectCode(
      () => openEnvelope(kp, sealed, 'entry-key', { workspaceId: WS, id: other.id }),
      'STORE_TAMPERED',
    );
    expectCode(
      () => openEnvelope(kp, sealed, 'namespace-key', { workspaceId: WS, id: loc.id }),
      'STORE_TAMPERED',
    );
    expectCode(
      () =>
        openEnvelope(generateBoxKeyPair(), sealed, 'entry-key', { workspaceId: WS, id: loc.id }),
      'STORE_TAMPERED',
    );
    const bytes = fromBase64Url(sealed);
    bytes[60] = bytes[60]! ^ 1;
    expectCode(
      () => openEnvelope(kp, toBase64Url(bytes), 'entry-key', { workspaceId: WS, id: loc.id }),
      'STORE_TAMPERED',
    );
    const garbage = toBase64Url(sealTo(kp.publicKey, new Uint8Array([1, 2, 3])));
    expectCode(
      () => openEnvelope(kp, garbage, 'entry-key', { workspaceId: WS, id: loc.id }),
      'STORE_TAMPERED',
    );
    const name = sealEnvelope(kp.publicKey, 'name', loc);
    expect(
      openEnvelope(kp, name, 'name', { workspaceId: WS, id: loc.id, kind: 'entry' }).path,
    ).toBe('team/x');
    expectCode(
      () => openEnvelope(kp, name, 'name', { workspaceId: WS, id: loc.id, kind: 'namespace' }),
      'STORE_TAMPERED',
    );
  });
});
