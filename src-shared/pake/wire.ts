/**
 * Frame-level helpers shared by both ends of password access: send a frame, wait for one frame
 * of an expected type and size, send an error frame, and carry a blob over a secretstream
 * (`streamHeader` frame, then `sealed` frames of at most 1 MiB of plaintext, the last one with
 * the final tag).
 */
import { sodium, SecretstreamPull, SecretstreamPush, type SymmetricKey } from '../crypto/index.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../errors.js';
import type { PasswordAccessConnection } from './connection.js';
import { decodeFrame, encodeFrame, FrameType } from './frames.js';
import {
  BLOB_CHUNK_BYTES,
  decodeJsonPayload,
  encodeJsonPayload,
  errorPayloadSchema,
  MAX_ERROR_BYTES,
  MAX_SEALED_FRAME_BYTES,
  PASSWORD_ACCESS_VERSION,
  STREAM_HEADER_BYTES,
  type ErrorPayload,
} from './protocol.js';

/** The peer sent an `error` frame instead of what was expected. */
export class PeerErrorFrame extends BackboneError {
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super('PROTOCOL_INVALID_FRAME', 'The other side stopped the exchange with an error.');
    this.name = 'PeerErrorFrame';
    this.payload = payload;
  }
}

export function sendFrame(
  conn: PasswordAccessConnection,
  type: FrameType,
  payload: Uint8Array,
): void {
  conn.send(encodeFrame(type, payload));
}

/** Sends an error frame; never throws (the connection may already be gone). */
export function sendErrorFrame(
  conn: PasswordAccessConnection,
  code: ErrorCode,
  message: string,
  retryAfterMs?: number,
): void {
  const payload: ErrorPayload = {
    v: PASSWORD_ACCESS_VERSION,
    code,
    message: message.slice(0, 1000),
  };
  if (retryAfterMs !== undefined) payload.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
  try {
    sendFrame(conn, FrameType.error, encodeJsonPayload(payload));
  } catch {
    // The peer is gone; nothing to tell.
  }
}

export type FrameSize = { exact: number } | { min?: number; max: number };

function invalid(message: string): BackboneError {
  return new BackboneError('PROTOCOL_INVALID_FRAME', message);
}

/**
 * Waits for one frame of `type` whose payload has the given size. An `error` frame throws
 * `PeerErrorFrame`; any other type or size throws `PROTOCOL_INVALID_FRAME`.
 */
export async function expectFrame(
  conn: PasswordAccessConnection,
  timeoutMs: number,
  type: FrameType,
  size: FrameSize,
  what: string,
): Promise<Uint8Array> {
  const bytes = await conn.receive(timeoutMs);
  const max = 'exact' in size ? size.exact : size.max;
  const min = 'exact' in size ? size.exact : (size.min ?? 0);
  const frame = decodeFrame(bytes, Math.max(max, MAX_ERROR_BYTES));
  if (frame.type === FrameType.error) {
    if (frame.payload.length > MAX_ERROR_BYTES) throw invalid('The error frame is too large.');
    throw new PeerErrorFrame(decodeJsonPayload(frame.payload, errorPayloadSchema, 'error frame'));
  }
  if (frame.type !== type) {
    throw invalid(`Expected the ${what}, but the other side sent something else.`);
  }
  if (frame.payload.length < min || frame.payload.length > max) {
    throw invalid(`The ${what} has the wrong size.`);
  }
  return frame.payload;
}

/**
 * Sends `blob` over a new secretstream keyed by `key`: a `streamHeader` frame, then `sealed`
 * frames of at most `BLOB_CHUNK_BYTES` plaintext each; the last carries the final tag. Each
 * message's associated data is `ad`.
 */
export function sendBlobStream(
  conn: PasswordAccessConnection,
  key: SymmetricKey,
  blob: Uint8Array,
  ad: Uint8Array,
): void {
  const push = SecretstreamPush.init(key);
  try {
    sendFrame(conn, FrameType.streamHeader, push.header);
    let offset = 0;
    do {
      const end = Math.min(blob.length, offset + BLOB_CHUNK_BYTES);
      const last = end === blob.length;
      sendFrame(
        conn,
        FrameType.sealed,
        push.push(blob.subarray(offset, end), last ? 'final' : 'message', ad),
      );
      offset = end;
    } while (offset < blob.length);
  } finally {
    push.dispose();
  }
}

/**
 * Receives a blob sent by `sendBlobStream`. Refuses a stream that ends without the final tag
 * (`CRYPTO_STREAM_TRUNCATED`), an altered or reordered message (`CRYPTO_DECRYPT_FAILED`), a
 * total above `maxBytes` (`PAYLOAD_TOO_LARGE`). Returns nothing unless the whole stream is
 * authentic.
 */
export async function receiveBlobStream(
  conn: PasswordAccessConnection,
  key: SymmetricKey,
  ad: Uint8Array,
  timeoutMs: number,
  maxBytes: number,
): Promise<Uint8Array> {
  const s = sodium();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let pull: SecretstreamPull | undefined;
  let complete = false;
  try {
    const header = await nextStreamFrame(
      conn,
      timeoutMs,
      FrameType.streamHeader,
      { exact: STREAM_HEADER_BYTES },
      'stream header',
    );
    pull = SecretstreamPull.init(key, header);
    for (;;) {
      const sealed = await nextStreamFrame(
        conn,
        timeoutMs,
        FrameType.sealed,
        { min: 17, max: MAX_SEALED_FRAME_BYTES },
        'keyfile data',
      );
      const { message, tag } = pull.pull(sealed, ad);
      total += message.length;
      chunks.push(message);
      if (total > maxBytes) {
        throw new BackboneError(
          'PAYLOAD_TOO_LARGE',
          'The server sent more data than a keyfile can be. It was refused.',
        );
      }
      if (tag === 'final') break;
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    complete = true;
    return out;
  } finally {
    pull?.dispose();
    for (const chunk of chunks) s.memzero(chunk);
    if (!complete) chunks.length = 0;
  }
}

/** `expectFrame`, where the connection ending means the stream was cut short. */
async function nextStreamFrame(
  conn: PasswordAccessConnection,
  timeoutMs: number,
  type: FrameType,
  size: FrameSize,
  what: string,
): Promise<Uint8Array> {
  try {
    return await expectFrame(conn, timeoutMs, type, size, what);
  } catch (error) {
    if (isBackboneError(error, 'CONNECTION_CLOSED')) {
      throw new BackboneError(
        'CRYPTO_STREAM_TRUNCATED',
        'The connection ended before the whole keyfile arrived. Try again.',
        { cause: error },
      );
    }
    throw error;
  }
}
