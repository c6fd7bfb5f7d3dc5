/**
 * Shared setup of the workspace suites (workspaces, workspace-log and workspace-events
 * `.int.test.ts` in routes/): a server with a quick event heartbeat, people, membership-log
 * helpers and a WebSocket client of the event channel.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { cryptoReady, signStatement } from '../../src-shared/crypto/index.js';
import {
  EVENTS_PATH,
  serverMessageSchema,
  type HelloMessage,
  type ServerMessage,
} from '../../src-shared/api/events.js';
import { appendResponseSchema } from '../../src-shared/api/workspaces.js';
import { createInvitation, parseInvitation } from '../../src-shared/workspace/invitation.js';
import {
  MEMBERSHIP_ENTRY_KIND,
  MEMBERSHIP_ENTRY_VERSION,
  applyEntries,
  createGenesis,
  createUserAdd,
  type AuthorKeys,
  type MembershipEntry,
  type MembershipState,
} from '../../src-shared/workspace/membership-log.js';
import type { NamingKey } from '../../src-shared/workspace/naming-key.js';
import type { Permission } from '../../src-shared/workspace/permissions.js';
import { buildServer } from '../app.js';
import type { App } from '../context.js';
import { createLogger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import type { OpenedStorage, TestBackend } from './backends.js';
import { ApiClient, registeredUser, type TestIdentity } from './client.js';
import { TestClock, testConfig } from './harness.js';

// --- helpers -----------------------------------------------------------------------------------

export interface Server {
  app: App;
  url: string;
  api: ApiClient;
  storage: Storage;
  clock: TestClock;
  opened: OpenedStorage;
}

export async function startServer(opened: OpenedStorage): Promise<Server> {
  const clock = new TestClock();
  const app = buildServer({
    config: testConfig(opened.dataDir),
    storage: opened.storage,
    clock,
    logger: createLogger('silent'),
    events: { heartbeatMs: 150, pollMs: 1000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return { app, url, api: new ApiClient(url), storage: opened.storage, clock, opened };
}

export interface Person {
  user: TestIdentity;
  token: string;
  author: AuthorKeys;
}

export async function person(api: ApiClient, name: string): Promise<Person> {
  const { user, token } = await registeredUser(api, name);
  return { user, token, author: { name, signKeyPair: user.identity.signKeyPair } };
}

export function invitationOf(user: TestIdentity, name: string) {
  return parseInvitation(createInvitation(user.identity, name));
}

/** A workspace as a client tracks it: verified state and naming key. */
export interface Ws {
  id: string;
  state: MembershipState;
  namingKey: NamingKey;
}

export function genesisFor(owner: Person, displayName = 'Team') {
  return createGenesis({
    displayName,
    creator: { ...owner.author, boxPublicKey: owner.user.identity.boxKeyPair.publicKey },
  });
}

export async function createWs(api: ApiClient, owner: Person): Promise<Ws> {
  const genesis = genesisFor(owner);
  const response = await api.post(
    '/v1/workspaces',
    { v: 1, genesis: genesis.entry },
    {
      token: owner.token,
    },
  );
  expect(response.status, response.text).toBe(201);
  return { id: genesis.state.workspaceId, state: genesis.state, namingKey: genesis.namingKey };
}

export function append(api: ApiClient, token: string, id: string, entries: unknown[]) {
  return api.post(`/v1/workspaces/${id}/log`, { v: 1, entries }, { token });
}

/** Appends entries made by `make` (from the current state) and tracks the new state. */
export async function appendOk(api: ApiClient, token: string, ws: Ws, entries: MembershipEntry[]) {
  const response = await append(api, token, ws.id, entries);
  expect(response.status, response.text).toBe(201);
  ws.state = applyEntries(ws.state, entries);
  return appendResponseSchema.parse(response.body);
}

export function addEntry(ws: Ws, author: Person, invitee: Person, permissions: Permission[]) {
  return createUserAdd(ws.state, {
    invitation: invitationOf(invitee.user, invitee.author.name),
    permissions,
    namingKey: ws.namingKey,
    author: author.author,
  });
}

/** Signs an entry without the model's checks (to see the server refuse it). */
export function forge(
  state: MembershipState,
  type: MembershipEntry['type'],
  body: unknown,
  author: AuthorKeys,
  overrides: { workspace?: string } = {},
): MembershipEntry {
  const unsigned = {
    workspace: overrides.workspace ?? state.workspaceId,
    seq: state.head.seq + 1,
    prev: state.head.hash,
    type,
    author: author.name,
    body: body as never,
  };
  const statement = signStatement(
    MEMBERSHIP_ENTRY_KIND,
    MEMBERSHIP_ENTRY_VERSION,
    unsigned,
    author.signKeyPair,
  );
  return { v: 1, ...unsigned, sig: statement.sig } as MembershipEntry;
}

/** A WebSocket client of the event channel that queues what it receives. */
export class EventClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(serverMessageSchema.parse(JSON.parse(String(data))));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  static async connect(baseUrl: string, hello: Omit<HelloMessage, 'v' | 'type'>) {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + EVENTS_PATH);
    const client = new EventClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ v: 1, type: 'hello', ...hello }));
    return client;
  }

  /** Waits for the next message (in order). */
  async next(timeoutMs = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) {
        const { code, reason } = await this.closed;
        throw new Error(`socket closed (${code} ${reason})`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift()!;
  }

  async expectReady(): Promise<string> {
    const message = await this.next();
    expect(message.type).toBe('ready');
    return message.type === 'ready' ? message.cursor : '';
  }

  async expectEvent() {
    const message = await this.next();
    if (message.type !== 'event') throw new Error(`expected an event, got ${message.type}`);
    return message;
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One suite's server (on a fresh database) and its people, who register in it. */
export interface Cast {
  server: Server;
  api: ApiClient;
  /** Creates the workspaces (ROOT). */
  alice: Person;
  /** Gets USER_MANAGE + STORE_USE. */
  bob: Person;
  /** Gets STORE_USE. */
  carol: Person;
  /** Never a member. */
  dave: Person;
}

/**
 * Registers the suite's `beforeAll` (server + cast) and `afterAll` (close, dispose); the
 * returned function gives the cast inside tests and later hooks.
 */
export function useCast(backend: TestBackend): () => Cast {
  let cast: Cast | undefined;
  beforeAll(async () => {
    await cryptoReady();
    const server = await startServer(await backend.open());
    const [alice, bob, carol, dave] = (await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((name) => person(server.api, name)),
    )) as [Person, Person, Person, Person];
    cast = { server, api: server.api, alice, bob, carol, dave };
  });
  afterAll(async () => {
    await cast?.server.app.close();
    await cast?.server.opened.dispose();
  });
  return () => {
    if (!cast) throw new Error('the cast is made in beforeAll');
    return cast;
  };
}
