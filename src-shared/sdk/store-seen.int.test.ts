/**
 * The store's rollback memory in a CLI/app profile (store-seen.json) through the SDK and a real
 * server: sealed (no plaintext path on disk), authenticated (a changed, foreign or truncated file
 * is refused with STORE_SEEN_DAMAGED, never read as empty memory), never lowered by a second
 * process on the same profile, and an old plaintext file is migrated.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSignKeyPair, randomBytes } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { normalizePath } from '../store/index.js';
import { BackboneClient } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { Profile } from '../node/profile.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import type { SdkTestServer } from './test/server.js';

const backends = useTestBackends();
/** The server of the backend whose tests run now (set by each describe). */
let server: SdkTestServer;
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

async function newProfile(): Promise<Profile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-seen-'));
  dirs.push(dir);
  return new Profile(dir);
}

function seenFile(profile: Profile): string {
  return path.join(profile.dir, 'store-seen.json');
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

function client(
  profile: Profile,
  key: ClientPrivateKey,
  username: string,
  workspace?: string,
  fingerprint?: string,
): BackboneClient {
  return new BackboneClient({
    server: server.url,
    username,
    privateKey: key,
    store: profile.store(),
    ...(workspace !== undefined ? { workspace } : {}),
    ...(fingerprint !== undefined ? { expectFingerprint: fingerprint } : {}),
  });
}

/** The highest version a fresh client on this profile remembers for a path. */
async function remembered(c: BackboneClient, key: string): Promise<number> {
  const { ctx, done } = await c.storeService.context();
  await done(false);
  return ctx.seen!.entryVersion(normalizePath(key));
}

/** The saved values per `server/workspace` (either file layout). */
async function savedValues(profile: Profile): Promise<Record<string, unknown>> {
  const json = JSON.parse(await readFile(seenFile(profile), 'utf8')) as Record<string, unknown>;
  return (json.seen as Record<string, unknown> | undefined) ?? json;
}

async function writeSavedValues(profile: Profile, values: Record<string, unknown>): Promise<void> {
  const json = JSON.parse(await readFile(seenFile(profile), 'utf8')) as Record<string, unknown>;
  const next = json.seen !== undefined ? { ...json, seen: values } : values;
  await writeFile(seenFile(profile), JSON.stringify(next));
}

/** alice (ROOT) alone in a fresh workspace, on a fresh profile. */
async function solo(name: string) {
  const profile = await newProfile();
  const key = newKey();
  const creator = client(profile, key, 'alice');
  const ws = await creator.workspace.create(name);
  creator.close();
  const open = () => client(profile, key, 'alice', ws.id);
  return { profile, key, workspace: ws.id, fingerprint: ws.fingerprint, open };
}

describe.each(backends)('store-seen.json in a profile ($name)', (backend) => {
  const running = useSdkTestServer(backend);
  beforeAll(() => {
    server = running;
  });

  it('holds no plaintext entry path, and the next process still remembers', async () => {
    const t = await solo('Seen plaintext');
    const alice = t.open();
    await alice.entry.set('zebra-folder/zebra-secret-name', 'v1');
    await alice.entry.set('zebra-folder/zebra-secret-name', 'v2');
    const bytes = await readFile(seenFile(t.profile));
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from('zebra-secret-name'))).toBe(false);
    expect(bytes.includes(Buffer.from('zebra-folder'))).toBe(false);
    expect(await remembered(t.open(), 'zebra-folder/zebra-secret-name')).toBe(2);
  });

  it('a changed byte is refused with STORE_SEEN_DAMAGED (never read as empty memory)', async () => {
    const t = await solo('Seen flipped');
    const alice = t.open();
    await alice.entry.set('flip/one', 'v1');
    await alice.entry.set('flip/one', 'v2');
    const values = await savedValues(t.profile);
    const key = Object.keys(values)[0]!;
    const saved = values[key];
    let changed: unknown;
    if (typeof saved === 'string') {
      // one character in the middle of the sealed value
      const at = Math.floor(saved.length / 2);
      changed = saved.slice(0, at) + (saved[at] === 'A' ? 'B' : 'A') + saved.slice(at + 1);
    } else {
      // a plaintext value: lower every remembered version (a rollback of the memory)
      const plain = saved as { entries: Record<string, { version: number }> };
      for (const e of Object.values(plain.entries)) e.version = 1;
      changed = plain;
    }
    await writeSavedValues(t.profile, { [key]: changed });
    expect(await codeOf(t.open().entry.get('flip/one'))).toBe('STORE_SEEN_DAMAGED');
  });

  it('a truncated file is refused with STORE_SEEN_DAMAGED', async () => {
    const t = await solo('Seen truncated');
    await t.open().entry.set('cut/one', 'v1');
    const bytes = await readFile(seenFile(t.profile));
    await writeFile(seenFile(t.profile), bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await codeOf(t.open().entry.get('cut/one'))).toBe('STORE_SEEN_DAMAGED');
  });

  it("another workspace's saved memory swapped in is refused", async () => {
    const t = await solo('Seen swap one');
    const alice = t.open();
    const other = await alice.workspace.create('Seen swap two', {
      workspaceId: `swap-${Date.now()}`,
    });
    await alice.entry.set('swap/x', 'v1');
    await alice.entry.set('swap/y', 'v1', { workspaceId: other.id });
    const values = await savedValues(t.profile);
    const mine = Object.keys(values).find((k) => k.endsWith(`/${t.workspace}`))!;
    const theirs = Object.keys(values).find((k) => k.endsWith(`/${other.id}`))!;
    await writeSavedValues(t.profile, { ...values, [mine]: values[theirs] });
    expect(await codeOf(t.open().entry.get('swap/x'))).toBe('STORE_SEEN_DAMAGED');
  });

  it("another identity's file for the same workspace is refused", async () => {
    const t = await solo('Seen foreign identity');
    const alice = t.open();
    const bobProfile = await newProfile();
    const bobKey = newKey();
    const bob = client(bobProfile, bobKey, 'bob', t.workspace, t.fingerprint);
    await alice.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
    await bob.authenticate();
    await alice.namespace.create('foreign');
    await alice.namespace.grant('foreign', 'bob', { access: ['READ', 'WRITE'] });
    await alice.entry.set('foreign/a', 'v1');
    await bob.entry.set('foreign/b', 'v1');
    await writeFile(seenFile(t.profile), await readFile(seenFile(bobProfile)));
    expect(await codeOf(t.open().entry.get('foreign/a'))).toBe('STORE_SEEN_DAMAGED');
  });

  it('a second process on the same profile never lowers what the first saved', async () => {
    const t = await solo('Seen two processes');
    const a = t.open();
    const b = t.open();
    await b.entry.set('two/zero', 'v1'); // b loads (and keeps) its memory now
    await a.entry.set('two/one', 'v1');
    await a.entry.set('two/one', 'v2');
    await a.entry.set('two/one', 'v3');
    expect(await remembered(b, 'two/one')).toBe(3); // b reads what a saved since
    await b.entry.set('two/two', 'v1'); // b saves: must keep a's two/one = 3
    const fresh = t.open();
    expect(await remembered(fresh, 'two/one')).toBe(3);
    expect(await remembered(fresh, 'two/two')).toBe(1);
    // interleaved writers on both clients
    await Promise.all([
      (async () => {
        for (let i = 0; i < 4; i++) await a.entry.set(`two/a${i}`, 'x');
      })(),
      (async () => {
        for (let i = 0; i < 4; i++) await b.entry.set(`two/b${i}`, 'x');
      })(),
    ]);
    const after = t.open();
    for (let i = 0; i < 4; i++) {
      expect(await remembered(after, `two/a${i}`)).toBe(1);
      expect(await remembered(after, `two/b${i}`)).toBe(1);
    }
    expect(await remembered(after, 'two/one')).toBe(3);
  });

  it('an old plaintext (v1) file is read once and rewritten sealed', async () => {
    const t = await solo('Seen migration');
    const alice = t.open();
    const { serverId } = await alice.server();
    const legacyPath = normalizePath('legacy-folder/legacy-name');
    const otherPath = normalizePath('other-folder/other-name');
    const v1 = {
      [`${serverId}/${t.workspace}`]: {
        v: 1,
        entries: { [legacyPath]: { id: 'legacy-entry-id', version: 7 } },
        namespaces: {},
      },
      [`${serverId}/other-workspace`]: {
        v: 1,
        entries: { [otherPath]: { id: 'other-entry-id', version: 4 } },
        namespaces: {},
      },
    };
    await writeFile(seenFile(t.profile), JSON.stringify(v1));
    expect(await remembered(alice, 'legacy-folder/legacy-name')).toBe(7);
    const bytes = await readFile(seenFile(t.profile));
    expect(bytes.includes(Buffer.from('legacy-name'))).toBe(false);
    expect(bytes.includes(Buffer.from('other-name'))).toBe(false);
    expect(await remembered(t.open(), 'legacy-folder/legacy-name')).toBe(7);
  });
});
