/**
 * Joining a workspace: this identity makes an invitation (text + QR code, both public) for the
 * member name it wants, the user hands it to an administrator and reads them the safety number,
 * and the core waits — on the server's push channel, with a poll as a fallback — until the
 * identity appears as a member. Then it verifies the workspace's log: with the fingerprint the
 * administrator gave, it becomes this device's workspace; without one nothing is pinned, the
 * join ends, and the workspace step lists the workspace to open once the user compared its
 * fingerprint (a server could otherwise present a look-alike workspace).
 */
import QRCode from 'qrcode';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreContext } from '../core-context.js';
import type { SessionManager, UnlockedServices } from '../session/session-manager.js';
import type { CurrentWorkspace } from '../workspace/current-workspace.js';
import { EventStream } from '../workspace/event-stream.js';

const POLL_MS = 4000;

export async function invitationQrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

export interface JoinFlowDeps {
  ctx: Pick<CoreContext, 'profile' | 'appState' | 'log'>;
  session: Pick<SessionManager, 'unlocked' | 'client' | 'token' | 'setJoinView' | 'transition'>;
  workspace: Pick<CurrentWorkspace, 'requireNone' | 'fetch' | 'use'>;
}

export class JoinFlow implements UnlockedServices {
  #stream: EventStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(private readonly deps: JoinFlowDeps) {}

  async start(): Promise<void> {
    const { ctx, session } = this.deps;
    const [app, data] = await Promise.all([ctx.appState.read(), ctx.profile.read()]);
    if (!app.join || data.workspace !== undefined || !session.unlocked || !data.server) return;
    try {
      await this.#makeView(app.join);
    } catch (error) {
      ctx.log(`join: invitation not made: ${error instanceof Error ? error.message : ''}`);
    }
    this.#stream = new EventStream({
      server: data.server,
      token: () => session.token(),
      onEvent: () => void this.check(),
      onReady: () => void this.check(),
      onError: () => undefined,
    });
    this.#stream.start();
    this.#timer = setInterval(() => void this.check(), POLL_MS);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#stream?.stop();
    this.#stream = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  begin(request: IpcRequest<'onboarding.startJoin'>): Promise<SessionState> {
    const { ctx, session, workspace } = this.deps;
    return session.transition(async () => {
      await workspace.requireNone();
      // Logs in (registering the identity on the server) so the push channel can be followed.
      await session.client().authenticate();
      await ctx.appState.update((s) => ({
        ...s,
        join: {
          username: request.username,
          workspaceId: request.workspaceId ?? null,
          expectFingerprint: request.expectFingerprint?.trim() || null,
          since: new Date().toISOString(),
        },
      }));
    });
  }

  cancel(): Promise<SessionState> {
    const { ctx, session } = this.deps;
    // Only the join stops: nothing else runs before a workspace is chosen.
    return session.transition(
      async () => {
        this.stop();
        await ctx.appState.update((s) => ({ ...s, join: null }));
        session.setJoinView(null);
      },
      { restart: false },
    );
  }

  /** Has an administrator added us yet? */
  async check(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    const { ctx, session, workspace } = this.deps;
    try {
      const app = await ctx.appState.read();
      const join = app.join;
      if (!join || !session.unlocked) return false;
      const listed = await session.client().workspace.list();
      const match = listed.find((w) =>
        join.workspaceId !== null ? w.id === join.workspaceId : w.pin !== 'mismatch',
      );
      if (!match) return false;
      await session.transition(async () => {
        const ws = await workspace.fetch(match.id, join.expectFingerprint || undefined);
        if (ws.confirmed) {
          await workspace.use(ws);
          return;
        }
        // Without a fingerprint to compare the workspace step lists it; the join is over.
        await ctx.appState.update((s) => ({ ...s, join: null }));
        session.setJoinView(null);
      });
      return true;
    } catch (error) {
      ctx.log(`join: check failed: ${error instanceof Error ? error.message : ''}`);
      return false;
    } finally {
      this.#checking = false;
    }
  }

  async #makeView(join: { username: string; workspaceId: string | null; since: string }) {
    const { session } = this.deps;
    const invitation = await session.client().user.generate(join.username);
    session.setJoinView({
      username: invitation.name,
      workspaceId: join.workspaceId,
      invitation: invitation.invitation,
      qrDataUrl: await invitationQrDataUrl(invitation.invitation),
      fingerprint: invitation.fingerprint,
      since: join.since,
    });
  }
}
