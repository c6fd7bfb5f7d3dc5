import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  CloseCode,
  connectNodeWebSocket,
  createMemoryConnectionPair,
  wrapBrowserWebSocket,
  wrapNodeWebSocket,
  type PasswordAccessConnection,
} from './connection.js';

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected a failure');
}

describe('memory connection pair', () => {
  it('delivers messages in order, as copies', async () => {
    const [a, b] = createMemoryConnectionPair();
    const message = Uint8Array.of(1, 2, 3);
    a.send(message);
    message[0] = 9;
    a.send(Uint8Array.of(4));
    expect([...(await b.receive(1000))]).toEqual([1, 2, 3]);
    expect([...(await b.receive(1000))]).toEqual([4]);
    b.send(Uint8Array.of(5));
    expect([...(await a.receive(1000))]).toEqual([5]);
  });

  it('delivers what was sent before a close, then CONNECTION_CLOSED', async () => {
    const [a, b] = createMemoryConnectionPair();
    a.send(Uint8Array.of(1));
    a.send(Uint8Array.of(2));
    a.close(CloseCode.policyViolation, 'bye');
    expect(() => a.send(Uint8Array.of(3))).toThrowError(
      expect.objectContaining({ code: 'CONNECTION_CLOSED' }),
    );
    expect([...(await b.receive(1000))]).toEqual([1]);
    expect([...(await b.receive(1000))]).toEqual([2]);
    expect((await errorOf(b.receive(1000))).code).toBe('CONNECTION_CLOSED');
    expect(b.peerCloseInfo).toEqual({ code: CloseCode.policyViolation, reason: 'bye' });
    expect(() => b.send(Uint8Array.of(4))).toThrowError(
      expect.objectContaining({ code: 'CONNECTION_CLOSED' }),
    );
    await a.closed;
    await b.closed;
    expect((await errorOf(a.receive(1000))).code).toBe('CONNECTION_CLOSED');
  });

  it('wakes a waiting receive on close', async () => {
    const [a, b] = createMemoryConnectionPair();
    const pending = b.receive(10_000);
    a.close();
    expect((await errorOf(pending)).code).toBe('CONNECTION_CLOSED');
  });

  it('times out a receive with REQUEST_TIMEOUT and stays usable', async () => {
    const [a, b] = createMemoryConnectionPair();
    expect((await errorOf(b.receive(10))).code).toBe('REQUEST_TIMEOUT');
    a.send(Uint8Array.of(7));
    expect([...(await b.receive(1000))]).toEqual([7]);
  });

  it('allows one waiting receive at a time', async () => {
    const [a, b] = createMemoryConnectionPair();
    const first = b.receive(1000);
    expect((await errorOf(b.receive(1000))).code).toBe('INVALID_ARGUMENT');
    a.send(Uint8Array.of(1));
    expect([...(await first)]).toEqual([1]);
  });

  it('closes with 1009 when a message or the queue is too large', async () => {
    const [a, b] = createMemoryConnectionPair({ maxMessageBytes: 10, maxQueuedBytes: 15 });
    a.send(new Uint8Array(11));
    expect((await errorOf(b.receive(1000))).code).toBe('PAYLOAD_TOO_LARGE');
    expect(b.closeInfo?.code).toBe(CloseCode.tooBig);
    await a.closed;
    expect(a.peerCloseInfo?.code).toBe(CloseCode.tooBig);

    const [c, d] = createMemoryConnectionPair({ maxMessageBytes: 10, maxQueuedBytes: 15 });
    c.send(new Uint8Array(10));
    c.send(new Uint8Array(10));
    await c.closed;
    expect((await errorOf(d.receive(1000))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('bounds queued bytes, not bytes already read', async () => {
    const [a, b] = createMemoryConnectionPair({ maxMessageBytes: 10, maxQueuedBytes: 15 });
    for (let i = 0; i < 5; i++) {
      a.send(new Uint8Array(10));
      expect((await b.receive(1000)).length).toBe(10);
    }
  });
});

describe('WebSocket adapters', () => {
  let server: WebSocketServer | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.terminate();
    sockets.length = 0;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function listen(): Promise<{ url: string; next: Promise<WebSocket> }> {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    const next = new Promise<WebSocket>((resolve) =>
      server!.once('connection', (socket) => {
        sockets.push(socket);
        resolve(socket);
      }),
    );
    const { port } = server.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${port}`, next };
  }

  async function exchange(client: PasswordAccessConnection, serverConn: PasswordAccessConnection) {
    const big = new Uint8Array(200_000).fill(7);
    client.send(Uint8Array.of(1, 2));
    client.send(big);
    expect([...(await serverConn.receive(5000))]).toEqual([1, 2]);
    const received = await serverConn.receive(5000);
    expect(received.length).toBe(big.length);
    expect(received.every((byte) => byte === 7)).toBe(true);
    serverConn.send(Uint8Array.of(3));
    expect([...(await client.receive(5000))]).toEqual([3]);
    serverConn.close(CloseCode.normal, 'done');
    expect((await errorOf(client.receive(5000))).code).toBe('CONNECTION_CLOSED');
  }

  it('Node ws: binary messages both ways, close seen by the peer', async () => {
    const { url, next } = await listen();
    const client = await connectNodeWebSocket(url);
    const serverConn = wrapNodeWebSocket(await next);
    await exchange(client, serverConn);
  });

  it('browser WebSocket API (binaryType arraybuffer)', async () => {
    const { url, next } = await listen();
    const socket = new WebSocket(url);
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    // ws implements the browser event API; the adapter only uses that part.
    const client = wrapBrowserWebSocket(socket as unknown as globalThis.WebSocket);
    expect(socket.binaryType).toBe('arraybuffer');
    const serverConn = wrapNodeWebSocket(await next);
    await exchange(client, serverConn);
  });

  it('refuses text messages (1003) and oversized ones (1009)', async () => {
    const { url, next } = await listen();
    const client = new WebSocket(url);
    sockets.push(client);
    await new Promise<void>((resolve) => client.once('open', () => resolve()));
    const serverConn = wrapNodeWebSocket(await next, { maxMessageBytes: 100 });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    client.send('hello');
    expect((await errorOf(serverConn.receive(5000))).code).toBe('PROTOCOL_INVALID_FRAME');
    expect(await closed).toBe(CloseCode.unsupportedData);

    const second = await listenAgain();
    const client2 = new WebSocket(second.url);
    sockets.push(client2);
    await new Promise<void>((resolve) => client2.once('open', () => resolve()));
    const serverConn2 = wrapNodeWebSocket(await second.next, { maxMessageBytes: 100 });
    const closed2 = new Promise<number>((resolve) =>
      client2.once('close', (code) => resolve(code)),
    );
    client2.send(new Uint8Array(101));
    expect((await errorOf(serverConn2.receive(5000))).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await closed2).toBe(CloseCode.tooBig);
  });

  async function listenAgain(): Promise<{ url: string; next: Promise<WebSocket> }> {
    const next = new Promise<WebSocket>((resolve) =>
      server!.once('connection', (socket) => {
        sockets.push(socket);
        resolve(socket);
      }),
    );
    const { port } = server!.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${port}`, next };
  }

  it('connectNodeWebSocket fails with CONNECTION_CLOSED when nothing listens', async () => {
    const { url } = await listen();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    expect((await errorOf(connectNodeWebSocket(url, { timeoutMs: 5000 }))).code).toBe(
      'CONNECTION_CLOSED',
    );
  });
});
