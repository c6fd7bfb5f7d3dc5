import { describe, expect, it } from 'vitest';
import { scanFrames } from '../../src-shared/test/secret-scan.js';
import type { IpcDispatcher } from './ipc-dispatcher.js';
import { recordEvent, recordingDispatcher, type TrafficRecord } from './test-traffic.js';

describe('IPC traffic recording of the Electron shell (tests only)', () => {
  it('records each invoke, its result and each event as bridge-shaped frames the scan reads', async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);
    const frames: Array<[string, string]> = [];
    const record: TrafficRecord = (direction, frame) => frames.push([direction, frame]);
    const inner: IpcDispatcher = async (channel) =>
      channel === 'leaky' ? { ok: true, response: { key } } : { ok: true, response: null };
    const dispatch = recordingDispatcher(inner, record);
    expect(await dispatch('app.status', { a: 1 })).toEqual({ ok: true, response: null });
    await dispatch('leaky', {});
    recordEvent(record, 'status', { fine: true });
    expect(frames.map(([d, f]) => [d, JSON.parse(f).type])).toEqual([
      ['in', 'invoke'],
      ['out', 'result'],
      ['in', 'invoke'],
      ['out', 'result'],
      ['out', 'event'],
    ]);
    expect(JSON.parse(frames[0]![1])).toEqual({
      type: 'invoke',
      id: 0,
      channel: 'app.status',
      request: { a: 1 },
    });
    // A Uint8Array in an answer is recorded in JSON's object form, and the scan finds it there.
    const found = scanFrames(
      frames.map(([, f]) => f),
      [{ kind: 'k', bytes: key }],
    );
    expect(found.map((f) => [f.encoding, f.frame])).toEqual([['object', 3]]);
  });

  it('records nothing and wraps nothing without a recording file', () => {
    const inner: IpcDispatcher = async () => ({ ok: true, response: null });
    expect(recordingDispatcher(inner, undefined)).toBe(inner);
    expect(() => recordEvent(undefined, 'status', {})).not.toThrow();
  });
});
