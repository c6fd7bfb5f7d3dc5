/**
 * Password access under a hostile network (client against the handler, in memory): tampered
 * frames abort, size limits and timeouts on both ends, concurrent logins.
 *
 * Every handshake runs Argon2id on the client; the random source is injected
 * (`testOnlyRandom: randomBytes`), which lowers the SPAKE2+EE floor to 2 passes / 64 MiB, the
 * parameters used throughout. Setup: test/password-access-env.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../src-shared/crypto/index.js';
import { passwordLogin } from '../../src-shared/pake/client.js';
import { CloseCode, createMemoryConnectionPair } from '../../src-shared/pake/connection.js';
import { encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import { handlePasswordAccessConnection } from './password-access-handler.js';
import {
  SERVER_ID,
  WS,
  MiB,
  PASSWORD,
  type Env,
  makeEnv,
  type Direction,
  type Tamper,
  login,
  register,
  valueOf,
  errorOf,
  sameBytes,
  againstFakeServer,
  againstHandler,
  readError,
  hello,
  usePasswordAccessEnv,
} from '../test/password-access-env.js';

const fixture = usePasswordAccessEnv();
let env: Env;
let aliceBlob: Uint8Array;
beforeAll(() => ({ env, aliceBlob } = fixture()));

describe('tampering aborts', () => {
  const flipLast = (bytes: Uint8Array) => {
    const out = bytes.slice();
    out[out.length - 1]! ^= 0x01;
    return out;
  };
  const at =
    (target: Direction, type: number, alter: (b: Uint8Array) => Uint8Array): Tamper =>
    (dir, _index, bytes) =>
      dir === target && bytes[0] === type ? alter(bytes) : bytes;

  const setByte = (index: number, value: number) => (b: Uint8Array) => {
    const out = b.slice();
    out[index] = value;
    return out;
  };
  const flipByte = (index: number) => (b: Uint8Array) => {
    const out = b.slice();
    out[index]! ^= 0x01;
    return out;
  };

  // [frame altered, tamper, client error code, server outcome]
  it.each([
    [
      'hello',
      at('c2s', FrameType.hello, (b) => b.slice(0, -1)),
      'PROTOCOL_INVALID_FRAME',
      'invalid',
    ],
    ['public data (salt)', at('s2c', FrameType.publicData, flipLast), 'PAKE_ABORTED', 'failed'],
    [
      'public data (version)',
      at('s2c', FrameType.publicData, setByte(5, 2)),
      'PAKE_ABORTED',
      'failed',
    ],
    ['response 1', at('c2s', FrameType.response1, flipLast), 'PAKE_ABORTED', 'failed'],
    ['response 2 (Y)', at('s2c', FrameType.response2, flipByte(10)), 'PAKE_ABORTED', 'failed'],
    ['response 2 (validator)', at('s2c', FrameType.response2, flipLast), 'PAKE_ABORTED', 'failed'],
    ['response 3', at('c2s', FrameType.response3, flipLast), 'PAKE_ABORTED', 'failed'],
    // The server released the stream; the client refuses what arrived altered.
    [
      'stream header',
      at('s2c', FrameType.streamHeader, flipLast),
      'CRYPTO_DECRYPT_FAILED',
      'released',
    ],
    ['sealed blob', at('s2c', FrameType.sealed, flipLast), 'CRYPTO_DECRYPT_FAILED', 'released'],
    [
      'frame type',
      at('s2c', FrameType.response2, setByte(0, FrameType.publicData)),
      'PROTOCOL_INVALID_FRAME',
      'invalid',
    ],
  ] as const)('a tampered %s', async (_name, tamper, code, serverResult) => {
    const result = await login(env, 'alice', PASSWORD, tamper);
    expect(errorOf(result.client).code).toBe(code);
    expect(result.outcome.result).toBe(serverResult);
  });

  it('a blob stream cut before its final message is refused', async () => {
    const result = await login(env, 'alice', PASSWORD, (dir, _i, bytes) =>
      dir === 's2c' && bytes[0] === FrameType.sealed ? 'drop-and-close' : bytes,
    );
    expect(errorOf(result.client).code).toBe('CRYPTO_STREAM_TRUNCATED');
  });

  it('a chunked blob (> 1 MiB) arrives whole, and is refused if its last chunk is cut', async () => {
    const big = randomBytes(MiB + MiB / 2);
    valueOf(
      (await register(env, { username: 'carol', token: 'bbt1.bob', keyfileBlob: big })).client,
    );
    const whole = await login(env, 'carol', PASSWORD);
    expect(sameBytes(valueOf(whole.client), big)).toBe(true);
    expect(whole.frames.filter((f) => f.type === FrameType.sealed).length).toBe(2);
    let sealedSeen = 0;
    const cut = await login(env, 'carol', PASSWORD, (dir, _i, bytes) => {
      if (dir === 's2c' && bytes[0] === FrameType.sealed && ++sealedSeen === 2) {
        return 'drop-and-close';
      }
      return bytes;
    });
    expect(errorOf(cut.client).code).toBe('CRYPTO_STREAM_TRUNCATED');
  });
});

describe('size limits and timeouts', () => {
  it('the server refuses an oversized hello', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice', pad: 'x'.repeat(2000) }));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome).toMatchObject({ result: 'invalid', code: 'PROTOCOL_INVALID_FRAME' });
  });

  it('the server refuses a message over the connection bound (1009)', async () => {
    const [clientConn, serverConn] = createMemoryConnectionPair();
    clientConn.send(new Uint8Array(5 * MiB));
    const outcome = await handlePasswordAccessConnection(serverConn, env.deps);
    expect(outcome).toMatchObject({ result: 'invalid', code: 'PAYLOAD_TOO_LARGE' });
    expect(serverConn.closeInfo?.code).toBe(CloseCode.tooBig);
  });

  it('the server refuses a response 1 of the wrong size', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice' }));
      await conn.receive(5000);
      conn.send(encodeFrame(FrameType.response1, new Uint8Array(33)));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome.result).toBe('invalid');
    // No response 2 was sent (no guess was tested), so nothing was counted.
    expect(env.limiter.peek(`${WS}/alice`)).toBeUndefined();
  });

  it('the client refuses oversized or wrong handshake frames from the server', async () => {
    const options = {
      workspace: WS,
      username: 'alice',
      password: PASSWORD,
      serverId: SERVER_ID,
      testOnlyRandom: randomBytes,
    };
    const settled = await againstFakeServer(
      (conn) => passwordLogin(conn, options),
      async (conn) => {
        await conn.receive(5000);
        conn.send(encodeFrame(FrameType.publicData, new Uint8Array(37)));
      },
    );
    expect(errorOf(settled).code).toBe('PROTOCOL_INVALID_FRAME');
  });

  it('the client refuses public data below the floors or above its limits', async () => {
    const publicData = (ops: bigint, mem: bigint) => {
      const out = new Uint8Array(36);
      const view = new DataView(out.buffer);
      view.setUint16(0, 1, true);
      view.setUint16(2, 2, true);
      view.setBigUint64(4, ops, true);
      view.setBigUint64(12, mem, true);
      return out;
    };
    const attempt = (data: Uint8Array, testOnly: boolean) =>
      againstFakeServer(
        (conn) =>
          passwordLogin(conn, {
            workspace: WS,
            username: 'alice',
            password: PASSWORD,
            serverId: SERVER_ID,
            ...(testOnly ? { testOnlyRandom: randomBytes } : {}),
          }),
        async (conn) => {
          await conn.receive(5000);
          conn.send(encodeFrame(FrameType.publicData, data));
          await conn.receive(5000);
        },
      );
    // A product client refuses the test parameters (downgrade).
    expect(errorOf(await attempt(publicData(2n, 64n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expect(errorOf(await attempt(publicData(1n, 64n * 1024n * 1024n), true)).code).toBe(
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    // Over the ceiling (a denial of service): refused before any hashing.
    expect(errorOf(await attempt(publicData(3n, 2n * 1024n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
    expect(errorOf(await attempt(publicData(9n, 256n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
  });

  it('the server stops waiting after its timeout', async () => {
    const impatient = makeEnv({ timeouts: { step: 30 } });
    const [, serverConn] = createMemoryConnectionPair();
    const outcome = await handlePasswordAccessConnection(serverConn, impatient.deps);
    expect(outcome).toMatchObject({ result: 'invalid', code: 'REQUEST_TIMEOUT' });
  });

  it('the client stops waiting after its timeout', async () => {
    const settled = await againstFakeServer(
      (conn) =>
        passwordLogin(conn, {
          workspace: WS,
          username: 'alice',
          password: PASSWORD,
          serverId: SERVER_ID,
          timeouts: { step: 30 },
          testOnlyRandom: randomBytes,
        }),
      async (conn) => {
        await conn.receive(5000);
      },
    );
    expect(errorOf(settled).code).toBe('REQUEST_TIMEOUT');
  });

  it('a misconfigured server (parameters below the floors) answers UNAVAILABLE', async () => {
    const bad = makeEnv({ testOnlyRandom: undefined });
    const result = await login(bad, 'alice', PASSWORD);
    expect(errorOf(result.client).code).toBe('UNAVAILABLE');
    expect(result.outcome.result).toBe('error');
  });

  it('a failing dependency answers UNAVAILABLE and reports the cause', async () => {
    const broken = makeEnv();
    broken.deps.lookup = () => Promise.reject(new Error('database down'));
    const result = await login(broken, 'alice', PASSWORD);
    expect(errorOf(result.client).code).toBe('UNAVAILABLE');
    expect(result.outcome).toMatchObject({ result: 'error', code: 'UNAVAILABLE' });
    expect((result.outcome.cause as Error).message).toBe('database down');
  });
});

describe('concurrency', () => {
  it('two logins at once both work (and a third user alongside)', async () => {
    const results = await Promise.all([
      login(env, 'alice', PASSWORD),
      login(env, 'alice', PASSWORD),
      login(env, 'nobody', PASSWORD),
    ]);
    expect(sameBytes(valueOf(results[0].client), aliceBlob)).toBe(true);
    expect(sameBytes(valueOf(results[1].client), aliceBlob)).toBe(true);
    expect(errorOf(results[2].client).code).toBe('PAKE_ABORTED');
  });
});
