/**
 * The result envelope every invoke returns over either binding. Errors travel as data (not as
 * thrown exceptions) so their typed `code` survives Electron's IPC and the WebSocket alike.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';

export const ipcErrorSchema = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
  })
  .strict();
export type IpcError = z.infer<typeof ipcErrorSchema>;

export const ipcResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), response: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: ipcErrorSchema }).strict(),
]);
export type IpcResult = z.infer<typeof ipcResultSchema>;
