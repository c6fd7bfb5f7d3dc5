/**
 * Where a repository's files live (docs/backup.md, "Storage"): a flat store of blobs by kind and
 * id. Implementations: `MemoryBlobStore` (tests), the local folder (node/backup/folder-store.ts),
 * later the Backbone host and S3. Every method may be called concurrently.
 *
 * Contract:
 * - `put` is atomic (a reader sees the whole blob or none) and idempotent: putting an id that
 *   exists again leaves one blob. Content-addressed kinds (pack, index, snapshot) are named by the
 *   SHA-256 of their bytes, so a repeated put carries the same bytes.
 * - `get`/`read`/`size` of a missing blob fail with BACKUP_MISSING.
 * - Ids are 1–64 characters of [0-9a-z] (so no id can name a path outside the store).
 */
import { BackboneError } from '../errors.js';

export const BLOB_KINDS = ['config', 'pack', 'index', 'snapshot'] as const;
export type BlobKind = (typeof BLOB_KINDS)[number];

const ID_PATTERN = /^[0-9a-z]{1,64}$/;

export function assertBlobName(kind: BlobKind, id: string): void {
  if (
    !(BLOB_KINDS as readonly string[]).includes(kind) ||
    typeof id !== 'string' ||
    !ID_PATTERN.test(id)
  ) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A blob is named by a known kind and an id of [0-9a-z]{1,64}.',
    );
  }
}

export function missing(kind: BlobKind, id: string): BackboneError {
  return new BackboneError(
    'BACKUP_MISSING',
    `The repository has no ${kind} ${id.slice(0, 12)}: it was deleted or never stored.`,
  );
}

export interface BlobStore {
  put(kind: BlobKind, id: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  get(kind: BlobKind, id: string): Promise<Uint8Array>;
  /** `length` bytes from `offset` (BACKUP_MISSING if the blob is shorter). */
  read(kind: BlobKind, id: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole blob as a stream of pieces. */
  stream(kind: BlobKind, id: string): AsyncIterable<Uint8Array>;
  size(kind: BlobKind, id: string): Promise<number>;
  exists(kind: BlobKind, id: string): Promise<boolean>;
  list(kind: BlobKind): Promise<string[]>;
  delete(kind: BlobKind, id: string): Promise<void>;
}

async function collect(data: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data.slice();
  const parts: Uint8Array[] = [];
  for await (const part of data) parts.push(part.slice());
  return Buffer.concat(parts);
}

/** Blobs in memory (tests); `puts` counts writes so tests can see what a backup uploaded. */
export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  readonly puts: Array<{ kind: BlobKind; id: string; bytes: number }> = [];

  private key(kind: BlobKind, id: string): string {
    assertBlobName(kind, id);
    return `${kind}/${id}`;
  }

  private blob(kind: BlobKind, id: string): Uint8Array {
    const blob = this.blobs.get(this.key(kind, id));
    if (blob === undefined) throw missing(kind, id);
    return blob;
  }

  async put(
    kind: BlobKind,
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const key = this.key(kind, id);
    const bytes = await collect(data);
    this.puts.push({ kind, id, bytes: bytes.length });
    this.blobs.set(key, bytes);
  }

  async get(kind: BlobKind, id: string): Promise<Uint8Array> {
    return this.blob(kind, id).slice();
  }

  async read(kind: BlobKind, id: string, offset: number, length: number): Promise<Uint8Array> {
    const blob = this.blob(kind, id);
    if (offset < 0 || length < 0 || offset + length > blob.length) throw missing(kind, id);
    return blob.slice(offset, offset + length);
  }

  async *stream(kind: BlobKind, id: string): AsyncIterable<Uint8Array> {
    const blob = this.blob(kind, id);
    for (let at = 0; at < blob.length; at += 1 << 20) yield blob.slice(at, at + (1 << 20));
  }

  async size(kind: BlobKind, id: string): Promise<number> {
    return this.blob(kind, id).length;
  }

  async exists(kind: BlobKind, id: string): Promise<boolean> {
    return this.blobs.has(this.key(kind, id));
  }

  async list(kind: BlobKind): Promise<string[]> {
    const prefix = `${kind}/`;
    return [...this.blobs.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      .sort();
  }

  async delete(kind: BlobKind, id: string): Promise<void> {
    this.blobs.delete(this.key(kind, id));
  }
}
