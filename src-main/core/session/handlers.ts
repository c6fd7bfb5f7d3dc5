/** IPC handlers of the session: state, unlock, quick unlock, lock, activity. */
import type { IpcHandlerMap } from '../handler-map.js';
import type { CoreServices } from '../services.js';

export function sessionHandlers(
  core: CoreServices,
): IpcHandlerMap<
  'session.state' | 'session.unlock' | 'session.quickUnlock' | 'session.lock' | 'session.activity'
> {
  const { session } = core;
  return {
    'session.state': () => session.state(),
    'session.unlock': ({ password }) => session.unlock(password),
    'session.quickUnlock': () => session.quickUnlock(),
    'session.lock': () => session.lock(),
    'session.activity': () => {
      session.activity();
      return {};
    },
  };
}
