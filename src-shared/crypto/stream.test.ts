import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { concatBytes, toHex, utf8 } from './encoding.js';
import { randomBytes } from './random.js';
import { cryptoReady, sodium } from './sodium.js';
import {
  CHACHA_STREAM_SALTBYTES,
  MAX_CHUNK_SIZE,
  PORTABLE_STREAM_ENGINES,
  STREAM_SUITE_CHACHA20POLY1305,
  STREAM_SUITE_SECRETSTREAM,
  bytesSource,
  chacha20Poly1305Engine,
  collectBytes,
  decryptStream,
  encryptStream,
  secretstreamEngine,
  type StreamEngine,
} from './stream.js';
import {
  NODE_STREAM_ENGINES,
  decryptStreamNode,
  encryptStreamNode,
  nativeChaCha20Poly1305Engine,
} from './stream-node.js';
import type { SymmetricKey } from './types.js';

beforeAll(async () => {
  await cryptoReady();
});

const MiB = 1024 * 1024;
const AD = utf8('backbone/backup/v1\0backup-1234');
const ENGINES: StreamEngine[] = [
  secretstreamEngine,
  chacha20Poly1305Engine,
  nativeChaCha20Poly1305Engine,
];
const newKey = (): SymmetricKey => randomBytes(32) as SymmetricKey;

/** Deterministic "random" bytes so a stream can be reproduced byte for byte. */
function fixedRandom(fill: number) {
  return (n: number) => new Uint8Array(n).fill(fill);
}

/** A pseudo-random but cheap test payload. */
function payload(length: number, seed = 1): Uint8Array {
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
async function* pieces(data: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

/** The encrypted stream as yielded: [header, frame0, frame1, …]. */
async function encryptParts(
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

interface Drained {
  chunks: Uint8Array[];
  error: unknown;
}

async function drain(
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

function expectError(result: Drained, code: ErrorCode): void {
  expect(isBackboneError(result.error, code), `expected ${code}, got ${String(result.error)}`).toBe(
    true,
  );
}

describe('stream round trip', () => {
  const sizes = [0, 1, 1000, MiB - 1, MiB, MiB + 1, 3 * MiB + 12345];
  for (const engine of ENGINES) {
    it(`round-trips many sizes with ${engine.name}`, async () => {
      const key = newKey();
      for (const size of sizes) {
        const data = payload(size, size + 7);
        const ct = await collectBytes(
          encryptStream(key, pieces(data, [1, 65537, 3, 300_000]), {
            associatedData: AD,
            engine,
          }),
        );
        const chunks = Math.max(1, Math.ceil(size / MiB));
        expect(ct.length).toBe(
          10 + engine.nonceMaterialBytes + size + chunks * (5 + engine.overhead),
        );
        const result = await drain(key, ct);
        expect(result.error).toBeUndefined();
        expect(result.chunks.every((c) => c.length <= MiB)).toBe(true);
        expect(toHex(sodium().crypto_generichash(32, concatBytes(...result.chunks), null))).toBe(
          toHex(sodium().crypto_generichash(32, data, null)),
        );
      }
    });
  }

  it('writes the documented header and frame layout', async () => {
    const key = newKey();
    for (const engine of ENGINES) {
      const parts = await encryptParts(key, payload(10), engine, 4);
      const header = parts[0]!;
      expect(Array.from(header.subarray(0, 10))).toEqual([
        0x42,
        0x42,
        0x53,
        0x54,
        1,
        engine.suite,
        4,
        0,
        0,
        0,
      ]);
      expect(header.length).toBe(10 + engine.nonceMaterialBytes);
      expect(parts.length).toBe(4); // header + 4 + 4 + 2 bytes
      expect(Array.from(parts[1]!.subarray(0, 5))).toEqual([0, 4, 0, 0, 0]);
      expect(Array.from(parts[3]!.subarray(0, 5))).toEqual([1, 2, 0, 0, 0]);
      // Exactly a multiple of the chunk size: the last full chunk is the final one.
      const exact = await encryptParts(key, payload(8), engine, 4);
      expect(exact.length).toBe(3);
      expect(exact[2]![0]).toBe(1);
      // Empty input: one empty final frame.
      const empty = await encryptParts(key, new Uint8Array(0), engine, 4);
      expect(empty.length).toBe(2);
      expect(empty[1]!.length).toBe(5 + engine.overhead);
    }
  });

  it('suite 2 follows the documented construction (checked with raw libsodium)', async () => {
    const s = sodium();
    const key = newKey();
    const data = payload(100, 3);
    for (const engine of [chacha20Poly1305Engine, nativeChaCha20Poly1305Engine]) {
      const parts: Uint8Array[] = [];
      for await (const part of encryptStream(key, bytesSource(data), {
        associatedData: AD,
        engine,
        chunkSize: 64,
        random: fixedRandom(0xab),
      })) {
        parts.push(part);
      }
      const header = parts[0]!;
      const salt = new Uint8Array(CHACHA_STREAM_SALTBYTES).fill(0xab);
      expect(header).toEqual(concatBytes(utf8('BBST'), new Uint8Array([1, 2, 64, 0, 0, 0]), salt));
      const subkey = s.crypto_generichash(
        32,
        concatBytes(utf8('backbone/stream/v1/chacha20poly1305/subkey\0'), salt),
        key,
      );
      const ctx = s.crypto_generichash(
        32,
        concatBytes(utf8('backbone/stream/v1/ctx\0'), header, AD),
        null,
      );
      const expectFrame = (index: number, final: boolean, chunk: Uint8Array): Uint8Array => {
        const frame = new Uint8Array([final ? 1 : 0, chunk.length, 0, 0, 0]);
        const aad = concatBytes(ctx, new Uint8Array([index, 0, 0, 0, 0, 0, 0, 0]), frame);
        const nonce = new Uint8Array(12);
        nonce[0] = index;
        nonce[11] = final ? 1 : 0;
        return concatBytes(
          frame,
          s.crypto_aead_chacha20poly1305_ietf_encrypt(chunk, aad, null, nonce, subkey),
        );
      };
      expect(parts[1]).toEqual(expectFrame(0, false, data.subarray(0, 64)));
      expect(parts[2]).toEqual(expectFrame(1, true, data.subarray(64)));
    }
  });

  it('native and libsodium engines of suite 2 are byte-identical and decrypt each other', async () => {
    const key = newKey();
    const data = payload(2 * MiB + 5, 9);
    const options = { associatedData: AD, random: fixedRandom(7) };
    const portable = await collectBytes(
      encryptStream(key, bytesSource(data), { ...options, engine: chacha20Poly1305Engine }),
    );
    const native = await collectBytes(encryptStreamNode(key, bytesSource(data), options));
    expect(toHex(s256(native))).toBe(toHex(s256(portable)));
    const viaPortable = await collectBytes(
      decryptStream(key, bytesSource(native), { associatedData: AD }),
    );
    const viaNative = await collectBytes(
      decryptStreamNode(key, bytesSource(portable), { associatedData: AD }),
    );
    expect(toHex(s256(viaPortable))).toBe(toHex(s256(data)));
    expect(toHex(s256(viaNative))).toBe(toHex(s256(data)));
  });

  it('defaults: portable API uses suite 2, node helper uses suite 2, both read suite 1', async () => {
    const key = newKey();
    const [h1] = await encryptParts(key, payload(3), chacha20Poly1305Engine);
    expect(h1![5]).toBe(STREAM_SUITE_CHACHA20POLY1305);
    const def = await collectBytes(
      encryptStream(key, bytesSource(payload(3)), { associatedData: AD }),
    );
    expect(def[5]).toBe(STREAM_SUITE_CHACHA20POLY1305);
    const ss = await collectBytes(
      encryptStream(key, bytesSource(payload(3)), {
        associatedData: AD,
        engine: secretstreamEngine,
      }),
    );
    expect(ss[5]).toBe(STREAM_SUITE_SECRETSTREAM);
    expect((await drain(key, ss, PORTABLE_STREAM_ENGINES)).chunks).toEqual([payload(3)]);
    expect((await drain(key, ss, NODE_STREAM_ENGINES)).chunks).toEqual([payload(3)]);
  });

  it('is correct with a source that reuses one buffer for every chunk it yields', async () => {
    async function* reusing(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
      const scratch = new Uint8Array(size);
      for (let offset = 0; offset < data.length; offset += size) {
        const n = Math.min(size, data.length - offset);
        scratch.fill(0xee);
        scratch.set(data.subarray(offset, offset + n));
        yield scratch.subarray(0, n);
      }
    }
    const key = newKey();
    const data = payload(5000, 11);
    for (const engine of ENGINES) {
      for (const [chunkSize, piece] of [
        [100, 1000],
        [1000, 100],
        [1000, 1000],
      ] as const) {
        const ct = await collectBytes(
          encryptStream(key, reusing(data, piece), { associatedData: AD, engine, chunkSize }),
        );
        const out = await collectBytes(
          decryptStream(key, reusing(ct, piece + 3), { associatedData: AD, engines: ENGINES }),
        );
        expect(out).toEqual(data);
      }
    }
  });

  it('pulls the source lazily and closes it when the consumer stops early', async () => {
    const key = newKey();
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncIterable<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(1000).fill(pulled & 0xff);
        }
      } finally {
        closed = true;
      }
    }
    let frames = 0;
    for await (const part of encryptStreamNode(key, endless(), {
      associatedData: AD,
      chunkSize: 4096,
    })) {
      void part;
      if (++frames === 4) break; // header + 3 frames
    }
    expect(closed).toBe(true);
    expect(pulled).toBeLessThan(20);

    // Decryption yields the first chunk before the source is exhausted.
    const ct = await encryptParts(key, payload(10 * 4096), nativeChaCha20Poly1305Engine, 4096);
    let given = 0;
    async function* slow(): AsyncIterable<Uint8Array> {
      for (const part of ct) {
        given++;
        yield part;
      }
    }
    for await (const chunk of decryptStreamNode(key, slow(), { associatedData: AD })) {
      expect(chunk.length).toBe(4096);
      break;
    }
    expect(given).toBeLessThan(ct.length);
  });
});

function s256(bytes: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, bytes, null);
}

describe('stream rejects damaged or foreign data', () => {
  for (const engine of ENGINES) {
    describe(engine.name, () => {
      const CHUNK = 64;
      const data = payload(CHUNK * 4 + 10, 5); // 5 chunks: 4 full, 1 short final
      const plainChunks = [0, 1, 2, 3, 4].map((i) => data.subarray(i * CHUNK, (i + 1) * CHUNK));
      let key: SymmetricKey;
      let parts: Uint8Array[];
      const setup = async () => {
        key = newKey();
        parts = await encryptParts(key, data, engine, CHUNK);
        expect(parts.length).toBe(6);
      };
      const join = (list: Uint8Array[]) => concatBytes(...list);

      it('accepts the untouched stream', async () => {
        await setup();
        const result = await drain(key, join(parts));
        expect(result.error).toBeUndefined();
        expect(result.chunks).toEqual(plainChunks);
      });

      it('truncation: last chunk dropped, cut mid-chunk, cut in a frame header, cut header', async () => {
        await setup();
        let r = await drain(key, join(parts.slice(0, -1)));
        expectError(r, 'CRYPTO_STREAM_TRUNCATED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));

        r = await drain(key, join(parts.slice(0, 3)));
        expectError(r, 'CRYPTO_STREAM_TRUNCATED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 2));

        const full = join(parts);
        r = await drain(key, full.subarray(0, full.length - 1));
        expectError(r, 'CRYPTO_STREAM_TRUNCATED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));

        const midFrame = join(parts.slice(0, 3)).length + 20;
        r = await drain(key, full.subarray(0, midFrame));
        expectError(r, 'CRYPTO_STREAM_TRUNCATED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 2));

        r = await drain(key, full.subarray(0, join(parts.slice(0, 5)).length + 3));
        expectError(r, 'CRYPTO_STREAM_TRUNCATED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));

        for (const cut of [0, 2, 7, 10, parts[0]!.length - 1, parts[0]!.length]) {
          r = await drain(key, full.subarray(0, cut));
          expectError(r, 'CRYPTO_STREAM_TRUNCATED');
          expect(r.chunks).toEqual([]);
        }
      });

      it('reordering and replay', async () => {
        await setup();
        const [h, f0, f1, f2, f3, f4] = parts as [Uint8Array, ...Uint8Array[]];
        let r = await drain(key, join([h, f0!, f2!, f1!, f3!, f4!]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 1));

        r = await drain(key, join([h, f0!, f0!, f1!, f2!, f3!, f4!]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 1));

        // Dropping a middle chunk.
        r = await drain(key, join([h, f0!, f1!, f3!, f4!]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 2));

        // A chunk from another stream under the same key, at the same position.
        const other = await encryptParts(key, data, engine, CHUNK);
        r = await drain(key, join([h, f0!, other[2]!, f2!, f3!, f4!]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 1));

        // The final frame moved up: earlier end with the right marker but wrong position.
        r = await drain(key, join([h, f0!, f4!]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 1));
      });

      it('marking a middle chunk final (cheap truncation) fails', async () => {
        await setup();
        const f1 = parts[2]!.slice();
        f1[0] = 1;
        const r = await drain(key, join([parts[0]!, parts[1]!, f1]));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 1));
      });

      it('tampering: header fields, nonce material, frame header, ciphertext, tag', async () => {
        await setup();
        const full = join(parts);
        const flip = (offset: number, mask = 0x01) => {
          const copy = full.slice();
          copy[offset]! ^= mask;
          return copy;
        };
        const h = parts[0]!.length;
        expectError(await drain(key, flip(0)), 'CRYPTO_STREAM_CORRUPT'); // magic
        expectError(await drain(key, flip(4)), 'UNSUPPORTED_VERSION'); // version
        expectError(await drain(key, flip(5, 0x04)), 'UNSUPPORTED_VERSION'); // suite
        expectError(await drain(key, flip(8, 0x20)), 'CRYPTO_STREAM_CORRUPT'); // chunk size > max
        expectError(await drain(key, flip(6, 0x80)), 'CRYPTO_DECRYPT_FAILED'); // chunk size, bound
        for (const offset of [10, h - 1]) {
          const r = await drain(key, flip(offset)); // nonce material
          expectError(r, 'CRYPTO_DECRYPT_FAILED');
          expect(r.chunks).toEqual([]);
        }
        const f2 = join(parts.slice(0, 3)).length; // start of frame 2
        expectError(await drain(key, flip(f2, 0x02)), 'CRYPTO_STREAM_CORRUPT'); // unknown kind
        let r = await drain(key, flip(f2 + 1, 0x40)); // length field: 64 -> 0
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 2));
        r = await drain(key, flip(f2 + 3)); // length field: larger than chunk size
        expectError(r, 'CRYPTO_STREAM_CORRUPT');
        expect(r.chunks).toEqual(plainChunks.slice(0, 2));
        for (const offset of [f2 + 5, f2 + 40, f2 + 5 + CHUNK + engine.overhead - 1]) {
          r = await drain(key, flip(offset, 0x80));
          expectError(r, 'CRYPTO_DECRYPT_FAILED');
          expect(r.chunks).toEqual(plainChunks.slice(0, 2));
        }
        r = await drain(key, flip(full.length - 1)); // tag of the final chunk
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));
      });

      it('wrong key and wrong associated data', async () => {
        await setup();
        let r = await drain(newKey(), join(parts));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual([]);
        r = await drain(
          key,
          join(parts),
          NODE_STREAM_ENGINES,
          utf8('backbone/backup/v1\0backup-1235'),
        );
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
        expect(r.chunks).toEqual([]);
        r = await drain(key, join(parts), NODE_STREAM_ENGINES, new Uint8Array(0));
        expectError(r, 'CRYPTO_DECRYPT_FAILED');
      });

      it('trailing data after the final chunk: the final chunk is withheld', async () => {
        await setup();
        let r = await drain(key, concatBytes(join(parts), new Uint8Array([0])));
        expectError(r, 'CRYPTO_STREAM_CORRUPT');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));
        r = await drain(key, join([...parts, parts[5]!]));
        expectError(r, 'CRYPTO_STREAM_CORRUPT');
        expect(r.chunks).toEqual(plainChunks.slice(0, 4));
        // Extension with another stream's frames.
        const other = await encryptParts(key, data, engine, CHUNK);
        r = await drain(key, join([...parts, ...other.slice(1)]));
        expectError(r, 'CRYPTO_STREAM_CORRUPT');
      });

      it('unknown version and suite not enabled', async () => {
        await setup();
        const full = join(parts);
        const v2 = full.slice();
        v2[4] = 2;
        expectError(await drain(key, v2), 'UNSUPPORTED_VERSION');
        const v0 = full.slice();
        v0[4] = 0;
        expectError(await drain(key, v0), 'UNSUPPORTED_VERSION');
        const s9 = full.slice();
        s9[5] = 9;
        expectError(await drain(key, s9), 'UNSUPPORTED_VERSION');
        const others = ENGINES.filter((e) => e.suite !== engine.suite);
        expectError(await drain(key, full, others), 'UNSUPPORTED_VERSION');
        expectError(await drain(key, utf8('PK\x03\x04 a zip file')), 'CRYPTO_STREAM_CORRUPT');
      });
    });
  }
});

describe('stream argument checks', () => {
  it('refuses bad keys, missing context, bad chunk sizes and non-byte sources', async () => {
    const key = newKey();
    const codeOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return undefined;
    };
    const src = bytesSource(utf8('x'));
    expect(
      codeOf(() => encryptStream(randomBytes(16) as SymmetricKey, src, { associatedData: AD })),
    ).toBe('CRYPTO_INVALID_KEY');
    expect(
      codeOf(() => decryptStream(randomBytes(64) as SymmetricKey, src, { associatedData: AD })),
    ).toBe('CRYPTO_INVALID_KEY');
    expect(
      codeOf(() => encryptStream(key, src, {} as unknown as { associatedData: Uint8Array })),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() => decryptStream(key, src, { associatedData: 'ctx' as unknown as Uint8Array })),
    ).toBe('INVALID_ARGUMENT');
    for (const chunkSize of [0, -1, 1.5, MAX_CHUNK_SIZE + 1]) {
      expect(codeOf(() => encryptStream(key, src, { associatedData: AD, chunkSize }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
    async function* strings(): AsyncIterable<Uint8Array> {
      yield 'text' as unknown as Uint8Array;
    }
    await expect(
      collectBytes(encryptStream(key, strings(), { associatedData: AD })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('stream properties', () => {
  const engineArb = fc.constantFrom(...ENGINES);

  it('round-trips any data, chunk size and input split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 5 }),
        engineArb,
        engineArb,
        async (data, chunkSize, split, encEngine, decEngine) => {
          const key = newKey();
          const ct = await collectBytes(
            encryptStream(key, pieces(data, split), {
              associatedData: AD,
              engine: encEngine,
              chunkSize,
            }),
          );
          const engines = [decEngine, ...ENGINES].filter(
            (e, i, all) => all.findIndex((x) => x.suite === e.suite) === i,
          );
          const out = await collectBytes(
            decryptStream(key, pieces(ct, split.slice().reverse()), {
              associatedData: AD,
              engines,
            }),
          );
          expect(out).toEqual(data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any single bit flip is rejected and nothing from or after the flipped chunk is yielded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        engineArb,
        async (data, chunkSize, position, bit, engine) => {
          const key = newKey();
          const parts = await encryptParts(key, data, engine, chunkSize);
          const full = concatBytes(...parts);
          const offset = position % full.length;
          full[offset]! ^= 1 << bit;
          const result = await drain(key, full);
          expect(isBackboneError(result.error)).toBe(true);
          // Chunks yielded must be exactly the authentic chunks wholly before the flipped byte.
          let end = parts[0]!.length;
          let before = 0;
          for (const frame of parts.slice(1)) {
            end += frame.length;
            if (end > offset) break;
            before++;
          }
          expect(result.chunks.length).toBeLessThanOrEqual(before);
          const got = concatBytes(...result.chunks);
          expect(got).toEqual(data.subarray(0, got.length));
        },
      ),
      { numRuns: 150 },
    );
  });
});
