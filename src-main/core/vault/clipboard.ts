/**
 * Copying a secret to the system clipboard. The core does not import Electron: the Electron
 * shell passes a `Clipboard` backed by Electron's `clipboard` module (src-main/electron/
 * clipboard.ts); browser mode passes none, and the renderer writes the clipboard itself.
 *
 * `ClipboardGuard` writes the value and clears it after the chosen time — only if the clipboard
 * still holds that value (the user may have copied something else meanwhile). It keeps a hash of
 * the value, not the value. Locking the app clears it at once (same condition).
 */
import { blake2b, toBase64Url, utf8 } from '../../../src-shared/crypto/index.js';

/** The system clipboard (Electron's is asynchronous). */
export interface Clipboard {
  writeText(text: string): Promise<void> | void;
  readText(): Promise<string> | string;
  clear(): Promise<void> | void;
}

export interface ClipboardTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: ClipboardTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function digest(text: string): string {
  return toBase64Url(blake2b(utf8(`backbone/clipboard\n${text}`)));
}

export class ClipboardGuard {
  #pending: { digest: string; timer: unknown } | undefined;

  constructor(
    private readonly clipboard: Clipboard,
    private readonly timers: ClipboardTimers = realTimers,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Writes `value` and clears it after `seconds` if it is still there. */
  async copy(value: string, seconds: number): Promise<void> {
    this.#cancel();
    await this.clipboard.writeText(value);
    this.#pending = {
      digest: digest(value),
      timer: this.timers.setTimeout(() => void this.clearNow(), seconds * 1000),
    };
  }

  /** Clears now if the clipboard still holds what was copied (on lock, or when the time is up). */
  async clearNow(): Promise<void> {
    const pending = this.#pending;
    this.#cancel();
    if (!pending) return;
    try {
      if (digest(await this.clipboard.readText()) === pending.digest) {
        await this.clipboard.clear();
      }
    } catch (error) {
      this.log(`clipboard: could not clear (${error instanceof Error ? error.message : 'error'})`);
    }
  }

  /** True while a copied value waits to be cleared. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  #cancel(): void {
    if (this.#pending) this.timers.clearTimeout(this.#pending.timer);
    this.#pending = undefined;
  }
}
