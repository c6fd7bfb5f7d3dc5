/**
 * Replacing a file atomically and durably (Node only): the bytes go to a fresh temporary file
 * beside it (created exclusively, with the final mode), are fsynced, renamed over the file, and
 * the directory is fsynced so the rename survives a crash. A crash at any point leaves the old
 * file or the new one, never a mix; temporary files a crash left behind (older than ten minutes,
 * so never those of a write still running) are removed by the next write of the same file.
 *
 * The one implementation behind the keyfile, the profile and app-state files, and the offline
 * copies of the store.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { toHex, randomBytes } from '../crypto/index.js';

function tempPrefix(file: string): string {
  return `.${path.basename(file)}.`;
}

/**
 * A temporary file younger than this may belong to a write still running (another writer of the
 * same file): only older ones are leftovers of a crash.
 */
const LEFTOVER_AGE_MS = 10 * 60 * 1000;

/** Temporary files of earlier writes of `file` that never got renamed (a crash, a full disk). */
async function removeLeftovers(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const tmp = path.join(dir, name);
    try {
      if (Date.now() - (await stat(tmp)).mtimeMs > LEFTOVER_AGE_MS) await rm(tmp, { force: true });
    } catch {
      // gone meanwhile (its writer finished)
    }
  }
}

/** Makes a rename durable. Some systems (Windows) cannot open a directory: skipped there. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported by this file system; the rename itself is still atomic
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Replaces `file` with `data` (text as UTF-8), created with `mode` (default 0600). */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  await removeLeftovers(file);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${tempPrefix(file)}${toHex(randomBytes(8))}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}
