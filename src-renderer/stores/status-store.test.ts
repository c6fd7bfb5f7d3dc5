import { beforeEach, describe, expect, it } from 'vitest';
import { BackboneError } from '../../src-shared/errors.js';
import type { IpcClient } from '../../src-shared/ipc/client.js';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import { useStatusStore } from './status-store.js';

const status: AppStatus = {
  appName: 'Backbone',
  version: '0.1.0',
  core: 'ready',
  dataDir: '/d',
  runtime: 'browser',
  platform: 'linux x64',
  nodeVersion: '20.0.0',
  startedAt: '2026-11-26T04:00:00.000Z',
};

function client(invoke: () => Promise<AppStatus>): IpcClient {
  return { invoke: invoke as IpcClient['invoke'], subscribe: () => () => undefined };
}

beforeEach(() => {
  useStatusStore.setState({ status: null, loading: false, error: null, connection: 'connecting' });
});

describe('status store', () => {
  it('loads the status over IPC', async () => {
    await useStatusStore.getState().load(client(async () => status));
    expect(useStatusStore.getState()).toMatchObject({ status, loading: false, error: null });
  });

  it('shows a typed error’s message', async () => {
    await useStatusStore.getState().load(
      client(async () => {
        throw new BackboneError('IPC_DISCONNECTED', 'Lost the core.');
      }),
    );
    expect(useStatusStore.getState()).toMatchObject({
      loading: false,
      error: { code: 'IPC_DISCONNECTED', message: 'Lost the core.' },
    });
  });

  it('never shows an unexpected error’s text', async () => {
    await useStatusStore.getState().load(
      client(async () => {
        throw new Error('internal /secret/path');
      }),
    );
    expect(useStatusStore.getState().error?.message).not.toContain('/secret/path');
    expect(useStatusStore.getState().error?.message).toContain('could not be reached');
  });

  it('takes pushed status and connection changes', () => {
    useStatusStore.getState().setStatus({ ...status, core: 'stopping' });
    useStatusStore.getState().setConnection('closed');
    expect(useStatusStore.getState().status?.core).toBe('stopping');
    expect(useStatusStore.getState().connection).toBe('closed');
  });
});
