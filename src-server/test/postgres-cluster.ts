/**
 * Throwaway PostgreSQL for tests.
 *
 * - `BACKBONE_TEST_POSTGRES_URL` set: use that server (its user must be allowed to CREATE
 *   DATABASE); every suite gets its own fresh database, dropped at the end.
 * - Otherwise: start a private cluster — a temp directory owned by the `postgres` user (initdb
 *   refuses to run as root, so as root the binaries run through `runuser -u postgres`),
 *   `initdb` + `pg_ctl start` on a free port on 127.0.0.1 (its socket directory is the temp
 *   directory too), fsync off; stopped and deleted by `stop()` (and, as a last resort, when the
 *   process exits).
 * - Binaries: `BACKBONE_TEST_PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`, else PATH.
 * - If PostgreSQL cannot start, this throws: the PostgreSQL suites fail rather than skip,
 *   unless `BACKBONE_TEST_SKIP_POSTGRES=1` says to leave them out (see `postgresSkipped`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { randomBytes, toHex } from '../../src-shared/crypto/index.js';

const run = promisify(execFile);

export interface TestPostgres {
  /** A URL of a new, empty database. */
  createDatabase(): Promise<string>;
  /** Drops the databases made here and, for a private cluster, stops and deletes it. */
  stop(): Promise<void>;
}

export function postgresSkipped(): boolean {
  return process.env.BACKBONE_TEST_SKIP_POSTGRES === '1';
}

function findBinDir(): string {
  const explicit = process.env.BACKBONE_TEST_PG_BIN;
  if (explicit) return explicit;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  return ''; // rely on PATH
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no user ${name}`);
  return { uid, gid };
}

async function withAdmin<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Databases on an existing server: made per suite, dropped at the end. */
function onServer(adminUrl: string, onStop: () => Promise<void>): TestPostgres {
  const made: string[] = [];
  return {
    async createDatabase() {
      const name = `bb_test_${toHex(randomBytes(6))}`;
      await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      made.push(name);
      return databaseUrl(adminUrl, name);
    },
    async stop() {
      try {
        if (made.length > 0) {
          await withAdmin(adminUrl, async (client) => {
            for (const name of made) {
              await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            }
          });
        }
      } finally {
        await onStop();
      }
    },
  };
}

/** Starts a private cluster (see the file comment). */
export async function startPostgresCluster(): Promise<TestPostgres> {
  const bin = findBinDir();
  const tool = (name: string) => (bin ? path.join(bin, name) : name);
  const asRoot = process.getuid?.() === 0;
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  let started = false;
  const stopSync = () => {
    if (!started) return;
    try {
      const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', tool('pg_ctl'), ...args]);
      else execFileSync(tool('pg_ctl'), args);
    } catch {
      // already stopped
    }
  };
  process.once('exit', stopSync);

  try {
    if (asRoot) {
      const { uid, gid } = await userIds('postgres');
      await chown(dir, uid, gid);
    }
    await exec(tool('initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    let port = 0;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=100',
      ].join(' ');
      try {
        await exec(tool('pg_ctl'), [
          '-D',
          dataDir,
          '-l',
          logFile,
          '-o',
          options,
          '-w',
          '-t',
          '30',
          'start',
        ]);
        started = true;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return onServer(adminUrl, async () => {
      process.removeListener('exit', stopSync);
      try {
        await exec(tool('pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']);
      } finally {
        started = false;
        await rm(dir, { recursive: true, force: true });
      }
    });
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    stopSync();
    process.removeListener('exit', stopSync);
    await rm(dir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not start a test PostgreSQL cluster (${reason.trim()}).${log ? `\n${log.slice(-2000)}` : ''}\n` +
        'Install PostgreSQL (initdb, pg_ctl), set BACKBONE_TEST_POSTGRES_URL to a server to use, ' +
        'or set BACKBONE_TEST_SKIP_POSTGRES=1 to leave the PostgreSQL suites out.',
      { cause: error },
    );
  }
}

/** The PostgreSQL to test against: `BACKBONE_TEST_POSTGRES_URL`, else a private cluster. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const url = process.env.BACKBONE_TEST_POSTGRES_URL;
  if (url) return onServer(url, () => Promise.resolve());
  return startPostgresCluster();
}
