/**
 * Validates and routes one IPC request. Shared by both bindings, so the Electron shell and the
 * browser bridge answer a bad request in exactly the same way:
 * unknown channel → IPC_UNKNOWN_CHANNEL, payload not matching the contract → IPC_INVALID_REQUEST,
 * a handler's typed error → that error, anything else → INTERNAL (details only in the log).
 */
import { BackboneError } from '../../src-shared/errors.js';
import { ipcChannels, isIpcChannel, type IpcChannel } from '../../src-shared/ipc/contract.js';
import type { IpcResult } from '../../src-shared/ipc/result.js';
import type { IpcHandlers } from './ipc-handlers.js';

export type IpcDispatcher = (channel: unknown, request: unknown) => Promise<IpcResult>;

export interface DispatcherOptions {
  /** Receives unexpected (non-Backbone) errors. Must not log secrets; gets the error only. */
  onUnexpectedError?: (error: unknown, channel: string) => void;
}

function fail(error: BackboneError): IpcResult {
  return { ok: false, error: { code: error.code, message: error.message } };
}

export function createIpcDispatcher(
  handlers: IpcHandlers,
  options: DispatcherOptions = {},
): IpcDispatcher {
  return async (channel, request) => {
    if (!isIpcChannel(channel)) {
      const name = typeof channel === 'string' ? `"${channel.slice(0, 64)}"` : 'a non-string';
      return fail(new BackboneError('IPC_UNKNOWN_CHANNEL', `There is no IPC channel ${name}.`));
    }
    const parsed = ipcChannels[channel].request.safeParse(request);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`)
        .join('; ');
      return fail(
        new BackboneError('IPC_INVALID_REQUEST', `Invalid request for "${channel}": ${issues}.`),
      );
    }
    try {
      const handler = handlers[channel] as (req: unknown) => unknown;
      const response = await handler(parsed.data);
      const checked = ipcChannels[channel as IpcChannel].response.safeParse(response);
      if (!checked.success) {
        throw new Error(`handler for ${channel} returned a value outside the contract`);
      }
      return { ok: true, response: checked.data };
    } catch (error) {
      if (error instanceof BackboneError) return fail(error);
      options.onUnexpectedError?.(error, channel);
      return fail(
        new BackboneError('INTERNAL', 'Something went wrong inside the app. Please try again.'),
      );
    }
  };
}
