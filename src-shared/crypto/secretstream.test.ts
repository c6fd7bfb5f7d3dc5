import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { utf8 } from './encoding.js';
import { randomBytes } from './random.js';
import {
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADERBYTES,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  SecretstreamPull,
  SecretstreamPush,
} from './secretstream.js';
import { cryptoReady, sodium } from './sodium.js';
import type { SymmetricKey } from './types.js';

beforeAll(async () => {
  await cryptoReady();
});

const newKey = (): SymmetricKey => randomBytes(32) as SymmetricKey;

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isBackboneError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

describe('secretstream wrapper', () => {
  it('exposes libsodium constants', () => {
    const s = sodium();
    expect(SECRETSTREAM_HEADERBYTES).toBe(s.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
    expect(SECRETSTREAM_ABYTES).toBe(s.crypto_secretstream_xchacha20poly1305_ABYTES);
    expect(SECRETSTREAM_TAG_MESSAGE).toBe(s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    expect(SECRETSTREAM_TAG_FINAL).toBe(s.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  });

  it('round-trips messages with associated data and the final tag', () => {
    const key = newKey();
    const push = SecretstreamPush.init(key);
    expect(push.header.length).toBe(24);
    const messages = [utf8('first'), new Uint8Array(0), randomBytes(70_000), utf8('last')];
    const ad = utf8('ctx');
    const cts = messages.map((m, i) =>
      push.push(m, i === messages.length - 1 ? 'final' : 'message', ad),
    );
    expect(push.finished).toBe(true);
    cts.forEach((ct, i) => expect(ct.length).toBe(messages[i]!.length + 17));

    const pull = SecretstreamPull.init(key, push.header);
    const out = cts.map((ct) => pull.pull(ct, ad));
    expect(out.map((o) => o.tag)).toEqual(['message', 'message', 'message', 'final']);
    out.forEach((o, i) => expect(o.message).toEqual(messages[i]));
    expect(pull.finished).toBe(true);
  });

  it('interoperates with raw libsodium in both directions', () => {
    const s = sodium();
    const key = newKey();
    const push = SecretstreamPush.init(key);
    const c1 = push.push(utf8('hello'), 'message', utf8('a'));
    const c2 = push.push(utf8('world'), 'final');
    const state = s.crypto_secretstream_xchacha20poly1305_init_pull(push.header, key);
    const r1 = s.crypto_secretstream_xchacha20poly1305_pull(state, c1, utf8('a'));
    const r2 = s.crypto_secretstream_xchacha20poly1305_pull(state, c2, null);
    expect(r1 && r1.message).toEqual(utf8('hello'));
    expect(r2 && r2.tag).toBe(SECRETSTREAM_TAG_FINAL);

    const raw = s.crypto_secretstream_xchacha20poly1305_init_push(key);
    const d1 = s.crypto_secretstream_xchacha20poly1305_push(
      raw.state,
      utf8('x'),
      null,
      SECRETSTREAM_TAG_FINAL,
    );
    const pull = SecretstreamPull.init(key, raw.header);
    expect(pull.pull(d1)).toEqual({ message: utf8('x'), tag: 'final' });
  });

  it('rejects tampering, wrong key, wrong associated data, reordering and replay', () => {
    const key = newKey();
    const push = SecretstreamPush.init(key);
    const c1 = push.push(utf8('one'), 'message', utf8('ad'));
    const c2 = push.push(utf8('two'), 'final', utf8('ad'));

    const flipped = c1.slice();
    flipped[5]! ^= 0x01;
    expectCode(
      () => SecretstreamPull.init(key, push.header).pull(flipped, utf8('ad')),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(
      () => SecretstreamPull.init(newKey(), push.header).pull(c1, utf8('ad')),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(
      () => SecretstreamPull.init(key, push.header).pull(c1, utf8('AD')),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(() => SecretstreamPull.init(key, push.header).pull(c1), 'CRYPTO_DECRYPT_FAILED');
    expectCode(
      () => SecretstreamPull.init(key, push.header).pull(c2, utf8('ad')),
      'CRYPTO_DECRYPT_FAILED',
    );
    const header = push.header.slice();
    header[0]! ^= 0x80;
    expectCode(
      () => SecretstreamPull.init(key, header).pull(c1, utf8('ad')),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(
      () => SecretstreamPull.init(key, push.header).pull(c1.subarray(0, 16)),
      'CRYPTO_DECRYPT_FAILED',
    );

    const replay = SecretstreamPull.init(key, push.header);
    replay.pull(c1, utf8('ad'));
    expectCode(() => replay.pull(c1, utf8('ad')), 'CRYPTO_DECRYPT_FAILED');
    // After a failure the stream is dead, even for the right next message.
    expectCode(() => replay.pull(c2, utf8('ad')), 'CRYPTO_STREAM_CORRUPT');
  });

  it('refuses use after the final message and after dispose', () => {
    const key = newKey();
    const push = SecretstreamPush.init(key);
    const c1 = push.push(utf8('end'), 'final');
    expectCode(() => push.push(utf8('more')), 'INVALID_ARGUMENT');

    const pull = SecretstreamPull.init(key, push.header);
    pull.pull(c1);
    expectCode(() => pull.pull(c1), 'CRYPTO_STREAM_CORRUPT');

    const p2 = SecretstreamPush.init(key);
    p2.dispose();
    p2.dispose();
    expect(p2.finished).toBe(true);
    expectCode(() => p2.push(utf8('x')), 'INVALID_ARGUMENT');
  });

  it('refuses tags other than message and final', () => {
    const s = sodium();
    const key = newKey();
    const raw = s.crypto_secretstream_xchacha20poly1305_init_push(key);
    const ct = s.crypto_secretstream_xchacha20poly1305_push(
      raw.state,
      utf8('x'),
      null,
      s.crypto_secretstream_xchacha20poly1305_TAG_PUSH,
    );
    expectCode(() => SecretstreamPull.init(key, raw.header).pull(ct), 'CRYPTO_STREAM_CORRUPT');
  });

  it('checks key and header lengths', () => {
    expectCode(() => SecretstreamPush.init(randomBytes(31) as SymmetricKey), 'CRYPTO_INVALID_KEY');
    expectCode(
      () => SecretstreamPull.init(randomBytes(33) as SymmetricKey, new Uint8Array(24)),
      'CRYPTO_INVALID_KEY',
    );
    expectCode(() => SecretstreamPull.init(newKey(), new Uint8Array(23)), 'CRYPTO_STREAM_CORRUPT');
  });
});
