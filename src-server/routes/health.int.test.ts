import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src-shared/crypto/index.js';
import { healthResponseSchema, serverInfoResponseSchema } from '../../src-shared/api/server.js';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import { useTestBackends } from '../test/backends.js';
import { registeredUser } from '../test/client.js';
import { startTestServer, type TestServer } from '../test/harness.js';

const backends = useTestBackends();

describe.each(backends)('operations routes ($name)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('GET /healthz checks the database', async () => {
    const response = await server.api.get('/healthz');
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(response.body)).toEqual({ status: 'ok', database: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('GET /v1/server describes the server with its static keys', async () => {
    const response = await server.api.get('/v1/server');
    expect(response.status).toBe(200);
    const info = serverInfoResponseSchema.parse(response.body);
    expect(info.api).toBe(1);
    expect(fromBase64Url(info.boxPublicKey)).toHaveLength(32);
    expect(fromBase64Url(info.signPublicKey)).toHaveLength(32);
    expect(info.id).toMatch(/^bbs1[a-z2-7]{32}$/);
  });

  it('keeps the same keys and id across restarts', async () => {
    const before = serverInfoResponseSchema.parse((await server.api.get('/v1/server')).body);
    const storage = await backend.reopen(server.opened);
    const second = await startTestServer(backend, {
      opened: { ...server.opened, storage, dispose: () => storage.close() },
    });
    try {
      const after = serverInfoResponseSchema.parse((await second.api.get('/v1/server')).body);
      expect(after).toEqual(before);
    } finally {
      await second.close();
      await storage.close();
    }
  });

  it('GET /metrics counts requests by route pattern and status', async () => {
    const { user, token } = await registeredUser(server.api);
    await server.api.get(`/v1/identities/${user.id}`, { token });
    await server.api.get('/no/such/path/12345');
    const response = await server.api.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = response.text;
    expect(text).toMatch(
      /backbone_http_requests_total\{method="GET",route="\/v1\/identities\/:identityId",status="200"\} 1/,
    );
    expect(text).toMatch(
      /backbone_http_requests_total\{method="POST",route="\/v1\/auth\/login",status="201"\} \d+/,
    );
    expect(text).toMatch(/route="unmatched",status="404"/);
    expect(text).toContain('backbone_http_request_duration_seconds_bucket');
    expect(text).toContain('backbone_process_cpu_user_seconds_total');
    // no concrete identity ids or paths in labels
    expect(text).not.toContain(user.id);
    expect(text).not.toContain('/no/such/path');
  });
});

describe.each(backends)('health when the database is gone ($name)', (backend) => {
  it('answers 503 UNAVAILABLE, and the server keeps answering', async () => {
    const opened = await backend.open();
    const server = await startTestServer(backend, { opened });
    try {
      expect((await server.api.get('/healthz')).status).toBe(200);
      await opened.storage.close();
      const response = await server.api.get('/healthz');
      expect(response.status).toBe(503);
      expect(apiErrorSchema.parse(response.body).error.code).toBe('UNAVAILABLE');
      expect((await server.api.get('/v1/server')).status).toBe(200);
    } finally {
      await server.close();
      await opened.dispose();
    }
  });
});

describe.each(backends.slice(0, 1))('metrics with a token ($name)', (backend) => {
  it('answers /metrics only with the token, 401 otherwise', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const server = await startTestServer(backend, { config: { metricsToken: token } });
    try {
      const none = await server.api.get('/metrics');
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
      expect(none.text).not.toContain('backbone_http_requests_total');
      expect((await server.api.get('/metrics', { token: `${token}x` })).status).toBe(401);
      expect((await server.api.get('/metrics', { token: token.slice(1) })).status).toBe(401);
      const ok = await server.api.get('/metrics', { token });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('backbone_http_requests_total');
      // The rest of the API does not take the metrics token as a login.
      expect((await server.api.get('/v1/workspaces', { token })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe.each(backends.slice(0, 1))('metrics switched off ($name)', (backend) => {
  it('has no /metrics route', async () => {
    const server = await startTestServer(backend, { config: { metrics: false } });
    try {
      expect((await server.api.get('/metrics')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
