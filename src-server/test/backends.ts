/**
 * The storage backends every integration suite runs against:
 *
 *     const backends = useTestBackends();
 *     describe.each(backends)('… ($name)', (backend) => { … backend.open() … });
 *
 * SQLite opens a fresh database file in a temp directory; PostgreSQL a fresh database in the
 * test cluster (postgres-cluster.ts), started on first use and stopped after the file's tests.
 * PostgreSQL is left out only when BACKBONE_TEST_SKIP_POSTGRES=1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { Storage, StorageBackend } from '../storage/storage.js';
import { postgresSkipped, startTestPostgres, type TestPostgres } from './postgres-cluster.js';

export interface OpenedStorage {
  storage: Storage;
  /** Temp data directory (server key file etc.); removed by `dispose`. */
  dataDir: string;
  /** PostgreSQL URL of this database (postgres backend only). */
  url?: string;
  /** Closes the storage and removes the temp directory. */
  dispose(): Promise<void>;
}

export interface TestBackend {
  name: StorageBackend;
  open(): Promise<OpenedStorage>;
  /** Another connection to the same database (to test restarts and concurrency). */
  reopen(opened: OpenedStorage): Promise<Storage>;
}

let postgres: Promise<TestPostgres> | undefined;

function testPostgres(): Promise<TestPostgres> {
  postgres ??= startTestPostgres();
  return postgres;
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'backbone-server-test-'));
}

const sqlite: TestBackend = {
  name: 'sqlite',
  async open() {
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
  reopen(opened) {
    return openSqliteStorage({ file: path.join(opened.dataDir, 'backbone.sqlite') });
  },
};

const postgresBackend: TestBackend = {
  name: 'postgres',
  async open() {
    const dataDir = await tempDir();
    const url = await (await testPostgres()).createDatabase();
    const storage = await openPostgresStorage({ url, maxConnections: 5 });
    return {
      storage,
      dataDir,
      url,
      async dispose() {
        await storage.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  reopen(opened) {
    if (!opened.url) throw new Error('not a PostgreSQL test database');
    return openPostgresStorage({ url: opened.url, maxConnections: 5 });
  },
};

/** The backends to test, registering the cluster's shutdown after this file's tests. */
export function useTestBackends(): TestBackend[] {
  afterAll(async () => {
    const started = postgres;
    postgres = undefined;
    if (started) await (await started).stop();
  }, 60_000);
  return postgresSkipped() ? [sqlite] : [sqlite, postgresBackend];
}

/** Starts the PostgreSQL test server now (for suites that need only a URL). */
export async function testPostgresUrl(): Promise<string> {
  return (await testPostgres()).createDatabase();
}
