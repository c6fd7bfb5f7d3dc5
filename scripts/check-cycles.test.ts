import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM script without type declarations
import { findCycleGroups, findCycles, sourceFiles } from './check-cycles.js';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-cycles-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const names = (dir: string, cycles: string[][]) =>
  cycles.map((cycle) => cycle.map((file) => path.relative(dir, file)));

describe('scripts/check-cycles.js', () => {
  it('finds a cycle through value and type-only imports, and ignores tests', async () => {
    const dir = await tree({
      'a.ts': "import { b } from './b.js';\nexport const a = b;",
      'b.ts': "import type { C } from './sub/c.js';\nexport const b = 1 as unknown as C;",
      'sub/c.ts': "export type { A } from '../a.js';\nexport type C = number;",
      'd.ts': "import { a } from './a.js';\nexport const d = a;",
      'a.test.ts': "import { d } from './d.js';",
    });
    const cycles = names(dir, findCycles(sourceFiles(dir)));
    expect(cycles).toEqual([['a.ts', 'b.ts', path.join('sub', 'c.ts')]]);
  });

  it('reports nothing for an acyclic tree, dynamic imports and comments included', async () => {
    const dir = await tree({
      'a.ts': "// import { b } from './b.js';\nexport const a = () => import('./c.js');",
      'b.ts': "/* import './a.js' */ import { a } from './a.js';\nexport const b = a;",
      'c.ts': 'export const c = 1;',
    });
    expect(findCycles(sourceFiles(dir))).toEqual([]);
  });

  it('finds a cycle made by a dynamic import or a folder index', async () => {
    const dir = await tree({
      'a.ts': "export const a = () => import('./lib/index.js');",
      'lib/index.ts': "export * from '../a.js';",
    });
    expect(names(dir, findCycles(sourceFiles(dir)))).toEqual([
      ['a.ts', path.join('lib', 'index.ts')],
    ]);
  });

  it('names every file of a cycle group, so a file joining a known group is noticed', async () => {
    const dir = await tree({
      'a.ts': "import { b } from './b.js';\nexport const a = b;",
      'b.ts': "import { c } from './c.js';\nexport const b = c;",
      'c.ts': "import { a } from './a.js';\nexport const c = a;",
    });
    const [group] = findCycleGroups(sourceFiles(dir));
    expect(group.members.map((file: string) => path.relative(dir, file))).toEqual([
      'a.ts',
      'b.ts',
      'c.ts',
    ]);
  });
});
