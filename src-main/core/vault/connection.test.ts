/** The connection state: tells the renderer only when it changes. */
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../../src-shared/ipc/contract.js';
import { ConnectionTracker } from './connection.js';

describe('connection state', () => {
  it('starts online and emits only on changes, with the time of the change', () => {
    const emitted: ConnectionState[] = [];
    let now = Date.parse('2026-01-01T10:00:00Z');
    const tracker = new ConnectionTracker(
      (state) => emitted.push(state),
      () => new Date(now),
    );
    expect(tracker.state()).toEqual({
      online: true,
      reason: null,
      since: '2026-01-01T10:00:00.000Z',
    });
    tracker.online();
    expect(emitted).toEqual([]);
    now += 1000;
    tracker.offline('You are offline: the server cannot be reached.');
    now += 1000;
    tracker.offline('You are offline: the connection was lost.');
    now += 1000;
    tracker.online();
    tracker.online();
    expect(emitted).toEqual([
      {
        online: false,
        reason: 'You are offline: the server cannot be reached.',
        since: '2026-01-01T10:00:01.000Z',
      },
      { online: true, reason: null, since: '2026-01-01T10:00:03.000Z' },
    ]);
  });
});
