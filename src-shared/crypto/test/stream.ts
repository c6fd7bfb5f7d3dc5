/**
 * Shared fixtures of the stream tests: the engines, a cheap reproducible payload, awkward input
 * splits, and helpers that encrypt to parts or decrypt to whatever came out before an error.
 */
import { expect } from 'vitest';
import { isBackboneError, type ErrorCode } from '../../errors.js';
import { utf8 } from '../encoding.js';
import { randomBytes } from '../random.js';
import { cryptoReady, sodium } from '../sodium.js';
import {
  bytesSource,
  chacha20Poly1305Engine,
  decryptStream,
  encryptStream,
  secretstreamEngine,
  type StreamEngine,
} from '../stream.js';
import { NODE_STREAM_ENGINES, nativeChaCha20Poly1305Engine } from '../../node/stream-node.js';
import type { SymmetricKey } from '../types.js';

await cryptoReady();

export const MiB = 1024 * 1024;
export const AD = utf8('backbone/backup/v1\0backup-1234');
export const ENGINES: StreamEngine[] = [
  secretstreamEngine,
  chacha20Poly1305Engine,
  nativeChaCha20Poly1305Engine,
];
export const newKey = (): SymmetricKey => randomBytes(32) as SymmetricKey;

/** Deterministic "random" bytes so a stream can be reproduced byte for byte. */
export function fixedRandom(fill: number) {
  return (n: number) => new Uint8Array(n).fill(fill);
}

/** A pseudo-random but cheap test payload. */
export function payload(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Split `data` into pieces of the given sizes, cycling through them. */
export async function* pieces(data: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

/** The encrypted stream as yielded: [header, frame0, frame1, …]. */
export async function encryptParts(
  key: SymmetricKey,
  data: Uint8Array,
  engine: StreamEngine,
  chunkSize?: number,
  ad: Uint8Array = AD,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const options =
    chunkSize === undefined
      ? { associatedData: ad, engine }
      : { associatedData: ad, engine, chunkSize };
  for await (const part of encryptStream(key, bytesSource(data), options)) out.push(part);
  return out;
}

export interface Drained {
  chunks: Uint8Array[];
  error: unknown;
}

export async function drain(
  key: SymmetricKey,
  ciphertext: Uint8Array,
  engines: readonly StreamEngine[] = NODE_STREAM_ENGINES,
  ad: Uint8Array = AD,
): Promise<Drained> {
  const chunks: Uint8Array[] = [];
  try {
    // Feed the ciphertext in awkward pieces to exercise re-framing.
    for await (const chunk of decryptStream(key, pieces(ciphertext, [7, 1, 4093]), {
      associatedData: ad,
      engines,
    })) {
      chunks.push(chunk);
    }
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

export function expectError(result: Drained, code: ErrorCode): void {
  expect(isBackboneError(result.error, code), `expected ${code}, got ${String(result.error)}`).toBe(
    true,
  );
}

export function s256(bytes: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, bytes, null);
}
