/**
 * Deleted entries kept in core memory for a few seconds so the user can undo: the value and its
 * expiry under a random token. The value is wiped when the time is up, when it is used, and on
 * lock (the vault service is stopped then). Nothing of it leaves the core.
 */
import { randomBytes, sodium, toBase64Url } from '../../../src-shared/crypto/index.js';

export interface DeletedEntry {
  workspaceId: string;
  path: string;
  value: Uint8Array;
  expiresAt: string | null;
}

export class PendingDeletes {
  readonly #items = new Map<
    string,
    { entry: DeletedEntry; timer: NodeJS.Timeout; until: number }
  >();

  /** Keeps `entry` for `seconds`; returns its token. */
  add(entry: DeletedEntry, seconds: number): string {
    const token = toBase64Url(randomBytes(18));
    this.restore(token, entry, seconds);
    return token;
  }

  /** Keeps `entry` under a given token (again, e.g. after an undo that could not be done). */
  restore(token: string, entry: DeletedEntry, seconds: number): void {
    this.#drop(token);
    const timer = setTimeout(() => this.#drop(token), seconds * 1000);
    timer.unref?.();
    this.#items.set(token, { entry, timer, until: Date.now() + seconds * 1000 });
  }

  has(token: string): boolean {
    return this.#items.has(token);
  }

  /** Takes the entry out (the caller wipes `value` when done), or undefined if too late. */
  take(token: string): { entry: DeletedEntry; secondsLeft: number } | undefined {
    const item = this.#items.get(token);
    if (!item) return undefined;
    clearTimeout(item.timer);
    this.#items.delete(token);
    return { entry: item.entry, secondsLeft: Math.max(0, (item.until - Date.now()) / 1000) };
  }

  /** Forgets and wipes everything (lock). */
  wipe(): void {
    for (const token of [...this.#items.keys()]) this.#drop(token);
  }

  get size(): number {
    return this.#items.size;
  }

  #drop(token: string): void {
    const item = this.#items.get(token);
    if (!item) return;
    clearTimeout(item.timer);
    this.#items.delete(token);
    sodium().memzero(item.entry.value);
  }
}
