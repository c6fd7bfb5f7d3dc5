/**
 * The failed-login limiter of the real server: the shared policy (`decideAttempt`,
 * failed-login-limiter.ts) applied to state kept in the database, one transaction per attempt
 * (`Storage.updatePasswordAttempts`: the row is held — `SELECT … FOR UPDATE` on PostgreSQL, the
 * write lock on SQLite — while the decision is made and written). So every server process on
 * one database shares the counters and lock-outs, and they survive restarts.
 *
 * Keys are `workspace + "/" + username` (`attemptKeyOf`); workspace ids contain no "/", so the
 * key splits at its first "/". Rows are forgotten (`sweep`) once the policy would ignore them
 * anyway: `forgetAfterMs` after the last attempt or the end of the last lock, whichever is later.
 */
import { BackboneError } from '../../src-shared/errors.js';
import type { PasswordAccessRepository, PasswordAttemptRow } from '../storage/storage.js';
import {
  decideAttempt,
  DEFAULT_FAILED_LOGIN_POLICY,
  type AttemptState,
  type FailedLoginLimiter,
  type FailedLoginPolicy,
  type LimiterDecision,
} from './failed-login-limiter.js';

export interface StorageFailedLoginLimiterOptions {
  policy?: Partial<FailedLoginPolicy>;
  /** The clock (milliseconds since the epoch); tests pass one they can move. */
  now?: () => number;
}

/** Splits an attempt key (`workspace/username`) at its first "/". */
export function splitAttemptKey(key: string): { workspaceId: string; username: string } {
  const slash = typeof key === 'string' ? key.indexOf('/') : -1;
  if (slash <= 0 || slash === key.length - 1) {
    throw new BackboneError('INVALID_ARGUMENT', 'A failed-login key is "workspace/username".');
  }
  return { workspaceId: key.slice(0, slash), username: key.slice(slash + 1) };
}

function stateOf(row: PasswordAttemptRow | undefined): AttemptState | undefined {
  if (row === undefined) return undefined;
  return {
    failures: row.failures,
    lastAttemptAt: row.lastAttemptAt,
    lockedUntil: row.lockedUntil,
    lockouts: row.lockouts,
  };
}

function sameState(a: AttemptState | undefined, b: AttemptState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.failures === b.failures &&
    a.lastAttemptAt === b.lastAttemptAt &&
    a.lockedUntil === b.lockedUntil &&
    a.lockouts === b.lockouts
  );
}

export class StorageFailedLoginLimiter implements FailedLoginLimiter {
  readonly policy: Readonly<FailedLoginPolicy>;
  readonly #storage: PasswordAccessRepository;
  readonly #now: () => number;

  constructor(storage: PasswordAccessRepository, options: StorageFailedLoginLimiterOptions = {}) {
    this.#storage = storage;
    this.policy = Object.freeze({ ...DEFAULT_FAILED_LOGIN_POLICY, ...options.policy });
    this.#now = options.now ?? Date.now;
  }

  /** When a state stops mattering (the policy forgets it). */
  #forgetAt(state: AttemptState): number {
    return Math.max(state.lastAttemptAt, state.lockedUntil) + this.policy.forgetAfterMs;
  }

  async check(key: string): Promise<LimiterDecision> {
    const { workspaceId, username } = splitAttemptKey(key);
    const row = await this.#storage.getPasswordAttempts(workspaceId, username);
    return decideAttempt(stateOf(row), this.#now(), this.policy).decision;
  }

  async begin(key: string): Promise<LimiterDecision> {
    const { workspaceId, username } = splitAttemptKey(key);
    const now = this.#now();
    return this.#storage.updatePasswordAttempts(workspaceId, username, (row) => {
      const current = stateOf(row);
      const { decision, next } = decideAttempt(current, now, this.policy);
      if (row !== undefined && sameState(current, next)) {
        // A refusal changes nothing: write the row back as it was.
        return { next: row, result: decision };
      }
      return {
        next: next === undefined ? undefined : { ...next, forgetAt: this.#forgetAt(next) },
        result: decision,
      };
    });
  }

  async succeed(key: string): Promise<void> {
    const { workspaceId, username } = splitAttemptKey(key);
    await this.#storage.clearPasswordAttempts(workspaceId, username);
  }

  /** The remembered state of a key (monitoring, tests). */
  async peek(key: string): Promise<AttemptState | undefined> {
    const { workspaceId, username } = splitAttemptKey(key);
    return stateOf(await this.#storage.getPasswordAttempts(workspaceId, username));
  }

  /** Deletes the states the policy has forgotten; returns how many. */
  sweep(now: number = this.#now()): Promise<number> {
    return this.#storage.deleteForgottenPasswordAttempts(now);
  }
}
