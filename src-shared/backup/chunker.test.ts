import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cryptoReady } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { Chunker, DEFAULT_CHUNKER_PARAMS, gearTable, type ChunkerParams } from './chunker.js';

const SMALL: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };
const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function prng(length: number, seed: number): Uint8Array {
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

async function* pieces(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let k = 0;
  while (offset < data.length) {
    const size = sizes[k++ % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function chunks(chunker: Chunker, data: Uint8Array, sizes = [data.length || 1]) {
  const out: Uint8Array[] = [];
  for await (const c of chunker.chunkStream(pieces(data, sizes))) out.push(c);
  return out;
}

const digest = (c: Uint8Array) => createHash('sha256').update(c).digest('hex');
const lengths = (cs: Uint8Array[]) => cs.map((c) => c.length);

beforeAll(cryptoReady);

describe('FastCDC chunker', () => {
  it('is deterministic and independent of how the input is split', async () => {
    const data = prng(1 << 20, 1);
    const chunker = new Chunker(KEY, SMALL);
    const whole = await chunks(chunker, data);
    const split = await chunks(chunker, data, [1, 4095, 70000, 13, 65536, 333]);
    expect(lengths(split)).toEqual(lengths(whole));
    expect(Buffer.concat(split).equals(Buffer.from(data))).toBe(true);
    expect(lengths(await chunks(new Chunker(KEY, SMALL), data))).toEqual(lengths(whole));
  });

  it('keeps every chunk but the last within [min, max] and averages near avg', async () => {
    const data = prng(4 << 20, 2);
    const cs = await chunks(new Chunker(KEY, SMALL), data, [100000]);
    for (const c of cs.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(SMALL.min);
      expect(c.length).toBeLessThanOrEqual(SMALL.max);
    }
    const mean = data.length / cs.length;
    expect(mean).toBeGreaterThan(SMALL.avg / 2);
    expect(mean).toBeLessThan(SMALL.avg * 2);
  });

  it('cuts at max when the content never matches (constant bytes)', async () => {
    const data = new Uint8Array(SMALL.max * 3 + 100);
    const cs = await chunks(new Chunker(KEY, SMALL), data, [5000]);
    expect(lengths(cs)).toEqual([SMALL.max, SMALL.max, SMALL.max, 100]);
  });

  it('gives a stream shorter than min as one chunk, and nothing for an empty one', async () => {
    const chunker = new Chunker(KEY, SMALL);
    expect(lengths(await chunks(chunker, prng(100, 3)))).toEqual([100]);
    expect(await chunks(chunker, new Uint8Array(0))).toEqual([]);
  });

  it('changes only the chunks around an insertion in the middle', async () => {
    const data = prng(2 << 20, 4);
    const middle = data.length >> 1;
    const edited = Buffer.concat([
      data.subarray(0, middle),
      Buffer.from('an insertion in the middle'),
      data.subarray(middle),
    ]);
    const chunker = new Chunker(KEY, SMALL);
    const before = new Set((await chunks(chunker, data)).map(digest));
    const after = (await chunks(chunker, edited)).map(digest);
    const changed = after.filter((c) => !before.has(c));
    expect(after.length).toBeGreaterThan(100);
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(3);
  });

  it('cuts elsewhere under another key (boundaries do not follow from the content alone)', async () => {
    const data = prng(1 << 20, 5);
    const a = lengths(await chunks(new Chunker(KEY, SMALL), data));
    const b = lengths(await chunks(new Chunker(OTHER_KEY, SMALL), data));
    expect(a).not.toEqual(b);
    expect(Array.from(gearTable(KEY))).not.toEqual(Array.from(gearTable(OTHER_KEY)));
  });

  it('works with the default 512 KiB / 1 MiB / 8 MiB sizes', async () => {
    const data = prng(12 << 20, 6);
    const cs = await chunks(new Chunker(KEY), data, [1 << 16]);
    for (const c of cs.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(DEFAULT_CHUNKER_PARAMS.min);
      expect(c.length).toBeLessThanOrEqual(DEFAULT_CHUNKER_PARAMS.max);
    }
    expect(cs.length).toBeGreaterThan(3);
    expect(cs.reduce((n, c) => n + c.length, 0)).toBe(data.length);
  });

  it('refuses parameters out of bounds (a hostile header)', () => {
    for (const bad of [
      { min: 8, avg: 8192, max: 65536 },
      { min: 2048, avg: 8000, max: 65536 },
      { min: 2048, avg: 8192, max: 1 << 30 },
      { min: 9000, avg: 8192, max: 65536 },
    ]) {
      let caught: unknown;
      try {
        new Chunker(KEY, bad);
      } catch (error) {
        caught = error;
      }
      expect(isBackboneError(caught, 'BACKUP_CORRUPT')).toBe(true);
    }
  });
});
