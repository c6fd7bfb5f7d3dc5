/**
 * Walks a folder for a backup (Node only): yields its directories, regular files and symlinks as
 * `SourceEntry`s, depth first in name order (so two runs over the same folder give the same tree),
 * paths relative to the folder with '/' separators. Other kinds (sockets, devices, FIFOs) are
 * skipped. Symlinks are recorded, never followed. Files are read in 1 MiB pieces when the backup
 * gets to them.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { SourceEntry } from '../../backup/repository.js';

export async function* walkFolder(root: string, prefix = ''): AsyncGenerator<SourceEntry> {
  const names = (await readdir(path.join(root, prefix))).sort();
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const full = path.join(root, rel);
    const st = await lstat(full);
    const meta = { path: rel, mode: st.mode & 0o7777, mtime: Math.round(st.mtimeMs) };
    if (st.isSymbolicLink()) {
      yield { ...meta, type: 'symlink', target: await readlink(full) };
    } else if (st.isDirectory()) {
      yield { ...meta, type: 'dir' };
      yield* walkFolder(root, rel);
    } else if (st.isFile()) {
      yield {
        ...meta,
        type: 'file',
        open: () => createReadStream(full, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
      };
    }
  }
}
