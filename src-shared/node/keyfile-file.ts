/**
 * Reading and writing the keyfile (src-shared/crypto/keyfile.ts) on disk: Node only.
 */
import { open } from 'node:fs/promises';
import {
  KEYFILE_MAX_BYTES,
  fromUtf8,
  keyfileCorruptError,
  parseKeyfile,
  serializeKeyfile,
  type Keyfile,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

function ioError(action: string, cause: unknown): BackboneError {
  const code = (cause as { code?: unknown } | null)?.code;
  return new BackboneError(
    'KEYFILE_IO',
    `Could not ${action} the keyfile${typeof code === 'string' ? ` (${code})` : ''}. Check the disk and folder permissions.`,
    { cause },
  );
}

/**
 * Writes the keyfile so that a crash at any moment leaves either the old or the new file, never
 * a broken one: write a temp file in the same directory (mode 0600), fsync it, rename it over
 * the target, then fsync the directory.
 */
export async function writeKeyfileAtomic(path: string, keyfile: Keyfile): Promise<void> {
  const text = serializeKeyfile(keyfile);
  try {
    await writeFileAtomic(path, text, 0o600);
  } catch (cause) {
    throw ioError('save', cause);
  }
}

/** Reads and parses a keyfile (`KEYFILE_IO` if it cannot be read). */
export async function readKeyfile(path: string): Promise<Keyfile> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > KEYFILE_MAX_BYTES) throw keyfileCorruptError('too large');
      const bytes = await handle.readFile();
      try {
        text = fromUtf8(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (cause) {
        throw keyfileCorruptError('not UTF-8 text', cause);
      }
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (isBackboneError(cause)) throw cause;
    throw ioError('read', cause);
  }
  return parseKeyfile(text);
}
