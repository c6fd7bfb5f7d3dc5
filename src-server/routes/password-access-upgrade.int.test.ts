/**
 * The password-access WebSocket upgrade on the real server, against both backends: request
 * timeout, 426 for plain requests, other sites, pending-handshake caps, malformed upgrades,
 * the per-IP rate limit and shutdown.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../src-shared/crypto/index.js';
import { passwordLogin } from '../../src-shared/pake/client.js';
import { connectNodeWebSocket } from '../../src-shared/pake/connection.js';
import { decodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import { useTestBackends, type OpenedStorage } from '../test/backends.js';
import { errorCode } from '../test/client.js';
import type { TestClock } from '../test/harness.js';
import { rawRequest } from '../test/raw.js';
import { MAX_PENDING_PER_ADDRESS } from '../password-access/handshake-slots.js';
import { PASSWORD_ACCESS_PATH } from './password-access.js';
import {
  WS,
  PASSWORD,
  REQUEST_TIMEOUT_MS,
  type Running,
  startServer,
  settle,
  sameBytes,
  rawSocket,
  refusedUpgrade,
  helloFrame,
  usePasswordAccessServer,
} from '../test/password-access.js';

const backends = useTestBackends();

describe.each(backends)('password access over WebSocket ($name)', (backend) => {
  const suite = usePasswordAccessServer(backend);
  let opened: OpenedStorage;
  let clock: TestClock;
  let server: Running;
  let serverId: string;
  let aliceBlob: Uint8Array;
  beforeAll(() => ({ opened, clock, server, serverId, aliceBlob } = suite.state()));

  it('outlives the HTTP request timeout once upgraded', async () => {
    const socket = await rawSocket(server.wsUrl);
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 1000));
    socket.ws.send(helloFrame({ op: 'login', username: 'idle' }));
    expect(decodeFrame(await socket.next()).type).toBe(FrameType.publicData);
    socket.ws.close();
  });

  it('answers plain requests with 426, refuses other sites and too many sockets per address', async () => {
    const plain = await server.api.get(PASSWORD_ACCESS_PATH);
    expect(plain.status).toBe(426);
    expect(errorCode(plain)).toBe('INVALID_REQUEST');
    expect(plain.headers.get('upgrade')).toBe('websocket');

    // A web page of another site (its visitors' browsers send its Origin).
    expect(await refusedUpgrade(server.wsUrl, { origin: 'https://evil.example' })).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await refusedUpgrade(server.wsUrl, { origin: 'null' })).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    // This server's own origin is fine.
    const own = await rawSocket(server.wsUrl, { origin: server.url });
    own.ws.close();
    await own.closed;
    // Unknown paths and query strings, like the rest of the API.
    expect(await refusedUpgrade(`${server.wsUrl}/more`)).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await refusedUpgrade(`${server.wsUrl}?x=1`)).toMatchObject({ status: 400 });

    // At most MAX_PENDING_PER_ADDRESS open sockets per client address.
    const sockets = await Promise.all(
      Array.from({ length: MAX_PENDING_PER_ADDRESS }, () => rawSocket(server.wsUrl)),
    );
    expect(await refusedUpgrade(server.wsUrl)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    for (const socket of sockets) socket.ws.close();
    await Promise.all(sockets.map((socket) => socket.closed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await rawSocket(server.wsUrl);
    again.ws.close();
    await again.closed;
    expect((await server.api.get('/healthz')).status).toBe(200);
  });

  it('caps pending handshakes per address (an IPv6 /64 is one address); others still get in', async () => {
    const proxied = await startServer(opened.storage, opened.dataDir, clock, { trustProxy: true });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const held: Awaited<ReturnType<typeof rawSocket>>[] = [];
    try {
      // One host spreading over its /64: MAX_PENDING_PER_ADDRESS sockets, then 429.
      for (let i = 1; i <= MAX_PENDING_PER_ADDRESS; i++) {
        held.push(await rawSocket(proxied.wsUrl, from(`2001:db8:1:2::${i}`)));
      }
      expect(await refusedUpgrade(proxied.wsUrl, from('2001:db8:1:2::ffff'))).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
      });
      expect(await refusedUpgrade(proxied.wsUrl, from('2001:db8:1:2:a:b:c:d'))).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
      });
      // Other addresses are not held up by it, and can log in (here 127.0.0.1, no header).
      held.push(await rawSocket(proxied.wsUrl, from('2001:db8:1:3::1')));
      held.push(await rawSocket(proxied.wsUrl, from('198.51.100.7')));
      const loggedIn = await settle(
        connectNodeWebSocket(proxied.wsUrl).then((conn) =>
          passwordLogin(conn, {
            workspace: WS,
            username: 'alice',
            password: PASSWORD,
            serverId,
            testOnlyRandom: randomBytes,
          }),
        ),
      );
      if (!loggedIn.ok) throw loggedIn.error;
      expect(sameBytes(loggedIn.value, aliceBlob)).toBe(true);
      // A closed socket gives its slot back.
      held[0]!.ws.close();
      await held[0]!.closed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      held[0] = await rawSocket(proxied.wsUrl, from('2001:db8:1:2::77'));
    } finally {
      for (const socket of held) socket.ws.close();
      await Promise.all(held.map((socket) => socket.closed));
      await proxied.close();
    }
  });

  it('answers malformed upgrades with JSON errors, and upgrades elsewhere as plain requests', async () => {
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\n';
    const cases: [string, number, string | undefined][] = [
      // Other routes answer as usual (h2c and WebSocket upgrade requests alike).
      [`GET /healthz HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`, 200, undefined],
      [
        'GET /v1/server HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
          'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        200,
        undefined,
      ],
      [
        `DELETE ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`,
        405,
        'METHOD_NOT_ALLOWED',
      ],
      [
        `POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\n${upgrade}Content-Length: 2\r\n\r\n{}`,
        400,
        'INVALID_REQUEST',
      ],
      // This route: Host, version, key, protocol list.
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\n${upgrade}Sec-WebSocket-Version: 13\r\n${key}\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 8\r\n${key}\r\n`,
        426,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 13\r\n${key}Sec-WebSocket-Protocol: a, a\r\n\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`,
        426,
        'INVALID_REQUEST',
      ],
    ];
    for (const [request, status, code] of cases) {
      const response = await rawRequest(server.url, request, { endAfterWrite: false });
      expect(response.status, request).toBe(status);
      const body = JSON.parse(response.body) as { error?: { code: string } };
      expect(body.error?.code, request).toBe(code);
    }
    expect((await server.api.get('/healthz')).status).toBe(200);
  });

  it('applies the per-IP rate limit to upgrades', async () => {
    const limited = await startServer(opened.storage, opened.dataDir, clock, {
      rateLimit: { ipPerMinute: 1_000_000, authPerMinute: 2, accountPerMinute: 1_000_000 },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const socket = await rawSocket(limited.wsUrl);
        socket.ws.close();
        await socket.closed;
      }
      expect(await refusedUpgrade(limited.wsUrl)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect((await limited.api.get('/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('closes open password-access sockets when the server shuts down', async () => {
    const second = await startServer(opened.storage, opened.dataDir, clock);
    const socket = await rawSocket(second.wsUrl);
    const started = Date.now();
    await second.close();
    expect((await socket.closed).code).toBe(1001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
