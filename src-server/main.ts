/**
 * Starting and stopping a real server: open the storage (SQLite in the data directory, or
 * PostgreSQL), build the app, listen, print the URL; on SIGINT/SIGTERM stop accepting
 * connections, let in-flight requests finish (at most `shutdownTimeoutMs`), close the database
 * and exit.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { cryptoReady } from '../src-shared/crypto/index.js';
import { buildServer } from './app.js';
import type { ServerConfig } from './config.js';
import type { App } from './context.js';
import { createLogger } from './logger.js';
import { redactPostgresUrl } from './storage/postgres-url.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/storage.js';

export interface RunningServer {
  app: App;
  storage: Storage;
  /** `http://host:port` it listens on. */
  url: string;
  /** Graceful stop: stop accepting, finish in-flight requests, close the database. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  logger?: Logger;
  /** Where the "listening on" line goes (default: stdout). */
  print?: (line: string) => void;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(
  config: ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  await cryptoReady();
  if (!config.postgresUrl) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const storage = await openStorage({
    dataDir: config.dataDir,
    postgresUrl: config.postgresUrl,
    onPoolError: (error) => logger.warn({ err: error }, 'PostgreSQL connection error'),
  });
  let app: App;
  try {
    app = buildServer({ config, storage, logger, closeStorage: true });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${urlHost(config.host)}:${port}`;
  logger.info(
    {
      url,
      storage: storage.backend,
      ...(config.postgresUrl
        ? { postgres: redactPostgresUrl(config.postgresUrl) }
        : { dataDir: config.dataDir }),
    },
    'server started',
  );
  print(`Backbone server listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    app,
    storage,
    url,
    close() {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}

/**
 * Runs until SIGINT or SIGTERM, then shuts down gracefully. A second signal, or in-flight
 * requests outlasting `shutdownTimeoutMs`, ends the process at once (exit code 1).
 */
export function stopOnSignals(
  server: RunningServer,
  config: ServerConfig,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.app.log.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      server.app.log.error('shutdown took too long: exiting now');
      exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    server
      .close()
      .then(() => {
        clearTimeout(timer);
        server.app.log.info('stopped');
        exit(0);
      })
      .catch((error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
