/**
 * Argon2id off the core's main thread. The core's event loop must stay free while a password
 * is hashed (about a second at the floor, 3 passes / 256 MiB): IPC, auto-lock, the embedded
 * server and progress events keep running. Every Argon2id of the core goes through here: the
 * keyfile (`keyfile-crypto.ts`), SPAKE2+EE's verifier at password sign-in, registration and
 * password change, and the keyfile blob of a registration (the SDK client and `passwordLogin`
 * get `argon2idOffThread` as their `argon2id` runner).
 *
 * Two kinds of worker (`worker_threads`), the same script:
 * - **The warm worker** (`prewarmArgon2`): started while the app is locked (at start and on
 *   lock), it loads libsodium and runs one throwaway Argon2id at the keyfile's memory size with
 *   one pass, so its WebAssembly heap is grown and its pages are mapped before the password is
 *   typed. A fresh instance spends about as long growing and faulting in 256 MiB as hashing:
 *   that was most of the app's 2.3× (issue 11). `retireArgon2` ends it after an unlock, which
 *   gives its memory back (a WebAssembly memory cannot shrink); libsodium wipes the Argon2
 *   memory after every hash, so nothing password-derived stays in it between jobs.
 * - **A one-shot worker** for jobs while no warm worker runs (unlocked: password change,
 *   registration), ended after its job.
 *
 * The worker is a small self-contained script (eval mode) that loads the same libsodium package
 * by absolute path, so it works the same under tsx, Vitest, the esbuild bundles and Electron
 * without a separate build entry. If a worker cannot be started, the hash runs on the main
 * thread instead (correct, only less responsive).
 *
 * Only the password bytes, salt and parameters go in (a copy of the password, transferred, so
 * the core keeps none); only the derived key comes out (transferred). The worker wipes its copy
 * of the password; the caller wipes its own.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type Argon2idJob, sodium } from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';

export type Argon2Job = Argon2idJob;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodiumModule = require(workerData.sodiumPath);
parentPort.on('message', async (job) => {
  try {
    await sodiumModule.ready;
    const s = sodiumModule;
    if (job.warm) {
      const pw = s.randombytes_buf(16);
      const out = s.crypto_pwhash(16, pw, s.randombytes_buf(16), 1, job.memlimit,
        s.crypto_pwhash_ALG_ARGON2ID13);
      s.memzero(pw);
      s.memzero(out);
      parentPort.postMessage({ id: job.id, ok: true });
      return;
    }
    let key;
    try {
      key = s.crypto_pwhash(job.length, job.password, job.salt, job.opslimit, job.memlimit,
        s.crypto_pwhash_ALG_ARGON2ID13);
    } finally {
      s.memzero(job.password);
    }
    parentPort.postMessage({ id: job.id, ok: true, key }, [key.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(error && error.message || error) });
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

interface WorkerReply {
  id: number;
  ok: boolean;
  key?: Uint8Array;
  message?: string;
}

/** One worker thread running jobs in order; unreferenced while idle. */
class HashWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (key: Uint8Array | undefined) => void; reject: (error: unknown) => void }
  >();
  #nextId = 1;
  #dead = false;
  #endWhenIdle = false;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sodiumPath: resolveSodium() },
    });
    this.#worker.unref();
    this.#worker.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#settle(reply.id);
      if (reply.ok) waiter.resolve(reply.key);
      else waiter.reject(failed(new Error(reply.message ?? 'worker failed')));
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`worker exited with ${code}`)));
  }

  get alive(): boolean {
    return !this.#dead;
  }

  /** The derived key (transferred out of the worker). */
  async hash(job: Argon2Job): Promise<Uint8Array> {
    const password = Uint8Array.from(job.password);
    try {
      const key = await this.#post(
        {
          password,
          salt: Uint8Array.from(job.salt),
          opslimit: job.opslimit,
          memlimit: job.memlimit,
          length: job.length ?? 32,
        },
        [password.buffer],
      );
      if (!(key instanceof Uint8Array)) throw failed(new Error('worker returned no key'));
      return key;
    } finally {
      if (password.byteLength > 0) password.fill(0); // detached once transferred
    }
  }

  /** A throwaway one-pass Argon2id at `memlimit`: grows and maps the WebAssembly heap. */
  async warm(memlimit: number): Promise<void> {
    await this.#post({ warm: true, memlimit }, []);
  }

  /** Ends the worker once its queued jobs are done (now if there are none). */
  endWhenIdle(): void {
    this.#endWhenIdle = true;
    if (this.#pending.size === 0) this.terminate();
  }

  terminate(): void {
    this.#fail(new Error('worker ended'));
    void this.#worker.terminate();
  }

  #post(message: object, transfer: ArrayBuffer[]): Promise<Uint8Array | undefined> {
    if (this.#dead) return Promise.reject(failed(new Error('worker ended')));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref(); // a running hash keeps the process alive
      this.#worker.postMessage({ ...message, id }, transfer);
    });
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size > 0 || this.#dead) return;
    if (this.#endWhenIdle) this.terminate();
    else this.#worker.unref();
  }

  #fail(error: unknown): void {
    this.#dead = true;
    const waiters = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of waiters) waiter.reject(failed(error));
  }
}

/**
 * Test hooks. `disableWorker` forces the main-thread fallback. `beforeJob` is awaited before a
 * job is handed to a worker (it sees the parameters, never the password): a test can hold a
 * derivation open to prove the core answers meanwhile.
 */
export const argon2Options: {
  disableWorker: boolean;
  beforeJob?: (job: { opslimit: number; memlimit: number; length: number }) => Promise<void>;
} = { disableWorker: false };

let warmWorker: HashWorker | undefined;
let warming: Promise<void> = Promise.resolve();

/**
 * Starts the warm worker (if none runs) and grows its heap for `memlimit` bytes, in the
 * background. Resolves when it is warm; never rejects (a failed warm-up only means the next
 * hash starts cold).
 */
export function prewarmArgon2(memlimit: number): Promise<void> {
  if (argon2Options.disableWorker) return Promise.resolve();
  if (warmWorker?.alive) return warming;
  let worker: HashWorker;
  try {
    worker = new HashWorker();
  } catch {
    return Promise.resolve();
  }
  warmWorker = worker;
  warming = worker.warm(memlimit).catch(() => {
    if (warmWorker === worker) warmWorker = undefined;
    worker.terminate();
  });
  return warming;
}

/** The warm-up in progress (or done): benchmarks wait for it as a user's idle time would. */
export function argon2Warm(): Promise<void> {
  return warming;
}

/**
 * Ends the warm worker and gives its memory back (after an unlock, at shutdown), once the jobs
 * already handed to it are done.
 */
export function retireArgon2(): void {
  const worker = warmWorker;
  warmWorker = undefined;
  worker?.endWhenIdle();
}

/** True while a warm worker runs (tests). */
export function hasWarmArgon2(): boolean {
  return warmWorker?.alive === true;
}

/**
 * Argon2id13(password, salt, ops, mem) in a worker: the warm one if it runs, else a one-shot
 * worker. The caller checks the parameters (floors) and normalizes the password first; this
 * only computes. An `Argon2idRunner` (src-shared/crypto/pwhash.ts).
 */
export async function argon2idOffThread(job: Argon2Job): Promise<Uint8Array> {
  if (argon2Options.disableWorker) return onMainThread(job);
  await argon2Options.beforeJob?.({
    opslimit: job.opslimit,
    memlimit: job.memlimit,
    length: job.length ?? 32,
  });
  const started = performance.now();
  try {
    return await inWorker(job);
  } finally {
    argon2Stats.lastMs = performance.now() - started;
  }
}

/** How long the last `argon2idOffThread` took, call to key (benchmarks; nothing secret). */
export const argon2Stats = { lastMs: Number.NaN };

async function inWorker(job: Argon2Job): Promise<Uint8Array> {
  const warm = warmWorker;
  if (warm?.alive) return warm.hash(job);
  let worker: HashWorker;
  try {
    worker = new HashWorker();
  } catch {
    return onMainThread(job);
  }
  try {
    return await worker.hash(job);
  } finally {
    worker.terminate();
  }
}
