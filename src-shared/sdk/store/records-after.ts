/**
 * Small pure helpers over the model's records that the operations share: a path's token under
 * the current naming key, and the records as they are after a change (without copying the rest).
 */
import {
  StoreDraft,
  normalizePath,
  pathToken,
  type StoreChange,
  type StoreContext,
  type StoreRecords,
} from '../../store/index.js';

/** The token of `path` (normalized) under the context's naming key. */
export function tokenOf(ctx: StoreContext, path: string): string {
  return pathToken(ctx.namingKey, normalizePath(path));
}

/** The records after a change (the model's draft over them). */
export function recordsAfter(records: StoreRecords, change: StoreChange): StoreDraft {
  const draft = new StoreDraft(records);
  for (const r of change.put.namespaces) draft.putNamespace(r);
  for (const r of change.put.grants) draft.putGrant(r);
  for (const r of change.put.entries) draft.putEntry(r);
  for (const id of change.remove.namespaces) draft.remove('namespace', id);
  for (const id of change.remove.grants) draft.remove('grant', id);
  for (const id of change.remove.entries) draft.remove('entry', id);
  return draft;
}
