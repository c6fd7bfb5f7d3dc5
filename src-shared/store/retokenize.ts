/**
 * Re-tokenizing after a naming-key rotation (docs/design.md §3–§4).
 *
 * When a member leaves, the membership log rotates the naming key, and every path gets a new
 * token. Tokens and their naming generation are unsigned fields (signatures and AD bind the
 * record ids, which do not change), so re-tokenizing only rewrites `token` and `naming`; a
 * record is found under its new token, and the reader still checks the path through the id
 * commitment, so a wrong token can only hide a record, never substitute one.
 *
 * A member can re-tokenize the records whose paths it can learn: namespaces it can read or whose
 * parent it can read, entries it can read. The others (e.g. inside isolated namespaces it has no
 * access to) are listed in `unreachable`; their holders re-tokenize them.
 *
 * A path written again under the new naming key while its old record was still under the old
 * one (an interrupted re-tokenizing: the writer found nothing at the new token) has two records.
 * The old one cannot move (one record per token), and it is the stale one: the record under the
 * new key was written after the rotation, by someone who could not see the old one. When the
 * record at the new token is a trusted entry that opens to the same path and this member holds
 * DELETE on the old entry, the old entry is deleted (`superseded`), so listings are clean;
 * otherwise the old record stays where it is (`occupied`) and the rest still moves.
 */
import { isBackboneError } from '../errors.js';
import { hasAccess } from './bits.js';
import { StoreSession, type StoreContext } from './context.js';
import { isTrustedEntry } from './entries.js';
import { fail } from './internal.js';
import { parseEntryRecord, parseNamespaceRecord, type StoreChange } from './records.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export interface Retokenization {
  change: StoreChange;
  updated: { namespaces: number; entries: number };
  /** Ids of records with an older naming generation whose path this member cannot learn. */
  unreachable: { namespaces: string[]; entries: string[] };
  /** Old entries deleted because the same path was written again under the new naming key. */
  superseded: string[];
  /** Old records left in place: their new token is taken by a record this member cannot replace them with. */
  occupied: { namespaces: string[]; entries: string[] };
}

/** Moves every record this member can read to its token under the current naming key. */
export function retokenize(ctx: StoreContext, records: StoreRecords): Retokenization {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const generation = s.namingGeneration;
    const draft = new StoreDraft(records);
    const out: Retokenization = {
      change: undefined as unknown as StoreChange,
      updated: { namespaces: 0, entries: 0 },
      unreachable: { namespaces: [], entries: [] },
      superseded: [],
      occupied: { namespaces: [], entries: [] },
    };
    // Tokens already taken under the current naming key (one record per token).
    const taken = new Map<string, { type: 'namespace' | 'entry'; id: string }>();
    for (const r of records.allNamespaces()) {
      if (r.naming === generation) taken.set(r.token, { type: 'namespace', id: r.id });
    }
    for (const r of records.allEntries()) {
      if (r.naming === generation) taken.set(r.token, { type: 'entry', id: r.id });
    }
    /** True if the entry at `id` is one this member trusts and reads at `path`. */
    const holdsPath = (id: string, path: string): boolean => {
      const entry = records.entry(id);
      if (!entry || !isTrustedEntry(s.authority, ctx.membership, entry)) return false;
      try {
        const opened = s.resolver.entryKey(entry);
        opened.key.fill(0);
        return opened.path === path;
      } catch (error) {
        if (isBackboneError(error)) return false;
        throw error;
      }
    };
    const learn = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (error) {
        if (isBackboneError(error, 'STORE_NO_KEY')) return undefined;
        throw error;
      }
    };
    for (const record of records.allNamespaces()) {
      if (record.naming > generation) {
        fail('NAMING_KEY_INVALID', 'The store uses a newer naming key than yours; sync first.');
      }
      if (record.naming === generation) continue;
      const path = learn(() => s.resolver.namespacePath(record.id).path);
      if (path === undefined) {
        out.unreachable.namespaces.push(record.id);
        continue;
      }
      const token = s.token(path);
      if (taken.has(token)) {
        out.occupied.namespaces.push(record.id);
        continue;
      }
      taken.set(token, { type: 'namespace', id: record.id });
      draft.putNamespace(parseNamespaceRecord({ ...record, token, naming: generation }));
      out.updated.namespaces++;
    }
    for (const record of records.allEntries()) {
      if (record.naming > generation) {
        fail('NAMING_KEY_INVALID', 'The store uses a newer naming key than yours; sync first.');
      }
      if (record.naming === generation) continue;
      const opened = learn(() => s.resolver.entryKey(record));
      if (opened === undefined) {
        out.unreachable.entries.push(record.id);
        continue;
      }
      opened.key.fill(0);
      const token = s.token(opened.path);
      const other = taken.get(token);
      if (other !== undefined) {
        const mayDelete = hasAccess(
          s.authority.bitsOn(s.actorName, {
            kind: 'entry',
            id: record.id,
            namespace: record.namespace,
          }),
          'DELETE',
        );
        if (other.type === 'entry' && mayDelete && holdsPath(other.id, opened.path)) {
          draft.remove('entry', record.id);
          out.superseded.push(record.id);
        } else {
          out.occupied.entries.push(record.id);
        }
        continue;
      }
      taken.set(token, { type: 'entry', id: record.id });
      draft.putEntry(parseEntryRecord({ ...record, token, naming: generation }));
      out.updated.entries++;
    }
    out.change = draft.toChange();
    return out;
  } finally {
    s.resolver.wipe();
  }
}
