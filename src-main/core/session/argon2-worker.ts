/**
 * Argon2id off the core's main thread. The core's event loop must stay free while a password
 * is hashed (about a second at the floor, 3 passes / 256 MiB): IPC, auto-lock, the embedded
 * server and progress events keep running. Each run gets its own `worker_threads` Worker (its
 * own WebAssembly memory, released when the worker ends).
 *
 * The worker is a small self-contained script (eval mode) that loads the same libsodium package
 * by absolute path, so it works the same under tsx, Vitest, the esbuild bundles and Electron
 * without a separate build entry. If a worker cannot be started, the hash runs on the main
 * thread instead (correct, only less responsive).
 *
 * Only the password bytes, salt and parameters go in; only the derived key comes out. Both
 * copies are wiped by the caller/worker after use.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sodium } from '../../../src-shared/crypto/sodium.js';
import { BackboneError } from '../../../src-shared/errors.js';

export interface Argon2Job {
  password: Uint8Array;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
  length?: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodiumModule = require(workerData.sodiumPath);
parentPort.once('message', async (job) => {
  try {
    await sodiumModule.ready;
    const s = sodiumModule;
    const key = s.crypto_pwhash(job.length, job.password, job.salt, job.opslimit, job.memlimit,
      s.crypto_pwhash_ALG_ARGON2ID13);
    s.memzero(job.password);
    parentPort.postMessage({ ok: true, key }, [key.buffer]);
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

let sodiumPath: string | undefined;
function resolveSodium(): string {
  sodiumPath ??= createRequire(import.meta.url).resolve('libsodium-wrappers-sumo');
  return sodiumPath;
}

function failed(cause?: unknown): BackboneError {
  return new BackboneError(
    'INTERNAL',
    'Password hashing failed (the device may be out of memory). Close other apps and retry.',
    cause === undefined ? undefined : { cause },
  );
}

function onMainThread(job: Argon2Job): Uint8Array {
  const s = sodium();
  try {
    return s.crypto_pwhash(
      job.length ?? 32,
      job.password,
      job.salt,
      job.opslimit,
      job.memlimit,
      s.crypto_pwhash_ALG_ARGON2ID13,
    );
  } catch (cause) {
    throw failed(cause);
  }
}

/** Test hook: force the main-thread fallback. */
export const argon2Options = { disableWorker: false };

/**
 * Argon2id13(password, salt, ops, mem) in a worker. The caller checks the parameters (floors)
 * and normalizes the password first; this only computes.
 */
export async function argon2idOffThread(job: Argon2Job): Promise<Uint8Array> {
  if (argon2Options.disableWorker) return onMainThread(job);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sodiumPath: resolveSodium() },
    });
  } catch {
    return onMainThread(job);
  }
  const password = Uint8Array.from(job.password);
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      worker.once('message', (message: { ok: boolean; key?: Uint8Array; message?: string }) => {
        settled = true;
        if (message.ok && message.key instanceof Uint8Array) resolve(message.key);
        else reject(failed(new Error(message.message ?? 'worker failed')));
      });
      worker.once('error', (error) => {
        if (!settled) {
          settled = true;
          reject(failed(error));
        }
      });
      worker.once('exit', (code) => {
        if (!settled) {
          settled = true;
          reject(failed(new Error(`worker exited with ${code}`)));
        }
      });
      worker.postMessage(
        {
          password,
          salt: Uint8Array.from(job.salt),
          opslimit: job.opslimit,
          memlimit: job.memlimit,
          length: job.length ?? 32,
        },
        [password.buffer],
      );
    });
  } finally {
    if (password.byteLength > 0) password.fill(0); // detached once transferred
    void worker.terminate();
  }
}
