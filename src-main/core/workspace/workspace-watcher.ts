/**
 * While unlocked: follows the current workspace on the server's push channel (a slow poll as a
 * fallback), refetches and verifies its membership log on every hint, and tells the renderer
 * (`members.changed`). A verification failure is recorded by the session (loud warning).
 */
import type { CoreServices } from '../services.js';
import type { UnlockedServices } from '../session/session-manager.js';
import { toWorkspaceView } from '../members/workspace-view.js';
import { EventStream } from './event-stream.js';

const POLL_MS = 60_000;

export class WorkspaceWatcher implements UnlockedServices {
  #stream: EventStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(private readonly core: () => CoreServices) {}

  async start(): Promise<void> {
    const { ctx, session } = this.core();
    const data = await ctx.profile.read();
    if (!data.workspace || !data.server || !session.unlocked) return;
    const workspace = data.workspace;
    this.#stream = new EventStream({
      server: data.server,
      token: () => session.token(),
      workspaces: [workspace],
      onEvent: (event) => {
        if (event.workspace === workspace) void this.refresh();
      },
      onReady: () => void this.refresh(),
      onError: () => undefined,
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
      const { ctx, session } = this.core();
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
