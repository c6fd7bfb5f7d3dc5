/**
 * `client.entry`: the encrypted store's values (docs/store.md), a thin face over the store
 * service (`store/`), which runs every operation: verified state, records, the model step, the
 * commit.
 */
import { BackboneError } from '../errors.js';
import type { AccessBit, GrantInfo, RotationReport } from '../store/index.js';
import { accessOn, grant, grantsOn, revoke } from './store/access-ops.js';
import { deleteEntry, readEntryBytes, readEntryInfo, setEntry } from './store/entry-ops.js';
import { searchEntries } from './store/listing-ops.js';
import type { EntryInfo, StoreOptions, StoreRunner } from './store/types.js';

export interface EntrySetOptions extends StoreOptions {
  /** Expire after this many seconds. */
  ttl?: number;
  /** Or at this time. */
  expiresAt?: Date | string;
}

export interface GrantOptions extends StoreOptions {
  /** Default READ. */
  access?: Iterable<AccessBit | string>;
}

function expiry(options: EntrySetOptions): Date | string | null {
  if (options.expiresAt !== undefined) return options.expiresAt;
  if (options.ttl !== undefined) {
    if (!Number.isFinite(options.ttl) || options.ttl <= 0) {
      throw new BackboneError('INVALID_ARGUMENT', 'A ttl is a positive number of seconds.');
    }
    return new Date(Date.now() + options.ttl * 1000);
  }
  return null;
}

export class EntryApi {
  constructor(private readonly service: StoreRunner) {}

  /** The value at `key` as text (`STORE_NOT_FOUND` if none). */
  async get(key: string, options: StoreOptions = {}): Promise<string> {
    return (await this.info(key, options)).value;
  }

  /** The value at `key` with its version, writer and expiry. */
  async info(key: string, options: StoreOptions = {}): Promise<EntryInfo> {
    return readEntryInfo(this.service, key, options);
  }

  /** The raw bytes at `key`. */
  async getBytes(key: string, options: StoreOptions = {}): Promise<Uint8Array> {
    return readEntryBytes(this.service, key, options);
  }

  /**
   * Writes `value` (text or bytes, at most 2048 bytes: `STORE_VALUE_TOO_LARGE`) at `key`. Creates
   * the store's root namespace first if there is none and you are ROOT.
   */
  async set(
    key: string,
    value: string | Uint8Array,
    options: EntrySetOptions = {},
  ): Promise<{ key: string; version: number; expiresAt: string | null }> {
    const written = await setEntry(
      this.service,
      key,
      value,
      { expiresAt: expiry(options) },
      options,
    );
    return { key: written.path, version: written.version, expiresAt: written.expiresAt };
  }

  /** Deletes the entry at `key` (needs DELETE). */
  async delete(key: string, options: StoreOptions = {}): Promise<{ key: string }> {
    return { key: (await deleteEntry(this.service, key, options)).path };
  }

  /** Keys of the entries you can read whose path starts with `prefix` (sorted). */
  async search(prefix = '', options: StoreOptions = {}): Promise<string[]> {
    return searchEntries(this.service, prefix, options);
  }

  /** Shares the entry at `key` with a member (default READ). */
  async grant(key: string, username: string, options: GrantOptions = {}): Promise<GrantInfo> {
    const access = options.access ?? ['READ'];
    return (await grant(this.service, key, username, access, options)).grant;
  }

  /** Takes a member's access to the entry away (re-encrypts it under a fresh key). */
  async revoke(key: string, username: string, options: StoreOptions = {}): Promise<RotationReport> {
    return revoke(this.service, key, username, options, 'path');
  }

  /** The grants on the entry at `key`, with whether each counts. */
  async grants(key: string, options: StoreOptions = {}): Promise<GrantInfo[]> {
    return grantsOn(this.service, key, options);
  }

  /** A member's effective access bits on the entry at `key`. */
  async access(key: string, username: string, options: StoreOptions = {}): Promise<AccessBit[]> {
    return accessOn(this.service, key, username, options);
  }
}
