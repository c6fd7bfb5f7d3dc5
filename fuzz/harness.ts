/**
 * The fuzz runner's building blocks: an entry point is one place hostile input can reach (an
 * HTTP route, a WebSocket, an IPC channel, a file parser) with a fast-check arbitrary of
 * inputs and a check that throws on a violation. A suite sets up what its entry points need
 * (a server, an app core, files), names its entry points and a probe that proves the process
 * still serves. `runSuites` spreads the runs over every entry point, runs each as one
 * fast-check property (seeded from the run's seed and the entry point's name, so one entry
 * point can be replayed alone with `--only`), probes between batches and collects the figures.
 */
import fc from 'fast-check';

export interface EntryPoint<T = unknown> {
  /** Unique and stable: `http POST /v1/workspaces/:workspaceId/log`, `ipc vault.reveal`, … */
  name: string;
  /** Share of the suite's runs relative to its other entry points (default 1). */
  weight?: number;
  arbitrary: fc.Arbitrary<T>;
  /** Runs one case; throws (with a readable message) on any violation. */
  check(input: T): Promise<void>;
}

export interface SuiteInstance {
  entryPoints: EntryPoint[];
  /** Throws if the process under test no longer serves (health probe). */
  probe(): Promise<void>;
  /** Called between batches of an entry point (refresh tokens, …); optional. */
  refresh?(): Promise<void>;
  close(): Promise<void>;
}

export interface Suite {
  name: string;
  /** Share of the overall runs (relative to the other suites). */
  weight: number;
  setup(options: FuzzOptions): Promise<SuiteInstance>;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  postgres: boolean;
  /** Only entry points whose name contains one of these (empty: all). */
  only: string[];
  log(line: string): void;
}

export interface EntryPointResult {
  suite: string;
  name: string;
  runs: number;
  ms: number;
  failure?: string;
}

export interface FuzzResult {
  seed: number;
  results: EntryPointResult[];
  failures: EntryPointResult[];
  /** Suites whose process answered its probe after the suite's last case. */
  probed: string[];
  ms: number;
}

/** Cases between two probes of the process under test. */
export const PROBE_EVERY = 250;

/** A violation found by a check (the message is the report). */
export class FuzzViolation extends Error {}

export function violation(message: string): never {
  throw new FuzzViolation(message);
}

/** 32-bit FNV-1a of a name, to derive an entry point's seed from the run's seed. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Splits `total` runs by weight, at least one each. The shares add up to exactly `total`
 * (largest remainders get the runs rounding leaves over) whenever `total` is at least the
 * number of weights, so `--runs 100000` runs 100,000 cases.
 */
export function distribute(total: number, weights: number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, rest: x - Math.floor(x) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) {
    const index = byRemainder[k]!.i;
    shares[index] = shares[index]! + 1;
  }
  return shares;
}

export async function runSuites(suites: Suite[], options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const results: EntryPointResult[] = [];
  const probed: string[] = [];
  const selected = (name: string) =>
    options.only.length === 0 || options.only.some((part) => name.includes(part));
  const suiteRuns = distribute(
    options.runs,
    suites.map((s) => s.weight),
  );
  for (const [index, suite] of suites.entries()) {
    const instance = await suite.setup(options);
    try {
      const points = instance.entryPoints.filter((p) => selected(p.name));
      if (points.length === 0) continue;
      const runs = distribute(
        suiteRuns[index] ?? 1,
        points.map((p) => p.weight ?? 1),
      );
      for (const [i, point] of points.entries()) {
        const result = await runEntryPoint(suite.name, point, runs[i] ?? 1, instance, options);
        results.push(result);
        options.log(
          `${result.failure ? 'FAIL' : 'ok  '} ${point.name.padEnd(62)} ${String(result.runs).padStart(7)} cases ${String(result.ms).padStart(7)} ms`,
        );
        if (result.failure) options.log(result.failure);
      }
      await instance.probe();
      probed.push(suite.name);
    } finally {
      await instance.close();
    }
  }
  return {
    seed: options.seed,
    results,
    failures: results.filter((r) => r.failure !== undefined),
    probed,
    ms: Date.now() - started,
  };
}

async function runEntryPoint(
  suite: string,
  point: EntryPoint,
  numRuns: number,
  instance: SuiteInstance,
  options: FuzzOptions,
): Promise<EntryPointResult> {
  const started = Date.now();
  let cases = 0;
  const seed = (options.seed ^ nameHash(point.name)) | 0;
  const property = fc.asyncProperty(point.arbitrary, async (input) => {
    cases++;
    await point.check(input);
    if (cases % PROBE_EVERY === 0) {
      await instance.probe();
      await instance.refresh?.();
    }
  });
  const details = await fc.check(property, { numRuns, seed, endOnFailure: true });
  let failure: string | undefined;
  if (details.failed) {
    const error = details.errorInstance;
    const message = error instanceof Error ? error.message : String(error);
    failure = [
      `  entry point: ${point.name}`,
      `  error: ${message.slice(0, 2000)}`,
      `  counterexample (shrunk): ${fc.stringify(details.counterexample).slice(0, 2000)}`,
      `  replay: npm run fuzz -- --seed ${options.seed} --runs ${options.runs} --only '${point.name}'` +
        ` (fast-check seed ${details.seed}, path ${details.counterexamplePath ?? '-'})`,
    ].join('\n');
  }
  return {
    suite,
    name: point.name,
    runs: details.numRuns,
    ms: Date.now() - started,
    ...(failure ? { failure } : {}),
  };
}
