import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

  it('two concurrent writers never lower a pin (the read-merge-write runs under a lock)', async () => {
    const home = path.join(dir, 'home');
    // two stores over the same directory, as two processes would have
    const a = new Profile(home).store();
    const b = new Profile(home).store();
    const observed: number[] = [];
    let writing = true;
    const watcher = (async () => {
      while (writing) {
        const seq = (await a.getWorkspacePin('bbs1x', 'ws'))?.head.seq;
        if (seq !== undefined) observed.push(seq);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // each writer raises the head step by step, interleaved with the other
    const writer = async (store: typeof a, parity: number) => {
      for (let seq = parity; seq <= 40; seq += 2) {
        await store.setWorkspacePin('bbs1x', 'ws', {
          genesisHash: 'G',
          head: { seq, hash: `H${seq}` },
        });
      }
    };
    await Promise.all([writer(a, 0), writer(b, 1)]);
    writing = false;
    await watcher;
    const final = await b.getWorkspacePin('bbs1x', 'ws');
    expect(final?.head).toEqual({ seq: 40, hash: 'H40' });
    for (let i = 1; i < observed.length; i++) {
      expect(observed[i]!).toBeGreaterThanOrEqual(observed[i - 1]!);
    }
    // a server key pinned first is kept: a concurrent writer cannot replace it
    const pin = (key: string) => ({
      url: 'https://s',
      serverId: `bbs1${key}`,
      boxPublicKey: key,
      signPublicKey: key,
    });
    await Promise.all([a.setServerPin(pin('one')), b.setServerPin(pin('two'))]);
    const first = (await a.getServerPin('https://s'))?.serverId;
    await b.setServerPin(pin('three'));
    expect((await b.getServerPin('https://s'))?.serverId).toBe(first);
  });

  it('tightens an existing profile directory to 0700 and its files to 0600 when opened', async () => {
    const home = path.join(dir, 'loose');
    await mkdir(home, { mode: 0o755 });
    await chmod(home, 0o755);
    await writeFile(path.join(home, 'pins.json'), '{"v":1,"servers":{},"workspaces":{}}', {
      mode: 0o644,
    });
    await writeFile(path.join(home, 'tokens.json'), '{"v":1,"tokens":{}}', { mode: 0o644 });
    await chmod(path.join(home, 'pins.json'), 0o644);
    await chmod(path.join(home, 'tokens.json'), 0o644);
    const store = new Profile(home).store();
    expect(await store.getServerPin('x')).toBeUndefined(); // only read
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(home, 'pins.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(home, 'tokens.json'))).mode & 0o777).toBe(0o600);
    // the profile file itself too, when read through the profile
    const other = path.join(dir, 'loose2');
    await mkdir(other);
    await chmod(other, 0o750);
    await writeFile(path.join(other, 'profile.json'), '{"v":1}');
    await chmod(path.join(other, 'profile.json'), 0o640);
    expect((await new Profile(other).read()).v).toBe(1);
    expect((await stat(other)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(other, 'profile.json'))).mode & 0o777).toBe(0o600);
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
