import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import { useTestBackends } from '../test/backends.js';
import { errorCode, type ApiResponse } from '../test/client.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { rawRequest } from '../test/raw.js';
import { mapError } from './errors.js';
import { RouteTable } from './route-table.js';

const backends = useTestBackends();

function expectApiError(response: ApiResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(errorCode(response)).toBe(code);
}

describe.each(backends)('HTTP errors ($name)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend, { config: { bodyLimit: 64 * 1024 } });
  });
  afterAll(() => server.close());

  it('unknown paths are 404 NOT_FOUND, trailing slashes and case included', async () => {
    for (const path of ['/nope', '/v1', '/v1/server/', '/V1/server', '/v2/server', '/v1/auth']) {
      expectApiError(await server.api.get(path), 404, 'NOT_FOUND');
    }
  });

  it('a known path with another method is 405 with Allow', async () => {
    const response = await server.api.request('PUT', '/v1/auth/challenge');
    expectApiError(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('POST');
    const get = await server.api.get('/v1/identities');
    expect(get.headers.get('allow')).toBe('POST');
    const params = await server.api.request('PATCH', `/v1/auth/tokens/abc`);
    expect(params.headers.get('allow')).toBe('DELETE');
  });

  it('a body over the limit is 413', async () => {
    const big = JSON.stringify({ v: 1, pad: 'x'.repeat(70 * 1024) });
    expectApiError(await server.api.post('/v1/auth/challenge', big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('bodies that are not JSON are 415; malformed JSON is 400', async () => {
    const text = await server.api.post('/v1/auth/challenge', 'hello', {
      headers: { 'content-type': 'text/plain' },
    });
    expectApiError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await server.api.post('/v1/auth/challenge', 'a=b', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectApiError(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectApiError(await server.api.post('/v1/auth/challenge', '{"v":'), 400, 'INVALID_JSON');
    expectApiError(await server.api.post('/v1/auth/challenge', ''), 400, 'INVALID_JSON');
  });

  it('prototype poisoning is refused', async () => {
    for (const body of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}']) {
      const response = await server.api.post('/v1/auth/challenge', body);
      expect(response.status).toBe(400);
      apiErrorSchema.parse(response.body);
    }
  });

  it('deeply nested JSON is a 400, not a crash', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const response = await server.api.post('/v1/auth/challenge', deep);
    expectApiError(response, 400, 'INVALID_REQUEST');
    const deepLogin = `{"v":1,"identity":"x","certificate":{"kind":"device.cert","v":1,"sig":"x","body":${deep}}}`;
    expect((await server.api.post('/v1/auth/login', deepLogin)).status).toBe(400);
  });

  it('unknown query parameters are refused on /v1 routes', async () => {
    expectApiError(await server.api.get('/v1/server?debug=1'), 400, 'INVALID_REQUEST');
  });

  it('malformed URLs are 400 and over-long path parts 414', async () => {
    expectApiError(await server.api.get('/v1/identities/%E0%A4%A'), 400, 'INVALID_REQUEST');
    expectApiError(await server.api.get(`/v1/identities/${'a'.repeat(300)}`), 414, 'URI_TOO_LONG');
  });

  it('answers HEAD for GET routes without a body', async () => {
    const response = await server.api.request('HEAD', '/healthz');
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('sets nosniff and no-store on errors', async () => {
    const response = await server.api.get('/nope');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers requests that are not HTTP with a JSON 400', async () => {
    const garbage = await rawRequest(server.url, 'HELLO THERE\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(apiErrorSchema.parse(JSON.parse(garbage.body)).error.code).toBe('INVALID_REQUEST');
    const huge = await rawRequest(
      server.url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.status).toBe(431);
    apiErrorSchema.parse(JSON.parse(huge.body));
    const badLength = await rawRequest(
      server.url,
      'POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
    );
    expect(badLength.status).toBe(400);
    expect((await server.api.get('/healthz')).status).toBe(200);
  });
});

describe.each(backends.slice(0, 1))('timeouts ($name)', (backend) => {
  it('a request whose body never arrives is answered 408 and closed', async () => {
    const server = await startTestServer(backend, {
      config: { requestTimeoutMs: 1000, connectionTimeoutMs: 5000 },
    });
    try {
      const started = Date.now();
      const response = await rawRequest(
        server.url,
        'POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"v":',
        { endAfterWrite: false, timeoutMs: 10_000 },
      );
      expect(response.status).toBe(408);
      expect(apiErrorSchema.parse(JSON.parse(response.body)).error.code).toBe('REQUEST_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(8000);
      expect((await server.api.get('/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('error mapping', () => {
  it('never shows the detail of unexpected errors', () => {
    const mapped = mapError(new Error('password=hunter2 at /secret/path'));
    expect(mapped.status).toBe(500);
    expect(mapped.code).toBe('INTERNAL');
    expect(mapped.message).not.toContain('hunter2');
  });

  it('maps other client errors to 400', () => {
    const error = Object.assign(new Error('weird'), { statusCode: 422 });
    expect(mapError(error)).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});

describe('route table', () => {
  it('matches parameters per segment only', () => {
    const table = new RouteTable();
    table.add('GET', '/v1/a/:id');
    table.add(['POST', 'PUT'], '/v1/a/:id/b');
    expect(table.allowedMethods('/v1/a/x')).toEqual(['GET']);
    expect(table.allowedMethods('/v1/a/x/b')).toEqual(['POST', 'PUT']);
    expect(table.allowedMethods('/v1/a/x/y/b')).toEqual([]);
    expect(table.allowedMethods('/v1/a')).toEqual([]);
  });
});
