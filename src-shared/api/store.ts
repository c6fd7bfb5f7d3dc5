/**
 * The encrypted store on the server (`/v1/workspaces/:workspaceId/store/…`; model in
 * src-shared/store/, formats and rules in docs/store.md).
 *
 * The server holds opaque records (namespaces, grants, entries) indexed by id and by path token.
 * It never sees a path or a value, so it cannot filter by READ: every member with STORE_USE may
 * fetch every record of the workspace (what it cannot open stays ciphertext). Clients parse every
 * record with the model's schemas and verify it (signatures, authority, key chain, rollback
 * memory); the wire schemas here only say "a JSON object".
 *
 * Requests (member permission AND token scope; ROOT implies all):
 *  - `POST …/store/records` `{v, entries, after?, limit?}`: STORE_USE. Returns every namespace
 *    and every grant (first page only, i.e. without `after`) and the entries selected by
 *    `entries`: `{tokens}` (the records at these path tokens, plus the last version of deleted
 *    entries at them in `tombstones`), `{ids}`, `{namespaces}` (entries filed directly under
 *    these namespace ids) or `{all: true}`; entries are paged by id (`next`). Expired entries
 *    are never served.
 *  - `POST …/store/commit` `{v, change}` or `{v, bundle}`: STORE_USE (and STORE_SHARE for
 *    changes to grants). Applies the change set atomically with its compare-and-swap
 *    expectations, or refuses it whole (`STORE_CONFLICT` 409: re-read and retry).
 *
 * Search: tokens are keyed hashes of whole paths, so the server cannot match a prefix; clients
 * search over the decrypted names of what they can read (see docs/store.md).
 */
import { z } from 'zod';
import { apiVersionSchema } from './common.js';

/** Entries per page of `…/store/records` (default and largest). */
export const STORE_PAGE_DEFAULT = 2000;
export const STORE_PAGE_MAX = 5000;
/** Most tokens or ids in one selection. */
export const STORE_SELECT_MAX = 1000;
/** Largest serialized record the server stores (bytes of JSON). */
export const STORE_RECORD_MAX_BYTES = 64 * 1024;
/** Most records one change may touch. */
export const STORE_CHANGE_MAX_RECORDS = 50_000;
/** Request body limit of the commit endpoint (a rotation re-seals a whole subtree). */
export const STORE_COMMIT_BODY_LIMIT = 32 * 1024 * 1024;

const id = z.string().min(1).max(64);

/** A store record or change on the wire: any JSON object (the model parses it). */
const jsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'must be a JSON object',
);

export const storeEntrySelectionSchema = z.union([
  z.strictObject({ tokens: z.array(id).max(STORE_SELECT_MAX) }),
  z.strictObject({ ids: z.array(id).max(STORE_SELECT_MAX) }),
  z.strictObject({ namespaces: z.array(id).max(STORE_SELECT_MAX) }),
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ none: z.literal(true) }),
]);
export type StoreEntrySelection = z.infer<typeof storeEntrySelectionSchema>;

export const storeRecordsRequestSchema = z.strictObject({
  v: apiVersionSchema,
  entries: storeEntrySelectionSchema,
  /** Continue after this entry id (from `next`). */
  after: id.optional(),
  limit: z.number().int().min(1).max(STORE_PAGE_MAX).optional(),
});
export type StoreRecordsRequest = z.infer<typeof storeRecordsRequestSchema>;

export const storeRecordsResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspace: z.string(),
  /** Every namespace and grant (empty on later pages). */
  namespaces: z.array(jsonObject),
  grants: z.array(jsonObject),
  entries: z.array(jsonObject),
  /** Token → last version of a deleted entry there (only for `{tokens}` selections). */
  tombstones: z.record(z.string(), z.number().int().min(1)),
  /** Pass as `after` for the next page, or null. */
  next: id.nullable(),
});
export type StoreRecordsResponse = z.infer<typeof storeRecordsResponseSchema>;

export const storeCommitRequestSchema = z.union([
  z.strictObject({ v: apiVersionSchema, change: jsonObject }),
  z.strictObject({ v: apiVersionSchema, bundle: jsonObject }),
]);
export type StoreCommitRequest = z.infer<typeof storeCommitRequestSchema>;

export const storeCommitResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspace: z.string(),
  /** Records written and removed. */
  put: z.number().int().min(0),
  removed: z.number().int().min(0),
  /** The store's revision after this change (+1 per commit). */
  revision: z.number().int().min(1),
});
export type StoreCommitResponse = z.infer<typeof storeCommitResponseSchema>;
