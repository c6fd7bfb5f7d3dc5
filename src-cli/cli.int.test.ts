/**
 * The `backbone` CLI as a separate process (`node --import tsx src-cli/main.ts`, what `npx tsx`
 * runs) with several `--home` profiles against one real in-process server: create a workspace,
 * generate and import invitations, list, modify and remove members, tokens, password access from
 * a new machine, `--json` output, and the exit codes.
 *
 * Argon2id stays cheap through the test-only switch (BACKBONE_TEST_WEAK_KDF=1 with NODE_ENV=test).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSdkTestServer, type SdkTestServer } from '../src-shared/sdk/test/server.js';
import { runCli, type Run } from './test/run-cli.js';

let server: SdkTestServer;
let tmp: string;

function cli(
  args: string[],
  options: { home?: string; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  return runCli(args, { server: server.url, tmp, ...options });
}

function json<T = Record<string, unknown>>(run: Run): T {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  server = await startSdkTestServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'backbone-cli-test-'));
});

afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('backbone CLI', () => {
  it('two profiles invite each other and manage members', { timeout: 180_000 }, async () => {
    const alice = path.join(tmp, 'alice');
    const bob = path.join(tmp, 'bob');
    const carol = path.join(tmp, 'carol');

    // alice creates a workspace (a new identity is made on the way) with password access
    const created = json<{
      id: string;
      fingerprint: string;
      you: { name: string };
      passwordAccess: boolean;
    }>(
      await cli(['workspace', 'create', '-', 'Acme team', 'alice', '--password', '--json'], {
        home: alice,
        env: { BACKBONE_PASSWORD: 'alice password 1' },
      }),
    );
    expect(created.you.name).toBe('alice');
    expect(created.passwordAccess).toBe(true);
    expect(created.fingerprint).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect((await stat(path.join(alice, 'keyfile.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(alice)).mode & 0o777).toBe(0o700);

    // bob makes an invitation: stdout has the payload alone, the fingerprint goes to stderr
    const generated = await cli(['user', 'generate', 'bob'], { home: bob });
    expect(generated.code, generated.stderr).toBe(0);
    const invitation = generated.stdout.trim();
    expect(generated.stdout).toBe(`${invitation}\n`);
    expect(invitation).toMatch(/^bbinvite1\.[A-Za-z0-9_-]+$/);
    const bobId = json<{ safetyNumber: string; address: string }>(
      await cli(['identity', 'show', '--json'], { home: bob }),
    );
    expect(generated.stderr).toContain(bobId.safetyNumber);

    // importing needs a confirmation: no terminal and no --yes → refused, nothing changed
    const unconfirmed = await cli(['user', 'import', invitation], { home: alice });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect(unconfirmed.stderr).toContain(bobId.safetyNumber);

    const imported = json<{ name: string; permissions: string[]; address: string }>(
      await cli(['user', 'import', invitation, '--yes', '--permissions', 'store_use', '--json'], {
        home: alice,
      }),
    );
    expect(imported).toMatchObject({
      name: 'bob',
      permissions: ['STORE_USE'],
      address: bobId.address,
    });

    // bob logs in, checking the fingerprint alice gave him
    const login = json<{ you: { name: string }; workspace: { id: string }; firstContact: boolean }>(
      await cli(
        ['authenticate', created.id, 'bob', '--fingerprint', created.fingerprint, '--json'],
        { home: bob },
      ),
    );
    expect(login).toMatchObject({
      you: { name: 'bob' },
      workspace: { id: created.id },
      firstContact: true,
    });

    const members = json<{ members: { name: string; permissions: string[] }[] }>(
      await cli(['user', 'list', '--json'], { home: bob }),
    );
    expect(members.members.map((m) => m.name)).toEqual(['alice', 'bob']);
    const self = json<{ name: string }>(await cli(['user', 'self', '--json'], { home: bob }));
    expect(self.name).toBe('bob');
    const text = await cli(['user', 'list'], { home: bob });
    expect(text.stdout).toMatch(/^alice\s+ROOT/m);

    // bob may not add members (exit 3), the "$(…)" pipeline works across profiles
    const carolInvite = (
      await cli(['user', 'generate', 'carol', '--no-qr'], { home: carol })
    ).stdout.trim();
    const forbidden = await cli(['user', 'import', carolInvite, '--yes'], { home: bob });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/MEMBERSHIP_FORBIDDEN/);

    // alice raises bob; then bob can add carol
    const modified = json<{ permissions: string[] }>(
      await cli(['user', 'modify', 'bob', '--permissions', 'USER_MANAGE,STORE_USE', '--json'], {
        home: alice,
      }),
    );
    expect(modified.permissions).toEqual(['USER_MANAGE', 'STORE_USE']);
    expect((await cli(['user', 'import', carolInvite, '--yes'], { home: bob })).code).toBe(0);
    // no-op and unknown member
    expect(
      (
        await cli(['user', 'modify', 'bob', '--permissions', 'USER_MANAGE,STORE_USE'], {
          home: alice,
        })
      ).code,
    ).toBe(5);
    expect((await cli(['user', 'get', 'nobody'], { home: alice })).code).toBe(4);

    // alice removes carol and bob; bob is out
    const removed = json<{ removed: string; namingKeyGeneration: number }>(
      await cli(['user', 'delete', 'carol', '--yes', '--json'], { home: alice }),
    );
    expect(removed).toMatchObject({
      workspace: created.id,
      removed: 'carol',
      namingKeyGeneration: 2,
      store: { revoked: [], unreachable: 0 },
    });
    expect((await cli(['user', 'delete', 'bob', '--yes'], { home: alice })).code).toBe(0);
    const out = await cli(['user', 'list', '--json'], { home: bob });
    expect(out.code).toBe(3);
    expect(JSON.parse(out.stderr)).toMatchObject({ error: { code: 'FORBIDDEN', exitCode: 3 } });

    // tokens
    const tokens = json<{ tokens: { id: string; current: boolean }[] }>(
      await cli(['token', 'list', '--json'], { home: alice }),
    );
    expect(tokens.tokens.some((t) => t.current)).toBe(true);
    const derived = await cli(['token', 'derive', '--scopes', 'TOKEN_READ', '--ttl', '600'], {
      home: alice,
    });
    expect(derived.code, derived.stderr).toBe(0);
    expect(derived.stdout).toMatch(/^bbt1\.[A-Za-z0-9_-]{43}\n$/);

    // a brand-new machine signs in as alice with the password only; a wrong fingerprint
    // (from whoever told it) is refused as a verification failure and nothing is pinned
    const machine = path.join(tmp, 'alice-laptop');
    const laptopEnv = {
      BACKBONE_PASSWORD: 'alice password 1',
      BACKBONE_PASSPHRASE: 'laptop passphrase',
    };
    const wrongFingerprint = await cli(
      ['authenticate', created.id, 'alice', '--password', '--fingerprint', '12345 '.repeat(12)],
      { home: machine, env: laptopEnv },
    );
    expect(wrongFingerprint.code).toBe(6);
    expect(wrongFingerprint.stderr).toMatch(/MEMBERSHIP_FORK/);
    const fromPassword = json<{ you: { name: string }; identity: string }>(
      await cli(['authenticate', created.id, 'alice', '--json'], { home: machine, env: laptopEnv }),
    );
    const aliceId = json<{ address: string; device: { id: string } }>(
      await cli(['identity', 'show', '--json'], { home: alice }),
    );
    expect(fromPassword).toMatchObject({ you: { name: 'alice' }, identity: aliceId.address });
    const laptopId = json<{ address: string; device: { id: string } }>(
      await cli(['identity', 'show', '--json'], { home: machine }),
    );
    expect(laptopId.address).toBe(aliceId.address);
    expect(laptopId.device.id).not.toBe(aliceId.device.id);
    const badPassword = await cli(['authenticate', created.id, 'alice', '--password'], {
      home: path.join(tmp, 'intruder'),
      env: { BACKBONE_PASSWORD: 'guess' },
    });
    expect(badPassword.code).toBe(3);

    // the pins and tokens live in the profile
    const pins = JSON.parse(await readFile(path.join(alice, 'pins.json'), 'utf8')) as {
      workspaces: Record<string, { head: { seq: number } }>;
    };
    expect(Object.values(pins.workspaces)[0]?.head.seq).toBeGreaterThanOrEqual(6);

    // delete the workspace
    const get = json<{ id: string }>(await cli(['workspace', 'get', '--json'], { home: alice }));
    expect(get.id).toBe(created.id);
    expect((await cli(['workspace', 'delete', '--yes'], { home: alice })).code).toBe(0);
    expect((await cli(['workspace', 'get', '--workspace', created.id], { home: alice })).code).toBe(
      4,
    );
  });

  it('exit codes: usage, unreachable server, missing identity', { timeout: 60_000 }, async () => {
    const home = path.join(tmp, 'codes');
    // independent checks, run side by side
    const [unknown, missingOption, help, shortId, noIdentity] = await Promise.all([
      cli(['user', 'frobnicate'], { home }),
      cli(['user', 'modify', 'bob'], { home }),
      cli(['--help'], { home }),
      cli(['workspace', 'create', 'no', 'Team', 'alice'], { home }),
      cli(['authenticate', 'AAAAAAAAAAAAAAAAAAAAAA', 'bob'], { home }),
    ]);
    expect(unknown.code).toBe(2);
    expect(missingOption.code).toBe(2);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/workspace/);
    expect(shortId.code).toBe(2);
    expect(shortId.stderr).toMatch(/3 to 64/);
    expect(noIdentity.code).toBe(4); // no identity in this profile, and no --password
    expect((await cli(['init'], { home })).code).toBe(0);
    expect((await cli(['init'], { home })).code).toBe(5);
    const unreachable = await cli(['--server', 'http://127.0.0.1:9', 'token', 'list', '--json'], {
      home,
    });
    expect(unreachable.code).toBe(7);
    expect(JSON.parse(unreachable.stderr)).toMatchObject({ error: { code: 'SERVER_UNREACHABLE' } });
    const noServer = await cli(['token', 'list'], { home, env: { BACKBONE_SERVER: undefined } });
    expect(noServer.code).toBe(2);
    // no passphrase and no terminal: a clear refusal
    const noPass = await cli(['token', 'list'], { home, env: { BACKBONE_PASSPHRASE: undefined } });
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toMatch(/BACKBONE_PASSPHRASE/);
    // the weak-KDF switch is ignored outside NODE_ENV=test: the weak keyfile is refused
    const strict = await cli(['token', 'list'], { home, env: { NODE_ENV: 'production' } });
    expect(strict.code).toBe(6);
    expect(strict.stderr).toMatch(/CRYPTO_PARAMS_BELOW_FLOOR/);
  });
});
