/**
 * Node-only stream engine: suite 2 (ChaCha20-Poly1305, RFC 8439, per-stream BLAKE2b subkey) on
 * OpenSSL through `node:crypto`. It produces exactly the bytes of the portable libsodium engine
 * in `stream.ts` (tests check both directions) and is several times faster (docs/streams.md).
 *
 * This is the only file of the stream code that imports `node:crypto`; `stream.ts` stays
 * platform-free. Node processes (main, server, CLI) should encrypt and decrypt through
 * `encryptStreamNode` / `decryptStreamNode` (or pass `nativeChaCha20Poly1305Engine` /
 * `NODE_STREAM_ENGINES` explicitly); the renderer uses `stream.ts` as is.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { BackboneError } from '../errors.js';
import {
  sodium,
  type SymmetricKey,
  CHACHA_STREAM_SALTBYTES,
  CHACHA_STREAM_TAGBYTES,
  STREAM_SUITE_CHACHA20POLY1305,
  chachaStreamNonce,
  decryptStream,
  deriveChaChaStreamSubkey,
  encryptStream,
  secretstreamEngine,
  type DecryptStreamOptions,
  type EncryptStreamOptions,
  type StreamEngine,
} from '../crypto/index.js';

const ALGORITHM = 'chacha20-poly1305';

/**
 * The subkey goes into an OpenSSL KeyObject once per stream (it cannot be wiped from there;
 * it is freed with the object); the JS copy is wiped at once.
 */
function subkeyObject(key: SymmetricKey, salt: Uint8Array): KeyObject {
  const subkey = deriveChaChaStreamSubkey(key, salt);
  try {
    return createSecretKey(subkey);
  } finally {
    sodium().memzero(subkey);
  }
}

function decryptFailed(): BackboneError {
  return new BackboneError(
    'CRYPTO_DECRYPT_FAILED',
    'A part of the encrypted data could not be authenticated: wrong key, wrong context, or ' +
      'the data was altered or reordered. Nothing from that part was used.',
  );
}

export const nativeChaCha20Poly1305Engine: StreamEngine = {
  suite: STREAM_SUITE_CHACHA20POLY1305,
  name: 'chacha20poly1305 (node:crypto)',
  nonceMaterialBytes: CHACHA_STREAM_SALTBYTES,
  overhead: CHACHA_STREAM_TAGBYTES,
  createSealer(key, random) {
    const salt = random(CHACHA_STREAM_SALTBYTES);
    let subkey: KeyObject | undefined = subkeyObject(key, salt);
    return {
      nonceMaterial: salt,
      seal(plaintext, chunk, prefix) {
        if (subkey === undefined) {
          throw new BackboneError('INVALID_ARGUMENT', 'This stream is already closed.');
        }
        const nonce = chachaStreamNonce(chunk.index, chunk.final);
        const cipher = createCipheriv(ALGORITHM, subkey, nonce, {
          authTagLength: CHACHA_STREAM_TAGBYTES,
        });
        cipher.setAAD(chunk.aad, { plaintextLength: plaintext.length });
        const body = cipher.update(plaintext);
        const rest = cipher.final();
        const tag = cipher.getAuthTag();
        // Every byte is written below, so skip the zero-fill; "Slow" = never from the shared pool.
        const out = Buffer.allocUnsafeSlow(prefix.length + body.length + rest.length + tag.length);
        out.set(prefix, 0);
        out.set(body, prefix.length);
        out.set(rest, prefix.length + body.length);
        out.set(tag, prefix.length + body.length + rest.length);
        return new Uint8Array(out.buffer, out.byteOffset, out.length);
      },
      dispose() {
        subkey = undefined;
      },
    };
  },
  createOpener(key, nonceMaterial) {
    let subkey: KeyObject | undefined = subkeyObject(key, nonceMaterial);
    return {
      open(ciphertext, chunk) {
        if (subkey === undefined || ciphertext.length < CHACHA_STREAM_TAGBYTES) {
          throw decryptFailed();
        }
        const split = ciphertext.length - CHACHA_STREAM_TAGBYTES;
        const nonce = chachaStreamNonce(chunk.index, chunk.final);
        const decipher = createDecipheriv(ALGORITHM, subkey, nonce, {
          authTagLength: CHACHA_STREAM_TAGBYTES,
        });
        decipher.setAAD(chunk.aad, { plaintextLength: split });
        decipher.setAuthTag(ciphertext.subarray(split));
        // OpenSSL decrypts before it verifies: keep the output private until final() passes.
        const body = decipher.update(ciphertext.subarray(0, split));
        let rest: Buffer;
        try {
          rest = decipher.final();
        } catch {
          body.fill(0);
          throw decryptFailed();
        }
        if (rest.length === 0) {
          return new Uint8Array(body.buffer, body.byteOffset, body.length);
        }
        const out = new Uint8Array(body.length + rest.length);
        out.set(body, 0);
        out.set(rest, body.length);
        body.fill(0);
        return out;
      },
      dispose() {
        subkey = undefined;
      },
    };
  },
};

/** Engines for Node processes: native suite 2 first, libsodium secretstream for suite 1. */
export const NODE_STREAM_ENGINES: readonly StreamEngine[] = [
  nativeChaCha20Poly1305Engine,
  secretstreamEngine,
];

/** `encryptStream` with the native suite-2 engine unless `options.engine` says otherwise. */
export function encryptStreamNode(
  key: SymmetricKey,
  source: AsyncIterable<Uint8Array>,
  options: EncryptStreamOptions,
): AsyncIterable<Uint8Array> {
  return encryptStream(key, source, {
    ...options,
    engine: options.engine ?? nativeChaCha20Poly1305Engine,
  });
}

/** `decryptStream` with NODE_STREAM_ENGINES unless `options.engines` says otherwise. */
export function decryptStreamNode(
  key: SymmetricKey,
  source: AsyncIterable<Uint8Array>,
  options: DecryptStreamOptions,
): AsyncIterable<Uint8Array> {
  return decryptStream(key, source, {
    ...options,
    engines: options.engines ?? NODE_STREAM_ENGINES,
  });
}
