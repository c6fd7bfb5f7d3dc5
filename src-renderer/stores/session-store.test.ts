// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { useSessionStore } from './session-store.js';
import { fakeIpc, sessionState } from '../test/fake-ipc.js';

beforeEach(() => {
  useSessionStore.setState({ session: null, error: null, busy: false, progress: null });
});

describe('session store', () => {
  it('unlocks over IPC and takes the new state; the password is not kept', async () => {
    const ipc = fakeIpc();
    ipc.on('session.unlock', () => sessionState());
    expect(await useSessionStore.getState().unlock('hunter22 hunter22')).toBe(true);
    expect(useSessionStore.getState().session?.state).toBe('unlocked');
    expect(ipc.calls).toEqual([
      { channel: 'session.unlock', request: { password: 'hunter22 hunter22' } },
    ]);
    expect(JSON.stringify(useSessionStore.getState())).not.toContain('hunter22');
  });

  it('shows the core’s error message and stays usable', async () => {
    const ipc = fakeIpc();
    ipc.fail('session.unlock', 'KEYFILE_WRONG_PASSWORD', 'The password is wrong.');
    expect(await useSessionStore.getState().unlock('nope')).toBe(false);
    expect(useSessionStore.getState()).toMatchObject({
      busy: false,
      error: { code: 'KEYFILE_WRONG_PASSWORD', message: 'The password is wrong.' },
    });
  });

  it('keeps the latest progress until the operation is done', () => {
    const progress = {
      operation: 'unlock' as const,
      label: 'Checking your password…',
      elapsedMs: 100,
      estimatedMs: 1000,
      done: false,
    };
    useSessionStore.getState().setProgress(progress);
    expect(useSessionStore.getState().progress).toMatchObject({ elapsedMs: 100 });
    useSessionStore.getState().setProgress({ ...progress, done: true });
    expect(useSessionStore.getState().progress).toBeNull();
  });

  it('does not start a second action while one runs', async () => {
    const ipc = fakeIpc();
    let release: () => void = () => undefined;
    ipc.on(
      'session.lock',
      () => new Promise((resolve) => (release = () => resolve(sessionState({ state: 'locked' })))),
    );
    const first = useSessionStore.getState().run('session.lock', {});
    expect(await useSessionStore.getState().run('session.lock', {})).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(ipc.calls).toHaveLength(1);
  });
});
