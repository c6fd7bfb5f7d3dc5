/**
 * The encrypted offline copy of each workspace's store (docs/offline-cache.md): one file per
 * identity, server and workspace under `<dataDir>/cache/`, pure JS (no native module), so it
 * works the same in Node and Electron.
 *
 *   file      = "BBCACHE1" ‖ nonce (24) ‖ XChaCha20-Poly1305(key, plaintext, AD) ‖ tag (16)
 *   key       = crypto_kdf(root secret, id 1, context "bbcache1")   (this identity only)
 *   AD        = "backbone/offline-cache/v1\n" ‖ JCS({identity, server, workspace, v: 1})
 *   plaintext = UTF-8 JSON of the copy (src-shared/sdk/vault.ts `StoreCopy`)
 *
 * Writes are atomic and durable: a temporary file in the same directory, fsync, rename over the
 * old file, fsync of the directory. A crash leaves the old copy or the new one, never a mix.
 * Reading never throws for a bad file: missing, truncated, tampered, written by another
 * identity or for another workspace — it is a cache, so the file is ignored with a log line.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../../src-shared/node/atomic-file.js';
import {
  aeadDecrypt,
  aeadEncrypt,
  blake2b,
  canonicalJson,
  deriveSubkey,
  symmetricKey,
  toHex,
  utf8,
  type KdfKey,
  type SymmetricKey,
} from '../../../src-shared/crypto/index.js';

export const CACHE_FORMAT_VERSION = 1;
const MAGIC = utf8('BBCACHE1');
const AD_PREFIX = 'backbone/offline-cache/v1\n';
export const CACHE_KDF_CONTEXT = 'bbcache1';
export const CACHE_KDF_ID = 1;

/** Whose copy of what: the file name and the associated data are bound to all three. */
export interface CacheOwner {
  /** Identity address (`bb1…`). */
  identity: string;
  serverId: string;
  workspaceId: string;
}

/** The cache key of an identity (wipe it after use). */
export function deriveCacheKey(rootSecret: KdfKey): SymmetricKey {
  return symmetricKey(deriveSubkey(rootSecret, CACHE_KDF_ID, CACHE_KDF_CONTEXT));
}

function associatedData(owner: CacheOwner): Uint8Array {
  return utf8(
    AD_PREFIX +
      canonicalJson({
        identity: owner.identity,
        server: owner.serverId,
        workspace: owner.workspaceId,
        v: CACHE_FORMAT_VERSION,
      }),
  );
}

export class OfflineCache {
  constructor(
    readonly dir: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The file of one owner (a hash of the three names: always a safe file name). */
  fileOf(owner: CacheOwner): string {
    const name = toHex(
      blake2b(utf8(`${owner.identity}\n${owner.serverId}\n${owner.workspaceId}`), 16),
    );
    return path.join(this.dir, `${name}.cache`);
  }

  /** Encrypts and writes atomically (see the module comment). */
  async write(owner: CacheOwner, key: SymmetricKey, plaintext: Uint8Array): Promise<void> {
    const sealed = aeadEncrypt(key, plaintext, associatedData(owner));
    const bytes = new Uint8Array(MAGIC.length + sealed.length);
    bytes.set(MAGIC, 0);
    bytes.set(sealed, MAGIC.length);
    const file = this.fileOf(owner);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, bytes, 0o600);
  }

  /** The plaintext, or undefined (missing or unusable: logged, never thrown). */
  async read(owner: CacheOwner, key: SymmetricKey): Promise<Uint8Array | undefined> {
    const file = this.fileOf(owner);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(`offline cache ${path.basename(file)} ignored: cannot be read`);
      }
      return undefined;
    }
    if (bytes.length < MAGIC.length || !MAGIC.every((b, i) => bytes[i] === b)) {
      this.log(`offline cache ${path.basename(file)} ignored: not a cache file of this version`);
      return undefined;
    }
    try {
      return aeadDecrypt(key, bytes.subarray(MAGIC.length), associatedData(owner));
    } catch {
      this.log(
        `offline cache ${path.basename(file)} ignored: damaged, changed, or written by another identity`,
      );
      return undefined;
    }
  }

  /** Deletes an owner's copy (e.g. when the workspace is gone). */
  async remove(owner: CacheOwner): Promise<void> {
    await rm(this.fileOf(owner), { force: true });
  }
}
