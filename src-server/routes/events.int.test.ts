/**
 * The events channel's upgrade request: a malformed WebSocket handshake (bad key, version,
 * protocol header) is refused with a JSON error like every other request — not the `ws`
 * library's plain-text 400; a plain request's 426 closes the connection (it names `upgrade` in
 * `Connection`, which a keep-alive client cannot reuse). (Found by the fuzz harness, fuzz/server/.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import { EVENTS_PATH } from '../../src-shared/api/events.js';
import { PASSWORD_ACCESS_PATH } from './password-access.js';
import { useTestBackends } from '../test/backends.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { rawRequest } from '../test/raw.js';

const backends = useTestBackends();
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function upgrade(headers: string): string {
  return `GET ${EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`;
}

describe.each(backends)('events upgrade request ($name)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['a short key', `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n`, 400],
    ['no key', `Sec-WebSocket-Version: 13\r\n`, 400],
    [
      'an oversized key',
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${'A'.repeat(300)}\r\n`,
      400,
    ],
    ['version 8', `Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: ${KEY}\r\n`, 426],
    [
      'a malformed protocol header',
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Protocol: a, a\r\n`,
      400,
    ],
  ])('refuses %s with a JSON error', async (_what, headers, status) => {
    const response = await rawRequest(server.url, upgrade(headers), { endAfterWrite: false });
    expect(response.status).toBe(status);
    expect(apiErrorSchema.safeParse(JSON.parse(response.body)).success).toBe(true);
  });

  it.each([
    ['GET', EVENTS_PATH],
    ['HEAD', EVENTS_PATH],
    ['GET', PASSWORD_ACCESS_PATH],
    ['HEAD', PASSWORD_ACCESS_PATH],
  ])('answers a plain %s %s with 426 and closes the connection', async (method, path) => {
    // The 426 names `upgrade` in `Connection` (RFC 9110 §7.8), which keep-alive clients (Node's
    // own) take as the end of the connection: the server must not keep it open for another
    // request (it did, and the next answer on that socket was a parse error for the client).
    const response = await rawRequest(server.url, `${method} ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, {
      endAfterWrite: false,
      timeoutMs: 5000,
    });
    expect(response.status).toBe(426);
    expect(response.headers.toLowerCase()).toContain('connection: upgrade, close');
    expect(response.headers.toLowerCase()).toContain('upgrade: websocket');
  });
});
