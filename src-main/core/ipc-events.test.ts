/**
 * Events leaving the core are checked against the IPC contract in the one event sink both
 * bindings use (`forwardCoreEvents`): valid ones go out (parsed), invalid ones are dropped and
 * logged without their payload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IpcEvent } from '../../src-shared/ipc/contract.js';
import { AppCore } from './app-core.js';
import { checkIpcEvent, forwardCoreEvents } from './ipc-handlers.js';

const SECRET = 'correct-horse-SECRET-4711';

let dataDir: string;
let core: AppCore;
let logs: string[];
let sent: { event: string; payload: unknown }[];
let stop: () => void;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'backbone-ipc-events-'));
  logs = [];
  sent = [];
  core = new AppCore({ dataDir, runtime: 'browser', log: (message) => logs.push(message) });
  stop = forwardCoreEvents(core, (event, payload) => sent.push({ event, payload }));
});

afterEach(async () => {
  stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** What a core service would emit, bypassing the types (as a bug would). */
const emit = (event: string, payload: unknown) => core.emit('ipc', event as IpcEvent, payload);

describe('core events are checked against the IPC contract before they leave', () => {
  it('sends valid events', () => {
    const since = new Date().toISOString();
    emit('vault.connection', { online: true, reason: null, since });
    emit('vault.changed', { workspaceId: 'ws_1', origin: 'remote' });
    core.emit('statusChanged', core.status());
    expect(sent.map((item) => item.event)).toEqual([
      'vault.connection',
      'vault.changed',
      'app.statusChanged',
    ]);
    expect(sent[0]!.payload).toEqual({ online: true, reason: null, since });
    expect(logs).toEqual([]);
  });

  it('drops an invalid payload and logs it without the payload', () => {
    emit('vault.connection', { online: SECRET, reason: null, since: new Date().toISOString() });
    emit('vault.changed', { workspaceId: 'ws_1', origin: 'remote', extra: SECRET });
    emit('session.changed', SECRET);
    emit('members.changed', { secret: SECRET });
    expect(sent).toEqual([]);
    expect(logs).toHaveLength(4);
    expect(logs[0]).toContain('vault.connection');
    expect(logs[0]).toContain('online');
    expect(logs[1]).toContain('vault.changed');
    expect(logs[2]).toContain('session.changed');
    for (const line of logs) expect(line).not.toContain('SECRET');
  });

  it('drops events the contract does not know', () => {
    emit('vault.secretLeak', { value: SECRET });
    expect(sent).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('vault.secretLeak');
    expect(logs[0]).not.toContain('SECRET');
    expect(checkIpcEvent(42, {}, (message) => logs.push(message))).toBeUndefined();
    expect(logs[1]).toContain('non-string');
  });

  it('stops forwarding when asked', () => {
    stop();
    emit('vault.changed', { workspaceId: 'ws_1', origin: 'local' });
    expect(sent).toEqual([]);
  });
});
