/**
 * `SessionManager.transition`: after a work that succeeded, the unlocked services restart and
 * `session.changed` goes out; a work refused before `committed()` does neither; one that fails
 * after it does both, then throws; `'unchanged'` does neither; one transition at a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackboneError } from '../../../src-shared/errors.js';
import { createCoreContext } from '../core-context.js';
import { ServerManager } from '../server/server-manager.js';
import { NO_TEST_MODE } from '../test-mode.js';
import { SessionManager } from './session-manager.js';

let dataDir: string;
let session: SessionManager;
let log: string[];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-transition-'));
  log = [];
  const ctx = createCoreContext({
    dataDir,
    runtime: 'browser',
    testMode: NO_TEST_MODE,
    emit: (event) => log.push(`event ${event}`),
  });
  session = new SessionManager(ctx, new ServerManager(ctx));
  session.addUnlockedService({
    start: () => void log.push('start'),
    stop: () => void log.push('stop'),
  });
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const refused = () => new BackboneError('INVALID_ARGUMENT', 'refused');

describe('session.transition', () => {
  it('after a work that succeeded: services restart, the change is announced, the state answers', async () => {
    const state = await session.transition(async () => void log.push('work'));
    // Locked: the services are stopped and not started again.
    expect(log).toEqual(['work', 'stop', 'event session.changed']);
    expect(state.state).toBe('none');
  });

  it('honours restart: false and announce: false', async () => {
    await session.transition(async () => void log.push('work'), { restart: false });
    expect(log).toEqual(['work', 'event session.changed']);
    log.length = 0;
    await session.transition(async () => void log.push('work'), { announce: false });
    expect(log).toEqual(['work', 'stop']);
  });

  it('a work refused before committed() restarts nothing and announces nothing', async () => {
    await expect(
      session.transition(async () => {
        log.push('work');
        throw refused();
      }),
    ).rejects.toThrow('refused');
    expect(log).toEqual(['work']);
  });

  it('a work that fails after committed() restarts and announces, then throws', async () => {
    await expect(
      session.transition(async (scope) => {
        scope.committed();
        throw refused();
      }),
    ).rejects.toThrow('refused');
    expect(log).toEqual(['stop', 'event session.changed']);
  });

  it("'unchanged' restarts nothing and announces nothing", async () => {
    const state = await session.transition(async () => 'unchanged');
    expect(log).toEqual([]);
    expect(state.state).toBe('none');
  });

  it('runs one transition at a time', async () => {
    let release!: () => void;
    const first = session.transition(
      () =>
        new Promise<void>((resolve) => {
          log.push('first');
          release = resolve;
        }),
      { restart: false, announce: false },
    );
    const second = session.transition(async () => void log.push('second'), {
      restart: false,
      announce: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['first']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['first', 'second']);
  });
});
