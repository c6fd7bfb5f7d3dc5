/**
 * The IPC contract between the renderer and the app core: one zod schema per request,
 * response and event. Both bindings (Electron ipcMain/contextBridge and the browser bridge)
 * carry exactly this contract; main validates every request against it, the renderer's client
 * validates every response and event.
 */
import { z } from 'zod';

/** What the About/Status screen shows. */
export const appStatusSchema = z
  .object({
    appName: z.string().min(1),
    version: z.string().min(1),
    /** State of the app core. */
    core: z.enum(['starting', 'ready', 'stopping']),
    /** Where the core keeps its data (keyfile, cache, settings). */
    dataDir: z.string().min(1),
    /** Which binding serves this renderer. */
    runtime: z.enum(['electron', 'browser']),
    platform: z.string().min(1),
    /** Version of the Node.js runtime the core runs on (Electron's embedded Node in the app). */
    nodeVersion: z.string().min(1),
    /** When the core started, ISO 8601. */
    startedAt: z.iso.datetime(),
  })
  .strict();
export type AppStatus = z.infer<typeof appStatusSchema>;

const emptyRequest = z.object({}).strict();

/** Request/response channels. */
export const ipcChannels = {
  'app.status': { request: emptyRequest, response: appStatusSchema },
} as const;

/** Events pushed from main to the renderer. */
export const ipcEvents = {
  'app.statusChanged': appStatusSchema,
} as const;

export type IpcChannel = keyof typeof ipcChannels;
export type IpcEvent = keyof typeof ipcEvents;
export type IpcRequest<C extends IpcChannel> = z.input<(typeof ipcChannels)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof ipcChannels)[C]['response']>;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof ipcEvents)[E]>;

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(ipcChannels, value);
}

export function isIpcEvent(value: unknown): value is IpcEvent {
  return typeof value === 'string' && Object.hasOwn(ipcEvents, value);
}
