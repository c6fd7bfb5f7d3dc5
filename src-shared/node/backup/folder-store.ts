/**
 * A backup repository in a local folder (an external drive, a NAS mount): the BlobStore of
 * backup/blob-store.ts on the file system. Node only.
 *
 *   <root>/config                 the header
 *   <root>/packs/<id[0..2]>/<id>   packs, fanned out by the first two hex digits
 *   <root>/index/<id>, <root>/snapshots/<id>
 *
 * Every put is atomic and durable: the bytes go to a temporary file in the final folder
 * (".tmp-<random>", created exclusively), are fsynced, renamed to the final name, and the folder
 * is fsynced. A crash leaves the old state or the new blob, never a part; leftover temporary files
 * are never listed.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, toHex } from '../../crypto/index.js';
import { assertBlobName, missing, type BlobKind, type BlobStore } from '../../backup/blob-store.js';

const DIRS: Record<BlobKind, string> = {
  config: '',
  pack: 'packs',
  index: 'index',
  snapshot: 'snapshots',
};
const TEMP_PREFIX = '.tmp-';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // not supported by this file system; the rename is still atomic
  } finally {
    await handle.close();
  }
}

export class FolderBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private dir(kind: BlobKind, id: string): string {
    const base = path.join(this.root, DIRS[kind]);
    return kind === 'pack' ? path.join(base, id.slice(0, 2)) : base;
  }

  private file(kind: BlobKind, id: string): string {
    assertBlobName(kind, id);
    return path.join(this.dir(kind, id), id);
  }

  async put(
    kind: BlobKind,
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const final = this.file(kind, id);
    const dir = path.dirname(final);
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${TEMP_PREFIX}${toHex(randomBytes(8))}`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      if (data instanceof Uint8Array) await handle.writeFile(data);
      else for await (const piece of data) await handle.write(piece);
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await rename(tmp, final);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    await syncDir(dir);
  }

  async get(kind: BlobKind, id: string): Promise<Uint8Array> {
    try {
      const buf = await readFile(this.file(kind, id));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    } catch (error) {
      if (isMissing(error)) throw missing(kind, id);
      throw error;
    }
  }

  async read(kind: BlobKind, id: string, offset: number, length: number): Promise<Uint8Array> {
    let handle;
    try {
      handle = await open(this.file(kind, id), 'r');
    } catch (error) {
      if (isMissing(error)) throw missing(kind, id);
      throw error;
    }
    try {
      const out = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(out, got, length - got, offset + got);
        if (bytesRead === 0) throw missing(kind, id);
        got += bytesRead;
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } finally {
      await handle.close();
    }
  }

  async *stream(kind: BlobKind, id: string): AsyncIterable<Uint8Array> {
    const file = this.file(kind, id);
    try {
      await stat(file);
    } catch (error) {
      if (isMissing(error)) throw missing(kind, id);
      throw error;
    }
    for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) {
      yield piece as Buffer;
    }
  }

  async size(kind: BlobKind, id: string): Promise<number> {
    try {
      return (await stat(this.file(kind, id))).size;
    } catch (error) {
      if (isMissing(error)) throw missing(kind, id);
      throw error;
    }
  }

  async exists(kind: BlobKind, id: string): Promise<boolean> {
    try {
      return (await stat(this.file(kind, id))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(kind: BlobKind): Promise<string[]> {
    const names = async (dir: string) => {
      try {
        return await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
    };
    const base = path.join(this.root, DIRS[kind]);
    const out: string[] = [];
    const keep = (name: string) => {
      if (name.startsWith(TEMP_PREFIX)) return;
      try {
        assertBlobName(kind, name);
        out.push(name);
      } catch {
        // not a blob of this store (a stray file)
      }
    };
    if (kind === 'pack') {
      for (const sub of await names(base)) {
        if (!sub.isDirectory()) continue;
        for (const f of await names(path.join(base, sub.name))) if (f.isFile()) keep(f.name);
      }
    } else if (kind === 'config') {
      if (await this.exists('config', 'config')) out.push('config');
    } else {
      for (const f of await names(base)) if (f.isFile()) keep(f.name);
    }
    return out.sort();
  }

  async delete(kind: BlobKind, id: string): Promise<void> {
    const file = this.file(kind, id);
    await rm(file, { force: true });
    await syncDir(path.dirname(file)).catch(() => undefined);
  }
}
