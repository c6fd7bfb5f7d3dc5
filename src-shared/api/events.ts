/**
 * The push event channel: a WebSocket at `GET /v1/events` (upgrade) that tells clients when
 * something changed in their workspaces, so they refetch instead of polling.
 *
 * Protocol (JSON text frames, each with `v: 1`):
 *  1. The client connects and sends `hello` within 10 s: `{v, type: "hello", token, cursor?,
 *     workspaces?}`. The token goes in this first message — never in the URL, which is logged.
 *     `workspaces` limits the subscription to those workspaces (each must be one the identity
 *     is a current member of, else the server answers `error` `FORBIDDEN` and closes); without
 *     it the socket follows every workspace the identity is (or becomes) a member of. A token
 *     limited to one workspace follows only that one.
 *  2. With `cursor` (the last cursor the client processed), the server first sends every event
 *     after it that the identity may see, in cursor order, then `ready`, then live events. Without
 *     `cursor` it sends `ready` at once and only live events. Each event is delivered once per
 *     connection, in cursor order; keep the last `cursor` and send it on reconnect to get exactly
 *     the events missed meanwhile.
 *  3. If the cursor is unknown to this server (ahead of its newest event), or older than the
 *     events it still keeps (servers prune events after a retention period, 30 days by default,
 *     so events after such a cursor may be gone), the server sends `reset` with its current
 *     cursor instead of a replay with a gap: refetch the state you care about, then continue
 *     from it. (If pruning happens during a replay, `reset` may follow some replayed events.)
 *  4. On an error the server sends `error` and closes the socket with a 4xxx code
 *     (`EVENT_CLOSE_CODES`). A client that falls too far behind is closed with `SLOW_CONSUMER`:
 *     reconnect and resume from the last cursor.
 *
 * Events are hints, not data: after `membership.appended` fetch the log (`GET …/log?from=`) and
 * verify it. Clients must ignore event types they do not know (`parseServerMessage` returns
 * `undefined` for them). Visibility: a workspace's events go to its current members; the
 * `membership.appended` of a `user.remove` also reaches the removed member, and
 * `workspace.deleted` reaches everyone who was a member when it was deleted. A removed member
 * gets nothing after that.
 */
import { z } from 'zod';
import { WorkspaceIdSchema } from '../workspace/membership-log.js';
import { bearerTokenSchema } from './auth.js';
import {
  API_PREFIX,
  apiVersionSchema,
  errorCodeSchema,
  identityIdSchema,
  timestampSchema,
} from './common.js';
import { entryHashSchema } from './workspaces.js';

/** Path of the WebSocket endpoint. */
export const EVENTS_PATH = `${API_PREFIX}/events`;
/** The client must send `hello` within this time. */
export const EVENTS_HELLO_TIMEOUT_MS = 10_000;
/** Most workspaces one socket may name in `hello`. */
export const EVENTS_MAX_WORKSPACES = 100;

/** WebSocket close codes the server uses (besides 1000 normal and 1001 going away). */
export const EVENT_CLOSE_CODES = {
  /** A message that is not valid JSON or not a known client message. */
  BAD_MESSAGE: 4000,
  /** The token is missing, invalid, expired or revoked (also while connected). */
  UNAUTHORIZED: 4001,
  /** The token may not follow a requested workspace (not a member, or another workspace). */
  FORBIDDEN: 4003,
  /** No `hello` in time. */
  HELLO_TIMEOUT: 4004,
  /** Too many undelivered messages queued: reconnect and resume from the last cursor. */
  SLOW_CONSUMER: 4008,
  /** Rate limited: wait before reconnecting. */
  RATE_LIMITED: 4029,
} as const;

/** An event cursor: a decimal number as text (treat it as opaque; compare only for equality). */
export const eventCursorSchema = z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a cursor');

// --- client → server ---------------------------------------------------------------------------

export const helloMessageSchema = z.strictObject({
  v: apiVersionSchema,
  type: z.literal('hello'),
  token: bearerTokenSchema,
  /** Resume after this cursor ("0" = from the first event; `reset` if some were pruned). */
  cursor: eventCursorSchema.optional(),
  workspaces: z.array(WorkspaceIdSchema).min(1).max(EVENTS_MAX_WORKSPACES).optional(),
});
export type HelloMessage = z.infer<typeof helloMessageSchema>;

/** Every message a client may send (only `hello`, once). */
export const clientMessageSchema = helloMessageSchema;
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// --- events ------------------------------------------------------------------------------------

/** An entry (`seq`, `hash`) was appended to a workspace's membership log. */
export const membershipAppendedEventSchema = z.strictObject({
  type: z.literal('membership.appended'),
  workspace: WorkspaceIdSchema,
  seq: z.number().int().min(0),
  hash: entryHashSchema,
});
/** The workspace was deleted (its log and data are gone). */
export const workspaceDeletedEventSchema = z.strictObject({
  type: z.literal('workspace.deleted'),
  workspace: WorkspaceIdSchema,
});

/**
 * Store records changed (a commit or the expiry sweeper): `ids` are the touched record ids as
 * `type:id` (empty when there were more than `STORE_EVENT_MAX_IDS`: refetch everything).
 */
export const STORE_EVENT_MAX_IDS = 1000;
export const storeChangedEventSchema = z.strictObject({
  type: z.literal('store.changed'),
  workspace: WorkspaceIdSchema,
  revision: z.number().int().min(0),
  ids: z.array(z.string().max(80)).max(STORE_EVENT_MAX_IDS),
});

export const EVENT_TYPES = ['membership.appended', 'workspace.deleted', 'store.changed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The events this version knows. */
export const serverEventSchema = z.discriminatedUnion('type', [
  membershipAppendedEventSchema,
  workspaceDeletedEventSchema,
  storeChangedEventSchema,
]);
export type ServerEvent = z.infer<typeof serverEventSchema>;

// --- server → client ---------------------------------------------------------------------------

export const eventMessageSchema = z.strictObject({
  v: apiVersionSchema,
  type: z.literal('event'),
  cursor: eventCursorSchema,
  /** When the server recorded it. */
  at: timestampSchema,
  event: serverEventSchema,
});
export type EventMessage = z.infer<typeof eventMessageSchema>;

/** The backlog after the hello's cursor was sent; live events follow. */
export const readyMessageSchema = z.strictObject({
  v: apiVersionSchema,
  type: z.literal('ready'),
  /** The cursor to resume from if nothing else arrives (the last sent or the current one). */
  cursor: eventCursorSchema,
  identityId: identityIdSchema,
  /** The workspaces named in hello, or null when following all of the identity's workspaces. */
  workspaces: z.array(WorkspaceIdSchema).nullable(),
});
export type ReadyMessage = z.infer<typeof readyMessageSchema>;

/** The hello's cursor is unknown here: refetch state, then continue from `cursor`. */
export const resetMessageSchema = z.strictObject({
  v: apiVersionSchema,
  type: z.literal('reset'),
  cursor: eventCursorSchema,
});
export type ResetMessage = z.infer<typeof resetMessageSchema>;

/** Sent just before the server closes the socket with a 4xxx code. */
export const errorMessageSchema = z.strictObject({
  v: apiVersionSchema,
  type: z.literal('error'),
  code: errorCodeSchema,
  message: z.string().max(1000),
});
export type ErrorMessage = z.infer<typeof errorMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  eventMessageSchema,
  readyMessageSchema,
  resetMessageSchema,
  errorMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/**
 * Parses a frame from the server. Returns `undefined` for an event of a type this version does
 * not know (ignore it, but still remember its cursor: `unknownEventCursor`); throws a ZodError for
 * anything else malformed.
 */
export function parseServerMessage(data: unknown): ServerMessage | undefined {
  const value: unknown = typeof data === 'string' ? JSON.parse(data) : data;
  if (isUnknownEvent(value)) return undefined;
  return serverMessageSchema.parse(value);
}

/** The cursor of an event message of an unknown type (to resume after it), else undefined. */
export function unknownEventCursor(data: unknown): string | undefined {
  const value: unknown = typeof data === 'string' ? JSON.parse(data) : data;
  if (!isUnknownEvent(value)) return undefined;
  const cursor = eventCursorSchema.safeParse((value as { cursor?: unknown }).cursor);
  return cursor.success ? cursor.data : undefined;
}

function isUnknownEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { type?: unknown; event?: { type?: unknown } };
  const eventType = message.event?.type;
  return (
    message.type === 'event' &&
    typeof eventType === 'string' &&
    !(EVENT_TYPES as readonly string[]).includes(eventType)
  );
}
