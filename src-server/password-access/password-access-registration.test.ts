/**
 * Password access, registration side (client against the handler, in memory): password
 * change, who may register a username, and the checks on a registration record.
 *
 * Every handshake runs Argon2id on the client; the random source is injected
 * (`testOnlyRandom: randomBytes`), which lowers the SPAKE2+EE floor to 2 passes / 64 MiB, the
 * parameters used throughout. Setup: test/password-access-env.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBoxKeyPair, sealTo, toBase64Url, utf8 } from '../../src-shared/crypto/index.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import {
  decodeJsonPayload,
  encodeJsonPayload,
  okPayloadSchema,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import { type PasswordAccessOutcome } from './password-access-handler.js';
import {
  SERVER_ID,
  WS,
  MiB,
  TEST_PARAMS,
  PASSWORD,
  IDENTITY_ALICE,
  IDENTITY_BOB,
  type Env,
  makeEnv,
  login,
  register,
  valueOf,
  errorOf,
  sameBytes,
  makeKeyfileBlob,
  againstHandler,
  readError,
  hello,
  usePasswordAccessEnv,
} from '../test/password-access-env.js';

const fixture = usePasswordAccessEnv();
let env: Env;
beforeAll(() => ({ env } = fixture()));

describe('password change', () => {
  it('after a change the old password fails and the new one works', async () => {
    const oldBlob = makeKeyfileBlob('first password');
    valueOf(
      (
        await register(env, {
          username: 'dave',
          token: 'bbt1.bob',
          password: 'first password',
          keyfileBlob: oldBlob,
        })
      ).client,
    );
    const newBlob = makeKeyfileBlob('second password');
    const change = await register(
      env,
      { username: 'dave', token: 'bbt1.bob', password: 'second password', keyfileBlob: newBlob },
      'change',
    );
    valueOf(change.client);
    expect(change.outcome).toMatchObject({ op: 'change', result: 'stored' });
    expect(errorOf((await login(env, 'dave', 'first password')).client).code).toBe('PAKE_ABORTED');
    const blob = valueOf((await login(env, 'dave', 'second password')).client);
    expect(sameBytes(blob, newBlob)).toBe(true);
  });

  it('change needs an existing registration', async () => {
    const result = await register(env, { username: 'nobody-yet', token: 'bbt1.bob' }, 'change');
    expect(errorOf(result.client).code).toBe('NOT_FOUND');
    expect(env.store.get(WS, 'nobody-yet')).toBeUndefined();
  });
});

describe('registration is authorized', () => {
  it('refuses an unknown token and an expired one', async () => {
    const unknown = await register(env, { username: 'frank', token: 'bbt1.forged' });
    expect(errorOf(unknown.client).code).toBe('AUTH_TOKEN_INVALID');
    expect(unknown.outcome).toMatchObject({ result: 'refused', code: 'AUTH_TOKEN_INVALID' });
    const expired = await register(env, { username: 'frank', token: 'bbt1.old' });
    expect(errorOf(expired.client).code).toBe('AUTH_TOKEN_EXPIRED');
    expect(env.store.get(WS, 'frank')).toBeUndefined();
    // Refused at the hello: the client never ran Argon2id nor sent a record.
    expect(unknown.frames.map((f) => f.type)).toEqual([FrameType.hello, FrameType.error]);
  });

  it('refuses a registration without a token at all', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'register', username: 'frank' }));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome.result).toBe('invalid');
  });

  it('refuses to overwrite someone else’s username (token check)', async () => {
    env.claims.set('alice', IDENTITY_ALICE);
    try {
      const result = await register(env, {
        username: 'alice',
        token: 'bbt1.mallory',
        password: 'mallory wins',
      });
      expect(errorOf(result.client).code).toBe('FORBIDDEN');
    } finally {
      env.claims.delete('alice');
    }
    valueOf((await login(env, 'alice', PASSWORD)).client);
  });

  it('refuses to overwrite someone else’s username (stored owner), even if the token check allows', async () => {
    const before = env.store.get(WS, 'alice');
    const result = await register(env, {
      username: 'alice',
      token: 'bbt1.mallory',
      password: 'mallory wins',
    });
    expect(errorOf(result.client).code).toBe('FORBIDDEN');
    expect(env.store.get(WS, 'alice')).toBe(before);
  });

  it('the store refuses a conflicting owner atomically (race after the early check)', async () => {
    const racing = makeEnv();
    // The early lookup sees nothing; by the time of the store, someone else holds the name.
    let lookups = 0;
    racing.deps.lookup = (workspace, username) => {
      lookups++;
      return racing.store.lookup(workspace, username);
    };
    const realStore = racing.deps.store;
    racing.deps.store = async (workspace, username, record, op) => {
      await racing.store.store(
        workspace,
        username,
        { ...record, identity: IDENTITY_ALICE },
        'register',
      );
      return realStore(workspace, username, record, op);
    };
    const result = await register(racing, { username: 'zoe', token: 'bbt1.mallory' });
    expect(lookups).toBe(1);
    expect(errorOf(result.client).code).toBe('FORBIDDEN');
    expect(racing.store.get(WS, 'zoe')?.identity).toBe(IDENTITY_ALICE);
  });
});

describe('registration records are checked', () => {
  async function sendRecord(
    record: Record<string, unknown>,
    key = env.boxKeyPair.publicKey,
    op = 'register',
  ): Promise<{ error: ErrorPayload; outcome: PasswordAccessOutcome }> {
    let error: ErrorPayload | undefined;
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op, username: 'rec', token: 'bbt1.bob' }));
      const ready = decodeFrame(await conn.receive(5000));
      expect(ready.type).toBe(FrameType.ok);
      expect(decodeJsonPayload(ready.payload, okPayloadSchema, 'ok')).toEqual({
        v: 1,
        status: 'ready',
        params: TEST_PARAMS,
      });
      conn.send(encodeFrame(FrameType.registration, sealTo(key, encodeJsonPayload(record))));
      error = await readError(conn);
    });
    return { error: error!, outcome };
  }

  const validRecord = () => ({
    v: 1,
    op: 'register',
    serverId: SERVER_ID,
    workspace: WS,
    username: 'rec',
    storedData: toBase64Url(env.store.get(WS, 'alice')!.storedData),
    keyfileBlob: toBase64Url(utf8('blob')),
  });

  it('refuses a record sealed to another key', async () => {
    const { error } = await sendRecord(validRecord(), generateBoxKeyPair().publicKey);
    expect(error.code).toBe('CRYPTO_DECRYPT_FAILED');
  });

  it.each([
    ['another username (replay)', { username: 'alice' }],
    ['another server', { serverId: `bbs1${'b'.repeat(32)}` }],
    ['another op', { op: 'change' }],
    ['stored data of the wrong size', { storedData: toBase64Url(new Uint8Array(163)) }],
    ['invalid points in the stored data', { storedData: 'zero' }],
    ['an empty keyfile blob', { keyfileBlob: '' }],
    ['an unknown field', { extra: true }],
  ])('refuses a record with %s', async (_name, change) => {
    const record: Record<string, unknown> = { ...validRecord(), ...change };
    if (record.storedData === 'zero') {
      const data = env.store.get(WS, 'alice')!.storedData.slice();
      data.fill(0, 36, 68); // M = 0…0 is not a valid point
      record.storedData = toBase64Url(data);
    }
    const { error, outcome } = await sendRecord(record);
    expect(error.code).toBe('PROTOCOL_INVALID_FRAME');
    expect(outcome.result).toBe('invalid');
    expect(env.store.get(WS, 'rec')).toBeUndefined();
  });

  it('stores a valid record sent the same way (the checks above are not vacuous)', async () => {
    let stored: unknown;
    await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'register', username: 'rec', token: 'bbt1.bob' }));
      await conn.receive(5000);
      conn.send(
        encodeFrame(
          FrameType.registration,
          sealTo(env.boxKeyPair.publicKey, encodeJsonPayload(validRecord())),
        ),
      );
      stored = decodeJsonPayload(
        decodeFrame(await conn.receive(5000)).payload,
        okPayloadSchema,
        'ok',
      );
    });
    expect(stored).toEqual({ v: 1, status: 'stored' });
    expect(env.store.get(WS, 'rec')?.identity).toBe(IDENTITY_BOB);
  });

  it('a product server refuses a verifier below the product floors', async () => {
    const product = makeEnv({
      testOnlyRandom: undefined,
      params: { opslimit: 3, memlimit: 256 * MiB },
    });
    const result = await register(product, {
      username: 'weak',
      token: 'bbt1.bob',
      params: TEST_PARAMS, // allowed on the client only because testOnlyRandom is set
    });
    expect(errorOf(result.client).code).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
    expect(product.store.get(WS, 'weak')).toBeUndefined();
  });
});
