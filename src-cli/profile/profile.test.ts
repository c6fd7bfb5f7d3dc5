import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackboneError } from '../../src-shared/errors.js';
import { ServerError } from '../../src-shared/sdk/http.js';
import { VerificationError } from '../../src-shared/sdk/workspaces.js';
import { CliError, EXIT, exitCodeFor, weakKdfForTests } from '../context.js';
import { Profile, resolveHome } from './profile.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-profile-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('profile store', () => {
  it('keeps pins and tokens in private files and never lowers a verified head', async () => {
    const profile = new Profile(path.join(dir, 'home'));
    const store = profile.store();
    expect(await store.getWorkspacePin('bbs1x', 'ws')).toBeUndefined();
    await store.setWorkspacePin('bbs1x', 'ws', { genesisHash: 'G', head: { seq: 5, hash: 'H5' } });
    await store.setWorkspacePin('bbs1x', 'ws', { genesisHash: 'G', head: { seq: 3, hash: 'H3' } });
    expect(await store.getWorkspacePin('bbs1x', 'ws')).toEqual({
      genesisHash: 'G',
      head: { seq: 5, hash: 'H5' },
    });
    await store.setWorkspacePin('bbs1x', 'ws', { genesisHash: 'G', head: { seq: 6, hash: 'H6' } });
    expect((await store.getWorkspacePin('bbs1x', 'ws'))?.head.seq).toBe(6);
    await store.setToken('bbs1x', 'bb1me', {
      token: 'bbt1.secret',
      tokenId: 'id',
      expiresAt: '2030-01-01T00:00:00.000Z',
      scopes: ['ROOT'],
      workspaceId: null,
    });
    expect((await store.getToken('bbs1x', 'bb1me'))?.token).toBe('bbt1.secret');
    expect((await stat(profile.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(profile.tokensFile)).mode & 0o777).toBe(0o600);
    expect((await stat(profile.pinsFile)).mode & 0o777).toBe(0o600);
    await store.deleteToken('bbs1x', 'bb1me');
    expect(await store.getToken('bbs1x', 'bb1me')).toBeUndefined();
    expect(await readFile(profile.tokensFile, 'utf8')).not.toContain('secret');
    await store.deleteWorkspacePin('bbs1x', 'ws');
    expect(await store.getWorkspacePin('bbs1x', 'ws')).toBeUndefined();
  });

  it('refuses a damaged profile file with a clear error', async () => {
    const profile = new Profile(dir);
    await writeFile(profile.pinsFile, '{"v": 2}');
    await expect(profile.store().getServerPin('x')).rejects.toThrow(/damaged or from a newer/);
  });

  it('resolves the home directory from the option, the environment, then ~/.backbone', () => {
    expect(resolveHome('/a', { BACKBONE_HOME: '/b' })).toBe('/a');
    expect(resolveHome(undefined, { BACKBONE_HOME: '/b' })).toBe('/b');
    expect(resolveHome(undefined, {})).toBe(path.join(os.homedir(), '.backbone'));
  });
});

describe('exit codes and the test-only switch', () => {
  it('maps errors to the documented exit codes', () => {
    expect(exitCodeFor(new CliError(EXIT.USAGE, 'x'))).toBe(2);
    expect(exitCodeFor(new BackboneError('INVALID_ARGUMENT', 'x'))).toBe(2);
    expect(exitCodeFor(new BackboneError('KEYFILE_WRONG_PASSWORD', 'x'))).toBe(3);
    expect(exitCodeFor(new ServerError('FORBIDDEN', 'x', 403, 'FORBIDDEN'))).toBe(3);
    expect(exitCodeFor(new ServerError('NOT_FOUND', 'x', 404, 'NOT_FOUND'))).toBe(4);
    expect(exitCodeFor(new ServerError('INVALID_REQUEST', 'x', 409, 'SOMETHING_NEW'))).toBe(5);
    expect(exitCodeFor(new BackboneError('MEMBERSHIP_INVALID', 'x'))).toBe(5);
    expect(exitCodeFor(new VerificationError('MEMBERSHIP_INVALID', 'x'))).toBe(6);
    expect(exitCodeFor(new BackboneError('MEMBERSHIP_FORK', 'x'))).toBe(6);
    expect(exitCodeFor(new BackboneError('SERVER_UNREACHABLE', 'x'))).toBe(7);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });

  it('honours BACKBONE_TEST_WEAK_KDF only with NODE_ENV=test', () => {
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1', NODE_ENV: 'test' })).toBe(true);
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1', NODE_ENV: 'production' })).toBe(false);
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1' })).toBe(false);
    expect(weakKdfForTests({ NODE_ENV: 'test' })).toBe(false);
  });
});
