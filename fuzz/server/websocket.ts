/**
 * Hostile input on both WebSockets (`/v1/events`, `/v1/password-access`) and on their upgrade
 * requests. A case is a short script of frames — valid ones (a real hello, a real token),
 * out-of-order ones, truncated, oversized, wrong type, text instead of binary and back, bounded
 * floods — sent on one connection. Every case: the upgrade is a 101 or a JSON 4xx; every
 * message the server sends is well formed (an `error` one matches the shared schema); the server
 * never closes with 1011 (internal error) nor drops the TCP connection without a close frame
 * (1006); a refused script leaves the database as it was; the server keeps serving.
 */
import net from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import { EVENTS_PATH, serverMessageSchema } from '../../src-shared/api/events.js';
import { utf8 } from '../../src-shared/crypto/index.js';
import { decodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import { errorPayloadSchema } from '../../src-shared/pake/protocol.js';
import { PASSWORD_ACCESS_PATH } from '../../src-server/routes/password-access.js';
import type { EntryPoint, FuzzOptions, Suite, SuiteInstance } from '../harness.js';
import { violation } from '../harness.js';
import { openDatabaseDigest } from './digest.js';
import { startServerFixtures, type ServerFixtures } from './fixtures.js';
import { headerValue, replacement } from './generators.js';

/** A frame to send; `token` placeholders are resolved against the fixtures when sent. */
type Frame =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'hello'; fields: Record<string, unknown>; token?: number; binary?: boolean }
  | { kind: 'flood'; count: number; frame: Uint8Array | string };

/** How long a script waits for the server after its last frame when the socket stays open. */
const QUIET_MS = 60;
const EVENTS_MAX_FRAME = 16 * 1024;

const jsonText = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ v: 1, type: 'hello', x: v })),
  fc.constantFrom('{', '', 'null', '[]', '{"v":1}', '{"v":2,"type":"hello"}', '{"type":"ack"}'),
);

const bytes = (max: number) => fc.uint8Array({ maxLength: max });

function eventsScript(f: ServerFixtures): fc.Arbitrary<Frame[]> {
  const hello = fc
    .record({
      token: fc.option(fc.nat({ max: f.tokens.length - 1 }), { nil: undefined, freq: 4 }),
      cursor: fc.option(fc.constantFrom('0', '1', '999999', '9999999999999999', '-1', '01', 'x'), {
        nil: undefined,
      }),
      workspaces: fc.option(
        fc.array(fc.constantFrom(...f.ids.workspaces, '', 'x'.repeat(80)), { maxLength: 3 }),
        { nil: undefined },
      ),
      badField: fc.option(fc.tuple(fc.constantFrom('v', 'type', 'token', 'extra'), replacement), {
        nil: undefined,
        freq: 3,
      }),
      binary: fc.boolean(),
    })
    .map(({ token, cursor, workspaces, badField, binary }): Frame => {
      const fields: Record<string, unknown> = { v: 1, type: 'hello' };
      if (cursor !== undefined) fields.cursor = cursor;
      if (workspaces !== undefined) fields.workspaces = workspaces;
      if (badField) fields[badField[0]] = badField[1];
      return { kind: 'hello', fields, ...(token !== undefined ? { token } : {}), binary };
    });
  const frame: fc.Arbitrary<Frame> = fc.oneof(
    { weight: 4, arbitrary: hello },
    jsonText.map((text): Frame => ({ kind: 'text', text })),
    bytes(64).map((b): Frame => ({ kind: 'binary', bytes: b })),
    fc.integer({ min: EVENTS_MAX_FRAME - 8, max: EVENTS_MAX_FRAME + 64 }).map((n): Frame => ({
      kind: 'text',
      text: `{"v":1,"type":"hello","token":"${'a'.repeat(n)}"}`,
    })),
    fc
      .tuple(fc.integer({ min: 2, max: 60 }), jsonText)
      .map(([count, text]): Frame => ({ kind: 'flood', count, frame: text })),
  );
  return fc.array(frame, { minLength: 0, maxLength: 4 });
}

const USERNAMES = ['alice', 'bob', 'nobody', '', 'A'.repeat(200), 'ålice', '../x'];

function rawFrame(type: number, payload: Uint8Array, declared?: number): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint32(1, declared ?? payload.length, true);
  out.set(payload, 5);
  return out;
}

function passwordScript(f: ServerFixtures): fc.Arbitrary<Frame[]> {
  const types = Object.values(FrameType);
  const hello = fc
    .record({
      op: fc.constantFrom('login', 'register', 'change', 'delete', ''),
      workspace: fc.constantFrom(...f.ids.workspaces, 'ws_main'),
      username: fc.constantFrom(...USERNAMES),
      token: fc.option(fc.nat({ max: f.tokens.length - 1 }), { nil: undefined }),
      badField: fc.option(fc.tuple(fc.constantFrom('v', 'op', 'username', 'extra'), replacement), {
        nil: undefined,
        freq: 3,
      }),
    })
    .map(({ op, workspace, username, token, badField }): Frame => {
      const fields: Record<string, unknown> = { v: 1, op, workspace, username };
      if (badField) fields[badField[0]] = badField[1];
      return { kind: 'hello', fields, ...(token !== undefined ? { token } : {}), binary: true };
    });
  const frame: fc.Arbitrary<Frame> = fc.oneof(
    { weight: 4, arbitrary: hello },
    // A known type with a payload of any size (wrong sizes for every step).
    fc
      .tuple(fc.constantFrom(...types), bytes(200))
      .map(([t, p]): Frame => ({ kind: 'binary', bytes: rawFrame(t, p) })),
    // A declared length that does not match, an unknown type, a truncated header.
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), bytes(40), fc.nat())
      .map(([t, p, d]): Frame => ({ kind: 'binary', bytes: rawFrame(t, p, d) })),
    bytes(4).map((b): Frame => ({ kind: 'binary', bytes: b })),
    jsonText.map((text): Frame => ({ kind: 'text', text })),
    fc.constantFrom(64 * 1024, 300 * 1024).map((n): Frame => ({
      kind: 'binary',
      bytes: rawFrame(FrameType.registration, new Uint8Array(n)),
    })),
    fc.tuple(fc.integer({ min: 2, max: 40 }), bytes(16)).map(([count, b]): Frame => ({
      kind: 'flood',
      count,
      frame: rawFrame(FrameType.response1, b),
    })),
  );
  return fc.array(frame, { minLength: 0, maxLength: 4 });
}

interface Outcome {
  upgradeStatus: number;
  upgradeBody: string;
  messages: { binary: boolean; data: Buffer }[];
  closeCode?: number;
}

function runScript(url: string, frames: Frame[], f: ServerFixtures): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { maxPayload: 1024 * 1024, perMessageDeflate: false });
    const outcome: Outcome = { upgradeStatus: 101, upgradeBody: '', messages: [] };
    let quiet: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(hard);
      resolve(outcome);
    };
    const hard = setTimeout(() => {
      ws.terminate();
      done();
    }, 10_000);
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => ws.close(1000), QUIET_MS);
    };
    ws.on('unexpected-response', (_req, res) => {
      outcome.upgradeStatus = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        outcome.upgradeBody = Buffer.concat(chunks).toString('utf8');
        done();
      });
      res.on('error', done);
    });
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      outcome.messages.push({ binary: isBinary, data: data as Buffer });
      rearm();
    });
    ws.on('close', (code) => {
      outcome.closeCode = code;
      done();
    });
    ws.on('open', () => {
      for (const frame of frames) {
        if (ws.readyState !== WebSocket.OPEN) break;
        if (frame.kind === 'text') ws.send(frame.text, { binary: false });
        else if (frame.kind === 'binary') ws.send(frame.bytes, { binary: true });
        else if (frame.kind === 'flood') {
          for (let i = 0; i < frame.count && ws.readyState === WebSocket.OPEN; i++) {
            ws.send(frame.frame, { binary: typeof frame.frame !== 'string' });
          }
        } else {
          const fields = { ...frame.fields };
          if (frame.token !== undefined) fields.token = f.tokens[frame.token];
          if (url.endsWith(PASSWORD_ACCESS_PATH)) {
            ws.send(rawFrame(FrameType.hello, utf8(JSON.stringify(fields))), { binary: true });
          } else {
            ws.send(JSON.stringify(fields), { binary: frame.binary === true });
          }
        }
      }
      rearm();
    });
  });
}

function checkUpgradeRefusal(outcome: Outcome): void {
  const { upgradeStatus: status, upgradeBody: body } = outcome;
  if (status === 101) return;
  if (status >= 500 || status < 400) violation(`upgrade answered ${status}: ${body.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    violation(`upgrade refusal ${status} without a JSON body: ${body.slice(0, 200)}`);
  }
  if (!apiErrorSchema.safeParse(parsed).success) {
    violation(
      `upgrade refusal ${status} body is not {error:{code,message}}: ${body.slice(0, 200)}`,
    );
  }
}

function checkClose(outcome: Outcome): void {
  if (outcome.closeCode === 1011) violation('the server closed with 1011 (internal error)');
  if (outcome.closeCode === 1006) {
    violation('the connection was dropped without a close frame (1006)');
  }
}

function checkEvents(outcome: Outcome): void {
  checkUpgradeRefusal(outcome);
  for (const message of outcome.messages) {
    if (message.binary) violation('the events channel sent a binary message');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data.toString('utf8'));
    } catch {
      violation(`the events channel sent a message that is not JSON`);
    }
    const known = serverMessageSchema.safeParse(parsed);
    if (!known.success) violation(`events message outside the schema: ${JSON.stringify(parsed)}`);
    if (known.data.type === 'error' && known.data.code === 'INTERNAL') {
      violation(`events error INTERNAL: ${known.data.message}`);
    }
  }
  checkClose(outcome);
}

function checkPasswordAccess(outcome: Outcome): void {
  checkUpgradeRefusal(outcome);
  for (const message of outcome.messages) {
    if (!message.binary) violation('the password-access socket sent a text message');
    let frame;
    try {
      frame = decodeFrame(new Uint8Array(message.data));
    } catch (error) {
      violation(`the password-access socket sent a malformed frame: ${String(error)}`);
    }
    if (frame.type === FrameType.error) {
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(frame.payload).toString('utf8'));
      } catch {
        violation('a password-access error frame is not JSON');
      }
      const parsed = errorPayloadSchema.safeParse(payload);
      if (!parsed.success)
        violation(`password-access error frame outside the schema: ${JSON.stringify(payload)}`);
      if (parsed.data.code === 'INTERNAL')
        violation(`password-access error INTERNAL: ${parsed.data.message}`);
    }
  }
  checkClose(outcome);
}

/** Upgrade requests with hostile headers, over a raw socket (what `ws` would refuse to send). */
const upgradeRequest = fc
  .record({
    path: fc.constantFrom(
      EVENTS_PATH,
      PASSWORD_ACCESS_PATH,
      `${EVENTS_PATH}?x=1`,
      `${PASSWORD_ACCESS_PATH}/`,
    ),
    host: fc.option(fc.constantFrom('127.0.0.1', '', 'evil.example'), { nil: undefined }),
    upgrade: fc.option(fc.constantFrom('websocket', 'WebSocket', 'h2c', 'websocket, x', ''), {
      nil: undefined,
    }),
    connection: fc.constantFrom('Upgrade', 'upgrade', 'keep-alive, Upgrade', 'close'),
    version: fc.option(fc.constantFrom('13', '8', '', '13, 8', '99999999999'), { nil: undefined }),
    key: fc.option(
      fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'short', '', '!!!!', 'A'.repeat(300)),
      {
        nil: undefined,
      },
    ),
    origin: fc.option(fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'), {
      nil: undefined,
    }),
    protocol: fc.option(headerValue, { nil: undefined }),
    body: fc.option(fc.constantFrom('x', '{"v":1}'), { nil: undefined, freq: 5 }),
  })
  .map((r) => {
    const lines = [`GET ${r.path} HTTP/1.1`];
    if (r.host !== undefined) lines.push(`Host: ${r.host}`);
    if (r.upgrade !== undefined) lines.push(`Upgrade: ${r.upgrade}`);
    lines.push(`Connection: ${r.connection}`);
    if (r.version !== undefined) lines.push(`Sec-WebSocket-Version: ${r.version}`);
    if (r.key !== undefined) lines.push(`Sec-WebSocket-Key: ${r.key}`);
    if (r.origin !== undefined) lines.push(`Origin: ${r.origin}`);
    if (r.protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${r.protocol}`);
    if (r.body !== undefined) lines.push(`Content-Length: ${r.body.length}`);
    return `${lines.join('\r\n')}\r\n\r\n${r.body ?? ''}`;
  });

/** Sends `request`, returns the status line's code and body (101: the socket is then closed). */
function rawUpgrade(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let data = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, body: rest.join('\r\n\r\n') });
    };
    const timer = setTimeout(finish, 5_000);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString('utf8');
      const head = text.split('\r\n\r\n', 1)[0] ?? '';
      if (!text.includes('\r\n\r\n')) return;
      if (/^HTTP\/1\.1 101/.test(head)) return finish();
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      if (Buffer.byteLength(text) - Buffer.byteLength(head) - 4 >= length) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(request);
  });
}

async function setupWebSockets(options: FuzzOptions): Promise<SuiteInstance> {
  const f = await startServerFixtures(options.postgres);
  const digest = await openDatabaseDigest(f.server.opened);
  const wsBase = f.server.url.replace(/^http/, 'ws');
  let last = await digest.digest();
  const unchangedUnlessAccepted = async (accepted: boolean, what: string) => {
    const now = await digest.digest();
    if (!accepted && now !== last) {
      last = now;
      violation(`a refused ${what} changed the database`);
    }
    last = now;
  };
  const entryPoints: EntryPoint[] = [
    {
      name: `ws ${EVENTS_PATH} frames`,
      weight: 3,
      arbitrary: eventsScript(f),
      async check(frames: Frame[]) {
        const outcome = await runScript(wsBase + EVENTS_PATH, frames, f);
        checkEvents(outcome);
        await unchangedUnlessAccepted(false, 'events script');
      },
    } as EntryPoint<Frame[]>,
    {
      name: `ws ${PASSWORD_ACCESS_PATH} frames`,
      weight: 3,
      arbitrary: passwordScript(f),
      async check(frames: Frame[]) {
        const outcome = await runScript(wsBase + PASSWORD_ACCESS_PATH, frames, f);
        checkPasswordAccess(outcome);
        // No script here completes a registration (it would need a sealed record).
        await unchangedUnlessAccepted(false, 'password-access script');
      },
    } as EntryPoint<Frame[]>,
    {
      name: 'ws upgrade requests',
      weight: 2,
      arbitrary: upgradeRequest,
      async check(request: string) {
        const { status, body } = await rawUpgrade(f.server.url, request);
        if (status === 0) violation(`no answer to an upgrade request: ${JSON.stringify(request)}`);
        checkUpgradeRefusal({ upgradeStatus: status, upgradeBody: body, messages: [] });
        await unchangedUnlessAccepted(false, 'upgrade request');
      },
    } as EntryPoint<string>,
  ];
  return {
    entryPoints,
    async probe() {
      const health = await f.server.api.get('/healthz');
      if (health.status !== 200)
        violation(`the server stopped serving: /healthz → ${health.status}`);
      await f.refreshTokens();
      last = await digest.digest();
    },
    async close() {
      await digest.close();
      await f.close();
    },
  };
}

export const websocketSuite: Suite = {
  name: 'server-websocket',
  weight: 3,
  setup: setupWebSockets,
};
