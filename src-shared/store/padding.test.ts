import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import {
  MAX_VALUE_BYTES,
  PADDED_LENGTHS,
  padValue,
  paddedLength,
  paddingClass,
  unpadValue,
} from './padding.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('padding', () => {
  it('puts each length into the smallest class (64/256/1024/2048), plus the marker byte', () => {
    expect(paddingClass(0)).toBe(64);
    expect(paddingClass(64)).toBe(64);
    expect(paddingClass(65)).toBe(256);
    expect(paddingClass(256)).toBe(256);
    expect(paddingClass(257)).toBe(1024);
    expect(paddingClass(1024)).toBe(1024);
    expect(paddingClass(1025)).toBe(2048);
    expect(paddingClass(2048)).toBe(2048);
    expect(paddedLength(10)).toBe(65);
    expect(PADDED_LENGTHS).toEqual([65, 257, 1025, 2049]);
  });

  it('is ISO/IEC 7816-4 style: value ‖ 0x80 ‖ zeros', () => {
    const padded = padValue(new Uint8Array([1, 2, 3]));
    expect(padded).toHaveLength(65);
    expect([...padded.subarray(0, 4)]).toEqual([1, 2, 3, 0x80]);
    expect(padded.subarray(4).every((b) => b === 0)).toBe(true);
  });

  it('refuses values over 2048 bytes with STORE_VALUE_TOO_LARGE', () => {
    expect(code(() => padValue(new Uint8Array(MAX_VALUE_BYTES + 1)))).toBe('STORE_VALUE_TOO_LARGE');
    expect(padValue(new Uint8Array(MAX_VALUE_BYTES))).toHaveLength(2049);
  });

  it('round-trips every length, including values ending in 0x80 and zeros (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: MAX_VALUE_BYTES }), (value) => {
        const padded = padValue(value);
        expect(PADDED_LENGTHS).toContain(padded.length);
        expect(unpadValue(padded)).toEqual(value);
      }),
      { numRuns: 300 },
    );
    for (const value of [
      new Uint8Array([0x80]),
      new Uint8Array([0, 0]),
      new Uint8Array(64).fill(0x80),
    ]) {
      expect(unpadValue(padValue(value))).toEqual(value);
    }
  });

  it('refuses malformed padding', () => {
    expect(code(() => unpadValue(new Uint8Array(64)))).toBe('STORE_INVALID_RECORD'); // wrong length
    expect(code(() => unpadValue(new Uint8Array(65)))).toBe('STORE_INVALID_RECORD'); // no marker
    const wrongMarker = padValue(new Uint8Array([1]));
    wrongMarker[1] = 0x81;
    expect(code(() => unpadValue(wrongMarker))).toBe('STORE_INVALID_RECORD');
    // A short value placed in a bigger class than needed is not canonical.
    const big = new Uint8Array(257);
    big[3] = 0x80;
    expect(code(() => unpadValue(big))).toBe('STORE_INVALID_RECORD');
  });
});
