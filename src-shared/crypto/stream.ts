/**
 * Bulk encryption streams (backups, blobs): chunked authenticated encryption over async
 * iterables of bytes, in constant memory whatever the total size.
 *
 * Format v1 (see docs/streams.md for the full description and the rationale):
 *
 *   header = "BBST" ‖ version u8 (=1) ‖ suite u8 ‖ chunkSize u32le ‖ nonceMaterial
 *   frame  = kind u8 (0 = message, 1 = final) ‖ length u32le ‖ ciphertext(length + overhead)
 *   stream = header ‖ frame* ‖ final frame            (nothing may follow the final frame)
 *
 *   ctx        = BLAKE2b-256("backbone/stream/v1/ctx" ‖ 0x00 ‖ header ‖ associatedData)
 *   chunk AAD  = ctx ‖ index u64le ‖ kind u8 ‖ length u32le
 *
 * Suites (how each frame's ciphertext is made):
 *   1  secretstream — libsodium crypto_secretstream_xchacha20poly1305; nonceMaterial is its
 *      24-byte header; the frame's kind is also carried as the encrypted TAG_MESSAGE/TAG_FINAL.
 *   2  chacha20poly1305 — RFC 8439 ChaCha20-Poly1305 (IETF, 96-bit nonce) under a per-stream
 *      subkey = BLAKE2b-256(key = K, "backbone/stream/v1/chacha20poly1305/subkey" ‖ 0x00 ‖ salt),
 *      nonceMaterial = salt (32 random bytes), nonce = index u64le ‖ 0x000000 ‖ final u8.
 *
 * Suite 2 is the default (measured several times faster; see docs/streams.md). Its primitive is
 * standard, so it has two engines that produce identical bytes: a portable one on libsodium
 * (here, runs anywhere) and a native one on node:crypto (`src-shared/node/stream-node.ts`, Node only). The
 * engine is an explicit choice of the caller; the suite byte in the header says which format
 * a stream uses, so any engine for that suite decrypts it.
 *
 * Guarantees of `decryptStream`: every yielded chunk was authenticated first; a chunk that
 * fails is never yielded; the stream fails with CRYPTO_STREAM_TRUNCATED if the final frame is
 * missing (or a frame is cut), CRYPTO_DECRYPT_FAILED if a chunk does not authenticate (wrong
 * key or associated data, altered, reordered or replayed chunk), CRYPTO_STREAM_CORRUPT for
 * malformed framing or bytes after the final frame (checked before the final chunk is yielded),
 * UNSUPPORTED_VERSION for an unknown version or suite. Chunks yielded before a failure are
 * authentic but the stream as a whole is not: consumers must treat the output as tentative
 * until the iteration completes (e.g. write to a temporary file, rename at the end).
 */
import { BackboneError } from '../errors.js';
import { concatBytes, utf8 } from './encoding.js';
import { randomBytes, type RandomSource } from './random.js';
import {
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADERBYTES,
  SecretstreamPull,
  SecretstreamPush,
} from './secretstream.js';
import { cryptoReady, sodium } from './sodium.js';
import type { SymmetricKey } from './types.js';

export const STREAM_MAGIC = utf8('BBST');
export const STREAM_VERSION = 1;
export const STREAM_SUITE_SECRETSTREAM = 1;
export const STREAM_SUITE_CHACHA20POLY1305 = 2;
export type StreamSuiteId = typeof STREAM_SUITE_SECRETSTREAM | typeof STREAM_SUITE_CHACHA20POLY1305;
/** The suite new streams use unless the caller picks an engine of another suite. */
export const DEFAULT_STREAM_SUITE: StreamSuiteId = STREAM_SUITE_CHACHA20POLY1305;

/** Largest plaintext per chunk (and the default): 1 MiB. Decryption refuses larger. */
export const MAX_CHUNK_SIZE = 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = MAX_CHUNK_SIZE;

export const STREAM_KEYBYTES = 32;
/** Fixed part of the header: magic ‖ version ‖ suite ‖ chunkSize. */
export const STREAM_FIXED_HEADER_BYTES = 4 + 1 + 1 + 4;
export const FRAME_HEADER_BYTES = 1 + 4;
export const CHACHA_STREAM_SALTBYTES = 32;
export const CHACHA_STREAM_NONCEBYTES = 12;
export const CHACHA_STREAM_TAGBYTES = 16;

const KIND_MESSAGE = 0;
const KIND_FINAL = 1;
const CTX_DOMAIN = utf8('backbone/stream/v1/ctx\0');
const SUBKEY_DOMAIN = utf8('backbone/stream/v1/chacha20poly1305/subkey\0');

/** Position of a chunk in its stream, and the AAD it is sealed with. */
export interface ChunkInfo {
  /** 0-based chunk index. */
  index: number;
  /** True for the last chunk. */
  final: boolean;
  /** Chunk associated data: ctx ‖ index ‖ kind ‖ length (computed by this module). */
  aad: Uint8Array;
}

export interface StreamSealer {
  /** Per-stream public value written in the header (secretstream header or salt). */
  readonly nonceMaterial: Uint8Array;
  /** Encrypt one chunk; returns `prefix ‖ ciphertext` in one buffer. */
  seal(plaintext: Uint8Array, chunk: ChunkInfo, prefix: Uint8Array): Uint8Array;
  /** Wipe per-stream secrets. */
  dispose(): void;
}

export interface StreamOpener {
  /** Authenticate then decrypt one chunk; throws CRYPTO_DECRYPT_FAILED, returning nothing. */
  open(ciphertext: Uint8Array, chunk: ChunkInfo): Uint8Array;
  dispose(): void;
}

/** One implementation of one suite. */
export interface StreamEngine {
  readonly suite: StreamSuiteId;
  /** Human label, e.g. for benchmarks. */
  readonly name: string;
  readonly nonceMaterialBytes: number;
  /** Ciphertext expansion per chunk. */
  readonly overhead: number;
  createSealer(key: SymmetricKey, random: RandomSource): StreamSealer;
  createOpener(key: SymmetricKey, nonceMaterial: Uint8Array): StreamOpener;
}

function decryptFailed(): BackboneError {
  return new BackboneError(
    'CRYPTO_DECRYPT_FAILED',
    'A part of the encrypted data could not be authenticated: wrong key, wrong context, or ' +
      'the data was altered or reordered. Nothing from that part was used.',
  );
}

function corrupt(detail: string): BackboneError {
  return new BackboneError(
    'CRYPTO_STREAM_CORRUPT',
    `The encrypted data is damaged (${detail}). Restore it from another copy.`,
  );
}

function truncated(detail: string): BackboneError {
  return new BackboneError(
    'CRYPTO_STREAM_TRUNCATED',
    `The encrypted data is incomplete (${detail}). It may have been cut short while copying or ` +
      'downloading; fetch it again.',
  );
}

// ---------------------------------------------------------------------------------------------
// Suite 1: libsodium secretstream

export const secretstreamEngine: StreamEngine = {
  suite: STREAM_SUITE_SECRETSTREAM,
  name: 'secretstream (libsodium)',
  nonceMaterialBytes: SECRETSTREAM_HEADERBYTES,
  overhead: SECRETSTREAM_ABYTES,
  createSealer(key) {
    const push = SecretstreamPush.init(key);
    return {
      nonceMaterial: push.header,
      seal(plaintext, chunk, prefix) {
        const ct = push.push(plaintext, chunk.final ? 'final' : 'message', chunk.aad);
        return concatBytes(prefix, ct);
      },
      dispose() {
        push.dispose();
      },
    };
  },
  createOpener(key, nonceMaterial) {
    const pull = SecretstreamPull.init(key, nonceMaterial);
    return {
      open(ciphertext, chunk) {
        const { message, tag } = pull.pull(ciphertext, chunk.aad);
        if ((tag === 'final') !== chunk.final) {
          sodium().memzero(message);
          pull.dispose();
          throw corrupt('the end-of-stream marker does not match the frame');
        }
        return message;
      },
      dispose() {
        pull.dispose();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Suite 2: ChaCha20-Poly1305 (RFC 8439) under a per-stream BLAKE2b subkey

/** subkey = BLAKE2b-256(key = K, SUBKEY_DOMAIN ‖ salt). Shared by every suite-2 engine. */
export function deriveChaChaStreamSubkey(key: SymmetricKey, salt: Uint8Array): Uint8Array {
  checkKey(key);
  if (salt.length !== CHACHA_STREAM_SALTBYTES) {
    throw corrupt('the stream salt has the wrong length');
  }
  return sodium().crypto_generichash(32, concatBytes(SUBKEY_DOMAIN, salt), key);
}

/** nonce = index u64le ‖ 0x00 0x00 0x00 ‖ final (0x00 or 0x01). */
export function chachaStreamNonce(index: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(CHACHA_STREAM_NONCEBYTES);
  writeU64le(nonce, 0, index);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

/** Suite 2 on libsodium's crypto_aead_chacha20poly1305_ietf: runs anywhere. */
export const chacha20Poly1305Engine: StreamEngine = {
  suite: STREAM_SUITE_CHACHA20POLY1305,
  name: 'chacha20poly1305 (libsodium)',
  nonceMaterialBytes: CHACHA_STREAM_SALTBYTES,
  overhead: CHACHA_STREAM_TAGBYTES,
  createSealer(key, random) {
    const salt = random(CHACHA_STREAM_SALTBYTES);
    const subkey = deriveChaChaStreamSubkey(key, salt);
    return {
      nonceMaterial: salt,
      seal(plaintext, chunk, prefix) {
        const ct = sodium().crypto_aead_chacha20poly1305_ietf_encrypt(
          plaintext,
          chunk.aad,
          null,
          chachaStreamNonce(chunk.index, chunk.final),
          subkey,
        );
        return concatBytes(prefix, ct);
      },
      dispose() {
        sodium().memzero(subkey);
      },
    };
  },
  createOpener(key, nonceMaterial) {
    const subkey = deriveChaChaStreamSubkey(key, nonceMaterial);
    return {
      open(ciphertext, chunk) {
        if (ciphertext.length < CHACHA_STREAM_TAGBYTES) throw decryptFailed();
        try {
          return sodium().crypto_aead_chacha20poly1305_ietf_decrypt(
            null,
            ciphertext,
            chunk.aad,
            chachaStreamNonce(chunk.index, chunk.final),
            subkey,
          );
        } catch {
          throw decryptFailed();
        }
      },
      dispose() {
        sodium().memzero(subkey);
      },
    };
  },
};

/** Engines that run anywhere (libsodium only). */
export const PORTABLE_STREAM_ENGINES: readonly StreamEngine[] = [
  chacha20Poly1305Engine,
  secretstreamEngine,
];

// ---------------------------------------------------------------------------------------------
// Byte helpers

function writeU32le(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >>> 8) & 0xff;
  out[offset + 2] = (value >>> 16) & 0xff;
  out[offset + 3] = (value >>> 24) & 0xff;
}

function readU32le(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function writeU64le(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BackboneError('INVALID_ARGUMENT', 'Stream chunk index out of range.');
  }
  writeU32le(out, offset, value % 0x1_0000_0000);
  writeU32le(out, offset + 4, Math.floor(value / 0x1_0000_0000));
}

function checkKey(key: SymmetricKey): void {
  if (!(key instanceof Uint8Array) || key.length !== STREAM_KEYBYTES) {
    throw new BackboneError('CRYPTO_INVALID_KEY', `A stream key must be ${STREAM_KEYBYTES} bytes.`);
  }
}

function streamContext(header: Uint8Array, associatedData: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, concatBytes(CTX_DOMAIN, header, associatedData), null);
}

function frameHeader(final: boolean, length: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  out[0] = final ? KIND_FINAL : KIND_MESSAGE;
  writeU32le(out, 1, length);
  return out;
}

function chunkAad(ctx: Uint8Array, index: number, frame: Uint8Array): Uint8Array {
  const aad = new Uint8Array(ctx.length + 8 + FRAME_HEADER_BYTES);
  aad.set(ctx, 0);
  writeU64le(aad, ctx.length, index);
  aad.set(frame, ctx.length + 8);
  return aad;
}

/**
 * Exact-size reads over an async iterable of byte chunks. Holds at most one source chunk and
 * asks for the next only after the previous one was fully copied out, so a source that reuses
 * its buffers is safe.
 */
class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    while (this.#pending.length === 0) {
      if (this.#done) return false;
      const next = await this.#it.next();
      if (next.done) {
        this.#done = true;
        return false;
      }
      if (!(next.value instanceof Uint8Array)) {
        throw new BackboneError(
          'INVALID_ARGUMENT',
          'A stream source must yield Uint8Array chunks.',
        );
      }
      this.#pending = next.value;
    }
    return true;
  }

  /** Fill `out` as far as the source allows; returns the byte count (short only at the end). */
  async readInto(out: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < out.length && (await this.#fill())) {
      const take = Math.min(out.length - filled, this.#pending.length);
      out.set(this.#pending.subarray(0, take), filled);
      this.#pending = this.#pending.subarray(take);
      filled += take;
    }
    return filled;
  }

  /** Bytes already received and not yet consumed (without asking the source). */
  get buffered(): number {
    return this.#pending.length;
  }

  /**
   * The next `n` bytes as a view into the source's chunk, without copying. Only when
   * `buffered >= n`. The view is valid until the next read: use it before reading again.
   */
  take(n: number): Uint8Array {
    if (n > this.#pending.length) throw new Error('ByteReader.take: not enough buffered bytes');
    const view = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return view;
  }

  /** True when the source has no more bytes (empty chunks are skipped). */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** Release the source (e.g. close a file) when stopping early. */
  async close(): Promise<void> {
    this.#pending = new Uint8Array(0);
    if (!this.#done) {
      this.#done = true;
      try {
        await this.#it.return?.();
      } catch {
        // The stream already ended or failed; a source that cannot close cleanly must not
        // hide that outcome.
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

export interface EncryptStreamOptions {
  /**
   * Context bound into every chunk, e.g. utf8("backbone/backup/v1") ‖ backupId. Decryption
   * with different bytes fails. Required: every stream states what it is.
   */
  associatedData: Uint8Array;
  /** Implementation (and so suite) to use. Default: portable suite 2 (libsodium). */
  engine?: StreamEngine;
  /** Plaintext bytes per chunk, 1 … MAX_CHUNK_SIZE. Default 1 MiB. */
  chunkSize?: number;
  /** Source of the suite-2 salt. Default: the platform CSPRNG. */
  random?: RandomSource;
}

export interface DecryptStreamOptions {
  /** Must equal the bytes given to encryptStream. */
  associatedData: Uint8Array;
  /** Engines allowed; the header's suite picks one. Default: PORTABLE_STREAM_ENGINES. */
  engines?: readonly StreamEngine[];
}

function checkAssociatedData(ad: unknown): asserts ad is Uint8Array {
  if (!(ad instanceof Uint8Array)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A stream needs associatedData (context bytes) as a Uint8Array.',
    );
  }
}

/**
 * Encrypt `source` (any chunking) into a Backbone stream: yields the header, then one frame
 * per chunk of `chunkSize` plaintext bytes (the last one possibly shorter or empty).
 */
export function encryptStream(
  key: SymmetricKey,
  source: AsyncIterable<Uint8Array>,
  options: EncryptStreamOptions,
): AsyncIterable<Uint8Array> {
  checkKey(key);
  checkAssociatedData(options?.associatedData);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `Stream chunk size must be an integer from 1 to ${MAX_CHUNK_SIZE}.`,
    );
  }
  const engine = options.engine ?? chacha20Poly1305Engine;
  const random = options.random ?? randomBytes;
  const associatedData = options.associatedData;
  return (async function* () {
    await cryptoReady();
    const sealer = engine.createSealer(key, random);
    const reader = new ByteReader(source);
    const buffer = new Uint8Array(chunkSize);
    try {
      const header = new Uint8Array(STREAM_FIXED_HEADER_BYTES + engine.nonceMaterialBytes);
      header.set(STREAM_MAGIC, 0);
      header[4] = STREAM_VERSION;
      header[5] = engine.suite;
      writeU32le(header, 6, chunkSize);
      if (sealer.nonceMaterial.length !== engine.nonceMaterialBytes) {
        throw new BackboneError('INTERNAL', 'Stream engine produced a wrong-sized header.');
      }
      header.set(sealer.nonceMaterial, STREAM_FIXED_HEADER_BYTES);
      const ctx = streamContext(header, associatedData);
      yield header;

      for (let index = 0; ; index++) {
        let plaintext: Uint8Array;
        let final: boolean;
        if (reader.buffered > chunkSize) {
          // More bytes follow this chunk for sure: seal straight from the source's buffer.
          plaintext = reader.take(chunkSize);
          final = false;
        } else {
          const filled = await reader.readInto(buffer);
          final = filled < chunkSize || (await reader.atEnd());
          plaintext = buffer.subarray(0, filled);
        }
        const frame = frameHeader(final, plaintext.length);
        const aad = chunkAad(ctx, index, frame);
        yield sealer.seal(plaintext, { index, final, aad }, frame);
        if (final) return;
      }
    } finally {
      sodium().memzero(buffer);
      sealer.dispose();
      await reader.close();
    }
  })();
}

/**
 * Decrypt a Backbone stream. Yields plaintext chunk by chunk, each only after it was
 * authenticated; throws a BackboneError (see the module comment) on any defect.
 */
export function decryptStream(
  key: SymmetricKey,
  source: AsyncIterable<Uint8Array>,
  options: DecryptStreamOptions,
): AsyncIterable<Uint8Array> {
  checkKey(key);
  checkAssociatedData(options?.associatedData);
  const engines = options.engines ?? PORTABLE_STREAM_ENGINES;
  const associatedData = options.associatedData;
  return (async function* () {
    await cryptoReady();
    const reader = new ByteReader(source);
    let opener: StreamOpener | undefined;
    try {
      const fixed = new Uint8Array(STREAM_FIXED_HEADER_BYTES);
      const got = await reader.readInto(fixed);
      if (got === 0) throw truncated('it is empty');
      // Check the magic and version on whatever arrived, so a short foreign file is "not a
      // stream" rather than "incomplete".
      for (let i = 0; i < Math.min(got, STREAM_MAGIC.length); i++) {
        if (fixed[i] !== STREAM_MAGIC[i]) throw corrupt('it is not a Backbone encrypted stream');
      }
      if (got > 4 && fixed[4] !== STREAM_VERSION) {
        throw new BackboneError(
          'UNSUPPORTED_VERSION',
          `This encrypted stream has format version ${fixed[4]}, which this version of Backbone ` +
            'does not know. Update Backbone to open it.',
        );
      }
      if (got < fixed.length) throw truncated('the header is cut short');
      const suite = fixed[5]!;
      const engine = engines.find((e) => e.suite === suite);
      if (engine === undefined) {
        throw new BackboneError(
          'UNSUPPORTED_VERSION',
          suite === STREAM_SUITE_SECRETSTREAM || suite === STREAM_SUITE_CHACHA20POLY1305
            ? `This encrypted stream uses cipher suite ${suite}, which is not enabled here.`
            : `This encrypted stream uses cipher suite ${suite}, which this version of Backbone ` +
                'does not know. Update Backbone to open it.',
        );
      }
      const chunkSize = readU32le(fixed, 6);
      if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw corrupt('invalid chunk size');
      const nonceMaterial = new Uint8Array(engine.nonceMaterialBytes);
      if ((await reader.readInto(nonceMaterial)) < nonceMaterial.length) {
        throw truncated('the header is cut short');
      }
      const header = concatBytes(fixed, nonceMaterial);
      const ctx = streamContext(header, associatedData);
      opener = engine.createOpener(key, nonceMaterial);

      const frame = new Uint8Array(FRAME_HEADER_BYTES);
      const body = new Uint8Array(chunkSize + engine.overhead);
      for (let index = 0; ; index++) {
        const frameBytes = await reader.readInto(frame);
        if (frameBytes === 0) throw truncated('the end-of-stream marker is missing');
        if (frameBytes < FRAME_HEADER_BYTES) throw truncated('a chunk is cut short');
        const kind = frame[0];
        if (kind !== KIND_MESSAGE && kind !== KIND_FINAL) throw corrupt('unknown chunk kind');
        const final = kind === KIND_FINAL;
        const length = readU32le(frame, 1);
        if (length > chunkSize) throw corrupt('a chunk is larger than the stream allows');
        const need = length + engine.overhead;
        let ciphertext: Uint8Array;
        if (reader.buffered >= need) {
          ciphertext = reader.take(need); // opened below before the next read
        } else {
          ciphertext = body.subarray(0, need);
          if ((await reader.readInto(ciphertext)) < need) throw truncated('a chunk is cut short');
        }
        const aad = chunkAad(ctx, index, frame);
        const plaintext = opener.open(ciphertext, { index, final, aad });
        if (plaintext.length !== length) {
          sodium().memzero(plaintext);
          throw corrupt('a chunk has the wrong length');
        }
        if (final) {
          if (!(await reader.atEnd())) {
            sodium().memzero(plaintext);
            throw corrupt('data follows the end of the stream');
          }
          yield plaintext;
          return;
        }
        yield plaintext;
      }
    } finally {
      opener?.dispose();
      await reader.close();
    }
  })();
}

/** Convenience: collect a whole (small) async iterable of bytes. Tests and small blobs only. */
export async function collectBytes(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return concatBytes(...parts);
}

/** Convenience: an async iterable over the given byte arrays. */
export async function* bytesSource(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield part;
}
