/**
 * The store browser's side of the core: the current workspace's store through the SDK
 * (`client.vault`, `client.entry`), with
 *
 * - an encrypted offline copy (offline-cache.ts) saved after every snapshot from the server, and
 *   used for `snapshot` and `reveal` when the server cannot be reached (writes then fail with
 *   `OFFLINE`); the copy also seeds the SDK's listing memo after an unlock, so the first listing
 *   of a large store does not repeat the public-key work;
 * - the connection state (connection.ts) and `vault.changed` events: `local` after this
 *   device's writes, `remote` for push events about someone else's change (coalesced);
 * - the clipboard (clipboard.ts) and the undo of deletions (pending-deletes.ts), both wiped on
 *   lock.
 *
 * Values leave the core only in `reveal` and in `copy` without a clipboard port (browser mode).
 */
import path from 'node:path';
import { fromUtf8, sodium, utf8 } from '../../../src-shared/crypto/index.js';
import type { ServerEvent } from '../../../src-shared/api/events.js';
import { BackboneError, isBackboneError } from '../../../src-shared/errors.js';
import type {
  ConnectionState,
  CopyResponse,
  IpcRequest,
  IpcResponse,
  RevealedEntry,
  RevokeResponse,
  SharingView,
  VaultEntry,
  VaultNamespace,
  VaultSnapshot,
} from '../../../src-shared/ipc/contract.js';
import type { BackboneClient } from '../../../src-shared/sdk/client.js';
import { isUnreachable, storeCopySchema, type StoreCopy } from '../../../src-shared/sdk/vault.js';
import type { CoreContext } from '../core-context.js';
import type { SessionManager, UnlockedServices } from '../session/session-manager.js';
import type { CurrentWorkspace } from '../workspace/current-workspace.js';
import { ClipboardGuard, type Clipboard, type ClipboardTimers } from './clipboard.js';
import { ConnectionTracker } from './connection.js';
import { OfflineCache, deriveCacheKey, type CacheOwner } from './offline-cache.js';
import { PendingDeletes } from './pending-deletes.js';
import { explainRevocation } from './revoke-explanation.js';
import { toEntry, toNamespace, toRevealed, toSharing, toSnapshot } from './vault-views.js';

export const DEFAULT_UNDO_SECONDS = 10;

export interface VaultServiceOptions {
  /** The system clipboard (Electron); absent in browser mode. */
  clipboard?: Clipboard;
  /** Test hook for the clipboard's clear timer. */
  clipboardTimers?: ClipboardTimers;
  /** How long a deleted entry can be restored. */
  undoSeconds?: number;
  /** Delay before the offline copy is refreshed in the background after a change. */
  refreshDelayMs?: number;
}

export interface VaultServiceDeps {
  ctx: Pick<CoreContext, 'dataDir' | 'profile' | 'appState' | 'settings' | 'emit' | 'log'>;
  session: Pick<SessionManager, 'unlocked' | 'client' | 'verified' | 'withRootSecret'>;
  workspace: Pick<CurrentWorkspace, 'id' | 'list' | 'open'>;
}

interface Owner extends CacheOwner {
  client: BackboneClient;
}

export class VaultService implements UnlockedServices {
  readonly connection: ConnectionTracker;
  readonly cache: OfflineCache;
  readonly clipboard: ClipboardGuard | undefined;
  readonly undoSeconds: number;
  readonly #deletes = new PendingDeletes();
  readonly #refreshDelayMs: number;
  #inflight: Promise<VaultSnapshot> | undefined;
  #writes: Promise<void> = Promise.resolve();
  /** Cache files whose checks already seeded the SDK's listing memo since the unlock. */
  readonly #warmed = new Set<string>();
  /** The offline copy last read (kept while the server cannot be reached). */
  #copy: { file: string; copy: StoreCopy } | undefined;
  #dirty = false;
  #refreshTimer: NodeJS.Timeout | undefined;
  #events: ServerEvent[] = [];
  #eventTimer: NodeJS.Timeout | undefined;
  /** Bumped on every stop: work started before a lock must not touch the state after it. */
  #epoch = 0;

  readonly #ctx: VaultServiceDeps['ctx'];
  readonly #session: VaultServiceDeps['session'];
  readonly #workspace: VaultServiceDeps['workspace'];

  constructor(deps: VaultServiceDeps, options: VaultServiceOptions = {}) {
    const { ctx } = deps;
    this.#ctx = ctx;
    this.#session = deps.session;
    this.#workspace = deps.workspace;
    this.connection = new ConnectionTracker((state) => ctx.emit('vault.connection', state));
    this.cache = new OfflineCache(path.join(ctx.dataDir, 'cache'), (message) => ctx.log(message));
    this.clipboard = options.clipboard
      ? new ClipboardGuard(options.clipboard, options.clipboardTimers, (m) => ctx.log(m))
      : undefined;
    this.undoSeconds = options.undoSeconds ?? DEFAULT_UNDO_SECONDS;
    this.#refreshDelayMs = options.refreshDelayMs ?? 2000;
  }

  start(): void {
    // Nothing to start: everything here happens on request or on push events (watcher).
  }

  /** Lock (or workspace/server change): clipboard cleared, undos wiped, copies dropped. */
  stop(): void {
    this.#epoch++;
    void this.clipboard?.clearNow();
    this.#deletes.wipe();
    this.#warmed.clear();
    this.#copy = undefined;
    this.#inflight = undefined;
    this.#dirty = false;
    this.#events = [];
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    if (this.#eventTimer) clearTimeout(this.#eventTimer);
    this.#refreshTimer = undefined;
    this.#eventTimer = undefined;
  }

  /**
   * Resolves when the snapshot running now (if any) and every offline copy scheduled so far are
   * written (tests, shutdown).
   */
  async flushCache(): Promise<void> {
    await this.#inflight?.catch(() => undefined);
    await this.#writes;
  }

  // --- reading -------------------------------------------------------------------------------

  /** Everything you can see (no values); from the offline copy when the server is unreachable. */
  snapshot(): Promise<VaultSnapshot> {
    if (this.#inflight) return this.#inflight;
    const run: Promise<VaultSnapshot> = this.#snapshot().finally(() => {
      if (this.#inflight === run) this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  async #snapshot(): Promise<VaultSnapshot> {
    const epoch = this.#epoch;
    const owner = await this.#owner();
    await this.#warm(owner);
    try {
      const { listing, copy } = await this.#session.verified((client) => client.vault.snapshot());
      this.connection.online();
      if (epoch === this.#epoch) {
        this.#copy = undefined;
        this.#dirty = false;
        this.#save(owner, copy);
      }
      return toSnapshot(listing, 'server', null);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const reason = this.#offline(owner, error);
      const copy = await this.#localCopy(owner);
      if (!copy) {
        throw new BackboneError(
          'OFFLINE',
          `${reason} This device has no local copy of this workspace yet: it is made the first time the list loads while online.`,
        );
      }
      return toSnapshot(await owner.client.vault.listCopy(copy), 'cache', reason);
    }
  }

  /** One value (the only one that goes to the renderer); from the offline copy if need be. */
  async reveal(path: string): Promise<RevealedEntry> {
    const owner = await this.#owner();
    try {
      const info = await this.#session.verified((client) => client.entry.info(path));
      this.connection.online();
      return toRevealed(info);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const reason = this.#offline(owner, error);
      const copy = await this.#localCopy(owner);
      if (!copy) {
        throw new BackboneError('OFFLINE', `${reason} This device has no local copy to read.`);
      }
      return toRevealed(await owner.client.vault.readCopy(copy, path));
    }
  }

  /** Copies a value: by the core (clipboard port, cleared later) or by the renderer. */
  async copy(path: string): Promise<CopyResponse> {
    const { value } = await this.reveal(path);
    const seconds = (await this.#ctx.settings.read()).clipboardSeconds;
    if (this.clipboard) {
      await this.clipboard.copy(value, seconds);
      return { by: 'core', clearAfterSeconds: seconds };
    }
    return { by: 'renderer', value, clearAfterSeconds: seconds };
  }

  async sharing(request: IpcRequest<'vault.sharing'>): Promise<SharingView> {
    return toSharing(
      await this.#online((client) => client.vault.sharing(request.path, request.kind)),
    );
  }

  connectionState(): ConnectionState {
    return this.connection.state();
  }

  // --- writing -------------------------------------------------------------------------------

  async setEntry(request: IpcRequest<'vault.setEntry'>): Promise<VaultEntry> {
    const entry = await this.#write((client) =>
      client.vault.set(request.path, request.value, {
        expiresAt: request.expiresAt,
        ...(request.create ? { create: true } : {}),
        ...(request.expectVersion !== undefined ? { expectVersion: request.expectVersion } : {}),
      }),
    );
    return toEntry(entry);
  }

  async deleteEntry(path: string): Promise<IpcResponse<'vault.deleteEntry'>> {
    const owner = await this.#owner();
    const taken = await this.#write((client) => client.vault.take(path));
    const undoToken = this.#deletes.add(
      {
        workspaceId: owner.workspaceId,
        path: taken.path,
        value: taken.value,
        expiresAt: taken.expiresAt,
      },
      this.undoSeconds,
    );
    return { path: taken.path, undoToken, undoSeconds: this.undoSeconds };
  }

  async undoDelete(token: string): Promise<VaultEntry> {
    const owner = await this.#owner();
    const pending = this.#deletes.take(token);
    if (!pending || pending.entry.workspaceId !== owner.workspaceId) {
      if (pending) sodium().memzero(pending.entry.value);
      throw new BackboneError(
        'STORE_NOT_FOUND',
        'It is too late to undo this deletion (the time ran out or the app was locked).',
      );
    }
    const { entry } = pending;
    try {
      return toEntry(
        await this.#write((client) =>
          client.vault.set(entry.path, entry.value, { create: true, expiresAt: entry.expiresAt }),
        ),
      );
    } catch (error) {
      // Offline: keep it for the rest of its time, under the same token, to try again.
      if (isBackboneError(error, 'OFFLINE') && pending.secondsLeft >= 1) {
        this.#deletes.restore(token, entry, pending.secondsLeft);
      }
      throw error;
    } finally {
      if (!this.#deletes.has(token)) sodium().memzero(entry.value);
    }
  }

  async createNamespace(request: IpcRequest<'vault.createNamespace'>): Promise<VaultNamespace> {
    return toNamespace(
      await this.#write((client) =>
        client.vault.createNamespace(request.path, { isolated: request.isolated }),
      ),
    );
  }

  async deleteNamespace(path: string): Promise<IpcResponse<'vault.deleteNamespace'>> {
    return this.#write((client) => client.vault.deleteNamespace(path));
  }

  async grant(request: IpcRequest<'vault.grant'>): Promise<SharingView> {
    return toSharing(
      await this.#write((client) =>
        client.vault.grant(request.path, request.kind, request.grantee, request.access),
      ),
    );
  }

  async revoke(request: IpcRequest<'vault.revoke'>): Promise<RevokeResponse> {
    const outcome = await this.#write((client) =>
      client.vault.revoke(request.path, request.kind, request.grantee),
    );
    return {
      sharing: toSharing(outcome.sharing),
      ...explainRevocation(outcome, { path: outcome.sharing.path, kind: request.kind }),
    };
  }

  // --- workspaces ----------------------------------------------------------------------------

  async workspaces(): Promise<IpcResponse<'vault.workspaces'>> {
    const current = await this.#workspace.id();
    const owner = await this.#owner();
    let listed;
    try {
      listed = await this.#workspace.list();
      this.connection.online();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      this.#offline(owner, error);
      // Offline: only the workspace this device uses is known.
      const app = await this.#ctx.appState.read();
      return {
        workspaces: [
          {
            id: owner.workspaceId,
            displayName: app.workspaceDisplayName ?? owner.workspaceId,
            current: true,
            fingerprint: null,
            verifiedHere: true,
          },
        ],
      };
    }
    return {
      workspaces: listed
        .filter((w) => w.pin !== 'mismatch')
        .map((w) => ({
          id: w.id,
          displayName: w.displayName,
          current: w.id === current,
          fingerprint: w.fingerprint,
          verifiedHere: w.pin === 'match',
        }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id)),
    };
  }

  /**
   * Makes another workspace this identity is a member of the current one. One this device never
   * verified needs the fingerprint the user compared out of band: a malicious server could
   * otherwise list a look-alike workspace (with a replayed invitation of yours) and collect what
   * you write there.
   */
  async switchWorkspace(
    workspaceId: string,
    expectFingerprint?: string,
  ): Promise<IpcResponse<'vault.switchWorkspace'>> {
    const before = await this.workspaces();
    const target = before.workspaces.find((w) => w.id === workspaceId);
    if (!target) {
      throw new BackboneError(
        'MEMBERSHIP_UNKNOWN_MEMBER',
        'You are not a member of this workspace (or its log does not match what this device verified).',
      );
    }
    if (target.current) return before;
    if (!target.verifiedHere && expectFingerprint === undefined) {
      throw new BackboneError(
        'MEMBERSHIP_FINGERPRINT_REQUIRED',
        `This device has not opened "${target.displayName}" before. Compare its fingerprint with one of its administrators, then open it.`,
      );
    }
    await this.#workspace.open(workspaceId, expectFingerprint);
    this.#ctx.emit('vault.changed', { workspaceId, origin: 'local' });
    return this.workspaces();
  }

  // --- push events (from the workspace watcher) ----------------------------------------------

  /** A push event for the current workspace: someone else's change → `vault.changed` remote. */
  onServerEvent(event: ServerEvent): void {
    if (event.type !== 'store.changed' && event.type !== 'membership.appended') return;
    this.#events.push(event);
    if (this.#eventTimer) return;
    // Coalesce bursts, and give this device's own commit time to be recorded as its own.
    this.#eventTimer = setTimeout(() => this.#flushEvents(), 150);
    this.#eventTimer.unref?.();
  }

  #flushEvents(): void {
    this.#eventTimer = undefined;
    const events = this.#events;
    this.#events = [];
    let client: BackboneClient;
    try {
      client = this.#session.client();
    } catch {
      return;
    }
    const workspaceId = client.workspaceId;
    const others = events.filter(
      (e) =>
        e.workspace === workspaceId &&
        (e.type !== 'store.changed' || !client.storeService.isOwnCommit(e.workspace, e.revision)),
    );
    if (others.length === 0 || workspaceId === undefined) return;
    this.#ctx.emit('vault.changed', { workspaceId, origin: 'remote' });
    this.#scheduleRefresh();
  }

  // --- plumbing ------------------------------------------------------------------------------

  async #owner(): Promise<Owner> {
    const client = this.#session.client();
    const data = await this.#ctx.profile.read();
    const workspaceId = client.workspaceId;
    if (workspaceId === undefined || data.identity === undefined) {
      throw new BackboneError('SESSION_WRONG_STATE', 'Create or open a workspace first.');
    }
    const server = await client.server();
    return { client, identity: data.identity.address, serverId: server.serverId, workspaceId };
  }

  /** Runs a server read; an unreachable server is `OFFLINE`. */
  async #online<T>(task: (client: BackboneClient) => Promise<T>): Promise<T> {
    const owner = await this.#owner();
    try {
      const result = await this.#session.verified(task);
      this.connection.online();
      return result;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const reason = this.#offline(owner, error);
      throw new BackboneError(
        'OFFLINE',
        `${reason} This needs the server; try again when the connection is back.`,
        { cause: error },
      );
    }
  }

  /** Runs a change: `OFFLINE` when unreachable; afterwards `vault.changed` local. */
  async #write<T>(task: (client: BackboneClient) => Promise<T>): Promise<T> {
    const owner = await this.#owner();
    let result: T;
    try {
      result = await this.#session.verified(task);
      this.connection.online();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const reason = this.#offline(owner, error);
      throw new BackboneError(
        'OFFLINE',
        `${reason} Changes need the server: nothing was changed. You can still read the local copy; try again when the connection is back.`,
        { cause: error },
      );
    }
    this.#ctx.emit('vault.changed', { workspaceId: owner.workspaceId, origin: 'local' });
    this.#scheduleRefresh();
    return result;
  }

  /** Records that the server cannot be reached; returns the reason for people. */
  #offline(owner: Owner, error: BackboneError): string {
    const reason =
      error.code === 'REQUEST_TIMEOUT'
        ? `You are offline: the server at ${owner.client.serverUrl} did not answer in time.`
        : `You are offline: the server at ${owner.client.serverUrl} cannot be reached.`;
    this.connection.offline(reason);
    return reason;
  }

  /** After a change: refresh the offline copy soon, unless a snapshot does it first. */
  #scheduleRefresh(): void {
    this.#dirty = true;
    if (this.#refreshTimer) return;
    const epoch = this.#epoch;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      if (!this.#dirty || epoch !== this.#epoch || !this.#session.unlocked) return;
      this.snapshot().catch((error: unknown) =>
        this.#ctx.log(
          `vault: background refresh failed: ${error instanceof Error ? error.message : ''}`,
        ),
      );
    }, this.#refreshDelayMs);
    this.#refreshTimer.unref?.();
  }

  #cacheKey() {
    return this.#session.withRootSecret((rootSecret) => deriveCacheKey(rootSecret));
  }

  /** Writes the copy in the background, one write after the other. */
  #save(owner: Owner, copy: StoreCopy): void {
    const key = this.#cacheKey();
    const plaintext = utf8(JSON.stringify(copy));
    const owned: CacheOwner = {
      identity: owner.identity,
      serverId: owner.serverId,
      workspaceId: owner.workspaceId,
    };
    this.#writes = this.#writes.then(async () => {
      try {
        await this.cache.write(owned, key, plaintext);
      } catch (error) {
        this.#ctx.log(
          `vault: the offline copy could not be saved: ${error instanceof Error ? error.message : ''}`,
        );
      } finally {
        sodium().memzero(key);
      }
    });
  }

  /** Reads and parses the offline copy (undefined if none or unusable; logged). */
  async #readCopy(owner: Owner): Promise<StoreCopy | undefined> {
    await this.#writes;
    const key = this.#cacheKey();
    let plaintext: Uint8Array | undefined;
    try {
      plaintext = await this.cache.read(owner, key);
    } finally {
      sodium().memzero(key);
    }
    if (!plaintext) return undefined;
    try {
      const parsed = storeCopySchema.safeParse(JSON.parse(fromUtf8(plaintext)));
      if (parsed.success && parsed.data.workspaceId === owner.workspaceId) return parsed.data;
    } catch {
      // fall through: logged below
    }
    this.#ctx.log('vault: the offline copy is not readable by this version; ignored');
    return undefined;
  }

  async #localCopy(owner: Owner): Promise<StoreCopy | undefined> {
    const file = this.cache.fileOf(owner);
    if (this.#copy?.file === file) return this.#copy.copy;
    const copy = await this.#readCopy(owner);
    if (copy) this.#copy = { file, copy };
    return copy;
  }

  /** Once per unlock and workspace: seed the SDK's listing memo from the offline copy. */
  async #warm(owner: Owner): Promise<void> {
    const file = this.cache.fileOf(owner);
    if (this.#warmed.has(file)) return;
    this.#warmed.add(file);
    const copy = await this.#localCopy(owner);
    if (copy) await owner.client.vault.remember(copy);
  }
}
