/**
 * The auto-lock countdown. The core owns it; the renderer only reports activity
 * (`session.activity`, throttled on its side). `minutes = 0` turns it off.
 */
export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: TimerApi = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export class AutoLock {
  #minutes = 0;
  #handle: unknown;
  #running = false;
  #lastActivity = 0;

  constructor(
    private readonly onIdle: () => void,
    private readonly timers: TimerApi = realTimers,
  ) {}

  /** Starts (or restarts) the countdown with `minutes` (0 = never). */
  start(minutes: number): void {
    this.#minutes = minutes;
    this.#running = true;
    this.touch();
  }

  setMinutes(minutes: number): void {
    this.#minutes = minutes;
    if (this.#running) this.touch();
  }

  /** Activity: the countdown starts over. */
  touch(): void {
    if (!this.#running) return;
    this.#lastActivity = this.timers.now();
    this.#clear();
    if (this.#minutes > 0) {
      this.#handle = this.timers.setTimeout(() => this.#fire(), this.#minutes * 60_000);
    }
  }

  stop(): void {
    this.#running = false;
    this.#clear();
  }

  get running(): boolean {
    return this.#running;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  #fire(): void {
    this.#handle = undefined;
    if (!this.#running) return;
    this.#running = false;
    this.onIdle();
  }

  #clear(): void {
    if (this.#handle !== undefined) this.timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
