import { randomFillSync } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoReady,
  generateSignKeyPair,
  randomBytes,
  type SignKeyPair,
} from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { MemoryBlobStore, type BlobStore } from '../../backup/blob-store.js';
import { backupRecoveryKeyFromRootSecret } from '../../backup/header.js';
import type { ChunkIndex } from '../../backup/index-file.js';
import { Repository, type RepositoryOwner } from '../../backup/repository.js';
import { FolderBlobStore } from './folder-store.js';
import { walkFolder } from './fs-source.js';
import { restoreSnapshot } from './restore.js';

const TEST = { testOnlyAllowWeakParams: true };
const SMALL = { min: 2048, avg: 8192, max: 65536 };

let dir: string;
let device: SignKeyPair;
let owner: RepositoryOwner;
let recoveryKey: Uint8Array;

beforeAll(async () => {
  await cryptoReady();
  dir = await mkdtemp(path.join(tmpdir(), 'bb-backup-'));
  device = generateSignKeyPair();
  owner = { identity: 'bb1alice', device };
  recoveryKey = backupRecoveryKeyFromRootSecret(randomBytes(32));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function init(store: BlobStore) {
  return Repository.init(
    store,
    {
      password: 'correct horse battery',
      recoveryKey,
      kdf: { opslimit: 1, memlimit: 8192 },
      chunker: SMALL,
      packTarget: 64 * 1024,
      ...TEST,
    },
    owner,
  );
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
}

/** A small source folder: text, random bytes, an empty file, nested folders, a symlink. */
async function makeSource(): Promise<string> {
  const src = await mkdtemp(path.join(dir, 'src-'));
  await mkdir(path.join(src, 'docs', 'deep'), { recursive: true });
  // Numbered lines, not one line repeated: a periodic text can cut into identical chunks (the
  // boundaries depend on the repository's random gear key), which the first backup would store
  // once, and the test counts every byte of the first backup as new.
  await writeFile(
    path.join(src, 'docs', 'notes.txt'),
    Array.from({ length: 20_000 }, (_, i) => `line ${i} of notes\n`).join(''),
  );
  await writeFile(
    path.join(src, 'docs', 'deep', 'random.bin'),
    randomFillSync(Buffer.alloc(600_000)),
  );
  await writeFile(path.join(src, 'empty'), '');
  await writeFile(path.join(src, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await symlink('docs/notes.txt', path.join(src, 'link-to-notes'));
  return src;
}

/** Every path below `root` with its kind, mode and contents (or link target). */
async function snapshotOf(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(path.join(root, rel))).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const full = path.join(root, r);
    const st = await lstat(full);
    if (st.isSymbolicLink()) out[r] = `link:${await readlink(full)}`;
    else if (st.isDirectory()) {
      out[r] = `dir:${(st.mode & 0o777).toString(8)}`;
      Object.assign(out, await snapshotOf(root, r));
    } else {
      const bytes = await readFile(full);
      out[r] =
        `file:${(st.mode & 0o777).toString(8)}:${Math.round(st.mtimeMs)}:${bytes.toString('base64')}`;
    }
  }
  return out;
}

describe('Repository end to end', () => {
  it('backs up a folder, uploads only changed chunks the second time, restores byte-identical', async () => {
    const src = await makeSource();
    const store = new FolderBlobStore(path.join(dir, 'repo-e2e'));
    const repo = await init(store);

    const first = await repo.backup(walkFolder(src));
    expect(first.stats.files).toBe(4);
    expect(first.snapshot.body.counter).toBe(1);
    const total = first.stats.bytes;
    expect(first.stats.newBytes).toBeGreaterThanOrEqual(total);

    // Change a few bytes in the middle of the 600 KB file.
    const big = path.join(src, 'docs', 'deep', 'random.bin');
    const bytes = await readFile(big);
    bytes.fill(0x41, 300_000, 300_100);
    await writeFile(big, bytes);
    const packsBefore = new Set(await store.list('pack'));
    const second = await repo.backup(walkFolder(src));
    expect(second.snapshot.body.counter).toBe(2);
    expect(second.snapshot.body.prev).toBe(first.snapshot.link);
    // Only the chunk(s) around the change (and the new tree) are new: far below the data size.
    expect(second.stats.newBytes).toBeLessThan(3 * SMALL.max + 200_000);
    expect(second.stats.newBytes).toBeLessThan(total / 3);
    const newPacks = (await store.list('pack')).filter((p) => !packsBefore.has(p));
    expect(newPacks.length).toBe(second.stats.packs);
    expect(second.stats.packBytes).toBeLessThan(total / 3);

    // A fresh open with the password restores the newest snapshot byte-identical.
    const reopened = await Repository.open(
      store,
      { password: 'correct horse battery' },
      owner,
      TEST,
    );
    expect(reopened.snapshots().map((s) => s.id)).toEqual([first.snapshot.id, second.snapshot.id]);
    const target = await mkdtemp(path.join(dir, 'restore-'));
    const restored = await restoreSnapshot(reopened, reopened.snapshots()[1]!, target);
    expect(restored.damaged).toEqual([]);
    expect(await snapshotOf(target)).toEqual(await snapshotOf(src));

    // The first snapshot still gives the old contents (opened with the recovery key).
    const byKit = await Repository.open(store, { recoveryKey }, owner, TEST);
    const old = await mkdtemp(path.join(dir, 'restore-old-'));
    await restoreSnapshot(byKit, byKit.snapshots()[0]!, old);
    const oldBytes = await readFile(path.join(old, 'docs', 'deep', 'random.bin'));
    expect(oldBytes.subarray(300_000, 300_100).every((b) => b === 0x41)).toBe(false);
    expect(oldBytes.subarray(0, 300_000).equals(bytes.subarray(0, 300_000))).toBe(true);

    expect(await reopened.verify({ readData: true })).toMatchObject({ snapshots: 2, damaged: [] });
    repo.close();
    reopened.close();
    byKit.close();
  });

  it('a second run over unchanged data stores nothing but a tiny tree and snapshot', async () => {
    const src = await makeSource();
    const store = new MemoryBlobStore();
    const repo = await init(store);
    const first = await repo.backup(walkFolder(src));
    const again = await repo.backup(walkFolder(src));
    expect(again.stats.newChunks).toBe(0);
    expect(again.stats.packs).toBe(0);
    expect(again.snapshot.body.tree.chunks).toEqual(first.snapshot.body.tree.chunks);
    expect(store.puts.filter((p) => p.kind === 'pack').length).toBe(first.stats.packs);
  });

  it('refuses a second init, a wrong password and a hidden newest snapshot', async () => {
    const src = await makeSource();
    const store = new MemoryBlobStore();
    const repo = await init(store);
    expect(await code(init(store))).toBe('BACKUP_EXISTS');
    await repo.backup(walkFolder(src));
    const { snapshot } = await repo.backup(walkFolder(src));
    expect(await code(Repository.open(store, { password: 'nope' }, owner, TEST))).toBe(
      'BACKUP_WRONG_PASSWORD',
    );
    await store.delete('snapshot', snapshot.id);
    const seen = { ...owner, lastSeen: repo.lastSeen() };
    expect(await code(Repository.open(store, { recoveryKey }, seen, TEST))).toBe(
      'BACKUP_SNAPSHOT_ROLLBACK',
    );
    expect(
      await code(
        Repository.open(store, { recoveryKey }, { ...owner, device: generateSignKeyPair() }, TEST),
      ),
    ).toBe('BACKUP_SNAPSHOT_FOREIGN');
  });

  it('notices a hidden index file', async () => {
    const store = new MemoryBlobStore();
    const repo = await init(store);
    await repo.backup(walkFolder(await makeSource()));
    const [indexId] = await store.list('index');
    await store.delete('index', indexId!);
    expect(await code(Repository.open(store, { recoveryKey }, owner, TEST))).toBe('BACKUP_MISSING');
  });

  it('names the files of a damaged or cut pack in verify and restores the rest', async () => {
    const src = await makeSource();
    const store = new MemoryBlobStore();
    const repo = await init(store);
    const { snapshot } = await repo.backup(walkFolder(src));
    // Find the pack holding the first chunk of notes.txt and flip a bit in it.
    let notesChunk: string | undefined;
    for await (const e of repo.readTree(snapshot))
      if (e.path === 'docs/notes.txt' && e.type === 'file') notesChunk = e.chunks[0];
    const packs = await store.list('pack');
    let damagedPack: string | undefined;
    for (const id of packs) {
      const copy = await store.get('pack', id);
      const entries = (await import('../../backup/pack.js')).readPackEntries(
        (repo as unknown as { keys: { data: Uint8Array } }).keys.data,
        repo.params.repoId,
        copy,
      );
      const hit = entries.find((e) => Buffer.from(e.chunkId).toString('base64url') === notesChunk);
      if (hit) {
        copy[hit.offset + 30]! ^= 1;
        store.blobs.set(`pack/${id}`, copy);
        damagedPack = id;
      }
    }
    expect(damagedPack).toBeDefined();
    const report = await repo.verify({ readData: true });
    expect(report.damaged.map((d) => [d.path, d.code])).toContainEqual([
      'docs/notes.txt',
      'BACKUP_TAMPERED',
    ]);
    expect(report.damaged.map((d) => d.path)).not.toContain('script.sh');
    const target = await mkdtemp(path.join(dir, 'restore-damaged-'));
    const result = await restoreSnapshot(repo, snapshot, target);
    expect(result.damaged).toContainEqual({ path: 'docs/notes.txt', code: 'BACKUP_TAMPERED' });
    expect(await readFile(path.join(target, 'script.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    await expect(lstat(path.join(target, 'docs', 'notes.txt'))).rejects.toThrow();
    // A pack cut short (the first one: only chunks of random.bin): that file is named, the
    // rest restores.
    const store2 = new MemoryBlobStore();
    const repo2 = await init(store2);
    const second = await repo2.backup(walkFolder(src));
    let firstRandomChunk: string | undefined;
    for await (const e of repo2.readTree(second.snapshot)) {
      if (e.path === 'docs/deep/random.bin' && e.type === 'file') firstRandomChunk = e.chunks[0];
    }
    const where = (repo2 as unknown as { index: ChunkIndex }).index.get(
      Buffer.from(firstRandomChunk!, 'base64url'),
    );
    store2.blobs.set(
      `pack/${where!.packId}`,
      (await store2.get('pack', where!.packId)).subarray(0, 100),
    );
    const cutTarget = await mkdtemp(path.join(dir, 'restore-cut-'));
    const cut = await restoreSnapshot(repo2, second.snapshot, cutTarget);
    expect(cut.damaged).toEqual([{ path: 'docs/deep/random.bin', code: 'BACKUP_MISSING' }]);
    expect(await readFile(path.join(cutTarget, 'script.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    const cutReport = await repo2.verify({ readData: true });
    expect(cutReport.damaged).toEqual([
      { snapshot: 1, path: 'docs/deep/random.bin', code: 'BACKUP_MISSING' },
    ]);
    expect(cutReport.badPacks).toEqual([where!.packId]);
  });
});

describe('restore never writes outside the target', () => {
  it('refuses to write through a symlink already in the target', async () => {
    const src = await makeSource();
    const store = new MemoryBlobStore();
    const repo = await init(store);
    const { snapshot } = await repo.backup(walkFolder(src));
    const target = await mkdtemp(path.join(dir, 'restore-trap-'));
    const outside = await mkdtemp(path.join(dir, 'outside-'));
    await symlink(outside, path.join(target, 'docs'));
    expect(await code(restoreSnapshot(repo, snapshot, target))).toBe('BACKUP_UNSAFE_PATH');
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses absolute symlinks and symlinks that leave the tree, one by one', async () => {
    const src = await mkdtemp(path.join(dir, 'links-'));
    await writeFile(path.join(src, 'a.txt'), 'a');
    await symlink('/etc/passwd', path.join(src, 'abs'));
    await symlink('../../outside', path.join(src, 'up'));
    await symlink('a.txt', path.join(src, 'fine'));
    const repo = await init(new MemoryBlobStore());
    const { snapshot } = await repo.backup(walkFolder(src));
    const target = await mkdtemp(path.join(dir, 'restore-links-'));
    const result = await restoreSnapshot(repo, snapshot, target);
    expect(result.damaged).toEqual([
      { path: 'abs', code: 'BACKUP_UNSAFE_PATH' },
      { path: 'up', code: 'BACKUP_UNSAFE_PATH' },
    ]);
    expect(await readlink(path.join(target, 'fine'))).toBe('a.txt');
    expect((await readdir(target)).sort()).toEqual(['a.txt', 'fine']);
  });

  it('refuses a backup entry whose path has ".." (and trees carrying one fail to parse)', async () => {
    const repo = await init(new MemoryBlobStore());
    async function* evil() {
      yield { path: '../escape', type: 'dir' as const, mode: 0o755, mtime: 0 };
    }
    expect(await code(repo.backup(evil()))).toBe('BACKUP_UNSAFE_PATH');
    const { parseTreeEntry } = await import('../../backup/tree.js');
    for (const p of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'C:/x', 'a\\..\\b']) {
      let caught: unknown;
      try {
        parseTreeEntry(JSON.stringify({ path: p, type: 'dir', mode: 493, mtime: 0 }));
      } catch (error) {
        caught = error;
      }
      expect(isBackboneError(caught, 'BACKUP_UNSAFE_PATH')).toBe(true);
    }
  });
});
