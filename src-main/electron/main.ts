/**
 * Electron main process: a thin shell around the app core.
 * Single instance; one hardened window; the renderer from app://backbone; IPC bound to the core.
 */
import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppCore } from '../core/app-core.js';
import { APP_ID } from '../../src-shared/app-info.js';
import { createIpcDispatcher } from '../core/ipc-dispatcher.js';
import { createIpcHandlers, forwardCoreEvents } from '../core/ipc-handlers.js';
import { withPlantedKey } from '../core/planted-key.js';
import { testModeFromEnv } from '../core/test-mode.js';
import { recordEvent, recordingDispatcher, trafficRecorder } from '../core/test-traffic.js';
import { APP_ENTRY_URL, handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { electronClipboard } from './clipboard.js';
import { hardenSessions } from './hardening.js';
import { bindIpc, sendEvent } from './ipc-binding.js';
import { safeStorageKeychain } from './keychain.js';
import { lockOnSleepAndScreenLock } from './power-lock.js';
import { quitAfterCoreStop } from './quit.js';
import { hardenedWebPreferences } from './web-preferences.js';
import { WindowStateKeeper } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = path.resolve(here, '../renderer');
const PRELOAD = path.resolve(here, '../preload/preload.cjs');

let mainWindow: BrowserWindow | null = null;

function createWindow(windowState: WindowStateKeeper): BrowserWindow {
  const initial = windowState.initial();
  const window = new BrowserWindow({
    ...initial.bounds,
    minWidth: 480,
    minHeight: 360,
    show: false,
    title: 'Backbone',
    backgroundColor: '#15171b',
    webPreferences: hardenedWebPreferences(PRELOAD),
  });
  if (initial.maximized) window.maximize();
  windowState.track(window);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

async function main(): Promise<void> {
  app.setAppUserModelId(APP_ID);
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  await app.whenReady();
  hardenSessions();
  handleAppProtocol(RENDERER_DIR);

  // Test-only switches, honoured only with NODE_ENV=test (test-mode.ts).
  const testMode = testModeFromEnv();
  const record = testMode.ipcRecordFile ? trafficRecorder(testMode.ipcRecordFile) : undefined;
  const core = new AppCore({
    // BACKBONE_DATA_DIR (as in browser mode) or Electron's per-user folder.
    dataDir: process.env.BACKBONE_DATA_DIR
      ? path.resolve(process.env.BACKBONE_DATA_DIR)
      : app.getPath('userData'),
    runtime: 'electron',
    testMode,
    keychain: safeStorageKeychain(),
    clipboard: electronClipboard(),
    log: (message) => console.error(message),
  });
  await core.start();
  lockOnSleepAndScreenLock(() => void core.session.lock());
  const dispatch = createIpcDispatcher(createIpcHandlers(core), {
    onUnexpectedError: (error, channel) =>
      console.error(`unexpected error on ${channel}: ${error instanceof Error ? error.name : ''}`),
  });
  bindIpc(
    recordingDispatcher(withPlantedKey(dispatch, testMode.plantKey === true), record),
    () => mainWindow,
  );
  forwardCoreEvents(core, (event, payload) => {
    recordEvent(record, event, payload);
    sendEvent(mainWindow, event, payload);
  });

  const windowState = new WindowStateKeeper();
  mainWindow = createWindow(windowState);
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow(windowState);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quitting waits (at most 5 s) for the core to clear the clipboard, flush and lock.
  quitAfterCoreStop(app, { stop: () => core.stop(), log: (message) => console.error(message) });
}

main().catch((error: unknown) => {
  console.error('Backbone failed to start:', error instanceof Error ? error.message : error);
  app.exit(1);
});
