/**
 * Runs every `bench/*.bench.ts` module in file-name order: `npm run bench`.
 *
 *   npm run bench                      all modules
 *   npm run bench -- crypto            only modules whose file name contains "crypto"
 *   npm run bench -- --json out.json   also write every figure as JSON (each row with its `id`)
 *   npm run bench -- --only app.unlock only rows whose id starts with a prefix (repeatable); runs
 *                                      only the modules of those ids (`app.…` → app.bench.ts)
 *
 * Each module exports `async function run(report: Report): Promise<void>` (see harness.ts).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Report } from './harness.js';

interface BenchModule {
  run(report: Report): Promise<void>;
}

const args = process.argv.slice(2);
let jsonPath: string | undefined;
const filters: string[] = [];
const only: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonPath = args[++i];
  else if (args[i] === '--only') only.push(args[++i]!);
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log(
      'npm run bench -- [NAME…] [--only ID_PREFIX]… [--json FILE]\n' +
        '  NAME        run the modules whose file name contains NAME (bench/NAME.bench.ts)\n' +
        '  --only P    report only rows whose stable id starts with P (e.g. app.unlock); runs\n' +
        '              only the module of that id (the part before the first dot)\n' +
        '  --json FILE also write every row (with its id) as JSON',
    );
    process.exit(0);
  } else filters.push(args[i]!);
}
const onlyModules = only.map((prefix) => `${prefix.split('.')[0]}.bench.ts`);

const dir = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => onlyModules.length === 0 || onlyModules.includes(f))
  .sort();

const report = new Report(undefined, only);
const started = performance.now();
console.log(
  `Backbone benchmarks — node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ` +
    `${process.platform}/${process.arch}`,
);
console.log('Each figure is a median; ratio = figure ÷ baseline measured in the same run.');

let failed = false;
for (const file of files) {
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') throw new Error('exports no run(report) function');
    await mod.run(report);
    console.log(`  (${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed = true;
    console.error(`bench ${file} failed:`, error);
  }
}
console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s`);

if (jsonPath !== undefined) {
  writeFileSync(jsonPath, JSON.stringify({ node: process.version, rows: report.rows }, null, 2));
}
if (failed) process.exitCode = 1;
