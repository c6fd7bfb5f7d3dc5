/**
 * Server benchmark: a real `backbone serve` in a child process (so the load generator in this
 * process does not share its event loop), SQLite in a temp directory, default logging (info,
 * to a file) and metrics on, rate limits lifted. One identity is registered and logged in.
 *
 *   authenticated   GET /v1/auth/tokens/current with a bearer token (token hash lookup,
 *                   expiry/revocation checks, per-identity rate limit, zod-checked answer)
 *   reference       GET /healthz (no token; one database round trip)
 *   baseline        raw better-sqlite3 write rate in this process: WAL, synchronous=NORMAL
 *                   (as the server), one single-row INSERT per transaction (autocommit)
 *
 * At 1, 16 and 64 concurrent keep-alive connections to 127.0.0.1, each with one request in
 * flight (closed loop): requests/s, and p50/p99 latency from write to last byte. Figures are
 * taken in interleaved slices (baseline, /healthz, authenticated, …) so that a busy machine
 * slows them alike. With PostgreSQL installed, the same at 16 clients against a server on a
 * throwaway cluster (src-server/test/postgres-cluster.ts); BACKBONE_BENCH_SKIP_POSTGRES=1 leaves
 * it out. BACKBONE_BENCH_SERVER_ROUNDS (default 5) sets the number of 1 s slices per figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadMeasurement, type Measurement, type Report } from './harness.js';
import { runLoad, type LoadResult } from './http-load.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';
import { cryptoReady, randomBytes } from '../src-shared/crypto/index.js';
import { ApiClient, registeredUser } from '../src-server/test/client.js';
import { startTestPostgres, type TestPostgres } from '../src-server/test/postgres-cluster.js';

const LEVELS = [1, 16, 64] as const;
const PG_LEVEL = 16;
const ROUNDS = Math.max(1, Number(process.env.BACKBONE_BENCH_SERVER_ROUNDS ?? '5') || 5);
const SLICE_MS = 1000;
const BASELINE_SLICE_MS = 400;
const AUTH_PATH = '/v1/auth/tokens/current';
const HEALTH_PATH = '/healthz';

interface ServerProcess extends ServeProcess {
  token: string;
}

/** The server, with one identity registered and logged in (its token checked once). */
async function startServerProcess(dataDir: string, postgresUrl?: string): Promise<ServerProcess> {
  const server = await startServeProcess(dataDir, postgresUrl);
  const { url, stop } = server;
  try {
    const api = new ApiClient(url);
    const { token } = await registeredUser(api, 'Bench');
    const check = await api.get(AUTH_PATH, { token });
    if (check.status !== 200) throw new Error(`${AUTH_PATH} answered ${check.status}`);
    return { ...server, token };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Raw SQLite writes, same pragmas as the server (src-server/storage/sqlite.ts). */
function openBaselineDatabase(file: string) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE writes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL, created_at INTEGER NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO writes (hash, created_at) VALUES (?, ?)');
  const values = Array.from({ length: 256 }, () => Buffer.from(randomBytes(32)));
  let n = 0;
  return {
    db,
    /** Inserts one row at a time (each its own transaction) for `ms`. */
    slice(ms: number): LoadResult {
      const latenciesMs: number[] = [];
      const started = performance.now();
      let now = started;
      while (now - started < ms) {
        insert.run(values[n++ & 255]!, Date.now());
        const t = performance.now();
        latenciesMs.push(t - now);
        now = t;
      }
      return {
        requests: latenciesMs.length,
        errors: 0,
        seconds: (now - started) / 1000,
        latenciesMs,
      };
    },
  };
}

/** Accumulates the slices of one figure. */
class Figure {
  readonly latencies: number[] = [];
  requests = 0;
  seconds = 0;
  constructor(
    readonly name: string,
    readonly concurrency: number,
  ) {}
  add(result: LoadResult): void {
    if (result.errors > 0) {
      throw new Error(`${this.name}: ${result.errors} wrong answers, first: ${result.firstError}`);
    }
    this.requests += result.requests;
    this.seconds += result.seconds;
    for (const l of result.latenciesMs) this.latencies.push(l);
  }
  measurement(): Measurement {
    return loadMeasurement(
      this.name,
      this.latencies,
      this.requests,
      this.seconds,
      this.concurrency,
    );
  }
}

interface Slice {
  figure: Figure;
  run: () => Promise<LoadResult> | LoadResult;
}

/** Runs the slices round-robin, ROUNDS times. */
async function interleave(slices: readonly Slice[]): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const slice of slices) slice.figure.add(await slice.run());
  }
}

function load(server: ServerProcess, pathname: string, connections: number, auth: boolean) {
  return () =>
    runLoad({
      port: server.port,
      path: pathname,
      connections,
      durationMs: SLICE_MS,
      ...(auth ? { headers: { authorization: `Bearer ${server.token}` } } : {}),
    });
}

async function warmUp(server: ServerProcess): Promise<void> {
  await runLoad({ port: server.port, path: HEALTH_PATH, connections: 16, durationMs: 500 });
  await runLoad({
    port: server.port,
    path: AUTH_PATH,
    connections: 16,
    durationMs: 1000,
    headers: { authorization: `Bearer ${server.token}` },
  });
}

function clients(n: number): string {
  return `${n} client${n === 1 ? '' : 's'}`;
}

type PostgresServer =
  { cluster: TestPostgres; server: ServerProcess; skipped?: undefined } | { skipped: string };

async function startPostgresServer(dataDir: string): Promise<PostgresServer> {
  if (process.env.BACKBONE_BENCH_SKIP_POSTGRES === '1') {
    return { skipped: 'BACKBONE_BENCH_SKIP_POSTGRES=1' };
  }
  let cluster: TestPostgres | undefined;
  try {
    cluster = await startTestPostgres();
    const url = await cluster.createDatabase();
    return { cluster, server: await startServerProcess(dataDir, url) };
  } catch (error) {
    await cluster?.stop().catch(() => undefined);
    return { skipped: (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]! };
  }
}

export async function run(report: Report): Promise<void> {
  await cryptoReady();
  const root = await mkdtemp(path.join(os.tmpdir(), 'backbone-bench-server-'));
  const sqliteDir = path.join(root, 'sqlite');
  const pgDir = path.join(root, 'postgres');
  const baselineDb = openBaselineDatabase(path.join(root, 'baseline.sqlite'));
  let sqlite: ServerProcess | undefined;
  let pgStarted: PostgresServer | undefined;
  try {
    report.section(
      `Server over HTTP (backbone serve, SQLite; child process, 127.0.0.1 keep-alive; ` +
        `${ROUNDS} × ${SLICE_MS / 1000} s per figure)`,
    );
    const pgStart = startPostgresServer(pgDir);
    sqlite = await startServerProcess(sqliteDir).finally(async () => {
      pgStarted = await pgStart;
    });
    const pg = pgStarted?.skipped === undefined ? pgStarted : undefined;
    await warmUp(sqlite);
    if (pg) await warmUp(pg.server);

    const auth = new Map<number, Measurement>();
    const health = new Map<number, Measurement>();
    const baseline = new Map<number, Measurement>();
    let pgAuth: Measurement | undefined;
    let pgHealth: Measurement | undefined;
    for (const c of LEVELS) {
      const base = new Figure('raw SQLite INSERT', 1);
      const h = new Figure(`GET ${HEALTH_PATH}`, c);
      const a = new Figure(`GET ${AUTH_PATH}`, c);
      const slices: Slice[] = [
        { figure: base, run: () => baselineDb.slice(BASELINE_SLICE_MS) },
        { figure: h, run: load(sqlite, HEALTH_PATH, c, false) },
        { figure: a, run: load(sqlite, AUTH_PATH, c, true) },
      ];
      const pa = new Figure(`PostgreSQL GET ${AUTH_PATH}`, c);
      const ph = new Figure(`PostgreSQL GET ${HEALTH_PATH}`, c);
      if (pg && c === PG_LEVEL) {
        slices.push(
          { figure: ph, run: load(pg.server, HEALTH_PATH, c, false) },
          { figure: pa, run: load(pg.server, AUTH_PATH, c, true) },
        );
      }
      await interleave(slices);
      baseline.set(c, base.measurement());
      health.set(c, h.measurement());
      auth.set(c, a.measurement());
      if (pg && c === PG_LEVEL) {
        pgAuth = pa.measurement();
        pgHealth = ph.measurement();
      }
      report.compare(
        `authenticated GET tokens/current, ${clients(c)}`,
        auth.get(c)!,
        baseline.get(c)!,
        'ops/s',
      );
      report.compare(
        `GET /healthz (no token), ${clients(c)}`,
        health.get(c)!,
        baseline.get(c)!,
        'ops/s',
      );
    }

    report.section('Cost of authentication (authenticated ÷ /healthz, same server, same run)');
    for (const c of LEVELS) {
      report.compare(
        `tokens/current vs /healthz, ${clients(c)}`,
        auth.get(c)!,
        health.get(c)!,
        'ops/s',
        '/healthz',
      );
    }

    report.section(`PostgreSQL backend (${clients(PG_LEVEL)}; throwaway cluster, fsync off)`);
    if (pg && pgAuth && pgHealth) {
      report.compare(
        `authenticated GET tokens/current, ${clients(PG_LEVEL)}`,
        pgAuth,
        auth.get(PG_LEVEL)!,
        'ops/s',
        'SQLite server',
      );
      report.compare(
        `GET /healthz (no token), ${clients(PG_LEVEL)}`,
        pgHealth,
        health.get(PG_LEVEL)!,
        'ops/s',
        'SQLite server',
      );
    } else {
      report.note(`PostgreSQL: skipped (${pgStarted?.skipped ?? 'not started'})`);
    }
  } finally {
    baselineDb.db.close();
    await sqlite?.stop();
    if (pgStarted && pgStarted.skipped === undefined) {
      await pgStarted.server.stop();
      await pgStarted.cluster.stop().catch(() => undefined);
    }
    await rm(root, { recursive: true, force: true });
  }
}
