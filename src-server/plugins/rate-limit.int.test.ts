import { describe, expect, it } from 'vitest';
import { useTestBackends } from '../test/backends.js';
import { randomBytes, toBase64Url } from '../../src-shared/crypto/index.js';
import { challenge, errorCode, loginBody, registeredUser } from '../test/client.js';
import { TestClock, startTestServer } from '../test/harness.js';
import { RateLimiter } from './rate-limit.js';

const [sqlite] = useTestBackends();

describe('RateLimiter', () => {
  it('allows `capacity` requests, then says how long to wait', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter(3, clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(20); // one request per 20 s
    expect(limiter.take('b')).toBe(0); // other keys are independent
  });

  it('refills continuously, never above capacity', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter(60, clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(1);
    clock.advance(1000);
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThan(0);
    clock.advance(3_600_000);
    for (let i = 0; i < 60; i++) expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThan(0);
  });

  it('keeps at most maxKeys buckets, dropping the least recently used', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter(1, clock, 3);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a')).toBeGreaterThan(0); // 'a' is now the most recent
    limiter.take('d'); // evicts 'b'
    expect(limiter.size).toBe(3);
    expect(limiter.take('b')).toBe(0); // forgotten, so fresh (evicts 'c')
    expect(limiter.take('a')).toBeGreaterThan(0);
  });
});

describe.each([sqlite!])('rate limits on a running server ($name)', (backend) => {
  it('limits every request per IP with 429 and Retry-After', async () => {
    const server = await startTestServer(backend, {
      config: {
        rateLimit: { ipPerMinute: 5, authPerMinute: 100, accountPerMinute: 100 },
      },
    });
    try {
      for (let i = 0; i < 5; i++) expect((await server.api.get('/healthz')).status).toBe(200);
      const limited = await server.api.get('/v1/server');
      expect(limited.status).toBe(429);
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      expect(limited.headers.get('retry-after')).toBe('12');
      // unknown paths count too
      expect((await server.api.get('/nope')).status).toBe(429);
      server.clock.advance(12_000);
      expect((await server.api.get('/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('limits challenges, logins and registrations per IP more tightly', async () => {
    const server = await startTestServer(backend, {
      config: {
        rateLimit: { ipPerMinute: 1000, authPerMinute: 3, accountPerMinute: 1000 },
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await server.api.post('/v1/auth/challenge')).status).toBe(201);
      }
      const limited = await server.api.post('/v1/auth/challenge');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await server.api.post('/v1/identities', {})).status).toBe(429);
      // other routes are not affected
      expect((await server.api.get('/v1/server')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('limits each identity, charging only requests that prove it', async () => {
    const server = await startTestServer(backend, {
      config: {
        rateLimit: { ipPerMinute: 1000, authPerMinute: 1000, accountPerMinute: 4 },
      },
    });
    try {
      const alice = await registeredUser(server.api, 'Alice'); // the login costs 1
      const bob = await registeredUser(server.api, 'Bob');
      // failed logins naming Alice (a stranger's) cost her nothing
      for (let i = 0; i < 6; i++) {
        const forged = loginBody(alice.user, await challenge(server.api));
        forged.response = { ...forged.response, sig: toBase64Url(randomBytes(64)) };
        expect(errorCode(await server.api.post('/v1/auth/login', forged))).toBe(
          'AUTH_SIGNATURE_INVALID',
        );
      }
      const me = (token: string) => server.api.get('/v1/auth/tokens/current', { token });
      for (let i = 0; i < 3; i++) expect((await me(alice.token)).status).toBe(200);
      const limited = await me(alice.token);
      expect(limited.status).toBe(429);
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      expect((await me(bob.token)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
