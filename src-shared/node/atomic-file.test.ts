import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-atomic-'));
  dirs.push(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  it('replaces the file with text or bytes, mode 0600, no temporary file left', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, new Uint8Array([116, 119, 111]));
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('lets concurrent writers of one file all finish (the last rename wins)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'pins.json');
    const values = Array.from({ length: 20 }, (_, i) => `value ${i}`);
    await Promise.all(values.map((v) => writeFileAtomic(file, v)));
    expect(values).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['pins.json']);
  });

  it('removes an old crash leftover of the same file, not a fresh one nor other files', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a.json');
    const old = path.join(dir, '.a.json.0011223344556677.tmp');
    const fresh = path.join(dir, '.a.json.8899aabbccddeeff.tmp');
    const other = path.join(dir, '.b.json.0011223344556677.tmp');
    for (const f of [old, fresh, other]) await writeFile(f, 'half');
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(old, anHourAgo, anHourAgo);
    await utimes(other, anHourAgo, anHourAgo);
    await writeFileAtomic(file, 'whole');
    expect((await readdir(dir)).sort()).toEqual(
      [path.basename(fresh), path.basename(other), 'a.json'].sort(),
    );
  });
});
