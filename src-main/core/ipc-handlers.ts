/**
 * The app core's implementation of every IPC channel and the source of every IPC event.
 * Validation happens in the dispatcher; handlers receive typed, checked requests.
 */
import type {
  IpcChannel,
  IpcEvent,
  IpcEventPayload,
  IpcRequest,
  IpcResponse,
} from '../../src-shared/ipc/contract.js';
import type { AppCore } from './app-core.js';

export type IpcHandlers = {
  [C in IpcChannel]: (request: IpcRequest<C>) => Promise<IpcResponse<C>> | IpcResponse<C>;
};

export type IpcEventSink = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) => void;

export function createIpcHandlers(core: AppCore): IpcHandlers {
  return {
    'app.status': () => core.status(),
  };
}

/** Forwards the core's events to a binding. Returns a function that stops forwarding. */
export function forwardCoreEvents(core: AppCore, sink: IpcEventSink): () => void {
  const onStatus = (): void => sink('app.statusChanged', core.status());
  core.on('statusChanged', onStatus);
  return () => core.off('statusChanged', onStatus);
}
