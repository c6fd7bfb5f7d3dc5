import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../crypto/index.js';
import {
  decodeJsonPayload,
  encodeJsonPayload,
  errorPayloadSchema,
  helloSchema,
  messageForServerError,
  normalizeUsername,
  okPayloadSchema,
  PAKE_ABORTED_MESSAGE,
  passwordAccessClientId,
  passwordAccessServerId,
  PasswordAccessError,
  registrationRecordSchema,
} from './protocol.js';

const SERVER_ID = `bbs1${'a'.repeat(32)}`;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('ids', () => {
  it('normalizes usernames (NFKC, trim, lower case) and is idempotent', () => {
    expect(normalizeUsername('  Alice.Smith@Example.ORG ')).toBe('alice.smith@example.org');
    expect(normalizeUsername('ＡＬＩＣＥ')).toBe('alice'); // full-width letters
    expect(normalizeUsername('bob+vault-1_x')).toBe('bob+vault-1_x');
    for (const name of ['alice', 'a', 'x'.repeat(64)]) {
      expect(normalizeUsername(normalizeUsername(name))).toBe(name);
    }
  });

  it.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['too long', 'a'.repeat(65)],
    ['a slash', 'al/ice'],
    ['inner space', 'al ice'],
    ['non-ASCII', 'alïce'],
    ['leading dot', '.alice'],
    ['Cyrillic а', 'аlice'],
  ])('refuses a bad username: %s', (_name, input) => {
    expect(code(() => normalizeUsername(input))).toBe('INVALID_ARGUMENT');
  });

  it('clientId = UTF-8(workspace "/" username) and needs normalized input', () => {
    expect(fromUtf8(passwordAccessClientId('ws_1', 'alice'))).toBe('ws_1/alice');
    expect(passwordAccessClientId('A'.repeat(64), 'z'.repeat(64)).length).toBe(129);
    expect(code(() => passwordAccessClientId('ws_1', 'Alice'))).toBe('INVALID_ARGUMENT');
    expect(code(() => passwordAccessClientId('ws/1', 'alice'))).toBe('INVALID_ARGUMENT');
    expect(code(() => passwordAccessClientId('', 'alice'))).toBe('INVALID_ARGUMENT');
    expect(code(() => passwordAccessClientId('w'.repeat(65), 'alice'))).toBe('INVALID_ARGUMENT');
  });

  it('serverId = UTF-8 of a valid server id', () => {
    expect(fromUtf8(passwordAccessServerId(SERVER_ID))).toBe(SERVER_ID);
    expect(code(() => passwordAccessServerId('bbs1short'))).toBe('INVALID_ARGUMENT');
    expect(code(() => passwordAccessServerId(`BBS1${'a'.repeat(32)}`))).toBe('INVALID_ARGUMENT');
  });
});

describe('payloads', () => {
  const base = { v: 1, workspace: 'ws_1', username: 'alice' };

  it('hello: login carries no token, register and change need one', () => {
    expect(helloSchema.safeParse({ ...base, op: 'login' }).success).toBe(true);
    expect(helloSchema.safeParse({ ...base, op: 'login', token: 'bbt1.x' }).success).toBe(false);
    expect(helloSchema.safeParse({ ...base, op: 'register' }).success).toBe(false);
    expect(helloSchema.safeParse({ ...base, op: 'change', token: 'bbt1.abc' }).success).toBe(true);
    expect(helloSchema.safeParse({ ...base, op: 'delete', token: 'bbt1.abc' }).success).toBe(false);
    expect(helloSchema.safeParse({ ...base, op: 'login', extra: 1 }).success).toBe(false);
    expect(helloSchema.safeParse({ ...base, username: 'Alice', op: 'login' }).success).toBe(false);
  });

  it('decodes JSON payloads strictly; another version is UNSUPPORTED_VERSION', () => {
    const ok = decodeJsonPayload(encodeJsonPayload({ ...base, op: 'login' }), helloSchema, 'hello');
    expect(ok.op).toBe('login');
    expect(code(() => decodeJsonPayload(utf8('{"v":2}'), helloSchema, 'hello'))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(code(() => decodeJsonPayload(utf8('{nope'), helloSchema, 'hello'))).toBe(
      'PROTOCOL_INVALID_FRAME',
    );
    expect(code(() => decodeJsonPayload(Uint8Array.of(0xff), helloSchema, 'hello'))).toBe(
      'PROTOCOL_INVALID_FRAME',
    );
    expect(code(() => decodeJsonPayload(utf8('[]'), helloSchema, 'hello'))).toBe(
      'PROTOCOL_INVALID_FRAME',
    );
  });

  it('error, ok and registration schemas', () => {
    expect(
      errorPayloadSchema.safeParse({ v: 1, code: 'PAKE_LOCKED_OUT', message: 'x', retryAfterMs: 5 })
        .success,
    ).toBe(true);
    expect(errorPayloadSchema.safeParse({ v: 1, code: 'x y', message: 'x' }).success).toBe(false);
    expect(
      errorPayloadSchema.safeParse({ v: 1, code: 'A', message: 'x', retryAfterMs: -1 }).success,
    ).toBe(false);
    expect(
      okPayloadSchema.safeParse({
        v: 1,
        status: 'ready',
        params: { opslimit: 3, memlimit: 1 << 28 },
      }).success,
    ).toBe(true);
    expect(okPayloadSchema.safeParse({ v: 1, status: 'ready' }).success).toBe(false);
    const record = {
      ...base,
      op: 'register',
      serverId: SERVER_ID,
      storedData: 'AA',
      keyfileBlob: 'AA',
    };
    expect(registrationRecordSchema.safeParse(record).success).toBe(true);
    expect(registrationRecordSchema.safeParse({ ...record, op: 'login' }).success).toBe(false);
    expect(registrationRecordSchema.safeParse({ ...record, keyfileBlob: 'A=' }).success).toBe(
      false,
    );
  });
});

describe('errors', () => {
  it('uses its own messages for server codes, never the server text', () => {
    expect(messageForServerError('PAKE_ABORTED')).toBe(PAKE_ABORTED_MESSAGE);
    expect(messageForServerError('PAKE_LOCKED_OUT', 15 * 60_000)).toContain('15 minutes');
    expect(messageForServerError('PAKE_RATE_LIMITED', 1500)).toContain('2 seconds');
    expect(messageForServerError('SOMETHING_NEW')).toContain('SOMETHING_NEW');
  });

  it('PasswordAccessError carries retryAfterMs', () => {
    const error = new PasswordAccessError('PAKE_RATE_LIMITED', 'wait', { retryAfterMs: 1000 });
    expect(error.code).toBe('PAKE_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(1000);
    expect(error.toJSON()).toEqual({
      code: 'PAKE_RATE_LIMITED',
      message: 'wait',
      retryAfterMs: 1000,
    });
  });
});
