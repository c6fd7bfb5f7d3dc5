/**
 * Migration `0004_store`: the encrypted store's opaque records (docs/store.md).
 *
 * - `store_records`: one row per namespace, grant or entry: its JSON exactly as the model parsed
 *   it, its `recordHash` (compare-and-swap), its path token (namespaces and entries; NULL for
 *   grants) with a unique index — one record per token, whatever races happen — the id it refers
 *   to (`ref_id`: a namespace's parent, an entry's namespace, a grant's target) for listings and
 *   dangling-reference checks, and an entry's expiry (ms) for the sweeper.
 * - `store_tombstones`: the last version of deleted entries per token, so a re-created entry
 *   continues the numbering (a replay of the old record stays detectable).
 * - `store_heads`: a per-workspace revision, +1 per commit. Its row is written first in every
 *   commit: SQLite takes its write lock before reading, PostgreSQL serializes commits of one
 *   workspace on the row lock.
 */
import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema of their day */
type AnyDb = Kysely<any>;

export const storeMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('store_records')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('token', 'text')
      .addColumn('ref_id', 'text')
      .addColumn('expires_at', 'bigint')
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('store_records_pk', ['workspace_id', 'kind', 'id'])
      .execute();
    await db.schema
      .createIndex('store_records_token')
      .on('store_records')
      .columns(['workspace_id', 'token'])
      .unique()
      .execute();
    await db.schema
      .createIndex('store_records_ref')
      .on('store_records')
      .columns(['workspace_id', 'kind', 'ref_id'])
      .execute();
    await db.schema
      .createIndex('store_records_expiry')
      .on('store_records')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('store_tombstones')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('store_tombstones_pk', ['workspace_id', 'token'])
      .execute();

    await db.schema
      .createTable('store_heads')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
