/**
 * One push-channel socket (protocol: src-shared/api/events.ts).
 *
 * Life of a connection:
 *  - `hello` must come within 10 s; its token is checked like a bearer header (authenticate.ts),
 *    the identity is charged one request of its rate limit, and every workspace it names must be
 *    one the identity is a current member of (and the token's workspace, if it has one).
 *  - The socket registers with the hub first, in "replaying" mode (events the hub hands it are
 *    queued), then replays the backlog after the hello's cursor from the database, then sends
 *    the queued events above its cursor and goes live. Every committed event is either in the
 *    replay (committed before it read) or handed over by the hub (committed later), and the
 *    cursor check drops the overlap: each event is sent once, in order.
 *  - A cursor ahead of the newest event, or older than what is kept (events after it pruned by
 *    the retention sweep), gets `reset` with the newest cursor instead of a replay with a gap.
 *    The pruned check runs after each replay page is read, so a sweep racing the replay also
 *    ends in `reset` (then possibly after some replayed events).
 *  - Every heartbeat: the socket must have answered the previous ping, and the token must still
 *    be valid (not revoked, not expired, device not revoked) — else the socket is closed.
 *  - Too many queued events or too many unsent bytes: closed with `SLOW_CONSUMER`; the client
 *    resumes from its last cursor.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import {
  EVENT_CLOSE_CODES,
  EVENTS_HELLO_TIMEOUT_MS,
  helloMessageSchema,
  type ErrorMessage,
  type EventMessage,
  type HelloMessage,
  type ReadyMessage,
  type ResetMessage,
} from '../../src-shared/api/events.js';
import { API_VERSION } from '../../src-shared/api/common.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../../src-shared/errors.js';
import { authenticate, type AuthContext } from '../auth/authenticate.js';
import { iso, type ServerContext } from '../context.js';
import { enforce } from '../plugins/rate-limit.js';
import type { EventRecord } from '../storage/storage.js';
import { EVENT_PAGE, type EventHub, type EventSubscriber } from './hub.js';

type State = 'hello' | 'authenticating' | 'replaying' | 'live' | 'closed';

/** Authenticates a bearer token outside an HTTP request (authenticate reads only the header). */
function authenticateToken(ctx: ServerContext, token: string): Promise<AuthContext> {
  const request = { headers: { authorization: `Bearer ${token}` } } as unknown as FastifyRequest;
  return authenticate(request, ctx);
}

const closeCodeOf = (code: ErrorCode): number => {
  if (code.startsWith('AUTH_')) return EVENT_CLOSE_CODES.UNAUTHORIZED;
  if (code === 'FORBIDDEN') return EVENT_CLOSE_CODES.FORBIDDEN;
  if (code === 'RATE_LIMITED') return EVENT_CLOSE_CODES.RATE_LIMITED;
  if (code === 'INVALID_REQUEST' || code === 'UNSUPPORTED_VERSION') {
    return EVENT_CLOSE_CODES.BAD_MESSAGE;
  }
  return 1011; // internal error
};

export class EventConnection implements EventSubscriber {
  private state: State = 'hello';
  private auth: AuthContext | undefined;
  private token: string | undefined;
  identityId = '';
  workspaces: ReadonlySet<string> | null = null;
  private cursor = 0;
  private queue: EventRecord[] = [];
  private alive = true;
  private checking = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: ServerContext,
    private readonly hub: EventHub,
    private readonly log: FastifyBaseLogger,
  ) {
    this.helloTimer = setTimeout(() => {
      if (this.state === 'hello') {
        this.fail(EVENT_CLOSE_CODES.HELLO_TIMEOUT, 'AUTH_REQUIRED', 'Send hello first.');
      }
    }, EVENTS_HELLO_TIMEOUT_MS);
    this.helloTimer.unref();
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.closed());
    ws.on('error', (error) => {
      this.log.debug({ err: error }, 'event socket error');
      this.closed();
    });
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.state !== 'hello') {
      this.fail(EVENT_CLOSE_CODES.BAD_MESSAGE, 'INVALID_REQUEST', 'Only one hello is expected.');
      return;
    }
    let value: unknown;
    try {
      if (isBinary) throw new Error('binary');
      value = JSON.parse(String(data));
    } catch {
      this.fail(EVENT_CLOSE_CODES.BAD_MESSAGE, 'INVALID_JSON', 'Send hello as JSON text.');
      return;
    }
    const version = (value as { v?: unknown } | null)?.v;
    if (typeof version === 'number' && version !== API_VERSION) {
      this.fail(
        EVENT_CLOSE_CODES.BAD_MESSAGE,
        'UNSUPPORTED_VERSION',
        `This hello has version ${String(version).slice(0, 20)}; this server understands version ${API_VERSION}.`,
      );
      return;
    }
    const parsed = helloMessageSchema.safeParse(value);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') ?? '';
      this.fail(
        EVENT_CLOSE_CODES.BAD_MESSAGE,
        'INVALID_REQUEST',
        `Invalid hello${where ? ` (${where.slice(0, 40)})` : ''}.`,
      );
      return;
    }
    clearTimeout(this.helloTimer);
    this.state = 'authenticating';
    this.hello(parsed.data).catch((error: unknown) => this.failWith(error));
  }

  private async hello(hello: HelloMessage): Promise<void> {
    const auth = await authenticateToken(this.ctx, hello.token);
    enforce(this.ctx.limits.account, auth.identityId);
    let workspaces = hello.workspaces ? [...new Set(hello.workspaces)] : null;
    if (auth.workspaceId !== null) {
      if (workspaces && workspaces.some((id) => id !== auth.workspaceId)) {
        throw forbidden('This token is limited to another workspace.');
      }
      workspaces = [auth.workspaceId];
    }
    if (workspaces) {
      for (const id of workspaces) {
        const member = await this.ctx.storage.getWorkspaceMember(id, auth.identityId);
        if (!member) throw forbidden('You are not a member of a workspace you asked to follow.');
      }
    }
    if (this.state !== 'authenticating') return; // closed meanwhile
    this.auth = auth;
    this.token = hello.token;
    this.identityId = auth.identityId;
    this.workspaces = workspaces ? new Set(workspaces) : null;
    this.state = 'replaying';
    this.hub.add(this);

    const latest = await this.ctx.storage.latestEventId();
    const requested = hello.cursor === undefined ? undefined : Number(hello.cursor);
    if (requested === undefined || requested > latest) {
      if (requested !== undefined) this.reset(latest);
      this.cursor = latest;
    } else {
      this.cursor = requested;
      for (;;) {
        const page = await this.ctx.storage.listVisibleEvents(
          this.identityId,
          this.cursor,
          workspaces,
          EVENT_PAGE,
        );
        if (this.state !== 'replaying') return;
        // Asked after the read: a prune committed before the read shows here; one committed
        // after it removed nothing this page lacks (the next page asks again).
        if (await this.prunedAfter(this.cursor)) {
          if (this.state !== 'replaying') return;
          this.cursor = Math.max(this.cursor, latest);
          this.reset(this.cursor);
          break;
        }
        if (this.state !== 'replaying') return;
        for (const event of page) this.deliver(event);
        if (page.length < EVENT_PAGE) break;
        await this.drain();
        if (this.state !== 'replaying') return;
      }
      this.cursor = Math.max(this.cursor, latest);
    }
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.deliver(event);
    this.state = 'live';
    this.send({
      v: API_VERSION,
      type: 'ready',
      cursor: String(this.cursor),
      identityId: this.identityId,
      workspaces: workspaces,
    } satisfies ReadyMessage);
    this.log.debug({ identity: this.identityId }, 'event socket ready');
  }

  /**
   * True when events after `cursor` may have been pruned (retention sweep) or removed with a
   * deleted workspace: the oldest kept event is not the next one. PostgreSQL sequences have
   * gaps (a rolled-back insert uses up its id), so this can also be true when nothing is
   * missing: that costs the client a spurious `reset` (one extra refetch), which is harmless;
   * silently replaying over a real gap would lose an event, which is not.
   */
  private async prunedAfter(cursor: number): Promise<boolean> {
    const oldest = await this.ctx.storage.oldestEventId();
    return cursor < oldest - 1;
  }

  /** The client must refetch what it follows, then continue from `cursor`. */
  private reset(cursor: number): void {
    this.send({ v: API_VERSION, type: 'reset', cursor: String(cursor) } satisfies ResetMessage);
  }

  /** From the hub. */
  receive(events: readonly EventRecord[]): void {
    if (this.state === 'replaying') {
      this.queue.push(...events);
      if (this.queue.length > this.hub.options.maxQueuedEvents) this.tooSlow();
      return;
    }
    if (this.state !== 'live') return;
    for (const event of events) this.deliver(event);
    if (this.ws.bufferedAmount > this.hub.options.maxBufferedBytes) this.tooSlow();
  }

  private deliver(event: EventRecord): void {
    if (event.id <= this.cursor || this.state === 'closed') return;
    this.cursor = event.id;
    const message: EventMessage = {
      v: API_VERSION,
      type: 'event',
      cursor: String(event.id),
      at: iso(event.createdAt),
      event: JSON.parse(event.payload) as EventMessage['event'],
    };
    this.send(message);
  }

  /** Waits (bounded) until the send buffer is half empty. */
  private async drain(): Promise<void> {
    const limit = this.hub.options.maxBufferedBytes;
    const deadline = Date.now() + 30_000;
    while (this.ws.bufferedAmount > limit / 2 && this.state !== 'closed') {
      if (Date.now() > deadline) {
        this.tooSlow();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private tooSlow(): void {
    this.fail(
      EVENT_CLOSE_CODES.SLOW_CONSUMER,
      'RATE_LIMITED',
      'Too many events are waiting for this connection. Reconnect and resume from your last cursor.',
    );
  }

  heartbeat(): void {
    if (this.state === 'closed') return;
    if (!this.alive) {
      this.log.debug('event socket did not answer a ping');
      this.ws.terminate();
      this.closed();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      this.closed();
      return;
    }
    const token = this.token;
    if (token === undefined || this.checking) return;
    this.checking = true;
    authenticateToken(this.ctx, token)
      .then(
        () => undefined,
        (error: unknown) => this.failWith(error),
      )
      .finally(() => {
        this.checking = false;
      });
  }

  shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.ws.close(1001, 'server shutting down');
    // A client that does not answer the close handshake is cut off (shutdown must not wait).
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private send(message: EventMessage | ReadyMessage | ResetMessage | ErrorMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }

  private failWith(error: unknown): void {
    if (isBackboneError(error)) {
      this.fail(closeCodeOf(error.code), error.code, error.message);
      return;
    }
    this.log.error({ err: error }, 'event socket failed');
    this.fail(1011, 'INTERNAL', 'Something went wrong on the server. Reconnect later.');
  }

  private fail(closeCode: number, code: ErrorCode, message: string): void {
    if (this.state === 'closed') return;
    this.send({ v: API_VERSION, type: 'error', code, message });
    this.state = 'closed';
    this.ws.close(closeCode, code.slice(0, 100));
    this.closed();
  }

  private closed(): void {
    this.state = 'closed';
    this.queue = [];
    clearTimeout(this.helloTimer);
    this.hub.remove(this);
  }
}

function forbidden(message: string): BackboneError {
  return new BackboneError('FORBIDDEN', message);
}
