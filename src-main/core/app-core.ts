/**
 * The app core: plain Node, no Electron. It owns the data directory, the session (keys live
 * here only while unlocked), the embedded server, and the workspace watcher. Both the Electron
 * main process and the browser bridge host one AppCore and bind the IPC contract to it.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import { APP_NAME, APP_VERSION } from '../../src-shared/app-info.js';
import type { AppStatus, IpcEvent, IpcEventPayload } from '../../src-shared/ipc/contract.js';
import { BackboneError } from '../../src-shared/errors.js';
import { createCoreContext } from './core-context.js';
import { installKeyRegistry } from './key-registry.js';
import { EmergencyKitCheck } from './onboarding/emergency-kit.js';
import { JoinFlow } from './onboarding/join.js';
import { ServerManager } from './server/server-manager.js';
import type { CoreServices } from './services.js';
import type { Keychain } from './session/keychain.js';
import { SessionManager } from './session/session-manager.js';
import { NO_TEST_MODE, type TestMode } from './test-mode.js';
import type { Clipboard } from './vault/clipboard.js';
import { VaultService, type VaultServiceOptions } from './vault/vault-service.js';
import { CurrentWorkspace } from './workspace/current-workspace.js';
import { WorkspaceWatcher } from './workspace/workspace-watcher.js';

export interface AppCoreOptions {
  dataDir: string;
  runtime: AppStatus['runtime'];
  /** Version of the runtime's Node.js; defaults to this process's. */
  nodeVersion?: string;
  /** The OS keychain (Electron safeStorage); absent in browser mode. */
  keychain?: Keychain;
  /** The system clipboard (Electron); absent in browser mode (the renderer copies). */
  clipboard?: Clipboard;
  /** Vault tuning for tests (undo time, refresh delay, clipboard timers). */
  vault?: Omit<VaultServiceOptions, 'clipboard'>;
  /** Test-only switches (from `testModeFromEnv`, honoured only with NODE_ENV=test). */
  testMode?: TestMode;
  /** Diagnostics (never secrets). */
  log?: (message: string) => void;
}

export interface AppCoreEvents {
  statusChanged: [AppStatus];
  /** Any other IPC event for the renderer. */
  ipc: [IpcEvent, unknown];
}

export class AppCore extends EventEmitter<AppCoreEvents> {
  readonly dataDir: string;
  readonly runtime: AppStatus['runtime'];
  readonly services: CoreServices;
  private readonly nodeVersion: string;
  private state: AppStatus['core'] = 'starting';
  private startedAt = new Date();
  /** TESTS ONLY: removes the key registry's recorder (installed with NODE_ENV=test only). */
  private readonly removeKeyRegistry: (() => void) | undefined;

  constructor(options: AppCoreOptions) {
    super();
    const registryFile = options.testMode?.keyRegistryFile;
    this.removeKeyRegistry = registryFile ? installKeyRegistry(registryFile) : undefined;
    this.dataDir = options.dataDir;
    this.runtime = options.runtime;
    this.nodeVersion = options.nodeVersion ?? process.versions.node;
    const ctx = createCoreContext({
      dataDir: options.dataDir,
      runtime: options.runtime,
      testMode: options.testMode ?? NO_TEST_MODE,
      ...(options.keychain ? { keychain: options.keychain } : {}),
      emit: <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) =>
        this.emit('ipc', event, payload),
      ...(options.log ? { log: options.log } : {}),
    });
    const servers = new ServerManager(ctx);
    const session = new SessionManager(ctx, servers);
    const workspace = new CurrentWorkspace({ ctx, session });
    const vault = new VaultService(
      { ctx, session, workspace },
      { ...options.vault, ...(options.clipboard ? { clipboard: options.clipboard } : {}) },
    );
    const watcher = new WorkspaceWatcher({ ctx, session, vault });
    const join = new JoinFlow({ ctx, session, workspace });
    const kit = new EmergencyKitCheck({ ctx, session });
    session.addUnlockedService(vault);
    session.addUnlockedService(watcher);
    session.addUnlockedService(join);
    this.services = { ctx, servers, session, workspace, join, kit, watcher, vault };
  }

  get session(): SessionManager {
    return this.services.session;
  }

  /** Prepares the data directory (private to the user) and marks the core ready. */
  async start(): Promise<void> {
    try {
      await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      await fs.access(this.dataDir, fs.constants.R_OK | fs.constants.W_OK);
    } catch (cause) {
      throw new BackboneError(
        'INTERNAL',
        `The data directory ${this.dataDir} cannot be created or written. Check its permissions or choose another with --data-dir.`,
        { cause },
      );
    }
    await this.services.session.load();
    await this.services.servers.start();
    this.startedAt = new Date();
    this.setState('ready');
  }

  async stop(): Promise<void> {
    this.setState('stopping');
    // First, and awaited: a copied secret must not outlive the app (the lock below clears it
    // too, without waiting).
    await this.services.vault.clipboard?.clearNow();
    await this.services.vault.flushCache();
    await this.services.session.shutdown();
    await this.services.servers.stop();
    this.removeKeyRegistry?.();
  }

  status(): AppStatus {
    return {
      appName: APP_NAME,
      version: APP_VERSION,
      core: this.state,
      dataDir: this.dataDir,
      runtime: this.runtime,
      platform: `${os.platform()} ${os.arch()}`,
      nodeVersion: this.nodeVersion,
      startedAt: this.startedAt.toISOString(),
    };
  }

  private setState(state: AppStatus['core']): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('statusChanged', this.status());
  }
}
