import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoReady, fromHex, toHex } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { namingKey } from '../workspace/naming-key.js';
import {
  ancestorPaths,
  baseName,
  isDescendantPath,
  isNormalizedPath,
  joinPath,
  normalizePath,
  parentPath,
  pathSegments,
  pathToken,
  pathTokenBytes,
} from './paths.js';
import { sodium } from '../crypto/index.js';

await cryptoReady();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('normalizePath', () => {
  it('accepts ordinary paths and the root', () => {
    expect(normalizePath('')).toBe('');
    expect(normalizePath('team')).toBe('team');
    expect(normalizePath('team/aws/root')).toBe('team/aws/root');
    expect(normalizePath('Team Folder/My key.txt')).toBe('Team Folder/My key.txt');
    expect(normalizePath('ключи/🔑')).toBe('ключи/🔑');
  });

  it('normalizes to NFC so both spellings of é are one path', () => {
    const composed = 'caf\u00e9/x';
    const decomposed = 'cafe\u0301/x';
    expect(normalizePath(decomposed)).toBe(composed);
    expect(normalizePath(composed)).toBe(composed);
    const key = namingKey(new Uint8Array(32).fill(7));
    expect(pathToken(key, decomposed)).toBe(pathToken(key, composed));
  });

  it.each([
    ['/team', 'leading slash'],
    ['team/', 'trailing slash'],
    ['team//aws', 'double slash'],
    ['team/./aws', 'dot'],
    ['team/../aws', 'dot dot'],
    ['team/a\u0000b', 'NUL'],
    ['team/a\nb', 'newline'],
    ['team/a\u007fb', 'DEL'],
    ['team/a\\b', 'backslash'],
    ['team/\u202eevil', 'RTL override'],
    [' team', 'leading space'],
    ['team ', 'trailing space'],
    ['team/\ud800', 'lone surrogate'],
    ['a'.repeat(256), 'segment too long'],
    [Array.from({ length: 33 }, () => 'a').join('/'), 'too deep'],
    [Array.from({ length: 9 }, () => 'x'.repeat(120)).join('/'), 'path too long'],
  ])('refuses %j (%s)', (input) => {
    expect(code(() => normalizePath(input))).toBe('STORE_INVALID_PATH');
  });

  it('accepts the limits exactly', () => {
    expect(normalizePath('a'.repeat(255))).toHaveLength(255);
    expect(pathSegments(Array.from({ length: 32 }, () => 'a').join('/'))).toHaveLength(32);
  });

  it('error messages do not repeat the path', () => {
    try {
      normalizePath('secret-project/\u0000');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-project');
    }
  });

  it('is idempotent and round-trips through segments (property)', () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => {
      try {
        return normalizePath(s) !== '' && !s.includes('/');
      } catch {
        return false;
      }
    });
    fc.assert(
      fc.property(fc.array(segment, { minLength: 0, maxLength: 6 }), (segments) => {
        const path = normalizePath(segments.join('/'));
        expect(normalizePath(path)).toBe(path);
        expect(isNormalizedPath(path)).toBe(true);
        expect(joinPath(...pathSegments(path))).toBe(path);
        expect(pathSegments(path)).toHaveLength(segments.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('path relations', () => {
  it('parent, base name, ancestors, descendants', () => {
    expect(parentPath('')).toBeNull();
    expect(parentPath('a')).toBe('');
    expect(parentPath('a/b/c')).toBe('a/b');
    expect(baseName('a/b/c')).toBe('c');
    expect(baseName('')).toBe('');
    expect(ancestorPaths('a/b/c')).toEqual(['', 'a', 'a/b']);
    expect(ancestorPaths('a')).toEqual(['']);
    expect(ancestorPaths('')).toEqual([]);
    expect(isDescendantPath('a/b', 'a')).toBe(true);
    expect(isDescendantPath('a/b', '')).toBe(true);
    expect(isDescendantPath('ab', 'a')).toBe(false);
    expect(isDescendantPath('a', 'a')).toBe(false);
    expect(isDescendantPath('', '')).toBe(false);
  });
});

describe('pathToken', () => {
  const key = namingKey(fromHex('00'.repeat(31) + '01'));

  it('is BLAKE2b-256 keyed with the naming key over "path\\0" ‖ path (known answer)', () => {
    const expected = sodium().crypto_generichash(
      32,
      new TextEncoder().encode('path\0team/aws/root'),
      key,
    );
    expect(toHex(pathTokenBytes(key, 'team/aws/root'))).toBe(toHex(expected));
    expect(pathToken(key, 'team/aws/root')).toHaveLength(43);
  });

  it('differs per path and per naming key, and the root has a token', () => {
    const other = namingKey(new Uint8Array(32).fill(9));
    expect(pathToken(key, 'a')).not.toBe(pathToken(key, 'b'));
    expect(pathToken(key, 'a')).not.toBe(pathToken(other, 'a'));
    expect(pathToken(key, '')).toHaveLength(43);
    expect(code(() => pathToken(key, 'a//b'))).toBe('STORE_INVALID_PATH');
  });
});
