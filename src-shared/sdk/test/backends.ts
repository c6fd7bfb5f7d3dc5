/**
 * The SDK suites on every storage backend (SQLite, PostgreSQL), like the server's own suites:
 *
 *     const backends = useTestBackends();
 *     describe.each(backends)('… ($name)', (backend) => {
 *       const server = useSdkTestServer(backend);
 *       it('…', async () => { … server.url … });
 *     });
 *
 * One throwaway PostgreSQL cluster per test file (src-server/test/backends.ts), stopped after the
 * file's tests; `BACKBONE_TEST_SKIP_POSTGRES=1` leaves PostgreSQL out.
 */
import { afterAll, beforeAll } from 'vitest';
import type { TestBackend } from '../../../src-server/test/backends.js';
import type { RandomSource } from '../../crypto/index.js';
import { startSdkTestServer, type SdkTestServer } from './server.js';

export { useTestBackends, type TestBackend } from '../../../src-server/test/backends.js';

/**
 * A server on `backend`, started before the enclosing describe's tests and closed after them.
 * The returned object reads through to it (use it inside tests and hooks, not at collection).
 */
export function useSdkTestServer(
  backend: TestBackend,
  options: { passwordAccessRandom?: RandomSource } = {},
): SdkTestServer {
  let started: SdkTestServer | undefined;
  beforeAll(async () => {
    started = await startSdkTestServer({ ...options, backend });
  }, 60_000);
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  const current = (): SdkTestServer => {
    if (!started) throw new Error('the test server is not running (use it inside a test)');
    return started;
  };
  return {
    get app() {
      return current().app;
    },
    get storage() {
      return current().storage;
    },
    get url() {
      return current().url;
    },
    get dataDir() {
      return current().dataDir;
    },
    trustPublicUrl: (url) => current().trustPublicUrl(url),
    close: () => current().close(),
  };
}
