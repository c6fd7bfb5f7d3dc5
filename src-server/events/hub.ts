/**
 * The event hub of one server process: it follows the `events` table and hands each new event
 * to the connected sockets that may see it.
 *
 * How events flow:
 *  1. A route changes something and records its events in the same transaction
 *     (`Storage.appendMembershipEntries`, …). Event ids (cursors) become visible in increasing
 *     order (workspaces-storage.ts explains how PostgreSQL is made to do that).
 *  2. After the commit the route calls `publishEvents(ctx, records)`: this process's hub wakes
 *     up. With PostgreSQL the transaction also sent `NOTIFY backbone_events, '<cursor>'`, which
 *     wakes the hub of every server process on the database (`Storage.listenForEvents`). A slow
 *     poll catches anything a lost notification would miss.
 *  3. The hub reads the table after the last cursor it handled (one reader per process, in
 *     pages), looks up the current members of the events' workspaces and the events' named
 *     recipients, and gives each socket the events it may see, in cursor order.
 *  4. Each socket delivers events above its own cursor (so nothing is sent twice), and on resume
 *     first replays the backlog from the database (connection.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ServerContext } from '../context.js';
import type { EventRecord } from '../storage/storage.js';

export interface EventChannelOptions {
  /** Ping interval; a socket that did not answer the previous ping is dropped, and every
   * socket's token is checked again (revoked/expired tokens are cut off). */
  heartbeatMs: number;
  /** Most events queued for one socket while it replays its backlog. */
  maxQueuedEvents: number;
  /** Most bytes waiting in one socket's send buffer before it is closed as too slow. */
  maxBufferedBytes: number;
  /** Safety poll of the events table (in case a notification was lost). */
  pollMs: number;
}

export const DEFAULT_EVENT_CHANNEL_OPTIONS: EventChannelOptions = Object.freeze({
  heartbeatMs: 30_000,
  maxQueuedEvents: 1000,
  maxBufferedBytes: 1024 * 1024,
  pollMs: 30_000,
});

/** Events read per page. */
export const EVENT_PAGE = 500;

/** What the hub needs from a connected socket. */
export interface EventSubscriber {
  readonly identityId: string;
  /** Workspaces followed, or null for all of the identity's workspaces. */
  readonly workspaces: ReadonlySet<string> | null;
  /** Events (in cursor order) this subscriber may see. */
  receive(events: readonly EventRecord[]): void;
  /** Periodic check: ping, token still valid. */
  heartbeat(): void;
  /** Closes the socket (server shutting down). */
  shutdown(): void;
}

export class EventHub {
  private handled = 0;
  private started = false;
  private stopped = false;
  private readonly subscribers = new Set<EventSubscriber>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private listener: { close(): Promise<void> } | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly log: FastifyBaseLogger,
    readonly options: EventChannelOptions,
  ) {}

  /** Starts following the events table (from its current end). */
  async start(): Promise<void> {
    if (this.started) return;
    this.handled = await this.ctx.storage.latestEventId();
    this.started = true;
    const listen = this.ctx.storage.listenForEvents?.bind(this.ctx.storage);
    if (listen) {
      this.listener = await listen(
        (cursor) => this.notify(cursor),
        (error) => this.log.warn({ err: error }, 'event notifications: connection problem'),
      );
    }
    this.heartbeatTimer = setInterval(() => {
      for (const subscriber of this.subscribers) subscriber.heartbeat();
    }, this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    this.pollTimer = setInterval(() => this.notify(0), this.options.pollMs);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    for (const subscriber of [...this.subscribers]) subscriber.shutdown();
    this.subscribers.clear();
    await this.listener?.close();
    this.listener = undefined;
    await this.pumping;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  add(subscriber: EventSubscriber): void {
    if (this.stopped) {
      subscriber.shutdown();
      return;
    }
    this.subscribers.add(subscriber);
  }

  remove(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** New events up to `cursor` were committed (0: maybe; look anyway). */
  notify(cursor: number): void {
    if (!this.started || this.stopped) return;
    if (cursor !== 0 && cursor <= this.handled) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) => this.log.error({ err: error }, 'event delivery failed'))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.notify(0);
        }
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const events = await this.ctx.storage.listEventsAfter(this.handled, EVENT_PAGE);
      if (events.length === 0 || this.stopped) return;
      await this.route(events);
      this.handled = events[events.length - 1]!.id;
      if (events.length < EVENT_PAGE) return;
    }
  }

  private async route(events: readonly EventRecord[]): Promise<void> {
    if (this.subscribers.size === 0) return;
    const workspaceIds = [...new Set(events.map((event) => event.workspaceId))];
    const members = await this.ctx.storage.listWorkspaceMemberIds(workspaceIds);
    const recipients = await this.ctx.storage.listEventRecipients(events.map((e) => e.id));
    for (const subscriber of [...this.subscribers]) {
      const visible = events.filter(
        (event) =>
          (subscriber.workspaces === null || subscriber.workspaces.has(event.workspaceId)) &&
          (members.get(event.workspaceId)?.has(subscriber.identityId) === true ||
            recipients.get(event.id)?.includes(subscriber.identityId) === true),
      );
      if (visible.length > 0) {
        try {
          subscriber.receive(visible);
        } catch (error) {
          this.log.warn({ err: error }, 'event socket failed');
        }
      }
    }
  }
}

const hubs = new WeakMap<ServerContext, EventHub>();

export function setEventHub(ctx: ServerContext, hub: EventHub): void {
  hubs.set(ctx, hub);
}

export function eventHubOf(ctx: ServerContext): EventHub | undefined {
  return hubs.get(ctx);
}

/** Call after committing events: wakes this process's hub (others hear the NOTIFY). */
export function publishEvents(ctx: ServerContext, events: readonly EventRecord[]): void {
  const last = events[events.length - 1];
  if (last) hubs.get(ctx)?.notify(last.id);
}
