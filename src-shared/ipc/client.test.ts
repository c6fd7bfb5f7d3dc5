import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { createIpcClient } from './client.js';
import type { IpcResult } from './result.js';
import type { IpcTransport } from './transport.js';

const status = {
  appName: 'Backbone',
  version: '1.2.3',
  core: 'ready',
  dataDir: '/data',
  runtime: 'electron',
  platform: 'linux x64',
  nodeVersion: '22.0.0',
  startedAt: '2026-01-01T00:00:00.000Z',
};

function transport(result: IpcResult, events: Record<string, unknown[]> = {}): IpcTransport {
  return {
    invoke: async () => result,
    subscribe(event, listener) {
      for (const payload of events[event] ?? []) listener(payload);
      return () => undefined;
    },
  };
}

describe('typed IPC client', () => {
  it('returns a response that matches the contract', async () => {
    const client = createIpcClient(transport({ ok: true, response: status }));
    await expect(client.invoke('app.status', {})).resolves.toEqual(status);
  });

  it('turns an error result into a typed BackboneError', async () => {
    const client = createIpcClient(
      transport({ ok: false, error: { code: 'IPC_INVALID_REQUEST', message: 'bad' } }),
    );
    const error = await client.invoke('app.status', {}).catch((e: unknown) => e);
    expect(isBackboneError(error, 'IPC_INVALID_REQUEST')).toBe(true);
  });

  it('refuses a response outside the contract', async () => {
    const client = createIpcClient(transport({ ok: true, response: { ...status, version: 7 } }));
    const error = await client.invoke('app.status', {}).catch((e: unknown) => e);
    expect(isBackboneError(error, 'IPC_INVALID_RESPONSE')).toBe(true);
  });

  it('delivers only events that match the contract', () => {
    const seen: unknown[] = [];
    const client = createIpcClient(
      transport(
        { ok: true, response: status },
        { 'app.statusChanged': [status, { nonsense: true }] },
      ),
    );
    client.subscribe('app.statusChanged', (payload) => seen.push(payload));
    expect(seen).toEqual([status]);
  });
});
