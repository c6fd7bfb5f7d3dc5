/**
 * Content-defined chunking, FastCDC-style (Xia et al., 2016/2020): a gear rolling hash, cut-point
 * skipping (nothing is hashed before `min`), normalized chunking (a stricter mask before `avg`,
 * a looser one after), and a hard cut at `max`. An insertion or deletion moves only the
 * boundaries around it, so the chunks before and after it — and their ids — stay the same.
 *
 * The gear table (256 × u32) is derived from a repository secret (the chunker key of keys.ts),
 * so the boundaries, and hence the chunk lengths, do not follow from the content alone: nobody
 * without the key can predict where a known file is cut (docs/backup.md, "what the host learns").
 *
 * Streaming: `chunkStream` reads an async iterable of byte buffers of any sizes and yields chunks
 * that are fresh copies the caller owns. Memory is one buffer of `max` bytes whatever the input
 * size; the cut points depend only on the bytes, never on how the input was split.
 *
 * Default sizes 512 KiB / 1 MiB / 8 MiB (restic's): about 1 MiB average keeps the per-chunk costs
 * (one index entry, one AEAD nonce and tag, one hash finalization) below 0.01 % of the data and
 * lets cut-point skipping leave half the bytes unhashed, while still deduplicating edits inside
 * large files to within about a megabyte. `max` = 8 × avg caps the buffer at 8 MiB.
 */
import { BackboneError } from '../errors.js';
import { blake2bKeyed } from '../crypto/index.js';

export interface ChunkerParams {
  /** Smallest chunk (except the last of a stream), bytes. */
  min: number;
  /** Normal ("average") chunk size, a power of two, bytes. */
  avg: number;
  /** Largest chunk, bytes: a cut is forced here. */
  max: number;
}

export const DEFAULT_CHUNKER_PARAMS: Readonly<ChunkerParams> = Object.freeze({
  min: 512 * 1024,
  avg: 1024 * 1024,
  max: 8 * 1024 * 1024,
});

/** Bounds a repository header may ask for (a hostile header could otherwise ask for 4 GiB). */
export const CHUNKER_LIMITS = Object.freeze({ minMin: 64, maxMax: 16 * 1024 * 1024 });

/** Normalization level: the masks have log2(avg) ± 2 bits (FastCDC's recommended level). */
const NORMALIZATION = 2;
/** Bytes appended to the working buffer per step; bounds the bytes moved after each cut. */
const APPEND_STEP = 256 * 1024;
const GEAR_DOMAIN = new TextEncoder().encode('backbone/backup/v1/gear');

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Checks chunker parameters (from our settings or from a repository header). */
export function assertChunkerParams(p: ChunkerParams): void {
  const ok =
    typeof p === 'object' &&
    p !== null &&
    Number.isSafeInteger(p.min) &&
    Number.isSafeInteger(p.max) &&
    isPowerOfTwo(p.avg) &&
    p.min >= CHUNKER_LIMITS.minMin &&
    p.min < p.avg &&
    p.avg < p.max &&
    p.max <= CHUNKER_LIMITS.maxMax &&
    Math.log2(p.avg) - NORMALIZATION >= 1 &&
    Math.log2(p.avg) + NORMALIZATION <= 31;
  if (!ok) {
    throw new BackboneError(
      'BACKUP_CORRUPT',
      `Chunk sizes must satisfy ${CHUNKER_LIMITS.minMin} ≤ min < avg < max ≤ ${CHUNKER_LIMITS.maxMax} bytes with avg a power of two.`,
    );
  }
}

/**
 * The 256-entry gear table from a 32-byte chunker key: entry i is bytes 4(i mod 8)…+4 (u32le) of
 * BLAKE2b-256(key, domain ‖ u8(i div 8)).
 */
export function gearTable(chunkerKey: Uint8Array): Uint32Array {
  const table = new Uint32Array(256);
  const input = new Uint8Array(GEAR_DOMAIN.length + 1);
  input.set(GEAR_DOMAIN, 0);
  for (let block = 0; block < 32; block++) {
    input[GEAR_DOMAIN.length] = block;
    const out = blake2bKeyed(chunkerKey, input, 32);
    const view = new DataView(out.buffer, out.byteOffset, out.length);
    for (let j = 0; j < 8; j++) table[block * 8 + j] = view.getUint32(j * 4, true);
    out.fill(0);
  }
  return table;
}

/** A mask of `bits` one-bits at the top of a 32-bit word (the gear hash's widest window). */
function topMask(bits: number): number {
  return (0xffffffff << (32 - bits)) | 0;
}

export class Chunker {
  readonly params: Readonly<ChunkerParams>;
  private readonly gear: Uint32Array;
  private readonly maskS: number;
  private readonly maskL: number;

  constructor(chunkerKey: Uint8Array, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS) {
    assertChunkerParams(params);
    this.params = Object.freeze({ ...params });
    this.gear = gearTable(chunkerKey);
    const bits = Math.log2(params.avg);
    this.maskS = topMask(bits + NORMALIZATION);
    this.maskL = topMask(bits - NORMALIZATION);
  }

  /**
   * Where the first chunk of `data[0, length)` ends, or -1 if no cut is found and `length` is
   * below `max` (more data may move the cut). Scanning restarts at 0 every call; the caller
   * resumes through `scan` below.
   */
  cutPoint(data: Uint8Array, length: number = data.length): number {
    const state = { pos: 0, hash: 0 };
    return this.scan(data, length, state, true);
  }

  /**
   * Scans `data[state.pos, length)` for a cut, updating `state` so a later call with more data
   * continues where this one stopped. Returns the cut (chunk length) or -1. With `final`, the end
   * of the data is a cut too.
   */
  scan(
    data: Uint8Array,
    length: number,
    state: { pos: number; hash: number },
    final: boolean,
  ): number {
    const { min, avg, max } = this.params;
    const gear = this.gear;
    if (length <= min) return final ? length : -1;
    let i = state.pos < min ? min : state.pos;
    let h = state.hash;
    const end = length < max ? length : max;
    const mid = end < avg ? end : avg;
    const maskS = this.maskS;
    for (; i < mid; i++) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskS) === 0) return i + 1;
    }
    const maskL = this.maskL;
    for (; i < end; i++) {
      h = ((h << 1) + gear[data[i]!]!) | 0;
      if ((h & maskL) === 0) return i + 1;
    }
    if (end === max) return max;
    state.pos = i;
    state.hash = h;
    return final ? length : -1;
  }

  /** Splits a stream into chunks (fresh copies). Memory: one `max`-byte buffer. */
  async *chunkStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const { max } = this.params;
    const buf = new Uint8Array(max);
    let len = 0;
    const state = { pos: 0, hash: 0 };
    const emit = (cut: number): Uint8Array => {
      const chunk = buf.slice(0, cut);
      buf.copyWithin(0, cut, len);
      len -= cut;
      state.pos = 0;
      state.hash = 0;
      return chunk;
    };
    for await (const piece of source) {
      if (!(piece instanceof Uint8Array)) {
        throw new BackboneError('INVALID_ARGUMENT', 'A chunker reads byte buffers only.');
      }
      let offset = 0;
      while (offset < piece.length) {
        const take = Math.min(piece.length - offset, max - len, APPEND_STEP);
        buf.set(piece.subarray(offset, offset + take), len);
        len += take;
        offset += take;
        for (;;) {
          const cut = this.scan(buf, len, state, false);
          if (cut < 0) break;
          yield emit(cut);
        }
      }
    }
    while (len > 0) {
      const cut = this.scan(buf, len, state, true);
      yield emit(cut);
    }
  }
}
