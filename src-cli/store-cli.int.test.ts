/**
 * `backbone entry` / `backbone namespace` as separate processes with two profiles against one
 * real server: set (from stdin) / get (piping) / grant / revoke / search, --json, exit codes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkTestServer, type SdkTestServer } from '../src-shared/sdk/test/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'src-cli', 'main.ts');

let server: SdkTestServer;
let tmp: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], home: string, stdin?: string): Promise<Run> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: tmp,
    NODE_ENV: 'test',
    BACKBONE_TEST_WEAK_KDF: '1',
    BACKBONE_PASSPHRASE: 'profile passphrase',
    BACKBONE_SERVER: server.url,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--home', home, ...args], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function ok(run: Run): Run {
  expect(run.code, run.stderr).toBe(0);
  return run;
}

beforeAll(async () => {
  server = await startSdkTestServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'backbone-store-cli-'));
});
afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('backbone entry / namespace', () => {
  it('two profiles: set, get, grant, search, revoke', { timeout: 180_000 }, async () => {
    const alice = path.join(tmp, 'alice');
    const bob = path.join(tmp, 'bob');
    const created = JSON.parse(
      ok(await cli(['workspace', 'create', '-', 'Store CLI', 'alice', '--json'], alice)).stdout,
    ) as { id: string; fingerprint: string };
    const invitation = ok(await cli(['user', 'generate', 'bob'], bob)).stdout.trim();
    ok(await cli(['user', 'import', invitation, '--yes', '--permissions', 'store_use'], alice));
    ok(await cli(['authenticate', created.id, 'bob', '--fingerprint', created.fingerprint], bob));

    ok(await cli(['namespace', 'create', 'team'], alice));
    // the value from stdin; get prints it alone
    ok(await cli(['entry', 'set', 'team/db', '-'], alice, 's3cret value\n'));
    expect(ok(await cli(['entry', 'get', 'team/db'], alice)).stdout).toBe('s3cret value\n');
    const info = JSON.parse(ok(await cli(['entry', 'get', 'team/db', '--json'], alice)).stdout) as {
      version: number;
      writer: string;
    };
    expect(info).toMatchObject({ version: 1, writer: 'alice' });

    // bob cannot read until alice shares the folder
    expect((await cli(['entry', 'get', 'team/db'], bob)).code).toBe(3);
    ok(await cli(['namespace', 'grant', 'team', 'bob', '--access', 'read'], alice));
    expect(ok(await cli(['entry', 'get', 'team/db'], bob)).stdout).toBe('s3cret value\n');
    const found = JSON.parse(ok(await cli(['entry', 'search', 'team', '--json'], bob)).stdout) as {
      keys: string[];
    };
    expect(found.keys).toEqual(['team/db']);

    ok(await cli(['namespace', 'revoke', 'team', 'bob'], alice));
    expect((await cli(['entry', 'get', 'team/db'], bob)).code).toBe(3);
    expect((await cli(['entry', 'get', 'team/none'], alice)).code).toBe(4);
    expect((await cli(['entry', 'set', 'team/x', 'v', '--ttl', 'soon'], alice)).code).toBe(2);
  });
});
