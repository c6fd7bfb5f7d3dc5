/**
 * `npm run fuzz -- [--runs N] [--seed S] [--postgres] [--only NAME]...`: hostile input on every
 * entry point (HTTP routes, WebSockets, IPC channels, parsed files); see docs/testing.md.
 * Prints per entry point how many cases ran; exits 1 on any failure, with the shrunk
 * counterexample and how to replay it.
 */
import { runSuites } from './harness.js';
import { SUITES } from './suites.js';

const DEFAULT_RUNS = 100_000;

function parseArgs(argv: string[]) {
  let runs = DEFAULT_RUNS;
  let seed = Date.now() & 0x7fffffff;
  let postgres = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--runs') runs = Number(value());
    else if (arg === '--seed') seed = Number(value());
    else if (arg === '--postgres') postgres = true;
    else if (arg === '--only') only.push(value());
    else throw new Error(`unknown argument ${arg} (--runs N, --seed S, --postgres, --only NAME)`);
  }
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');
  return { runs, seed, postgres, only };
}

const args = parseArgs(process.argv.slice(2));
console.log(
  `fuzz: ${args.runs} runs, seed ${args.seed}, ${args.postgres ? 'PostgreSQL' : 'SQLite'}` +
    (args.only.length > 0 ? `, only ${args.only.join(', ')}` : ''),
);
const result = await runSuites(SUITES, { ...args, log: (line) => console.log(line) });
const total = result.results.reduce((sum, r) => sum + r.runs, 0);
console.log(
  `\n${result.results.length} entry points, ${total} cases, ${result.failures.length} failing, ` +
    `${(result.ms / 1000).toFixed(1)} s, seed ${result.seed}`,
);
console.log(
  `still serving after the last case: ${result.probed.length > 0 ? result.probed.join(', ') : 'no suite ran'}`,
);
for (const failure of result.failures) console.log(`\nFAILED ${failure.name}\n${failure.failure}`);
process.exit(result.failures.length > 0 ? 1 : 0);
