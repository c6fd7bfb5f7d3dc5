/**
 * The clipboard after a copy from the store, and its countdown until it is cleared.
 *
 * Desktop app (`by: "core"`): the core wrote the clipboard and clears it; we only show the
 * countdown. Browser mode (`by: "renderer"`): we write the value and clear it when the time is
 * up — unless the user copied something else meanwhile (when the clipboard can be read; when it
 * cannot, we clear it anyway). The value is held only by the pending clear below, never in a
 * store, and is dropped once cleared.
 */
import { create } from 'zustand';
import type { CopyResponse } from '../../src-shared/ipc/contract.js';

export interface CopyCountdown {
  /** The entry that was copied (a name, not a value). */
  path: string;
  /** When the clipboard is cleared (ms since the epoch). */
  clearsAt: number;
}

export const useClipboardStore = create<{ countdown: CopyCountdown | null }>(() => ({
  countdown: null,
}));

let pending: { timer: ReturnType<typeof setTimeout>; clear: () => Promise<void> } | null = null;

async function clearIfStill(value: string): Promise<void> {
  const clipboard = navigator.clipboard;
  let current: string | null;
  try {
    current = typeof clipboard.readText === 'function' ? await clipboard.readText() : null;
  } catch {
    current = null; // not readable (permission, no focus): clear anyway
  }
  if (current !== null && current !== value) return; // the user copied something else since
  try {
    await clipboard.writeText('');
  } catch {
    // Not writable now (the window lost focus); nothing more we can do from a web page.
  }
}

/** Writes the value (browser mode) and starts the countdown. Throws if the clipboard refuses. */
export async function applyCopy(path: string, response: CopyResponse): Promise<void> {
  let clear: () => Promise<void> = async () => undefined;
  if (response.by === 'renderer') {
    const value = response.value;
    await navigator.clipboard.writeText(value);
    clear = () => clearIfStill(value);
  }
  // A new copy replaces the previous one in the clipboard: its clear is no longer needed.
  if (pending) clearTimeout(pending.timer);
  const ms = response.clearAfterSeconds * 1000;
  const timer = setTimeout(() => {
    pending = null;
    useClipboardStore.setState({ countdown: null });
    void clear();
  }, ms);
  pending = { timer, clear };
  useClipboardStore.setState({ countdown: { path, clearsAt: Date.now() + ms } });
}

/** Clears now (on lock): what we copied does not outlive the session. */
export async function clearClipboardNow(): Promise<void> {
  const current = pending;
  pending = null;
  useClipboardStore.setState({ countdown: null });
  if (!current) return;
  clearTimeout(current.timer);
  await current.clear();
}
