/**
 * Snapshots (docs/backup.md, "Snapshots"): a signed, hash-chained manifest of one backup run.
 *
 *   file      = seal(snapshot key, UTF-8 JSON of a signed statement, AD = "backbone/backup/snapshot/v1\0" ‖ repoId)
 *   statement = signStatement("backup.snapshot", 1, body, device key)     (crypto/statement.ts)
 *   body      = { repo, identity, device, counter, prev, time, tree, indexes, stats }
 *   link      = SHA-256("backbone/backup/snapshot-link/v1\0" ‖ signing bytes of the statement)
 *   id        = SHA-256(file), lowercase hex
 *
 * `counter` starts at 1 and grows by one per snapshot; `prev` is the link of the snapshot with
 * counter − 1 (null for the first). The tree (paths, metadata, chunk lists) is stored as chunks
 * like file data (tree.ts) and named here by its chunk ids, size and hash.
 *
 * `verifySnapshots` refuses, with typed errors: a statement that does not authenticate or whose
 * signature fails (BACKUP_TAMPERED), one of another repository, identity or an untrusted device
 * (BACKUP_SNAPSHOT_FOREIGN), a chain with a gap, a fork or a wrong link (BACKUP_SNAPSHOT_BROKEN_CHAIN),
 * and a chain that ends below what this device saw last (BACKUP_SNAPSHOT_ROLLBACK: a hidden newest
 * snapshot or a rolled-back repository); a different snapshot at the counter it saw is a swap
 * (BACKUP_SNAPSHOT_BROKEN_CHAIN).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  fromBase64Url,
  parseStatement,
  randomBytes,
  signPublicKey,
  signStatement,
  statementSigningBytes,
  toBase64Url,
  verifyStatement,
  type RandomSource,
  type SignKeyPair,
  type SignPublicKey,
  type SignedStatement,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { fileId } from './index-file.js';
import { open, seal } from './seal.js';

export const SNAPSHOT_KIND = 'backup.snapshot';
export const SNAPSHOT_VERSION = 1;
const AD = new TextEncoder().encode('backbone/backup/snapshot/v1\0');
const LINK_DOMAIN = new TextEncoder().encode('backbone/backup/snapshot-link/v1\0');
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;

const b64 = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const SnapshotBodySchema = z.strictObject({
  repo: b64(16),
  identity: z.string().min(1).max(128),
  device: b64(32),
  counter: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  prev: b64(32).nullable(),
  time: count,
  tree: z.strictObject({ chunks: z.array(b64(32)), size: count, hash: b64(32) }),
  indexes: z.array(hex64),
  stats: z.strictObject({ files: count, bytes: count, newChunks: count, newBytes: count }),
});
export type SnapshotBody = z.infer<typeof SnapshotBodySchema>;

export interface VerifiedSnapshot {
  /** File id (SHA-256 of the sealed file). */
  id: string;
  body: SnapshotBody;
  /** Link of this snapshot (the next one's `prev`), base64url. */
  link: string;
}

function ad(repoId: Uint8Array): Uint8Array {
  const out = new Uint8Array(AD.length + repoId.length);
  out.set(AD, 0);
  out.set(repoId, AD.length);
  return out;
}

export function snapshotLink(statement: SignedStatement): string {
  const bytes = statementSigningBytes(statement.kind, statement.v, statement.body);
  return toBase64Url(
    new Uint8Array(createHash('sha256').update(LINK_DOMAIN).update(bytes).digest()),
  );
}

/** Signs and seals a snapshot body; returns the file's id and bytes and the snapshot's link. */
export function sealSnapshot(
  snapshotKey: Uint8Array,
  repoId: Uint8Array,
  body: SnapshotBody,
  device: SignKeyPair,
  random: RandomSource = randomBytes,
): { id: string; bytes: Uint8Array; link: string } {
  SnapshotBodySchema.parse(body);
  const statement = signStatement(SNAPSHOT_KIND, SNAPSHOT_VERSION, body, device);
  const bytes = seal(
    snapshotKey,
    new TextEncoder().encode(JSON.stringify(statement)),
    ad(repoId),
    random,
  );
  return { id: fileId(bytes), bytes, link: snapshotLink(statement) };
}

function tampered(what: string): BackboneError {
  return new BackboneError('BACKUP_TAMPERED', `A snapshot of this repository ${what}.`);
}

/** What a device expects of the snapshots of a repository. */
export interface SnapshotExpectations {
  repoId: Uint8Array;
  /** Identity address the snapshots must name. */
  identity: string;
  /** Device signing keys of that identity this device trusts (from its device certificates). */
  devices: readonly SignPublicKey[];
  /** The newest snapshot this device saw in this repository before (its counter and link). */
  lastSeen?: { counter: number; link: string };
}

/**
 * Opens one snapshot file and checks its authenticity and that it belongs here (repository,
 * identity, trusted device). Chain checks are in `verifySnapshots`.
 */
export function openSnapshot(
  snapshotKey: Uint8Array,
  bytes: Uint8Array,
  expect: SnapshotExpectations,
): VerifiedSnapshot {
  if (bytes.length > MAX_SNAPSHOT_BYTES) throw tampered('is too large');
  let statement: SignedStatement;
  try {
    const plain = open(snapshotKey, bytes, ad(expect.repoId));
    statement = parseStatement(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)));
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_DECRYPT_FAILED')) {
      throw tampered('does not authenticate (altered, or from another repository)');
    }
    throw tampered('is malformed');
  }
  const shape = SnapshotBodySchema.safeParse(statement.body);
  if (!shape.success || statement.kind !== SNAPSHOT_KIND) throw tampered('is malformed');
  const body = shape.data;
  if (body.repo !== toBase64Url(expect.repoId)) {
    throw new BackboneError(
      'BACKUP_SNAPSHOT_FOREIGN',
      'A snapshot was made for another repository.',
    );
  }
  if (body.identity !== expect.identity) {
    throw new BackboneError('BACKUP_SNAPSHOT_FOREIGN', 'A snapshot belongs to another identity.');
  }
  const device = expect.devices.find((pk) => toBase64Url(pk) === body.device);
  if (device === undefined) {
    throw new BackboneError(
      'BACKUP_SNAPSHOT_FOREIGN',
      'A snapshot is signed by a device this identity does not trust.',
    );
  }
  try {
    verifyStatement(
      statement,
      SNAPSHOT_KIND,
      SNAPSHOT_VERSION,
      signPublicKey(fromBase64Url(body.device)),
    );
  } catch (error) {
    if (isBackboneError(error, 'UNSUPPORTED_VERSION')) throw error;
    throw tampered('has an invalid signature');
  }
  return { id: fileId(bytes), body, link: snapshotLink(statement) };
}

/**
 * Checks the whole chain of a repository's snapshots (already opened with `openSnapshot`): the
 * counters run 1…n without gap or fork, each `prev` is its predecessor's link, and the chain
 * reaches what this device saw last. Returns the snapshots by counter.
 */
export function verifyChain(
  snapshots: readonly VerifiedSnapshot[],
  expect: SnapshotExpectations,
): VerifiedSnapshot[] {
  const sorted = [...snapshots].sort((a, b) => a.body.counter - b.body.counter);
  const broken = (what: string) =>
    new BackboneError(
      'BACKUP_SNAPSHOT_BROKEN_CHAIN',
      `The snapshots of this repository do not form one chain (${what}): the host may have swapped, removed or inserted one.`,
    );
  sorted.forEach((s, i) => {
    if (s.body.counter !== i + 1) {
      throw broken(
        s.body.counter === i ? `two snapshots number ${i}` : `snapshot ${i + 1} is missing`,
      );
    }
    const prev = i === 0 ? null : sorted[i - 1]!.link;
    if (s.body.prev !== prev) throw broken(`snapshot ${i + 1} does not follow snapshot ${i}`);
  });
  const seen = expect.lastSeen;
  if (seen !== undefined && seen.counter > 0) {
    if (sorted.length < seen.counter) {
      throw new BackboneError(
        'BACKUP_SNAPSHOT_ROLLBACK',
        `This repository shows ${sorted.length} snapshot(s), but this device already saw snapshot ${seen.counter}: ` +
          'the host is hiding the newest snapshots or serving an older copy of the repository.',
      );
    }
    if (sorted[seen.counter - 1]!.link !== seen.link) {
      throw broken(`snapshot ${seen.counter} is not the one this device saw`);
    }
  }
  return sorted;
}

/** Opens and verifies every snapshot file of a repository. */
export function verifySnapshots(
  snapshotKey: Uint8Array,
  files: ReadonlyArray<{ id: string; bytes: Uint8Array }>,
  expect: SnapshotExpectations,
): VerifiedSnapshot[] {
  const opened = files.map((f) => {
    const s = openSnapshot(snapshotKey, f.bytes, expect);
    if (s.id !== f.id) throw tampered('is stored under another name than its content');
    return s;
  });
  return verifyChain(opened, expect);
}
