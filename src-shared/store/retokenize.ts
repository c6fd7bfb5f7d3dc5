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
 */
import { isBackboneError } from '../errors.js';
import { StoreSession, type StoreContext } from './context.js';
import { fail } from './internal.js';
import { parseEntryRecord, parseNamespaceRecord, type StoreChange } from './records.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export interface Retokenization {
  change: StoreChange;
  updated: { namespaces: number; entries: number };
  /** Ids of records with an older naming generation whose path this member cannot learn. */
  unreachable: { namespaces: string[]; entries: string[] };
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
      draft.putNamespace(
        parseNamespaceRecord({ ...record, token: s.token(path), naming: generation }),
      );
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
      draft.putEntry(
        parseEntryRecord({ ...record, token: s.token(opened.path), naming: generation }),
      );
      out.updated.entries++;
    }
    out.change = draft.toChange();
    return out;
  } finally {
    s.resolver.wipe();
  }
}
