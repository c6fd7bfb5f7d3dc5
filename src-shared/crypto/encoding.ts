/**
 * Byte encodings used on wires and in files: base64url (no padding), hex, UTF-8.
 * Platform-free (Buffer only when present) so schemas that use it also run in the renderer.
 */
import { BackboneError } from '../errors.js';

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Node's Buffer when there is one (Node, Electron main): native base64url is many times faster
 * than the portable code below, which matters when a client checks thousands of store records.
 * Looked up at run time, so the renderer (no Buffer) uses the portable code; both give the same
 * results.
 */
type NodeBuffer = Uint8Array & { toString(encoding: 'base64url'): string };
const NativeBuffer = (
  globalThis as {
    Buffer?: {
      from(data: ArrayBufferLike, offset: number, length: number): NodeBuffer;
      from(data: string, encoding: 'base64url'): NodeBuffer;
    };
  }
).Buffer;

export function toBase64Url(bytes: Uint8Array): string {
  if (NativeBuffer) {
    return NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
      'base64url',
    );
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) {
    throw new BackboneError('INVALID_ARGUMENT', 'Not valid base64url text.');
  }
  let out: Uint8Array;
  if (NativeBuffer) {
    // A plain Uint8Array copy: Buffer may share a pooled slab, and callers wipe what they get.
    out = new Uint8Array(NativeBuffer.from(text, 'base64url'));
  } else {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  }
  // Reject non-canonical encodings (unused trailing bits set): one text per byte string.
  if (toBase64Url(out) !== text) {
    throw new BackboneError('INVALID_ARGUMENT', 'Not canonical base64url text.');
  }
  return out;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >> 4]! + HEX[byte & 15]!;
  return out;
}

export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw new BackboneError('INVALID_ARGUMENT', 'Not valid hex text.');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding: invalid sequences throw instead of turning into U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new BackboneError('INVALID_ARGUMENT', 'Not valid UTF-8 text.', { cause });
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
