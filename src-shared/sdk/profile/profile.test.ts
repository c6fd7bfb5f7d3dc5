import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
