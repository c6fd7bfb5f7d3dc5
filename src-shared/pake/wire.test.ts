import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, cryptoReady, type SymmetricKey } from '../crypto/index.js';
import { createMemoryConnectionPair } from './connection.js';
import { decodeFrame, encodeFrame, FrameType } from './frames.js';
import {
  BLOB_CHUNK_BYTES,
  encodeJsonPayload,
  KEYFILE_BLOB_STREAM_AD,
  MAX_SEALED_FRAME_BYTES,
} from './protocol.js';
import {
  expectFrame,
  PeerErrorFrame,
  receiveBlobStream,
  sendBlobStream,
  sendErrorFrame,
} from './wire.js';

beforeAll(async () => {
  await cryptoReady();
});

const key = () => randomBytes(32) as SymmetricKey;

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected a failure');
}

/** Fast equality for large arrays (deep equality of megabytes is slow in the test runner). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

/** Sends a blob stream into a buffer of frames, so a test can alter them. */
function framesOf(k: SymmetricKey, blob: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  sendBlobStream(
    { send: (bytes) => frames.push(bytes), receive: () => Promise.reject(new Error()), close() {} },
    k,
    blob,
    KEYFILE_BLOB_STREAM_AD,
  );
  return frames;
}

async function receiveFrames(k: SymmetricKey, frames: Uint8Array[], close = true, max = 1 << 22) {
  const [a, b] = createMemoryConnectionPair();
  for (const frame of frames) a.send(frame);
  if (close) a.close();
  return receiveBlobStream(b, k, KEYFILE_BLOB_STREAM_AD, 1000, max);
}

describe('blob stream', () => {
  it('round-trips small and chunked blobs', async () => {
    const k = key();
    for (const size of [1, 300, BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES + 1, 2 * BLOB_CHUNK_BYTES]) {
      const blob = randomBytes(size);
      const frames = framesOf(k, blob);
      expect(frames.length).toBe(1 + Math.ceil(size / BLOB_CHUNK_BYTES));
      expect(decodeFrame(frames[0]!).type).toBe(FrameType.streamHeader);
      for (const frame of frames.slice(1)) {
        const decoded = decodeFrame(frame, MAX_SEALED_FRAME_BYTES);
        expect(decoded.type).toBe(FrameType.sealed);
      }
      expect(sameBytes(await receiveFrames(k, frames), blob)).toBe(true);
    }
  });

  it('refuses a stream without its final message (truncated)', async () => {
    const k = key();
    const frames = framesOf(k, randomBytes(BLOB_CHUNK_BYTES + 10));
    expect((await errorOf(receiveFrames(k, frames.slice(0, 2)))).code).toBe(
      'CRYPTO_STREAM_TRUNCATED',
    );
    expect((await errorOf(receiveFrames(k, frames.slice(0, 1)))).code).toBe(
      'CRYPTO_STREAM_TRUNCATED',
    );
    expect((await errorOf(receiveFrames(k, []))).code).toBe('CRYPTO_STREAM_TRUNCATED');
  });

  it('refuses altered, reordered, or wrongly keyed streams', async () => {
    const k = key();
    const frames = framesOf(k, randomBytes(BLOB_CHUNK_BYTES + 10));
    for (let index = 0; index < frames.length; index++) {
      const altered = frames.map((f) => f.slice());
      altered[index]![altered[index]!.length - 1]! ^= 1;
      expect((await errorOf(receiveFrames(k, altered))).code).toBe('CRYPTO_DECRYPT_FAILED');
    }
    const swapped = [frames[0]!, frames[2]!, frames[1]!];
    expect((await errorOf(receiveFrames(k, swapped))).code).toBe('CRYPTO_DECRYPT_FAILED');
    expect((await errorOf(receiveFrames(key(), frames))).code).toBe('CRYPTO_DECRYPT_FAILED');
  });

  it('refuses more than maxBytes', async () => {
    const k = key();
    const frames = framesOf(k, randomBytes(1000));
    expect((await errorOf(receiveFrames(k, frames, true, 999))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a header of the wrong size and a sealed frame over one chunk', async () => {
    const k = key();
    const frames = framesOf(k, randomBytes(10));
    const longHeader = encodeFrame(FrameType.streamHeader, new Uint8Array(25));
    expect((await errorOf(receiveFrames(k, [longHeader, frames[1]!]))).code).toBe(
      'PROTOCOL_INVALID_FRAME',
    );
    const huge = encodeFrame(FrameType.sealed, new Uint8Array(MAX_SEALED_FRAME_BYTES + 1));
    expect((await errorOf(receiveFrames(k, [frames[0]!, huge]))).code).toBe(
      'PROTOCOL_INVALID_FRAME',
    );
  });
});

describe('expectFrame', () => {
  it('returns the payload of the expected frame', async () => {
    const [a, b] = createMemoryConnectionPair();
    a.send(encodeFrame(FrameType.response1, new Uint8Array(32).fill(1)));
    expect(await expectFrame(b, 1000, FrameType.response1, { exact: 32 }, 'r1')).toEqual(
      new Uint8Array(32).fill(1),
    );
  });

  it('refuses another type, another size, a broken frame', async () => {
    const [a, b] = createMemoryConnectionPair();
    a.send(encodeFrame(FrameType.response2, new Uint8Array(32)));
    a.send(encodeFrame(FrameType.response1, new Uint8Array(33)));
    a.send(Uint8Array.of(FrameType.response1, 32, 0, 0));
    for (let i = 0; i < 3; i++) {
      expect(
        (await errorOf(expectFrame(b, 1000, FrameType.response1, { exact: 32 }, 'r1'))).code,
      ).toBe('PROTOCOL_INVALID_FRAME');
    }
  });

  it('turns an error frame into PeerErrorFrame with its payload', async () => {
    const [a, b] = createMemoryConnectionPair();
    sendErrorFrame(a, 'PAKE_LOCKED_OUT', 'locked', 1234.2);
    const error = await errorOf(expectFrame(b, 1000, FrameType.publicData, { exact: 36 }, 'pd'));
    expect(error).toBeInstanceOf(PeerErrorFrame);
    expect((error as PeerErrorFrame).payload).toEqual({
      v: 1,
      code: 'PAKE_LOCKED_OUT',
      message: 'locked',
      retryAfterMs: 1235,
    });
    // A malformed error frame is a protocol error.
    a.send(encodeFrame(FrameType.error, encodeJsonPayload({ v: 1, code: 'bad code' })));
    expect(
      (await errorOf(expectFrame(b, 1000, FrameType.publicData, { exact: 36 }, 'pd'))).code,
    ).toBe('PROTOCOL_INVALID_FRAME');
  });

  it('sendErrorFrame never throws on a closed connection', () => {
    const [a] = createMemoryConnectionPair();
    a.close();
    expect(() => sendErrorFrame(a, 'PAKE_ABORTED', 'x')).not.toThrow();
  });
});
