/**
 * A digest of the server's database: every row of every table (read over a second connection),
 * so a check can prove that a refused request changed nothing. Left out, each for a reason:
 *
 * - `auth_challenges`: a login attempt consumes its challenge whether it succeeds or not
 *   (single use, by design: a refused login cannot be retried with the same challenge);
 * - `password_access_attempts`: the failed-login limiter counts refused password logins
 *   (that is its job).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OpenedStorage } from '../../src-server/test/backends.js';

export const DIGEST_EXCLUDED_TABLES = ['auth_challenges', 'password_access_attempts'];

export interface DatabaseDigest {
  digest(): Promise<string>;
  close(): Promise<void>;
}

function hashRows(tables: [string, unknown[]][]): string {
  const hash = createHash('sha256');
  for (const [name, rows] of tables) {
    hash.update(name);
    const lines = rows.map((row) =>
      JSON.stringify(row, (_k, v: unknown) =>
        v instanceof Buffer ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v,
      ),
    );
    lines.sort();
    for (const line of lines) hash.update(line);
  }
  return hash.digest('hex');
}

export async function openDatabaseDigest(opened: OpenedStorage): Promise<DatabaseDigest> {
  if (opened.url) {
    const client = new pg.Client({ connectionString: opened.url });
    await client.connect();
    const names = (
      await client.query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
      )
    ).rows
      .map((r) => r.tablename)
      .filter((t) => !DIGEST_EXCLUDED_TABLES.includes(t) && !t.startsWith('kysely_'));
    return {
      async digest() {
        const tables: [string, unknown[]][] = [];
        for (const name of names) {
          tables.push([name, (await client.query(`SELECT * FROM "${name}"`)).rows]);
        }
        return hashRows(tables);
      },
      close: () => client.end(),
    };
  }
  const db = new Database(path.join(opened.dataDir, 'backbone.sqlite'), { readonly: true });
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter(
      (t) =>
        !DIGEST_EXCLUDED_TABLES.includes(t) && !t.startsWith('kysely_') && !t.startsWith('sqlite_'),
    );
  const statements = names.map((name) => [name, db.prepare(`SELECT * FROM "${name}"`)] as const);
  return {
    async digest() {
      return hashRows(statements.map(([name, statement]) => [name, statement.all()]));
    },
    async close() {
      db.close();
    },
  };
}
