/**
 * Failed password logins per (workspace, username) (docs/design.md §5): growing delays, then a
 * lock-out window. Attempts are tracked for every username asked for, registered or not, so a
 * refusal never tells whether a username exists.
 *
 * Only a guess counts. A login is looked at twice: at the hello, `check` refuses it (delay,
 * lock-out) without counting anything, so a locked client is told before it runs Argon2id; when
 * response 1 arrives, `begin` decides again and counts it as failed, atomically, before the
 * server sends response 2, until it succeeds (`succeed`). Response 2 is what lets a client test
 * its guess (the client validator in it), even without ever sending response 3, so that is the
 * moment to count. A hello with no response 1 (or a malformed one) tests nothing and costs the
 * username nothing. Counting before response 2 also stops parallel connections from each getting
 * a free guess: each response 1 is counted before the next one is decided.
 *
 * Default policy (`DEFAULT_FAILED_LOGIN_POLICY`), with f = failures counted so far:
 * - the first 3 attempts are free (no delay);
 * - after that, the next attempt must wait 1 s · 2^(f − 3) after the last one (1 s, 2 s, 4 s, …,
 *   capped at 60 s); an attempt earlier than that is refused with `PAKE_RATE_LIMITED`;
 * - the 10th counted attempt locks the username for 15 minutes from then (doubling with every
 *   further lock-out: 30 min, 1 h, …, capped at 24 h); attempts meanwhile are refused with
 *   `PAKE_LOCKED_OUT`. The attempt that triggered the lock still runs: if it succeeds, the lock
 *   is lifted. After a lock the free attempts start again (the lock count stays);
 * - a success forgets everything; so do 24 h without attempts after the last one (or the end
 *   of the last lock).
 * Refused attempts are not counted and do not extend any wait.
 *
 * The decision is a pure function (`decideAttempt`) so a database-backed limiter can apply the
 * same policy inside a transaction. `MemoryFailedLoginLimiter` keeps the states in memory (one
 * server process), bounded to `maxEntries` usernames (least recently attempted evicted first).
 */

export interface FailedLoginPolicy {
  /** Attempts allowed with no delay. */
  freeAttempts: number;
  /** Delay before the first attempt after the free ones; doubles after each further failure. */
  baseDelayMs: number;
  /** Cap of that delay. */
  maxDelayMs: number;
  /** The attempt that makes this many counted failures locks the username. */
  lockAfterFailures: number;
  /** First lock-out length; doubles with each further lock-out. */
  lockMs: number;
  /** Cap of the lock-out length. */
  maxLockMs: number;
  /** A username with no attempt (and no lock) for this long starts afresh. */
  forgetAfterMs: number;
}

export const DEFAULT_FAILED_LOGIN_POLICY: Readonly<FailedLoginPolicy> = Object.freeze({
  freeAttempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  lockAfterFailures: 10,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 3600_000,
  forgetAfterMs: 24 * 3600_000,
});

/** What is remembered about one username. Times are milliseconds since the epoch. */
export interface AttemptState {
  /** Attempts counted (as failures) since the last success, lock or reset. */
  failures: number;
  /** When the last counted attempt began. */
  lastAttemptAt: number;
  /** Locked until then (0: not locked). */
  lockedUntil: number;
  /** Lock-outs so far (sets the next lock's length). */
  lockouts: number;
}

export type LimiterDecision =
  | { allowed: true }
  | { allowed: false; code: 'PAKE_RATE_LIMITED' | 'PAKE_LOCKED_OUT'; retryAfterMs: number };

/** What the password-access handler needs; `key` is `workspace + "/" + username`. */
export interface FailedLoginLimiter {
  /**
   * Whether a login may start now (at the hello), without counting it: the decision `begin`
   * would make, and no state changes.
   */
  check(key: string): LimiterDecision | Promise<LimiterDecision>;
  /**
   * Decides whether a guess (a response 1) may be answered now and, if so, counts it as failed
   * until `succeed`. Must be atomic per key (check and count in one step).
   */
  begin(key: string): LimiterDecision | Promise<LimiterDecision>;
  /** The login succeeded (or the owner re-registered): forget the username's failures. */
  succeed(key: string): void | Promise<void>;
}

/** The delay required after `failures` counted failures (0 while attempts are free). */
export function delayAfterFailures(
  failures: number,
  policy: FailedLoginPolicy = DEFAULT_FAILED_LOGIN_POLICY,
): number {
  if (failures < policy.freeAttempts) return 0;
  const exponent = Math.min(failures - policy.freeAttempts, 52);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/** The length of the `lockouts`-th lock-out (1-based). */
export function lockDuration(
  lockouts: number,
  policy: FailedLoginPolicy = DEFAULT_FAILED_LOGIN_POLICY,
): number {
  const exponent = Math.min(Math.max(lockouts - 1, 0), 52);
  return Math.min(policy.lockMs * 2 ** exponent, policy.maxLockMs);
}

/**
 * The policy as a pure function: the decision for an attempt at `now` and the state to keep
 * (`undefined`: nothing to remember).
 */
export function decideAttempt(
  state: AttemptState | undefined,
  now: number,
  policy: FailedLoginPolicy = DEFAULT_FAILED_LOGIN_POLICY,
): { decision: LimiterDecision; next: AttemptState | undefined } {
  let current = state;
  if (current !== undefined && now < current.lockedUntil) {
    return {
      decision: {
        allowed: false,
        code: 'PAKE_LOCKED_OUT',
        retryAfterMs: current.lockedUntil - now,
      },
      next: current,
    };
  }
  if (
    current !== undefined &&
    now - Math.max(current.lastAttemptAt, current.lockedUntil) >= policy.forgetAfterMs
  ) {
    current = undefined;
  }
  const failures = current?.failures ?? 0;
  if (current !== undefined && failures > 0) {
    const allowedAt = current.lastAttemptAt + delayAfterFailures(failures, policy);
    if (now < allowedAt) {
      return {
        decision: { allowed: false, code: 'PAKE_RATE_LIMITED', retryAfterMs: allowedAt - now },
        next: current,
      };
    }
  }
  const next: AttemptState = {
    failures: failures + 1,
    lastAttemptAt: now,
    lockedUntil: 0,
    lockouts: current?.lockouts ?? 0,
  };
  if (next.failures >= policy.lockAfterFailures) {
    next.lockouts += 1;
    next.lockedUntil = now + lockDuration(next.lockouts, policy);
    next.failures = 0;
  }
  return { decision: { allowed: true }, next };
}

export interface MemoryFailedLoginLimiterOptions {
  policy?: Partial<FailedLoginPolicy>;
  /** The clock (default `Date.now`); tests inject a fake one. */
  now?: () => number;
  /** Most usernames remembered (default 100 000); the least recently attempted go first. */
  maxEntries?: number;
}

/** The in-memory limiter: one process, bounded memory. */
export class MemoryFailedLoginLimiter implements FailedLoginLimiter {
  readonly policy: Readonly<FailedLoginPolicy>;
  readonly #now: () => number;
  readonly #maxEntries: number;
  /** Insertion order = least recently attempted first. */
  readonly #states = new Map<string, AttemptState>();

  constructor(options: MemoryFailedLoginLimiterOptions = {}) {
    this.policy = Object.freeze({ ...DEFAULT_FAILED_LOGIN_POLICY, ...options.policy });
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
  }

  check(key: string): LimiterDecision {
    return decideAttempt(this.#states.get(key), this.#now(), this.policy).decision;
  }

  begin(key: string): LimiterDecision {
    const now = this.#now();
    const { decision, next } = decideAttempt(this.#states.get(key), now, this.policy);
    this.#states.delete(key);
    if (next !== undefined) {
      this.#states.set(key, next);
      while (this.#states.size > this.#maxEntries) {
        const oldest = this.#states.keys().next().value;
        if (oldest === undefined) break;
        this.#states.delete(oldest);
      }
    }
    return decision;
  }

  succeed(key: string): void {
    this.#states.delete(key);
  }

  /** The remembered state of a key (monitoring, tests). */
  peek(key: string): Readonly<AttemptState> | undefined {
    const state = this.#states.get(key);
    return state === undefined ? undefined : { ...state };
  }

  /** Usernames remembered. */
  get size(): number {
    return this.#states.size;
  }
}
