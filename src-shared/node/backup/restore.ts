/**
 * Restores a snapshot into a folder (Node only), never writing outside it:
 * - every tree path is checked (relative, no '..'; tree.ts), and every folder on the way is
 *   checked with lstat to be a real directory inside the target, never a symlink — so neither a
 *   hostile tree nor a symlink already in the target can redirect a write;
 * - symlinks with absolute targets or targets that leave the tree are refused (tree.ts); the
 *   others are created last, after every file, so no write of this restore goes through them
 *   (a refused symlink is listed in the result, the rest of the restore goes on);
 * - each file is written to a temporary file beside it and renamed over the final name;
 * - a file whose chunks are missing or altered is listed in the result and the rest goes on
 *   (its temporary file is removed); folder modes and times are set at the end.
 */
import { lstat, mkdir, open, rename, rm, symlink, chmod, utimes } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, toHex } from '../../crypto/index.js';
import { BackboneError, isBackboneError } from '../../errors.js';
import type { Repository } from '../../backup/repository.js';
import type { VerifiedSnapshot } from '../../backup/snapshot.js';
import { assertSafeSymlink, type TreeEntry } from '../../backup/tree.js';

export interface RestoreResult {
  files: number;
  bytes: number;
  damaged: Array<{ path: string; code: string }>;
}

function unsafe(rel: string): BackboneError {
  return new BackboneError(
    'BACKUP_UNSAFE_PATH',
    `Restoring ${rel} would go through a symlink or something that is not a folder; it was refused.`,
  );
}

/** Makes (or checks) every folder of `rel` below `root`: real directories only. */
async function safeDir(root: string, rel: string): Promise<string> {
  let current = root;
  for (const segment of rel === '' ? [] : rel.split('/')) {
    current = path.join(current, segment);
    let st;
    try {
      st = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(current, { mode: 0o700 });
      st = await lstat(current);
    }
    if (!st.isDirectory() || st.isSymbolicLink()) throw unsafe(rel);
  }
  const resolved = path.resolve(current);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw unsafe(rel);
  return resolved;
}

export async function restoreSnapshot(
  repo: Repository,
  snapshot: VerifiedSnapshot,
  target: string,
): Promise<RestoreResult> {
  await mkdir(target, { recursive: true });
  const root = path.resolve(target);
  if (!(await lstat(root)).isDirectory()) throw unsafe('.');
  const result: RestoreResult = { files: 0, bytes: 0, damaged: [] };
  const dirs: Array<Extract<TreeEntry, { type: 'dir' }>> = [];
  const links: Array<Extract<TreeEntry, { type: 'symlink' }>> = [];
  for await (const entry of repo.readTree(snapshot)) {
    if (entry.type === 'dir') {
      await safeDir(root, entry.path);
      dirs.push(entry);
      continue;
    }
    if (entry.type === 'symlink') {
      links.push(entry);
      continue;
    }
    const parent = await safeDir(
      root,
      path.posix.dirname(entry.path) === '.' ? '' : path.posix.dirname(entry.path),
    );
    const final = path.join(parent, path.posix.basename(entry.path));
    const existing = await lstat(final).catch(() => undefined);
    if (existing !== undefined && !existing.isFile()) throw unsafe(entry.path);
    const tmp = path.join(parent, `.bbrestore-${toHex(randomBytes(8))}`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      let size = 0;
      for await (const chunk of repo.readFile(entry)) {
        await handle.write(chunk);
        size += chunk.length;
      }
      await handle.close();
      await chmod(tmp, entry.mode);
      await utimes(tmp, new Date(entry.mtime), new Date(entry.mtime));
      await rename(tmp, final);
      result.files++;
      result.bytes += size;
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
      if (!isBackboneError(error, 'BACKUP_MISSING') && !isBackboneError(error, 'BACKUP_TAMPERED'))
        throw error;
      result.damaged.push({ path: entry.path, code: error.code });
    }
  }
  for (const link of links) {
    try {
      assertSafeSymlink(link.path, link.target);
    } catch (error) {
      if (!isBackboneError(error, 'BACKUP_UNSAFE_PATH')) throw error;
      result.damaged.push({ path: link.path, code: error.code });
      continue;
    }
    const dir = path.posix.dirname(link.path);
    const parent = await safeDir(root, dir === '.' ? '' : dir);
    const final = path.join(parent, path.posix.basename(link.path));
    await rm(final, { force: true });
    await symlink(link.target, final);
  }
  for (const dir of dirs.reverse()) {
    const full = await safeDir(root, dir.path);
    await chmod(full, dir.mode);
    await utimes(full, new Date(dir.mtime), new Date(dir.mtime));
  }
  return result;
}
