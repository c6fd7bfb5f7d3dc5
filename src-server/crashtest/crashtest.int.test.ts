/**
 * A small server crash test for the suite (the full one is `npm run crashtest`,
 * docs/server.md): the server killed with SIGKILL 3 times per backend under concurrent SDK
 * load, fixed seed. Nothing acknowledged may be lost, nothing corrupt, every restart works.
 *
 * Not in `npm test` yet (set BACKBONE_CRASHTEST_SMOKE=1 to run it): on the merged store model it
 * still reports, on some interleavings, the SDK's snapshot failing with STORE_CONFLICT ("Something
 * already exists at this path") after a kill. That finding is open (see the issue note); the
 * suite must not pass or fail on a coin toss meanwhile. `npm run crashtest` runs the full test.
 */
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { testPostgresUrl, useTestBackends } from '../test/backends.js';
import { runBackend } from './server-crash.js';

const SEED = 20261203;
const backends = useTestBackends().map((b) => b.name);

const enabled = process.env.BACKBONE_CRASHTEST_SMOKE === '1';
if (!enabled && process.env.VITEST_WORKER_ID !== undefined) {
  console.log('skipped: the small server crash test (BACKBONE_CRASHTEST_SMOKE=1 runs it)');
}

describe.skipIf(!enabled)('server crash test (small)', () => {
  it(`server killed 3 times per backend (${backends.join(', ')})`, async () => {
    await cryptoReady();
    const results = await Promise.all(
      backends.map(async (backend) =>
        runBackend({
          backend,
          kills: 3,
          seed: SEED,
          ...(backend === 'postgres' ? { postgresUrl: await testPostgresUrl() } : {}),
        }),
      ),
    );
    for (const result of results) {
      expect(result.failedStarts, result.backend).toEqual([]);
      expect(result.lost, result.backend).toEqual([]);
      expect(result.corrupt, result.backend).toEqual([]);
      expect(result.kills, result.backend).toBe(3);
      expect(result.ackedChecked, result.backend).toBeGreaterThan(0);
    }
    // minutes on a loaded machine: each round starts a server and verifies everything
  }, 600_000);
});
