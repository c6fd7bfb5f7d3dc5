/**
 * Shared fixtures of the SPAKE2+EE tests: the known-answer vector (docs/spake2ee-kat.md), a scripted
 * random source, Edwards25519 arithmetic in BigInt (only to prove what the bad test points are) and
 * the bad points themselves.
 */
import { expect } from 'vitest';
import { isBackboneError, type ErrorCode } from '../../errors.js';
import { fromHex } from '../encoding.js';
import type { RandomSource } from '../random.js';
import { cryptoReady, sodium } from '../sodium.js';

// ---------------------------------------------------------------------------------------------
// Known-answer vector (docs/spake2ee-kat.md)

export const KAT = {
  password: 'password',
  clientId: 'client',
  serverId: 'server',
  opslimit: 2,
  memlimit: 67108864,
  salt: range(0x00, 16),
  x: range(0x20, 32),
  y: range(0x40, 32),
  dummyKey: range(0x60, 32),
  storedData:
    '0100020002000000000000000000000400000000000102030405060708090a0b0c0d0e0f' +
    'd3839b77ea5583c23ef419f67aa638ed2ffec2812a9911393bec09fbc83ea59a' +
    '2bf56a27d4f2ea930ee82dcaaee989fb1ee103d065bf1ec8ab98c223c0f495bc' +
    'c7bbd45664fd71fae0d35ddca5e92acc3c423b501633ec3f7df675d5760da6bf' +
    '85db84d54400e57d6baac45a623ee550f44021d453d5b8822f91b2052b806a32',
  publicData: '0100020002000000000000000000000400000000000102030405060708090a0b0c0d0e0f',
  response1: 'b4259f8e69f8689eafd124740a0c4708110eb7cc8497dcdfa579b4606195da13',
  response2:
    '7e79cbb341caa6ecf7603eba69f9630e7a05f41cb058e57b76a1ef46c74d5e9a' +
    '2c6b9db68c0e7d634223e6f576e4907dc1e3ab7a1b4419145844730305771f1a',
  response3: '9b02c584e657416defd8363b6c250383021a6a0f0207f178dbb944bc8fc1138b',
  clientSk: '54c1a5da5378f61c540f6483f3719c4cc622fc065b09d5e080e2992065ca28f8',
  serverSk: '1ecce11fd9f384b1bfc63c5ba9ad8fdea7b0e60b0069719b48d3f2863169c05d',
  dummyPublicData: '01000200020000000000000000000004000000001ebb36d040287b2bd180a7c97626f704',
} as const;

function range(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => start + i);
}

/**
 * A random source that hands out the given chunks in order (fresh copies, since the module
 * wipes what it draws) and fails the test on any other request.
 */
export function fixedRandom(...chunks: Uint8Array[]): RandomSource & { remaining: () => number } {
  const queue = chunks.map((c) => c.slice());
  const source = (length: number): Uint8Array => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`unexpected random draw of ${length} bytes`);
    if (next.length !== length)
      throw new Error(`random draw of ${length}, expected ${next.length}`);
    return next;
  };
  return Object.assign(source, { remaining: () => queue.length });
}

export function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a ${code} error`).toBeDefined();
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

export function expectAborted(fn: () => unknown): void {
  expectCode(fn, 'PAKE_ABORTED');
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** Public data with the given header fields (u16 version, u16 alg, u64 ops, u64 mem). */
export function makePublicData(version: number, alg: number, ops: bigint, mem: bigint): Uint8Array {
  const out = fromHex(KAT.publicData);
  const view = new DataView(out.buffer);
  view.setUint16(0, version, true);
  view.setUint16(2, alg, true);
  view.setBigUint64(4, ops, true);
  view.setBigUint64(12, mem, true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Edwards25519 arithmetic in BigInt, only to prove what the bad test points are.

export const P = (1n << 255n) - 19n;
const D = mod(-121665n * inv(121666n));

function mod(a: bigint): bigint {
  return ((a % P) + P) % P;
}
function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
function inv(a: bigint): bigint {
  return pow(a, P - 2n);
}
/** Whether some x satisfies -x² + y² = 1 + d·x²·y², i.e. (y²−1)/(d·y²+1) is a square. */
export function yIsOnCurve(y: bigint): boolean {
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  const x2 = mod(u * inv(v));
  return x2 === 0n || pow(x2, (P - 1n) / 2n) === 1n;
}
export function encodeY(y: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bad points for X and Y

export const T8 = fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');

export function badPoints(valid: Uint8Array): [string, Uint8Array][] {
  const s = sodium();
  // A non-canonical encoding (y + p < 2^255) of a curve point, and a canonical y off the curve.
  let nonCanonicalY = 2n;
  while (!yIsOnCurve(nonCanonicalY)) nonCanonicalY++;
  let offCurveY = 2n;
  while (yIsOnCurve(offCurveY)) offCurveY++;
  expect(nonCanonicalY).toBeLessThan(19n);
  expect(yIsOnCurve(offCurveY)).toBe(false);
  return [
    ['the identity', fromHex('01' + '00'.repeat(31))],
    ['of small order 2', encodeY(P - 1n)],
    ['of small order 4', new Uint8Array(32)],
    ['of small order 8', T8],
    ['of mixed order (valid point + 8-torsion)', s.crypto_core_ed25519_add(valid, T8)],
    ['non-canonical (y + p)', encodeY(nonCanonicalY + P)],
    ['a non-canonical identity', encodeY(1n + P)],
    ['off the curve', encodeY(offCurveY)],
  ];
}

await cryptoReady();

/** The stored data of the known-answer vector, and the M and N points inside it. */
export const storedData = fromHex(KAT.storedData);
export const katM = storedData.slice(36, 68);
export const katN = storedData.slice(68, 100);
