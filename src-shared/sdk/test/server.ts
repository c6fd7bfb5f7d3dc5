/**
 * A real Backbone server for SDK and CLI tests: `buildServer` over a fresh database (SQLite in a
 * temp directory by default, or any backend of `src-server/test/backends.ts`), on 127.0.0.1 with
 * a free port, silent logs, limits out of the way, and password access with the test-only cheap
 * parameters (2 passes / 64 MiB).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../../../src-server/app.js';
import type { App } from '../../../src-server/context.js';
import { createLogger } from '../../../src-server/logger.js';
import { openSqliteStorage } from '../../../src-server/storage/sqlite.js';
import type { Storage } from '../../../src-server/storage/storage.js';
import type { OpenedStorage, TestBackend } from '../../../src-server/test/backends.js';
import { testConfig } from '../../../src-server/test/harness.js';
import { cryptoReady, randomBytes, type RandomSource } from '../../crypto/index.js';

/** SPAKE2+EE parameters of the test server (the injected-random floor). */
export const TEST_PASSWORD_ACCESS_PARAMS = { opslimit: 2, memlimit: 64 * 1024 * 1024 };

export interface SdkTestServer {
  app: App;
  /** The server's storage, for tests that play a malicious server by writing rows directly. */
  storage: Storage;
  url: string;
  dataDir: string;
  /**
   * Accept logins signed for `url` too, as for a reverse proxy given with `--public-url`: for a
   * test proxy that stands for the server itself (a malicious server, not a relay).
   */
  trustPublicUrl(url: string): void;
  close(): Promise<void>;
}

/** A fresh SQLite database in a temp directory (the default backend). */
async function openSqlite(): Promise<OpenedStorage> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'backbone-sdk-test-'));
  const storage = await openSqliteStorage({ file: path.join(dataDir, 'backbone.sqlite') });
  return {
    storage,
    dataDir,
    async dispose() {
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startSdkTestServer(
  options: { passwordAccessRandom?: RandomSource; backend?: TestBackend } = {},
): Promise<SdkTestServer> {
  await cryptoReady();
  const opened = options.backend ? await options.backend.open() : await openSqlite();
  const { storage, dataDir } = opened;
  const config = testConfig(dataDir, { publicUrls: [] });
  const app = buildServer({
    config,
    storage,
    logger: createLogger('silent'),
    testOnlyPasswordAccess: {
      random: options.passwordAccessRandom ?? randomBytes,
      params: TEST_PASSWORD_ACCESS_PARAMS,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    storage,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    trustPublicUrl(url) {
      config.publicUrls.push(new URL(url).origin);
    },
    async close() {
      await app.close();
      await opened.dispose();
    },
  };
}
