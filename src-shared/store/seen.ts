/**
 * What a client remembers to detect rollbacks: per path the highest entry version (with its id
 * and direct-share epoch) and whether this device deleted it; per namespace id the highest key
 * generation and revision, and whether this device deleted it. A server that later serves an
 * older entry (a replay), an entry this device deleted, an entry whose share epoch went back,
 * an older namespace record or key (so that writers seal to a key a revoked member still has,
 * or a revoked grant counts again), or a deleted namespace is refused with `STORE_STALE`.
 *
 * Entries are remembered by path (client-side only; paths never leave the device): a deleted and
 * re-created entry continues the version numbers of the old one, so a replay of the old record is
 * still caught. The SDK persists `toJSON()` next to its other pins; `fromJSON` also reads the
 * version 1 snapshot (no epochs, no deletions).
 */
import { z } from 'zod';
import { BackboneError } from '../errors.js';
import { fail } from './internal.js';

const Int = z.number().int();

const SnapshotV1Schema = z.strictObject({
  v: z.literal(1),
  entries: z.record(z.string(), z.strictObject({ id: z.string(), version: Int })),
  namespaces: z.record(z.string(), z.strictObject({ generation: Int, revision: Int })),
});

const SnapshotSchema = z.strictObject({
  v: z.literal(2),
  entries: z.record(
    z.string(),
    z.strictObject({
      id: z.string(),
      version: Int,
      shareEpoch: Int,
      deleted: z.boolean(),
    }),
  ),
  namespaces: z.record(
    z.string(),
    z.strictObject({ generation: Int, revision: Int, deleted: z.boolean() }),
  ),
});
export type SeenSnapshot = z.infer<typeof SnapshotSchema>;

interface SeenEntry {
  id: string;
  version: number;
  shareEpoch: number;
  deleted: boolean;
}
interface SeenNamespace {
  generation: number;
  revision: number;
  deleted: boolean;
}

const stale = (message: string) => new BackboneError('STORE_STALE', message);

export class SeenVersions {
  private readonly entries = new Map<string, SeenEntry>();
  private readonly namespaces = new Map<string, SeenNamespace>();

  /** Throws `STORE_STALE` if this entry is older than one already seen at the same path. */
  checkEntry(path: string, id: string, version: number, shareEpoch = 1): void {
    const seen = this.entries.get(path);
    if (!seen) return;
    if (seen.deleted && version <= seen.version) {
      fail(
        'STORE_STALE',
        `The server returned an entry this device deleted (version ${version}). It may be replaying old data.`,
      );
    }
    if (version < seen.version || (version === seen.version && id !== seen.id)) {
      fail(
        'STORE_STALE',
        `The server returned an older version of this entry (version ${version}; this device already saw version ${seen.version}). It may be replaying old data.`,
      );
    }
    if (id === seen.id && shareEpoch < seen.shareEpoch) {
      fail(
        'STORE_STALE',
        'The server returned this entry with the shares it had before a revocation. It may be replaying old data.',
      );
    }
  }

  noteEntry(path: string, id: string, version: number, shareEpoch = 1): void {
    const seen = this.entries.get(path);
    if (!seen || version > seen.version) {
      this.entries.set(path, { id, version, shareEpoch, deleted: false });
    } else if (version === seen.version && id === seen.id && !seen.deleted) {
      seen.shareEpoch = Math.max(seen.shareEpoch, shareEpoch);
    }
  }

  /** Remembers that this device deleted the entry at `path` (at `version`). */
  noteEntryDeleted(path: string, id: string, version: number): void {
    const seen = this.entries.get(path);
    if (!seen || version >= seen.version) {
      this.entries.set(path, { id, version, shareEpoch: seen?.shareEpoch ?? 1, deleted: true });
    }
  }

  /** The highest version seen at a path (for a new record that continues the numbering). */
  entryVersion(path: string): number {
    return this.entries.get(path)?.version ?? 0;
  }

  /** Why this namespace record is older than one already seen (or deleted), or undefined. */
  namespaceProblem(id: string, generation: number, revision: number): BackboneError | undefined {
    const seen = this.namespaces.get(id);
    if (!seen) return undefined;
    if (seen.deleted) {
      return stale(
        'The server returned a namespace this device deleted. It may be replaying old data.',
      );
    }
    if (generation < seen.generation || revision < seen.revision) {
      return stale(
        `The server returned an older key for a namespace (generation ${generation}; this device already saw generation ${seen.generation}). It may be replaying old data.`,
      );
    }
    return undefined;
  }

  /** Throws `STORE_STALE` if this namespace key is older than one already seen. */
  checkNamespace(id: string, generation: number, revision: number): void {
    const issue = this.namespaceProblem(id, generation, revision);
    if (issue) throw issue;
  }

  noteNamespace(id: string, generation: number, revision: number): void {
    const seen = this.namespaces.get(id);
    if (seen?.deleted) return;
    this.namespaces.set(id, {
      generation: Math.max(seen?.generation ?? 0, generation),
      revision: Math.max(seen?.revision ?? 0, revision),
      deleted: false,
    });
  }

  /** Remembers that this device deleted a namespace (ids are never reused). */
  noteNamespaceDeleted(id: string): void {
    const seen = this.namespaces.get(id);
    this.namespaces.set(id, {
      generation: seen?.generation ?? 0,
      revision: seen?.revision ?? 0,
      deleted: true,
    });
  }

  /**
   * Adds what `other` remembers, through the same `note*` rules as a fresh sighting: per key the
   * higher of the two is kept, so merging never lowers anything. Used to combine a saved memory
   * with this process's before writing it back (another process may have saved meanwhile).
   */
  merge(other: SeenVersions): this {
    for (const [path, e] of other.entries) {
      if (e.deleted) this.noteEntryDeleted(path, e.id, e.version);
      else this.noteEntry(path, e.id, e.version, e.shareEpoch);
    }
    for (const [id, n] of other.namespaces) {
      this.noteNamespace(id, n.generation, n.revision);
      if (n.deleted) this.noteNamespaceDeleted(id);
    }
    return this;
  }

  toJSON(): SeenSnapshot {
    return {
      v: 2,
      entries: Object.fromEntries(this.entries),
      namespaces: Object.fromEntries(this.namespaces),
    };
  }

  static fromJSON(value: unknown): SeenVersions {
    const out = new SeenVersions();
    const v1 = SnapshotV1Schema.safeParse(value);
    if (v1.success) {
      for (const [path, e] of Object.entries(v1.data.entries)) {
        out.entries.set(path, { ...e, shareEpoch: 1, deleted: false });
      }
      for (const [id, n] of Object.entries(v1.data.namespaces)) {
        out.namespaces.set(id, { ...n, deleted: false });
      }
      return out;
    }
    const parsed = SnapshotSchema.safeParse(value);
    if (!parsed.success) fail('INVALID_ARGUMENT', 'The saved store versions are damaged.');
    for (const [path, e] of Object.entries(parsed.data.entries)) out.entries.set(path, { ...e });
    for (const [id, n] of Object.entries(parsed.data.namespaces)) {
      out.namespaces.set(id, { ...n });
    }
    return out;
  }
}
