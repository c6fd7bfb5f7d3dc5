import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserMode, type BrowserMode } from './browser-mode.js';

let mode: BrowserMode;
let tmp: string;
let origin: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bb-bridge-'));
  const rendererDir = path.join(tmp, 'renderer');
  await fs.mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'outside the renderer');
  mode = await startBrowserMode({
    dataDir: path.join(tmp, 'data'),
    rendererDir,
    log: () => undefined,
  });
  origin = `http://127.0.0.1:${mode.bridge.port}`;
});

afterAll(async () => {
  await mode.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

function get(pathname: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: mode.bridge.port, path: pathname, headers },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

function connect(options: { token?: string | null; origin?: string; host?: string } = {}) {
  const token = options.token === undefined ? mode.bridge.token : options.token;
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const headers: Record<string, string> = {};
  if (options.host) headers.Host = options.host;
  return new WebSocket(`ws://127.0.0.1:${mode.bridge.port}/bridge${query}`, {
    origin: options.origin ?? origin,
    headers,
  });
}

function refusal(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('connection was accepted')));
    ws.on('error', () => undefined);
  });
}

function opened(ws: WebSocket): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

function nextFrame(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)),
  );
}

describe('browser bridge: HTTP', () => {
  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(mode.bridge.url).toBe(`${origin}/?token=${mode.bridge.token}`);
    expect(mode.bridge.token.length).toBeGreaterThanOrEqual(43);
  });

  it('serves the page with the token, with a strict CSP', async () => {
    const res = await get(`/?token=${mode.bridge.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it.each([[''], ['?token='], ['?token=wrong'], [`?token=${'A'.repeat(43)}`]])(
    'refuses the page with token query "%s"',
    async (query) => {
      const res = await get(`/${query}`);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'BRIDGE_UNAUTHORIZED' } });
    },
  );

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(`/?token=${mode.bridge.token}`, { Host: 'attacker.example:80' });
    expect(res.status).toBe(403);
  });

  it('serves assets but nothing outside the renderer folder', async () => {
    expect((await get('/assets/app.js')).status).toBe(200);
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/assets/%2e%2e/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });
});

describe('browser bridge: WebSocket', () => {
  it('answers a valid request', async () => {
    const ws = await opened(connect());
    ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app.status', request: {} }));
    const frame = await nextFrame(ws);
    expect(frame).toMatchObject({
      type: 'result',
      id: 1,
      result: { ok: true, response: { appName: 'Backbone', core: 'ready', runtime: 'browser' } },
    });
    ws.close();
  });

  it('answers an invalid payload with a typed error', async () => {
    const ws = await opened(connect());
    ws.send(JSON.stringify({ type: 'invoke', id: 2, channel: 'app.status', request: { evil: 1 } }));
    expect(await nextFrame(ws)).toMatchObject({
      id: 2,
      result: { ok: false, error: { code: 'IPC_INVALID_REQUEST' } },
    });
    ws.send(JSON.stringify({ type: 'invoke', id: 3, channel: 'fs.readFile', request: {} }));
    expect(await nextFrame(ws)).toMatchObject({
      id: 3,
      result: { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } },
    });
    ws.close();
  });

  it('survives malformed frames and keeps serving', async () => {
    const ws = await opened(connect());
    for (const garbage of ['not json', '{"type":"invoke"}', '[]', 'null', '{"id":-1}']) {
      ws.send(garbage);
      expect(await nextFrame(ws)).toMatchObject({ type: 'protocolError' });
    }
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await nextFrame(ws)).toMatchObject({ type: 'protocolError' });
    ws.send(JSON.stringify({ type: 'invoke', id: 9, channel: 'app.status', request: {} }));
    expect(await nextFrame(ws)).toMatchObject({ id: 9, result: { ok: true } });
    ws.close();
  });

  it('pushes core events to connected renderers', async () => {
    const ws = await opened(connect());
    const frame = nextFrame(ws);
    mode.bridge.broadcast('app.statusChanged', mode.core.status());
    expect(await frame).toMatchObject({ type: 'event', event: 'app.statusChanged' });
    ws.close();
  });

  it('refuses a missing token', async () => {
    expect(await refusal(connect({ token: null }))).toBe(401);
  });

  it('refuses a wrong token', async () => {
    expect(await refusal(connect({ token: 'wrong' }))).toBe(401);
    expect(await refusal(connect({ token: mode.bridge.token + 'x' }))).toBe(401);
  });

  it('refuses another Origin', async () => {
    expect(await refusal(connect({ origin: 'https://evil.example' }))).toBe(403);
    expect(await refusal(connect({ origin: 'http://127.0.0.1:1' }))).toBe(403);
    expect(await refusal(connect({ origin: 'null' }))).toBe(403);
  });

  it('refuses a foreign Host header', async () => {
    expect(await refusal(connect({ host: 'evil.example' }))).toBe(403);
  });
});

describe('browser bridge: test-only traffic recorder', () => {
  it('sees every frame in both directions, and is off unless asked for', async () => {
    const { startBridgeServer } = await import('./bridge-server.js');
    const recorded: Array<[string, string]> = [];
    const bridge = await startBridgeServer({
      dispatch: async () => ({ ok: true, response: { pong: true } }),
      rendererDir: path.join(tmp, 'renderer'),
      testOnlyRecordTraffic: (direction, frame) => recorded.push([direction, frame]),
    });
    const bridgeOrigin = `http://127.0.0.1:${bridge.port}`;
    const ws = await opened(
      new WebSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, {
        origin: bridgeOrigin,
      }),
    );
    const frame = JSON.stringify({ type: 'invoke', id: 5, channel: 'x', request: {} });
    ws.send(frame);
    await nextFrame(ws);
    bridge.broadcast('app.statusChanged', { hello: 1 });
    await nextFrame(ws);
    ws.close();
    await bridge.close();
    expect(recorded[0]).toEqual(['in', frame]);
    expect(recorded[1]![0]).toBe('out');
    expect(JSON.parse(recorded[1]![1])).toMatchObject({ type: 'result', id: 5 });
    expect(JSON.parse(recorded[2]![1])).toMatchObject({
      type: 'event',
      event: 'app.statusChanged',
    });
  });

  it('is honoured only with NODE_ENV=test', async () => {
    const { testModeFromEnv } = await import('../core/test-mode.js');
    expect(testModeFromEnv({ BACKBONE_TEST_IPC_RECORD: '/tmp/x' }).ipcRecordFile).toBeUndefined();
    expect(testModeFromEnv({ NODE_ENV: 'production', BACKBONE_TEST_WEAK_KDF: '1' }).weakKdf).toBe(
      false,
    );
    expect(
      testModeFromEnv({ NODE_ENV: 'test', BACKBONE_TEST_IPC_RECORD: '/tmp/x' }).ipcRecordFile,
    ).toBe('/tmp/x');
  });
});
