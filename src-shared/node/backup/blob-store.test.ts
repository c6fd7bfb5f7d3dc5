import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady } from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { MemoryBlobStore, type BlobStore } from '../../backup/blob-store.js';
import { FolderBlobStore } from './folder-store.js';

let dir: string;
beforeAll(async () => {
  await cryptoReady();
  dir = await mkdtemp(path.join(tmpdir(), 'bb-blobstore-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, code: string): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (error) {
    return isBackboneError(error) && error.code === code;
  }
}

const ID = 'ab'.repeat(32);
const ID2 = 'cd'.repeat(32);

async function* pieces(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts).toString();
}

const stores: Array<[string, () => Promise<BlobStore>]> = [
  ['memory', async () => new MemoryBlobStore()],
  ['folder', async () => new FolderBlobStore(await mkdtemp(path.join(dir, 'store-')))],
];

describe.each(stores)('BlobStore (%s)', (_name, make) => {
  it('puts, gets, reads ranges, streams, lists and deletes by kind and id', async () => {
    const store = await make();
    await store.put('pack', ID, new TextEncoder().encode('hello pack'));
    await store.put('pack', ID2, pieces('streamed ', 'in ', 'pieces'));
    await store.put('index', ID, new TextEncoder().encode('index'));
    await store.put('config', 'config', new TextEncoder().encode('cfg'));
    expect(Buffer.from(await store.get('pack', ID)).toString()).toBe('hello pack');
    expect(await collect(store.stream('pack', ID2))).toBe('streamed in pieces');
    expect(Buffer.from(await store.read('pack', ID, 6, 4)).toString()).toBe('pack');
    expect(await store.size('pack', ID2)).toBe(18);
    expect(await store.list('pack')).toEqual([ID, ID2]);
    expect(await store.list('index')).toEqual([ID]);
    expect(await store.list('config')).toEqual(['config']);
    expect(await store.list('snapshot')).toEqual([]);
    expect(await store.exists('pack', ID)).toBe(true);
    await store.put('pack', ID, new TextEncoder().encode('hello pack'));
    expect(await store.list('pack')).toEqual([ID, ID2]);
    await store.delete('pack', ID);
    expect(await store.exists('pack', ID)).toBe(false);
    await store.delete('pack', ID);
  });

  it('fails with BACKUP_MISSING for a missing blob or a range past its end', async () => {
    const store = await make();
    expect(await rejects(store.get('snapshot', ID), 'BACKUP_MISSING')).toBe(true);
    expect(await rejects(store.size('snapshot', ID), 'BACKUP_MISSING')).toBe(true);
    expect(await rejects(collect(store.stream('snapshot', ID)), 'BACKUP_MISSING')).toBe(true);
    await store.put('pack', ID, new Uint8Array(10));
    expect(await rejects(store.read('pack', ID, 5, 10), 'BACKUP_MISSING')).toBe(true);
  });

  it('refuses ids that could name another place', async () => {
    const store = await make();
    for (const id of ['../x', 'a/b', '', 'A'.repeat(3), 'x'.repeat(65)]) {
      expect(await rejects(store.put('pack', id, new Uint8Array(1)), 'INVALID_ARGUMENT')).toBe(
        true,
      );
    }
  });
});

describe('FolderBlobStore', () => {
  it('leaves no temporary file behind and never lists one a crash left', async () => {
    const root = await mkdtemp(path.join(dir, 'tmp-'));
    const store = new FolderBlobStore(root);
    await store.put('snapshot', ID, new Uint8Array(100));
    expect(await readdir(path.join(root, 'snapshots'))).toEqual([ID]);
    await writeFile(path.join(root, 'snapshots', '.tmp-0011223344556677'), 'half');
    expect(await store.list('snapshot')).toEqual([ID]);
  });

  it('removes the temporary file when the source stream fails', async () => {
    const root = await mkdtemp(path.join(dir, 'fail-'));
    const store = new FolderBlobStore(root);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new Error('source broke');
    }
    await expect(store.put('pack', ID, failing())).rejects.toThrow('source broke');
    expect(await readdir(path.join(root, 'packs', 'ab'))).toEqual([]);
    expect(await store.exists('pack', ID)).toBe(false);
  });
});
