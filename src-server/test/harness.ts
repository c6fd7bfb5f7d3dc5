/**
 * A real server for integration tests: `buildServer(...).listen({port: 0})` on 127.0.0.1 over
 * a fresh database of the given backend, with a clock the test can move and quiet logs.
 */
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { buildServer } from '../app.js';
import { defaultServerConfig, type ServerConfig } from '../config.js';
import type { App } from '../context.js';
import { createLogger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import type { OpenedStorage, TestBackend } from './backends.js';
import { ApiClient } from './client.js';
import { TestClock } from './clock.js';

export { TestClock };

/** Test defaults: silent logs, limits high enough never to get in the way. */
export function testConfig(dataDir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    ...defaultServerConfig(dataDir),
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    rateLimit: { ipPerMinute: 1_000_000, authPerMinute: 1_000_000, accountPerMinute: 1_000_000 },
    ...overrides,
  };
}

export interface TestServer {
  app: App;
  url: string;
  api: ApiClient;
  storage: Storage;
  opened: OpenedStorage;
  clock: TestClock;
  config: ServerConfig;
  close(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<ServerConfig>;
  logger?: Logger;
  /** Reuse this database instead of opening a fresh one (it is not disposed by close). */
  opened?: OpenedStorage;
}

export async function startTestServer(
  backend: TestBackend,
  options: TestServerOptions = {},
): Promise<TestServer> {
  await cryptoReady();
  const opened = options.opened ?? (await backend.open());
  const config = testConfig(opened.dataDir, options.config);
  const clock = new TestClock();
  const app = buildServer({
    config,
    storage: opened.storage,
    clock,
    logger: options.logger ?? createLogger('silent'),
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    if (!options.opened) await opened.dispose();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    api: new ApiClient(url),
    storage: opened.storage,
    opened,
    clock,
    config,
    async close() {
      await app.close();
      if (!options.opened) await opened.dispose();
    },
  };
}

/**
 * Registers a suite's `beforeAll` (a test server on a fresh database) and `afterAll` (close);
 * the returned function gives the server inside tests and later hooks.
 */
export function useTestServer(
  backend: TestBackend,
  options: TestServerOptions = {},
): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(backend, options);
  });
  afterAll(() => server?.close());
  return () => {
    if (!server) throw new Error('the test server starts in beforeAll');
    return server;
  };
}
