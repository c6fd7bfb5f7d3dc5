import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, deriveIdentity, randomBytes, rootSecret } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  HEADER_BYTES,
  backupRecoveryKeyFromRootSecret,
  createHeader,
  openHeaderWithPassword,
  openHeaderWithRecoveryKey,
  parseHeader,
} from './header.js';

beforeAll(cryptoReady);

const WEAK = { opslimit: 1, memlimit: 8192 };
const TEST = { testOnlyAllowWeakParams: true };
const CHUNKER = { min: 2048, avg: 8192, max: 65536 };

function code(f: () => unknown): ErrorCode | 'none' | 'other' {
  try {
    f();
    return 'none';
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
}

function newRepo() {
  const rs = randomBytes(32);
  const recoveryKey = backupRecoveryKeyFromRootSecret(rs);
  const made = createHeader({
    password: 'correct horse',
    recoveryKey,
    kdf: WEAK,
    chunker: CHUNKER,
    ...TEST,
  });
  return { rs, recoveryKey, ...made };
}

/** Offsets inside the header: magic 4, version 1, repoId 16, 4×u32, alg 1, ops, mem, salt. */
const OPS_AT = 4 + 1 + 16 + 16 + 1;

describe('repository header', () => {
  it('opens with the password or with the root secret, to the same BK', () => {
    const { bytes, bk, rs } = newRepo();
    expect(bytes.length).toBe(HEADER_BYTES);
    const header = parseHeader(bytes, TEST);
    expect(header.params.chunker).toEqual(CHUNKER);
    expect(openHeaderWithPassword(header, 'correct horse', TEST)).toEqual(bk);
    // The recovery key is the identity's (docs/design.md §1 subkey 4).
    const identity = deriveIdentity(rootSecret(rs.slice()));
    expect(openHeaderWithRecoveryKey(header, identity.backupRecoveryKey)).toEqual(bk);
  });

  it('refuses a wrong password and another identity with typed errors', () => {
    const header = parseHeader(newRepo().bytes, TEST);
    expect(code(() => openHeaderWithPassword(header, 'wrong', TEST))).toBe('BACKUP_WRONG_PASSWORD');
    expect(
      code(() =>
        openHeaderWithRecoveryKey(header, backupRecoveryKeyFromRootSecret(randomBytes(32))),
      ),
    ).toBe('BACKUP_WRONG_RECOVERY_KEY');
  });

  it('refuses Argon2id below the keyfile floors before any work (a downgraded header)', () => {
    const { bytes } = newRepo();
    expect(code(() => parseHeader(bytes))).toBe('BACKUP_PARAMS_BELOW_FLOOR');
    const lowOps = bytes.slice();
    const view = new DataView(lowOps.buffer);
    view.setUint32(OPS_AT, 2, true);
    view.setUint32(OPS_AT + 4, 256 * 1024 * 1024, true);
    expect(code(() => parseHeader(lowOps))).toBe('BACKUP_PARAMS_BELOW_FLOOR');
    view.setUint32(OPS_AT, 3, true);
    view.setUint32(OPS_AT + 4, 128 * 1024 * 1024, true);
    expect(code(() => parseHeader(lowOps))).toBe('BACKUP_PARAMS_BELOW_FLOOR');
    view.setUint32(OPS_AT, 3, true);
    view.setUint32(OPS_AT + 4, 1024 * 1024 * 1024, true);
    expect(code(() => parseHeader(lowOps))).toBe('CRYPTO_PARAMS_ABOVE_CEILING');
  });

  it('binds every parameter: a changed parameter opens with neither secret', () => {
    const { bytes, recoveryKey } = newRepo();
    // Raising the cost to the floor parses, but the wraps no longer open.
    const raised = bytes.slice();
    new DataView(raised.buffer).setUint32(OPS_AT, 3, true);
    new DataView(raised.buffer).setUint32(OPS_AT + 4, 256 * 1024 * 1024, true);
    expect(code(() => openHeaderWithRecoveryKey(parseHeader(raised), recoveryKey))).toBe(
      'BACKUP_WRONG_RECOVERY_KEY',
    );
    for (const at of [5, 4 + 1 + 16 + 12 + 1, OPS_AT + 8 + 3]) {
      const changed = bytes.slice();
      changed[at]! ^= 0x01;
      let parsed;
      try {
        parsed = parseHeader(changed, TEST);
      } catch (error) {
        expect(isBackboneError(error, 'BACKUP_CORRUPT')).toBe(true);
        continue;
      }
      expect(code(() => openHeaderWithRecoveryKey(parsed, recoveryKey))).toBe(
        'BACKUP_WRONG_RECOVERY_KEY',
      );
      expect(code(() => openHeaderWithPassword(parsed, 'correct horse', TEST))).toBe(
        'BACKUP_WRONG_PASSWORD',
      );
    }
  });

  it('refuses other files, unknown versions and odd lengths', () => {
    const { bytes } = newRepo();
    expect(code(() => parseHeader(new TextEncoder().encode('hello world'), TEST))).toBe(
      'BACKUP_CORRUPT',
    );
    const v2 = bytes.slice();
    v2[4] = 2;
    expect(code(() => parseHeader(v2, TEST))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => parseHeader(bytes.subarray(0, bytes.length - 1), TEST))).toBe(
      'BACKUP_CORRUPT',
    );
  });
});
