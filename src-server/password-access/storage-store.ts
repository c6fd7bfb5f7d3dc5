/**
 * Password-access records in the server's database (`lookup` and `store` of
 * `PasswordAccessDeps`), with the rule the handler relies on applied atomically by the storage
 * (`Storage.putPasswordAccess`, one conditional statement): a username bound to one identity is
 * never overwritten by another, and `change` needs an existing record of the same identity.
 *
 * Bytes are kept as base64url text (portable across SQLite and PostgreSQL). A row that no longer
 * decodes is returned with empty stored data: the handler then treats the username as unknown
 * for logins (dummy public data, same abort), while its owner can still re-register it.
 */
import { fromBase64Url, toBase64Url } from '../../src-shared/crypto/index.js';
import type { Clock } from '../context.js';
import type { PasswordAccessRepository } from '../storage/storage.js';
import type { PasswordAccessRecord, StoreResult } from './password-access-handler.js';

function decode(text: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    return new Uint8Array(0);
  }
}

export class StoragePasswordAccessStore {
  readonly #storage: PasswordAccessRepository;
  readonly #clock: Clock;

  constructor(storage: PasswordAccessRepository, clock: Clock) {
    this.#storage = storage;
    this.#clock = clock;
  }

  async lookup(workspace: string, username: string): Promise<PasswordAccessRecord | null> {
    const row = await this.#storage.getPasswordAccess(workspace, username);
    if (row === undefined) return null;
    return {
      storedData: decode(row.storedData),
      keyfileBlob: decode(row.keyfileBlob),
      identity: row.identityId,
    };
  }

  async store(
    workspace: string,
    username: string,
    record: PasswordAccessRecord,
    op: 'register' | 'change',
  ): Promise<StoreResult> {
    const now = this.#clock.now();
    return this.#storage.putPasswordAccess(
      {
        workspaceId: workspace,
        username,
        identityId: record.identity,
        storedData: toBase64Url(record.storedData),
        keyfileBlob: toBase64Url(record.keyfileBlob),
        createdAt: now,
        updatedAt: now,
      },
      op,
    );
  }
}
