import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES, FrameType } from './frames.js';

const types = Object.values(FrameType);

describe('password-access frames', () => {
  it('encodes u8 type ‖ u32le length ‖ payload', () => {
    const frame = encodeFrame(FrameType.response1, new Uint8Array([9, 8, 7]));
    expect([...frame]).toEqual([0x03, 3, 0, 0, 0, 9, 8, 7]);
  });

  it('carries payloads over 64 KiB', () => {
    const payload = new Uint8Array(70_000).fill(5);
    const decoded = decodeFrame(encodeFrame(FrameType.sealed, payload));
    expect(decoded.type).toBe(FrameType.sealed);
    expect(decoded.payload).toEqual(payload);
  });

  it('round-trips any frame', () => {
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 512 }), (type, payload) => {
        const decoded = decodeFrame(encodeFrame(type, payload));
        expect(decoded).toEqual({ type, payload });
      }),
    );
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['short header', new Uint8Array([1, 0, 0])],
    ['unknown type', new Uint8Array([0x42, 0, 0, 0, 0])],
    ['length too long', new Uint8Array([1, 5, 0, 0, 0, 1])],
    ['trailing bytes', new Uint8Array([1, 1, 0, 0, 0, 1, 2])],
  ])('refuses a malformed frame: %s', (_name, bytes) => {
    expect(() => decodeFrame(bytes)).toThrowError(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_FRAME' }),
    );
  });

  it('refuses a frame larger than the bound without reading it', () => {
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    header[0] = FrameType.sealed;
    new DataView(header.buffer).setUint32(1, 0xffffffff, true);
    const error = (() => {
      try {
        decodeFrame(header, 1024);
      } catch (e) {
        return e;
      }
    })();
    expect(isBackboneError(error, 'PROTOCOL_INVALID_FRAME')).toBe(true);
  });

  it('never throws anything but a typed error on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(isBackboneError(error, 'PROTOCOL_INVALID_FRAME')).toBe(true);
        }
      }),
    );
  });
});
