/**
 * `npm run crashtest -- [--kills N] [--backend sqlite|postgres|both|none] [--seed S]
 * [--client-kills N] [--max-minutes M]`: the crash tests (docs/server.md, "Crash tests").
 * Defaults: 200 server kills per backend, 200 client-file kills, a random seed (printed).
 * `--max-minutes` stops each part after that long (the figures say how many kills ran).
 * Exits 1 if an acknowledged change was lost, a state was corrupt or a restart failed.
 */
import { cryptoReady } from '../src-shared/crypto/index.js';
import { startTestPostgres, type TestPostgres } from '../src-server/test/postgres-cluster.js';
import { runClientFiles } from '../src-main/core/crashtest/client-files.js';
import { runBackend, type BackendRunResult } from '../src-server/crashtest/server-crash.js';

interface Args {
  kills: number;
  backends: ('sqlite' | 'postgres')[];
  seed: number;
  clientKills: number;
  /** Stop starting new rounds after this many minutes (per part); 0: no limit. */
  maxMinutes: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    kills: 200,
    backends: ['sqlite', 'postgres'],
    seed: Date.now() % 2 ** 31,
    clientKills: 200,
    maxMinutes: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
      i++;
      return n;
    };
    if (flag === '--kills') args.kills = number();
    else if (flag === '--seed') args.seed = number();
    else if (flag === '--client-kills') args.clientKills = number();
    else if (flag === '--max-minutes') args.maxMinutes = number();
    else if (flag === '--backend') {
      i++;
      if (value === 'both') args.backends = ['sqlite', 'postgres'];
      else if (value === 'sqlite' || value === 'postgres') args.backends = [value];
      else if (value === 'none') args.backends = [];
      else throw new Error('--backend is sqlite, postgres, both or none');
    } else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

function report(r: BackendRunResult): string {
  return (
    `${r.backend}: ${r.kills} kills (${r.startupKills} during startup), ${r.operations} operations, ` +
    `${r.ackedChecked} acknowledged changes checked, lost ${r.lost.length}, ` +
    `corrupt ${r.corrupt.length}, failed restarts ${r.failedStarts.length}, ` +
    `unexpected errors ${r.unexpected.length}, ${r.seconds} s`
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  await cryptoReady();
  console.log(
    `crashtest: seed ${args.seed}, ${args.kills} kills per backend (${args.backends.join(', ')})`,
  );
  const results: BackendRunResult[] = [];
  let postgres: TestPostgres | undefined;
  try {
    for (const backend of args.backends) {
      let postgresUrl: string | undefined;
      if (backend === 'postgres') {
        postgres ??= await startTestPostgres();
        postgresUrl = await postgres.createDatabase();
      }
      const result = await runBackend({
        backend,
        kills: args.kills,
        seed: args.seed,
        postgresUrl,
        ...(args.maxMinutes > 0 ? { deadline: Date.now() + args.maxMinutes * 60_000 } : {}),
        log: (line) => console.log(line),
      });
      results.push(result);
      console.log(report(result));
      for (const line of [...result.lost, ...result.corrupt, ...result.failedStarts].slice(0, 20)) {
        console.log(`  ${line}`);
      }
      for (const line of result.unexpected.slice(0, 5)) console.log(`  unexpected: ${line}`);
    }
  } finally {
    await postgres?.stop();
  }
  let clientBad = false;
  if (args.clientKills > 0) {
    const client = await runClientFiles({
      kills: args.clientKills,
      seed: args.seed,
      ...(args.maxMinutes > 0 ? { deadline: Date.now() + args.maxMinutes * 60_000 } : {}),
      log: (line) => console.log(line),
    });
    console.log(
      `client files: ${client.kills} kills, ${client.writes} writes reported, ` +
        `${client.tornWrites} kills mid-write (temporary file left), ${client.filesChecked} files checked, ` +
        `corrupt ${client.corrupt.length}, ${client.seconds} s`,
    );
    for (const line of client.corrupt.slice(0, 20)) console.log(`  ${line}`);
    clientBad = client.corrupt.length > 0;
  }
  const bad = results.some((r) => r.lost.length + r.corrupt.length + r.failedStarts.length > 0);
  return bad || clientBad ? 1 : 0;
}

process.exitCode = await main();
