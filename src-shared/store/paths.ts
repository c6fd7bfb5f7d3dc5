/**
 * Store paths and their tokens (docs/design.md §4).
 *
 * A path names a namespace or an entry: segments joined by "/", e.g. `team/aws/root`. The root
 * namespace is the empty path `""`. Paths are case-sensitive and normalized to Unicode NFC, so
 * "é" typed as one code point or as "e" + combining accent names the same thing.
 *
 * Rules for each segment: 1..255 UTF-8 bytes after NFC; not "." or ".."; no "/" or "\"; no
 * control characters (U+0000–U+001F, U+007F–U+009F); no bidirectional-override characters (they
 * make a name display differently from what it is); no white space at either end; well-formed
 * Unicode (no lone surrogates). A whole path has at most 32 segments and 1024 UTF-8 bytes.
 * Empty segments (leading, trailing or doubled "/") are refused rather than silently fixed.
 *
 * The server never sees a path, only its token
 *
 *     token = BLAKE2b-256(key = workspace naming key, "path\0" ‖ UTF-8(normalized path))
 *
 * which changes when the naming key is rotated.
 */
import { blake2bKeyed, concatBytes, toBase64Url, utf8 } from '../crypto/index.js';
import { namingKey as brandNamingKey, type NamingKey } from '../workspace/naming-key.js';
import { fail } from './internal.js';

export const ROOT_PATH = '';
export const PATH_SEPARATOR = '/';
export const PATH_MAX_BYTES = 1024;
export const PATH_MAX_DEPTH = 32;
export const SEGMENT_MAX_BYTES = 255;
const TOKEN_PREFIX = utf8('path\0');

// Control characters, backslash, and bidirectional controls (LRM, RLM, embeddings, overrides,
// isolates). "/" is the separator and is handled by splitting.
const FORBIDDEN_CHARACTER = /[\p{Cc}\\\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EDGE_SPACE = /^\s|\s$/u;

function invalid(message: string): never {
  return fail('STORE_INVALID_PATH', message);
}

/**
 * The normalized (NFC) form of a path, or `STORE_INVALID_PATH` with the reason. `""` is the root
 * namespace.
 */
export function normalizePath(input: string): string {
  if (typeof input !== 'string') invalid('A store path must be text.');
  if (LONE_SURROGATE.test(input)) invalid('A store path must be well-formed Unicode text.');
  const path = input.normalize('NFC');
  if (path === ROOT_PATH) return path;
  if (utf8(path).length > PATH_MAX_BYTES) {
    invalid(`A store path may be at most ${PATH_MAX_BYTES} bytes long (UTF-8).`);
  }
  const segments = path.split(PATH_SEPARATOR);
  if (segments.length > PATH_MAX_DEPTH) {
    invalid(`A store path may have at most ${PATH_MAX_DEPTH} segments.`);
  }
  segments.forEach((segment, index) => {
    const where = `Segment ${index + 1} of the path`;
    if (segment.length === 0) {
      invalid(
        `${where} is empty: paths have no leading, trailing or double "/" (write "team/aws", not "/team/aws/").`,
      );
    }
    if (segment === '.' || segment === '..') invalid(`${where} may not be "." or "..".`);
    if (utf8(segment).length > SEGMENT_MAX_BYTES) {
      invalid(`${where} is longer than ${SEGMENT_MAX_BYTES} bytes (UTF-8).`);
    }
    if (FORBIDDEN_CHARACTER.test(segment)) {
      invalid(
        `${where} contains a character that is not allowed (control characters, "\\" and text-direction controls).`,
      );
    }
    if (EDGE_SPACE.test(segment)) invalid(`${where} starts or ends with white space.`);
  });
  return path;
}

/** True if `input` is a valid path already in normalized form. */
export function isNormalizedPath(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  try {
    return normalizePath(input) === input;
  } catch {
    return false;
  }
}

/** The segments of a normalized path (`[]` for the root). */
export function pathSegments(path: string): string[] {
  const normalized = normalizePath(path);
  return normalized === ROOT_PATH ? [] : normalized.split(PATH_SEPARATOR);
}

/** Joins segments (each validated) into a normalized path. */
export function joinPath(...segments: string[]): string {
  return normalizePath(segments.filter((segment) => segment !== ROOT_PATH).join(PATH_SEPARATOR));
}

/** The parent path (`"a/b"` → `"a"`, `"a"` → `""`), or null for the root. */
export function parentPath(path: string): string | null {
  const normalized = normalizePath(path);
  if (normalized === ROOT_PATH) return null;
  const cut = normalized.lastIndexOf(PATH_SEPARATOR);
  return cut < 0 ? ROOT_PATH : normalized.slice(0, cut);
}

/** The last segment of a path (`""` for the root). */
export function baseName(path: string): string {
  const normalized = normalizePath(path);
  return normalized.slice(normalized.lastIndexOf(PATH_SEPARATOR) + 1);
}

/** Every proper prefix of a path, root first: `"a/b/c"` → `["", "a", "a/b"]`. */
export function ancestorPaths(path: string): string[] {
  const segments = pathSegments(path);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    out.push(segments.slice(0, i).join(PATH_SEPARATOR));
  }
  return out;
}

/** True if `path` is strictly below `ancestor` (every path is below the root `""`). */
export function isDescendantPath(path: string, ancestor: string): boolean {
  if (path === ancestor) return false;
  if (ancestor === ROOT_PATH) return true;
  return path.startsWith(ancestor + PATH_SEPARATOR);
}

/** The token of a path under a naming key: 32 bytes. */
export function pathTokenBytes(key: NamingKey, path: string): Uint8Array {
  brandNamingKey(key);
  return blake2bKeyed(key, concatBytes(TOKEN_PREFIX, utf8(normalizePath(path))));
}

/** The token of a path under a naming key, base64url (43 characters). */
export function pathToken(key: NamingKey, path: string): string {
  return toBase64Url(pathTokenBytes(key, path));
}
