/** The clipboard guard: clears after the time only if the clipboard still holds the value. */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cryptoReady } from '../../../src-shared/crypto/index.js';
import { ClipboardGuard, type Clipboard } from './clipboard.js';

function fakeClipboard(): Clipboard & { text: string; clears: number } {
  return {
    text: '',
    clears: 0,
    async writeText(text) {
      this.text = text;
    },
    async readText() {
      return this.text;
    },
    async clear() {
      this.text = '';
      this.clears++;
    },
  };
}

beforeAll(async () => {
  await cryptoReady();
});
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('clipboard guard', () => {
  it('clears the copied value when the time is up', async () => {
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard, {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as number),
    });
    await guard.copy('s3cret', 30);
    expect(clipboard.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(clipboard.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(clipboard.text).toBe('');
    expect(guard.pending).toBe(false);
  });

  it('leaves the clipboard alone if the user copied something else', async () => {
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard, {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as number),
    });
    await guard.copy('s3cret', 10);
    clipboard.text = 'a link the user copied';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(clipboard.text).toBe('a link the user copied');
    expect(clipboard.clears).toBe(0);
  });

  it('a second copy replaces the first countdown; clearNow (lock) clears at once', async () => {
    const clipboard = fakeClipboard();
    const guard = new ClipboardGuard(clipboard, {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as number),
    });
    await guard.copy('first', 10);
    await vi.advanceTimersByTimeAsync(8_000);
    await guard.copy('second', 10);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(clipboard.text).toBe('second');
    await guard.clearNow();
    expect(clipboard.text).toBe('');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(clipboard.clears).toBe(1);
  });

  it('a clipboard that fails to read is logged, not thrown', async () => {
    const logs: string[] = [];
    const clipboard: Clipboard = {
      writeText: () => undefined,
      readText: () => {
        throw new Error('no display');
      },
      clear: () => undefined,
    };
    const guard = new ClipboardGuard(
      clipboard,
      {
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as number),
      },
      (m) => logs.push(m),
    );
    await guard.copy('x', 5);
    await guard.clearNow();
    expect(logs).toEqual(['clipboard: could not clear (no display)']);
  });
});
