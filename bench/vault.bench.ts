/**
 * The desktop app's store browser on a workspace of 10,000 entries: `vault.snapshot` through the
 * app core and its IPC dispatcher (one fetch of every record + the verified membership log, the
 * model's listing with every signature and key envelope checked, the encrypted offline copy
 * written in the background), against the public-key work such a listing cannot avoid
 * (10,000 sealed-box opens + 10,000 Ed25519 verifications).
 *
 *  - first open on a device (no offline copy yet): everything is checked;
 *  - after an unlock with the offline copy: what was already checked is taken from the copy;
 *  - again while unlocked (after a change elsewhere): same, from memory;
 *  - offline after an unlock: listed from the copy alone.
 *
 * The server runs in the same process (the figures include its work on the one event loop).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fillNamespace } from './fill-store.js';
import { measure, type Report } from './harness.js';
import {
  cryptoReady,
  generateBoxKeyPair,
  generateSignKeyPair,
  openSealed,
  randomBytes,
  sealTo,
  signDetached,
  verifyDetached,
} from '../src-shared/crypto/index.js';
import { startSdkTestServer } from '../src-shared/sdk/test/server.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
} from '../src-main/core/test/core-harness.js';

const SIZE = 10_000;

export async function run(report: Report): Promise<void> {
  await cryptoReady();
  const server = await startSdkTestServer();
  const core = await startTestCore();
  try {
    await onboardTestCore(core, {
      displayName: 'Bench',
      server: { mode: 'remote', url: server.url },
      workspace: { displayName: 'Bench', workspaceId: 'vault-bench', username: 'bench' },
    });
    await core.call('vault.createNamespace', { path: 'big', isolated: false });
    await fillNamespace(core.core.services.session.client(), 'big', SIZE);

    const pair = generateBoxKeyPair();
    const sealed = sealTo(pair.publicKey, randomBytes(100));
    const signer = generateSignKeyPair();
    const message = randomBytes(200);
    const signature = signDetached(message, signer.secretKey);
    const floor = await measure(
      `${SIZE} opens + verifies`,
      () => {
        for (let i = 0; i < SIZE; i++) {
          openSealed(pair, sealed);
          verifyDetached(signature, message, signer.publicKey);
        }
      },
      { minIterations: 2 },
    );

    const snapshot = async () => {
      const listed = await core.call('vault.snapshot', {});
      if (listed.entries.length !== SIZE) throw new Error(`listed ${listed.entries.length}`);
      return listed;
    };
    const relock = async () => {
      await core.call('session.lock', {});
      await core.call('session.unlock', { password: STRONG_PASSWORD });
    };
    const cacheDir = path.join(core.dataDir, 'cache');

    report.section(`The store browser on ${SIZE.toLocaleString('en-US')} entries (app core)`);
    // Only the snapshot part of each run is timed (not the lock and unlock before it).
    const cold = await timed(2, async () => {
      await core.core.services.vault.flushCache();
      await rm(cacheDir, { recursive: true, force: true });
      await relock();
      const t0 = performance.now();
      await snapshot();
      return performance.now() - t0;
    });
    report.compare('vault.snapshot, first open (ms)', cold, floor, 'ms');
    const afterUnlock = await timed(3, async () => {
      await core.core.services.vault.flushCache();
      await relock();
      const t0 = performance.now();
      await snapshot();
      return performance.now() - t0;
    });
    report.compare('vault.snapshot, after unlock (ms)', afterUnlock, floor, 'ms');
    const again = await measure('again', snapshot, { warmup: 1, minIterations: 3 });
    report.compare('vault.snapshot, again while unlocked (ms)', again, floor, 'ms');

    await core.core.services.vault.flushCache();
    await server.close();
    const offline = await timed(3, async () => {
      await relock();
      const t0 = performance.now();
      const listed = await snapshot();
      if (listed.source !== 'cache') throw new Error('not from the offline copy');
      return performance.now() - t0;
    });
    report.compare('vault.snapshot, offline after unlock (ms)', offline, floor, 'ms');
    report.note('Server in the same process; the cold figure includes the public-key floor.');
  } finally {
    await core.stop();
    await server.close().catch(() => undefined);
  }
}

/** Samples of a part of each run (the function returns the milliseconds to keep). */
async function timed(n: number, part: () => Promise<number>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await part());
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor((samples.length - 1) / 2)]!;
  return { name: 'part', samples, p50, p99: samples.at(-1)!, opsPerSec: 1000 / p50 };
}
