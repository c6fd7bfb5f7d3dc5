/**
 * `backbone serve` as a separate process, exactly as a user runs it (through tsx, so no build
 * is needed): it prints its URL, answers /healthz, and stops cleanly on SIGTERM/SIGINT.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresSkipped } from './test/postgres-cluster.js';
import { testPostgresUrl, useTestBackends } from './test/backends.js';

useTestBackends(); // stops the PostgreSQL cluster after this file

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'src-cli', 'main.ts');

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
    }, 30_000);
    const onData = () => {
      const match = /Backbone server listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-serve-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('backbone serve (separate process)', () => {
  it('serves SQLite from a data directory and stops cleanly on SIGTERM', async () => {
    const data = path.join(await tempDir(), 'data');
    const served = await serve(['--port', '0', '--data', data]);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${served.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
      const info = (await (await fetch(`${served.url}/v1/server`)).json()) as { id: string };
      expect(info.id).toMatch(/^bbs1/);
      expect((await stat(data)).mode & 0o777).toBe(0o700);
      const keys = await stat(path.join(data, 'server-keys.json'));
      expect(keys.mode & 0o777).toBe(0o600);
      await stat(path.join(data, 'backbone.sqlite'));
      // keep an idle keep-alive connection open: shutdown must not wait for it
      await fetch(`${served.url}/healthz`, { keepalive: true });
    } finally {
      served.child.kill('SIGTERM');
    }
    expect(await served.exited).toBe(0);
    expect(served.output()).toContain('"msg":"shutting down"');
    expect(served.output()).toContain('"msg":"stopped"');

    // restarting keeps the server's identity
    const again = await serve(['--port', '0', '--data', data, '--log-level', 'warn']);
    try {
      const before = JSON.parse(await readFile(path.join(data, 'server-keys.json'), 'utf8')) as {
        signSeed: string;
      };
      expect(before.signSeed).toBeTruthy();
      expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
    } finally {
      again.child.kill('SIGINT');
    }
    expect(await again.exited).toBe(0);
  });

  it.skipIf(postgresSkipped())('serves PostgreSQL from BACKBONE_POSTGRES_URL', async () => {
    const url = await testPostgresUrl();
    const served = await serve(['--log-level', 'info'], {
      BACKBONE_PORT: '0',
      BACKBONE_POSTGRES_URL: url,
      BACKBONE_DATA: await tempDir(),
    });
    try {
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
      expect(served.output()).toContain('"storage":"postgres"');
    } finally {
      served.child.kill('SIGTERM');
    }
    expect(await served.exited).toBe(0);
  });

  it('refuses bad configuration with a clear message and exit code 1', async () => {
    const badPort = await run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(1);
    expect(badPort.output).toContain('--port or BACKBONE_PORT must be a whole number');

    const unreachable = await run([
      'serve',
      '--port',
      '0',
      '--postgres',
      'postgres://u:hunter2@127.0.0.1:1/db',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toContain('Cannot use the PostgreSQL database');
    expect(unreachable.output).not.toContain('hunter2');
  });
});
