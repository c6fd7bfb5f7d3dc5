/**
 * TESTS ONLY: recording of the IPC traffic between the renderer and the core
 * (`BACKBONE_TEST_IPC_RECORD=FILE` with NODE_ENV=test, test-mode.ts), so an end-to-end test can
 * scan it for key material (src-shared/test/secret-scan.ts). The browser bridge records its
 * WebSocket frames as they are; the Electron shell records each invoke, result and event in the
 * same frame shapes (`recordingDispatcher`, `recordEvent`), serialized with JSON (a Uint8Array
 * then reads `{"0":…}`, which the scan searches too).
 */
import { appendFileSync } from 'node:fs';
import type { IpcDispatcher } from './ipc-dispatcher.js';

export type TrafficRecord = (direction: 'in' | 'out', frame: string) => void;

/** Appends each frame to `file` as a JSON line {at, direction, frame} (mode 0600). */
export function trafficRecorder(file: string): TrafficRecord {
  return (direction, frame) =>
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), direction, frame })}\n`, {
      mode: 0o600,
    });
}

/** `dispatch`, recording each request and its result as bridge-shaped frames (if `record`). */
export function recordingDispatcher(
  dispatch: IpcDispatcher,
  record: TrafficRecord | undefined,
): IpcDispatcher {
  if (record === undefined) return dispatch;
  let next = 0;
  return async (channel, request) => {
    const id = next++;
    record('in', JSON.stringify({ type: 'invoke', id, channel, request }));
    const result = await dispatch(channel, request);
    record('out', JSON.stringify({ type: 'result', id, result }));
    return result;
  };
}

/** Records an event sent to the renderer (if `record`). */
export function recordEvent(record: TrafficRecord | undefined, event: string, payload: unknown) {
  record?.('out', JSON.stringify({ type: 'event', event, payload }));
}
