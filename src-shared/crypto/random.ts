/**
 * Random bytes from the platform CSPRNG (WebCrypto, present in Node ≥ 19 and browsers).
 * libsodium's own generator is very slow under WebAssembly here, so nothing uses it.
 */
const MAX_CHUNK = 65536; // getRandomValues refuses more than 64 KiB per call

export type RandomSource = (length: number) => Uint8Array;

export const randomBytes: RandomSource = (length) => {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError('randomBytes: length must be a non-negative integer');
  }
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + MAX_CHUNK)));
  }
  return out;
};
