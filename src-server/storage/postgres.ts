/**
 * PostgreSQL backend (node-postgres pool): for several server processes behind a load
 * balancer. int8 columns are returned as JS numbers (our times fit in 2^53).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { BackboneError } from '../../src-shared/errors.js';
import { KyselyStorage } from './kysely-storage.js';
import { migrateToLatest } from './migrations.js';
import { redactPostgresUrl } from './postgres-url.js';
import type { Database } from './schema.js';

const INT8_OID = 20;

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Told about connection errors of idle clients (they would crash the process otherwise). */
  onPoolError?: (error: Error) => void;
}

/** Connects, checks the connection and migrates. */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<KyselyStorage> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', (error) => options.onPoolError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackboneError(
      'UNAVAILABLE',
      `Cannot use the PostgreSQL database at ${redactPostgresUrl(options.url)}: ${reason}`,
      { cause: error },
    );
  }
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return new KyselyStorage('postgres', db, undefined, { postgresUrl: options.url });
}
