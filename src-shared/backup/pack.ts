/**
 * Packs (docs/backup.md, "Packs"): encrypted chunks stored together in files of several MiB,
 * padded to a size class, named by the SHA-256 of their bytes (content-addressed, so an upload is
 * idempotent and the host can check what it stores without any key).
 *
 *   pack    = blob* ‖ padding (random) ‖ trailer ‖ locator
 *   blob    = seal(data key, inner, AD = "backbone/backup/chunk/v1\0" ‖ repoId ‖ chunkId)
 *   inner   = codec u8 ‖ plainLength u32le ‖ payload            (payload: codec.ts)
 *   trailer = seal(data key, "BBPT" ‖ version u8 ‖ count u32le ‖ entry*, AD = "…/pack-trailer/v1\0" ‖ repoId)
 *   entry   = chunkId (32) ‖ offset u32le ‖ length u32le ‖ plainLength u32le
 *   locator = seal(data key, trailerOffset u32le ‖ trailerLength u32le, AD = "…/pack-locator/v1\0" ‖ repoId)
 *             (fixed 48 bytes: the last bytes of every pack)
 *
 * seal = XChaCha20-Poly1305 with a random nonce (seal.ts). The total length is padded with Padmé
 * (Nikitin et al., PURBs 2019: at most ~3 % overhead for packs of a few MiB, and the length leaks
 * only O(log log L) bits); random padding and the encrypted locator hide where the blobs end and
 * how many chunks a pack holds. A reader fetches the locator, then the trailer, then any blob.
 */
import { createHash } from 'node:crypto';
import { randomBytes, type RandomSource } from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { compressChunk, decompressChunk, DEFLATE_CODEC, type Codec } from './codec.js';
import { CHUNKER_LIMITS } from './chunker.js';
import { CHUNK_ID_BYTES } from './keys.js';
import { open, seal, SEAL_OVERHEAD_BYTES } from './seal.js';

const enc = new TextEncoder();
const CHUNK_AD = enc.encode('backbone/backup/chunk/v1\0');
const TRAILER_AD = enc.encode('backbone/backup/pack-trailer/v1\0');
const LOCATOR_AD = enc.encode('backbone/backup/pack-locator/v1\0');
const TRAILER_MAGIC = enc.encode('BBPT');
const TRAILER_VERSION = 1;
const ENTRY_BYTES = CHUNK_ID_BYTES + 12;
export const LOCATOR_BYTES = 8 + SEAL_OVERHEAD_BYTES;
const INNER_HEADER_BYTES = 5;
/** Packs never exceed this (u32 offsets, and a bound for readers). */
export const PACK_MAX_BYTES = 1 << 30;

export interface PackEntry {
  chunkId: Uint8Array;
  /** Offset of the blob in the pack. */
  offset: number;
  /** Length of the blob (sealed). */
  length: number;
  /** Length of the chunk's plaintext. */
  plainLength: number;
}

function corrupt(what: string): BackboneError {
  return new BackboneError('BACKUP_TAMPERED', `A pack is damaged or was altered: ${what}.`);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Padmé: the padded length for `length` bytes. */
export function padme(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const step = 2 ** lastBits;
  return Math.ceil(length / step) * step;
}

/** The pack id: SHA-256 of the pack bytes, lowercase hex. */
export function packId(pack: Uint8Array): string {
  return createHash('sha256').update(pack).digest('hex');
}

export function chunkAd(repoId: Uint8Array, chunkId: Uint8Array): Uint8Array {
  return cat(CHUNK_AD, repoId, chunkId);
}

/** Encrypts one chunk as a blob (compressing where it helps). */
export function sealChunk(
  dataKey: Uint8Array,
  repoId: Uint8Array,
  chunkId: Uint8Array,
  plaintext: Uint8Array,
  codec: Codec = DEFLATE_CODEC,
  random: RandomSource = randomBytes,
): Uint8Array {
  const { codec: codecId, payload } = compressChunk(plaintext, codec);
  const inner = new Uint8Array(INNER_HEADER_BYTES + payload.length);
  inner[0] = codecId;
  new DataView(inner.buffer).setUint32(1, plaintext.length, true);
  inner.set(payload, INNER_HEADER_BYTES);
  return seal(dataKey, inner, chunkAd(repoId, chunkId), random);
}

/** Decrypts a blob to the chunk's plaintext (BACKUP_TAMPERED if it does not authenticate). */
export function openChunk(
  dataKey: Uint8Array,
  repoId: Uint8Array,
  chunkId: Uint8Array,
  blob: Uint8Array,
): Uint8Array {
  let inner: Uint8Array;
  try {
    inner = open(dataKey, blob, chunkAd(repoId, chunkId));
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_DECRYPT_FAILED'))
      throw corrupt('a chunk does not authenticate');
    throw error;
  }
  if (inner.length < INNER_HEADER_BYTES) throw corrupt('a chunk is too short');
  const size = new DataView(inner.buffer, inner.byteOffset, inner.length).getUint32(1, true);
  if (size > CHUNKER_LIMITS.maxMax) throw corrupt('a chunk is larger than any chunk can be');
  return decompressChunk(inner[0]!, inner.subarray(INNER_HEADER_BYTES), size);
}

/** A finished pack: its bytes, id and table of contents. */
export interface FinishedPack {
  id: string;
  bytes: Uint8Array;
  entries: PackEntry[];
}

/** Collects sealed chunks into one pack (memory: the pack being built). */
export class PackWriter {
  private readonly blobs: Uint8Array[] = [];
  readonly entries: PackEntry[] = [];
  private size = 0;

  constructor(
    private readonly dataKey: Uint8Array,
    private readonly repoId: Uint8Array,
    private readonly random: RandomSource = randomBytes,
  ) {}

  /** Bytes of blobs so far. */
  get length(): number {
    return this.size;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds a chunk; returns its entry. */
  add(chunkId: Uint8Array, plaintext: Uint8Array, codec: Codec = DEFLATE_CODEC): PackEntry {
    const blob = sealChunk(this.dataKey, this.repoId, chunkId, plaintext, codec, this.random);
    return this.addSealed(chunkId, blob, plaintext.length);
  }

  /** Adds a blob sealed elsewhere (a worker thread). */
  addSealed(chunkId: Uint8Array, blob: Uint8Array, plainLength: number): PackEntry {
    if (this.size + blob.length > PACK_MAX_BYTES / 2) {
      throw new BackboneError('INTERNAL', 'A pack grew beyond its limit: finish it first.');
    }
    const entry = { chunkId: chunkId.slice(), offset: this.size, length: blob.length, plainLength };
    this.blobs.push(blob);
    this.entries.push(entry);
    this.size += blob.length;
    return entry;
  }

  /** Builds the pack: blobs, padding, trailer, locator. The writer is empty afterwards. */
  finish(): FinishedPack {
    const entries = this.entries.splice(0);
    const table = new Uint8Array(TRAILER_MAGIC.length + 1 + 4 + entries.length * ENTRY_BYTES);
    const view = new DataView(table.buffer);
    table.set(TRAILER_MAGIC, 0);
    table[4] = TRAILER_VERSION;
    view.setUint32(5, entries.length, true);
    let at = 9;
    for (const e of entries) {
      table.set(e.chunkId, at);
      view.setUint32(at + CHUNK_ID_BYTES, e.offset, true);
      view.setUint32(at + CHUNK_ID_BYTES + 4, e.length, true);
      view.setUint32(at + CHUNK_ID_BYTES + 8, e.plainLength, true);
      at += ENTRY_BYTES;
    }
    const trailer = seal(this.dataKey, table, cat(TRAILER_AD, this.repoId), this.random);
    const unpadded = this.size + trailer.length + LOCATOR_BYTES;
    const total = padme(unpadded);
    const padding = this.random(total - unpadded);
    const trailerOffset = this.size + padding.length;
    const loc = new Uint8Array(8);
    new DataView(loc.buffer).setUint32(0, trailerOffset, true);
    new DataView(loc.buffer).setUint32(4, trailer.length, true);
    const locator = seal(this.dataKey, loc, cat(LOCATOR_AD, this.repoId), this.random);
    const bytes = cat(...this.blobs.splice(0), padding, trailer, locator);
    this.size = 0;
    return { id: packId(bytes), bytes, entries };
  }
}

/** Where the trailer is, from the last LOCATOR_BYTES of a pack of `packLength` bytes. */
export function readLocator(
  dataKey: Uint8Array,
  repoId: Uint8Array,
  locator: Uint8Array,
  packLength: number,
): { offset: number; length: number } {
  let plain: Uint8Array;
  try {
    plain = open(dataKey, locator, cat(LOCATOR_AD, repoId));
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_DECRYPT_FAILED'))
      throw corrupt('its locator does not authenticate');
    throw error;
  }
  if (plain.length !== 8) throw corrupt('bad locator');
  const view = new DataView(plain.buffer, plain.byteOffset, 8);
  const offset = view.getUint32(0, true);
  const length = view.getUint32(4, true);
  if (offset + length !== packLength - LOCATOR_BYTES) throw corrupt('the trailer is out of place');
  return { offset, length };
}

/** The table of contents from a pack's sealed trailer. */
export function readTrailer(
  dataKey: Uint8Array,
  repoId: Uint8Array,
  trailer: Uint8Array,
  trailerOffset: number,
): PackEntry[] {
  let table: Uint8Array;
  try {
    table = open(dataKey, trailer, cat(TRAILER_AD, repoId));
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_DECRYPT_FAILED'))
      throw corrupt('its trailer does not authenticate');
    throw error;
  }
  const view = new DataView(table.buffer, table.byteOffset, table.length);
  if (table.length < 9 || TRAILER_MAGIC.some((b, i) => table[i] !== b))
    throw corrupt('bad trailer');
  if (table[4] !== TRAILER_VERSION) throw corrupt('unknown trailer version');
  const count = view.getUint32(5, true);
  if (table.length !== 9 + count * ENTRY_BYTES) throw corrupt('bad trailer length');
  const entries: PackEntry[] = [];
  let at = 9;
  for (let i = 0; i < count; i++) {
    const entry = {
      chunkId: table.slice(at, at + CHUNK_ID_BYTES),
      offset: view.getUint32(at + CHUNK_ID_BYTES, true),
      length: view.getUint32(at + CHUNK_ID_BYTES + 4, true),
      plainLength: view.getUint32(at + CHUNK_ID_BYTES + 8, true),
    };
    if (entry.offset + entry.length > trailerOffset) throw corrupt('a chunk lies outside the pack');
    entries.push(entry);
    at += ENTRY_BYTES;
  }
  return entries;
}

/** The table of contents of a whole pack in memory. */
export function readPackEntries(
  dataKey: Uint8Array,
  repoId: Uint8Array,
  pack: Uint8Array,
): PackEntry[] {
  if (pack.length < LOCATOR_BYTES) throw corrupt('too short');
  const { offset, length } = readLocator(
    dataKey,
    repoId,
    pack.subarray(pack.length - LOCATOR_BYTES),
    pack.length,
  );
  return readTrailer(dataKey, repoId, pack.subarray(offset, offset + length), offset);
}
