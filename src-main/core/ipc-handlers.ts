/**
 * The app core's implementation of every IPC channel and the source of every IPC event.
 * Validation happens in the dispatcher; handlers receive typed, checked requests. Each area of
 * the core (session, onboarding, members, settings, vault) provides its own handler map.
 *
 * Events leave through `forwardCoreEvents`, the one event sink of both bindings (Electron and
 * the browser bridge): each payload is checked against its `ipcEvents` schema first, as the
 * dispatcher checks handler answers. An unknown event or a payload outside the contract is
 * dropped and logged by event name and issue paths only, never with its payload.
 */
import {
  ipcEvents,
  isIpcEvent,
  type IpcChannel,
  type IpcEvent,
  type IpcEventPayload,
  type IpcRequest,
  type IpcResponse,
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
  return afterSuccess(
    {
      'app.status': () => core.status(),
      ...sessionHandlers(core.services),
      ...onboardingHandlers(core.services),
      ...memberHandlers(core.services),
      ...settingsHandlers(core.services),
      ...vaultHandlers(core.services),
    },
    () => core.services.session.saveTimings(),
  );
}

/**
 * Runs `after` once a handler succeeded, before its answer leaves. A refused request changes no
 * state, so what a request only measured on the way (Argon2id timings) is saved here.
 */
function afterSuccess(handlers: IpcHandlers, after: () => Promise<void>): IpcHandlers {
  const wrapped: Record<string, (request: never) => Promise<unknown>> = {};
  for (const [channel, handler] of Object.entries(handlers) as Array<
    [string, (request: never) => unknown]
  >) {
    wrapped[channel] = async (request) => {
      const response = await handler(request);
      await after();
      return response;
    };
  }
  return wrapped as unknown as IpcHandlers;
}

/**
 * Checks one event against the contract: the parsed payload to send, or undefined (and a log
 * line naming the event and the failing paths and issue codes, never values) to drop it.
 */
export function checkIpcEvent(
  event: unknown,
  payload: unknown,
  log: (message: string) => void,
): { event: IpcEvent; payload: IpcEventPayload<IpcEvent> } | undefined {
  if (!isIpcEvent(event)) {
    const name = typeof event === 'string' ? `"${event.slice(0, 64)}"` : 'a non-string';
    log(`dropped an IPC event: there is no event ${name} in the contract`);
    return undefined;
  }
  const checked = ipcEvents[event].safeParse(payload);
  if (!checked.success) {
    const issues = checked.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(payload)'} (${issue.code})`)
      .join('; ');
    log(`dropped IPC event ${event}: payload outside the contract at ${issues}`);
    return undefined;
  }
  return { event, payload: checked.data as IpcEventPayload<IpcEvent> };
}

/**
 * Forwards the core's events to a binding, each checked against the contract (`checkIpcEvent`;
 * invalid ones are dropped and logged through the core's log). Returns a function that stops
 * forwarding.
 */
export function forwardCoreEvents(core: AppCore, sink: IpcEventSink): () => void {
  const log = (message: string): void => core.services.ctx.log(message);
  const forward = (event: IpcEvent, payload: unknown): void => {
    const checked = checkIpcEvent(event, payload, log);
    if (checked !== undefined) sink(checked.event, checked.payload);
  };
  const onStatus = (): void => forward('app.statusChanged', core.status());
  const onIpc = (event: IpcEvent, payload: unknown): void => forward(event, payload);
  core.on('statusChanged', onStatus);
  core.on('ipc', onIpc);
  return () => {
    core.off('statusChanged', onStatus);
    core.off('ipc', onIpc);
  };
}
