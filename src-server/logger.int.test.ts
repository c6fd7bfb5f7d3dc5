import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { useTestBackends } from './test/backends.js';
import { challenge, loginBody, newTestIdentity, register } from './test/client.js';
import { startTestServer } from './test/harness.js';

const [sqlite] = useTestBackends();

function memoryLog(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('logs', () => {
  it('redact secret-bearing fields wherever they appear', () => {
    const log = memoryLog();
    const logger = createLogger('info', log.stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer bbt1.SECRET1' }, body: { x: 'SECRET2' } },
        token: 'SECRET3',
        nested: { token: 'SECRET4', password: 'SECRET5' },
      },
      'test',
    );
    const text = log.lines().join('\n');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });

  it('of a real server hold requests and outcomes but no tokens, keys or bodies', async () => {
    const log = memoryLog();
    const server = await startTestServer(sqlite!, { logger: createLogger('trace', log.stream) });
    try {
      const user = newTestIdentity();
      await register(server.api, user);
      const ch = await challenge(server.api);
      const body = loginBody(user, ch);
      const login = await server.api.post<{ token: string }>('/v1/auth/login', body);
      expect(login.status).toBe(201);
      const token = login.body.token;
      await server.api.get('/v1/auth/tokens/current?x=secret-query', { token });
      await server.api.get('/v1/auth/tokens/current', { token: token.slice(0, -2) + 'AA' });
      await server.api.get('/nope');

      const lines = log.lines();
      const text = lines.join('\n');
      expect(lines.length).toBeGreaterThan(5);
      for (const line of lines) JSON.parse(line); // JSON lines
      expect(text).toContain('"path":"/v1/auth/login"');
      expect(text).toContain('"statusCode":201');
      expect(text).toContain('"code":"AUTH_TOKEN_INVALID"');
      for (const secret of [
        token.slice(5),
        token.slice(5, 25),
        ch.nonce,
        body.response.sig,
        user.profile.sig,
        'secret-query',
        'authorization',
        'Bearer',
      ]) {
        expect(text, secret).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });
});
