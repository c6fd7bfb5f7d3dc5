/**
 * Chunk compression behind a codec byte (docs/backup.md, "Chunks"). The codec byte travels inside
 * the encrypted chunk, so the host never learns which chunks compressed.
 *
 *   0  none     the bytes as they are
 *   1  deflate  raw DEFLATE (RFC 1951) from node:zlib, level 1
 *
 * zstd (the issue's choice) is not in Node 20's zlib; it gets the next codec byte when added.
 * "Where it helps": a 16 KiB sample of the chunk is compressed first, and a chunk whose sample
 * does not shrink below 90 % is stored as is — random or already-compressed data (photos, video,
 * archives) costs one small probe instead of a full compression pass. A compressed chunk that
 * ends up no smaller is stored as is too.
 *
 * Decompression is bounded by the chunk size the index records, so a hostile chunk cannot expand
 * into gigabytes. Node only (node:zlib).
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { BackboneError } from '../errors.js';

export const CODEC_NONE = 0;
export const CODEC_DEFLATE = 1;

export interface Codec {
  readonly id: number;
  readonly name: string;
  compress(data: Uint8Array): Uint8Array;
  /** Decompresses to exactly `size` bytes or fails with BACKUP_CORRUPT. */
  decompress(data: Uint8Array, size: number): Uint8Array;
}

function wrongSize(): BackboneError {
  return new BackboneError(
    'BACKUP_CORRUPT',
    'A chunk does not decompress to its recorded size: the repository is damaged.',
  );
}

const none: Codec = {
  id: CODEC_NONE,
  name: 'none',
  compress: (data) => data,
  decompress(data, size) {
    if (data.length !== size) throw wrongSize();
    return data;
  },
};

const deflate: Codec = {
  id: CODEC_DEFLATE,
  name: 'deflate',
  compress(data) {
    const out = deflateRawSync(data, { level: 1, strategy: constants.Z_DEFAULT_STRATEGY });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  decompress(data, size) {
    let out: Buffer;
    try {
      // One byte more than allowed, so an oversized result is seen rather than cut silently.
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, size + 1) });
    } catch (cause) {
      throw new BackboneError(
        'BACKUP_CORRUPT',
        'A chunk does not decompress: the repository is damaged.',
        {
          cause,
        },
      );
    }
    if (out.length !== size) throw wrongSize();
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
};

const CODECS: ReadonlyMap<number, Codec> = new Map([
  [none.id, none],
  [deflate.id, deflate],
]);

/** The codec for a codec byte (BACKUP_CORRUPT for an unknown one). */
export function codecById(id: number): Codec {
  const codec = CODECS.get(id);
  if (codec === undefined) {
    throw new BackboneError(
      'BACKUP_CORRUPT',
      `A chunk uses compression method ${id}, which this app does not know: update the app.`,
    );
  }
  return codec;
}

const PROBE_BYTES = 16 * 1024;
const PROBE_RATIO = 0.9;

/** Compresses where it helps: returns the codec used and the bytes to encrypt. */
export function compressChunk(
  data: Uint8Array,
  codec: Codec = deflate,
): { codec: number; payload: Uint8Array } {
  if (codec.id === CODEC_NONE || data.length < 64) return { codec: CODEC_NONE, payload: data };
  if (data.length > PROBE_BYTES) {
    const probe = codec.compress(data.subarray(0, PROBE_BYTES));
    if (probe.length > PROBE_BYTES * PROBE_RATIO) return { codec: CODEC_NONE, payload: data };
  }
  const payload = codec.compress(data);
  if (payload.length >= data.length) return { codec: CODEC_NONE, payload: data };
  return { codec: codec.id, payload };
}

/** Reverses compressChunk; `size` is the plaintext length recorded for the chunk. */
export function decompressChunk(codecId: number, payload: Uint8Array, size: number): Uint8Array {
  return codecById(codecId).decompress(payload, size);
}

export const DEFLATE_CODEC = deflate;
