/**
 * The test tiers stay honest: a unit test file (`*.test.ts`) never starts a server, a PostgreSQL
 * cluster, a child process or a network listener — those belong in `*.int.test.ts`. The markers
 * below are the ways our tests do that.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

const INTEGRATION_MARKERS = [
  /\bstartSdkTestServer\b/,
  /\bbuildServer\(/,
  /postgres-cluster/,
  /\bstartPostgres\b/,
  /test\/harness\.js/,
  /test\/backends\.js/,
  /\.listen\(/,
  /\bspawn(Sync)?\(/,
  /\bexecFile(Sync)?\(/,
  /\bfork\(/,
  /\bnew WebSocket\(/,
  /\bstartCore\(/,
];

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(full).isDirectory()) out.push(...testFiles(full));
    else if (/\.test\.tsx?$/.test(name)) out.push(full);
  }
  return out;
}

const all = readdirSync(root)
  .filter((name) => /^src-/.test(name) || name === 'scripts' || name === 'e2e')
  .flatMap((name) => testFiles(path.join(root, name)));

describe('test tiers', () => {
  it('finds the test files', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.some((file) => file.endsWith('.int.test.ts'))).toBe(true);
  });

  it('no unit test file starts a server, a database, a process or a socket', () => {
    const offenders = all
      .filter((file) => !file.endsWith('.int.test.ts') && file !== import.meta.filename)
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const hit = INTEGRATION_MARKERS.find((marker) => marker.test(text));
        return hit ? [`${path.relative(root, file)} (${hit.source})`] : [];
      });
    expect(offenders).toEqual([]);
  });
});
