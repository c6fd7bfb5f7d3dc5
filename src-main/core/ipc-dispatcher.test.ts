import { describe, expect, it } from 'vitest';
import { BackboneError } from '../../src-shared/errors.js';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import { createIpcDispatcher } from './ipc-dispatcher.js';
import type { IpcHandlers } from './ipc-handlers.js';

const status: AppStatus = {
  appName: 'Backbone',
  version: '0.1.0',
  core: 'ready',
  dataDir: '/tmp/backbone',
  runtime: 'browser',
  platform: 'linux x64',
  nodeVersion: '20.0.0',
  startedAt: new Date(0).toISOString(),
};

function dispatcherWith(handler: IpcHandlers['app.status']) {
  const unexpected: unknown[] = [];
  const dispatch = createIpcDispatcher(
    // Only the channel under test; the others are never called here.
    { 'app.status': handler } as IpcHandlers,
    { onUnexpectedError: (error) => unexpected.push(error) },
  );
  return { dispatch, unexpected };
}

describe('IPC dispatcher', () => {
  it('answers a valid request with the handler’s response', async () => {
    const { dispatch } = dispatcherWith(() => status);
    expect(await dispatch('app.status', {})).toEqual({ ok: true, response: status });
  });

  it.each([['no.such.channel'], ['__proto__'], ['toString'], [42], [null]])(
    'refuses unknown channel %s with IPC_UNKNOWN_CHANNEL',
    async (channel) => {
      const { dispatch } = dispatcherWith(() => status);
      const result = await dispatch(channel, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } });
    },
  );

  it.each([[undefined], [null], ['text'], [[]], [{ extra: true }], [42]])(
    'refuses invalid payload %j with IPC_INVALID_REQUEST and never calls the handler',
    async (request) => {
      let called = false;
      const { dispatch } = dispatcherWith(() => {
        called = true;
        return status;
      });
      const result = await dispatch('app.status', request);
      expect(result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
      expect(called).toBe(false);
    },
  );

  it('passes a handler’s typed error through', async () => {
    const { dispatch } = dispatcherWith(() => {
      throw new BackboneError('KEYFILE_WRONG_PASSWORD', 'The password is wrong.');
    });
    expect(await dispatch('app.status', {})).toEqual({
      ok: false,
      error: { code: 'KEYFILE_WRONG_PASSWORD', message: 'The password is wrong.' },
    });
  });

  it('hides unexpected errors behind INTERNAL and reports them', async () => {
    const { dispatch, unexpected } = dispatcherWith(() => {
      throw new Error('secret detail /home/user/key');
    });
    const result = await dispatch('app.status', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secret detail');
    expect(unexpected).toHaveLength(1);
  });

  it('refuses a handler answer outside the contract', async () => {
    const { dispatch, unexpected } = dispatcherWith(
      () => ({ ...status, core: 'exploded' }) as unknown as AppStatus,
    );
    expect(await dispatch('app.status', {})).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
    expect(unexpected).toHaveLength(1);
  });
});
