/**
 * No source file cites a document that is not in the repository: every `….md` named in a
 * comment or string of the code (and in the docs) exists, either at the path given (from the
 * repository root) or, for a bare name, in `docs/` or at the root.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'release', 'test-results', 'playwright-report']);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir))) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...walk(rel));
    else out.push(rel);
  }
  return out;
}

const tracked = walk('');

function missingReferences(files: string[]): string[] {
  const missing = new Set<string>();
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const match of text.matchAll(/(?<![\w.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g)) {
      const name = match[1]!;
      if (/^https?:/.test(name) || name.includes('node_modules')) continue;
      const candidates = name.includes('/')
        ? [path.join(root, name), path.join(root, path.dirname(file), name)]
        : [
            path.join(root, 'docs', name),
            path.join(root, name),
            path.join(root, path.dirname(file), name),
          ];
      if (!candidates.some((candidate) => existsSync(candidate))) missing.add(`${file}: ${name}`);
    }
  }
  return [...missing].sort();
}

describe('document references', () => {
  it('every document the code cites is in the repository', () => {
    const code = tracked.filter((file) => /\.(ts|tsx|js|css)$/.test(file));
    expect(code.length).toBeGreaterThan(100);
    expect(missingReferences(code)).toEqual([]);
  });

  it('every document the docs and the README cite is in the repository', () => {
    const docs = tracked.filter((file) => /^(docs\/.*|README)\.md$/.test(file));
    expect(missingReferences(docs)).toEqual([]);
  });
});
