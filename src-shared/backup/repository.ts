/**
 * A backup repository over any BlobStore (docs/backup.md): init, open with the password or the
 * recovery key, back up a stream of file entries into a signed snapshot, read a snapshot's tree and
 * files back, and verify. Platform file access (walking folders, restoring) is in node/backup/.
 *
 * Write order of a backup run: packs, then the run's index file, then the snapshot. A crash
 * before the snapshot leaves only unreferenced packs (nothing reported done is lost; a later prune
 * removes them); a snapshot is never stored before everything it names.
 */
import {
  constantTimeEqual,
  fromBase64Url,
  sodium,
  toBase64Url,
  type PwhashParams,
  type SignKeyPair,
  type SignPublicKey,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { Chunker, type ChunkerParams } from './chunker.js';
import {
  createHeader,
  openHeaderWithPassword,
  openHeaderWithRecoveryKey,
  parseHeader,
  type RepositoryParams,
} from './header.js';
import { ChunkIndex, fileId, openIndex, sealIndex, type IndexEntry } from './index-file.js';
import {
  chunkId as computeChunkId,
  deriveBackupKeys,
  wipeBackupKeys,
  type BackupKeys,
} from './keys.js';
import { openChunk, PackWriter } from './pack.js';
import {
  sealSnapshot,
  verifySnapshots,
  type SnapshotBody,
  type VerifiedSnapshot,
} from './snapshot.js';
import {
  TREE_HEADER,
  assertSafePath,
  encodeTreeLine,
  fileHash,
  lines,
  parseTreeEntry,
  type TreeEntry,
} from './tree.js';
import { createHash } from 'node:crypto';

export const CONFIG_ID = 'config';

/** Who writes and who is trusted: the identity, this device's key, the devices it trusts. */
export interface RepositoryOwner {
  /** Identity address (bb1…) the snapshots name. */
  identity: string;
  /** This device's signing key pair (signs new snapshots). */
  device: SignKeyPair;
  /** Device keys whose snapshots are accepted (this device's is added). */
  trustedDevices?: readonly SignPublicKey[];
  /** The newest snapshot this device saw in this repository (persisted by the caller). */
  lastSeen?: { counter: number; link: string };
}

export type RepositorySecret = { password: string | Uint8Array } | { recoveryKey: Uint8Array };

export interface InitOptions {
  password: string | Uint8Array;
  recoveryKey: Uint8Array;
  kdf?: PwhashParams;
  chunker?: ChunkerParams;
  packTarget?: number;
  /** UNIT TESTS ONLY: Argon2id below the floors. */
  testOnlyAllowWeakParams?: boolean;
}

/** One thing to back up, as a walker (node/backup/fs-source.ts) yields it. */
export interface SourceEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number;
  target?: string;
  /** File contents, read when the backup gets to it. */
  open?: () => AsyncIterable<Uint8Array>;
}

export interface BackupStats {
  files: number;
  bytes: number;
  newChunks: number;
  newBytes: number;
  packs: number;
  packBytes: number;
}

export interface DamagedFile {
  snapshot: number;
  path: string;
  code: string;
}

export interface VerifyReport {
  snapshots: number;
  files: number;
  chunks: number;
  packs: number;
  /** Packs whose bytes no longer hash to their name (some chunks in them may still be fine). */
  badPacks: string[];
  damaged: DamagedFile[];
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export class Repository {
  private chain: VerifiedSnapshot[];
  private readonly index: ChunkIndex;
  private readonly chunker: Chunker;
  private closed = false;

  private constructor(
    private readonly store: BlobStore,
    readonly params: RepositoryParams,
    private readonly keys: BackupKeys,
    private readonly owner: RepositoryOwner,
    chain: VerifiedSnapshot[],
    index: ChunkIndex,
  ) {
    this.chain = chain;
    this.index = index;
    this.chunker = new Chunker(keys.chunker, params.chunker);
  }

  /** Creates a repository in an empty store (BACKUP_EXISTS if it holds one). */
  static async init(
    store: BlobStore,
    options: InitOptions,
    owner: RepositoryOwner,
  ): Promise<Repository> {
    if (await store.exists('config', CONFIG_ID)) {
      throw new BackboneError('BACKUP_EXISTS', 'This place already holds a backup repository.');
    }
    const { bytes, bk } = createHeader(options);
    await store.put('config', CONFIG_ID, bytes);
    const header = parseHeader(bytes, options);
    try {
      return new Repository(
        store,
        header.params,
        deriveBackupKeys(bk),
        owner,
        [],
        new ChunkIndex(),
      );
    } finally {
      sodium().memzero(bk);
    }
  }

  /**
   * Opens a repository with the password or the recovery key, verifies every snapshot (signature,
   * chain, last seen) and loads the index.
   */
  static async open(
    store: BlobStore,
    secret: RepositorySecret,
    owner: RepositoryOwner,
    options: { testOnlyAllowWeakParams?: boolean } = {},
  ): Promise<Repository> {
    const header = parseHeader(await store.get('config', CONFIG_ID), options);
    const bk =
      'password' in secret
        ? openHeaderWithPassword(header, secret.password, options)
        : openHeaderWithRecoveryKey(header, secret.recoveryKey);
    const keys = deriveBackupKeys(bk);
    sodium().memzero(bk);
    try {
      const repoId = header.params.repoId;
      const snapshotFiles = await Promise.all(
        (await store.list('snapshot')).map(async (id) => ({
          id,
          bytes: await store.get('snapshot', id),
        })),
      );
      const chain = verifySnapshots(
        keys.snapshot,
        snapshotFiles,
        Repository.expectations(repoId, owner),
      );
      const index = new ChunkIndex();
      const present = new Set(await store.list('index'));
      for (const snapshot of chain) {
        for (const id of snapshot.body.indexes) {
          if (!present.has(id)) {
            throw new BackboneError(
              'BACKUP_MISSING',
              `Snapshot ${snapshot.body.counter} needs index file ${id.slice(0, 12)}, which the repository no longer has: the host may be hiding or rolling back data.`,
            );
          }
        }
      }
      for (const id of present) {
        const bytes = await store.get('index', id);
        if (fileId(bytes) !== id) {
          throw new BackboneError(
            'BACKUP_TAMPERED',
            'An index file is stored under another name than its content.',
          );
        }
        for (const entry of openIndex(keys.index, repoId, bytes)) index.add(entry);
      }
      return new Repository(store, header.params, keys, owner, chain, index);
    } catch (error) {
      wipeBackupKeys(keys);
      throw error;
    }
  }

  private static expectations(repoId: Uint8Array, owner: RepositoryOwner) {
    return {
      repoId,
      identity: owner.identity,
      devices: [owner.device.publicKey, ...(owner.trustedDevices ?? [])],
      lastSeen: owner.lastSeen,
    };
  }

  /** Verified snapshots, oldest first. */
  snapshots(): readonly VerifiedSnapshot[] {
    return this.chain;
  }

  /** What the caller should persist as "last seen" after open or backup. */
  lastSeen(): { counter: number; link: string } | undefined {
    const last = this.chain.at(-1);
    return last === undefined ? undefined : { counter: last.body.counter, link: last.link };
  }

  /** Wipes the keys; the object cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    wipeBackupKeys(this.keys);
  }

  private live(): void {
    if (this.closed) throw new BackboneError('INVALID_ARGUMENT', 'This repository was closed.');
  }

  /** Backs up `entries` into a new snapshot (chunks already stored are not uploaded again). */
  async backup(
    entries: AsyncIterable<SourceEntry>,
    options: { time?: number } = {},
  ): Promise<{ snapshot: VerifiedSnapshot; stats: BackupStats }> {
    this.live();
    const { repoId, packTarget } = this.params;
    const stats: BackupStats = {
      files: 0,
      bytes: 0,
      newChunks: 0,
      newBytes: 0,
      packs: 0,
      packBytes: 0,
    };
    const writer = new PackWriter(this.keys.data, repoId);
    const pending = new Set<string>();
    const runIndex: IndexEntry[] = [];

    const flush = async () => {
      if (writer.count === 0) return;
      const pack = writer.finish();
      await this.store.put('pack', pack.id, pack.bytes);
      stats.packs++;
      stats.packBytes += pack.bytes.length;
      for (const e of pack.entries) {
        const entry = { ...e, packId: pack.id };
        runIndex.push(entry);
        this.index.add(entry);
      }
      pending.clear();
    };
    const storeChunk = async (chunk: Uint8Array): Promise<Uint8Array> => {
      const id = computeChunkId(this.keys, chunk);
      const key = ChunkIndex.key(id);
      if (!this.index.has(id) && !pending.has(key)) {
        writer.add(id, chunk);
        pending.add(key);
        stats.newChunks++;
        stats.newBytes += chunk.length;
        if (writer.length >= packTarget) await flush();
      }
      return id;
    };

    const tree: string[] = [encodeTreeLine(TREE_HEADER)];
    for await (const entry of entries) {
      assertSafePath(entry.path);
      const meta = {
        path: entry.path,
        mode: entry.mode & 0o7777,
        mtime: Math.max(0, Math.floor(entry.mtime)),
      };
      if (entry.type === 'dir') {
        tree.push(encodeTreeLine({ ...meta, type: 'dir' }));
      } else if (entry.type === 'symlink') {
        if (!entry.target) throw new BackboneError('INVALID_ARGUMENT', 'A symlink needs a target.');
        tree.push(encodeTreeLine({ ...meta, type: 'symlink', target: entry.target }));
      } else {
        if (entry.open === undefined)
          throw new BackboneError('INVALID_ARGUMENT', 'A file needs contents.');
        const ids: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of this.chunker.chunkStream(entry.open())) {
          ids.push(await storeChunk(chunk));
          size += chunk.length;
        }
        stats.files++;
        stats.bytes += size;
        tree.push(
          encodeTreeLine({
            ...meta,
            type: 'file',
            size,
            chunks: ids.map(toBase64Url),
            hash: toBase64Url(fileHash(size, ids)),
          }),
        );
      }
    }

    const treeBytes = new TextEncoder().encode(tree.join(''));
    const treeIds: Uint8Array[] = [];
    for await (const chunk of this.chunker.chunkStream(once(treeBytes)))
      treeIds.push(await storeChunk(chunk));
    await flush();
    const indexes: string[] = [];
    if (runIndex.length > 0) {
      const file = sealIndex(this.keys.index, repoId, runIndex);
      await this.store.put('index', file.id, file.bytes);
      indexes.push(file.id);
    }
    const last = this.chain.at(-1);
    const body: SnapshotBody = {
      repo: toBase64Url(repoId),
      identity: this.owner.identity,
      device: toBase64Url(this.owner.device.publicKey),
      counter: (last?.body.counter ?? 0) + 1,
      prev: last?.link ?? null,
      time: Math.floor(options.time ?? Date.now()),
      tree: {
        chunks: treeIds.map(toBase64Url),
        size: treeBytes.length,
        hash: toBase64Url(new Uint8Array(createHash('sha256').update(treeBytes).digest())),
      },
      indexes,
      stats: {
        files: stats.files,
        bytes: stats.bytes,
        newChunks: stats.newChunks,
        newBytes: stats.newBytes,
      },
    };
    const sealed = sealSnapshot(this.keys.snapshot, repoId, body, this.owner.device);
    await this.store.put('snapshot', sealed.id, sealed.bytes);
    const snapshot: VerifiedSnapshot = { id: sealed.id, body, link: sealed.link };
    this.chain = [...this.chain, snapshot];
    return { snapshot, stats };
  }

  /** One chunk's plaintext (BACKUP_MISSING if no pack holds it, BACKUP_TAMPERED if altered). */
  async readChunk(id: Uint8Array): Promise<Uint8Array> {
    this.live();
    const entry = this.index.get(id);
    if (entry === undefined) {
      throw new BackboneError(
        'BACKUP_MISSING',
        'A chunk this snapshot needs is in no pack of the repository.',
      );
    }
    const blob = await this.store.read('pack', entry.packId, entry.offset, entry.length);
    const plain = openChunk(this.keys.data, this.params.repoId, id, blob);
    if (plain.length !== entry.plainLength) {
      throw new BackboneError(
        'BACKUP_TAMPERED',
        'A chunk does not have the size its index records.',
      );
    }
    return plain;
  }

  /** The entries of a snapshot's tree, in backup order (checked: safe paths, known shapes). */
  async *readTree(snapshot: VerifiedSnapshot): AsyncGenerator<TreeEntry> {
    const { tree } = snapshot.body;
    const hash = createHash('sha256');
    let size = 0;
    const bytes = async function* (this: Repository): AsyncGenerator<Uint8Array> {
      for (const id of tree.chunks) {
        const chunk = await this.readChunk(fromBase64Url(id));
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    };
    let first = true;
    for await (const line of lines(bytes.call(this))) {
      if (first) {
        first = false;
        if (line !== JSON.stringify(TREE_HEADER)) {
          throw new BackboneError('BACKUP_CORRUPT', 'A snapshot tree has an unknown format.');
        }
        continue;
      }
      yield parseTreeEntry(line);
    }
    const digest = new Uint8Array(hash.digest());
    if (size !== tree.size || !constantTimeEqual(digest, fromBase64Url(tree.hash))) {
      throw new BackboneError('BACKUP_TAMPERED', 'A snapshot tree does not match its manifest.');
    }
  }

  /** A file's contents, chunk by chunk; fails if a chunk is missing or altered. */
  async *readFile(entry: Extract<TreeEntry, { type: 'file' }>): AsyncGenerator<Uint8Array> {
    const ids = entry.chunks.map(fromBase64Url);
    if (!constantTimeEqual(fileHash(entry.size, ids), fromBase64Url(entry.hash))) {
      throw new BackboneError(
        'BACKUP_TAMPERED',
        `The manifest of ${entry.path} does not match its chunks.`,
      );
    }
    let size = 0;
    for (const id of ids) {
      const chunk = await this.readChunk(id);
      size += chunk.length;
      yield chunk;
    }
    if (size !== entry.size) {
      throw new BackboneError(
        'BACKUP_TAMPERED',
        `${entry.path} does not have the size its manifest records.`,
      );
    }
  }

  /**
   * Checks every snapshot: each file's chunks are indexed and their packs exist; with `readData`,
   * every pack needed is read whole and every chunk the index places in it is decrypted and its
   * keyed id recomputed (a pack whose bytes no longer match its name is listed in `badPacks`).
   * Damaged files are listed with the reason, not thrown; the others are fine.
   */
  async verify(options: { readData?: boolean } = {}): Promise<VerifyReport> {
    this.live();
    const report: VerifyReport = {
      snapshots: this.chain.length,
      files: 0,
      chunks: 0,
      packs: 0,
      badPacks: [],
      damaged: [],
    };
    const byPack = new Map<string, IndexEntry[]>();
    for (const e of this.index.values()) {
      const list = byPack.get(e.packId);
      if (list === undefined) byPack.set(e.packId, [e]);
      else list.push(e);
    }
    /** Per pack: null if fine, else the code for all of it, or the bad chunks in it. */
    const packs = new Map<string, { all: string | null; bad: Map<string, string> }>();
    const checkPack = async (packId: string) => {
      const known = packs.get(packId);
      if (known !== undefined) return known;
      const status = { all: null as string | null, bad: new Map<string, string>() };
      report.packs++;
      if (!options.readData) {
        if (!(await this.store.exists('pack', packId))) status.all = 'BACKUP_MISSING';
      } else {
        let bytes: Uint8Array | undefined;
        try {
          bytes = await this.store.get('pack', packId);
        } catch (error) {
          if (!isBackboneError(error)) throw error;
          status.all = error.code;
        }
        if (bytes !== undefined) {
          if (createHash('sha256').update(bytes).digest('hex') !== packId)
            report.badPacks.push(packId);
          for (const e of byPack.get(packId) ?? []) {
            const key = ChunkIndex.key(e.chunkId);
            if (e.offset + e.length > bytes.length) {
              status.bad.set(key, 'BACKUP_MISSING');
              continue;
            }
            try {
              const plain = openChunk(
                this.keys.data,
                this.params.repoId,
                e.chunkId,
                bytes.subarray(e.offset, e.offset + e.length),
              );
              if (!constantTimeEqual(computeChunkId(this.keys, plain), e.chunkId)) {
                status.bad.set(key, 'BACKUP_TAMPERED');
              }
            } catch (error) {
              if (!isBackboneError(error)) throw error;
              status.bad.set(key, error.code);
            }
          }
        }
      }
      packs.set(packId, status);
      return status;
    };
    const checkChunk = async (id: Uint8Array): Promise<string | null> => {
      const where = this.index.get(id);
      if (where === undefined) return 'BACKUP_MISSING';
      const status = await checkPack(where.packId);
      return status.all ?? status.bad.get(ChunkIndex.key(id)) ?? null;
    };
    for (const snapshot of this.chain) {
      const counter = snapshot.body.counter;
      try {
        for await (const entry of this.readTree(snapshot)) {
          if (entry.type !== 'file') continue;
          report.files++;
          for (const id of entry.chunks) {
            report.chunks++;
            const problem = await checkChunk(fromBase64Url(id));
            if (problem !== null) {
              report.damaged.push({ snapshot: counter, path: entry.path, code: problem });
              break;
            }
          }
        }
      } catch (error) {
        if (!isBackboneError(error)) throw error;
        report.damaged.push({ snapshot: counter, path: '(tree)', code: error.code });
      }
    }
    return report;
  }
}
