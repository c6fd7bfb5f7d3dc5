/**
 * Quick unlock with the OS keychain. The core does not import Electron: the Electron shell
 * passes a `Keychain` backed by `safeStorage` where the OS provides one; browser mode passes
 * none, and the setting does not exist there.
 *
 * What is kept: the keyfile's Argon2id-derived key (never the password), encrypted by the OS
 * keychain, in `<dataDir>/quick-unlock.json`, bound to the keyfile's salt (a new keyfile —
 * new password, new strength — makes it useless until it is enrolled again).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  fromBase64Url,
  sodium,
  toBase64Url,
  type Keyfile,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import { writeFileAtomic } from '../../../src-shared/node/atomic-file.js';

export interface Keychain {
  /** True when the OS can encrypt for this user (Electron `safeStorage.isEncryptionAvailable`). */
  available(): boolean;
  encrypt(plain: string): Uint8Array;
  decrypt(sealed: Uint8Array): string;
}

const QuickUnlockFileSchema = z.strictObject({
  v: z.literal(1),
  /** Salt of the keyfile this key opens. */
  salt: z.string(),
  sealed: z.string(),
});

export class QuickUnlockStore {
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly keychain: Keychain | undefined,
  ) {
    this.file = path.join(dataDir, 'quick-unlock.json');
  }

  /** The keychain exists and works here. */
  get available(): boolean {
    try {
      return this.keychain?.available() === true;
    } catch {
      return false;
    }
  }

  async enroll(keyfile: Keyfile, key: Uint8Array): Promise<void> {
    if (!this.keychain || !this.available) {
      throw new BackboneError(
        'KEYCHAIN_UNAVAILABLE',
        'This system offers no keychain Backbone can use. Unlock with your password.',
      );
    }
    const text = toBase64Url(key);
    const sealed = this.keychain.encrypt(text);
    await writeFileAtomic(
      this.file,
      `${JSON.stringify({ v: 1, salt: keyfile.kdf.salt, sealed: toBase64Url(sealed) })}\n`,
    );
  }

  async forget(): Promise<void> {
    await rm(this.file, { force: true });
  }

  async enrolledFor(keyfile: Keyfile): Promise<boolean> {
    const stored = await this.#read();
    return stored !== undefined && stored.salt === keyfile.kdf.salt;
  }

  /** The stored key for this keyfile (wipe it after use). */
  async key(keyfile: Keyfile): Promise<Uint8Array> {
    const stored = await this.#read();
    if (!this.keychain || !this.available || !stored || stored.salt !== keyfile.kdf.salt) {
      throw new BackboneError(
        'KEYCHAIN_UNAVAILABLE',
        'Quick unlock is not set up for this keyfile any more. Unlock with your password.',
      );
    }
    let text: string;
    try {
      text = this.keychain.decrypt(fromBase64Url(stored.sealed));
    } catch (cause) {
      throw new BackboneError(
        'KEYCHAIN_UNAVAILABLE',
        'The system keychain could not open the quick-unlock key. Unlock with your password.',
        { cause },
      );
    }
    const key = fromBase64Url(text);
    if (key.length !== 32) {
      sodium().memzero(key);
      throw new BackboneError(
        'KEYCHAIN_UNAVAILABLE',
        'The quick-unlock key is damaged. Unlock with your password.',
      );
    }
    return key;
  }

  async #read(): Promise<z.infer<typeof QuickUnlockFileSchema> | undefined> {
    try {
      const parsed = QuickUnlockFileSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
