/**
 * The server's one scheduler for background sweeps: named jobs, each run every `intervalMs`.
 *
 * - `buildServer` makes one per server; the route plugins that own a sweep add their job
 *   (`scheduler.add(...)`) while they load, `app.ts` adds the server-wide ones.
 * - It starts when the server listens (`onListen`) and stops before it closes (`preClose`),
 *   waiting for runs in flight, so no job touches the storage after it is closed.
 * - A job never runs twice at once: a tick that finds its previous run still going is skipped.
 * - A failing run is logged (job name, error class and typed code; never its message, which
 *   may quote a database value) and the job runs again at its next tick.
 * - Time is injectable: jobs get `clock.now()`, and the timer source (`Ticker`) can be replaced,
 *   so tests fire ticks themselves (`scheduler.test.ts`).
 */
import type { FastifyBaseLogger } from 'fastify';
import { isBackboneError } from '../src-shared/errors.js';
import type { Clock } from './clock.js';

/** What a run reports (counts of what it removed); logged at debug level. */
export type JobResult = Record<string, number> | number | void;

export interface ScheduledJob {
  /** Unique, short, in logs: `store-expiry`, `auth-expiry`, … */
  name: string;
  intervalMs: number;
  /** One run; `now` is the scheduler clock's time when the run starts. */
  run(now: number): Promise<JobResult>;
}

/** Calls `tick` every `ms` until the returned function is called. */
export type Ticker = (ms: number, tick: () => void) => () => void;

/** Real timers that never keep the process alive. */
export const intervalTicker: Ticker = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

type SchedulerLog = Pick<FastifyBaseLogger, 'debug' | 'warn'>;

export interface SchedulerOptions {
  clock: Clock;
  log: SchedulerLog;
  ticker?: Ticker;
}

interface Entry {
  job: ScheduledJob;
  cancel: (() => void) | undefined;
  running: Promise<void> | undefined;
}

/** The loggable part of a job's error: its class and typed code, never its message. */
export function errorSummary(error: unknown): { type: string; code?: string } {
  const type = error instanceof Error ? error.constructor.name || 'Error' : typeof error;
  if (isBackboneError(error)) return { type, code: error.code };
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(code)
    ? { type, code }
    : { type };
}

export class Scheduler {
  readonly #clock: Clock;
  readonly #log: SchedulerLog;
  readonly #ticker: Ticker;
  readonly #jobs = new Map<string, Entry>();
  #started = false;

  constructor(options: SchedulerOptions) {
    this.#clock = options.clock;
    this.#log = options.log;
    this.#ticker = options.ticker ?? intervalTicker;
  }

  /** Adds a job; if the scheduler already runs, its timer starts now. */
  add(job: ScheduledJob): void {
    if (this.#jobs.has(job.name)) throw new Error(`A job named ${job.name} is already scheduled.`);
    if (!(job.intervalMs > 0)) throw new Error(`Job ${job.name} needs a positive interval.`);
    const entry: Entry = { job, cancel: undefined, running: undefined };
    this.#jobs.set(job.name, entry);
    if (this.#started) this.#arm(entry);
  }

  get names(): string[] {
    return [...this.#jobs.keys()];
  }

  get started(): boolean {
    return this.#started;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#jobs.values()) this.#arm(entry);
  }

  /** Stops every timer and waits for the runs in flight. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const entry of this.#jobs.values()) {
      entry.cancel?.();
      entry.cancel = undefined;
    }
    await Promise.all([...this.#jobs.values()].map((entry) => entry.running));
  }

  /**
   * Runs a job now (as a tick would; a run already in flight is awaited instead of doubled).
   * Never throws: a failure is logged like a scheduled one.
   */
  async runNow(name: string): Promise<void> {
    const entry = this.#jobs.get(name);
    if (!entry) throw new Error(`No job named ${name}.`);
    await (entry.running ?? this.#run(entry));
  }

  #arm(entry: Entry): void {
    entry.cancel = this.#ticker(entry.job.intervalMs, () => {
      if (entry.running) {
        this.#log.debug({ job: entry.job.name }, 'scheduled job still running; tick skipped');
        return;
      }
      void this.#run(entry);
    });
  }

  #run(entry: Entry): Promise<void> {
    const running: Promise<void> = this.#execute(entry.job).finally(() => {
      if (entry.running === running) entry.running = undefined;
    });
    entry.running = running;
    return running;
  }

  async #execute(job: ScheduledJob): Promise<void> {
    try {
      const result = await job.run(this.#clock.now());
      if (result !== undefined) {
        this.#log.debug(
          { job: job.name, ...(typeof result === 'number' ? { removed: result } : result) },
          'scheduled job done',
        );
      }
    } catch (error) {
      this.#log.warn({ job: job.name, error: errorSummary(error) }, 'scheduled job failed');
    }
  }
}
