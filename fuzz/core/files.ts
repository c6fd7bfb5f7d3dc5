/**
 * Hostile bytes in every file the client parses: the keyfile, the SDK profile files
 * (profile.json, keyfile.json), the offline copy of a workspace, invitation/contact texts and the
 * app-state file. Each starts from a real file (made here with the real writers) and is
 * truncated, bit-flipped, spliced with garbage, JSON-mutated (a field replaced, dropped, added)
 * or replaced by garbage. Every case: the reader returns a value or throws a typed BackboneError
 * (the offline copy: returns nothing — it never throws); never any other exception.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  createKeyfile,
  cryptoReady,
  deriveIdentity,
  parseKeyfile,
  randomBytes,
  rootSecret,
  serializeKeyfile,
  utf8,
} from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { Profile } from '../../src-shared/node/profile.js';
import { createInvitation, parseInvitation } from '../../src-shared/workspace/invitation.js';
import { appStateFile, emptyAppState } from '../../src-main/core/profile/app-state.js';
import { OfflineCache, deriveCacheKey } from '../../src-main/core/vault/offline-cache.js';
import type { EntryPoint, Suite, SuiteInstance } from '../harness.js';
import { violation } from '../harness.js';
import { mutatedJson, type JsonObject } from '../server/generators.js';

/** Ways to damage a file, given its valid bytes. */
function damaged(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const text = Buffer.from(valid).toString('utf8');
  let json: JsonObject | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as JsonObject;
  } catch {
    json = undefined;
  }
  return fc.oneof(
    // truncated
    fc.nat({ max: Math.max(0, valid.length - 1) }).map((n) => valid.slice(0, n)),
    // bit flips
    fc
      .array(
        fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.integer({ min: 1, max: 255 })),
        {
          minLength: 1,
          maxLength: 4,
        },
      )
      .map((flips) => {
        const copy = Uint8Array.from(valid);
        for (const [at, mask] of flips) copy[at] = (copy[at] ?? 0) ^ mask;
        return copy;
      }),
    // garbage spliced in
    fc
      .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 40 }))
      .map(([at, junk]) => Uint8Array.from([...valid.slice(0, at), ...junk, ...valid.slice(at)])),
    // JSON with one field replaced, dropped or added
    ...(json
      ? [
          {
            weight: 4,
            arbitrary: mutatedJson(json).map((v) => utf8(JSON.stringify(v) ?? 'null')),
          },
        ]
      : []),
    // not the file at all
    fc.uint8Array({ maxLength: 300 }),
    fc.json({ maxDepth: 3 }).map(utf8),
    fc.constantFrom('', 'null', '[]', '{}', '{"v":2}', '{"v":1}', '\uFEFF', '"x"').map(utf8),
    // huge
    fc.constantFrom(utf8(`{"v":1,"x":"${'A'.repeat(200_000)}"}`)),
  );
}

/** Runs a reader: a value or a typed error are fine; any other exception is a violation. */
async function typedOnly(what: string, read: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (isBackboneError(error)) return;
    violation(
      `${what} threw an untyped ${error instanceof Error ? error.name : typeof error}: ${String(error).slice(0, 300)}`,
    );
  }
}

async function setupFiles(): Promise<SuiteInstance> {
  await cryptoReady();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-fuzz-files-'));
  const password = 'orbit lantern cactus violin';
  const { keyfile } = createKeyfile(password, {
    params: { opslimit: 1, memlimit: 8 * 1024 * 1024 },
    testOnlyAllowWeakParams: true,
  });
  const keyfileBytes = utf8(serializeKeyfile(keyfile));

  // An SDK profile written by the SDK itself.
  const profileDir = path.join(dir, 'profile');
  const profile = new Profile(profileDir);
  await profile.writeKeyfile(keyfile);
  await profile.update((data) => ({ ...data, server: 'https://example.invalid' }) as typeof data);
  const { readFile } = await import('node:fs/promises');
  const profileBytes = new Uint8Array(await readFile(profile.profileFile));

  // An invitation.
  const identity = deriveIdentity(rootSecret(randomBytes(32)));
  const invitationBytes = utf8(createInvitation(identity, 'bob'));

  // The offline copy of a workspace.
  const cacheDir = path.join(dir, 'cache');
  const cache = new OfflineCache(cacheDir);
  const owner = { identity: 'bb1x', serverId: 'bbs1x', workspaceId: 'fuzz-team' };
  const cacheKey = deriveCacheKey(rootSecret(randomBytes(32)));
  const plaintext = utf8(JSON.stringify({ v: 1, entries: [{ path: 'team/x', value: 'x' }] }));
  await cache.write(owner, cacheKey, plaintext);
  const cacheBytes = new Uint8Array(await readFile(cache.fileOf(owner)));

  // The app state.
  const stateDir = path.join(dir, 'state');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(stateDir, { recursive: true });
  const state = appStateFile(stateDir);
  const stateBytes = utf8(JSON.stringify({ ...emptyAppState(), kitConfirmed: true }));
  await writeFile(state.file, stateBytes);
  await state.read(); // the real reader accepts the real file

  const entryPoints: EntryPoint<Uint8Array>[] = [
    {
      name: 'file keyfile (parseKeyfile)',
      arbitrary: damaged(keyfileBytes),
      check: (bytes) =>
        typedOnly('parseKeyfile', () => parseKeyfile(Buffer.from(bytes).toString('utf8'))),
    },
    {
      name: 'file SDK profile keyfile.json',
      arbitrary: damaged(keyfileBytes),
      async check(bytes) {
        await writeFile(profile.keyfileFile, bytes);
        await typedOnly('Profile.readKeyfile', () => new Profile(profileDir).readKeyfile());
      },
    },
    {
      name: 'file SDK profile profile.json',
      arbitrary: damaged(profileBytes),
      async check(bytes) {
        await writeFile(profile.profileFile, bytes);
        await typedOnly('Profile.read', () => new Profile(profileDir).read());
      },
    },
    {
      name: 'file invitation (parseInvitation)',
      arbitrary: damaged(invitationBytes),
      check: (bytes) =>
        typedOnly('parseInvitation', () => parseInvitation(Buffer.from(bytes).toString('utf8'))),
    },
    {
      name: 'file offline copy (OfflineCache.read)',
      arbitrary: damaged(cacheBytes),
      async check(bytes) {
        await writeFile(cache.fileOf(owner), bytes);
        try {
          const read = await new OfflineCache(cacheDir).read(owner, cacheKey);
          if (read !== undefined && !Buffer.from(read).equals(Buffer.from(plaintext))) {
            violation('a damaged offline copy decrypted to something else');
          }
        } catch (error) {
          violation(`OfflineCache.read threw: ${String(error).slice(0, 300)}`);
        }
      },
    },
    {
      name: 'file app state (app-state.json)',
      arbitrary: damaged(stateBytes),
      async check(bytes) {
        await writeFile(state.file, bytes);
        await typedOnly('app state read', () => appStateFile(stateDir).read());
      },
    },
  ];
  return {
    entryPoints: entryPoints as EntryPoint[],
    async probe() {
      parseKeyfile(Buffer.from(keyfileBytes).toString('utf8'));
      parseInvitation(Buffer.from(invitationBytes).toString('utf8'));
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const filesSuite: Suite = { name: 'files', weight: 62, setup: setupFiles };
