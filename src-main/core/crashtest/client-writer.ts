/**
 * The crash test's client-file writer (child process, killed with SIGKILL at random moments):
 * `client-writer.js <dir> <keyfile n> <cache n> <profile n> [first step]` rewrites, in a loop, the three
 * kinds of files a client keeps, each through its real writer:
 *  - `profile/keyfile.json`: a keyfile password change as the app core does it (open with the
 *    current password, wrap again under the next one, Argon2id in a worker:
 *    `src-main/core/session/keyfile-crypto.ts`), saved by the SDK profile (`Profile.writeKeyfile`);
 *  - the encrypted offline copy (`src-main/core/vault/offline-cache.ts`, `OfflineCache.write`);
 *  - `profile/profile.json` and `pins.json` (`src-shared/node/profile.ts`).
 * After each write it prints `<kind> <n>` (a synchronous pipe write on Linux), so the parent
 * knows the file holds version n or, if killed mid-write, n + 1.
 */
import path from 'node:path';
import { cryptoReady, randomBytes, toBase64Url, utf8 } from '../../../src-shared/crypto/index.js';
import { unlockKeyfileOffThread, wrapKeyfileOffThread } from '../session/keyfile-crypto.js';
import { OfflineCache, deriveCacheKey } from '../vault/offline-cache.js';
import { Profile } from '../../../src-shared/node/profile.js';
import { exitWithParent } from '../../../src-server/crashtest/orphan-guard.js';
import { CRASH_KEYFILE_PARAMS } from '../../../src-server/crashtest/params.js';
import {
  CLIENT_OWNER,
  cachePlaintext,
  keyfilePassword,
  profileWorkspace,
} from './client-files-format.js';

const [dir, k, c, p, offset] = process.argv.slice(2);
if (!dir || k === undefined || c === undefined || p === undefined) {
  process.stderr.write('usage: client-writer <dir> <keyfile n> <cache n> <profile n>\n');
  process.exit(64);
}
exitWithParent();
await cryptoReady();
const profile = new Profile(path.join(dir, 'profile'));
const cache = new OfflineCache(path.join(dir, 'cache'));
const counters = { keyfile: Number(k), cache: Number(c), profile: Number(p) };
// Opened once, like an unlocked app session; each password change wraps these secrets again.
const secrets = await unlockKeyfileOffThread(
  await profile.readKeyfile(),
  keyfilePassword(counters.keyfile),
  { weakKdf: true },
);
secrets.key.fill(0);
const cacheKey = deriveCacheKey(secrets.rootSecret);
process.stdout.write('ready\n');

// A password change (a worker thread per Argon2id run) is the slowest step: one in five.
const STEPS = ['keyfile', 'cache', 'profile', 'cache', 'profile'] as const;
for (let i = Number(offset ?? 0); ; i++) {
  const kind = STEPS[i % STEPS.length]!;
  const next = counters[kind] + 1;
  if (kind === 'keyfile') {
    const { keyfile: changed, key } = await wrapKeyfileOffThread(
      keyfilePassword(next),
      secrets,
      CRASH_KEYFILE_PARAMS,
      { weakKdf: true },
    );
    key.fill(0);
    await profile.writeKeyfile(changed);
  } else if (kind === 'cache') {
    // Sizes vary so a torn write could not pass for a whole one.
    const filler = randomBytes(1 + (next % 7) * 3000);
    await cache.write(CLIENT_OWNER, cacheKey, cachePlaintext(next, filler));
  } else {
    await profile.update((data) => ({
      ...data,
      workspace: profileWorkspace(next),
      username: toBase64Url(randomBytes(1 + (next % 5) * 40)).slice(0, 60) || 'x',
    }));
    await profile.store().setServerPin({
      url: `https://server-${next}.example`,
      serverId: `bbs1${'a'.repeat(32)}`,
      boxPublicKey: toBase64Url(utf8(`box ${next}`)),
      signPublicKey: toBase64Url(randomBytes(32 + (next % 3) * 500)),
    });
  }
  counters[kind] = next;
  process.stdout.write(`${kind} ${next}\n`);
}
