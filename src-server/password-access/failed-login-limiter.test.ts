import { describe, expect, it } from 'vitest';
import {
  decideAttempt,
  DEFAULT_FAILED_LOGIN_POLICY,
  delayAfterFailures,
  lockDuration,
  MemoryFailedLoginLimiter,
  type LimiterDecision,
} from './failed-login-limiter.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const allowed: LimiterDecision = { allowed: true };

describe('failed-login policy', () => {
  it('has the documented delays and lock lengths', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9, 12].map((f) => delayAfterFailures(f))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 60_000, 60_000,
    ]);
    expect([1, 2, 3, 4, 7, 50].map((n) => lockDuration(n))).toEqual([
      15 * MIN,
      30 * MIN,
      HOUR,
      2 * HOUR,
      16 * HOUR,
      24 * HOUR,
    ]);
  });

  it('decideAttempt is pure', () => {
    const state = { failures: 4, lastAttemptAt: 1000, lockedUntil: 0, lockouts: 0 };
    const copy = { ...state };
    decideAttempt(state, 1500);
    expect(state).toEqual(copy);
  });
});

describe('MemoryFailedLoginLimiter', () => {
  it('allows 3 free attempts, then growing delays, then locks at the 10th', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now });
    const key = 'ws/alice';
    for (let i = 0; i < 3; i++) expect(limiter.begin(key)).toEqual(allowed);
    // 3 failures counted: the 4th attempt must wait 1 s.
    expect(limiter.begin(key)).toEqual({
      allowed: false,
      code: 'PAKE_RATE_LIMITED',
      retryAfterMs: 1000,
    });
    clock.advance(999);
    expect(limiter.begin(key)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(limiter.begin(key)).toEqual(allowed); // 4th counted
    const waits: number[] = [];
    for (let attempt = 5; attempt <= 9; attempt++) {
      const refused = limiter.begin(key);
      expect(refused.allowed).toBe(false);
      if (refused.allowed) throw new Error('unreachable');
      expect(refused.code).toBe('PAKE_RATE_LIMITED');
      waits.push(refused.retryAfterMs);
      clock.advance(refused.retryAfterMs);
      expect(limiter.begin(key)).toEqual(allowed);
    }
    expect(waits).toEqual([2000, 4000, 8000, 16_000, 32_000]);
    expect(limiter.peek(key)).toMatchObject({ failures: 9, lockouts: 0, lockedUntil: 0 });
    // The 10th attempt is allowed (after its wait) and locks the username for 15 minutes.
    clock.advance(60_000);
    expect(limiter.begin(key)).toEqual(allowed);
    expect(limiter.peek(key)).toMatchObject({ failures: 0, lockouts: 1 });
    expect(limiter.begin(key)).toEqual({
      allowed: false,
      code: 'PAKE_LOCKED_OUT',
      retryAfterMs: 15 * MIN,
    });
    clock.advance(10 * MIN);
    expect(limiter.begin(key)).toEqual({
      allowed: false,
      code: 'PAKE_LOCKED_OUT',
      retryAfterMs: 5 * MIN,
    });
    // Refused attempts do not extend the lock.
    clock.advance(5 * MIN);
    expect(limiter.begin(key)).toEqual(allowed);
  });

  it('locks longer each time, and a success forgets everything', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({
      now: clock.now,
      policy: { baseDelayMs: 0 },
    });
    const key = 'ws/bob';
    const lockOut = () => {
      for (let i = 0; i < 10; i++) expect(limiter.begin(key)).toEqual(allowed);
      const refused = limiter.begin(key);
      if (refused.allowed) throw new Error('expected a lock');
      expect(refused.code).toBe('PAKE_LOCKED_OUT');
      return refused.retryAfterMs;
    };
    expect(lockOut()).toBe(15 * MIN);
    clock.advance(15 * MIN);
    expect(lockOut()).toBe(30 * MIN);
    clock.advance(30 * MIN);
    expect(lockOut()).toBe(HOUR);
    clock.advance(HOUR);
    expect(limiter.begin(key)).toEqual(allowed);
    limiter.succeed(key);
    expect(limiter.peek(key)).toBeUndefined();
    expect(lockOut()).toBe(15 * MIN);
  });

  it('a success during the locking attempt lifts the lock', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now, policy: { baseDelayMs: 0 } });
    for (let i = 0; i < 10; i++) limiter.begin('k');
    expect(limiter.begin('k').allowed).toBe(false);
    limiter.succeed('k');
    expect(limiter.begin('k')).toEqual(allowed);
  });

  it('forgets a username after a quiet day', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now, policy: { baseDelayMs: 0 } });
    for (let i = 0; i < 10; i++) limiter.begin('k');
    expect(limiter.peek('k')?.lockouts).toBe(1);
    // The quiet period counts from the end of the lock.
    clock.advance(15 * MIN + DEFAULT_FAILED_LOGIN_POLICY.forgetAfterMs - 1);
    limiter.begin('k');
    expect(limiter.peek('k')).toMatchObject({ failures: 1, lockouts: 1 });
    clock.advance(DEFAULT_FAILED_LOGIN_POLICY.forgetAfterMs);
    limiter.begin('k');
    expect(limiter.peek('k')).toMatchObject({ failures: 1, lockouts: 0 });
  });

  it('check answers like begin but counts nothing', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now });
    const key = 'ws/alice';
    for (let i = 0; i < 20; i++) expect(limiter.check(key)).toEqual(allowed);
    expect(limiter.peek(key)).toBeUndefined();
    for (let i = 0; i < 3; i++) limiter.begin(key);
    const state = limiter.peek(key);
    const refusal = { allowed: false, code: 'PAKE_RATE_LIMITED', retryAfterMs: 1000 };
    expect(limiter.check(key)).toEqual(refusal);
    expect(limiter.check(key)).toEqual(refusal);
    expect(limiter.peek(key)).toEqual(state);
    expect(limiter.begin(key)).toEqual(refusal);
    clock.advance(1000);
    expect(limiter.check(key)).toEqual(allowed);
    expect(limiter.peek(key)).toEqual(state);
  });

  it('counts each username separately, existing or not (it cannot know)', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now });
    for (let i = 0; i < 3; i++) limiter.begin('ws/a');
    expect(limiter.begin('ws/a').allowed).toBe(false);
    expect(limiter.begin('ws/b')).toEqual(allowed);
    expect(limiter.begin('other/a')).toEqual(allowed);
  });

  it('stays within maxEntries, evicting the least recently attempted', () => {
    const clock = fakeClock();
    const limiter = new MemoryFailedLoginLimiter({ now: clock.now, maxEntries: 3 });
    limiter.begin('a');
    limiter.begin('b');
    limiter.begin('c');
    limiter.begin('a'); // a is now the most recent
    limiter.begin('d');
    expect(limiter.size).toBe(3);
    expect(limiter.peek('b')).toBeUndefined();
    expect(limiter.peek('a')?.failures).toBe(2);
    expect(() => new MemoryFailedLoginLimiter({ maxEntries: 0 })).toThrow(RangeError);
  });
});
