/**
 * A small crash test for `npm test` (the full one is `npm run crashtest`, docs/server.md): the
 * server killed with SIGKILL 3 times per backend under concurrent SDK load, the client files
 * 10 times mid-write, with a fixed seed. Nothing acknowledged may be lost, nothing corrupt.
 */
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { useTestBackends, testPostgresUrl } from '../test/backends.js';
import { runClientFiles } from './client-files.js';
import { runBackend } from './server-crash.js';

const SEED = 20261203;
const backends = useTestBackends().map((b) => b.name);

describe('crash test (small)', () => {
  it(`server killed 3 times per backend (${backends.join(', ')}), client files killed 10 times`, async () => {
    await cryptoReady();
    const [client, ...servers] = await Promise.all([
      runClientFiles({ kills: 10, seed: SEED }),
      ...backends.map(async (backend) =>
        runBackend({
          backend,
          kills: 3,
          seed: SEED,
          ...(backend === 'postgres' ? { postgresUrl: await testPostgresUrl() } : {}),
        }),
      ),
    ]);
    for (const result of servers) {
      expect(result.failedStarts, result.backend).toEqual([]);
      expect(result.lost, result.backend).toEqual([]);
      expect(result.corrupt, result.backend).toEqual([]);
      expect(result.kills, result.backend).toBe(3);
      expect(result.ackedChecked, result.backend).toBeGreaterThan(0);
    }
    expect(client.corrupt).toEqual([]);
    expect(client.kills).toBe(10);
    expect(client.writes).toBeGreaterThan(0);
  }, 600_000);
});
