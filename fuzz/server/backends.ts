/**
 * The storage backends for the fuzz runner (which also runs outside Vitest, so it cannot use
 * `useTestBackends`' `afterAll`): SQLite in a temp directory, or a database in a throwaway
 * PostgreSQL cluster (src-server/test/postgres-cluster.ts) stopped when the database is disposed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openPostgresStorage } from '../../src-server/storage/postgres.js';
import { openSqliteStorage } from '../../src-server/storage/sqlite.js';
import type { OpenedStorage, TestBackend } from '../../src-server/test/backends.js';
import { startTestPostgres } from '../../src-server/test/postgres-cluster.js';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'backbone-fuzz-'));

const sqlite: TestBackend = {
  name: 'sqlite',
  async open(): Promise<OpenedStorage> {
    const dataDir = await tempDir();
    const storage = await openSqliteStorage({ file: path.join(dataDir, 'backbone.sqlite') });
    return {
      storage,
      dataDir,
      async dispose() {
        await storage.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  reopen: (opened) => openSqliteStorage({ file: path.join(opened.dataDir, 'backbone.sqlite') }),
};

const postgres: TestBackend = {
  name: 'postgres',
  async open(): Promise<OpenedStorage> {
    const dataDir = await tempDir();
    const cluster = await startTestPostgres();
    const url = await cluster.createDatabase();
    const storage = await openPostgresStorage({ url, maxConnections: 5 });
    return {
      storage,
      dataDir,
      url,
      async dispose() {
        await storage.close();
        await cluster.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  reopen(opened) {
    if (!opened.url) throw new Error('not a PostgreSQL fuzz database');
    return openPostgresStorage({ url: opened.url, maxConnections: 5 });
  },
};

export function useTestBackendsOutsideVitest(): { sqlite: TestBackend; postgres: TestBackend } {
  return { sqlite, postgres };
}
