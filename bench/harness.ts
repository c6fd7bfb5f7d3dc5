/**
 * Benchmark harness: timing helpers and a report that prints every figure beside a baseline
 * measured in the same run, with the ratio.
 *
 * A bench module (`bench/<name>.bench.ts`) exports `async function run(report: Report)`; it
 * measures with `measure()` and records figures with `report.compare(...)` (or `report.note`
 * when something cannot be measured). `bench/run.ts` runs every module in file-name order.
 */

export interface MeasureOptions {
  /** Untimed runs first (JIT, lazy initialisation). Default 1. */
  warmup?: number;
  /** Always take at least this many timed samples. Default 3. */
  minIterations?: number;
  /** Keep sampling until this much time was spent (ms), up to maxIterations. Default 0. */
  minTimeMs?: number;
  /** Never take more samples than this. Default 1_000_000. */
  maxIterations?: number;
  /** Bytes processed per call, to report MiB/s. */
  bytesPerOp?: number;
  /** Operations done per call (e.g. a batch of 100 signatures). Default 1. */
  opsPerCall?: number;
}

export interface Measurement {
  name: string;
  /** Milliseconds per operation, one entry per timed call, sorted ascending. */
  samples: number[];
  /** Median milliseconds per operation. */
  p50: number;
  /** 99th-percentile milliseconds per operation (nearest rank). */
  p99: number;
  /** Operations per second from the median. */
  opsPerSec: number;
  /** MiB per second from the median, when bytesPerOp was given. */
  mibPerSec?: number;
  /**
   * Set by load tests (see `loadMeasurement`): `samples`, p50 and p99 are per-request latencies
   * under `concurrency` clients and `opsPerSec` is the measured throughput (not 1000 / p50).
   * `compare` then prints p50/p99 latency beside an ops/s figure.
   */
  load?: { concurrency: number; requests: number; seconds: number };
}

const MiB = 1024 * 1024;

/** Nearest-rank percentile of ascending `sorted` (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Time `fn` (sync or async); see MeasureOptions for how many samples are taken. */
export async function measure(
  name: string,
  fn: () => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const warmup = options.warmup ?? 1;
  const minIterations = options.minIterations ?? 3;
  const minTimeMs = options.minTimeMs ?? 0;
  const maxIterations = options.maxIterations ?? 1_000_000;
  const opsPerCall = options.opsPerCall ?? 1;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const started = performance.now();
  while (
    samples.length < maxIterations &&
    (samples.length < minIterations || performance.now() - started < minTimeMs)
  ) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / opsPerCall);
  }
  return fromSamples(name, samples, options.bytesPerOp);
}

export interface Contender {
  name: string;
  fn: () => unknown;
}

/**
 * Time several functions round-robin (A, B, C, A, B, C, …) so that each sees the same machine
 * conditions: on a shared or throttled machine, ratios between them stay meaningful even when
 * absolute figures drift. Counts apply per contender (rounds); `minTimeMs` is the total time
 * across all contenders.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions = {},
): Promise<Measurement[]> {
  const warmup = options.warmup ?? 1;
  const minIterations = options.minIterations ?? 3;
  const minTimeMs = options.minTimeMs ?? 0;
  const maxIterations = options.maxIterations ?? 1_000_000;
  const opsPerCall = options.opsPerCall ?? 1;
  for (let i = 0; i < warmup; i++) for (const c of contenders) await c.fn();
  const samples: number[][] = contenders.map(() => []);
  const started = performance.now();
  let rounds = 0;
  while (
    rounds < maxIterations &&
    (rounds < minIterations || performance.now() - started < minTimeMs)
  ) {
    for (let k = 0; k < contenders.length; k++) {
      const t0 = performance.now();
      await contenders[k]!.fn();
      samples[k]!.push((performance.now() - t0) / opsPerCall);
    }
    rounds++;
  }
  return contenders.map((c, k) => fromSamples(c.name, samples[k]!, options.bytesPerOp));
}

/** A Measurement from milliseconds-per-operation samples timed by the caller. */
export function fromSamples(
  name: string,
  samplesMs: readonly number[],
  bytesPerOp?: number,
): Measurement {
  const samples = [...samplesMs].sort((a, b) => a - b);
  const p50 = percentile(samples, 50);
  const result: Measurement = {
    name,
    samples,
    p50,
    p99: percentile(samples, 99),
    opsPerSec: 1000 / p50,
  };
  if (bytesPerOp !== undefined) result.mibPerSec = bytesPerOp / MiB / (p50 / 1000);
  return result;
}

/**
 * A Measurement for a load test: `latenciesMs` of every completed request (any order), and the
 * throughput `requests / seconds` as opsPerSec.
 */
export function loadMeasurement(
  name: string,
  latenciesMs: readonly number[],
  requests: number,
  seconds: number,
  concurrency: number,
): Measurement {
  const samples = [...latenciesMs].sort((a, b) => a - b);
  return {
    name,
    samples,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    opsPerSec: requests / seconds,
    load: { concurrency, requests, seconds },
  };
}

/** How a figure is shown: throughput, rate, or time per operation (median). */
export type Unit = 'MiB/s' | 'ops/s' | 'ms';

function value(m: Measurement, unit: Unit): number {
  switch (unit) {
    case 'MiB/s':
      return m.mibPerSec ?? Number.NaN;
    case 'ops/s':
      return m.opsPerSec;
    case 'ms':
      return m.p50;
  }
}

function format(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export interface Row {
  /** Stable id (e.g. `app.unlock_argon2_ratio`), kept across versions; `--only` filters on it. */
  id?: string;
  section: string;
  label: string;
  unit: Unit;
  value?: number;
  p99Ms?: number;
  /** Median latency, for load tests. */
  p50Ms?: number;
  baselineLabel?: string;
  baselineValue?: number;
  ratio?: number;
  note?: string;
}

export class Report {
  readonly rows: Row[] = [];
  #section = '';
  readonly #out: (line: string) => void;
  /** Id prefixes asked for with `--only` (empty: everything). */
  readonly only: readonly string[];

  constructor(
    out: (line: string) => void = (line) => console.log(line),
    only: readonly string[] = [],
  ) {
    this.#out = out;
    this.only = only;
  }

  /**
   * Whether the row `id` was asked for (`--only` prefixes; everything without `--only`). Modules
   * skip the work of rows nobody asked for; rows without an id are only printed without `--only`.
   */
  wants(id: string | undefined): boolean {
    if (this.only.length === 0) return true;
    return id !== undefined && this.only.some((prefix) => id.startsWith(prefix));
  }

  #sectionWanted = true;

  /** Starts a section; with `--only`, pass the ids it produces (its notes print only if wanted). */
  section(title: string, ids: readonly string[] = []): void {
    this.#section = title;
    this.#sectionWanted = ids.some((id) => this.wants(id));
    if (this.only.length > 0 && !this.#sectionWanted) return;
    this.#out('');
    this.#out(`== ${title}`);
  }

  /**
   * Print `subject` beside `baseline` in `unit`, with ratio = subject ÷ baseline (for MiB/s and
   * ops/s above 1 means faster than the baseline; for ms above 1 means slower).
   */
  compare(
    label: string,
    subject: Measurement,
    baseline: Measurement,
    unit: Unit,
    baselineLabel = baseline.name,
    id?: string,
  ): Row {
    const v = value(subject, unit);
    const b = value(baseline, unit);
    const row: Row = {
      ...(id !== undefined ? { id } : {}),
      section: this.#section,
      label,
      unit,
      value: v,
      p99Ms: subject.p99,
      baselineLabel,
      baselineValue: b,
      ratio: v / b,
    };
    if (subject.load) row.p50Ms = subject.p50;
    if (!this.wants(id)) return row;
    this.rows.push(row);
    const p99 =
      unit === 'ms'
        ? `  (p99 ${format(subject.p99)} ms, n=${subject.samples.length})`
        : subject.load
          ? `  (latency p50 ${format(subject.p50)} ms, p99 ${format(subject.p99)} ms, ` +
            `n=${subject.load.requests})`
          : '';
    this.#out(
      `  ${label.padEnd(48)} ${format(v).padStart(9)} ${unit.padEnd(5)}   ` +
        `baseline ${baselineLabel} ${format(b)} ${unit}   ratio ${format(v / b)}${p99}` +
        (id !== undefined ? `  [${id}]` : ''),
    );
    return row;
  }

  /** A figure with no baseline (avoid: prefer compare). */
  figure(label: string, subject: Measurement, unit: Unit, id?: string): Row {
    const v = value(subject, unit);
    const row: Row = {
      ...(id !== undefined ? { id } : {}),
      section: this.#section,
      label,
      unit,
      value: v,
      p99Ms: subject.p99,
    };
    if (!this.wants(id)) return row;
    this.rows.push(row);
    this.#out(
      `  ${label.padEnd(48)} ${format(v).padStart(9)} ${unit}` +
        (id !== undefined ? `  [${id}]` : ''),
    );
    return row;
  }

  /** A line of text, e.g. "SPAKE2+EE: not available". */
  note(text: string): void {
    if (this.only.length > 0 && !this.#sectionWanted) return;
    this.rows.push({ section: this.#section, label: text, unit: 'ms', note: text });
    this.#out(`  ${text}`);
  }
}

/** Build a Measurement from a Measurement scaled by k operations (e.g. "2 × Argon2id"). */
export function scaled(m: Measurement, k: number, name: string): Measurement {
  const samples = m.samples.map((s) => s * k);
  const result: Measurement = {
    name,
    samples,
    p50: m.p50 * k,
    p99: m.p99 * k,
    opsPerSec: m.opsPerSec / k,
  };
  if (m.mibPerSec !== undefined) result.mibPerSec = m.mibPerSec / k;
  return result;
}
