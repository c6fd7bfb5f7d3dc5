/**
 * The tree of a snapshot (docs/backup.md, "Tree"): one JSON object per line, UTF-8, sorted as the
 * backup read them. It is stored like file data (chunked, deduplicated, encrypted in packs) and the
 * snapshot names its chunk ids, size and SHA-256.
 *
 *   {"v":1,"kind":"backbone.backup.tree"}                                  first line
 *   {"path":"docs/a.txt","type":"file","mode":420,"mtime":1700000000000,"size":12,"chunks":["<b64url id>",…],"hash":"<b64url>"}
 *   {"path":"docs","type":"dir","mode":493,"mtime":…}
 *   {"path":"docs/link","type":"symlink","mode":511,"mtime":…,"target":"a.txt"}
 *
 * Paths are relative, '/'-separated, without '', '.' or '..' segments, NUL or backslash; `hash` is
 * the file's manifest hash (fileHash below). Readers refuse anything else (BACKUP_UNSAFE_PATH or
 * BACKUP_CORRUPT), so a tree cannot name a place outside the restore target. Symlink targets are
 * kept as they were; a restore refuses, one by one, those that are absolute or leave the tree
 * (`assertSafeSymlink`).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BackboneError } from '../errors.js';

export const TREE_HEADER = { v: 1, kind: 'backbone.backup.tree' } as const;
const FILE_HASH_DOMAIN = new TextEncoder().encode('backbone/backup/file/v1\0');
const MAX_PATH = 4096;

const b64id = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const base = {
  path: z.string().min(1).max(MAX_PATH),
  mode: z.number().int().min(0).max(0o7777),
  mtime: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
};
export const TreeEntrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('file'),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    chunks: z.array(b64id),
    hash: b64id,
  }),
  z.strictObject({ ...base, type: z.literal('dir') }),
  z.strictObject({ ...base, type: z.literal('symlink'), target: z.string().min(1).max(MAX_PATH) }),
]);
export type TreeEntry = z.infer<typeof TreeEntrySchema>;

function unsafe(what: string): BackboneError {
  return new BackboneError(
    'BACKUP_UNSAFE_PATH',
    `A snapshot names a path that could write outside the restore folder (${what}); it was refused.`,
  );
}

/** Checks a tree path: relative, '/'-separated, no empty, '.' or '..' segment. */
export function assertSafePath(p: string): void {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH)
    throw unsafe('empty or too long');
  if (p.includes('\0') || p.includes('\\')) throw unsafe('a NUL or backslash');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw unsafe('an absolute path');
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      throw unsafe('a "..", "." or empty segment');
  }
}

/**
 * Checks a symlink target: relative, and resolving (lexically, from the link's folder) inside the
 * tree. Absolute targets are refused.
 */
export function assertSafeSymlink(linkPath: string, target: string): void {
  if (
    target.startsWith('/') ||
    /^[A-Za-z]:/.test(target) ||
    target.includes('\0') ||
    target.includes('\\')
  ) {
    throw unsafe('an absolute symlink target');
  }
  const parts = linkPath.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) throw unsafe('a symlink that points outside');
      parts.pop();
    } else parts.push(segment);
  }
}

/** The manifest hash of a file: SHA-256(domain ‖ size u64le ‖ chunk ids). */
export function fileHash(size: number, chunkIds: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256').update(FILE_HASH_DOMAIN);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(size));
  h.update(n);
  for (const id of chunkIds) h.update(id);
  return new Uint8Array(h.digest());
}

export function encodeTreeLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Parses and checks one tree line (not the header). */
export function parseTreeEntry(line: string): TreeEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BackboneError('BACKUP_CORRUPT', 'A snapshot tree line is not JSON.');
  }
  const parsed = TreeEntrySchema.safeParse(value);
  if (!parsed.success)
    throw new BackboneError('BACKUP_CORRUPT', 'A snapshot tree entry is malformed.');
  assertSafePath(parsed.data.path);
  return parsed.data;
}

/** Splits a stream of UTF-8 bytes into lines (the last line may lack its newline). */
export async function* lines(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  for await (const piece of source) {
    rest += decoder.decode(piece, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}
