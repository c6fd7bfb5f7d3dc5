import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from './encoding.js';
import { randomBytes } from './random.js';
import { sodium } from './sodium.js';
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
} from './stream.js';
import {
  NODE_STREAM_ENGINES,
  decryptStreamNode,
  encryptStreamNode,
  nativeChaCha20Poly1305Engine,
} from '../node/stream-node.js';
import type { SymmetricKey } from './types.js';
import {
  MiB,
  AD,
  ENGINES,
  newKey,
  fixedRandom,
  payload,
  pieces,
  encryptParts,
  drain,
  s256,
} from './test/stream.js';

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
