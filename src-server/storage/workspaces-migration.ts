/**
 * Migration `0002_workspaces`: workspaces, their membership logs, the members derived from the
 * verified logs, and the event feed of the push channel.
 *
 * - `workspaces`: one row per workspace ever created. Deleting one keeps a tombstone
 *   (`deleted_at`, display name blanked) so its id is never reused; its log, members and events
 *   are removed.
 * - `membership_log`: the entries as the client sent them (JSON), primary key
 *   (workspace, seq): a second entry at the same seq cannot exist, whatever races happen.
 * - `workspace_members`: the current members (identity address = address of the member's sign
 *   key), rewritten on each append from the verified state — for listing and event routing.
 * - `events`: the global, monotonically increasing cursor (`id`). SQLite `AUTOINCREMENT` never
 *   reuses an id even after deletes; PostgreSQL `bigserial`, with writers serialized by an
 *   advisory lock so ids become visible in commit order (see workspaces-storage.ts).
 * - `event_recipients`: identities that may see an event besides the workspace's current
 *   members (a removed member sees its removal; former members see the deletion).
 */
import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema of their day */
type AnyDb = Kysely<any>;

export const workspacesMigration: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

    await db.schema
      .createTable('workspaces')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('genesis_hash', 'text', (c) => c.notNull())
      .addColumn('head_seq', 'bigint', (c) => c.notNull())
      .addColumn('head_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();

    await db.schema
      .createTable('membership_log')
      .addColumn('workspace_id', 'text', (c) =>
        c.notNull().references('workspaces.id').onDelete('cascade'),
      )
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('entry', 'text', (c) => c.notNull())
      .addColumn('entry_hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('membership_log_pk', ['workspace_id', 'seq'])
      .execute();

    await db.schema
      .createTable('workspace_members')
      .addColumn('workspace_id', 'text', (c) =>
        c.notNull().references('workspaces.id').onDelete('cascade'),
      )
      .addColumn('identity_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('permissions', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('workspace_members_pk', ['workspace_id', 'identity_id'])
      .execute();
    await db.schema
      .createIndex('workspace_members_identity')
      .on('workspace_members')
      .column('identity_id')
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
        postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('events_workspace')
      .on('events')
      .columns(['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('event_recipients')
      .addColumn('event_id', 'bigint', (c) =>
        c.notNull().references('events.id').onDelete('cascade'),
      )
      .addColumn('identity_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_recipients_pk', ['event_id', 'identity_id'])
      .execute();
    await db.schema
      .createIndex('event_recipients_identity')
      .on('event_recipients')
      .columns(['identity_id', 'event_id'])
      .execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
