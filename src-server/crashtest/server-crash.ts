/**
 * Server crash rounds for one backend: one long-lived database (SQLite file in a data
 * directory, or a PostgreSQL database) that accumulates across every kill. Each round: start
 * the server on it (sometimes killed while still starting), check everything acknowledged so
 * far (check.ts), drive concurrent load (cluster.ts), SIGKILL at a random moment drawn from the
 * seed. After the last kill one more restart and check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MemoryClientStore } from '../../src-shared/sdk/store.js';
import { checkAfterRestart, readStore, type StoreState } from './check.js';
import { Cluster, describe } from './cluster.js';
import { Rng } from './rng.js';
import { SERVE_ENTRY, prepareEntry, spawnCrashServer, type CrashServer } from './server-process.js';

export interface BackendRunOptions {
  backend: 'sqlite' | 'postgres';
  kills: number;
  seed: number;
  /** PostgreSQL database URL (postgres backend). */
  postgresUrl?: string;
  /** Start no new round after this time (ms since the epoch). */
  deadline?: number;
  /** Longest time of load before the kill (default 6000 ms; at least 300 ms). */
  maxLoadMs?: number;
  log?: (line: string) => void;
}

export interface BackendRunResult {
  backend: string;
  kills: number;
  /** Kills that hit the server while it was still starting. */
  startupKills: number;
  /** Worker operations completed (acknowledged) across all rounds. */
  operations: number;
  ackedChecked: number;
  lost: string[];
  corrupt: string[];
  /** Errors of the load while the server was up (should be none). */
  unexpected: string[];
  /** Restarts that failed. */
  failedStarts: string[];
  seconds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runBackend(options: BackendRunOptions): Promise<BackendRunResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const rng = new Rng(options.seed);
  const maxLoadMs = options.maxLoadMs ?? 6000;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `backbone-crash-${options.backend}-`));
  const result: BackendRunResult = {
    backend: options.backend,
    kills: 0,
    startupKills: 0,
    operations: 0,
    ackedChecked: 0,
    lost: [],
    corrupt: [],
    unexpected: [],
    failedStarts: [],
    seconds: 0,
  };
  // A fixed port: the long-lived clients keep their server pins (and the URL) across restarts.
  const port = await freePort();
  const entry = await prepareEntry(SERVE_ENTRY);
  const start = async (): Promise<{ server: CrashServer; url: string } | undefined> => {
    for (let attempt = 1; ; attempt++) {
      const server = spawnCrashServer(entry, dataDir, port, options.postgresUrl);
      try {
        return { server, url: await server.listening };
      } catch (error) {
        await server.kill();
        const why = `${describe(error)}`;
        // The port may still be held by the dying process for a moment: retry that only.
        if (attempt < 5 && /EADDRINUSE/.test(why)) {
          await sleep(200 * attempt);
          continue;
        }
        result.failedStarts.push(why.slice(0, 500));
        return undefined;
      }
    }
  };

  let cluster: Cluster | undefined;
  let baseline: StoreState = new Map();
  try {
    for (let round = 0; round <= options.kills; round++) {
      const last =
        round === options.kills ||
        (options.deadline !== undefined && Date.now() > options.deadline && round > 0);
      // Sometimes kill while the server is still starting (opening the database, migrations).
      if (!last && round > 0 && rng.chance(0.1)) {
        const server = spawnCrashServer(entry, dataDir, port, options.postgresUrl);
        await sleep(rng.int(0, 1500));
        await server.kill();
        result.kills++;
        result.startupKills++;
        continue;
      }
      const t0 = performance.now();
      const up = await start();
      if (!up) break;
      const t1 = performance.now();
      const { server, url } = up;
      if (!cluster) {
        cluster = new Cluster(url);
        await cluster.setup();
        baseline = await readStore(cluster.fresh(cluster.alice, new MemoryClientStore()));
        cluster.journal.clearCommits();
      } else {
        const checked = await checkAfterRestart(cluster, baseline, { fullPasswordLogin: last });
        result.ackedChecked += checked.ackedChecked;
        result.lost.push(...checked.lost.map((s) => `round ${round}: ${s}`));
        result.corrupt.push(...checked.corrupt.map((s) => `round ${round}: ${s}`));
        baseline = checked.store;
        cluster.journal.clearCommits();
        if (checked.lost.length + checked.corrupt.length > 0) {
          log(
            `[${options.backend}] round ${round}: ${[...checked.lost, ...checked.corrupt].join('; ')}`,
          );
        }
      }
      const t2 = performance.now();
      if (last) {
        await server.kill();
        break;
      }
      let stopped = false;
      const load = cluster.load(rng, () => stopped);
      await sleep(rng.int(300, Math.max(300, maxLoadMs)));
      stopped = true;
      await server.kill();
      result.kills++;
      const stats = await load;
      if (process.env.CRASHTEST_TIMING) {
        const t3 = performance.now();
        log(
          `timing: start ${Math.round(t1 - t0)} check ${Math.round(t2 - t1)} load+drain ${Math.round(t3 - t2)}`,
        );
      }
      result.operations += stats.ops;
      result.unexpected.push(...stats.unexpected.map((s) => `round ${round}: ${s}`));
      if (result.kills % 10 === 0 || stats.unexpected.length > 0) {
        log(
          `[${options.backend}] kill ${result.kills}/${options.kills}: ${result.operations} ops, ` +
            `${result.ackedChecked} acknowledged checked, lost ${result.lost.length}, ` +
            `corrupt ${result.corrupt.length}, ${Math.round((performance.now() - started) / 1000)} s` +
            (stats.unexpected.length > 0 ? ` (unexpected: ${stats.unexpected[0]})` : ''),
        );
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    result.seconds = Math.round((performance.now() - started) / 100) / 10;
  }
  return result;
}
