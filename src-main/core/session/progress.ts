/**
 * Progress of slow operations (Argon2id). Argon2id cannot report progress itself, so the core
 * sends an estimate (how long the same parameters took last time on this device) when the work
 * starts, ticks while its event loop is free, and a final event when it is done. The renderer
 * animates between events from the estimate, so the bar moves even while the core is busy.
 */
import type { PwhashParams } from '../../../src-shared/crypto/index.js';
import type { ProgressEvent } from '../../../src-shared/ipc/contract.js';

const MiB = 1024 * 1024;
const TICK_MS = 150;

export type ProgressSink = (event: ProgressEvent) => void;
export type Operation = ProgressEvent['operation'];

export interface TimingStore {
  get(key: string): number | undefined;
  set(key: string, ms: number): void;
}

export function timingKey(params: PwhashParams): string {
  return `${params.opslimit}:${params.memlimit}`;
}

/** A first guess: about 1.3 ms per pass and MiB on an ordinary laptop. */
export function defaultEstimateMs(params: PwhashParams): number {
  return Math.max(50, Math.round(params.opslimit * (params.memlimit / MiB) * 1.3));
}

export class ProgressReporter {
  constructor(
    private readonly sink: ProgressSink,
    private readonly timings: TimingStore,
  ) {}

  estimate(params: PwhashParams[]): number {
    return params.reduce(
      (total, p) => total + (this.timings.get(timingKey(p)) ?? defaultEstimateMs(p)),
      0,
    );
  }

  /** Runs `task`, reporting progress for `runs` Argon2id computations. */
  async run<T>(
    operation: Operation,
    label: string,
    runs: PwhashParams[],
    task: () => Promise<T>,
  ): Promise<T> {
    const estimatedMs = this.estimate(runs);
    const started = Date.now();
    const send = (done: boolean): void =>
      this.sink({ operation, label, elapsedMs: Date.now() - started, estimatedMs, done });
    send(false);
    const ticker = setInterval(() => send(false), TICK_MS);
    try {
      const result = await task();
      const elapsed = Date.now() - started;
      if (runs.length === 1 && runs[0]) this.timings.set(timingKey(runs[0]), elapsed);
      return result;
    } finally {
      clearInterval(ticker);
      send(true);
    }
  }
}
