/**
 * Entry point of browser mode: `node dist/bridge/main.js [--port N] [--data-dir DIR]`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../core/data-dir.js';
import { testModeFromEnv } from '../core/test-mode.js';
import { startBrowserMode } from './browser-mode.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'renderer-dir': { type: 'string' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not "${values.port}".`);
  }
  const mode = await startBrowserMode({
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(),
    rendererDir: values['renderer-dir'] ?? path.resolve(here, '../renderer'),
    port,
    testMode: testModeFromEnv(),
  });
  process.stdout.write(`Backbone is running in browser mode.\nOpen: ${mode.bridge.url}\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void mode.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Backbone could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
