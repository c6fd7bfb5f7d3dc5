import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, randomBytes } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { CODEC_DEFLATE, CODEC_NONE, compressChunk, decompressChunk } from './codec.js';
import { openChunk, padme, PackWriter, readPackEntries } from './pack.js';

beforeAll(cryptoReady);

function code(f: () => unknown): ErrorCode | 'none' | 'other' {
  try {
    f();
    return 'none';
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
}

const same = (a: Uint8Array, b: Uint8Array | undefined) =>
  b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

const text = (n: number) =>
  new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(n));

describe('chunk codecs', () => {
  it('compresses text, stores random bytes as they are, and round-trips both', () => {
    const t = compressChunk(text(5000));
    expect(t.codec).toBe(CODEC_DEFLATE);
    expect(t.payload.length).toBeLessThan(text(5000).length / 10);
    expect(same(decompressChunk(t.codec, t.payload, text(5000).length), text(5000))).toBe(true);
    const random = randomBytes(200_000);
    const r = compressChunk(random);
    expect(r.codec).toBe(CODEC_NONE);
    expect(same(decompressChunk(r.codec, r.payload, random.length), random)).toBe(true);
  });

  it('refuses a chunk that expands beyond its recorded size, or an unknown codec', () => {
    const bomb = deflateRawSync(new Uint8Array(10 << 20));
    expect(code(() => decompressChunk(CODEC_DEFLATE, bomb, 1000))).toBe('BACKUP_CORRUPT');
    expect(code(() => decompressChunk(CODEC_NONE, new Uint8Array(10), 11))).toBe('BACKUP_CORRUPT');
    expect(code(() => decompressChunk(9, new Uint8Array(10), 10))).toBe('BACKUP_CORRUPT');
  });
});

describe('packs', () => {
  const key = randomBytes(32);
  const repoId = randomBytes(16);
  const chunks = [text(3000), randomBytes(100_000), randomBytes(7), text(1)];
  const ids = chunks.map(() => randomBytes(32));
  function build() {
    const writer = new PackWriter(key, repoId);
    chunks.forEach((c, i) => writer.add(ids[i]!, c));
    return writer.finish();
  }

  it('pads to a Padmé size class, is named by its SHA-256, and gives every chunk back', () => {
    const pack = build();
    expect(pack.bytes.length).toBe(padme(pack.bytes.length));
    expect(pack.id).toBe(createHash('sha256').update(pack.bytes).digest('hex'));
    const entries = readPackEntries(key, repoId, pack.bytes);
    expect(entries).toEqual(pack.entries);
    entries.forEach((e, i) => {
      expect(e.chunkId).toEqual(ids[i]);
      expect(e.plainLength).toBe(chunks[i]!.length);
      const blob = pack.bytes.subarray(e.offset, e.offset + e.length);
      expect(same(openChunk(key, repoId, e.chunkId, blob), chunks[i])).toBe(true);
    });
  });

  it('Padmé wastes at most ~12 % and only a few percent for packs of MiBs', () => {
    for (const n of [1, 100, 4097, 1 << 20, (16 << 20) + 1, 17_000_000]) {
      expect(padme(n)).toBeGreaterThanOrEqual(n);
      expect(padme(n)).toBeLessThanOrEqual(n * 1.12 + 1);
    }
    expect(padme((16 << 20) + 1)).toBeLessThanOrEqual((16 << 20) * 1.035);
  });

  it('detects a flipped bit, a cut pack, a chunk under another id and another repository', () => {
    const pack = build();
    const [first] = pack.entries;
    const blob = pack.bytes.slice(first!.offset, first!.offset + first!.length);
    blob[blob.length >> 1]! ^= 1;
    expect(code(() => openChunk(key, repoId, first!.chunkId, blob))).toBe('BACKUP_TAMPERED');
    const good = pack.bytes.subarray(first!.offset, first!.offset + first!.length);
    expect(code(() => openChunk(key, repoId, ids[1]!, good))).toBe('BACKUP_TAMPERED');
    expect(code(() => openChunk(key, randomBytes(16), first!.chunkId, good))).toBe(
      'BACKUP_TAMPERED',
    );
    expect(
      code(() => readPackEntries(key, repoId, pack.bytes.subarray(0, pack.bytes.length - 1))),
    ).toBe('BACKUP_TAMPERED');
    expect(code(() => readPackEntries(key, repoId, pack.bytes.subarray(1)))).toBe(
      'BACKUP_TAMPERED',
    );
    const flipped = pack.bytes.slice();
    flipped[flipped.length - 60]! ^= 1;
    expect(code(() => readPackEntries(key, repoId, flipped))).toBe('BACKUP_TAMPERED');
  });
});
