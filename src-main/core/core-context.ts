/**
 * What every area of the app core shares: the data directory and its files, the test-only
 * switches, the optional OS keychain, and the event sink towards the renderer.
 *
 * Layout of the data directory:
 *
 *   profile/          the identity, exactly as the `backbone` CLI keeps a profile
 *                     (keyfile.json, profile.json, pins.json, tokens.json; src-shared/node/profile.ts),
 *                     so `backbone --home <dataDir>/profile …` works on the app's identity
 *   settings.json     the user's settings (settings/settings-store.ts)
 *   app-state.json    onboarding progress, server choice, pending join (profile/app-state.ts)
 *   quick-unlock.json the keyfile key sealed by the OS keychain, when enabled (session/keychain.ts)
 *   server/           the embedded server's SQLite database and keys, when it is used
 *   cache/            the encrypted offline copy of each workspace's store (vault/offline-cache.ts)
 */
import os from 'node:os';
import path from 'node:path';
import { Profile, type ProfileStore } from '../../src-shared/node/profile.js';
import type { IpcEvent, IpcEventPayload } from '../../src-shared/ipc/contract.js';
import { appStateFile, type AppState } from './profile/app-state.js';
import type { JsonFile } from './profile/json-file.js';
import type { Keychain } from './session/keychain.js';
import { settingsFile, type StoredSettings } from './settings/settings-store.js';
import type { TestMode } from './test-mode.js';

export type CoreEventSink = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) => void;

export interface CoreContext {
  readonly dataDir: string;
  readonly runtime: 'electron' | 'browser';
  readonly testMode: TestMode;
  readonly profile: Profile;
  readonly store: ProfileStore;
  readonly appState: JsonFile<AppState>;
  readonly settings: JsonFile<StoredSettings>;
  readonly keychain: Keychain | undefined;
  readonly deviceName: string;
  emit: CoreEventSink;
  /** Diagnostics without secrets. */
  log(message: string): void;
}

export function createCoreContext(options: {
  dataDir: string;
  runtime: 'electron' | 'browser';
  testMode: TestMode;
  keychain?: Keychain;
  emit: CoreEventSink;
  log?: (message: string) => void;
}): CoreContext {
  const profile = new Profile(path.join(options.dataDir, 'profile'));
  return {
    dataDir: options.dataDir,
    runtime: options.runtime,
    testMode: options.testMode,
    profile,
    store: profile.store(),
    appState: appStateFile(options.dataDir),
    settings: settingsFile(options.dataDir),
    keychain: options.keychain,
    deviceName:
      options.runtime === 'electron'
        ? `Backbone Desktop (${os.platform()})`
        : `Backbone browser mode (${os.platform()})`,
    emit: options.emit,
    log: options.log ?? (() => undefined),
  };
}

export function embeddedServerDir(dataDir: string): string {
  return path.join(dataDir, 'server');
}
