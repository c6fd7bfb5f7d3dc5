/**
 * Binary frames of the password-access WebSocket (docs/design.md §5):
 * `u8 type ‖ u32le length ‖ payload`, one frame per WebSocket message. The u32 length lets a
 * frame exceed 64 KiB (a keyfile or a backup chunk); `maxPayload` bounds what a peer accepts.
 */
import { BackboneError } from '../errors.js';

export const FRAME_HEADER_BYTES = 5;

/** Frame types. Handshake frames carry SPAKE2+EE messages; after it, `sealed` frames carry
 * secretstream messages (client→server keyed by client_sk, server→client by server_sk). */
export const FrameType = {
  hello: 0x01,
  publicData: 0x02,
  response1: 0x03,
  response2: 0x04,
  response3: 0x05,
  streamHeader: 0x06,
  sealed: 0x07,
  /** Client → server, register/change: the registration record sealed to the server's box key. */
  registration: 0x08,
  /** Server → client, register/change: JSON `{v, status: 'ready' | 'stored', …}`. */
  ok: 0x09,
  error: 0x7f,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const KNOWN_TYPES = new Set<number>(Object.values(FrameType));

export interface Frame {
  type: FrameType;
  payload: Uint8Array;
}

/** Default bound of one frame's payload: 4 MiB (a 1 MiB stream chunk plus overhead fits). */
export const DEFAULT_MAX_FRAME_PAYLOAD = 4 * 1024 * 1024;

export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {
  if (!KNOWN_TYPES.has(type)) {
    throw new BackboneError('INVALID_ARGUMENT', `Unknown password-access frame type ${type}.`);
  }
  if (payload.length > 0xffffffff) {
    throw new BackboneError('INVALID_ARGUMENT', 'A password-access frame is too large.');
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint32(1, payload.length, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Decodes exactly one frame; anything malformed is `PROTOCOL_INVALID_FRAME`. */
export function decodeFrame(
  bytes: Uint8Array,
  maxPayload: number = DEFAULT_MAX_FRAME_PAYLOAD,
): Frame {
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw invalidFrame('The frame is shorter than its header.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  const length = view.getUint32(1, true);
  if (!KNOWN_TYPES.has(type)) throw invalidFrame(`Unknown frame type ${type}.`);
  if (length > maxPayload) throw invalidFrame('The frame is larger than allowed.');
  if (bytes.length !== FRAME_HEADER_BYTES + length) {
    throw invalidFrame('The frame length does not match its header.');
  }
  return {
    type: type as FrameType,
    payload: bytes.slice(FRAME_HEADER_BYTES),
  };
}

function invalidFrame(message: string): BackboneError {
  return new BackboneError('PROTOCOL_INVALID_FRAME', message);
}
