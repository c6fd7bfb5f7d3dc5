import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { concatBytes, utf8 } from './encoding.js';
import { collectBytes, decryptStream, encryptStream } from './stream.js';
import { NODE_STREAM_ENGINES } from '../node/stream-node.js';
import type { SymmetricKey } from './types.js';
import {
  AD,
  ENGINES,
  newKey,
  payload,
  pieces,
  encryptParts,
  drain,
  expectError,
} from './test/stream.js';

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
