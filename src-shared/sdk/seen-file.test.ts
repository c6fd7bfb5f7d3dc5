/**
 * The sealed rollback memory (seen-file.ts) over a profile's store-seen.json: sealing binds
 * identity, server and workspace; interleaved writers never lower what is saved (two child
 * processes: seen-file.int.test.ts); an old plaintext file is migrated as a whole.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  identityAddress,
  randomBytes,
  rootSecret,
  toHex,
  type KdfKey,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { SeenVersions } from '../store/index.js';
import { Profile } from '../node/profile.js';
import {
  deriveSeenKey,
  loadSeen,
  openSeen,
  saveSeen,
  sealSeen,
  type SeenOwner,
} from './seen-file.js';

const dirs: string[] = [];

beforeAll(async () => {
  await cryptoReady();
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function newProfile(): Promise<Profile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-seen-file-'));
  dirs.push(dir);
  return new Profile(dir);
}

function newIdentity(): { secret: KdfKey; address: string } {
  const secret = rootSecret(randomBytes(32));
  return { secret, address: identityAddress(deriveIdentity(secret).signKeyPair.publicKey) };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

async function asyncCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

function memory(entries: Record<string, number>): SeenVersions {
  const seen = new SeenVersions();
  for (const [p, version] of Object.entries(entries)) seen.noteEntry(p, `id${p}`, version);
  return seen;
}

describe('sealed rollback memory', () => {
  it('derives its key with its own context (regression vector, checked with Python hashlib)', () => {
    // RS = 00 01 … 1f; BLAKE2b-256(key = RS, salt = LE64(1) ‖ 0^8, personal = "bbseen01" ‖ 0^8)
    const rs = rootSecret(Uint8Array.from({ length: 32 }, (_, i) => i));
    expect(toHex(deriveSeenKey(rs))).toBe(
      '240a52884857444f3473d28f2b2b2ba1ee347ca3e26df2ccab2b5eaa97416964',
    );
  });

  it('opens only for the same identity, server and workspace', () => {
    const me = newIdentity();
    const key = deriveSeenKey(me.secret);
    const owner: SeenOwner = { identity: me.address, serverId: 'srv', workspaceId: 'ws-one' };
    const sealed = sealSeen(key, owner, memory({ '/secret/path': 3 }));
    expect(sealed).not.toContain('secret');
    expect(openSeen(key, owner, sealed).seen.entryVersion('/secret/path')).toBe(3);
    expect(codeOf(() => openSeen(key, { ...owner, workspaceId: 'ws-two' }, sealed))).toBe(
      'STORE_SEEN_DAMAGED',
    );
    expect(codeOf(() => openSeen(key, { ...owner, serverId: 'other' }, sealed))).toBe(
      'STORE_SEEN_DAMAGED',
    );
    const other = newIdentity();
    expect(
      codeOf(() =>
        openSeen(deriveSeenKey(other.secret), { ...owner, identity: other.address }, sealed),
      ),
    ).toBe('STORE_SEEN_DAMAGED');
    expect(codeOf(() => openSeen(key, { ...owner, identity: other.address }, sealed))).toBe(
      'STORE_SEEN_DAMAGED',
    );
    for (const damaged of [sealed.slice(0, -3), `${sealed}AA`, 'bbseen2.', 42, null, { v: 9 }]) {
      expect(codeOf(() => openSeen(key, owner, damaged))).toBe('STORE_SEEN_DAMAGED');
    }
  });

  it('interleaved writers in one process never lower what is saved', async () => {
    const me = newIdentity();
    const key = deriveSeenKey(me.secret);
    const owner: SeenOwner = { identity: me.address, serverId: 'srv', workspaceId: 'ws' };
    const profile = await newProfile();
    // two "processes" (two stores over the same directory), each saving only its own memory
    const stores = [profile.store(), new Profile(profile.dir).store()];
    const saves: Promise<unknown>[] = [];
    for (let round = 1; round <= 12; round++) {
      for (const [i, store] of stores.entries()) {
        saves.push(
          saveSeen(store, key, owner, memory({ '/shared': round, [`/w${i}/${round}`]: 1 })),
        );
      }
    }
    await Promise.all(saves);
    const saved = await loadSeen(profile.store(), key, owner);
    expect(saved.entryVersion('/shared')).toBe(12);
    for (let round = 1; round <= 12; round++) {
      expect(saved.entryVersion(`/w0/${round}`)).toBe(1);
      expect(saved.entryVersion(`/w1/${round}`)).toBe(1);
    }
  });

  it('migrates a whole v1 plaintext file once; afterwards no path is left in it', async () => {
    const me = newIdentity();
    const key = deriveSeenKey(me.secret);
    const profile = await newProfile();
    const file = profile.storeSeenFile;
    const v1 = {
      'srv/ws-a': memory({ '/alpha/secret-one': 5 }).toJSON(),
      'srv/ws-b': memory({ '/beta/secret-two': 9 }).toJSON(),
    };
    await writeFile(file, JSON.stringify(v1));
    const a: SeenOwner = { identity: me.address, serverId: 'srv', workspaceId: 'ws-a' };
    const b: SeenOwner = { ...a, workspaceId: 'ws-b' };
    expect((await loadSeen(profile.store(), key, a)).entryVersion('/alpha/secret-one')).toBe(5);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('secret-one');
    expect(text).not.toContain('secret-two');
    expect(JSON.parse(text)).toMatchObject({ v: 2 });
    expect((await loadSeen(profile.store(), key, b)).entryVersion('/beta/secret-two')).toBe(9);
    // the sealed values are bound to their own workspace
    const sealed = JSON.parse(text) as { seen: Record<string, string> };
    expect(codeOf(() => openSeen(key, b, sealed.seen['srv/ws-a']))).toBe('STORE_SEEN_DAMAGED');
  });

  it('a damaged file is never overwritten by a save', async () => {
    const me = newIdentity();
    const key = deriveSeenKey(me.secret);
    const owner: SeenOwner = { identity: me.address, serverId: 'srv', workspaceId: 'ws' };
    const profile = await newProfile();
    await saveSeen(profile.store(), key, owner, memory({ '/x': 4 }));
    const good = await readFile(profile.storeSeenFile, 'utf8');
    const bad = good.replace(
      /"bbseen2\.(.)/,
      (_m, c: string) => `"bbseen2.${c === 'A' ? 'B' : 'A'}`,
    );
    await writeFile(profile.storeSeenFile, bad);
    expect(await asyncCodeOf(saveSeen(profile.store(), key, owner, memory({ '/x': 1 })))).toBe(
      'STORE_SEEN_DAMAGED',
    );
    expect(await readFile(profile.storeSeenFile, 'utf8')).toBe(bad);
    await writeFile(profile.storeSeenFile, '{"v":2,"seen":');
    expect(await asyncCodeOf(loadSeen(profile.store(), key, owner))).toBe('STORE_SEEN_DAMAGED');
  });
});
