/**
 * The app core's implementation of every IPC channel and the source of every IPC event.
 * Validation happens in the dispatcher; handlers receive typed, checked requests. Each area of
 * the core (session, onboarding, members, settings, vault) provides its own handler map.
 */
import type {
  IpcChannel,
  IpcEvent,
  IpcEventPayload,
  IpcRequest,
  IpcResponse,
} from '../../src-shared/ipc/contract.js';
import type { AppCore } from './app-core.js';
import { memberHandlers } from './members/handlers.js';
import { onboardingHandlers } from './onboarding/handlers.js';
import { sessionHandlers } from './session/handlers.js';
import { settingsHandlers } from './settings/handlers.js';
import { vaultHandlers } from './vault/handlers.js';

export type IpcHandlers = {
  [C in IpcChannel]: (request: IpcRequest<C>) => Promise<IpcResponse<C>> | IpcResponse<C>;
};

export type IpcEventSink = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) => void;

export function createIpcHandlers(core: AppCore): IpcHandlers {
  return {
    'app.status': () => core.status(),
    ...sessionHandlers(core.services),
    ...onboardingHandlers(core.services),
    ...memberHandlers(core.services),
    ...settingsHandlers(core.services),
    ...vaultHandlers(core.services),
  };
}

/** Forwards the core's events to a binding. Returns a function that stops forwarding. */
export function forwardCoreEvents(core: AppCore, sink: IpcEventSink): () => void {
  const onStatus = (): void => sink('app.statusChanged', core.status());
  const onIpc = (event: IpcEvent, payload: unknown): void =>
    sink(event, payload as IpcEventPayload<typeof event>);
  core.on('statusChanged', onStatus);
  core.on('ipc', onIpc);
  return () => {
    core.off('statusChanged', onStatus);
    core.off('ipc', onIpc);
  };
}
