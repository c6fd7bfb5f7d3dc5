/**
 * Versioned schema migrations, defined in code so they bundle with the server. The Kysely
 * Migrator applies them in name order, records them in `kysely_migration`, and takes a lock
 * (PostgreSQL: an advisory lock), so several server processes can start at once.
 *
 * Never edit a migration that has shipped: add a new one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { BackboneError } from '../../src-shared/errors.js';
import { storeMigration } from './store-migration.js';
import { workspacesMigration } from './workspaces-migration.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema of their day */
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('server_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('identities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sign_public_key', 'text', (c) => c.notNull().unique())
      .addColumn('box_public_key', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('identity_id', 'text', (c) =>
        c.notNull().references('identities.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('revocation', 'text')
      .execute();
    await db.schema.createIndex('devices_identity').on('devices').column('identity_id').execute();

    await db.schema
      .createTable('auth_challenges')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('auth_challenges_expiry')
      .on('auth_challenges')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('identity_id', 'text', (c) =>
        c.notNull().references('identities.id').onDelete('cascade'),
      )
      .addColumn('device_id', 'text', (c) =>
        c.notNull().references('devices.id').onDelete('cascade'),
      )
      .addColumn('parent_id', 'text', (c) => c.references('tokens.id').onDelete('cascade'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text')
      .addColumn('label', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('tokens_identity').on('tokens').column('identity_id').execute();
    await db.schema.createIndex('tokens_device').on('tokens').column('device_id').execute();
    await db.schema.createIndex('tokens_parent').on('tokens').column('parent_id').execute();
    await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();
  },
};
/**
 * Password access (SPAKE2+EE, docs/password-access.md): one record per (workspace, username) —
 * the verifier and the keyfile blob (base64url), bound to the identity that registered it — and
 * the failed-login state per (workspace, username), for registered and unknown usernames alike.
 */
const passwordAccess: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('password_access')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('identity_id', 'text', (c) =>
        c.notNull().references('identities.id').onDelete('cascade'),
      )
      .addColumn('stored_data', 'text', (c) => c.notNull())
      .addColumn('keyfile_blob', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('password_access_pk', ['workspace_id', 'username'])
      .execute();
    await db.schema
      .createIndex('password_access_identity')
      .on('password_access')
      .column('identity_id')
      .execute();

    await db.schema
      .createTable('password_access_attempts')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('failures', 'bigint', (c) => c.notNull())
      .addColumn('last_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint', (c) => c.notNull())
      .addColumn('lockouts', 'bigint', (c) => c.notNull())
      .addColumn('forget_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('password_access_attempts_pk', ['workspace_id', 'username'])
      .execute();
    await db.schema
      .createIndex('password_access_attempts_forget')
      .on('password_access_attempts')
      .column('forget_at')
      .execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_identities_devices_auth': initial,
  '0002_workspaces': workspacesMigration,
  '0003_password_access': passwordAccess,
  '0004_store': storeMigration,
});

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

/** Brings the database to the latest schema. Refuses a database newer than this server. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/corrupted migrations|previously executed migration .* is missing/i.test(message)) {
      throw new BackboneError(
        'UNSUPPORTED_VERSION',
        'The database was written by a newer Backbone server. Update the server to use it.',
        { cause: error },
      );
    }
    throw new BackboneError('INTERNAL', `The database could not be migrated: ${message}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
