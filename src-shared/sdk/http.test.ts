import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isBackboneError } from '../errors.js';
import { BackboneClient } from './client.js';
import { HttpClient, ServerError, cleanServerMessage, normalizeServerUrl } from './http.js';

function fakeFetch(status: number, body: string, headers: Record<string, string> = {}) {
  return async () =>
    new Response(status === 204 ? null : body, {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
}

const schema = z.strictObject({ v: z.literal(1), ok: z.boolean() });

async function failure(client: HttpClient): Promise<unknown> {
  return client.request('GET', '/x', { schema }).then(
    () => new Error('no failure'),
    (error: unknown) => error,
  );
}

/** fetch as undici fails it when the server closed a kept-alive connection being reused. */
function staleSocket(): Error {
  const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new TypeError('fetch failed', { cause: socket });
}

describe('HttpClient', () => {
  it('sends a read again once when a reused connection was closed, never a write', async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls === 1) throw staleSocket();
      return new Response('{"v":1,"ok":true}', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = new HttpClient('https://s', { fetch: flaky });
    expect(await client.request('GET', '/x', { schema })).toEqual({ v: 1, ok: true });
    expect(calls).toBe(2);

    calls = 0;
    expect(await client.request('POST', '/query', { schema, body: {}, idempotent: true })).toEqual({
      v: 1,
      ok: true,
    });
    expect(calls).toBe(2);

    calls = 0;
    const write = await client.request('POST', '/x', { schema, body: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isBackboneError(write, 'SERVER_UNREACHABLE')).toBe(true);
    expect(calls).toBe(1);

    // A refused connection is not a stale one: no second try.
    let refused = 0;
    const down = new HttpClient('https://s', {
      fetch: async () => {
        refused++;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      },
    });
    expect(isBackboneError(await failure(down), 'SERVER_UNREACHABLE')).toBe(true);
    expect(refused).toBe(1);
  });

  it('returns schema-checked answers', async () => {
    const client = new HttpClient('https://s', { fetch: fakeFetch(200, '{"v":1,"ok":true}') });
    expect(await client.request('GET', '/x', { schema })).toEqual({ v: 1, ok: true });
  });

  it('turns the error envelope into a typed error with that code', async () => {
    const client = new HttpClient('https://s', {
      fetch: fakeFetch(429, '{"error":{"code":"RATE_LIMITED","message":"Slow\\u001b[31m down"}}', {
        'retry-after': '7',
      }),
    });
    const error = await failure(client);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('RATE_LIMITED');
    expect((error as ServerError).retryAfterSeconds).toBe(7);
    expect((error as ServerError).message).not.toContain('\u001b');
  });

  it('maps unknown codes by status and keeps the server code', async () => {
    const client = new HttpClient('https://s', {
      fetch: fakeFetch(409, '{"error":{"code":"NEW_THING","message":"m"}}'),
    });
    const error = (await failure(client)) as ServerError;
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.serverCode).toBe('NEW_THING');
    expect(error.status).toBe(409);
    const gateway = new HttpClient('https://s', { fetch: fakeFetch(502, '<html>') });
    expect(((await failure(gateway)) as ServerError).code).toBe('UNAVAILABLE');
  });

  it('refuses malformed answers and unexpected statuses', async () => {
    for (const [status, body] of [
      [200, '{"v":1,"ok":"yes"}'],
      [200, '{"v":1,"ok":true,"extra":1}'],
      [200, 'not json'],
      [204, ''],
    ] as const) {
      const client = new HttpClient('https://s', { fetch: fakeFetch(status, body) });
      expect(isBackboneError(await failure(client), 'SERVER_INVALID_RESPONSE')).toBe(true);
    }
  });

  it('reports unreachable servers and timeouts', async () => {
    const down = new HttpClient('https://s', {
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    expect(isBackboneError(await failure(down), 'SERVER_UNREACHABLE')).toBe(true);
    const slow = new HttpClient('https://s', {
      timeoutMs: 20,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    expect(isBackboneError(await failure(slow), 'REQUEST_TIMEOUT')).toBe(true);
  });

  it('refuses plain http:// to another machine unless explicitly allowed', () => {
    const code = (make: () => unknown): string => {
      try {
        make();
        return 'accepted';
      } catch (error) {
        return isBackboneError(error) ? error.code : String(error);
      }
    };
    for (const remote of [
      'http://backbone.example.org',
      'http://10.0.0.5:8420',
      'http://[fe80::1]',
    ]) {
      expect(code(() => new HttpClient(remote))).toBe('INSECURE_TRANSPORT');
      expect(code(() => new HttpClient(remote, { allowInsecureHttp: true }))).toBe('accepted');
    }
    for (const local of [
      'http://127.0.0.1:8420',
      'http://127.1.2.3',
      'http://localhost:1',
      'http://app.localhost',
      'http://[::1]:8420',
      'https://backbone.example.org',
    ]) {
      expect(code(() => new HttpClient(local))).toBe('accepted');
    }
    // and the SDK client refuses it at construction, before any request
    expect(code(() => new BackboneClient({ server: 'http://backbone.example.org' }))).toBe(
      'INSECURE_TRANSPORT',
    );
    expect(
      code(
        () =>
          new BackboneClient({
            server: 'http://backbone.example.org',
            http: { allowInsecureHttp: true },
          }),
      ),
    ).toBe('accepted');
  });

  it('normalizes server URLs and cleans messages', () => {
    expect(normalizeServerUrl('https://example.org/')).toBe('https://example.org');
    expect(normalizeServerUrl('http://127.0.0.1:8420/base/')).toBe('http://127.0.0.1:8420/base');
    expect(() => normalizeServerUrl('https://u:p@example.org')).toThrow();
    expect(() => normalizeServerUrl('example.org')).toThrow();
    expect(cleanServerMessage('a'.repeat(400))).toHaveLength(300);
  });
});
