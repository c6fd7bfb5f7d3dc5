/**
 * Starts the app core behind the browser bridge. Used by `npm start` when Electron cannot run,
 * and by the end-to-end tests. Prints the URL (with its secret token) to open in a browser.
 */
import { AppCore } from '../core/app-core.js';
import { NO_TEST_MODE, type TestMode } from '../core/test-mode.js';
import { createIpcDispatcher } from '../core/ipc-dispatcher.js';
import { createIpcHandlers, forwardCoreEvents } from '../core/ipc-handlers.js';
import { withPlantedKey } from '../core/planted-key.js';
import { trafficRecorder } from '../core/test-traffic.js';
import { startBridgeServer, type BridgeServer } from './bridge-server.js';

export interface BrowserModeOptions {
  dataDir: string;
  rendererDir: string;
  port?: number;
  /** Where unexpected errors are reported (never with secrets). */
  log?: (message: string) => void;
  /** Test-only switches (`testModeFromEnv()`: honoured only with NODE_ENV=test). */
  testMode?: TestMode;
}

export interface BrowserMode {
  core: AppCore;
  bridge: BridgeServer;
  stop(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const testMode = options.testMode ?? NO_TEST_MODE;
  const core = new AppCore({
    dataDir: options.dataDir,
    runtime: 'browser',
    testMode,
    log: (message) => log(message),
  });
  await core.start();
  const dispatch = withPlantedKey(
    createIpcDispatcher(createIpcHandlers(core), {
      onUnexpectedError: (error, channel) =>
        log(`unexpected error on ${channel}: ${error instanceof Error ? error.name : 'unknown'}`),
    }),
    testMode.plantKey === true,
  );
  const bridge = await startBridgeServer({
    dispatch,
    rendererDir: options.rendererDir,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(testMode.ipcRecordFile !== undefined
      ? { testOnlyRecordTraffic: trafficRecorder(testMode.ipcRecordFile) }
      : {}),
  });
  const stopForwarding = forwardCoreEvents(core, (event, payload) =>
    bridge.broadcast(event, payload),
  );
  return {
    core,
    bridge,
    async stop() {
      await core.stop();
      stopForwarding();
      await bridge.close();
    },
  };
}
