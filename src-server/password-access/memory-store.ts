/**
 * An in-memory implementation of the password-access record storage (`lookup` and `store` of
 * `PasswordAccessDeps`), with the ownership rule the handler relies on: a username bound to one
 * identity can never be overwritten by another, and `change` needs an existing record. For tests
 * and single-process development; the real server keeps records in its database with the same
 * rule applied atomically.
 */
import type { PasswordAccessRecord, StoreResult } from './password-access-handler.js';

export class MemoryPasswordAccessStore {
  readonly #records = new Map<string, PasswordAccessRecord>();

  static #key(workspace: string, username: string): string {
    return `${workspace}/${username}`;
  }

  lookup(workspace: string, username: string): Promise<PasswordAccessRecord | null> {
    const record = this.#records.get(MemoryPasswordAccessStore.#key(workspace, username));
    return Promise.resolve(
      record === undefined
        ? null
        : {
            storedData: record.storedData.slice(),
            keyfileBlob: record.keyfileBlob.slice(),
            identity: record.identity,
          },
    );
  }

  store(
    workspace: string,
    username: string,
    record: PasswordAccessRecord,
    op: 'register' | 'change',
  ): Promise<StoreResult> {
    const key = MemoryPasswordAccessStore.#key(workspace, username);
    const existing = this.#records.get(key);
    if (existing !== undefined && existing.identity !== record.identity) {
      return Promise.resolve('conflict');
    }
    if (existing === undefined && op === 'change') return Promise.resolve('conflict');
    this.#records.set(key, {
      storedData: record.storedData.slice(),
      keyfileBlob: record.keyfileBlob.slice(),
      identity: record.identity,
    });
    return Promise.resolve('stored');
  }

  /** Test helper: the raw record. */
  get(workspace: string, username: string): PasswordAccessRecord | undefined {
    return this.#records.get(MemoryPasswordAccessStore.#key(workspace, username));
  }

  /** Test helper: replace a record as is (e.g. damaged data). */
  set(workspace: string, username: string, record: PasswordAccessRecord): void {
    this.#records.set(MemoryPasswordAccessStore.#key(workspace, username), record);
  }
}
