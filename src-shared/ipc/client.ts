/**
 * The renderer's typed client over any IpcTransport. It validates responses and events against
 * the contract too, so a wrong answer from main is a typed error, never a silent bad value.
 */
import { BackboneError } from '../errors.js';
import {
  ipcChannels,
  ipcEvents,
  type IpcChannel,
  type IpcEvent,
  type IpcEventPayload,
  type IpcRequest,
  type IpcResponse,
} from './contract.js';
import type { IpcTransport, Unsubscribe } from './transport.js';

export interface IpcClient {
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResponse<C>>;
  subscribe<E extends IpcEvent>(
    event: E,
    listener: (payload: IpcEventPayload<E>) => void,
  ): Unsubscribe;
}

export function createIpcClient(transport: IpcTransport): IpcClient {
  return {
    async invoke(channel, request) {
      const result = await transport.invoke(channel, request);
      if (!result.ok) {
        throw new BackboneError(result.error.code, result.error.message);
      }
      const parsed = ipcChannels[channel].response.safeParse(result.response);
      if (!parsed.success) {
        throw new BackboneError(
          'IPC_INVALID_RESPONSE',
          `The app core sent an unexpected answer on "${channel}".`,
        );
      }
      return parsed.data as IpcResponse<typeof channel>;
    },
    subscribe(event, listener) {
      return transport.subscribe(event, (payload) => {
        const parsed = ipcEvents[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as IpcEventPayload<typeof event>);
      });
    },
  };
}
