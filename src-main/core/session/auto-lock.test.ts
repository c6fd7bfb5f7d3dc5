import { describe, expect, it } from 'vitest';
import { AutoLock, type TimerApi } from './auto-lock.js';

function fakeTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; run: () => void }>();
  let next = 1;
  const api: TimerApi = {
    setTimeout(run, ms) {
      const id = next++;
      pending.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout(id) {
      pending.delete(id as number);
    },
    now: () => now,
  };
  return {
    api,
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.run();
        }
      }
    },
  };
}

describe('auto-lock', () => {
  it('locks after the idle time; activity starts the countdown over', () => {
    const timers = fakeTimers();
    let locked = 0;
    const autoLock = new AutoLock(() => locked++, timers.api);
    autoLock.start(5);
    timers.advance(4 * 60_000);
    autoLock.touch();
    timers.advance(4 * 60_000);
    expect(locked).toBe(0);
    timers.advance(60_000);
    expect(locked).toBe(1);
    expect(autoLock.running).toBe(false);
    // After locking, activity does nothing until started again.
    autoLock.touch();
    timers.advance(10 * 60_000);
    expect(locked).toBe(1);
  });

  it('0 minutes = never; changing the time applies at once; stop cancels', () => {
    const timers = fakeTimers();
    let locked = 0;
    const autoLock = new AutoLock(() => locked++, timers.api);
    autoLock.start(0);
    timers.advance(24 * 60 * 60_000);
    expect(locked).toBe(0);
    autoLock.setMinutes(1);
    timers.advance(60_000);
    expect(locked).toBe(1);
    autoLock.start(1);
    autoLock.stop();
    timers.advance(60_000);
    expect(locked).toBe(1);
  });
});
