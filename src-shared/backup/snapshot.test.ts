import { beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  generateSignKeyPair,
  randomBytes,
  toBase64Url,
  type SignKeyPair,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { openIndex, sealIndex, type IndexEntry } from './index-file.js';
import {
  sealSnapshot,
  verifySnapshots,
  type SnapshotBody,
  type SnapshotExpectations,
} from './snapshot.js';

beforeAll(cryptoReady);

function code(f: () => unknown): ErrorCode | 'none' | 'other' {
  try {
    f();
    return 'none';
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
}

describe('index files', () => {
  it('round-trip and refuse an altered file or another repository', () => {
    const key = randomBytes(32);
    const repoId = randomBytes(16);
    const entries: IndexEntry[] = [1, 2, 3].map((i) => ({
      chunkId: randomBytes(32),
      packId: 'ab'.repeat(32),
      offset: i * 100,
      length: 90,
      plainLength: 1000 + i,
    }));
    const file = sealIndex(key, repoId, entries);
    expect(openIndex(key, repoId, file.bytes)).toEqual(entries);
    const bad = file.bytes.slice();
    bad[40]! ^= 1;
    expect(code(() => openIndex(key, repoId, bad))).toBe('BACKUP_TAMPERED');
    expect(code(() => openIndex(key, randomBytes(16), file.bytes))).toBe('BACKUP_TAMPERED');
  });
});

describe('snapshot chain', () => {
  const key = randomBytes(32);
  const repoId = randomBytes(16);
  let device: SignKeyPair;
  let expectations: SnapshotExpectations;
  beforeAll(() => {
    device = generateSignKeyPair();
    expectations = { repoId, identity: 'bb1alice', devices: [device.publicKey] };
  });

  function body(counter: number, prev: string | null, over: Partial<SnapshotBody> = {}) {
    return {
      repo: toBase64Url(repoId),
      identity: 'bb1alice',
      device: toBase64Url(device.publicKey),
      counter,
      prev,
      time: 1_700_000_000_000 + counter,
      tree: {
        chunks: [toBase64Url(randomBytes(32))],
        size: 10,
        hash: toBase64Url(randomBytes(32)),
      },
      indexes: [],
      stats: { files: 1, bytes: 10, newChunks: 1, newBytes: 10 },
      ...over,
    } satisfies SnapshotBody;
  }

  function chain(n: number, signer = () => device) {
    const out: ReturnType<typeof sealSnapshot>[] = [];
    for (let i = 1; i <= n; i++) {
      out.push(sealSnapshot(key, repoId, body(i, out[i - 2]?.link ?? null), signer()));
    }
    return out;
  }

  it('accepts a chain 1…n and returns it in order', () => {
    const c = chain(3);
    const verified = verifySnapshots(key, [c[2]!, c[0]!, c[1]!], {
      ...expectations,
      lastSeen: { counter: 3, link: c[2]!.link },
    });
    expect(verified.map((s) => s.body.counter)).toEqual([1, 2, 3]);
    expect(verified[2]!.id).toBe(c[2]!.id);
  });

  it('notices a hidden newest snapshot (a chain shorter than what this device saw)', () => {
    const c = chain(3);
    expect(
      code(() =>
        verifySnapshots(key, c.slice(0, 2), {
          ...expectations,
          lastSeen: { counter: 3, link: c[2]!.link },
        }),
      ),
    ).toBe('BACKUP_SNAPSHOT_ROLLBACK');
  });

  it('notices a removed middle snapshot, a fork, and a swapped snapshot at the seen counter', () => {
    const c = chain(3);
    expect(code(() => verifySnapshots(key, [c[0]!, c[2]!], expectations))).toBe(
      'BACKUP_SNAPSHOT_BROKEN_CHAIN',
    );
    const other = sealSnapshot(key, repoId, body(2, c[0]!.link), device);
    expect(code(() => verifySnapshots(key, [c[0]!, c[1]!, other], expectations))).toBe(
      'BACKUP_SNAPSHOT_BROKEN_CHAIN',
    );
    expect(
      code(() =>
        verifySnapshots(key, [c[0]!, other], {
          ...expectations,
          lastSeen: { counter: 2, link: c[1]!.link },
        }),
      ),
    ).toBe('BACKUP_SNAPSHOT_BROKEN_CHAIN');
    const unlinked = sealSnapshot(key, repoId, body(2, toBase64Url(randomBytes(32))), device);
    expect(code(() => verifySnapshots(key, [c[0]!, unlinked], expectations))).toBe(
      'BACKUP_SNAPSHOT_BROKEN_CHAIN',
    );
  });

  it("refuses another identity's, another repository's or an untrusted device's snapshot", () => {
    const stranger = generateSignKeyPair();
    const bystander = sealSnapshot(
      key,
      repoId,
      body(1, null, { device: toBase64Url(stranger.publicKey) }),
      stranger,
    );
    expect(code(() => verifySnapshots(key, [bystander], expectations))).toBe(
      'BACKUP_SNAPSHOT_FOREIGN',
    );
    const otherIdentity = sealSnapshot(
      key,
      repoId,
      body(1, null, { identity: 'bb1mallory' }),
      device,
    );
    expect(code(() => verifySnapshots(key, [otherIdentity], expectations))).toBe(
      'BACKUP_SNAPSHOT_FOREIGN',
    );
    const otherRepoBody = sealSnapshot(
      key,
      repoId,
      body(1, null, { repo: toBase64Url(randomBytes(16)) }),
      device,
    );
    expect(code(() => verifySnapshots(key, [otherRepoBody], expectations))).toBe(
      'BACKUP_SNAPSHOT_FOREIGN',
    );
    // Another user's repository: other keys, other AD — it does not even open.
    const elsewhere = sealSnapshot(randomBytes(32), randomBytes(16), body(1, null), device);
    expect(code(() => verifySnapshots(key, [elsewhere], expectations))).toBe('BACKUP_TAMPERED');
  });

  it('refuses an altered snapshot, a forged signature and a file stored under another name', () => {
    const [first] = chain(1);
    const altered = first!.bytes.slice();
    altered[100]! ^= 1;
    expect(
      code(() => verifySnapshots(key, [{ id: first!.id, bytes: altered }], expectations)),
    ).toBe('BACKUP_TAMPERED');
    expect(
      code(() =>
        verifySnapshots(key, [{ id: 'ab'.repeat(32), bytes: first!.bytes }], expectations),
      ),
    ).toBe('BACKUP_TAMPERED');
    // A body re-signed by a key that claims to be the trusted device fails the signature.
    const impostor = generateSignKeyPair();
    const forged = sealSnapshot(key, repoId, body(1, null), {
      publicKey: device.publicKey,
      secretKey: impostor.secretKey,
    });
    expect(code(() => verifySnapshots(key, [forged], expectations))).toBe('BACKUP_TAMPERED');
  });
});
