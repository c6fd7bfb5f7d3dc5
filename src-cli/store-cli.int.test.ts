/**
 * `backbone entry` / `backbone namespace` as separate processes with two profiles against one
 * real server: set (from stdin) / get (piping) / grant / revoke / search, --json, exit codes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkTestServer, type SdkTestServer } from '../src-shared/sdk/test/server.js';
import { runCli, type Run } from './test/run-cli.js';

let server: SdkTestServer;
let tmp: string;

function cli(args: string[], home: string, stdin?: string): Promise<Run> {
  return runCli(args, { server: server.url, tmp, home, ...(stdin !== undefined ? { stdin } : {}) });
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
