/**
 * The server the crash test kills: run as a child process (`node --import tsx serve-entry.ts
 * <dataDir> [postgresUrl]`). It is the real server — `openStorage` + `buildServer` + listen,
 * exactly as `main.ts` starts it — with two test settings: limits out of the way, and password
 * access with the test-only cheap Argon2id parameters (so a registration costs milliseconds,
 * not a second, on a loaded machine). Prints `listening <url>` on stdout once it listens.
 */
import { cryptoReady, randomBytes } from '../../src-shared/crypto/index.js';
import { buildServer } from '../app.js';
import { createLogger } from '../logger.js';
import { openStorage } from '../storage/open.js';
import { testConfig } from '../test/harness.js';
import { exitWithParent } from './orphan-guard.js';
import { CRASH_PASSWORD_ACCESS_PARAMS } from './params.js';

const [dataDir, postgresUrl] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: serve-entry.ts <dataDir> [postgresUrl]\n');
  process.exit(64);
}
const port = Number(process.env.CRASHTEST_PORT ?? '0');

exitWithParent();
await cryptoReady();
const storage = await openStorage({ dataDir, postgresUrl: postgresUrl || undefined });
const app = buildServer({
  config: testConfig(dataDir, { port, postgresUrl: postgresUrl || undefined, logLevel: 'warn' }),
  storage,
  logger: createLogger('warn'),
  closeStorage: true,
  testOnlyPasswordAccess: { random: randomBytes, params: CRASH_PASSWORD_ACCESS_PARAMS },
});
await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
const actual = typeof address === 'object' && address ? address.port : port;
process.stdout.write(`listening http://127.0.0.1:${actual}\n`);
