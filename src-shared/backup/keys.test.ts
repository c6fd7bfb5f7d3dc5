import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, deriveSubkey, kdfKey, randomBytes } from '../crypto/index.js';
import { BACKUP_KDF_CONTEXT, chunkId, deriveBackupKeys } from './keys.js';

beforeAll(cryptoReady);

describe('backup keys', () => {
  it('derives distinct subkeys with the crypto core KDF under "bbbackup"', () => {
    const bk = randomBytes(32);
    const keys = deriveBackupKeys(bk);
    const all = [keys.data, keys.index, keys.snapshot, keys.chunker].map((k) =>
      Buffer.from(k).toString('hex'),
    );
    expect(new Set(all).size).toBe(4);
    expect(Buffer.from(keys.data)).toEqual(
      Buffer.from(deriveSubkey(kdfKey(bk.slice()), 2, BACKUP_KDF_CONTEXT)),
    );
  });

  it('makes chunk ids as HMAC-SHA-256 under the chunk-id subkey, different per repository', () => {
    const bk = randomBytes(32);
    const data = randomBytes(1000);
    const id = chunkId(deriveBackupKeys(bk), data);
    const idKey = deriveSubkey(kdfKey(bk.slice()), 1, BACKUP_KDF_CONTEXT);
    expect(Buffer.from(id)).toEqual(createHmac('sha256', idKey).update(data).digest());
    expect(Buffer.from(chunkId(deriveBackupKeys(randomBytes(32)), data))).not.toEqual(
      Buffer.from(id),
    );
  });
});
