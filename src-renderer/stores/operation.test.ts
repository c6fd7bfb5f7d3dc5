import { describe, expect, it } from 'vitest';
import { create } from 'zustand';
import { BackboneError } from '../../src-shared/errors.js';
import { fakeIpc } from '../test/fake-ipc.js';
import { BUSY_ERROR, operations, type OperationState } from './operation.js';

interface TestStore extends OperationState {
  loading: boolean;
}

function store() {
  const useStore = create<TestStore>(() => ({ busy: false, loading: false, error: null }));
  return { useStore, ops: operations(useStore.setState, useStore.getState) };
}

describe('operations', () => {
  it('is busy while an action runs and returns its value', async () => {
    const { useStore, ops } = store();
    useStore.setState({ error: { code: 'OLD', message: 'old' } });
    let release!: (value: number) => void;
    const pending = ops.run(() => new Promise<number>((resolve) => (release = resolve)));
    expect(useStore.getState()).toMatchObject({ busy: true, loading: false, error: null });
    release(7);
    expect(await pending).toEqual({ ok: true, value: 7 });
    expect(useStore.getState()).toMatchObject({ busy: false, error: null });
  });

  it('keeps a typed error’s code and message, and returns it', async () => {
    const { useStore, ops } = store();
    const result = await ops.run(async () => {
      throw new BackboneError('KEYFILE_WRONG_PASSWORD', 'The password is wrong.');
    });
    const error = { code: 'KEYFILE_WRONG_PASSWORD', message: 'The password is wrong.' };
    expect(result).toEqual({ ok: false, error });
    expect(useStore.getState()).toMatchObject({ busy: false, error });
  });

  it('never shows an unexpected error’s own text', async () => {
    const { useStore, ops } = store();
    await ops.run(async () => {
      throw new Error('internal /secret/path');
    });
    expect(useStore.getState().error?.code).toBe('INTERNAL');
    expect(useStore.getState().error?.message).not.toContain('/secret/path');
    await ops.run(
      async () => {
        throw new Error('internal');
      },
      { unexpected: 'The core is gone.' },
    );
    expect(useStore.getState().error).toEqual({ code: 'INTERNAL', message: 'The core is gone.' });
  });

  it('quiet: returns the failure without keeping it in the store', async () => {
    const { useStore, ops } = store();
    const result = await ops.run(
      async () => {
        throw new BackboneError('STORE_CONFLICT', 'Someone else changed it.');
      },
      { quiet: true },
    );
    expect(result.ok).toBe(false);
    expect(useStore.getState()).toMatchObject({ busy: false, error: null });
  });

  it('raises loading for reads, nothing for background reads', async () => {
    const { useStore, ops } = store();
    const seen: Array<[boolean, boolean]> = [];
    await ops.run(
      async () => void seen.push([useStore.getState().busy, useStore.getState().loading]),
      { flag: 'loading' },
    );
    await ops.run(
      async () => void seen.push([useStore.getState().busy, useStore.getState().loading]),
      { flag: null },
    );
    expect(seen).toEqual([
      [false, true],
      [false, false],
    ]);
    expect(useStore.getState().loading).toBe(false);
  });

  it('exclusive: refuses to start while another action runs', async () => {
    const { useStore, ops } = store();
    let release!: () => void;
    const first = ops.run(() => new Promise<void>((resolve) => (release = resolve)));
    let started = false;
    const second = await ops.run(
      async () => {
        started = true;
      },
      { exclusive: true },
    );
    expect(second).toEqual({ ok: false, error: BUSY_ERROR });
    expect(started).toBe(false);
    expect(useStore.getState()).toMatchObject({ busy: true, error: null });
    release();
    await first;
    expect(useStore.getState().busy).toBe(false);
  });

  it('call: invokes one IPC channel with its request', async () => {
    const ipc = fakeIpc();
    ipc.on('members.log', () => ({ entries: [] }));
    const { ops } = store();
    const result = await ops.call('members.log', {});
    expect(result).toEqual({ ok: true, value: { entries: [] } });
    expect(ipc.calls).toEqual([{ channel: 'members.log', request: {} }]);
  });
});
