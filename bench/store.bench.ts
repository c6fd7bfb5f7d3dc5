/**
 * The encrypted store through the SDK against `backbone serve` (a child process, SQLite), beside
 * the raw primitives measured in the same run:
 *
 *  - entry set and get per second, 1 and 16 concurrent clients (each op: verified membership
 *    state from cache, records fetch, model, commit) vs raw sealed-box seal+open and AEAD;
 *  - listing and decrypting a namespace of 10,000 entries (loaded in batches of 1,000 entries
 *    per commit) vs 10,000 raw sealed-box opens;
 *  - revoking a member from a namespace holding 1,000 entries (one rotation bundle) vs 1,000 raw
 *    seals.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadMeasurement, measure, type Report } from './harness.js';
import {
  aeadDecrypt,
  aeadEncrypt,
  cryptoReady,
  generateBoxKeyPair,
  generateSignKeyPair,
  generateSymmetricKey,
  openSealed,
  randomBytes,
  sealTo,
} from '../src-shared/crypto/index.js';
import { BackboneClient } from '../src-shared/sdk/client.js';
import type { ClientPrivateKey } from '../src-shared/sdk/keys.js';
import { fillNamespace } from './fill-store.js';
import { startServeProcess } from './serve-process.js';

const LIST_SIZE = 10_000;
const REVOKE_SIZE = 1_000;
const BATCH = 1_000;

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

export async function run(report: Report): Promise<void> {
  await cryptoReady();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'backbone-store-bench-'));
  const server = await startServeProcess(dataDir);
  try {
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
    });
    const ws = await alice.workspace.create('Bench');
    const bob = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'bob',
      privateKey: newKey(),
    });
    await alice.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
    await alice.namespace.create('bench');
    await alice.entry.set('bench/one', 'v');

    // raw primitives, same run
    const pair = generateBoxKeyPair();
    const payload = randomBytes(100);
    const sealed = sealTo(pair.publicKey, payload);
    const key = generateSymmetricKey();
    const value = randomBytes(256);
    const ad = randomBytes(64);
    const seal = await measure('sealed box seal', () => sealTo(pair.publicKey, payload), {
      minTimeMs: 500,
    });
    const open = await measure('sealed box open', () => openSealed(pair, sealed), {
      minTimeMs: 500,
    });
    const aead = await measure(
      'AEAD 256 B enc+dec',
      () => aeadDecrypt(key, aeadEncrypt(key, value, ad), ad),
      { minTimeMs: 500 },
    );
    report.section('Raw primitives (same run)');
    report.compare('sealed box open ÷ seal', open, seal, 'ops/s');
    report.compare('AEAD 256 B encrypt+decrypt ÷ sealed box open', aead, open, 'ops/s');

    report.section('Entries through the SDK (server: backbone serve, SQLite)');
    const set1 = await measure(
      'entry.set',
      async () => alice.entry.set('bench/one', `v${Math.random()}`),
      { minTimeMs: 3000, warmup: 2 },
    );
    const get1 = await measure('entry.get', async () => alice.entry.get('bench/one'), {
      minTimeMs: 3000,
      warmup: 2,
    });
    report.compare('entry.set, 1 client', set1, seal, 'ops/s', 'sealed box seal');
    report.compare('entry.get, 1 client', get1, open, 'ops/s', 'sealed box open');

    // 16 concurrent clients, each on its own entry
    const clients = Array.from({ length: 16 }, (_, i) => i);
    for (let i = 0; i < 16; i++) await alice.entry.set(`bench/c${i}`, 'v');
    const loadRun = async (op: (i: number) => Promise<unknown>, seconds: number) => {
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      const t0 = performance.now();
      await Promise.all(
        clients.map(async (_, i) => {
          while (performance.now() < until) {
            const s = performance.now();
            await op(i);
            latencies.push(performance.now() - s);
          }
        }),
      );
      return { latencies, seconds: (performance.now() - t0) / 1000 };
    };
    const sets = await loadRun((i) => alice.entry.set(`bench/c${i}`, `v${Math.random()}`), 4);
    report.compare(
      'entry.set, 16 concurrent',
      loadMeasurement('set16', sets.latencies, sets.latencies.length, sets.seconds, 16),
      seal,
      'ops/s',
      'sealed box seal',
    );
    const gets = await loadRun((i) => alice.entry.get(`bench/c${i}`), 4);
    report.compare(
      'entry.get, 16 concurrent',
      loadMeasurement('get16', gets.latencies, gets.latencies.length, gets.seconds, 16),
      open,
      'ops/s',
      'sealed box open',
    );
    report.note(
      '16 concurrent = 16 in-flight operations of one SDK process (one identity) on 16 entries.',
    );

    report.section(`A namespace of ${LIST_SIZE.toLocaleString('en-US')} entries`);
    await alice.namespace.create('big');
    await fillNamespace(alice, 'big', LIST_SIZE, BATCH);
    const list = await measure(
      'list',
      async () => {
        const listing = await alice.namespace.list('big');
        if (listing.entries.length !== LIST_SIZE) throw new Error('incomplete listing');
      },
      { warmup: 0, minIterations: 2 },
    );
    const opens = await measure(
      `${LIST_SIZE} sealed box opens`,
      () => {
        for (let i = 0; i < LIST_SIZE; i++) openSealed(pair, sealed);
      },
      { minIterations: 2 },
    );
    report.compare('list + decrypt names (ms)', list, opens, 'ms');

    report.section(
      `Revocation of a namespace holding ${REVOKE_SIZE.toLocaleString('en-US')} entries`,
    );
    await alice.namespace.create('sub');
    await fillNamespace(alice, 'sub', REVOKE_SIZE, BATCH);
    let round = 0;
    const revoke = await measure(
      'revoke',
      async () => {
        await alice.namespace.grant('sub', 'bob', { access: ['READ'] });
        const t0 = performance.now();
        await alice.namespace.revoke('sub', 'bob');
        round++;
        return performance.now() - t0;
      },
      { warmup: 0, minIterations: 2 },
    );
    const seals = await measure(
      `${REVOKE_SIZE} sealed box seals`,
      () => {
        for (let i = 0; i < REVOKE_SIZE; i++) sealTo(pair.publicKey, payload);
      },
      { minIterations: 2 },
    );
    report.compare('grant + revoke, whole rotation (ms)', revoke, seals, 'ms');
    report.note(`${round} rotations; each re-seals ${REVOKE_SIZE} entry keys in one bundle.`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
