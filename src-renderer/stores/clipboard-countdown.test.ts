// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyCopy, clearClipboardNow, useClipboardStore } from './clipboard-countdown.js';

let clipboard: { text: string; readable: boolean };
const writeText = vi.fn(async (text: string) => {
  clipboard.text = text;
});
const readText = vi.fn(async () => {
  if (!clipboard.readable) throw new DOMException('denied', 'NotAllowedError');
  return clipboard.text;
});

beforeEach(() => {
  vi.useFakeTimers();
  clipboard = { text: '', readable: true };
  writeText.mockClear();
  readText.mockClear();
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText, readText },
    configurable: true,
  });
});

afterEach(async () => {
  await clearClipboardNow();
  vi.useRealTimers();
});

describe('clipboard countdown', () => {
  it('browser mode: writes the value, then clears it when the time is up', async () => {
    await applyCopy('team/db', { by: 'renderer', value: 's3cret', clearAfterSeconds: 30 });
    expect(clipboard.text).toBe('s3cret');
    expect(useClipboardStore.getState().countdown).toEqual({
      path: 'team/db',
      clearsAt: Date.now() + 30_000,
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(clipboard.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(clipboard.text).toBe('');
    expect(useClipboardStore.getState().countdown).toBeNull();
  });

  it('leaves the clipboard alone when the user copied something else meanwhile', async () => {
    await applyCopy('a', { by: 'renderer', value: 's3cret', clearAfterSeconds: 5 });
    clipboard.text = 'my own text';
    await vi.advanceTimersByTimeAsync(5_000);
    expect(clipboard.text).toBe('my own text');
  });

  it('clears anyway when the clipboard cannot be read', async () => {
    await applyCopy('a', { by: 'renderer', value: 's3cret', clearAfterSeconds: 5 });
    clipboard = { text: 'something', readable: false };
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writeText).toHaveBeenLastCalledWith('');
  });

  it('desktop mode: only counts down (the core owns the clipboard)', async () => {
    await applyCopy('a', { by: 'core', clearAfterSeconds: 10 });
    expect(writeText).not.toHaveBeenCalled();
    expect(useClipboardStore.getState().countdown?.path).toBe('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(useClipboardStore.getState().countdown).toBeNull();
    expect(writeText).not.toHaveBeenCalled();
  });

  it('clears at once on lock', async () => {
    await applyCopy('a', { by: 'renderer', value: 's3cret', clearAfterSeconds: 30 });
    await clearClipboardNow();
    expect(clipboard.text).toBe('');
    expect(useClipboardStore.getState().countdown).toBeNull();
  });
});
