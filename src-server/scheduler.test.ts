import { describe, expect, it } from 'vitest';
import { BackboneError } from '../src-shared/errors.js';
import { Scheduler, errorSummary, type Ticker } from './scheduler.js';
import { TestClock } from './test/clock.js';

/** A ticker the test fires by hand: `fire(ms)` ticks every timer armed with that interval. */
function manualTicker() {
  const timers = new Set<{ ms: number; tick: () => void }>();
  const ticker: Ticker = (ms, tick) => {
    const timer = { ms, tick };
    timers.add(timer);
    return () => timers.delete(timer);
  };
  return {
    ticker,
    fire(ms: number) {
      for (const timer of [...timers]) if (timer.ms === ms) timer.tick();
    },
    get armed() {
      return [...timers].map((timer) => timer.ms).sort((a, b) => a - b);
    },
  };
}

function recordingLog() {
  const lines: { level: string; fields: unknown; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: unknown, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, log: { debug: at('debug'), warn: at('warn') } as never };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Scheduler', () => {
  it('runs nothing before start, each job at its own interval after, nothing after stop', async () => {
    const timers = manualTicker();
    const clock = new TestClock(1_000);
    const { log } = recordingLog();
    const scheduler = new Scheduler({ clock, log, ticker: timers.ticker });
    const runs: string[] = [];
    scheduler.add({ name: 'a', intervalMs: 10, run: async (now) => void runs.push(`a@${now}`) });
    scheduler.add({ name: 'b', intervalMs: 20, run: async (now) => void runs.push(`b@${now}`) });
    expect(timers.armed).toEqual([]);
    expect(scheduler.names).toEqual(['a', 'b']);

    scheduler.start();
    expect(timers.armed).toEqual([10, 20]);
    timers.fire(10);
    clock.advance(5);
    timers.fire(20);
    await settle();
    expect(runs).toEqual(['a@1000', 'b@1005']);

    await scheduler.stop();
    expect(timers.armed).toEqual([]);
    expect(scheduler.started).toBe(false);
  });

  it('skips a tick while the previous run of the same job is still going', async () => {
    const timers = manualTicker();
    const { lines, log } = recordingLog();
    const scheduler = new Scheduler({ clock: new TestClock(0), log, ticker: timers.ticker });
    let release!: () => void;
    let runs = 0;
    scheduler.add({
      name: 'slow',
      intervalMs: 10,
      run: () => {
        runs += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    scheduler.start();
    timers.fire(10);
    timers.fire(10);
    expect(runs).toBe(1);
    expect(lines.map((line) => line.message)).toEqual([
      'scheduled job still running; tick skipped',
    ]);
    release();
    await settle();
    timers.fire(10);
    expect(runs).toBe(2);
    release();
    await scheduler.stop();
  });

  it('stop waits for runs in flight', async () => {
    const timers = manualTicker();
    const scheduler = new Scheduler({
      clock: new TestClock(0),
      log: recordingLog().log,
      ticker: timers.ticker,
    });
    let finished = false;
    let release!: () => void;
    scheduler.add({
      name: 'slow',
      intervalMs: 10,
      run: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
    });
    scheduler.start();
    timers.fire(10);
    const stopped = scheduler.stop();
    await settle();
    expect(finished).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
  });

  it('logs a failing run by job name and error code without its message, and keeps the job', async () => {
    const timers = manualTicker();
    const { lines, log } = recordingLog();
    const scheduler = new Scheduler({ clock: new TestClock(0), log, ticker: timers.ticker });
    let calls = 0;
    scheduler.add({
      name: 'leaky',
      intervalMs: 10,
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('duplicate key value token_hash=s3cr3t-value');
        if (calls === 2) throw new BackboneError('UNAVAILABLE', 'database gone s3cr3t-value');
        return { removed: 3 };
      },
    });
    scheduler.start();
    for (let i = 0; i < 3; i++) {
      timers.fire(10);
      await settle();
    }
    expect(calls).toBe(3);
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: { job: 'leaky', error: { type: 'Error' } },
        message: 'scheduled job failed',
      },
      {
        level: 'warn',
        fields: { job: 'leaky', error: { type: 'BackboneError', code: 'UNAVAILABLE' } },
        message: 'scheduled job failed',
      },
      { level: 'debug', fields: { job: 'leaky', removed: 3 }, message: 'scheduled job done' },
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
    await scheduler.stop();
  });

  it('catches a job that throws synchronously and runs it again later', async () => {
    const timers = manualTicker();
    const { lines, log } = recordingLog();
    const scheduler = new Scheduler({ clock: new TestClock(0), log, ticker: timers.ticker });
    let calls = 0;
    scheduler.add({
      name: 'sync',
      intervalMs: 10,
      run: () => {
        calls += 1;
        throw new TypeError('boom');
      },
    });
    scheduler.start();
    timers.fire(10);
    await settle();
    timers.fire(10);
    await settle();
    expect(calls).toBe(2);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    await scheduler.stop();
  });

  it('runNow runs a job at once (awaiting one in flight); unknown names and duplicates throw', async () => {
    const clock = new TestClock(42);
    const scheduler = new Scheduler({ clock, log: recordingLog().log, ticker: () => () => {} });
    const seen: number[] = [];
    scheduler.add({ name: 'job', intervalMs: 1, run: async (now) => void seen.push(now) });
    await scheduler.runNow('job');
    expect(seen).toEqual([42]);
    await expect(scheduler.runNow('other')).rejects.toThrow(/No job named other/);
    expect(() => scheduler.add({ name: 'job', intervalMs: 1, run: async () => {} })).toThrow(
      /already scheduled/,
    );
    expect(() => scheduler.add({ name: 'zero', intervalMs: 0, run: async () => {} })).toThrow(
      /positive interval/,
    );
  });

  it('a job added after start is armed at once', () => {
    const timers = manualTicker();
    const scheduler = new Scheduler({
      clock: new TestClock(0),
      log: recordingLog().log,
      ticker: timers.ticker,
    });
    scheduler.start();
    scheduler.add({ name: 'late', intervalMs: 7, run: async () => {} });
    expect(timers.armed).toEqual([7]);
  });
});

describe('errorSummary', () => {
  it('keeps class and a code-shaped code only', () => {
    expect(errorSummary(new BackboneError('INTERNAL', 'x'))).toEqual({
      type: 'BackboneError',
      code: 'INTERNAL',
    });
    expect(errorSummary(Object.assign(new Error('x'), { code: '23505' }))).toEqual({
      type: 'Error',
      code: '23505',
    });
    expect(errorSummary(Object.assign(new Error('x'), { code: 'not a code: s3cr3t' }))).toEqual({
      type: 'Error',
    });
    expect(errorSummary('plain string s3cr3t')).toEqual({ type: 'string' });
  });
});
