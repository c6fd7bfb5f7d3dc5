/**
 * `backbone authenticate` on first contact with a workspace: without `--fingerprint` the log is
 * verified and shown with its fingerprint, but nothing is pinned and nothing can be written
 * (exit 6, `MEMBERSHIP_FINGERPRINT_REQUIRED`, with the command that confirms it); with the
 * fingerprint an administrator read out, everything works as before.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkTestServer, type SdkTestServer } from '../src-shared/sdk/test/server.js';
import { runCli, type Run } from './test/run-cli.js';

let server: SdkTestServer;
let tmp: string;

function cli(args: string[], home: string): Promise<Run> {
  return runCli(args, { server: server.url, tmp, home });
}

function ok(run: Run): Run {
  expect(run.code, run.stderr).toBe(0);
  return run;
}

async function pinnedWorkspaces(home: string): Promise<string[]> {
  const pins = JSON.parse(await readFile(path.join(home, 'pins.json'), 'utf8')) as {
    workspaces: Record<string, unknown>;
  };
  return Object.keys(pins.workspaces);
}

beforeAll(async () => {
  server = await startSdkTestServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'backbone-fingerprint-cli-'));
});

afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('backbone authenticate on first contact', () => {
  it(
    'pins and writes nothing without --fingerprint, and says how to confirm',
    { timeout: 240_000 },
    async () => {
      const alice = path.join(tmp, 'alice');
      const bob = path.join(tmp, 'bob');
      const created = JSON.parse(
        ok(await cli(['workspace', 'create', '-', 'Confirm CLI', 'alice', '--json'], alice)).stdout,
      ) as { id: string; fingerprint: string };
      const invitation = ok(await cli(['user', 'generate', 'bob'], bob)).stdout.trim();
      ok(await cli(['user', 'import', invitation, '--yes', '--permissions', 'store_use'], alice));
      ok(await cli(['namespace', 'create', 'team'], alice));
      ok(await cli(['namespace', 'grant', 'team', 'bob', '--access', 'read,write'], alice));

      // no --fingerprint: logged in, the fingerprint is shown with the command that confirms it
      const login = ok(await cli(['authenticate', created.id, 'bob'], bob));
      expect(login.stdout).toContain(created.fingerprint);
      expect(login.stderr).toContain(`--fingerprint`);
      expect(login.stderr).toMatch(/not pinned/i);
      expect(await pinnedWorkspaces(bob)).toEqual([]);
      // nothing is written
      const refused = await cli(['entry', 'set', 'team/bob', 'secret'], bob);
      expect(refused.code).toBe(6);
      expect(refused.stderr).toContain('MEMBERSHIP_FINGERPRINT_REQUIRED');
      expect(refused.stderr).toContain('--fingerprint');
      expect(await pinnedWorkspaces(bob)).toEqual([]);

      // confirmed: pinned, and writing works
      ok(await cli(['authenticate', created.id, 'bob', '--fingerprint', created.fingerprint], bob));
      expect((await pinnedWorkspaces(bob)).length).toBe(1);
      ok(await cli(['entry', 'set', 'team/bob', 'secret'], bob));
      expect(ok(await cli(['entry', 'get', 'team/bob'], alice)).stdout).toBe('secret\n');
    },
  );
});
