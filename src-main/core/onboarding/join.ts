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
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import type { UnlockedServices } from '../session/session-manager.js';
import { EventStream } from '../workspace/event-stream.js';
import { useWorkspace } from './workspace-setup.js';

const POLL_MS = 4000;

export async function invitationQrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

export class JoinFlow implements UnlockedServices {
  #stream: EventStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(private readonly core: () => CoreServices) {}

  async start(): Promise<void> {
    const { ctx, session } = this.core();
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
    const { ctx, session } = this.core();
    return session.exclusive(async () => {
      const client = session.client();
      if ((await ctx.profile.read()).workspace !== undefined) {
        throw new BackboneError('SESSION_WRONG_STATE', 'This device already uses a workspace.');
      }
      // Logs in (registering the identity on the server) so the push channel can be followed.
      await client.authenticate();
      await ctx.appState.update((s) => ({
        ...s,
        join: {
          username: request.username,
          workspaceId: request.workspaceId ?? null,
          expectFingerprint: request.expectFingerprint?.trim() || null,
          since: new Date().toISOString(),
        },
      }));
      await session.restartServices();
      await session.emitChanged();
      return session.state();
    });
  }

  cancel(): Promise<SessionState> {
    const { ctx, session } = this.core();
    return session.exclusive(async () => {
      this.stop();
      await ctx.appState.update((s) => ({ ...s, join: null }));
      session.setJoinView(null);
      await session.emitChanged();
      return session.state();
    });
  }

  /** Has an administrator added us yet? */
  async check(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    const core = this.core();
    try {
      const app = await core.ctx.appState.read();
      const join = app.join;
      if (!join || !core.session.unlocked) return false;
      const listed = await core.session.client().workspace.list();
      const match = listed.find((w) =>
        join.workspaceId !== null ? w.id === join.workspaceId : w.pin !== 'mismatch',
      );
      if (!match) return false;
      await core.session.exclusive(async () => {
        const ws = await core.session.verified((client) =>
          client.workspace.get({
            workspaceId: match.id,
            ...(join.expectFingerprint ? { expectFingerprint: join.expectFingerprint } : {}),
          }),
        );
        if (ws.confirmed) {
          await useWorkspace(core, ws);
          return;
        }
        await core.ctx.appState.update((s) => ({ ...s, join: null }));
        core.session.setJoinView(null);
        await core.session.restartServices();
        await core.session.emitChanged();
      });
      return true;
    } catch (error) {
      core.ctx.log(`join: check failed: ${error instanceof Error ? error.message : ''}`);
      return false;
    } finally {
      this.#checking = false;
    }
  }

  async #makeView(join: { username: string; workspaceId: string | null; since: string }) {
    const { session } = this.core();
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
