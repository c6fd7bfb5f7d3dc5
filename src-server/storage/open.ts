/**
 * Opens the configured backend: PostgreSQL when a URL is given, else SQLite in the data
 * directory. The driver modules load only when used.
 */
import path from 'node:path';
import type { Storage } from './storage.js';

export interface OpenStorageOptions {
  dataDir: string;
  postgresUrl?: string | undefined;
  onPoolError?: (error: Error) => void;
}

export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  if (options.postgresUrl) {
    const { openPostgresStorage } = await import('./postgres.js');
    return openPostgresStorage({
      url: options.postgresUrl,
      ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
    });
  }
  const { openSqliteStorage, SQLITE_FILE_NAME } = await import('./sqlite.js');
  return openSqliteStorage({ file: path.join(options.dataDir, SQLITE_FILE_NAME) });
}
