/**
 * Index files (docs/backup.md, "Index"): which pack holds each chunk. Each backup run writes one
 * index file for the packs it uploaded; the snapshot it makes names that file, so the chain of
 * snapshots names every index file the repository must have (a hidden one is noticed).
 *
 *   file  = seal(index key, "BBIX" ‖ version u8 ‖ count u32le ‖ entry*, AD = "backbone/backup/index/v1\0" ‖ repoId)
 *   entry = chunkId (32) ‖ packId (32, SHA-256) ‖ offset u32le ‖ length u32le ‖ plainLength u32le
 *   id    = SHA-256(file), lowercase hex
 */
import { createHash } from 'node:crypto';
import { randomBytes, type RandomSource } from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { CHUNK_ID_BYTES } from './keys.js';
import type { PackEntry } from './pack.js';
import { open, seal } from './seal.js';

const MAGIC = new TextEncoder().encode('BBIX');
const VERSION = 1;
const AD = new TextEncoder().encode('backbone/backup/index/v1\0');
const PACK_ID_BYTES = 32;
const ENTRY_BYTES = CHUNK_ID_BYTES + PACK_ID_BYTES + 12;

export interface IndexEntry extends PackEntry {
  /** Pack id, lowercase hex. */
  packId: string;
}

function ad(repoId: Uint8Array): Uint8Array {
  const out = new Uint8Array(AD.length + repoId.length);
  out.set(AD, 0);
  out.set(repoId, AD.length);
  return out;
}

export function fileId(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Encodes and seals an index file; returns its id and bytes. */
export function sealIndex(
  indexKey: Uint8Array,
  repoId: Uint8Array,
  entries: readonly IndexEntry[],
  random: RandomSource = randomBytes,
): { id: string; bytes: Uint8Array } {
  const plain = new Uint8Array(9 + entries.length * ENTRY_BYTES);
  const view = new DataView(plain.buffer);
  plain.set(MAGIC, 0);
  plain[4] = VERSION;
  view.setUint32(5, entries.length, true);
  let at = 9;
  for (const e of entries) {
    plain.set(e.chunkId, at);
    plain.set(Buffer.from(e.packId, 'hex'), at + CHUNK_ID_BYTES);
    at += CHUNK_ID_BYTES + PACK_ID_BYTES;
    view.setUint32(at, e.offset, true);
    view.setUint32(at + 4, e.length, true);
    view.setUint32(at + 8, e.plainLength, true);
    at += 12;
  }
  const bytes = seal(indexKey, plain, ad(repoId), random);
  return { id: fileId(bytes), bytes };
}

/** Opens an index file (BACKUP_TAMPERED if it does not authenticate, BACKUP_CORRUPT if malformed). */
export function openIndex(
  indexKey: Uint8Array,
  repoId: Uint8Array,
  bytes: Uint8Array,
): IndexEntry[] {
  let plain: Uint8Array;
  try {
    plain = open(indexKey, bytes, ad(repoId));
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_DECRYPT_FAILED')) {
      throw new BackboneError(
        'BACKUP_TAMPERED',
        'An index file of this repository does not authenticate: it was altered or belongs elsewhere.',
      );
    }
    throw error;
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
  const bad = () => new BackboneError('BACKUP_CORRUPT', 'An index file is malformed.');
  if (plain.length < 9 || MAGIC.some((b, i) => plain[i] !== b)) throw bad();
  if (plain[4] !== VERSION) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `Index file version ${plain[4]} is unknown: update the app.`,
    );
  }
  const count = view.getUint32(5, true);
  if (plain.length !== 9 + count * ENTRY_BYTES) throw bad();
  const out: IndexEntry[] = [];
  let at = 9;
  for (let i = 0; i < count; i++) {
    const chunkId = plain.slice(at, at + CHUNK_ID_BYTES);
    const packId = Buffer.from(
      plain.subarray(at + CHUNK_ID_BYTES, at + CHUNK_ID_BYTES + PACK_ID_BYTES),
    ).toString('hex');
    at += CHUNK_ID_BYTES + PACK_ID_BYTES;
    out.push({
      chunkId,
      packId,
      offset: view.getUint32(at, true),
      length: view.getUint32(at + 4, true),
      plainLength: view.getUint32(at + 8, true),
    });
    at += 12;
  }
  return out;
}

/** The in-memory lookup of chunk ids (key: the id's bytes as a binary string). */
export class ChunkIndex {
  private readonly map = new Map<string, IndexEntry>();

  static key(chunkId: Uint8Array): string {
    return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.length).toString('latin1');
  }

  add(entry: IndexEntry): void {
    const k = ChunkIndex.key(entry.chunkId);
    if (!this.map.has(k)) this.map.set(k, entry);
  }

  get(chunkId: Uint8Array): IndexEntry | undefined {
    return this.map.get(ChunkIndex.key(chunkId));
  }

  has(chunkId: Uint8Array): boolean {
    return this.map.has(ChunkIndex.key(chunkId));
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<IndexEntry> {
    return this.map.values();
  }
}
