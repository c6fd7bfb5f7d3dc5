/**
 * SQLite backend (better-sqlite3): the embedded default. One file in the data directory, WAL
 * journal (readers never block the writer), foreign keys enforced, a busy timeout so a second
 * process waits instead of failing.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyStorage } from './kysely-storage.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export const SQLITE_FILE_NAME = 'backbone.sqlite';

export interface SqliteStorageOptions {
  /** Database file, or ':memory:' (tests). */
  file: string;
}

/** Opens (creating it if needed) and migrates the SQLite database. */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<KyselyStorage> {
  if (options.file !== ':memory:') {
    mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
  }
  const database = new BetterSqlite3(options.file);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    await migrateToLatest(db);
    return new KyselyStorage('sqlite', db);
  } catch (error) {
    if (database.open) database.close();
    throw error;
  }
}
