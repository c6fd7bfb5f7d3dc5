/**
 * `backbone serve`: runs the Backbone server until SIGINT/SIGTERM.
 *
 *   backbone serve [--host 127.0.0.1] [--port 8420] [--data DIR] [--postgres URL] …
 *
 * Every flag has an environment variable (see docs/server.md); flags win. The server code loads
 * only when this command runs.
 */
import { Command, Option } from 'commander';
import type { ServeFlags } from '../../src-server/config.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the Backbone server (SQLite in a data directory, or PostgreSQL)')
    .option('--host <host>', 'address to listen on (BACKBONE_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 = any free port (BACKBONE_PORT, default 8420)')
    .option(
      '--public-url <urls>',
      'origin(s) clients use to reach this server, comma-separated, e.g. the TLS proxy (BACKBONE_PUBLIC_URL; default: the address it listens on)',
    )
    .option('--data <dir>', 'data directory for SQLite and the server keys (BACKBONE_DATA)')
    .option('--postgres <url>', 'use PostgreSQL at this URL (BACKBONE_POSTGRES_URL)')
    .option('--body-limit <bytes>', 'largest request body (BACKBONE_BODY_LIMIT, default 262144)')
    .addOption(
      new Option('--log-level <level>', 'log level (BACKBONE_LOG_LEVEL, default info)').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .option('--trust-proxy', 'trust X-Forwarded-For (only behind a reverse proxy)')
    .option('--rate-limit-ip <n>', 'requests per minute per IP (BACKBONE_RATE_LIMIT_IP)')
    .option(
      '--rate-limit-auth <n>',
      'login/registration requests per minute per IP (BACKBONE_RATE_LIMIT_AUTH)',
    )
    .option(
      '--rate-limit-account <n>',
      'requests per minute per identity (BACKBONE_RATE_LIMIT_ACCOUNT)',
    )
    .option('--request-timeout <ms>', 'request timeout in ms (BACKBONE_REQUEST_TIMEOUT)')
    .option('--no-metrics', 'do not serve /metrics (BACKBONE_METRICS=0)')
    .option(
      '--metrics-token <token>',
      'serve /metrics only with this bearer token (prefer BACKBONE_METRICS_TOKEN: flags show in ps)',
    )
    .option(
      '--event-retention-days <n>',
      'keep push-channel events this many days, 1 to 3650 (BACKBONE_EVENT_RETENTION_DAYS, default 30)',
    )
    .option(
      '--password-opslimit <n>',
      'password access Argon2id passes, 3 to 8 (BACKBONE_PASSWORD_OPSLIMIT, default 3)',
    )
    .option(
      '--password-memlimit-mib <n>',
      'password access Argon2id memory, 256 to 512 MiB, passes × MiB ≤ 2048 (BACKBONE_PASSWORD_MEMLIMIT_MIB, default 256)',
    )
    .action(async (flags: ServeFlags & { metrics?: boolean }) => {
      const { resolveServerConfig } = await import('../../src-server/config.js');
      const { startServer, stopOnSignals } = await import('../../src-server/main.js');
      // commander sets metrics=true by default for --no-metrics; only pass it when turned off
      // so BACKBONE_METRICS still applies.
      const { metrics, ...rest } = flags;
      try {
        const config = resolveServerConfig(metrics === false ? { ...rest, metrics } : rest);
        const server = await startServer(config);
        stopOnSignals(server, config);
      } catch (error) {
        process.stderr.write(`backbone serve: ${describeStartError(error)}\n`);
        process.exit(1);
      }
    });
}

function describeStartError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return 'that address and port are already in use (try --port).';
  if (code === 'EACCES') return 'not allowed to listen on that port or to use that directory.';
  return error instanceof Error ? error.message : String(error);
}
