/**
 * `backbone serve` as a child process for benchmarks (so the load generator does not share the
 * server's event loop): 127.0.0.1 on a free port, the given data directory (SQLite) or
 * PostgreSQL URL, rate limits lifted, the environment's BACKBONE_* settings ignored; logs (JSON
 * lines) go to `<dataDir>/server.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV } from '../src-server/config.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the server and waits until it listens. */
export async function startServeProcess(
  dataDir: string,
  postgresUrl?: string,
): Promise<ServeProcess> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(dataDir, 'server.log');
  const logFd = openSync(logFile, 'w');
  const env = { ...process.env };
  for (const name of Object.values(SERVER_ENV)) delete env[name];
  const args = [
    '--import',
    'tsx',
    path.join(REPO, 'src-cli', 'main.ts'),
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data',
    dataDir,
    // The defaults (600/min per IP, 1200/min per identity) would cap a benchmark at 10–20 req/s.
    '--rate-limit-ip',
    '1000000',
    '--rate-limit-account',
    '1000000',
    ...(postgresUrl ? ['--postgres', postgresUrl] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', logFd, 'pipe'] });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 10_000) stderr += text;
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      resolve();
    });
  });
  const kill = () => {
    if (exited === undefined) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const stop = async () => {
    process.removeListener('exit', kill);
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };

  const started = performance.now();
  let url: string | undefined;
  while (url === undefined) {
    if (exited !== undefined) {
      throw new Error(`backbone serve exited (${exited}) before listening: ${stderr.trim()}`);
    }
    if (performance.now() - started > START_TIMEOUT_MS) {
      await stop();
      throw new Error(`backbone serve did not start within ${START_TIMEOUT_MS / 1000} s`);
    }
    await sleep(50);
    url = /Backbone server listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  }
  return { url, port: Number(new URL(url).port), child, stop };
}
