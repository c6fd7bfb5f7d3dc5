#!/usr/bin/env node
/**
 * Circular-import check over the source floors (what `madge --circular` reports, without the
 * dependency): every relative `import`/`export … from` and dynamic `import()` of a non-test
 * .ts/.tsx file is an edge, type-only imports included (a cycle of types is still a cycle in the
 * design). Prints each cycle once and exits 1 if there is any.
 *
 *   node scripts/check-cycles.js [DIR …]      (default: the five source floors)
 *
 * `scripts/known-cycles.txt` lists the cycle groups still being taken apart (one per line: every
 * file of the group, sorted, separated by spaces): those are reported but do not fail the check,
 * so `npm test` stops any new cycle — and any file joining a known group — while the last ones go.
 * A listed group that is gone or changed must be updated in the list.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const floors = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['src-main', 'src-shared', 'src-server', 'src-cli', 'src-renderer'];

/** Source files of a folder, tests and declaration files left out. */
export function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'node_modules') walk(full);
      } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) {
        out.push(full);
      }
    }
  };
  walk(dir);
  return out;
}

const importPattern =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The relative imports of one file, resolved to files (extensions as TypeScript resolves them). */
export function importsOf(file, text = readFileSync(file, 'utf8')) {
  const out = new Set();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const match of code.matchAll(importPattern)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (!spec || !spec.startsWith('.')) continue;
    const resolved = resolve(path.dirname(file), spec);
    if (resolved) out.add(resolved);
  }
  return [...out];
}

function resolve(from, spec) {
  const base = path.resolve(from, spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, 'index.ts'),
  ];
  return candidates.find((c) => /\.tsx?$/.test(c) && existsSync(c)) ?? null;
}

/** Strongly connected components of size > 1 (and self-imports), each as one example cycle. */
export function findCycles(files) {
  return findCycleGroups(files).map((group) => group.example);
}

/** The same components with all their files (`members`) and one example cycle each. */
export function findCycleGroups(files) {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const strongConnect = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), indices.get(w)));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) strongConnect(v);
  return components.map((component) => ({
    members: [...component].sort(),
    example: exampleCycle(graph, new Set(component)),
  }));
}

/** One concrete cycle inside a strongly connected component (breadth-first back to the start). */
function exampleCycle(graph, members) {
  const start = [...members].sort()[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const cycle = [start];
        for (let u = v; u !== start; u = previous.get(u)) cycle.splice(1, 0, u);
        return cycle;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...members];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = floors.flatMap((floor) => sourceFiles(path.join(root, floor)));
  const groups = findCycleGroups(files);
  const rel = (f) => path.relative(root, f).split(path.sep).join('/');
  const knownFile = path.join(root, 'scripts', 'known-cycles.txt');
  // One line per known group: its files, sorted, separated by spaces.
  const known = new Set(
    (existsSync(knownFile) ? readFileSync(knownFile, 'utf8') : '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );
  let failed = false;
  for (const group of groups) {
    const key = group.members.map(rel).join(' ');
    const example = [...group.example, group.example[0]].map(rel).join(' → ');
    if (known.has(key)) {
      console.log(`known cycle group (${group.members.length} files), e.g. ${example}`);
      known.delete(key);
    } else {
      console.error(`cycle: ${example}`);
      console.error(`  group: ${key}`);
      failed = true;
    }
  }
  for (const line of known) {
    console.error(`gone or changed, update scripts/known-cycles.txt: ${line}`);
    failed = true;
  }
  if (failed) process.exit(1);
  console.log(`no new circular imports (${files.length} files in ${floors.join(', ')})`);
}
