/**
 * `quitAfterCoreStop` with a fake Electron app: the quit waits for the core's stop (with a
 * timeout), happens exactly once, and never loops.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { quitAfterCoreStop, type QuittableApp } from './quit.js';

/** Electron's quit, reduced: `quit()` emits `before-quit`; unless held, the app exits. */
class FakeApp implements QuittableApp {
  readonly listeners: ((event: { preventDefault(): void }) => void)[] = [];
  quitCalls = 0;
  exited = 0;

  on(_event: 'before-quit', listener: (event: { preventDefault(): void }) => void): this {
    this.listeners.push(listener);
    return this;
  }

  quit(): void {
    this.quitCalls++;
    if (this.quitCalls > 20) throw new Error('quit loop');
    let held = false;
    const event = { preventDefault: () => (held = true) };
    for (const listener of this.listeners) listener(event);
    if (!held) this.exited++;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('quitAfterCoreStop', () => {
  it('holds the quit until the core has stopped, then quits once', async () => {
    const app = new FakeApp();
    const stop = deferred();
    const order: string[] = [];
    const stopCore = vi.fn(() => {
      order.push('stop started');
      return stop.promise.then(() => void order.push('clipboard cleared, core stopped'));
    });
    quitAfterCoreStop(app, { stop: stopCore });
    app.quit();
    expect(app.exited).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(app.exited).toBe(0);
    stop.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(app.exited).toBe(1);
    expect(stopCore).toHaveBeenCalledTimes(1);
    expect(app.quitCalls).toBe(2);
    expect(order).toEqual(['stop started', 'clipboard cleared, core stopped']);
  });

  it('a second quit while stopping is held too and does not stop the core again', async () => {
    const app = new FakeApp();
    const stop = deferred();
    const stopCore = vi.fn(() => stop.promise);
    quitAfterCoreStop(app, { stop: stopCore });
    app.quit();
    app.quit();
    app.quit();
    expect(app.exited).toBe(0);
    stop.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(stopCore).toHaveBeenCalledTimes(1);
    expect(app.exited).toBe(1);
    expect(app.quitCalls).toBe(4);
    // Later quits (e.g. from another handler) pass straight through.
    app.quit();
    expect(app.exited).toBe(2);
    expect(stopCore).toHaveBeenCalledTimes(1);
  });

  it('quits after the timeout if the core hangs', async () => {
    const app = new FakeApp();
    const logs: string[] = [];
    quitAfterCoreStop(app, {
      stop: () => new Promise<void>(() => undefined),
      timeoutMs: 3000,
      log: (m) => logs.push(m),
    });
    app.quit();
    await vi.advanceTimersByTimeAsync(2999);
    expect(app.exited).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(app.exited).toBe(1);
    expect(logs.join('\n')).toContain('3000 ms');
  });

  it('quits if the core fails to stop (or throws at once), without logging the error text', async () => {
    for (const stop of [
      () => Promise.reject(new Error('secret detail')),
      (): Promise<void> => {
        throw new TypeError('secret detail');
      },
    ]) {
      const app = new FakeApp();
      const logs: string[] = [];
      quitAfterCoreStop(app, { stop, log: (m) => logs.push(m) });
      app.quit();
      await vi.advanceTimersByTimeAsync(0);
      expect(app.exited).toBe(1);
      expect(logs).toHaveLength(1);
      expect(logs[0]).not.toContain('secret');
    }
  });

  it('leaves no timer behind once the core stopped', async () => {
    const app = new FakeApp();
    quitAfterCoreStop(app, { stop: () => Promise.resolve() });
    app.quit();
    await vi.advanceTimersByTimeAsync(0);
    expect(app.exited).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
