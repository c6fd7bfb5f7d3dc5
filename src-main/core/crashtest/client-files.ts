/**
 * Client-file crash rounds: the writer child (client-writer.ts) rewrites the keyfile (password
 * change), the encrypted offline copy and the SDK profile files in a loop; it is killed with
 * SIGKILL at a random moment (drawn from the seed). After each kill every file must open —
 * with the old or the new content, never a mix — and the keyfile with the old or the new
 * password, holding the same root secret. Then the writer starts again on the same files.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createKeyfile,
  randomBytes,
  toBase64Url,
  unlockKeyfile,
  type KdfKey,
} from '../../../src-shared/crypto/index.js';
import { OfflineCache, deriveCacheKey } from '../vault/offline-cache.js';
import { Profile } from '../../../src-shared/node/profile.js';
import {
  CLIENT_OWNER,
  cachePlaintext,
  cacheStep,
  keyfilePassword,
  profileWorkspace,
} from './client-files-format.js';
import { describe } from '../../../src-server/crashtest/cluster.js';
import { CRASH_KEYFILE_PARAMS } from '../../../src-server/crashtest/params.js';
import { Rng } from '../../../src-server/crashtest/rng.js';
import { prepareEntry } from '../../../src-server/crashtest/server-process.js';

export interface ClientRunResult {
  kills: number;
  /** File versions checked after the kills (keyfile, offline copy, profile, pins). */
  filesChecked: number;
  /** Writes the writer reported done, over all rounds. */
  writes: number;
  /** Kills that left a temporary file behind (a write cut between create and rename). */
  tornWrites: number;
  corrupt: string[];
  seconds: number;
}

type Kind = 'keyfile' | 'cache' | 'profile';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the writer, waits for `ready`, kills it after `delayMs`; returns its last steps. */
async function writeAndKill(
  entry: string,
  dir: string,
  counters: Record<Kind, number>,
  delayMs: number,
  firstStep: number,
): Promise<{ last: Partial<Record<Kind, number>>; writes: number }> {
  const child = spawn(
    process.execPath,
    [
      entry,
      dir,
      String(counters.keyfile),
      String(counters.cache),
      String(counters.profile),
      String(firstStep),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('ready\n')) resolve();
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      if (err.length < 5000) err += text;
    });
    void exited.then(() => reject(new Error(`the writer exited: ${err.trim().slice(-1000)}`)));
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await ready;
    await sleep(delayMs);
  } finally {
    child.kill('SIGKILL');
    await exited;
    process.removeListener('exit', killOnExit);
  }
  const last: Partial<Record<Kind, number>> = {};
  let writes = 0;
  for (const line of out.split('\n')) {
    const match = /^(keyfile|cache|profile) (\d+)$/.exec(line);
    if (match) {
      last[match[1] as Kind] = Number(match[2]);
      writes++;
    }
  }
  return { last, writes };
}

export async function runClientFiles(options: {
  kills: number;
  seed: number;
  /** Start no new round after this time (ms since the epoch). */
  deadline?: number;
  log?: (line: string) => void;
}): Promise<ClientRunResult> {
  const started = performance.now();
  const rng = new Rng(options.seed ^ 0x5bd1e995);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-crash-client-'));
  const result: ClientRunResult = {
    kills: 0,
    filesChecked: 0,
    writes: 0,
    tornWrites: 0,
    corrupt: [],
    seconds: 0,
  };
  try {
    const entry = await prepareEntry(fileURLToPath(new URL('./client-writer.ts', import.meta.url)));
    const profile = new Profile(path.join(dir, 'profile'));
    const cache = new OfflineCache(path.join(dir, 'cache'));
    const { keyfile, unlocked } = createKeyfile(keyfilePassword(0), {
      params: CRASH_KEYFILE_PARAMS,
      testOnlyAllowWeakParams: true,
    });
    const rootSecret: KdfKey = unlocked.rootSecret;
    const rootHex = toBase64Url(rootSecret);
    await profile.writeKeyfile(keyfile);
    const cacheKey = deriveCacheKey(rootSecret);
    await cache.write(CLIENT_OWNER, cacheKey, cachePlaintext(0, randomBytes(10)));
    await profile.update((data) => ({ ...data, workspace: profileWorkspace(0) }));
    await profile.store().setServerPin({
      url: 'https://server-0.example',
      serverId: `bbs1${'a'.repeat(32)}`,
      boxPublicKey: 'AA',
      signPublicKey: 'AA',
    });
    const counters: Record<Kind, number> = { keyfile: 0, cache: 0, profile: 0 };
    let pinReported = 0;

    for (let round = 1; round <= options.kills; round++) {
      if (options.deadline !== undefined && Date.now() > options.deadline) break;
      const { last, writes } = await writeAndKill(
        entry,
        dir,
        counters,
        rng.int(0, 1500),
        rng.int(0, 4),
      );
      result.kills++;
      result.writes += writes;
      const bad = (what: string) => result.corrupt.push(`kill ${round}: ${what}`);
      const known = { ...counters, ...last };

      // the keyfile: old or new password, same root secret
      try {
        const file = await profile.readKeyfile();
        let opened: number | undefined;
        for (const n of [known.keyfile, known.keyfile + 1]) {
          try {
            const secrets = unlockKeyfile(file, keyfilePassword(n), {
              testOnlyAllowWeakParams: true,
            });
            if (toBase64Url(secrets.rootSecret) !== rootHex)
              bad('keyfile holds another root secret');
            opened = n;
            break;
          } catch {
            // the other password
          }
        }
        if (opened === undefined)
          bad(`keyfile opens with neither password ${known.keyfile} nor ${known.keyfile + 1}`);
        else counters.keyfile = opened;
      } catch (error) {
        bad(`keyfile: ${describe(error)}`);
      }
      // the offline copy: decrypts, step n or n + 1
      const plain = await cache.read(CLIENT_OWNER, cacheKey);
      const step = plain === undefined ? undefined : cacheStep(plain);
      if (step !== known.cache && step !== known.cache + 1) {
        bad(
          `offline copy: ${plain === undefined ? 'does not open' : `step ${step}, expected ${known.cache}`}`,
        );
      } else counters.cache = step;
      // the profile and the pins
      try {
        const data = await profile.read();
        const n = Number(data.workspace?.replace('workspace-', ''));
        if (n !== known.profile && n !== known.profile + 1)
          bad(`profile at step ${data.workspace}`);
        else counters.profile = n;
        // every pin whose write was reported is there (the file parses, or read throws)
        // (profile.json is written before pins.json: only a reported step has both)
        if (last.profile !== undefined) pinReported = last.profile;
        const pin = await profile.store().getServerPin(`https://server-${pinReported}.example`);
        if (!pin) bad(`pins: the pin of step ${pinReported} is missing`);
      } catch (error) {
        bad(`profile: ${describe(error)}`);
      }
      result.filesChecked += 4;
      const names = [
        ...(await readdir(path.join(dir, 'profile'))),
        ...(await readdir(path.join(dir, 'cache'))),
      ];
      if (names.some((name) => name.endsWith('.tmp'))) result.tornWrites++;
      // leftovers of earlier kills are removed only after ten minutes: clear them here
      for (const name of names.filter((n) => n.endsWith('.tmp'))) {
        await rm(path.join(dir, 'profile', name), { force: true });
        await rm(path.join(dir, 'cache', name), { force: true });
      }
      if (round % 25 === 0) options.log?.(`[client files] kill ${round}/${options.kills}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    result.seconds = Math.round((performance.now() - started) / 100) / 10;
  }
  return result;
}
