import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alignedBase64,
  parseKeyRegistry,
  scanFrames,
  SCAN_ENCODINGS,
  type ScanEncoding,
} from './secret-scan.js';

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** A secret without a run of equal bytes, with a small first byte (for the boundary tests). */
function secret(length: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(length));
  bytes[0] = 5;
  return bytes;
}

function blob(prefix: number, key: Uint8Array, suffix = 7): Buffer {
  return Buffer.concat([randomBytes(prefix), key, randomBytes(suffix)]);
}

/** Each encoding as code could leak it: the key inside a larger blob, `prefix` bytes in. */
function plant(encoding: ScanEncoding, key: Uint8Array, prefix: number): string {
  const b = blob(prefix, key);
  switch (encoding) {
    case 'raw':
      return JSON.stringify({ value: latin1(b) });
    case 'hex':
      return JSON.stringify({ value: b.toString('hex') });
    case 'HEX':
      return JSON.stringify({ value: b.toString('hex').toUpperCase() });
    case 'decimal':
      return prefix % 2 === 0
        ? JSON.stringify({ value: Array.from(b) })
        : `{"value":"${Array.from(b).join(', ')}"}`;
    case 'object':
      return JSON.stringify({ value: new Uint8Array(b) });
    case 'buffer-json':
      return JSON.stringify({ value: b });
    default: {
      const url = encoding.startsWith('base64url');
      return JSON.stringify({ value: b.toString(url ? 'base64url' : 'base64') });
    }
  }
}

function base64Alignment(prefix: number): 0 | 1 | 2 {
  return (prefix % 3) as 0 | 1 | 2;
}

describe('secret scan', () => {
  it('finds a 32- and a 64-byte key planted inside a larger blob at every alignment in every encoding', () => {
    for (const length of [32, 64]) {
      const key = secret(length);
      for (let prefix = 0; prefix < 9; prefix++) {
        for (const encoding of SCAN_ENCODINGS) {
          if (/@/.test(encoding) && !encoding.endsWith(`@${base64Alignment(prefix)}`)) continue;
          const frame = plant(encoding, key, prefix);
          const found = scanFrames(['{"unrelated":true}', frame], [{ kind: 'k', bytes: key }]);
          const encodings = found.filter((f) => f.frame === 1).map((f) => f.encoding);
          expect(encodings, `${encoding} at ${prefix} in ${length} bytes`).toContain(encoding);
          expect(found.filter((f) => f.frame === 0)).toEqual([]);
          if (encoding.startsWith('base64')) {
            // The alignment is exact: the other two find nothing.
            const aligned = encodings.filter((e) => e.startsWith('base64'));
            expect(aligned.every((e) => e.endsWith(`@${base64Alignment(prefix)}`))).toBe(true);
          }
        }
      }
    }
  });

  it('finds a 64-byte key in base64 at offsets not divisible by 3, which a whole-string search misses', () => {
    const key = secret(64);
    let missedByWholeString = 0;
    for (const prefix of [1, 2, 4, 5]) {
      const text = blob(prefix, key).toString('base64');
      const whole = Buffer.from(key).toString('base64').replace(/=+$/, '');
      if (!text.includes(whole)) missedByWholeString++;
      const found = scanFrames([JSON.stringify({ text })], [{ kind: 'k', bytes: key }]);
      // base64url's text is the same as base64's where it has no '+' or '/': both may report.
      const encodings = found.map((f) => f.encoding);
      expect(encodings).toContain(`base64@${prefix % 3}`);
      expect(encodings.every((e) => e.endsWith(`@${prefix % 3}`))).toBe(true);
    }
    expect(missedByWholeString).toBe(4);
  });

  it('finds only the keys that are there, and says which and in which frame', () => {
    const a = secret(32);
    const b = secret(32);
    const c = secret(32);
    const frames = [plant('hex', a, 3), '{}', plant('base64url@2', c, 5)];
    const found = scanFrames(frames, [
      { kind: 'a', bytes: a },
      { kind: 'b', bytes: b },
      { kind: 'c', bytes: c },
    ]);
    expect(found.map((f) => [f.kind, f.frame])).toContainEqual(['a', 0]);
    expect(found.map((f) => [f.kind, f.frame])).toContainEqual(['c', 2]);
    expect(found.some((f) => f.kind === 'b')).toBe(false);
  });

  it('does not match near misses', () => {
    const key = secret(32);
    const flipped = Uint8Array.from(key);
    flipped[16]! ^= 1;
    const reversed = Uint8Array.from(key).reverse();
    const half = key.subarray(0, 16);
    const frames: string[] = [];
    for (const encoding of SCAN_ENCODINGS) {
      for (const prefix of [0, 1, 2]) {
        frames.push(plant(encoding, flipped, prefix), plant(encoding, reversed, prefix));
        frames.push(plant(encoding, half, prefix));
      }
    }
    // A longer number before or after: "15,…" is not "5,…", "…,255" is not "…,2559" nor "…,25".
    key[31] = 255;
    const decimal = Array.from(key);
    frames.push(
      JSON.stringify([1, ...decimal.slice(0, 1).map((n) => Number(`1${n}`)), ...decimal.slice(1)]),
    );
    frames.push(`"${decimal.slice(0, -1).join(',')},${decimal.at(-1)}9"`);
    frames.push(`"${decimal.slice(0, -1).join(',')},25"`);
    frames.push(JSON.stringify({ ...new Uint8Array(key.subarray(0, 31)), 31: 2559 }));
    // An object with one index missing its value.
    frames.push(JSON.stringify({ ...new Uint8Array(key), 16: 'x' }));
    expect(scanFrames(frames, [{ kind: 'k', bytes: key }])).toEqual([]);
  });

  it('refuses a secret too short to search without chance matches', () => {
    expect(() => scanFrames([], [{ kind: 'short', bytes: new Uint8Array(8).fill(1) }])).toThrow(
      /shorter than 16 bytes/,
    );
  });

  it('takes from base64 only the characters that depend on the secret alone', () => {
    const key = secret(32);
    for (const offset of [0, 1, 2] as const) {
      const stable = alignedBase64(key, offset);
      // Different filler before and after: the stable part is always there.
      for (let i = 0; i < 5; i++) {
        const text = Buffer.concat([randomBytes(3 + offset), key, randomBytes(i)]).toString(
          'base64',
        );
        expect(text.includes(stable)).toBe(true);
      }
      expect(stable.length).toBeGreaterThanOrEqual(Math.floor((32 - 4) / 3) * 4);
    }
  });

  it('reads a key registry, once per value', () => {
    const text =
      '{"kind":"a","hex":"00ff"}\n{"kind":"b","hex":"00ff"}\n\n{"kind":"c","hex":"0102"}\n';
    expect(parseKeyRegistry(text)).toEqual([
      { kind: 'a', bytes: Uint8Array.of(0, 255) },
      { kind: 'c', bytes: Uint8Array.of(1, 2) },
    ]);
  });
});
