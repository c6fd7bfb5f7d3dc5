/**
 * Frames of the browser bridge (the IPC contract over a loopback WebSocket). Text frames, JSON.
 */
import { z } from 'zod';
import { ipcResultSchema } from './result.js';

/** Upper bound of one frame; the contract's messages are small. */
export const BRIDGE_MAX_FRAME_BYTES = 1024 * 1024;

export const bridgeClientFrameSchema = z
  .object({
    type: z.literal('invoke'),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    channel: z.string().max(128),
    request: z.unknown(),
  })
  .strict();
export type BridgeClientFrame = z.infer<typeof bridgeClientFrameSchema>;

export const bridgeServerFrameSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('result'),
      id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      result: ipcResultSchema,
    })
    .strict(),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }).strict(),
  /** Sent when a frame could not be read at all (no id to answer to); the socket stays open. */
  z.object({ type: z.literal('protocolError'), message: z.string() }).strict(),
]);
export type BridgeServerFrame = z.infer<typeof bridgeServerFrameSchema>;
