/**
 * Entry value padding (docs/design.md §4): values are padded before encryption so the server sees only
 * one of four sizes, never the exact length.
 *
 * A value of n bytes (0 ≤ n ≤ 2048) goes into the smallest size class C ∈ {64, 256, 1024, 2048}
 * with n ≤ C, padded ISO/IEC 7816-4 style:
 *
 *     padded = value ‖ 0x80 ‖ 0x00 × (C − n)          (C + 1 bytes)
 *
 * The marker byte is why a padded block is one byte longer than its class: a value may use the
 * whole class (a 2048-byte value is allowed) and still be unpadded without ambiguity. Unpadding
 * refuses any other length, a missing marker, and non-canonical padding (a value placed in a
 * larger class than needed), so every value has exactly one padded form.
 */
import { fail } from './internal.js';

export const PADDING_CLASSES = [64, 256, 1024, 2048] as const;
export const MAX_VALUE_BYTES = 2048;
const MARKER = 0x80;

/** The size class of a value length (`STORE_VALUE_TOO_LARGE` above 2048 bytes). */
export function paddingClass(valueLength: number): number {
  if (!Number.isSafeInteger(valueLength) || valueLength < 0) {
    return fail('INVALID_ARGUMENT', 'A value length must be a whole number ≥ 0.');
  }
  for (const size of PADDING_CLASSES) {
    if (valueLength <= size) return size;
  }
  return fail(
    'STORE_VALUE_TOO_LARGE',
    `A store value may be at most ${MAX_VALUE_BYTES} bytes; this one is ${valueLength} bytes. Store large files as attachments instead.`,
  );
}

/** The length of the padded form of a value of `valueLength` bytes. */
export function paddedLength(valueLength: number): number {
  return paddingClass(valueLength) + 1;
}

/** The padded lengths that can occur (65, 257, 1025, 2049). */
export const PADDED_LENGTHS: readonly number[] = PADDING_CLASSES.map((size) => size + 1);

/** Pads a value (at most 2048 bytes) to its size class. */
export function padValue(value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    return fail('INVALID_ARGUMENT', 'A store value must be bytes (Uint8Array).');
  }
  const out = new Uint8Array(paddedLength(value.length));
  out.set(value);
  out[value.length] = MARKER;
  return out;
}

/** Removes the padding; `STORE_INVALID_RECORD` if it is not exactly what `padValue` makes. */
export function unpadValue(padded: Uint8Array): Uint8Array {
  const malformed = (): never =>
    fail(
      'STORE_INVALID_RECORD',
      'A stored value is not padded correctly; the writer made it badly.',
    );
  if (!(padded instanceof Uint8Array) || !PADDED_LENGTHS.includes(padded.length)) malformed();
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== MARKER) malformed();
  if (paddedLength(end) !== padded.length) malformed();
  return padded.slice(0, end);
}
