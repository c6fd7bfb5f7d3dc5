/**
 * The session: whether this device has an identity, whether its keys are in memory, and the SDK
 * client that uses them. Keys live here only while unlocked; `lock()` closes the client (which
 * wipes its keys) and wipes the core's own copy. Nothing here ever returns key material to the
 * IPC layer: `state()` is public facts only.
 *
 * Slow work (Argon2id) runs in a worker with progress events (`keyfile-crypto.ts`,
 * `progress.ts`), a warm one while locked (`argon2-worker.ts`); the auto-lock countdown is owned here (`auto-lock.ts`).
 */
import {
  cryptoReady,
  PWHASH_DEFAULT_PARAMS,
  randomBytes,
  sodium,
  type KdfKey,
} from '../../../src-shared/crypto/index.js';
import { BackboneError, isBackboneError } from '../../../src-shared/errors.js';
import type { SessionState, VerificationStatus } from '../../../src-shared/ipc/contract.js';
import { BackboneClient } from '../../../src-shared/sdk/client.js';
import { VerificationError } from '../../../src-shared/sdk/workspaces.js';
import { workspaceFingerprint } from '../../../src-shared/workspace/membership-log.js';
import type { CoreContext } from '../core-context.js';
import type { ServerManager } from '../server/server-manager.js';
import { argon2idOffThread, prewarmArgon2, retireArgon2 } from './argon2-worker.js';
import { AutoLock, type TimerApi } from './auto-lock.js';
import {
  keyfileParams,
  openKeyfileWithKey,
  unlockKeyfileOffThread,
  wipeSecrets,
  type KeyfileSecrets,
} from './keyfile-crypto.js';
import { QuickUnlockStore } from './keychain.js';
import { ProgressReporter } from './progress.js';

/** Things that run only while unlocked (push channel, join watcher); restarted on changes. */
export interface UnlockedServices {
  start(): Promise<void> | void;
  stop(): void;
}

/** What a state change may say about itself while it runs (`SessionManager.transition`). */
export interface TransitionScope {
  /**
   * The change has happened (an identity saved, a workspace made current): if the rest of the
   * work fails, the services still restart and the renderer still hears of it before the error
   * is thrown.
   */
  committed(): void;
}

export interface TransitionOptions {
  /** Restart the unlocked services afterwards (they follow server, workspace, join); default yes. */
  restart?: boolean;
  /** Send `session.changed` afterwards; default yes. */
  announce?: boolean;
}

/** Did the server serve something that does not verify (fork, rollback, bad signature…)? */
export function isVerificationFailure(error: unknown): error is BackboneError {
  return error instanceof VerificationError || isBackboneError(error, 'SERVER_KEY_CHANGED');
}

export class SessionManager {
  readonly progress: ProgressReporter;
  readonly quickUnlockStore: QuickUnlockStore;
  readonly autoLock: AutoLock;
  #secrets: KeyfileSecrets | undefined;
  #client: BackboneClient | undefined;
  #services: UnlockedServices[] = [];
  #verifiedAt: string | null = null;
  #lock: Promise<unknown> = Promise.resolve();
  #timings = new Map<string, number>();
  /** Timings measured since the last save: written once a request succeeded (`saveTimings`). */
  #unsavedTimings = new Map<string, number>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly servers: ServerManager,
    timers?: TimerApi,
  ) {
    this.progress = new ProgressReporter((event) => ctx.emit('session.progress', event), {
      get: (key) => this.#timings.get(key),
      set: (key, ms) => {
        this.#timings.set(key, ms);
        this.#unsavedTimings.set(key, ms);
      },
    });
    this.quickUnlockStore = new QuickUnlockStore(ctx.dataDir, ctx.keychain);
    this.autoLock = new AutoLock(() => void this.lock(), timers);
  }

  async load(): Promise<void> {
    const state = await this.ctx.appState.read();
    for (const [key, ms] of Object.entries(state.kdfTimings)) this.#timings.set(key, ms);
    await this.#prewarm();
  }

  /**
   * While locked, a warm Argon2id worker waits for the password (`argon2-worker.ts`), its heap
   * grown to the keyfile's memory size (the floor before there is a keyfile; nothing in the
   * test-only weak-KDF mode before there is one). In the background: never delays the caller.
   */
  async #prewarm(): Promise<void> {
    if (this.unlocked) return;
    let memlimit: number | undefined;
    if (await this.ctx.profile.hasKeyfile()) {
      memlimit = keyfileParams(await this.ctx.profile.readKeyfile()).memlimit;
    } else if (!this.ctx.testMode.weakKdf) {
      memlimit = PWHASH_DEFAULT_PARAMS.memlimit;
    }
    if (memlimit !== undefined && !this.unlocked) void prewarmArgon2(memlimit);
  }

  /**
   * Writes the Argon2id timings measured since the last save to app-state.json. Called once a
   * request succeeded (ipc-handlers.ts): a refused request (say, the password checked, then the
   * server refused) changes no file; its timings are kept in memory and saved with the next
   * request that succeeds.
   */
  async saveTimings(): Promise<void> {
    if (this.#unsavedTimings.size === 0) return;
    const unsaved = Object.fromEntries(this.#unsavedTimings);
    this.#unsavedTimings.clear();
    try {
      await this.ctx.appState.update((s) => ({
        ...s,
        kdfTimings: { ...s.kdfTimings, ...unsaved },
      }));
    } catch (error) {
      this.ctx.log(`timings not saved: ${error instanceof Error ? error.message : ''}`);
    }
  }

  /** Services started when keys arrive, stopped on lock. */
  addUnlockedService(service: UnlockedServices): void {
    this.#services.push(service);
  }

  get unlocked(): boolean {
    return this.#secrets !== undefined;
  }

  /** One state change at a time (unlock, lock, onboarding steps). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * One state change, the way every one is made: `work` runs alone (`exclusive`); once it
   * succeeded the unlocked services restart, the renderer hears `session.changed`, and the new
   * state is the answer. A `work` that fails before `scope.committed()` changed nothing: no
   * restart, no event, the error as it was. A `work` that finds nothing to do returns
   * `'unchanged'`: the state is the answer, nothing restarts, nothing is announced.
   */
  transition(
    work: (scope: TransitionScope) => Promise<void | 'unchanged'>,
    options: TransitionOptions = {},
  ): Promise<SessionState> {
    return this.exclusive(async () => {
      let committed = false;
      let outcome: void | 'unchanged';
      try {
        outcome = await work({ committed: () => (committed = true) });
      } catch (error) {
        if (committed) await this.#settle(options);
        throw error;
      }
      if (outcome !== 'unchanged') await this.#settle(options);
      return this.state();
    });
  }

  async #settle({ restart = true, announce = true }: TransitionOptions): Promise<void> {
    if (restart) await this.restartServices();
    if (announce) await this.emitChanged();
  }

  async hasIdentity(): Promise<boolean> {
    const data = await this.ctx.profile.read();
    return data.identity !== undefined && (await this.ctx.profile.hasKeyfile());
  }

  async state(): Promise<SessionState> {
    const [data, app, settings, server] = await Promise.all([
      this.ctx.profile.read(),
      this.ctx.appState.read(),
      this.ctx.settings.read(),
      this.servers.current(),
    ]);
    const hasIdentity = data.identity !== undefined && (await this.ctx.profile.hasKeyfile());
    let workspace: SessionState['setup']['workspace'] = null;
    if (data.workspace && data.username && server) {
      const pin = await this.ctx.store.getWorkspacePin(server.serverId, data.workspace);
      if (pin) {
        workspace = {
          id: data.workspace,
          displayName: app.workspaceDisplayName ?? data.workspace,
          username: data.username,
          fingerprint: workspaceFingerprint(pin.genesisHash),
        };
      }
    }
    const passwordAccess =
      workspace !== null &&
      server !== null &&
      app.passwordAccess.some(
        (p) =>
          p.serverId === server.serverId &&
          p.workspace === workspace.id &&
          p.username === workspace.username,
      );
    let quickUnlock = false;
    if (hasIdentity && settings.quickUnlock && this.quickUnlockStore.available) {
      quickUnlock = await this.quickUnlockStore.enrolledFor(await this.ctx.profile.readKeyfile());
    }
    const verification: VerificationStatus = app.verificationFailure
      ? { ok: false, ...app.verificationFailure }
      : { ok: true, at: this.#verifiedAt };
    return {
      state: !hasIdentity ? 'none' : this.unlocked ? 'unlocked' : 'locked',
      identity: data.identity
        ? {
            address: data.identity.address,
            safetyNumber: data.identity.safetyNumber,
            displayName: data.identity.displayName,
            deviceName: data.identity.deviceName,
          }
        : null,
      setup: {
        kitConfirmed: app.kitConfirmed,
        server,
        workspace,
        join: this.#joinView,
      },
      passwordAccess,
      quickUnlock,
      autoLockMinutes: settings.autoLockMinutes,
      verification,
    };
  }

  /** Set by the join flow (public data: invitation text, QR, safety number). */
  #joinView: SessionState['setup']['join'] = null;
  setJoinView(view: SessionState['setup']['join']): void {
    this.#joinView = view;
  }

  async emitChanged(): Promise<void> {
    this.ctx.emit('session.changed', await this.state());
  }

  // --- unlocking -------------------------------------------------------------------------------

  unlock(password: string): Promise<SessionState> {
    return this.transition(async () => {
      if (!(await this.hasIdentity())) {
        throw new BackboneError(
          'SESSION_WRONG_STATE',
          'There is no identity on this device yet. Create one or restore it first.',
        );
      }
      if (this.unlocked) return 'unchanged';
      await cryptoReady();
      const keyfile = await this.ctx.profile.readKeyfile();
      const opened = await this.progress.run(
        'unlock',
        'Checking your password…',
        [keyfileParams(keyfile)],
        () => unlockKeyfileOffThread(keyfile, password, { weakKdf: this.ctx.testMode.weakKdf }),
      );
      sodium().memzero(opened.key);
      await this.adopt({
        rootSecret: opened.rootSecret,
        deviceSignKeyPair: opened.deviceSignKeyPair,
      });
    });
  }

  quickUnlock(): Promise<SessionState> {
    return this.transition(async () => {
      if (this.unlocked) return 'unchanged';
      const settings = await this.ctx.settings.read();
      if (!settings.quickUnlock || !this.quickUnlockStore.available) {
        throw new BackboneError(
          'KEYCHAIN_UNAVAILABLE',
          'Quick unlock is off on this device. Unlock with your password.',
        );
      }
      await cryptoReady();
      const keyfile = await this.ctx.profile.readKeyfile();
      const key = await this.quickUnlockStore.key(keyfile);
      try {
        await this.adopt(openKeyfileWithKey(keyfile, key));
      } finally {
        sodium().memzero(key);
      }
    });
  }

  /**
   * Takes ownership of unlocked keys (the caller must not wipe them): builds the SDK client and
   * starts auto-lock. Runs inside a transition, which then starts the unlocked services. Also
   * used right after creating or restoring an identity.
   */
  async adopt(secrets: KeyfileSecrets): Promise<void> {
    if (this.#secrets && this.#secrets !== secrets) wipeSecrets(this.#secrets);
    this.#secrets = secrets;
    // Unlocked: the warm worker's 256 MiB go back to the system until the next lock.
    retireArgon2();
    await this.rebuildClient();
    const settings = await this.ctx.settings.read();
    this.autoLock.start(settings.autoLockMinutes);
  }

  async lock(): Promise<SessionState> {
    // The lock stops every unlocked service itself; then a warm Argon2id worker waits for the
    // next unlock.
    const state = await this.transition(async () => this.#lockNow(), { restart: false });
    await this.#prewarm().catch(() => undefined);
    return state;
  }

  #lockNow(): void {
    for (const service of this.#services) service.stop();
    this.autoLock.stop();
    this.#client?.close();
    this.#client = undefined;
    wipeSecrets(this.#secrets);
    this.#secrets = undefined;
    this.#joinView = null;
  }

  /** The user did something: the auto-lock countdown starts over. */
  activity(): void {
    this.autoLock.touch();
  }

  async restartServices(): Promise<void> {
    for (const service of this.#services) service.stop();
    if (!this.unlocked) return;
    for (const service of this.#services) await service.start();
  }

  // --- the SDK client --------------------------------------------------------------------------

  /**
   * Recreates the SDK client (after the server or workspace changed). The new client replaces
   * the old one in one step, after the profile was read, so a request running meanwhile always
   * finds a client (the old one until the swap).
   */
  async rebuildClient(): Promise<void> {
    const secrets = this.#secrets;
    const data = secrets ? await this.ctx.profile.read() : undefined;
    const previous = this.#client;
    // Locked while the profile was read: the lock already dropped the client.
    if (secrets !== this.#secrets) return;
    this.#client =
      secrets && data && data.server !== undefined && data.identity !== undefined
        ? new BackboneClient({
            server: data.server,
            ...(data.workspace !== undefined ? { workspace: data.workspace } : {}),
            ...(data.username !== undefined ? { username: data.username } : {}),
            privateKey: secrets,
            deviceCertificate: this.ctx.profile.deviceCertificate(data),
            device: { name: data.identity.deviceName, platform: process.platform },
            identity: data.identity.address,
            displayName: data.identity.displayName,
            store: this.ctx.store,
            http: { timeoutMs: 30_000 },
            argon2id: argon2idOffThread,
            ...(this.ctx.testMode.weakKdf
              ? { testOnly: { weakKdf: true, passwordAccessRandom: randomBytes } }
              : {}),
          })
        : undefined;
    previous?.close();
  }

  /** The SDK client; `SESSION_LOCKED` when locked, `SESSION_WRONG_STATE` before a server is chosen. */
  client(): BackboneClient {
    if (!this.unlocked) {
      throw new BackboneError(
        'SESSION_LOCKED',
        'Backbone is locked. Unlock it with your password.',
      );
    }
    if (!this.#client) {
      throw new BackboneError('SESSION_WRONG_STATE', 'Choose a server first.');
    }
    return this.#client;
  }

  /** Runs `task` with the root secret (onboarding shows the Emergency Kit from it). */
  withRootSecret<T>(task: (rootSecret: KdfKey) => T): T {
    if (!this.#secrets) {
      throw new BackboneError(
        'SESSION_LOCKED',
        'Backbone is locked. Unlock it with your password.',
      );
    }
    return task(this.#secrets.rootSecret);
  }

  /**
   * Runs a workspace operation and records verification failures (fork, rollback, bad
   * signature, changed server key) so the UI can warn loudly; the error still reaches the caller.
   */
  async verified<T>(task: (client: BackboneClient) => Promise<T>): Promise<T> {
    const client = this.client();
    try {
      const result = await task(client);
      this.#verifiedAt = new Date().toISOString();
      return result;
    } catch (error) {
      if (isVerificationFailure(error)) {
        await this.ctx.appState.update((s) => ({
          ...s,
          verificationFailure: {
            code: error.code,
            message: error.message,
            at: new Date().toISOString(),
          },
        }));
        await this.emitChanged();
      }
      throw error;
    }
  }

  async dismissVerificationWarning(): Promise<SessionState> {
    await this.ctx.appState.update((s) => ({ ...s, verificationFailure: null }));
    await this.emitChanged();
    return this.state();
  }

  /** A bearer token for the push channel (logs in again if the stored one is missing or old). */
  async token(): Promise<string> {
    const client = this.client();
    const data = await this.ctx.profile.read();
    const address = data.identity?.address;
    if (!address) throw new BackboneError('SESSION_WRONG_STATE', 'There is no identity yet.');
    const pin = await client.server();
    let stored = await this.ctx.store.getToken(pin.serverId, address);
    if (!stored || Date.parse(stored.expiresAt) < Date.now() + 60_000) {
      await client.authenticate();
      stored = await this.ctx.store.getToken(pin.serverId, address);
    }
    if (!stored) throw new BackboneError('AUTH_REQUIRED', 'Could not log in to the server.');
    return stored.token;
  }

  /** Stops everything (core shutdown). */
  async shutdown(): Promise<void> {
    await this.exclusive(async () => this.#lockNow());
    retireArgon2();
  }
}
