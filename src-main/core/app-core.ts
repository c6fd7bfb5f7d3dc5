/**
 * The app core: plain Node, no Electron. It owns the data directory and (in later issues) the
 * keyring, vault cache and sync engine. Both the Electron main process and the browser bridge
 * host one AppCore and bind the IPC contract to it.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import { APP_NAME, APP_VERSION } from './app-info.js';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import { BackboneError } from '../../src-shared/errors.js';

export interface AppCoreOptions {
  dataDir: string;
  runtime: AppStatus['runtime'];
  /** Version of the runtime's Node.js; defaults to this process's. */
  nodeVersion?: string;
}

export interface AppCoreEvents {
  statusChanged: [AppStatus];
}

export class AppCore extends EventEmitter<AppCoreEvents> {
  readonly dataDir: string;
  readonly runtime: AppStatus['runtime'];
  private readonly nodeVersion: string;
  private state: AppStatus['core'] = 'starting';
  private startedAt = new Date();

  constructor(options: AppCoreOptions) {
    super();
    this.dataDir = options.dataDir;
    this.runtime = options.runtime;
    this.nodeVersion = options.nodeVersion ?? process.versions.node;
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
    this.startedAt = new Date();
    this.setState('ready');
  }

  async stop(): Promise<void> {
    this.setState('stopping');
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
