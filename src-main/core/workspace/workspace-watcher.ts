/**
 * While unlocked: follows the current workspace on the server's push channel (a slow poll as a
 * fallback), refetches and verifies its membership log on every hint, and tells the renderer
 * (`members.changed`). A verification failure is recorded by the session (loud warning).
 * Store and membership hints also go to the vault (`vault.changed`), and the channel's state to
 * its connection state (connected → online; refused or cut → offline).
 */
import type { ServerEvent } from '../../../src-shared/api/events.js';
import { isUnreachable } from '../../../src-shared/sdk/vault.js';
import type { CoreContext } from '../core-context.js';
import { toWorkspaceView } from '../members/workspace-view.js';
import type { SessionManager, UnlockedServices } from '../session/session-manager.js';
import type { ConnectionTracker } from '../vault/connection.js';
import { EventStream } from './event-stream.js';

export interface WorkspaceWatcherDeps {
  ctx: Pick<CoreContext, 'profile' | 'emit' | 'log'>;
  session: Pick<SessionManager, 'unlocked' | 'token' | 'verified'>;
  /** The store browser: the connection state, and the push events about the store. */
  vault: {
    readonly connection: Pick<ConnectionTracker, 'online' | 'offline'>;
    onServerEvent(event: ServerEvent): void;
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** A socket error that means the server cannot be reached (not: a refusal). */
function isNetworkFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

const POLL_MS = 60_000;

export class WorkspaceWatcher implements UnlockedServices {
  #stream: EventStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(private readonly deps: WorkspaceWatcherDeps) {}

  async start(): Promise<void> {
    const { ctx, session, vault } = this.deps;
    const data = await ctx.profile.read();
    if (!data.workspace || !data.server || !session.unlocked) return;
    const workspace = data.workspace;
    const server = data.server;
    const { connection } = vault;
    const lost = (): void =>
      connection.offline(`You are offline: the connection to the server at ${server} was lost.`);
    this.#stream = new EventStream({
      server,
      token: () => session.token(),
      workspaces: [workspace],
      onEvent: (event) => {
        if (event.workspace !== workspace) return;
        void this.refresh();
        vault.onServerEvent(event);
      },
      onReady: () => {
        connection.online();
        void this.refresh();
      },
      onError: (error) => {
        if (isUnreachable(error)) lost();
      },
      onClose: (code, error) => {
        if (code === 1006 || isNetworkFailure(error)) lost();
      },
    });
    this.#stream.start();
    this.#timer = setInterval(() => void this.refresh(), POLL_MS);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#stream?.stop();
    this.#stream = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Refetches and verifies; coalesces hints that arrive while a refresh runs. */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      const { ctx, session } = this.deps;
      do {
        this.#again = false;
        try {
          const ws = await session.verified((client) => client.workspace.get());
          ctx.emit('members.changed', toWorkspaceView(ws));
        } catch (error) {
          ctx.log(`workspace refresh failed: ${error instanceof Error ? error.message : ''}`);
        }
      } while (this.#again && session.unlocked);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
