/**
 * The keyfile on disk: atomic writes (mode 0600) and typed errors for I/O problems and damaged
 * files. The format itself is tested in src-shared/crypto/keyfile.test.ts.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  changeKeyfilePassword,
  createKeyfile,
  cryptoReady,
  serializeKeyfile,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { readKeyfile, writeKeyfileAtomic } from './keyfile-file.js';

async function expectCodeAsync(fn: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

await cryptoReady();

/** Weak Argon2id parameters, allowed only through the explicit test-only option. */
const WEAK = { testOnlyAllowWeakParams: true } as const;
const { keyfile: KF } = createKeyfile('hunter2 is a fine password', {
  ...WEAK,
  params: { opslimit: 1, memlimit: 8 * 1024 * 1024 },
});

describe('file I/O', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bb-keyfile-'));
    dirs.push(dir);
    return dir;
  };

  it('writes atomically (no temp file left, mode 0600) and reads back', async () => {
    const dir = await tempDir();
    const path = join(dir, 'keyfile.json');
    await writeKeyfileAtomic(path, KF);
    expect(await readKeyfile(path)).toEqual(KF);
    expect(await readFile(path, 'utf8')).toBe(serializeKeyfile(KF));
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    // overwrite with a changed keyfile
    const changed = changeKeyfilePassword(KF, 'hunter2 is a fine password', 'other', WEAK);
    await writeKeyfileAtomic(path, changed);
    expect(await readKeyfile(path)).toEqual(changed);
    expect(await readdir(dir)).toEqual(['keyfile.json']);
  });

  it('reports I/O problems and corrupt files', async () => {
    const dir = await tempDir();
    await expectCodeAsync(() => readKeyfile(join(dir, 'missing.json')), 'KEYFILE_IO');
    await expectCodeAsync(
      () => writeKeyfileAtomic(join(dir, 'no', 'such', 'dir.json'), KF),
      'KEYFILE_IO',
    );
    expect(await readdir(dir)).toEqual([]);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, new Uint8Array([0x7b, 0xff, 0x7d]));
    await expectCodeAsync(() => readKeyfile(bad), 'KEYFILE_CORRUPT');
    await writeFile(bad, 'x'.repeat(70000));
    await expectCodeAsync(() => readKeyfile(bad), 'KEYFILE_CORRUPT');
    await expectCodeAsync(
      () => writeKeyfileAtomic(join(dir, 'k.json'), { ...KF, v: 9 } as never),
      'UNSUPPORTED_VERSION',
    );
    expect((await readdir(dir)).sort()).toEqual(['bad.json']);
  });
});
