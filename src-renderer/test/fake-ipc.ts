/** A fake IPC client for component and store tests: canned answers per channel, pushed events. */
import { BackboneError, type ErrorCode } from '../../src-shared/errors.js';
import type { IpcClient } from '../../src-shared/ipc/client.js';
import type { SessionState } from '../../src-shared/ipc/contract.js';
import { setIpcClient } from '../stores/ipc-client.js';

type Handler = (request: unknown) => unknown;

export interface FakeIpc extends IpcClient {
  calls: Array<{ channel: string; request: unknown }>;
  on(channel: string, handler: Handler): void;
  fail(channel: string, code: ErrorCode, message: string): void;
  push(event: string, payload: unknown): void;
}

export function fakeIpc(): FakeIpc {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: FakeIpc['calls'] = [];
  const client: FakeIpc = {
    calls,
    async invoke(channel, request) {
      calls.push({ channel, request });
      const handler = handlers.get(channel);
      if (!handler) throw new BackboneError('IPC_UNKNOWN_CHANNEL', `no fake for ${channel}`);
      return (await handler(request)) as never;
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    on(channel, handler) {
      handlers.set(channel, handler);
    },
    fail(channel, code, message) {
      handlers.set(channel, () => {
        throw new BackboneError(code, message);
      });
    },
    push(event, payload) {
      listeners.get(event)?.forEach((listener) => listener(payload));
    },
  };
  setIpcClient(client);
  return client;
}

export const FP = '12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 12345 67890';

export function sessionState(overrides: Partial<SessionState> = {}): SessionState {
  return {
    state: 'unlocked',
    identity: { address: 'bb1aaaa', safetyNumber: FP, displayName: 'Ada', deviceName: 'Laptop' },
    setup: {
      kitConfirmed: true,
      server: { mode: 'embedded', url: 'http://127.0.0.1:1', serverId: 'bbs1x' },
      workspace: { id: 'home', displayName: 'Home', username: 'ada', fingerprint: FP },
      join: null,
    },
    passwordAccess: false,
    quickUnlock: false,
    autoLockMinutes: 10,
    verification: { ok: true, at: null },
    ...overrides,
  };
}
