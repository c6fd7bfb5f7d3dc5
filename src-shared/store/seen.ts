/**
 * What a client remembers to detect rollbacks: the highest entry version seen per path, and the
 * highest key generation and revision seen per namespace. A server that later serves an older
 * entry (a replay) or an older namespace key (so that writers seal to a key a revoked member
 * still has) is refused with `STORE_STALE`.
 *
 * Entries are remembered by path (client-side only; paths never leave the device): a deleted and
 * re-created entry continues the version numbers of the old one, so a replay of the old record is
 * still caught. The SDK persists `toJSON()` next to its other pins.
 */
import { z } from 'zod';
import { fail } from './internal.js';

const SnapshotSchema = z.strictObject({
  v: z.literal(1),
  entries: z.record(z.string(), z.strictObject({ id: z.string(), version: z.number().int() })),
  namespaces: z.record(
    z.string(),
    z.strictObject({ generation: z.number().int(), revision: z.number().int() }),
  ),
});
export type SeenSnapshot = z.infer<typeof SnapshotSchema>;

export class SeenVersions {
  private readonly entries = new Map<string, { id: string; version: number }>();
  private readonly namespaces = new Map<string, { generation: number; revision: number }>();

  /** Throws `STORE_STALE` if this entry is older than one already seen at the same path. */
  checkEntry(path: string, id: string, version: number): void {
    const seen = this.entries.get(path);
    if (!seen) return;
    if (version < seen.version || (version === seen.version && id !== seen.id)) {
      fail(
        'STORE_STALE',
        `The server returned an older version of this entry (version ${version}; this device already saw version ${seen.version}). It may be replaying old data.`,
      );
    }
  }

  noteEntry(path: string, id: string, version: number): void {
    const seen = this.entries.get(path);
    if (!seen || version > seen.version) this.entries.set(path, { id, version });
  }

  /** The highest version seen at a path (for a new record that continues the numbering). */
  entryVersion(path: string): number {
    return this.entries.get(path)?.version ?? 0;
  }

  /** Throws `STORE_STALE` if this namespace key is older than one already seen. */
  checkNamespace(id: string, generation: number, revision: number): void {
    const seen = this.namespaces.get(id);
    if (!seen) return;
    if (generation < seen.generation || revision < seen.revision) {
      fail(
        'STORE_STALE',
        `The server returned an older key for a namespace (generation ${generation}; this device already saw generation ${seen.generation}). It may be replaying old data.`,
      );
    }
  }

  noteNamespace(id: string, generation: number, revision: number): void {
    const seen = this.namespaces.get(id);
    if (!seen || revision > seen.revision) this.namespaces.set(id, { generation, revision });
  }

  toJSON(): SeenSnapshot {
    return {
      v: 1,
      entries: Object.fromEntries(this.entries),
      namespaces: Object.fromEntries(this.namespaces),
    };
  }

  static fromJSON(value: unknown): SeenVersions {
    const parsed = SnapshotSchema.safeParse(value);
    if (!parsed.success) fail('INVALID_ARGUMENT', 'The saved store versions are damaged.');
    const out = new SeenVersions();
    for (const [path, e] of Object.entries(parsed.data.entries)) out.entries.set(path, e);
    for (const [id, n] of Object.entries(parsed.data.namespaces)) out.namespaces.set(id, n);
    return out;
  }
}
